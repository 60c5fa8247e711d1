"""Error responses: every refusal is a ``metav1.Status`` with upstream's code, reason and message.

Checked with raw HTTP so the exact body is visible; a few through the typed client to show what
``ApiException`` carries. Hostile input must get a 4xx — never a 500, a hang, or a half-written
object.
"""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kubernetes import client

from tests.conformance.conftest import (
    APPLY,
    JSON_PATCH,
    MERGE,
    STRATEGIC,
    Raw,
    api_error,
    assert_status,
    cause_fields,
    causes,
    cm_body,
    deploy_body,
    pod_body,
)

CONFLICT_MSG = "the object has been modified; please apply your changes to the latest version and try again"
LIMIT = 3 * 1024 * 1024


def cms(ns: str) -> str:
    return f"/api/v1/namespaces/{ns}/configmaps"


# --- NotFound ----------------------------------------------------------------------------------

def test_get_missing_pod_is_not_found(raw: Raw, ns: str) -> None:
    r = raw.get(f"/api/v1/namespaces/{ns}/pods/nope")
    body = assert_status(r, 404, "NotFound", 'pods "nope" not found')
    assert body["details"] == {"name": "nope", "kind": "pods"}


def test_get_missing_deployment_names_its_group(raw: Raw, ns: str) -> None:
    r = raw.get(f"/apis/apps/v1/namespaces/{ns}/deployments/nope")
    body = assert_status(r, 404, "NotFound", 'deployments.apps "nope" not found')
    assert body["details"] == {"name": "nope", "group": "apps", "kind": "deployments"}


def test_missing_cluster_scoped_object(raw: Raw) -> None:
    r = raw.get("/apis/rbac.authorization.k8s.io/v1/clusterroles/does-not-exist")
    body = assert_status(r, 404, "NotFound",
                         'clusterroles.rbac.authorization.k8s.io "does-not-exist" not found')
    assert body["details"]["group"] == "rbac.authorization.k8s.io"


def test_delete_and_patch_missing_object_are_not_found(raw: Raw, ns: str) -> None:
    assert_status(raw.delete(f"{cms(ns)}/ghost"), 404, "NotFound", 'configmaps "ghost" not found')
    assert_status(raw.patch(f"{cms(ns)}/ghost", {"data": {"a": "b"}}), 404, "NotFound",
                  'configmaps "ghost" not found')
    assert_status(raw.put(f"{cms(ns)}/ghost", cm_body("ghost") | {"metadata": {"name": "ghost",
                                                                                "resourceVersion": "5"}}),
                  404, "NotFound", 'configmaps "ghost" not found')


def test_typed_client_not_found(api_client: client.ApiClient, ns: str) -> None:
    status, body = api_error(client.CoreV1Api(api_client).read_namespaced_config_map, "nope", ns)
    assert status == 404
    assert body["reason"] == "NotFound"
    assert body["message"] == 'configmaps "nope" not found'


def test_unknown_resource_and_group_paths(raw: Raw) -> None:
    for path in ("/api/v1/namespaces/default/widgets", "/apis/nope.example.com/v1/things",
                 "/apis/apps/v9/deployments", "/api/v1/namespaces/default/pods/x/bogus"):
        body = assert_status(raw.get(path), 404, "NotFound")
        assert body["message"] == "the server could not find the requested resource", (path, body)


def test_create_in_missing_namespace(raw: Raw) -> None:
    r = raw.post("/api/v1/namespaces/no-such-ns/configmaps", cm_body("a"))
    body = assert_status(r, 404, "NotFound", 'namespaces "no-such-ns" not found')
    assert body["details"]["name"] == "no-such-ns"
    assert body["details"]["kind"] == "namespaces"


# --- AlreadyExists / Conflict ------------------------------------------------------------------

def test_create_twice_is_already_exists(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("dup"))
    body = assert_status(raw.post(cms(ns), cm_body("dup")), 409, "AlreadyExists",
                         'configmaps "dup" already exists')
    assert body["details"] == {"name": "dup", "kind": "configmaps"}


def test_already_exists_for_grouped_resource(raw: Raw, ns: str) -> None:
    path = f"/apis/apps/v1/namespaces/{ns}/deployments"
    raw.create(path, deploy_body("web"))
    body = assert_status(raw.post(path, deploy_body("web")), 409, "AlreadyExists",
                         'deployments.apps "web" already exists')
    assert body["details"]["group"] == "apps"


def test_update_with_stale_resource_version_is_conflict(raw: Raw, ns: str) -> None:
    created = raw.create(cms(ns), cm_body("c1"))
    stale = json.loads(json.dumps(created))
    created["data"] = {"k": "v2"}
    raw.ok("PUT", f"{cms(ns)}/c1", created)
    stale["data"] = {"k": "v3"}
    body = assert_status(raw.put(f"{cms(ns)}/c1", stale), 409, "Conflict",
                         f'Operation cannot be fulfilled on configmaps "c1": {CONFLICT_MSG}')
    assert body["details"] == {"name": "c1", "kind": "configmaps"}
    assert raw.ok("GET", f"{cms(ns)}/c1")["data"] == {"k": "v2"}


def test_typed_client_conflict(api_client: client.ApiClient, ns: str) -> None:
    core = client.CoreV1Api(api_client)
    cm = core.create_namespaced_config_map(ns, client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="tc"), data={"a": "1"}))
    core.patch_namespaced_config_map("tc", ns, {"data": {"a": "2"}})
    cm.data = {"a": "3"}
    status, body = api_error(core.replace_namespaced_config_map, "tc", ns, cm)
    assert status == 409
    assert body["reason"] == "Conflict"
    assert body["message"].endswith(CONFLICT_MSG)


# --- Invalid -----------------------------------------------------------------------------------

def test_pod_without_containers_is_invalid(raw: Raw, ns: str) -> None:
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "empty"}, "spec": {"containers": []}}
    st_ = assert_status(raw.post(f"/api/v1/namespaces/{ns}/pods", body), 422, "Invalid")
    assert st_["message"].startswith('Pod "empty" is invalid: ')
    assert "spec.containers: Required value" in st_["message"]
    assert st_["details"]["name"] == "empty"
    assert st_["details"]["kind"] == "Pod"
    c = [c for c in causes(st_) if c["field"] == "spec.containers"]
    assert c and c[0]["reason"] == "FieldValueRequired"
    assert c[0]["message"] == "Required value"
    assert_status(raw.get(f"/api/v1/namespaces/{ns}/pods/empty"), 404, "NotFound")


def test_invalid_names_all_fields_listed(raw: Raw, ns: str) -> None:
    body = pod_body("Bad_Name")
    body["spec"]["containers"][0]["name"] = "Also_Bad"
    del body["spec"]["containers"][0]["image"]
    st_ = assert_status(raw.post(f"/api/v1/namespaces/{ns}/pods", body), 422, "Invalid")
    fields = cause_fields(st_)
    assert "metadata.name" in fields
    assert "spec.containers[0].name" in fields
    assert "spec.containers[0].image" in fields
    assert st_["message"].startswith('Pod "Bad_Name" is invalid: [')
    name_cause = next(c for c in causes(st_) if c["field"] == "metadata.name")
    assert name_cause["reason"] == "FieldValueInvalid"
    assert name_cause["message"].startswith(
        'Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of')


def test_invalid_in_grouped_kind_names_group(raw: Raw, ns: str) -> None:
    body = deploy_body("bad-replicas", replicas=-1)
    st_ = assert_status(raw.post(f"/apis/apps/v1/namespaces/{ns}/deployments", body), 422, "Invalid")
    assert st_["message"].startswith('Deployment.apps "bad-replicas" is invalid: ')
    assert "spec.replicas: Invalid value: -1: must be greater than or equal to 0" in st_["message"]
    assert st_["details"]["group"] == "apps"
    assert st_["details"]["kind"] == "Deployment"


# --- BadRequest: malformed bodies --------------------------------------------------------------

def test_malformed_json_is_bad_request(raw: Raw, ns: str) -> None:
    r = raw.post(cms(ns), data=b'{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {',
                 ctype="application/json")
    st_ = assert_status(r, 400, "BadRequest")
    assert st_["message"]


def test_non_object_bodies_are_bad_request(raw: Raw, ns: str) -> None:
    for data in (b"[]", b'"a string"', b"42", b"true"):
        r = raw.post(cms(ns), data=data, ctype="application/json")
        assert_status(r, 400, "BadRequest")


def test_wrong_field_types_are_bad_request(raw: Raw, ns: str) -> None:
    bad = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": 123}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": ["a"]}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"k": 5}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": "x"},
    ]
    for body in bad:
        st_ = assert_status(raw.post(cms(ns), body), 400, "BadRequest")
        assert 'ConfigMap in version "v1" cannot be handled as a ConfigMap' in st_["message"], st_
    assert raw.ok("GET", cms(ns))["items"] == []


def test_wrong_kind_in_body_is_bad_request(raw: Raw, ns: str) -> None:
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}
    assert_status(raw.post(cms(ns), body), 400, "BadRequest")
    assert_status(raw.get(f"{cms(ns)}/s"), 404)


def test_mismatched_namespace_is_bad_request(raw: Raw, ns: str) -> None:
    body = cm_body("m", namespace="someone-else")
    assert_status(raw.post(cms(ns), body), 400, "BadRequest",
                  "the namespace of the provided object does not match the namespace sent on the request")


def test_mismatched_name_on_update_is_bad_request(raw: Raw, ns: str) -> None:
    created = raw.create(cms(ns), cm_body("right"))
    created["metadata"]["name"] = "wrong"
    assert_status(raw.put(f"{cms(ns)}/right", created), 400, "BadRequest",
                  "the name of the object (wrong) does not match the name on the URL (right)")


def test_empty_body_is_bad_request(raw: Raw, ns: str) -> None:
    r = raw.post(cms(ns), data=b"", ctype="application/json")
    assert_status(r, 400, "BadRequest")


# --- option validation (the *Options kinds) ----------------------------------------------------

def test_invalid_field_validation_value(raw: Raw, ns: str) -> None:
    r = raw.post(cms(ns), cm_body("fv"), params={"fieldValidation": "Bogus"})
    st_ = assert_status(r, 422, "Invalid")
    assert st_["details"]["kind"] == "CreateOptions"
    assert st_["details"]["group"] == "meta.k8s.io"
    assert cause_fields(st_) == ["fieldValidation"]
    assert st_["message"].startswith(
        'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Bogus"')
    assert_status(raw.get(f"{cms(ns)}/fv"), 404)


def test_invalid_dry_run_value(raw: Raw, ns: str) -> None:
    r = raw.post(cms(ns), cm_body("dr"), params={"dryRun": "Sometimes"})
    st_ = assert_status(r, 422, "Invalid")
    assert st_["details"]["kind"] == "CreateOptions"
    assert cause_fields(st_) == ["dryRun"]
    assert_status(raw.get(f"{cms(ns)}/dr"), 404)


def test_field_manager_too_long(raw: Raw, ns: str) -> None:
    r = raw.post(cms(ns), cm_body("fm"), params={"fieldManager": "m" * 129})
    st_ = assert_status(r, 422, "Invalid")
    assert st_["details"]["kind"] == "CreateOptions"
    assert cause_fields(st_) == ["fieldManager"]


def test_force_on_non_apply_patch_is_invalid(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("force"))
    r = raw.patch(f"{cms(ns)}/force", {"data": {"a": "b"}}, params={"force": "true"})
    st_ = assert_status(r, 422, "Invalid")
    assert st_["details"]["kind"] == "PatchOptions"
    assert "force: Forbidden: may not be specified for non-apply patch" in st_["message"]


def test_invalid_propagation_policy(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("pp"))
    r = raw.delete(f"{cms(ns)}/pp", {"kind": "DeleteOptions", "apiVersion": "v1",
                                     "propagationPolicy": "Bogus"})
    st_ = assert_status(r, 422, "Invalid")
    assert st_["details"]["kind"] == "DeleteOptions"
    assert st_["message"].startswith(
        'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Bogus": '
        'supported values: ')
    raw.ok("GET", f"{cms(ns)}/pp")


# --- 405 / 406 / 415 / 413 ---------------------------------------------------------------------

@pytest.mark.parametrize("method,suffix", [
    ("PUT", ""),           # update on a collection
    ("PATCH", ""),         # patch on a collection
    ("POST", "/item"),     # create on an item path
])
def test_method_not_allowed(raw: Raw, ns: str, method: str, suffix: str) -> None:
    r = raw.request(method, cms(ns) + suffix, body=cm_body("item"),
                    ctype=MERGE if method == "PATCH" else None)
    assert_status(r, 405, "MethodNotAllowed",
                  "the server does not allow this method on the requested resource")


def test_create_on_all_namespaces_path_is_not_allowed(raw: Raw) -> None:
    assert_status(raw.post("/api/v1/configmaps", cm_body("x")), 405, "MethodNotAllowed")


def test_not_acceptable(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("acc"))
    r = raw.get(f"{cms(ns)}/acc", headers={"Accept": "application/xml"})
    st_ = assert_status(r, 406, "NotAcceptable")
    assert st_["message"].startswith("only the following media types are accepted: ")
    assert "application/json" in st_["message"]
    # a wildcard or a list with an acceptable type is fine
    r = raw.get(f"{cms(ns)}/acc", headers={"Accept": "application/xml, application/json;q=0.5"})
    assert r.status_code == 200 and r.json()["metadata"]["name"] == "acc"
    r = raw.get(f"{cms(ns)}/acc", headers={"Accept": "*/*"})
    assert r.status_code == 200 and r.json()["kind"] == "ConfigMap"


def test_unsupported_media_type_on_create(raw: Raw, ns: str) -> None:
    r = raw.post(cms(ns), data=json.dumps(cm_body("xml")), ctype="application/xml")
    st_ = assert_status(r, 415, "UnsupportedMediaType")
    assert st_["message"].startswith(
        "the body of the request was in an unknown format - accepted media types include: ")
    assert "application/json" in st_["message"]
    assert_status(raw.get(f"{cms(ns)}/xml"), 404)


def test_unsupported_media_type_on_patch(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("pt"))
    r = raw.patch(f"{cms(ns)}/pt", {"data": {"a": "b"}}, ctype="application/json")
    st_ = assert_status(r, 415, "UnsupportedMediaType")
    msg = st_["message"]
    assert msg.startswith("the body of the request was in an unknown format - accepted media types include: ")
    for t in (JSON_PATCH, MERGE, STRATEGIC):
        assert t in msg
    assert raw.ok("GET", f"{cms(ns)}/pt")["data"] == {"k": "v"}


def test_apply_patch_over_another_managers_field_is_a_conflict(raw: Raw, ns: str) -> None:
    """Server-side apply refuses to take a field another manager set (409 FieldManagerConflict)."""
    raw.create(cms(ns), cm_body("ssa"))
    r = raw.patch(f"{cms(ns)}/ssa", cm_body("ssa", {"k": "applied"}), ctype=APPLY,
                  params={"fieldManager": "test"})
    st_ = assert_status(r, 409, "Conflict")
    assert st_["details"]["causes"][0]["reason"] == "FieldManagerConflict"
    assert raw.ok("GET", f"{cms(ns)}/ssa")["data"] == {"k": "v"}


def test_request_entity_too_large(raw: Raw, ns: str) -> None:
    payload = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "huge"},
               "data": {"blob": "x" * (LIMIT + 1024)}}
    r = raw.post(cms(ns), payload)
    assert_status(r, 413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728")
    assert_status(raw.get(f"{cms(ns)}/huge"), 404)


def test_request_entity_too_large_on_update_and_patch(raw: Raw, ns: str) -> None:
    created = raw.create(cms(ns), cm_body("grow"))
    created["data"] = {"blob": "y" * (LIMIT + 10)}
    assert_status(raw.put(f"{cms(ns)}/grow", created), 413, "RequestEntityTooLarge")
    assert_status(raw.patch(f"{cms(ns)}/grow", {"data": {"blob": "z" * (LIMIT + 10)}}), 413,
                  "RequestEntityTooLarge")
    assert raw.ok("GET", f"{cms(ns)}/grow")["data"] == {"k": "v"}


def test_chunked_upload_over_limit(raw: Raw, ns: str) -> None:
    """A body without Content-Length is still cut off at 3 MiB."""
    head = b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"chunked"},"data":{"blob":"'
    tail = b'"}}'

    def gen():  # type: ignore[no-untyped-def]
        yield head
        for _ in range(4 * 16):
            yield b"x" * 65536
        yield tail

    r = raw.session.post(raw.base + cms(ns), data=gen(), headers={"Content-Type": "application/json",
                                                                  "Accept": "application/json"}, timeout=30)
    assert_status(r, 413, "RequestEntityTooLarge")
    assert_status(raw.get(f"{cms(ns)}/chunked"), 404)


def test_yaml_alias_bomb_is_refused(raw: Raw, ns: str) -> None:
    """A "billion laughs" YAML body (10^7 nodes from 400 bytes) is refused quickly, as go-yaml's
    excessive-aliasing check does upstream; ControllerRevision.data accepts arbitrary JSON."""
    import time

    lines = ["apiVersion: apps/v1", "kind: ControllerRevision", "metadata:", "  name: bomb", "revision: 1",
             "x0: &a0 [" + ",".join(['"lol"'] * 10) + "]"]
    lines += [f"x{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 7)]
    lines.append('data: {"v": *a6}')
    start = time.monotonic()
    r = raw.post(f"/apis/apps/v1/namespaces/{ns}/controllerrevisions", data="\n".join(lines) + "\n",
                 ctype="application/yaml", timeout=60)
    assert_status(r, 400, "BadRequest")
    assert time.monotonic() - start < 10
    assert_status(raw.get(f"/apis/apps/v1/namespaces/{ns}/controllerrevisions/bomb"), 404)


def test_yaml_bodies_are_accepted(raw: Raw, ns: str) -> None:
    body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  a: b\n"
    r = raw.post(cms(ns), data=body, ctype="application/yaml")
    assert r.status_code == 201, r.text
    assert r.json()["data"] == {"a": "b"}
    r = raw.post(cms(ns), data="metadata: [unclosed", ctype="application/yaml")
    assert_status(r, 400, "BadRequest")


def test_put_creates_objects_that_allow_it(raw: Raw, ns: str) -> None:
    """Endpoints (like Events) allow create-on-update: PUT to a missing name creates it (201)."""
    body = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "upsert"},
            "subsets": [{"addresses": [{"ip": "10.1.1.1"}], "ports": [{"port": 80}]}]}
    r = raw.put(f"/api/v1/namespaces/{ns}/endpoints/upsert", body)
    assert r.status_code == 201, r.text
    assert r.json()["metadata"]["uid"]
    r = raw.put(f"/api/v1/namespaces/{ns}/endpoints/upsert", r.json())
    assert r.status_code == 200, r.text


# --- hostile input -----------------------------------------------------------------------------

def test_deeply_nested_json_is_refused(raw: Raw, ns: str) -> None:
    depth = 100_000
    nested = "[" * depth + "]" * depth
    data = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"junk":' + nested + "}"
    r = raw.post(cms(ns), data=data.encode(), ctype="application/json", timeout=30)
    assert_status(r, 400, "BadRequest")
    assert_status(raw.get(f"{cms(ns)}/deep"), 404)


def test_deeply_nested_objects_in_patch_are_refused(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("deeppatch"))
    depth = 50_000
    nested = '{"a":' * depth + "1" + "}" * depth
    data = '{"metadata":{"annotations":{"x":"y"}},"junk":' + nested + "}"
    r = raw.request("PATCH", f"{cms(ns)}/deeppatch", data=data.encode(), ctype=MERGE, timeout=30)
    assert 400 <= r.status_code < 500, r.text[:500]
    assert r.json()["kind"] == "Status"
    got = raw.ok("GET", f"{cms(ns)}/deeppatch")
    assert "annotations" not in got["metadata"] or "x" not in got["metadata"]["annotations"]


def test_dot_dot_names_are_refused(raw: Raw, ns: str) -> None:
    raw.create(f"/api/v1/namespaces/{ns}/secrets", {"apiVersion": "v1", "kind": "Secret",
                                                     "metadata": {"name": "token"}, "stringData": {"a": "b"}})
    for name in ("%2E%2E", "%2e", "..%2F..%2Fsecrets", "..%2Fsecrets%2Ftoken"):
        r = raw.get(f"{cms(ns)}/{name}")
        assert 400 <= r.status_code < 500, (name, r.status_code, r.text[:300])
        assert r.json()["kind"] == "Status", (name, r.text[:300])


def test_path_trick_names_in_body_are_invalid(raw: Raw, ns: str) -> None:
    for name in ("..", ".", "a/b", "a%2Fb", "../../etc"):
        st_ = assert_status(raw.post(cms(ns), cm_body(name)), 422, "Invalid")
        assert "metadata.name" in cause_fields(st_), st_
    assert raw.ok("GET", cms(ns))["items"] == []


def test_encoded_slash_in_path_never_reaches_another_resource(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("target"))
    r = raw.request("DELETE", f"/api/v1/namespaces/{ns}/pods/..%2Fconfigmaps%2Ftarget")
    assert 400 <= r.status_code < 500
    raw.ok("GET", f"{cms(ns)}/target")


@pytest.mark.parametrize("selector", ["a in (", "a in (b", "=b", "a!=(b)", "a b c", "!!a", "a=b=c",
                                      "a notin", "a in (b,,c", "a=" + "x" * 100, "a=b,", "x in ((y))"])
def test_bad_label_selectors_are_bad_request(raw: Raw, ns: str, selector: str) -> None:
    r = raw.get(cms(ns), params={"labelSelector": selector})
    assert_status(r, 400, "BadRequest")


def test_unsupported_field_selector_is_bad_request(raw: Raw, ns: str) -> None:
    r = raw.get(cms(ns), params={"fieldSelector": "spec.foo=bar"})
    assert_status(r, 400, "BadRequest", "field label not supported: spec.foo")
    r = raw.get(f"/api/v1/namespaces/{ns}/pods", params={"fieldSelector": "spec.bogus=x"})
    assert_status(r, 400, "BadRequest", "field label not supported: spec.bogus")


@pytest.mark.parametrize("selector", ["metadata.name", "metadata.name in (a)", "=x", "metadata.name=a=b"])
def test_malformed_field_selector_is_bad_request(raw: Raw, ns: str, selector: str) -> None:
    assert_status(raw.get(cms(ns), params={"fieldSelector": selector}), 400, "BadRequest")


@pytest.mark.parametrize("rv", ["abc", "-5", "1.5", "0x10", "99999999999999999999999999"])
def test_bad_resource_version_on_list_is_4xx(raw: Raw, ns: str, rv: str) -> None:
    r = raw.get(cms(ns), params={"resourceVersion": rv})
    assert 400 <= r.status_code < 500, (rv, r.status_code, r.text[:300])
    assert r.json()["kind"] == "Status"


@pytest.mark.parametrize("rv", ["abc", "-5"])
def test_bad_resource_version_on_watch_is_refused(raw: Raw, ns: str, rv: str) -> None:
    r = raw.get(cms(ns), params={"watch": "true", "resourceVersion": rv, "timeoutSeconds": "2"},
                stream=True, timeout=10)
    if r.status_code == 200:
        first = json.loads(next(r.iter_lines()))
        r.close()
        assert first["type"] == "ERROR", first
        assert 400 <= first["object"]["code"] < 500, first
    else:
        assert 400 <= r.status_code < 500, r.text[:300]
        assert r.json()["kind"] == "Status"


def test_bad_limit_and_timeout_are_bad_request(raw: Raw, ns: str) -> None:
    assert_status(raw.get(cms(ns), params={"limit": "abc"}), 400, "BadRequest")
    assert_status(raw.get(cms(ns), params={"timeoutSeconds": "soon"}), 400, "BadRequest")


def test_garbage_continue_token_is_bad_request(raw: Raw, ns: str) -> None:
    traversal = base64.urlsafe_b64encode(
        json.dumps({"v": "meta.k8s.io/v1", "rv": 1, "start": "../../secrets/"}).encode()).decode()
    for token in ("garbage", traversal, "%%%"):
        r = raw.get(cms(ns), params={"limit": "1", "continue": token})
        assert_status(r, 400, "BadRequest")


def test_continue_with_resource_version_is_bad_request(raw: Raw, ns: str) -> None:
    for i in range(3):
        raw.create(cms(ns), cm_body(f"p{i}"))
    first = raw.ok("GET", cms(ns), params={"limit": "1"})
    token = first["metadata"]["continue"]
    r = raw.get(cms(ns), params={"limit": "1", "continue": token,
                                 "resourceVersion": first["metadata"]["resourceVersion"]})
    assert_status(r, 400, "BadRequest", "specifying resource version is not allowed when using continue")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(meta=json_values, data=json_values, extra=json_values)
def test_fuzzed_configmap_bodies_never_500(raw: Raw, meta: object, data: object, extra: object) -> None:
    ns = "default"
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data, "spec": extra}
    r = raw.post(cms(ns), body, params={"dryRun": "All"})
    assert r.status_code < 500, r.text[:500]
    if r.status_code >= 400:
        assert r.json()["kind"] == "Status"


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(patch=json_values, ctype=st.sampled_from([MERGE, STRATEGIC, JSON_PATCH]))
def test_fuzzed_patches_never_500(raw: Raw, patch: object, ctype: str) -> None:
    name = "fuzz-target"
    path = f"{cms('default')}/{name}"
    if raw.get(path).status_code == 404:
        raw.create(cms("default"), cm_body(name))
    r = raw.patch(path, patch, ctype=ctype, params={"dryRun": "All"})
    assert r.status_code < 500, (ctype, patch, r.text[:500])
    if r.status_code >= 400:
        assert r.json()["kind"] == "Status"
    assert raw.ok("GET", path)["data"] == {"k": "v"}


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=st.text(min_size=1, max_size=40))
def test_fuzzed_names_never_500(raw: Raw, name: str) -> None:
    r = raw.post(cms("default"), cm_body(name), params={"dryRun": "All"})
    assert r.status_code in (201, 400, 409, 422), (name, r.status_code, r.text[:300])


def test_status_errors_carry_kind_in_watch_too(raw: Raw, ns: str) -> None:
    """An error before a watch starts is a plain Status response, not a stream."""
    r = raw.get(cms(ns), params={"watch": "true", "fieldSelector": "spec.nope=1"})
    assert_status(r, 400, "BadRequest", "field label not supported: spec.nope")


def test_typed_client_invalid_carries_causes(api_client: client.ApiClient, ns: str) -> None:
    apps = client.AppsV1Api(api_client)
    dep = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="mismatch"),
        spec=client.V1DeploymentSpec(
            selector=client.V1LabelSelector(match_labels={"app": "a"}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": "b"}),
                spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="i")]))))
    status, body = api_error(apps.create_namespaced_deployment, ns, dep)
    assert status == 422
    assert body["reason"] == "Invalid"
    assert "spec.template.metadata.labels" in cause_fields(body)
    assert "`selector` does not match template `labels`" in body["message"]
