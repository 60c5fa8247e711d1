"""WATCH: event streams, resourceVersion semantics, bookmarks and sendInitialEvents, selector
transitions, timeouts, the 410 ERROR event and the Python client's ``Watch().stream`` on top.
See /work/shared/reference/streaming-contract.md section 2.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kubernetes import client, watch

from kapi.testing import ServerThread
from tests.conformance.conftest import (
    MERGE,
    Raw,
    assert_status,
    cause_fields,
    cm_body,
    uniq,
    wait_for,
    watch_lines,
)

INITIAL_END = "k8s.io/initial-events-end"


def cms(ns: str) -> str:
    return f"/api/v1/namespaces/{ns}/configmaps"


def open_watch(raw: Raw, path: str, params: dict[str, str] | None = None, *, timeout: int = 1) -> Any:
    q = {"watch": "true", "timeoutSeconds": str(timeout)}
    q.update(params or {})
    r = raw.get(path, params=q, stream=True, timeout=timeout + 10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == "application/json"
    return r


def events(raw: Raw, path: str, params: dict[str, str] | None = None, *, timeout: int = 1,
           stop: Callable[[dict[str, Any]], bool] | None = None, count: int | None = None) -> list[dict[str, Any]]:
    """Events until the stream ends (``timeout`` seconds), ``stop`` says so, or ``count`` arrived."""
    if count is not None:
        timeout = max(timeout, 5)
    return watch_lines(open_watch(raw, path, params, timeout=timeout), stop=stop, max_events=count)


def summary(evs: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["type"], e["object"]["metadata"].get("name", "")) for e in evs]


def list_rv(raw: Raw, path: str) -> str:
    return raw.ok("GET", path)["metadata"]["resourceVersion"]


def later(fn: Callable[[], Any], delay: float = 0.3) -> threading.Thread:
    def run() -> None:
        time.sleep(delay)
        fn()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


# --- basic event flow --------------------------------------------------------------------------

def test_watch_from_list_rv_replays_changes(raw: Raw, ns: str) -> None:
    rv = list_rv(raw, cms(ns))
    created = raw.create(cms(ns), cm_body("w1"))
    modified = raw.ok("PATCH", f"{cms(ns)}/w1", {"data": {"k": "2"}}, ctype=MERGE)
    raw.ok("DELETE", f"{cms(ns)}/w1")
    evs = events(raw, cms(ns), {"resourceVersion": rv}, count=3)
    assert summary(evs) == [("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")]
    for e in evs:
        assert e["object"]["kind"] == "ConfigMap"
        assert e["object"]["apiVersion"] == "v1"
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in evs]
    assert rvs[0] == int(created["metadata"]["resourceVersion"])
    assert rvs[1] == int(modified["metadata"]["resourceVersion"])
    assert rvs[2] > rvs[1], "DELETED must carry the deletion's (new) resourceVersion"
    assert evs[2]["object"]["data"] == {"k": "2"}, "DELETED carries the last state of the object"


def test_watch_only_sends_changes_after_rv(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("before"))
    rv = list_rv(raw, cms(ns))
    raw.create(cms(ns), cm_body("after"))
    assert summary(events(raw, cms(ns), {"resourceVersion": rv}, count=1)) == [("ADDED", "after")]


@pytest.mark.parametrize("rv", [None, "0"])
def test_watch_without_rv_starts_with_synthetic_added(raw: Raw, ns: str, rv: str | None) -> None:
    for n in ("s1", "s2"):
        raw.create(cms(ns), cm_body(n))
    raw.ok("PATCH", f"{cms(ns)}/s1", {"data": {"k": "changed"}}, ctype=MERGE)
    evs = events(raw, cms(ns), {"resourceVersion": rv} if rv is not None else None, count=2)
    assert sorted(summary(evs)) == [("ADDED", "s1"), ("ADDED", "s2")]
    s1 = next(e for e in evs if e["object"]["metadata"]["name"] == "s1")
    assert s1["object"]["data"] == {"k": "changed"}


def test_live_events(raw: Raw, ns: str) -> None:
    rv = list_rv(raw, cms(ns))

    def act() -> None:
        raw.create(cms(ns), cm_body("live"))
        raw.ok("PATCH", f"{cms(ns)}/live", {"data": {"k": "x"}}, ctype=MERGE)
        raw.ok("DELETE", f"{cms(ns)}/live")

    t = later(act)
    evs = events(raw, cms(ns), {"resourceVersion": rv}, timeout=5, stop=lambda e: e["type"] == "DELETED")
    t.join()
    assert summary(evs) == [("ADDED", "live"), ("MODIFIED", "live"), ("DELETED", "live")]


def test_stream_format(raw: Raw, ns: str) -> None:
    rv = list_rv(raw, cms(ns))
    raw.create(cms(ns), cm_body("fmt", {"multi": "line\none\ntwo"}))
    r = open_watch(raw, cms(ns), {"resourceVersion": rv})
    assert r.headers.get("Transfer-Encoding", "").lower() == "chunked"
    body = r.raw.read()
    r.close()
    lines = body.split(b"\n")
    assert lines[-1] == b"", "every event ends with a newline"
    assert len(lines) == 2, body[:500]
    ev = json.loads(lines[0])
    assert set(ev) == {"type", "object"}
    assert ev["object"]["data"]["multi"] == "line\none\ntwo"


def test_timeout_seconds_ends_the_stream(raw: Raw, ns: str) -> None:
    start = time.monotonic()
    evs = events(raw, cms(ns), {"resourceVersion": list_rv(raw, cms(ns))}, timeout=1)
    elapsed = time.monotonic() - start
    assert evs == []
    assert 0.8 <= elapsed < 4, elapsed


def test_negative_timeout_ends_the_stream_at_once(raw: Raw, ns: str) -> None:
    """Upstream turns timeoutSeconds into a timer; a negative one fires immediately (0 means "default")."""
    start = time.monotonic()
    r = raw.get(cms(ns), params={"watch": "true", "timeoutSeconds": "-5", "resourceVersion": list_rv(raw, cms(ns))},
                stream=True, timeout=6)
    assert r.status_code == 200, r.text
    assert watch_lines(r) == []
    assert time.monotonic() - start < 3


def test_watch_bool_parameter_forms(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("boolish"))
    for value in ("1", "True", "true", "", "yes"):  # upstream: only absent, 0 and false are false
        r = raw.get(cms(ns), params={"watch": value, "timeoutSeconds": "1"}, stream=True, timeout=10)
        assert r.status_code == 200
        assert summary(watch_lines(r, max_events=1)) == [("ADDED", "boolish")], value
    for value in ("false", "0", "False"):
        out = raw.ok("GET", cms(ns), params={"watch": value})
        assert out["kind"] == "ConfigMapList", value


# --- bookmarks and sendInitialEvents -----------------------------------------------------------

def test_send_initial_events_ends_with_bookmark(raw: Raw, ns: str) -> None:
    for n in ("i1", "i2"):
        raw.create(cms(ns), cm_body(n))
    current = int(list_rv(raw, cms(ns)))
    evs = events(raw, cms(ns), {"sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan",
                                "allowWatchBookmarks": "true"}, count=3)
    assert sorted(summary(evs[:2])) == [("ADDED", "i1"), ("ADDED", "i2")]
    assert len(evs) == 3
    bm = evs[2]
    assert bm["type"] == "BOOKMARK"
    obj = bm["object"]
    assert obj["kind"] == "ConfigMap"
    assert obj["apiVersion"] == "v1"
    assert obj["metadata"]["annotations"][INITIAL_END] == "true"
    assert int(obj["metadata"]["resourceVersion"]) >= current
    assert "data" not in obj


def test_initial_events_then_live_changes(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("pre"))
    r = open_watch(raw, cms(ns), {"sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan",
                                  "allowWatchBookmarks": "true"}, timeout=5)
    evs: list[dict[str, Any]] = []
    for line in r.iter_lines(chunk_size=1):
        ev = json.loads(line)
        evs.append(ev)
        if ev["type"] == "BOOKMARK":
            raw.create(cms(ns), cm_body("post"))  # only once the initial state is complete
        if ev["object"]["metadata"].get("name") == "post":
            break
    r.close()
    assert [e["type"] for e in evs] == ["ADDED", "BOOKMARK", "ADDED"]
    assert evs[0]["object"]["metadata"]["name"] == "pre"
    assert int(evs[2]["object"]["metadata"]["resourceVersion"]) > int(evs[1]["object"]["metadata"]["resourceVersion"])


def test_send_initial_events_from_rv(raw: Raw, ns: str) -> None:
    a = raw.create(cms(ns), cm_body("r1"))
    raw.create(cms(ns), cm_body("r2"))
    evs = events(raw, cms(ns), {"sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan",
                                "allowWatchBookmarks": "true", "resourceVersion": a["metadata"]["resourceVersion"]},
                 count=3)
    assert sorted(summary(evs[:-1])) == [("ADDED", "r1"), ("ADDED", "r2")]
    assert evs[-1]["type"] == "BOOKMARK"
    assert evs[-1]["object"]["metadata"]["annotations"][INITIAL_END] == "true"


def test_send_initial_events_without_bookmarks_is_allowed(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("nb"))
    evs = events(raw, cms(ns), {"sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan"})
    assert summary(evs) == [("ADDED", "nb")]


def test_send_initial_events_false(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("old"))
    rv = list_rv(raw, cms(ns))
    raw.create(cms(ns), cm_body("new"))
    evs = events(raw, cms(ns), {"sendInitialEvents": "false", "resourceVersionMatch": "NotOlderThan",
                                "allowWatchBookmarks": "true", "resourceVersion": rv})
    assert [s for s in summary(evs) if s[0] != "BOOKMARK"] == [("ADDED", "new")]
    for e in evs:
        if e["type"] == "BOOKMARK":
            assert INITIAL_END not in (e["object"]["metadata"].get("annotations") or {})


def test_legacy_watch_with_bookmarks_gets_initial_end_bookmark(raw: Raw, ns: str) -> None:
    """WatchList is on by default in 1.33: a legacy RV="" watch is defaulted to sendInitialEvents."""
    raw.create(cms(ns), cm_body("legacy"))
    evs = events(raw, cms(ns), {"allowWatchBookmarks": "true"}, count=2)
    assert [e["type"] for e in evs] == ["ADDED", "BOOKMARK"]
    assert evs[1]["object"]["metadata"]["annotations"][INITIAL_END] == "true"


def test_watch_from_rv_gets_no_initial_end_bookmark(raw: Raw, ns: str) -> None:
    rv = list_rv(raw, cms(ns))
    raw.create(cms(ns), cm_body("x"))
    evs = events(raw, cms(ns), {"allowWatchBookmarks": "true", "resourceVersion": rv})
    assert summary([e for e in evs if e["type"] != "BOOKMARK"]) == [("ADDED", "x")]
    for e in evs:
        if e["type"] == "BOOKMARK":
            assert INITIAL_END not in (e["object"]["metadata"].get("annotations") or {})


@pytest.mark.parametrize("params,fragment", [
    ({"sendInitialEvents": "true"}, "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"),
    ({"resourceVersionMatch": "NotOlderThan", "resourceVersion": "1"},
     "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"),
    ({"sendInitialEvents": "true", "resourceVersionMatch": "Exact", "resourceVersion": "1"}, "Unsupported value"),
])
def test_watch_options_validation(raw: Raw, ns: str, params: dict[str, str], fragment: str) -> None:
    q = {"watch": "true", "allowWatchBookmarks": "true", **params}
    st_ = assert_status(raw.get(cms(ns), params=q), 422, "Invalid")
    assert fragment in st_["message"]
    assert "resourceVersionMatch" in cause_fields(st_)
    assert st_["details"]["kind"] == "ListOptions"


# --- selectors ---------------------------------------------------------------------------------

def test_label_selector_transitions(raw: Raw, ns: str) -> None:
    rv = list_rv(raw, cms(ns))
    raw.create(cms(ns), cm_body("mover"))                                   # not matching: nothing
    entered = raw.ok("PATCH", f"{cms(ns)}/mover", {"metadata": {"labels": {"app": "sel"}}}, ctype=MERGE)
    changed = raw.ok("PATCH", f"{cms(ns)}/mover", {"data": {"k": "in"}}, ctype=MERGE)
    left = raw.ok("PATCH", f"{cms(ns)}/mover", {"metadata": {"labels": {"app": "other"}}}, ctype=MERGE)
    raw.ok("PATCH", f"{cms(ns)}/mover", {"data": {"k": "out"}}, ctype=MERGE)  # not matching: nothing
    raw.ok("DELETE", f"{cms(ns)}/mover")                                    # not matching: nothing
    evs = events(raw, cms(ns), {"resourceVersion": rv, "labelSelector": "app=sel"})
    assert [e["type"] for e in evs] == ["ADDED", "MODIFIED", "DELETED"]
    assert evs[0]["object"]["metadata"]["resourceVersion"] == entered["metadata"]["resourceVersion"]
    assert evs[1]["object"]["metadata"]["resourceVersion"] == changed["metadata"]["resourceVersion"]
    gone = evs[2]["object"]
    # the object as it was when it last matched, stamped with the transition's revision
    assert gone["metadata"]["labels"] == {"app": "sel"}
    assert gone["data"] == {"k": "in"}
    assert gone["metadata"]["resourceVersion"] == left["metadata"]["resourceVersion"]


def test_field_selector_transitions(raw: Raw, ns: str) -> None:
    pods = f"/api/v1/namespaces/{ns}/pods"
    rv = list_rv(raw, pods)
    raw.create(pods, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ph"},
                      "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "i:1"}]}})
    running = raw.ok("PATCH", f"{pods}/ph/status", {"status": {"phase": "Running"}}, ctype=MERGE)
    done = raw.ok("PATCH", f"{pods}/ph/status", {"status": {"phase": "Succeeded"}}, ctype=MERGE)
    evs = events(raw, pods, {"resourceVersion": rv, "fieldSelector": "status.phase=Running"})
    assert [e["type"] for e in evs] == ["ADDED", "DELETED"]
    assert evs[0]["object"]["metadata"]["resourceVersion"] == running["metadata"]["resourceVersion"]
    assert evs[1]["object"]["status"]["phase"] == "Running"
    assert evs[1]["object"]["metadata"]["resourceVersion"] == done["metadata"]["resourceVersion"]


def test_field_selector_watch_single_object(raw: Raw, ns: str) -> None:
    rv = list_rv(raw, cms(ns))
    raw.create(cms(ns), cm_body("target"))
    raw.create(cms(ns), cm_body("noise"))
    raw.ok("PATCH", f"{cms(ns)}/target", {"data": {"k": "1"}}, ctype=MERGE)
    raw.ok("PATCH", f"{cms(ns)}/noise", {"data": {"k": "1"}}, ctype=MERGE)
    evs = events(raw, cms(ns), {"resourceVersion": rv, "fieldSelector": "metadata.name=target"})
    assert summary(evs) == [("ADDED", "target"), ("MODIFIED", "target")]
    evs = events(raw, cms(ns), {"resourceVersion": "0", "fieldSelector": "metadata.name=target"}, count=1)
    assert summary(evs) == [("ADDED", "target")]


def test_watch_all_namespaces(raw: Raw, ns: str) -> None:
    rv = list_rv(raw, "/api/v1/configmaps")
    raw.create(cms(ns), cm_body("everywhere"))
    evs = events(raw, "/api/v1/configmaps", {"resourceVersion": rv, "fieldSelector": f"metadata.namespace={ns}"},
                 count=1)
    assert summary(evs) == [("ADDED", "everywhere")]
    assert evs[0]["object"]["metadata"]["namespace"] == ns


def test_watch_cluster_scoped(raw: Raw) -> None:
    rv = list_rv(raw, "/api/v1/namespaces")
    name = uniq("wns")
    raw.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    evs = events(raw, "/api/v1/namespaces", {"resourceVersion": rv, "fieldSelector": f"metadata.name={name}"},
                 count=1)
    assert summary(evs) == [("ADDED", name)]
    assert evs[0]["object"]["kind"] == "Namespace"


def test_legacy_watch_paths(raw: Raw, ns: str) -> None:
    rv = list_rv(raw, cms(ns))
    raw.create(cms(ns), cm_body("one"))
    raw.create(cms(ns), cm_body("two"))
    evs = events(raw, f"/api/v1/watch/namespaces/{ns}/configmaps/two", {"resourceVersion": rv}, count=1)
    assert summary(evs) == [("ADDED", "two")]
    evs = events(raw, f"/api/v1/watch/namespaces/{ns}/configmaps", {"resourceVersion": rv}, count=2)
    assert summary(evs) == [("ADDED", "one"), ("ADDED", "two")]
    deps = f"/apis/apps/v1/watch/namespaces/{ns}/deployments"
    assert events(raw, deps, {"resourceVersion": rv}) == []


def test_finalizer_deletion_events(raw: Raw, ns: str) -> None:
    rv = list_rv(raw, cms(ns))
    raw.create(cms(ns), cm_body("held", finalizers=["example.com/x"]))
    raw.ok("DELETE", f"{cms(ns)}/held")
    raw.ok("PATCH", f"{cms(ns)}/held", {"metadata": {"finalizers": None}}, ctype=MERGE)
    evs = events(raw, cms(ns), {"resourceVersion": rv}, count=3)
    # removing the last finalizer deletes the object in the same step: no intermediate MODIFIED
    assert [e["type"] for e in evs] == ["ADDED", "MODIFIED", "DELETED"]
    assert evs[1]["object"]["metadata"]["deletionTimestamp"]
    assert int(evs[2]["object"]["metadata"]["resourceVersion"]) > int(evs[1]["object"]["metadata"]["resourceVersion"])


def test_unsupported_field_selector_on_watch(raw: Raw, ns: str) -> None:
    assert_status(raw.get(cms(ns), params={"watch": "true", "fieldSelector": "data.k=v"}), 400, "BadRequest",
                  "field label not supported: data.k")


# --- the Python client's Watch ------------------------------------------------------------------

def test_client_watch_stream(api_client: client.ApiClient, raw: Raw, ns: str) -> None:
    core = client.CoreV1Api(api_client)
    rv = core.list_namespaced_config_map(ns).metadata.resource_version
    raw.create(cms(ns), cm_body("typed"))
    raw.ok("DELETE", f"{cms(ns)}/typed")
    w = watch.Watch()
    got = []
    for ev in w.stream(core.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=1):
        assert isinstance(ev["object"], client.V1ConfigMap)
        got.append((ev["type"], ev["object"].metadata.name))
    assert got == [("ADDED", "typed"), ("DELETED", "typed")]
    assert int(w.resource_version) > int(rv)


def test_client_watch_stop(api_client: client.ApiClient, raw: Raw, ns: str) -> None:
    core = client.CoreV1Api(api_client)
    w = watch.Watch()
    t = later(lambda: raw.create(cms(ns), cm_body("stopper")))
    seen = []
    for ev in w.stream(core.list_namespaced_config_map, ns, timeout_seconds=10, _request_timeout=15):
        seen.append(ev["object"].metadata.name)
        if ev["object"].metadata.name == "stopper":
            w.stop()
    t.join()
    assert seen == ["stopper"]


def test_client_watch_bookmarks_update_resource_version(api_client: client.ApiClient, raw: Raw, ns: str) -> None:
    core = client.CoreV1Api(api_client)
    raw.create(cms(ns), cm_body("bm"))
    w = watch.Watch()
    types = []
    for ev in w.stream(core.list_namespaced_config_map, ns, allow_watch_bookmarks=True, send_initial_events=True,
                       resource_version_match="NotOlderThan", timeout_seconds=1):
        types.append(ev["type"])
        if ev["type"] == "BOOKMARK":
            assert w.resource_version == ev["raw_object"]["metadata"]["resourceVersion"]
    assert types == ["ADDED", "BOOKMARK"]


# --- 410 Expired (a server with an aggressively compacted change log) ---------------------------

@pytest.fixture(scope="module")
def compacting() -> Iterator[ServerThread]:
    server = ServerThread()
    server.config.store_tuning = {"compact_keep_revisions": 5, "compact_interval": 0.05, "ring_events": 5}
    with server:
        yield server


@pytest.fixture(scope="module")
def craw(compacting: ServerThread) -> Iterator[Raw]:
    r = Raw(compacting.url)
    yield r
    r.session.close()


@pytest.fixture(scope="module")
def capi(compacting: ServerThread) -> Iterator[client.ApiClient]:
    cfg = client.Configuration()
    cfg.host = compacting.url
    with client.ApiClient(cfg) as api:
        yield api


def _old_rv_after_churn(r: Raw) -> tuple[str, str]:
    ns = uniq("c")
    r.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    old = r.create(cms(ns), cm_body("churn"))["metadata"]["resourceVersion"]
    for i in range(30):
        r.ok("PATCH", f"{cms(ns)}/churn", {"data": {"i": str(i)}}, ctype=MERGE)

    def expired() -> bool:
        resp = r.get(cms(ns), params={"resourceVersion": old, "resourceVersionMatch": "Exact"})
        return resp.status_code == 410

    wait_for(expired, timeout=5)
    return ns, old


def test_expired_rv_is_an_error_event(craw: Raw) -> None:
    ns, old = _old_rv_after_churn(craw)
    r = craw.get(cms(ns), params={"watch": "true", "resourceVersion": old}, stream=True, timeout=10)
    assert r.status_code == 200, "an expired watch RV is reported inside a 200 stream, never as HTTP 410"
    evs = watch_lines(r)  # the server must end the stream after the ERROR event
    assert len(evs) == 1, evs
    ev = evs[0]
    assert ev["type"] == "ERROR"
    st_ = ev["object"]
    assert st_["kind"] == "Status"
    assert st_["apiVersion"] == "v1"
    assert st_["status"] == "Failure"
    assert st_["code"] == 410
    assert st_["reason"] == "Expired"
    assert st_["message"].startswith(f"too old resource version: {old} (")


def test_expired_rv_legacy_path(craw: Raw) -> None:
    ns, old = _old_rv_after_churn(craw)
    r = craw.get(f"/api/v1/watch/namespaces/{ns}/configmaps", params={"resourceVersion": old}, stream=True,
                 timeout=10)
    assert r.status_code == 200
    evs = watch_lines(r)
    assert [e["type"] for e in evs] == ["ERROR"]
    assert evs[0]["object"]["code"] == 410


def test_client_watch_raises_410_after_one_retry(capi: client.ApiClient, craw: Raw) -> None:
    ns, old = _old_rv_after_churn(craw)
    core = client.CoreV1Api(capi)
    w = watch.Watch()
    with pytest.raises(client.ApiException) as info:
        for _ev in w.stream(core.list_namespaced_config_map, ns, resource_version=old, _request_timeout=10):
            pytest.fail("no event may precede the ERROR")
    assert info.value.status == 410
    assert "Expired" in str(info.value.reason)


def test_client_watch_with_timeout_raises_410_at_once(capi: client.ApiClient, craw: Raw) -> None:
    ns, old = _old_rv_after_churn(craw)
    core = client.CoreV1Api(capi)
    with pytest.raises(client.ApiException) as info:
        list(watch.Watch().stream(core.list_namespaced_config_map, ns, resource_version=old, timeout_seconds=5))
    assert info.value.status == 410


def test_relist_after_410_recovers(capi: client.ApiClient, craw: Raw) -> None:
    """What an informer does after 410: list again, then watch from the list's RV."""
    ns, _old = _old_rv_after_churn(craw)
    core = client.CoreV1Api(capi)
    listed = core.list_namespaced_config_map(ns)
    assert [i.metadata.name for i in listed.items] == ["churn"]
    later(lambda: craw.ok("PATCH", f"{cms(ns)}/churn", {"data": {"i": "final"}}, ctype=MERGE), delay=0.3)
    w = watch.Watch()
    got = []
    for ev in w.stream(core.list_namespaced_config_map, ns, resource_version=listed.metadata.resource_version,
                       timeout_seconds=3):
        got.append((ev["type"], ev["object"].data["i"]))
        w.stop()
    assert got == [("MODIFIED", "final")]


# --- more stream properties ----------------------------------------------------------------------

def test_initial_events_respect_selectors(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("keep", labels={"pick": "yes"}))
    raw.create(cms(ns), cm_body("skip", labels={"pick": "no"}))
    evs = events(raw, cms(ns), {"labelSelector": "pick=yes", "allowWatchBookmarks": "true",
                                "sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan"}, count=2)
    assert summary(evs) == [("ADDED", "keep"), ("BOOKMARK", "")]


def test_concurrent_watchers_see_the_same_stream(raw: Raw, ns: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    rv = list_rv(raw, cms(ns))
    for i in range(5):
        raw.create(cms(ns), cm_body(f"fan{i}"))
        raw.ok("PATCH", f"{cms(ns)}/fan{i}", {"data": {"n": str(i)}}, ctype=MERGE)

    def one(_: int) -> list[tuple[str, str, str]]:
        evs = events(raw, cms(ns), {"resourceVersion": rv}, count=10)
        return [(e["type"], e["object"]["metadata"]["name"], e["object"]["metadata"]["resourceVersion"])
                for e in evs]

    with ThreadPoolExecutor(8) as pool:
        streams = list(pool.map(one, range(8)))
    assert len(streams[0]) == 10
    assert all(s == streams[0] for s in streams)
    rvs = [int(r) for _, _, r in streams[0]]
    assert rvs == sorted(rvs) and len(set(rvs)) == 10


def test_large_object_is_one_line(raw: Raw, ns: str) -> None:
    rv = list_rv(raw, cms(ns))
    raw.create(cms(ns), cm_body("large", {"blob": "z" * (900 * 1024), "nl": "a\nb"}))
    r = open_watch(raw, cms(ns), {"resourceVersion": rv}, timeout=5)
    line = next(r.iter_lines(chunk_size=65536))
    r.close()
    ev = json.loads(line)
    assert ev["type"] == "ADDED"
    assert len(ev["object"]["data"]["blob"]) == 900 * 1024


def test_delete_collection_emits_one_deleted_per_object(raw: Raw, ns: str) -> None:
    for i in range(3):
        raw.create(cms(ns), cm_body(f"dc{i}"))
    rv = list_rv(raw, cms(ns))
    raw.ok("DELETE", cms(ns))
    evs = events(raw, cms(ns), {"resourceVersion": rv}, count=3)
    assert sorted(summary(evs)) == [("DELETED", "dc0"), ("DELETED", "dc1"), ("DELETED", "dc2")]
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in evs]
    assert len(set(rvs)) == 3 and min(rvs) > int(rv)
