"""LIST: label and field selectors, limit/continue paging over a consistent snapshot, and the
resourceVersion / resourceVersionMatch rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client

from kapi.testing import ServerThread
from tests.conformance.conftest import MERGE, Raw, assert_status, cause_fields, cm_body, pod_body, uniq, wait_for


def cms(ns: str) -> str:
    return f"/api/v1/namespaces/{ns}/configmaps"


def names(body: dict[str, Any]) -> list[str]:
    return [i["metadata"]["name"] for i in body["items"]]


LABELLED = {
    "a": {"env": "prod", "tier": "web"},
    "b": {"env": "prod", "tier": "db"},
    "c": {"env": "dev", "tier": "web"},
    "d": {"env": "qa"},
    "e": {"canary": "true", "tier": "web"},
    "f": {},
}


@pytest.fixture(scope="module")
def labelled(raw: Raw) -> str:
    ns = uniq("lbl")
    raw.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    for name, labels in LABELLED.items():
        raw.create(cms(ns), cm_body(name, labels=labels) if labels else cm_body(name))
    return ns


@pytest.mark.parametrize("selector,expected", [
    ("", "abcdef"),
    ("env=prod", "ab"),
    ("env==prod", "ab"),
    ("env = prod", "ab"),
    ("env!=prod", "cdef"),
    ("env in (prod,dev)", "abc"),
    ("env in (prod, dev)", "abc"),
    ("env notin (prod,dev)", "def"),
    ("tier", "abce"),
    ("!tier", "df"),
    ("!env", "ef"),
    ("env=prod,tier=web", "a"),
    ("env,!canary", "abcd"),
    ("tier in (web),env notin (dev)", "ae"),
    ("env in (nothing)", ""),
    ("tier=web,tier!=web", ""),
])
def test_label_selectors(raw: Raw, labelled: str, selector: str, expected: str) -> None:
    out = raw.ok("GET", cms(labelled), params={"labelSelector": selector} if selector else None)
    assert sorted(names(out)) == list(expected), selector


def test_long_label_selector_is_accepted(raw: Raw, labelled: str) -> None:
    """Controllers build long set-based selectors; a ~20 KB query string is far below upstream's 1 MiB
    header limit and must be served like any other (and any refusal must be a Status)."""
    values = ",".join(["prod", *(f"value-{i}" for i in range(2000))])
    r = raw.get(cms(labelled), params={"labelSelector": f"env in ({values})"})
    assert r.status_code == 200, r.text[:300]
    assert sorted(names(r.json())) == ["a", "b"]


def test_label_selector_typed(api_client: client.ApiClient, labelled: str) -> None:
    core = client.CoreV1Api(api_client)
    out = core.list_namespaced_config_map(labelled, label_selector="env in (prod),tier=db")
    assert [i.metadata.name for i in out.items] == ["b"]


def test_field_selector_name_and_namespace(raw: Raw, labelled: str) -> None:
    assert names(raw.ok("GET", cms(labelled), params={"fieldSelector": "metadata.name=c"})) == ["c"]
    assert names(raw.ok("GET", cms(labelled), params={"fieldSelector": "metadata.name==c"})) == ["c"]
    assert sorted(names(raw.ok("GET", cms(labelled), params={"fieldSelector": "metadata.name!=c"}))) == list("abdef")
    out = raw.ok("GET", "/api/v1/configmaps", params={"fieldSelector": f"metadata.namespace={labelled}"})
    assert sorted(names(out)) == list("abcdef")
    out = raw.ok("GET", "/api/v1/configmaps",
                 params={"fieldSelector": f"metadata.namespace={labelled},metadata.name=e"})
    assert names(out) == ["e"]
    out = raw.ok("GET", cms(labelled), params={"fieldSelector": "metadata.name=nope"})
    assert out["items"] == []


def test_field_and_label_selector_together(raw: Raw, labelled: str) -> None:
    out = raw.ok("GET", cms(labelled), params={"fieldSelector": "metadata.name!=a", "labelSelector": "env=prod"})
    assert names(out) == ["b"]


def test_field_selector_on_cluster_scoped(raw: Raw) -> None:
    out = raw.ok("GET", "/api/v1/namespaces", params={"fieldSelector": "metadata.name=kube-system"})
    assert names(out) == ["kube-system"]
    out = raw.ok("GET", "/api/v1/namespaces", params={"fieldSelector": "status.phase=Active"})
    assert "default" in names(out)


def test_pod_field_selectors(raw: Raw, ns: str) -> None:
    pods = f"/api/v1/namespaces/{ns}/pods"
    raw.create(pods, pod_body("on-n1", nodeName="n1"))
    raw.create(pods, pod_body("on-n2", nodeName="n2", restartPolicy="Never"))
    raw.create(pods, pod_body("nowhere"))
    raw.ok("PATCH", f"{pods}/on-n1/status", {"status": {"phase": "Running", "podIP": "10.244.1.2"}}, ctype=MERGE)

    def sel(s: str) -> list[str]:
        return sorted(names(raw.ok("GET", pods, params={"fieldSelector": s})))

    assert sel("spec.nodeName=n1") == ["on-n1"]
    assert sel("spec.nodeName=") == ["nowhere"]
    assert sel("spec.nodeName!=") == ["on-n1", "on-n2"]
    assert sel("status.phase=Running") == ["on-n1"]
    assert sel("status.phase=Pending") == ["nowhere", "on-n2"]
    assert sel("status.phase!=Running,spec.nodeName=n2") == ["on-n2"]
    assert sel("spec.restartPolicy=Never") == ["on-n2"]
    assert sel("spec.schedulerName=default-scheduler") == ["nowhere", "on-n1", "on-n2"]
    assert sel("status.podIP=10.244.1.2") == ["on-n1"]
    # across namespaces, as the kubelet lists its pods
    out = raw.ok("GET", "/api/v1/pods", params={"fieldSelector": "spec.nodeName=n2"})
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in out["items"]] == [(ns, "on-n2")]


def test_event_field_selectors(raw: Raw, ns: str) -> None:
    events = f"/api/v1/namespaces/{ns}/events"
    for i, (kind, name) in enumerate([("Pod", "p1"), ("Pod", "p2"), ("Deployment", "p1")]):
        raw.create(events, {"apiVersion": "v1", "kind": "Event", "metadata": {"name": f"ev{i}"},
                            "involvedObject": {"kind": kind, "name": name, "namespace": ns, "uid": f"uid-{i}",
                                               "apiVersion": "v1"},
                            "reason": "Started" if i else "Pulled", "message": "m", "type": "Normal",
                            "source": {"component": "kubelet"}})

    def sel(s: str) -> list[str]:
        return sorted(names(raw.ok("GET", events, params={"fieldSelector": s})))

    assert sel("involvedObject.name=p1") == ["ev0", "ev2"]
    assert sel("involvedObject.kind=Pod") == ["ev0", "ev1"]
    assert sel("involvedObject.kind=Pod,involvedObject.name=p1") == ["ev0"]
    assert sel(f"involvedObject.namespace={ns},involvedObject.uid=uid-1") == ["ev1"]
    assert sel("reason=Pulled") == ["ev0"]
    assert sel("type=Normal") == ["ev0", "ev1", "ev2"]
    assert sel("source=kubelet") == ["ev0", "ev1", "ev2"]


def test_other_field_selectors(raw: Raw, ns: str) -> None:
    secrets = f"/api/v1/namespaces/{ns}/secrets"
    raw.create(secrets, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "tls"},
                         "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}})
    raw.create(secrets, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "plain"}})
    out = raw.ok("GET", secrets, params={"fieldSelector": "type=kubernetes.io/tls"})
    assert names(out) == ["tls"]
    nodes = "/api/v1/nodes"
    n = uniq("node")
    raw.create(nodes, {"apiVersion": "v1", "kind": "Node", "metadata": {"name": n},
                       "spec": {"unschedulable": True}})
    out = raw.ok("GET", nodes, params={"fieldSelector": "spec.unschedulable=true"})
    assert n in names(out)


# --- paging ------------------------------------------------------------------------------------

def test_limit_and_continue(raw: Raw, ns: str) -> None:
    for i in range(5):
        raw.create(cms(ns), cm_body(f"item-{i}"))
    p1 = raw.ok("GET", cms(ns), params={"limit": "2"})
    assert names(p1) == ["item-0", "item-1"]
    assert p1["metadata"]["continue"]
    assert p1["metadata"]["remainingItemCount"] == 3
    p2 = raw.ok("GET", cms(ns), params={"limit": "2", "continue": p1["metadata"]["continue"]})
    assert names(p2) == ["item-2", "item-3"]
    assert p2["metadata"]["remainingItemCount"] == 1
    p3 = raw.ok("GET", cms(ns), params={"limit": "2", "continue": p2["metadata"]["continue"]})
    assert names(p3) == ["item-4"]
    assert not p3["metadata"].get("continue")
    assert "remainingItemCount" not in p3["metadata"]
    rv = p1["metadata"]["resourceVersion"]
    assert p2["metadata"]["resourceVersion"] == rv
    assert p3["metadata"]["resourceVersion"] == rv


def test_exact_page_boundary_has_no_continue(raw: Raw, ns: str) -> None:
    for i in range(4):
        raw.create(cms(ns), cm_body(f"x{i}"))
    p1 = raw.ok("GET", cms(ns), params={"limit": "2"})
    p2 = raw.ok("GET", cms(ns), params={"limit": "2", "continue": p1["metadata"]["continue"]})
    assert names(p2) == ["x2", "x3"]
    assert not p2["metadata"].get("continue")
    all_ = raw.ok("GET", cms(ns), params={"limit": "4"})
    assert names(all_) == ["x0", "x1", "x2", "x3"] and not all_["metadata"].get("continue")


def test_continue_is_a_consistent_snapshot(raw: Raw, ns: str) -> None:
    for i in range(6):
        raw.create(cms(ns), cm_body(f"s{i}", {"v": "old"}))
    p1 = raw.ok("GET", cms(ns), params={"limit": "2"})
    # change the world after the first page
    raw.create(cms(ns), cm_body("s9"))
    raw.ok("DELETE", f"{cms(ns)}/s3")
    raw.ok("PATCH", f"{cms(ns)}/s4", {"data": {"v": "new"}}, ctype=MERGE)
    token = p1["metadata"]["continue"]
    rest: list[dict[str, Any]] = []
    while token:
        page = raw.ok("GET", cms(ns), params={"limit": "2", "continue": token})
        assert page["metadata"]["resourceVersion"] == p1["metadata"]["resourceVersion"]
        rest.extend(page["items"])
        token = page["metadata"].get("continue")
    assert [i["metadata"]["name"] for i in rest] == ["s2", "s3", "s4", "s5"]
    assert next(i for i in rest if i["metadata"]["name"] == "s4")["data"] == {"v": "old"}
    # a fresh list sees the new state
    assert names(raw.ok("GET", cms(ns))) == ["s0", "s1", "s2", "s4", "s5", "s9"]


def test_paging_with_label_selector(raw: Raw, ns: str) -> None:
    for i in range(10):
        raw.create(cms(ns), cm_body(f"m{i:02d}", labels={"even": str(i % 2 == 0).lower()}))
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        params = {"limit": "2", "labelSelector": "even=true"}
        if token:
            params["continue"] = token
        page = raw.ok("GET", cms(ns), params=params)
        assert len(page["items"]) <= 2
        seen.extend(names(page))
        pages += 1
        token = page["metadata"].get("continue")
        if not token:
            break
        assert pages < 20
    assert seen == ["m00", "m02", "m04", "m06", "m08"]


def test_paging_across_namespaces(raw: Raw) -> None:
    a, b = "pg-" + uniq("a"), "pg-" + uniq("b")
    a, b = sorted([a, b])
    tag = uniq("tag")
    for n in (a, b):
        raw.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}})
        for i in range(3):
            raw.create(cms(n), cm_body(f"c{i}", labels={"tag": tag}))
    got: list[tuple[str, str]] = []
    token = None
    while True:
        params = {"limit": "4", "labelSelector": f"tag={tag}"}
        if token:
            params["continue"] = token
        page = raw.ok("GET", "/api/v1/configmaps", params=params)
        got.extend((i["metadata"]["namespace"], i["metadata"]["name"]) for i in page["items"])
        token = page["metadata"].get("continue")
        if not token:
            break
    assert got == [(a, "c0"), (a, "c1"), (a, "c2"), (b, "c0"), (b, "c1"), (b, "c2")]


def test_typed_client_paging(api_client: client.ApiClient, ns: str, raw: Raw) -> None:
    for i in range(3):
        raw.create(cms(ns), cm_body(f"t{i}"))
    core = client.CoreV1Api(api_client)
    p1 = core.list_namespaced_config_map(ns, limit=2)
    assert [i.metadata.name for i in p1.items] == ["t0", "t1"]
    assert p1.metadata.remaining_item_count == 1
    p2 = core.list_namespaced_config_map(ns, limit=2, _continue=p1.metadata.var_continue)
    assert [i.metadata.name for i in p2.items] == ["t2"]


def test_limit_zero_means_all(raw: Raw, ns: str) -> None:
    for i in range(3):
        raw.create(cms(ns), cm_body(f"z{i}"))
    out = raw.ok("GET", cms(ns), params={"limit": "0"})
    assert names(out) == ["z0", "z1", "z2"]
    assert not out["metadata"].get("continue")


# --- list shape ---------------------------------------------------------------------------------

def test_list_shape(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("shape"))
    out = raw.ok("GET", cms(ns))
    assert out["kind"] == "ConfigMapList"
    assert out["apiVersion"] == "v1"
    assert out["metadata"]["resourceVersion"].isdigit()
    item = out["items"][0]
    assert item["metadata"]["name"] == "shape"
    # upstream omits kind/apiVersion on the items of built-in lists
    assert "kind" not in item and "apiVersion" not in item
    dl = raw.ok("GET", f"/apis/apps/v1/namespaces/{ns}/deployments")
    assert dl["kind"] == "DeploymentList" and dl["apiVersion"] == "apps/v1"
    assert dl["items"] == []


# --- resourceVersion / resourceVersionMatch ----------------------------------------------------

def test_resource_version_match_exact(raw: Raw, ns: str) -> None:
    a = raw.create(cms(ns), cm_body("exact-a", {"v": "1"}))
    rv_a = a["metadata"]["resourceVersion"]
    raw.create(cms(ns), cm_body("exact-b"))
    raw.ok("PATCH", f"{cms(ns)}/exact-a", {"data": {"v": "2"}}, ctype=MERGE)
    out = raw.ok("GET", cms(ns), params={"resourceVersion": rv_a, "resourceVersionMatch": "Exact"})
    assert names(out) == ["exact-a"]
    assert out["items"][0]["data"] == {"v": "1"}
    assert out["metadata"]["resourceVersion"] == rv_a
    now = raw.ok("GET", cms(ns))
    assert names(now) == ["exact-a", "exact-b"]
    assert now["items"][0]["data"] == {"v": "2"}


def test_resource_version_match_exact_with_paging(raw: Raw, ns: str) -> None:
    for i in range(3):
        raw.create(cms(ns), cm_body(f"ep{i}"))
    rv = raw.ok("GET", cms(ns))["metadata"]["resourceVersion"]
    raw.create(cms(ns), cm_body("ep9"))
    p1 = raw.ok("GET", cms(ns), params={"resourceVersion": rv, "resourceVersionMatch": "Exact", "limit": "2"})
    assert names(p1) == ["ep0", "ep1"]
    p2 = raw.ok("GET", cms(ns), params={"limit": "2", "continue": p1["metadata"]["continue"]})
    assert names(p2) == ["ep2"]


def test_resource_version_not_older_than(raw: Raw, ns: str) -> None:
    a = raw.create(cms(ns), cm_body("noa"))
    raw.create(cms(ns), cm_body("nob"))
    out = raw.ok("GET", cms(ns), params={"resourceVersion": a["metadata"]["resourceVersion"],
                                         "resourceVersionMatch": "NotOlderThan"})
    assert names(out) == ["noa", "nob"]
    assert int(out["metadata"]["resourceVersion"]) >= int(a["metadata"]["resourceVersion"])
    out = raw.ok("GET", cms(ns), params={"resourceVersion": "0"})
    assert set(names(out)) <= {"noa", "nob"}
    out = raw.ok("GET", cms(ns), params={"resourceVersion": a["metadata"]["resourceVersion"]})
    assert names(out) == ["noa", "nob"]


@pytest.mark.parametrize("params,field,fragment", [
    ({"resourceVersionMatch": "NotOlderThan"}, "resourceVersionMatch",
     "resourceVersionMatch is forbidden unless resourceVersion is provided"),
    ({"resourceVersion": "0", "resourceVersionMatch": "Exact"}, "resourceVersionMatch",
     'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'),
    ({"resourceVersion": "5", "resourceVersionMatch": "Sometimes"}, "resourceVersionMatch", "Unsupported value"),
    ({"sendInitialEvents": "true"}, "sendInitialEvents", "sendInitialEvents is forbidden for list"),
])
def test_list_options_validation(raw: Raw, ns: str, params: dict[str, str], field: str, fragment: str) -> None:
    st_ = assert_status(raw.get(cms(ns), params=params), 422, "Invalid")
    assert st_["message"].startswith('ListOptions.meta.k8s.io "" is invalid: ')
    assert fragment in st_["message"]
    assert field in cause_fields(st_)
    assert st_["details"]["kind"] == "ListOptions"
    assert st_["details"]["group"] == "meta.k8s.io"


def test_future_resource_version_times_out(raw: Raw, ns: str) -> None:
    rv = int(raw.ok("GET", cms(ns))["metadata"]["resourceVersion"]) + 1000
    st_ = assert_status(raw.get(cms(ns), params={"resourceVersion": str(rv), "resourceVersionMatch": "NotOlderThan"}),
                        504, "Timeout")
    assert "Too large resource version" in st_["message"]
    assert any(c.get("reason") == "ResourceVersionTooLarge" for c in st_["details"]["causes"])


def test_list_waits_for_a_slightly_future_revision(raw: Raw, ns: str) -> None:
    """A NotOlderThan list from RV current+1 is answered as soon as that revision exists."""
    import threading
    import time

    rv = int(raw.ok("GET", cms(ns))["metadata"]["resourceVersion"])

    def later() -> None:
        time.sleep(0.3)
        raw.create(cms(ns), cm_body("arrives"))

    t = threading.Thread(target=later)
    t.start()
    out = raw.ok("GET", cms(ns), params={"resourceVersion": str(rv + 1), "resourceVersionMatch": "NotOlderThan"})
    t.join()
    assert int(out["metadata"]["resourceVersion"]) >= rv + 1


# --- expiry (a server whose change log is compacted aggressively) -------------------------------

@pytest.fixture(scope="module")
def compacting() -> Iterator[Raw]:
    server = ServerThread()
    server.config.store_tuning = {"compact_keep_revisions": 5, "compact_interval": 0.05, "ring_events": 5}
    with server:
        r = Raw(server.url)
        yield r
        r.session.close()


def _churn(r: Raw, ns: str, n: int = 30) -> None:
    r.create(cms(ns), cm_body("churn"))
    for i in range(n):
        r.ok("PATCH", f"{cms(ns)}/churn", {"data": {"i": str(i)}}, ctype=MERGE)


def test_expired_continue_token(compacting: Raw) -> None:
    r = compacting
    ns = uniq("exp")
    r.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    for i in range(4):
        r.create(cms(ns), cm_body(f"e{i}"))
    p1 = r.ok("GET", cms(ns), params={"limit": "1"})
    _churn(r, ns)

    def expired() -> Any:
        resp = r.get(cms(ns), params={"limit": "1", "continue": p1["metadata"]["continue"]})
        return [resp] if resp.status_code == 410 else None  # (a 4xx Response is falsy)

    (resp,) = wait_for(expired, timeout=5)
    st_ = assert_status(resp, 410, "Expired")
    assert st_["message"].startswith("The provided continue parameter is too old to display a consistent list result.")
    token = st_["metadata"].get("continue")
    assert token, "upstream hands back a continue token for an inconsistent continuation"
    rest = r.ok("GET", cms(ns), params={"limit": "10", "continue": token})
    assert names(rest) == ["e1", "e2", "e3"]


def test_expired_exact_resource_version(compacting: Raw) -> None:
    r = compacting
    ns = uniq("exp")
    r.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    old = r.create(cms(ns), cm_body("old"))["metadata"]["resourceVersion"]
    _churn(r, ns)

    def expired() -> Any:
        resp = r.get(cms(ns), params={"resourceVersion": old, "resourceVersionMatch": "Exact"})
        return [resp] if resp.status_code == 410 else None

    (resp,) = wait_for(expired, timeout=5)
    st_ = assert_status(resp, 410, "Expired")
    assert "too old" in st_["message"]


def test_get_with_resource_version(raw: Raw, ns: str) -> None:
    obj = raw.create(cms(ns), cm_body("getrv"))
    rv = obj["metadata"]["resourceVersion"]
    for value in ("0", rv):
        got = raw.ok("GET", f"{cms(ns)}/getrv", params={"resourceVersion": value})
        assert got["metadata"]["uid"] == obj["metadata"]["uid"]
        assert int(got["metadata"]["resourceVersion"]) >= int(rv)
