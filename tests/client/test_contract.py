"""The same contract, run against both transports."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from kapi.client import CONFIGMAPS, NODES, PODS, ApiError, Client, Resource
from kapi.testing import ServerThread
from tests.client.helpers import TIMEOUT, make_client, new_namespace, pod

TRANSPORTS = ["inprocess", "http"]


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    with ServerThread() as s:
        yield s


def run(transport: str, server: ServerThread, body) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        async with make_client(transport, server.url) as client:
            await asyncio.wait_for(body(client), 15)
    asyncio.run(main())


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_crud(transport: str, server: ServerThread) -> None:
    async def body(c: Client) -> None:
        ns = await new_namespace(c)
        cm = await c.create(CONFIGMAPS, {"metadata": {"name": "a", "namespace": ns}, "data": {"k": "1"}})
        assert cm["metadata"]["uid"] and cm["kind"] == "ConfigMap"
        got = await c.get(CONFIGMAPS, "a", ns)
        assert got["data"] == {"k": "1"}
        got["data"]["k"] = "2"
        upd = await c.update(CONFIGMAPS, got)
        assert upd["data"]["k"] == "2"
        assert int(upd["metadata"]["resourceVersion"]) > int(cm["metadata"]["resourceVersion"])
        p = await c.patch(CONFIGMAPS, "a", {"data": {"x": "y"}}, ns)
        assert p["data"] == {"k": "2", "x": "y"}
        p = await c.patch(CONFIGMAPS, "a", [{"op": "remove", "path": "/data/x"}], ns, patch_type="json")
        assert p["data"] == {"k": "2"}
        p = await c.patch(CONFIGMAPS, "a", {"data": {"s": "t"}}, ns, patch_type="strategic")
        assert p["data"]["s"] == "t"
        a = await c.patch(CONFIGMAPS, "b", {"apiVersion": "v1", "kind": "ConfigMap",
                                           "metadata": {"name": "b", "namespace": ns}, "data": {"q": "r"}},
                          ns, patch_type="apply", field_manager="tester")
        assert a["data"] == {"q": "r"}
        assert any(m.get("manager") == "tester" for m in a["metadata"]["managedFields"])
        d = await c.delete(CONFIGMAPS, "a", ns)
        assert d.get("kind") == "Status" or d["metadata"]["name"] == "a"
        with pytest.raises(ApiError) as ei:
            await c.get(CONFIGMAPS, "a", ns)
        assert ei.value.code == 404 and ei.value.reason == "NotFound"
    run(transport, server, body)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_errors_are_api_errors(transport: str, server: ServerThread) -> None:
    async def body(c: Client) -> None:
        ns = await new_namespace(c)
        cm = await c.create(CONFIGMAPS, {"metadata": {"name": "a", "namespace": ns}})
        with pytest.raises(ApiError) as ei:
            await c.create(CONFIGMAPS, {"metadata": {"name": "a", "namespace": ns}})
        assert ei.value.code == 409 and ei.value.reason == "AlreadyExists"
        stale = dict(cm, data={"z": "1"})
        await c.patch(CONFIGMAPS, "a", {"data": {"y": "1"}}, ns)
        with pytest.raises(ApiError) as ei:
            await c.update(CONFIGMAPS, stale)
        assert ei.value.code == 409 and ei.value.reason == "Conflict"
        with pytest.raises(ApiError) as ei:
            await c.create(CONFIGMAPS, {"metadata": {"name": "Bad_Name", "namespace": ns}})
        assert ei.value.code == 422 and ei.value.reason == "Invalid"
        assert ei.value.status["kind"] == "Status"
        with pytest.raises(ApiError) as ei:
            await c.delete(CONFIGMAPS, "missing", ns)
        assert ei.value.code == 404
        with pytest.raises(ApiError) as ei:
            await c.get(Resource("nope.example.com", "v1", "widgets"), "x", ns)
        assert ei.value.code == 404
        with pytest.raises(ApiError) as ei:
            await c.delete(CONFIGMAPS, "a", ns, preconditions={"uid": "not-the-uid"})
        assert ei.value.code == 409
        with pytest.raises(ApiError) as ei:
            await c.list(CONFIGMAPS, ns, label_selector="a in (")
        assert ei.value.code == 400
    run(transport, server, body)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_list_selectors_and_paging(transport: str, server: ServerThread) -> None:
    async def body(c: Client) -> None:
        ns = await new_namespace(c)
        for i in range(5):
            await c.create(PODS, pod(f"p{i}", {"tier": "web" if i % 2 == 0 else "db"}, node="n1" if i < 2 else None),
                           ns)
        all_ = await c.list(PODS, ns)
        assert all_["kind"] == "PodList" and len(all_["items"]) == 5
        web = await c.list(PODS, ns, label_selector="tier=web")
        assert sorted(p["metadata"]["name"] for p in web["items"]) == ["p0", "p2", "p4"]
        on_n1 = await c.list(PODS, ns, field_selector="spec.nodeName=n1")
        assert sorted(p["metadata"]["name"] for p in on_n1["items"]) == ["p0", "p1"]
        page = await c.list(PODS, ns, limit=2)
        names = [p["metadata"]["name"] for p in page["items"]]
        while page["metadata"].get("continue"):
            page = await c.list(PODS, ns, limit=2, continue_=page["metadata"]["continue"])
            names += [p["metadata"]["name"] for p in page["items"]]
        assert names == [f"p{i}" for i in range(5)]
        nodes = await c.list(NODES)
        assert nodes["kind"] == "NodeList"
    run(transport, server, body)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_status_and_binding(transport: str, server: ServerThread) -> None:
    async def body(c: Client) -> None:
        ns = await new_namespace(c)
        p = await c.create(PODS, pod("p"), ns)
        p["status"] = {"phase": "Running"}
        out = await c.update_status(PODS, p)
        assert out["status"]["phase"] == "Running"
        out = await c.patch(PODS, "p", {"status": {"phase": "Succeeded"}}, ns, subresource="status")
        assert out["status"]["phase"] == "Succeeded"
        res = await c.create_subresource(PODS, "p", "binding", {
            "apiVersion": "v1", "kind": "Binding", "metadata": {"name": "p", "namespace": ns},
            "target": {"kind": "Node", "name": "node-1"}}, ns)
        assert res["status"] == "Success"
        assert (await c.get(PODS, "p", ns))["spec"]["nodeName"] == "node-1"
        with pytest.raises(ApiError) as ei:
            await c.create_subresource(PODS, "p", "binding", {
                "apiVersion": "v1", "kind": "Binding", "metadata": {"name": "p"},
                "target": {"kind": "Node", "name": "node-2"}}, ns)
        assert ei.value.code == 409
    run(transport, server, body)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_watch(transport: str, server: ServerThread) -> None:
    async def body(c: Client) -> None:
        ns = await new_namespace(c)
        await c.create(CONFIGMAPS, {"metadata": {"name": "before", "namespace": ns}})
        lst = await c.list(CONFIGMAPS, ns)
        rv = lst["metadata"]["resourceVersion"]
        seen: list[tuple[str, str]] = []

        async def consume() -> None:
            async with contextlib.aclosing(c.watch(CONFIGMAPS, ns, resource_version=rv,
                                                   timeout_seconds=10)) as events:
                async for etype, obj in events:
                    if etype == "BOOKMARK":
                        continue
                    seen.append((etype, obj["metadata"]["name"]))
                    if etype == "DELETED":
                        return

        task = asyncio.ensure_future(consume())
        await c.create(CONFIGMAPS, {"metadata": {"name": "w", "namespace": ns}})
        await c.patch(CONFIGMAPS, "w", {"data": {"a": "b"}}, ns)
        await c.delete(CONFIGMAPS, "w", ns)
        await asyncio.wait_for(task, TIMEOUT)
        assert seen == [("ADDED", "w"), ("MODIFIED", "w"), ("DELETED", "w")]

        # from "now" (no RV): synthetic ADDED, then the initial-events-end bookmark
        events = []
        async with contextlib.aclosing(c.watch(CONFIGMAPS, ns, timeout_seconds=10)) as stream:
            async for etype, obj in stream:
                events.append((etype, obj))
                if etype == "BOOKMARK":
                    break
        assert [e[0] for e in events] == ["ADDED", "BOOKMARK"]
        assert events[0][1]["metadata"]["name"] == "before"

        # a watch with a short timeout ends by itself
        got = [e async for e in c.watch(CONFIGMAPS, ns, resource_version=rv, timeout_seconds=1,
                                        label_selector="none=here")]
        assert all(t == "BOOKMARK" for t, _ in got)
    run(transport, server, body)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_watch_selector_and_bad_selector(transport: str, server: ServerThread) -> None:
    async def body(c: Client) -> None:
        ns = await new_namespace(c)
        with pytest.raises(ApiError) as ei:
            async for _ in c.watch(PODS, ns, field_selector="spec.bogus=1", timeout_seconds=1):
                pass
        assert ei.value.code == 400
        rv = (await c.list(PODS, ns))["metadata"]["resourceVersion"]
        seen: list[tuple[str, str]] = []

        async def consume() -> None:
            async with contextlib.aclosing(c.watch(PODS, ns, resource_version=rv, label_selector="app=x",
                                                   timeout_seconds=10)) as events:
                async for etype, obj in events:
                    if etype != "BOOKMARK":
                        seen.append((etype, obj["metadata"]["name"]))
                        if obj["metadata"]["name"] == "stop":
                            return

        task = asyncio.ensure_future(consume())
        await c.create(PODS, pod("other", {"app": "y"}), ns)
        await c.create(PODS, pod("mine", {"app": "x"}), ns)
        await c.create(PODS, pod("stop", {"app": "x"}), ns)
        await asyncio.wait_for(task, TIMEOUT)
        assert seen == [("ADDED", "mine"), ("ADDED", "stop")]
    run(transport, server, body)
