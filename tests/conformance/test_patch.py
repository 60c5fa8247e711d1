"""PATCH: JSON patch, merge patch and strategic merge patch (with every directive), through the
typed client, through ``ApiClient.call_api`` with explicit content types, and raw HTTP.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client

from tests.conformance.conftest import (
    JSON_PATCH,
    MERGE,
    STRATEGIC,
    Raw,
    assert_status,
    cause_fields,
    cm_body,
    pod_body,
    warnings_of,
)


def cms(ns: str) -> str:
    return f"/api/v1/namespaces/{ns}/configmaps"


def deps(ns: str) -> str:
    return f"/apis/apps/v1/namespaces/{ns}/deployments"


def two_container_deploy(name: str) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "annotations": {"a": "1", "b": "2"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {
                "containers": [
                    {"name": "web", "image": "nginx:1", "env": [{"name": "A", "value": "1"}],
                     "ports": [{"containerPort": 80, "name": "http"}]},
                    {"name": "sidecar", "image": "busybox:1"},
                ],
                "volumes": [{"name": "data", "emptyDir": {}}],
            }},
        },
    }


def containers(d: dict[str, Any]) -> list[dict[str, Any]]:
    return d["spec"]["template"]["spec"]["containers"]


def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["name"]: i for i in items}


@pytest.fixture
def dep(raw: Raw, ns: str) -> str:
    raw.create(deps(ns), two_container_deploy("d"))
    return f"{deps(ns)}/d"


def smp(raw: Raw, path: str, patch: Any) -> dict[str, Any]:
    return raw.ok("PATCH", path, patch, ctype=STRATEGIC)


# --- strategic merge patch ---------------------------------------------------------------------

def test_smp_merges_containers_by_name(raw: Raw, dep: str) -> None:
    out = smp(raw, dep, {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:2"}]}}}})
    cs = containers(out)
    assert [c["name"] for c in cs] == ["web", "sidecar"]
    assert cs[0]["image"] == "nginx:2"
    assert cs[0]["env"] == [{"name": "A", "value": "1"}]
    assert cs[1]["image"] == "busybox:1"


def test_smp_new_list_items_come_first(raw: Raw, dep: str) -> None:
    # upstream's mergeSortedSlice puts patch items unknown to the live list before the server-only items
    out = smp(raw, dep, {"spec": {"template": {"spec": {"containers": [{"name": "third", "image": "redis"}]}}}})
    assert [c["name"] for c in containers(out)] == ["third", "web", "sidecar"]


def test_smp_nested_merge_keys(raw: Raw, dep: str) -> None:
    out = smp(raw, dep, {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "env": [{"name": "B", "value": "2"}], "ports": [{"containerPort": 443, "name": "https"}]},
    ]}}}})
    web = by_name(containers(out))["web"]
    assert web["env"] == [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}]
    assert [p["containerPort"] for p in web["ports"]] == [443, 80]
    assert all(p["protocol"] == "TCP" for p in web["ports"])


def test_smp_patch_delete_list_item(raw: Raw, dep: str) -> None:
    out = smp(raw, dep, {"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}})
    assert [c["name"] for c in containers(out)] == ["web"]


def test_smp_patch_replace_list(raw: Raw, dep: str) -> None:
    out = smp(raw, dep, {"spec": {"template": {"spec": {"containers": [
        {"name": "only", "image": "alpine"}, {"$patch": "replace"}]}}}})
    cs = containers(out)
    assert [c["name"] for c in cs] == ["only"]
    assert cs[0]["image"] == "alpine"


def test_smp_patch_replace_map(raw: Raw, dep: str) -> None:
    out = smp(raw, dep, {"metadata": {"annotations": {"$patch": "replace", "only": "one"}}})
    assert out["metadata"]["annotations"] == {"only": "one"}


def test_smp_patch_delete_map(raw: Raw, dep: str) -> None:
    out = smp(raw, dep, {"metadata": {"annotations": {"$patch": "delete"}}})
    assert "annotations" not in out["metadata"] or out["metadata"]["annotations"] == {}


def test_smp_null_deletes_key(raw: Raw, dep: str) -> None:
    out = smp(raw, dep, {"metadata": {"annotations": {"a": None, "c": "3"}}})
    assert out["metadata"]["annotations"] == {"b": "2", "c": "3"}


def test_smp_retain_keys_on_strategy(raw: Raw, dep: str) -> None:
    before = raw.ok("GET", dep)
    assert before["spec"]["strategy"]["type"] == "RollingUpdate"
    assert "rollingUpdate" in before["spec"]["strategy"]
    # without $retainKeys the defaulted rollingUpdate survives and validation refuses it
    r = raw.patch(dep, {"spec": {"strategy": {"type": "Recreate"}}}, ctype=STRATEGIC)
    st_ = assert_status(r, 422, "Invalid")
    assert "spec.strategy.rollingUpdate" in cause_fields(st_)
    out = smp(raw, dep, {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}})
    assert out["spec"]["strategy"] == {"type": "Recreate"}


def test_smp_retain_keys_on_volumes(raw: Raw, dep: str) -> None:
    r = raw.patch(dep, {"spec": {"template": {"spec": {"volumes": [
        {"name": "data", "configMap": {"name": "cm"}}]}}}}, ctype=STRATEGIC)
    assert_status(r, 422, "Invalid")  # emptyDir and configMap at once
    out = smp(raw, dep, {"spec": {"template": {"spec": {"volumes": [
        {"name": "data", "configMap": {"name": "cm"}, "$retainKeys": ["configMap", "name"]}]}}}})
    vols = out["spec"]["template"]["spec"]["volumes"]
    assert len(vols) == 1
    assert vols[0]["name"] == "data"
    assert vols[0]["configMap"]["name"] == "cm"
    assert "emptyDir" not in vols[0]


def test_smp_set_element_order(raw: Raw, dep: str) -> None:
    out = smp(raw, dep, {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "web"}],
        "containers": [{"name": "web", "image": "nginx:3"}]}}}})
    cs = containers(out)
    assert [c["name"] for c in cs] == ["sidecar", "web"]
    assert cs[1]["image"] == "nginx:3"


def test_smp_primitive_list_merge_and_delete(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("prim", finalizers=["example.com/a", "example.com/b", "example.com/c"]))
    path = f"{cms(ns)}/prim"
    out = smp(raw, path, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["example.com/b"]}})
    assert out["metadata"]["finalizers"] == ["example.com/a", "example.com/c"]
    out = smp(raw, path, {"metadata": {"finalizers": ["example.com/d", "example.com/a"]}})
    # merged, then patch items in patch order with server-only items slotted in by live order
    assert out["metadata"]["finalizers"] == ["example.com/d", "example.com/a", "example.com/c"]
    out = smp(raw, path, {"metadata": {"$setElementOrder/finalizers": [
        "example.com/d", "example.com/c", "example.com/a"]}})
    assert out["metadata"]["finalizers"] == ["example.com/d", "example.com/c", "example.com/a"]
    out = smp(raw, path, {"metadata": {"finalizers": None}})
    assert "finalizers" not in out["metadata"]


def test_smp_on_pod(raw: Raw, ns: str) -> None:
    pods = f"/api/v1/namespaces/{ns}/pods"
    body = pod_body("p", labels={"a": "1"})
    body["spec"]["containers"].append({"name": "second", "image": "busybox:1"})
    raw.create(pods, body)
    out = smp(raw, f"{pods}/p", {"metadata": {"labels": {"b": "2"}},
                                 "spec": {"containers": [{"name": "second", "image": "busybox:2"}]}})
    assert out["metadata"]["labels"] == {"a": "1", "b": "2"}
    cs = by_name(out["spec"]["containers"])
    assert cs["c"]["image"] == "nginx:1.25"
    assert cs["second"]["image"] == "busybox:2"
    # pod spec is otherwise immutable
    r = raw.patch(f"{pods}/p", {"spec": {"containers": [{"name": "second", "command": ["sh"]}]}}, ctype=STRATEGIC)
    st_ = assert_status(r, 422, "Invalid")
    assert "pod updates may not change fields other than" in st_["message"]


def test_smp_tolerations_are_replaced_atomically(raw: Raw, ns: str) -> None:
    pods = f"/api/v1/namespaces/{ns}/pods"
    created = raw.create(pods, pod_body("tol", tolerations=[{"key": "a", "operator": "Exists",
                                                               "effect": "NoSchedule"}]))
    # tolerations have no merge key: the patch list replaces the live one (admission may have added some,
    # and pod updates may only add tolerations, so send them all back)
    current = created["spec"]["tolerations"]
    wanted = [*current, {"key": "b", "operator": "Exists", "effect": "NoExecute"}]
    out = smp(raw, f"{pods}/tol", {"spec": {"tolerations": wanted}})
    assert out["spec"]["tolerations"] == wanted
    r = raw.patch(f"{pods}/tol", {"spec": {"tolerations": [wanted[-1]]}}, ctype=STRATEGIC)
    st_ = assert_status(r, 422, "Invalid")
    assert "existing toleration can not be modified except its tolerationSeconds" in st_["message"]


def test_smp_bad_directive_is_refused(raw: Raw, dep: str) -> None:
    # upstream: mergepatch.ErrBadPatchFormatForRetainKeys -> 400 in both cases
    r = raw.patch(dep, {"spec": {"strategy": {"$retainKeys": "type", "type": "Recreate"}}}, ctype=STRATEGIC)
    assert_status(r, 400, "BadRequest")
    r = raw.patch(dep, {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}}, ctype=STRATEGIC)
    assert_status(r, 400, "BadRequest")
    assert raw.ok("GET", dep)["spec"]["strategy"]["type"] == "RollingUpdate"


# --- merge patch -------------------------------------------------------------------------------

def test_merge_patch_replaces_lists(raw: Raw, dep: str) -> None:
    out = raw.ok("PATCH", dep, {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "nginx:9"}]}}}}, ctype=MERGE)
    cs = containers(out)
    assert [c["name"] for c in cs] == ["web"]
    assert "env" not in cs[0]
    assert cs[0]["imagePullPolicy"] == "IfNotPresent"  # defaults re-applied


def test_merge_patch_null_removes(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("mp", {"a": "1", "b": "2"}))
    out = raw.ok("PATCH", f"{cms(ns)}/mp", {"data": {"a": None, "c": "3"}}, ctype=MERGE)
    assert out["data"] == {"b": "2", "c": "3"}
    out = raw.ok("PATCH", f"{cms(ns)}/mp", {"data": None}, ctype=MERGE)
    assert "data" not in out


def test_merge_patch_invalid_json(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("badjson"))
    r = raw.request("PATCH", f"{cms(ns)}/badjson", data=b'{"data": ', ctype=MERGE)
    assert_status(r, 400, "BadRequest")


def test_patch_cannot_rename(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("orig"))
    for ctype, patch in ((MERGE, {"metadata": {"name": "renamed"}}),
                         (JSON_PATCH, [{"op": "replace", "path": "/metadata/name", "value": "renamed"}])):
        r = raw.patch(f"{cms(ns)}/orig", patch, ctype=ctype)
        assert_status(r, 400, "BadRequest",
                      "the name of the object (renamed) does not match the name on the URL (orig)")
    assert_status(raw.get(f"{cms(ns)}/renamed"), 404)


def test_patch_result_is_validated(raw: Raw, dep: str) -> None:
    r = raw.patch(dep, {"spec": {"replicas": -3}}, ctype=MERGE)
    st_ = assert_status(r, 422, "Invalid")
    assert "spec.replicas" in cause_fields(st_)
    assert raw.ok("GET", dep)["spec"]["replicas"] == 1


def test_patch_field_validation(raw: Raw, dep: str) -> None:
    r = raw.patch(dep, {"spec": {"foo": 1}}, ctype=MERGE, params={"fieldValidation": "Strict"})
    st_ = assert_status(r, 422, "Invalid")
    assert 'strict decoding error: unknown field "spec.foo"' in st_["message"]
    r = raw.patch(dep, {"spec": {"foo": 1}}, ctype=STRATEGIC, params={"fieldValidation": "Strict"})
    st_ = assert_status(r, 422, "Invalid")
    assert 'unknown field "spec.foo"' in st_["message"]
    r = raw.patch(dep, {"spec": {"foo": 1}, "metadata": {"labels": {"w": "1"}}}, ctype=MERGE,
                  params={"fieldValidation": "Warn"})
    assert r.status_code == 200
    assert 'unknown field "spec.foo"' in warnings_of(r)
    assert r.json()["metadata"]["labels"] == {"w": "1"}
    assert "foo" not in r.json()["spec"]
    r = raw.patch(dep, {"spec": {"foo": 1}}, ctype=MERGE, params={"fieldValidation": "Ignore"})
    assert r.status_code == 200
    assert warnings_of(r) == []


# --- JSON patch --------------------------------------------------------------------------------

def test_json_patch_operations(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("jp", {"a": "1", "b": "2"}, annotations={"example.com/key": "x"},
                                labels={"l": "v"}))
    path = f"{cms(ns)}/jp"
    out = raw.ok("PATCH", path, [
        {"op": "test", "path": "/data/a", "value": "1"},
        {"op": "add", "path": "/data/c", "value": "3"},
        {"op": "replace", "path": "/data/a", "value": "one"},
        {"op": "remove", "path": "/data/b"},
        {"op": "copy", "from": "/data/c", "path": "/data/d"},
        {"op": "move", "from": "/data/c", "path": "/data/e"},
        {"op": "replace", "path": "/metadata/annotations/example.com~1key", "value": "y"},
        {"op": "add", "path": "/metadata/finalizers", "value": []},
        {"op": "add", "path": "/metadata/finalizers/-", "value": "example.com/f1"},
        {"op": "add", "path": "/metadata/finalizers/0", "value": "example.com/f0"},
    ], ctype=JSON_PATCH)
    assert out["data"] == {"a": "one", "d": "3", "e": "3"}
    assert out["metadata"]["annotations"] == {"example.com/key": "y"}
    assert out["metadata"]["finalizers"] == ["example.com/f0", "example.com/f1"]
    raw.ok("PATCH", path, [{"op": "remove", "path": "/metadata/finalizers"}], ctype=JSON_PATCH)


def test_json_patch_errors(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("jpe"))
    path = f"{cms(ns)}/jpe"
    for ops in ([{"op": "remove", "path": "/data/missing"}],
                [{"op": "replace", "path": "/nope/deeper", "value": 1}],
                [{"op": "test", "path": "/data/k", "value": "other"}],
                [{"op": "bogus", "path": "/data/k"}],
                [{"op": "add", "path": "/metadata/finalizers/7", "value": "x"}]):
        r = raw.patch(path, ops, ctype=JSON_PATCH)
        assert_status(r, 422, "Invalid")
    for body in ({"op": "add"}, "nope", 5):
        r = raw.patch(path, body, ctype=JSON_PATCH)
        assert_status(r, 400, "BadRequest")
    assert raw.ok("GET", path)["data"] == {"k": "v"}


def test_json_patch_operation_limit(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("jpl"))
    ops = [{"op": "test", "path": "/data/k", "value": "v"}] * 10001
    r = raw.patch(f"{cms(ns)}/jpl", ops, ctype=JSON_PATCH)
    assert_status(r, 413, "RequestEntityTooLarge",
                  "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001")


def test_json_patch_atomic(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("atomic", {"a": "1"}))
    r = raw.patch(f"{cms(ns)}/atomic", [{"op": "replace", "path": "/data/a", "value": "2"},
                                        {"op": "remove", "path": "/data/zzz"}], ctype=JSON_PATCH)
    assert_status(r, 422, "Invalid")
    assert raw.ok("GET", f"{cms(ns)}/atomic")["data"] == {"a": "1"}


# --- through the typed client and call_api -----------------------------------------------------

def test_typed_client_patch_types(api_client: client.ApiClient, ns: str) -> None:
    core = client.CoreV1Api(api_client)
    core.create_namespaced_config_map(ns, client.V1ConfigMap.from_dict(
        {"metadata": {"name": "typed", "finalizers": ["example.com/x"]}, "data": {"a": "1"}}))
    # dict -> strategic merge patch: finalizers merge (the new item first, as upstream orders it)
    out = core.patch_namespaced_config_map("typed", ns, {"metadata": {"finalizers": ["example.com/y"]}})
    assert out.metadata.finalizers == ["example.com/y", "example.com/x"]
    # explicit merge patch: finalizers replaced
    out = core.patch_namespaced_config_map("typed", ns, {"metadata": {"finalizers": ["example.com/z"]}},
                                           _content_type=MERGE)
    assert out.metadata.finalizers == ["example.com/z"]
    # list -> JSON patch
    out = core.patch_namespaced_config_map("typed", ns, [{"op": "add", "path": "/data/b", "value": "2"},
                                                         {"op": "remove", "path": "/metadata/finalizers"}])
    assert out.data == {"a": "1", "b": "2"}
    assert out.metadata.finalizers is None


def test_typed_client_strategic_on_deployment(api_client: client.ApiClient, dep: str, ns: str) -> None:
    apps = client.AppsV1Api(api_client)
    out = apps.patch_namespaced_deployment("d", ns, {"spec": {"template": {"spec": {"containers": [
        {"name": "sidecar", "image": "busybox:9"}]}}}})
    imgs = {c.name: c.image for c in out.spec.template.spec.containers}
    assert imgs == {"web": "nginx:1", "sidecar": "busybox:9"}


def _call(api_client: client.ApiClient, method: str, path: str, body: Any, ctype: str) -> tuple[int, Any]:
    resp = api_client.call_api(method, api_client.configuration.host + path,
                               header_params={"Content-Type": ctype, "Accept": "application/json"}, body=body)
    resp.read()
    return resp.status, json.loads(resp.data)


@pytest.mark.parametrize("ctype,patch,expect", [
    (MERGE, {"data": {"k": None, "m": "1"}}, {"m": "1"}),
    (STRATEGIC, {"data": {"s": "1"}}, {"k": "v", "s": "1"}),
    (JSON_PATCH, [{"op": "replace", "path": "/data/k", "value": "j"}], {"k": "j"}),
])
def test_call_api_with_explicit_content_types(api_client: client.ApiClient, raw: Raw, ns: str, ctype: str,
                                              patch: Any, expect: dict[str, str]) -> None:
    name = {MERGE: "cm-m", STRATEGIC: "cm-s", JSON_PATCH: "cm-j"}[ctype]
    raw.create(cms(ns), cm_body(name))
    status, body = _call(api_client, "PATCH", f"{cms(ns)}/{name}", patch, ctype)
    assert status == 200, body
    assert body["data"] == expect
    assert raw.ok("GET", f"{cms(ns)}/{name}")["data"] == expect


def test_call_api_content_type_parameters_are_accepted(api_client: client.ApiClient, raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("charset"))
    status, body = _call(api_client, "PATCH", f"{cms(ns)}/charset", {"data": {"x": "y"}},
                         MERGE + "; charset=utf-8")
    assert status == 200, body
    assert body["data"] == {"k": "v", "x": "y"}


def test_call_api_unsupported_patch_type(api_client: client.ApiClient, raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("cu"))
    status, body = _call(api_client, "PATCH", f"{cms(ns)}/cu", {"data": {"x": "y"}}, "application/json")
    assert status == 415
    assert body["reason"] == "UnsupportedMediaType"


def test_patch_on_cluster_scoped(raw: Raw) -> None:
    path = "/apis/rbac.authorization.k8s.io/v1/clusterroles"
    raw.create(path, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                      "metadata": {"name": "patchme"},
                      "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]})
    out = raw.ok("PATCH", f"{path}/patchme", {"rules": [{"apiGroups": [""], "resources": ["pods"],
                                                         "verbs": ["get", "list"]}]}, ctype=STRATEGIC)
    assert out["rules"][0]["verbs"] == ["get", "list"]
    out = raw.ok("PATCH", f"{path}/patchme", [{"op": "add", "path": "/rules/-",
                                               "value": {"apiGroups": ["apps"], "resources": ["deployments"],
                                                         "verbs": ["watch"]}}], ctype=JSON_PATCH)
    assert len(out["rules"]) == 2


def test_smp_service_ports_merge_on_port(raw: Raw, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/services"
    raw.create(path, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "sp"},
                      "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080},
                                         {"name": "https", "port": 443, "targetPort": 8443}]}})
    out = smp(raw, f"{path}/sp", {"spec": {"ports": [{"port": 80, "targetPort": 9090}]}})
    ports = {p["port"]: p for p in out["spec"]["ports"]}
    assert ports[80] == {"name": "http", "port": 80, "protocol": "TCP", "targetPort": 9090}
    assert ports[443]["targetPort"] == 8443
    out = smp(raw, f"{path}/sp", {"spec": {"ports": [{"port": 443, "$patch": "delete"}]}})
    assert [p["port"] for p in out["spec"]["ports"]] == [80]


def test_smp_owner_references_merge_on_uid(raw: Raw, ns: str) -> None:
    def ref(uid: str, name: str) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "ConfigMap", "name": name, "uid": uid}

    raw.create(cms(ns), cm_body("owned", ownerReferences=[ref("11111111-1111-1111-1111-111111111111", "a")]))
    out = smp(raw, f"{cms(ns)}/owned", {"metadata": {"ownerReferences": [
        ref("22222222-2222-2222-2222-222222222222", "b")]}})
    assert sorted(r["name"] for r in out["metadata"]["ownerReferences"]) == ["a", "b"]
    out = smp(raw, f"{cms(ns)}/owned", {"metadata": {"ownerReferences": [
        {"uid": "11111111-1111-1111-1111-111111111111", "$patch": "delete"}]}})
    assert [r["name"] for r in out["metadata"]["ownerReferences"]] == ["b"]


def test_smp_env_patch_replace(raw: Raw, dep: str) -> None:
    out = smp(raw, dep, {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "env": [{"name": "Z", "value": "26"}, {"$patch": "replace"}]}]}}}})
    web = by_name(containers(out))["web"]
    assert web["env"] == [{"name": "Z", "value": "26"}]
    assert web["image"] == "nginx:1"
