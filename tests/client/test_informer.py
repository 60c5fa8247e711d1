"""The informer: initial sync, events, indexers, resync, relist after a forced 410."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from kapi.client import CONFIGMAPS, PODS, Client, Informer, index_by_namespace, index_by_node_name
from kapi.client.interface import Obj
from kapi.testing import ServerThread
from tests.client.helpers import TIMEOUT, eventually, http_client, inprocess_client, new_namespace, pod


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    with ServerThread() as s:
        yield s


async def _informer_flow(c: Client) -> None:
    ns = await new_namespace(c)
    await c.create(PODS, pod("a", node="n1"), ns)
    await c.create(PODS, pod("b"), ns)
    log: list[tuple[str, str]] = []
    inf = Informer(c, PODS, ns, indexers={"namespace": index_by_namespace, "node": index_by_node_name})
    inf.add_event_handler(on_add=lambda o: log.append(("add", o["metadata"]["name"])),
                          on_update=lambda old, new: log.append(("update", new["metadata"]["name"])),
                          on_delete=lambda o: log.append(("delete", o["metadata"]["name"])))
    assert not inf.has_synced()
    async with inf:
        assert await inf.wait_for_sync(TIMEOUT)
        assert sorted(inf.keys()) == [f"{ns}/a", f"{ns}/b"]
        assert sorted(log) == [("add", "a"), ("add", "b")]
        assert [o["metadata"]["name"] for o in inf.by_index("node", "n1")] == ["a"]
        assert len(inf.by_index("namespace", ns)) == 2
        assert inf.get("a", ns)["kind"] == "Pod"  # type: ignore[index]
        log.clear()
        await c.create(PODS, pod("c", node="n1"), ns)
        await c.patch(PODS, "b", {"metadata": {"labels": {"x": "y"}}}, ns)
        await c.delete(PODS, "a", ns, grace_period_seconds=0)
        await eventually(lambda: inf.get("a", ns) is None and inf.get("c", ns) is not None)
        await eventually(lambda: ((inf.get("b", ns) or {}).get("metadata") or {}).get("labels") == {"x": "y"})
        assert ("add", "c") in log and ("update", "b") in log and ("delete", "a") in log
        assert [o["metadata"]["name"] for o in inf.by_index("node", "n1")] == ["c"]
    assert inf.list_count == 1


def test_informer_inprocess() -> None:
    async def main() -> None:
        async with inprocess_client() as c:
            await asyncio.wait_for(_informer_flow(c), 15)
    asyncio.run(main())


def test_informer_http(server: ServerThread) -> None:
    async def main() -> None:
        async with http_client(server.url) as c:
            await asyncio.wait_for(_informer_flow(c), 15)
    asyncio.run(main())


def test_wait_for_sync_times_out_and_resync() -> None:
    async def main() -> None:
        async with inprocess_client() as c:
            ns = await new_namespace(c)
            await c.create(CONFIGMAPS, {"metadata": {"name": "a", "namespace": ns}})
            inf = Informer(c, CONFIGMAPS, ns, label_selector="a in (")  # list always fails: never syncs
            async with inf:
                assert not await inf.wait_for_sync(0.2)
                assert inf.last_error is not None
            resyncs: list[str] = []
            inf = Informer(c, CONFIGMAPS, ns, resync_period=0.05)
            inf.add_event_handler(on_update=lambda old, new: resyncs.append(new["metadata"]["name"]))
            async with inf:
                assert await inf.wait_for_sync(TIMEOUT)
                await eventually(lambda: len(resyncs) >= 2)
    asyncio.run(main())


def stale_first_watch(client: Client, stale_rv: str) -> Client:
    """Make ``client``'s next watch start at a compacted resourceVersion (the informer must relist)."""
    inner = client.watch
    pending = [stale_rv]

    def watch(resource: Any, namespace: str | None = None, **kw: Any) -> AsyncIterator[tuple[str, Obj]]:
        if pending:
            kw["resource_version"] = pending.pop()
        return inner(resource, namespace, **kw)
    client.watch = watch  # type: ignore[method-assign]
    return client


def test_informer_relists_after_410() -> None:
    async def main() -> None:
        async with inprocess_client(compact_keep_revisions=20, compact_interval=0.05) as c:
            ns = await new_namespace(c)
            await c.create(CONFIGMAPS, {"metadata": {"name": "keep", "namespace": ns}})
            stale = (await c.list(CONFIGMAPS, ns))["metadata"]["resourceVersion"]
            for i in range(40):
                await c.create(CONFIGMAPS, {"metadata": {"name": f"f{i}", "namespace": ns}})

            async def compacted() -> bool:
                async with contextlib.aclosing(c.watch(CONFIGMAPS, ns, resource_version=stale,
                                                       timeout_seconds=1)) as events:
                    async for etype, obj in events:
                        return etype == "ERROR" and obj.get("code") == 410
                return False
            await eventually(compacted)
            inf = Informer(stale_first_watch(c, stale), CONFIGMAPS, ns)
            async with inf:
                assert await inf.wait_for_sync(TIMEOUT)
                await eventually(lambda: inf.list_count >= 2)
                assert inf.last_error is not None and getattr(inf.last_error, "code", None) == 410
                assert len(inf.keys()) == 41
                await c.create(CONFIGMAPS, {"metadata": {"name": "after", "namespace": ns}})
                await eventually(lambda: inf.get("after", ns) is not None)
    asyncio.run(asyncio.wait_for(main(), 20))
