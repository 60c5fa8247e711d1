"""Object semantics: system fields, generation, finalizers, graceful deletion, generateName,
dry-run on every verb, conflicts, preconditions, namespace lifecycle, bootstrap objects and
Service IP / NodePort allocation.
"""

from __future__ import annotations

import ipaddress
import re
import time
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
    causes,
    cm_body,
    deploy_body,
    pod_body,
    uniq,
    wait_for,
)

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
GEN_SUFFIX = re.compile(r"^[bcdfghjklmnpqrstvwxz2456789]{5}$")
SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")


def cms(ns: str) -> str:
    return f"/api/v1/namespaces/{ns}/configmaps"


def deps(ns: str) -> str:
    return f"/apis/apps/v1/namespaces/{ns}/deployments"


def svcs(ns: str) -> str:
    return f"/api/v1/namespaces/{ns}/services"


def rv(obj: dict[str, Any]) -> int:
    return int(obj["metadata"]["resourceVersion"])


# --- system fields -----------------------------------------------------------------------------

def test_system_fields_are_set_and_client_values_wiped(raw: Raw, ns: str) -> None:
    body = cm_body("sys", uid="11111111-2222-3333-4444-555555555555",
                   creationTimestamp="2001-01-01T00:00:00Z", selfLink="/bogus",
                   deletionTimestamp="2001-01-01T00:00:00Z", deletionGracePeriodSeconds=5)
    obj = raw.create(cms(ns), body)
    m = obj["metadata"]
    assert UUID.match(m["uid"]) and m["uid"] != "11111111-2222-3333-4444-555555555555"
    assert RFC3339.match(m["creationTimestamp"]), m["creationTimestamp"]
    assert m["creationTimestamp"] != "2001-01-01T00:00:00Z"
    assert "deletionTimestamp" not in m
    assert "deletionGracePeriodSeconds" not in m
    assert not m.get("selfLink")
    assert m["resourceVersion"].isdigit()
    assert m["namespace"] == ns
    assert "generation" not in m  # configmaps have no generation upstream
    assert obj["kind"] == "ConfigMap" and obj["apiVersion"] == "v1"
    assert raw.ok("GET", f"{cms(ns)}/sys") == obj


def test_resource_versions_increase_and_list_rv_is_current(raw: Raw, ns: str) -> None:
    a = raw.create(cms(ns), cm_body("rv-a"))
    b = raw.create(cms(ns), cm_body("rv-b"))
    assert rv(b) > rv(a)
    a["data"] = {"k": "changed"}
    a2 = raw.ok("PUT", f"{cms(ns)}/rv-a", a)
    assert rv(a2) > rv(b)
    listed = raw.ok("GET", cms(ns))
    assert int(listed["metadata"]["resourceVersion"]) >= rv(a2)
    # an empty list still reports the current revision
    other = raw.ok("GET", "/api/v1/namespaces/" + ns + "/secrets")
    assert other["items"] == []
    assert int(other["metadata"]["resourceVersion"]) >= rv(a2)


def test_update_cannot_change_uid_or_creation_timestamp(raw: Raw, ns: str) -> None:
    obj = raw.create(cms(ns), cm_body("immut"))
    changed = dict(obj)
    changed["metadata"] = dict(obj["metadata"], creationTimestamp="2001-01-01T00:00:00Z")
    out = raw.ok("PUT", f"{cms(ns)}/immut", changed)
    assert out["metadata"]["creationTimestamp"] == obj["metadata"]["creationTimestamp"]
    wrong_uid = dict(out)
    wrong_uid["metadata"] = dict(out["metadata"], uid="00000000-0000-0000-0000-000000000000")
    st_ = assert_status(raw.put(f"{cms(ns)}/immut", wrong_uid), 409, "Conflict")
    assert "Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000" in st_["message"]


def test_noop_updates_keep_resource_version(raw: Raw, ns: str) -> None:
    obj = raw.create(cms(ns), cm_body("noop", labels={"a": "b"}))
    same = raw.ok("PUT", f"{cms(ns)}/noop", obj)
    assert same["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"]
    patched = raw.ok("PATCH", f"{cms(ns)}/noop", {"metadata": {"labels": {"a": "b"}}}, ctype=MERGE)
    assert patched["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"]


def test_unconditional_update_without_resource_version(raw: Raw, ns: str) -> None:
    obj = raw.create(cms(ns), cm_body("uncond"))
    del obj["metadata"]["resourceVersion"]
    obj["data"] = {"k": "forced"}
    out = raw.ok("PUT", f"{cms(ns)}/uncond", obj)
    assert out["data"] == {"k": "forced"}


# --- managedFields -----------------------------------------------------------------------------

def test_managed_fields_record_the_writing_manager(raw: Raw, ns: str) -> None:
    obj = raw.create(cms(ns), cm_body("mf"), params={"fieldManager": "alice"})
    mf = obj["metadata"]["managedFields"]
    assert len(mf) == 1
    e = mf[0]
    assert e["manager"] == "alice"
    assert e["operation"] == "Update"
    assert e["apiVersion"] == "v1"
    assert e["fieldsType"] == "FieldsV1"
    assert RFC3339.match(e["time"])
    assert "f:k" in e["fieldsV1"]["f:data"]
    out = raw.ok("PATCH", f"{cms(ns)}/mf", {"data": {"other": "x"}}, ctype=MERGE, params={"fieldManager": "bob"})
    managers = {m["manager"]: m for m in out["metadata"]["managedFields"]}
    assert set(managers) == {"alice", "bob"}
    assert "f:other" in managers["bob"]["fieldsV1"]["f:data"]
    assert "f:other" not in managers["alice"]["fieldsV1"]["f:data"]


def test_default_manager_comes_from_user_agent(raw: Raw, ns: str, api_client: client.ApiClient) -> None:
    obj = raw.create(cms(ns), cm_body("ua"), headers={"User-Agent": "my-tool/1.2.3 (linux)"})
    assert [m["manager"] for m in obj["metadata"]["managedFields"]] == ["my-tool"]
    core = client.CoreV1Api(api_client)
    cm = core.create_namespaced_config_map(ns, client.V1ConfigMap.from_dict({"metadata": {"name": "ua2"},
                                                                             "data": {"a": "b"}}))
    assert [m.manager for m in cm.metadata.managed_fields] == ["OpenAPI-Generator"]


def test_status_writes_are_recorded_with_subresource(raw: Raw, ns: str) -> None:
    raw.create(deps(ns), deploy_body("mfs"), params={"fieldManager": "creator"})
    out = raw.ok("PATCH", f"{deps(ns)}/mfs/status", {"status": {"observedGeneration": 1}}, ctype=MERGE,
                 params={"fieldManager": "ctrl"})
    entries = [m for m in out["metadata"]["managedFields"] if m["manager"] == "ctrl"]
    assert len(entries) == 1
    assert entries[0]["subresource"] == "status"
    assert "f:status" in entries[0]["fieldsV1"]


# --- generation --------------------------------------------------------------------------------

def test_deployment_generation(raw: Raw, ns: str) -> None:
    d = raw.create(deps(ns), deploy_body("gen"))
    assert d["metadata"]["generation"] == 1
    d = raw.ok("PATCH", f"{deps(ns)}/gen", {"spec": {"replicas": 3}}, ctype=MERGE)
    assert d["metadata"]["generation"] == 2
    d = raw.ok("PATCH", f"{deps(ns)}/gen", {"metadata": {"labels": {"x": "y"}}}, ctype=MERGE)
    assert d["metadata"]["generation"] == 2
    # deployments (only) also bump on annotation changes: they are copied to the ReplicaSets
    d = raw.ok("PATCH", f"{deps(ns)}/gen", {"metadata": {"annotations": {"a": "b"}}}, ctype=MERGE)
    assert d["metadata"]["generation"] == 3
    d = raw.ok("PATCH", f"{deps(ns)}/gen/status", {"status": {"replicas": 3, "observedGeneration": 3}},
               ctype=MERGE)
    assert d["metadata"]["generation"] == 3
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27"
    d = raw.ok("PUT", f"{deps(ns)}/gen", d)
    assert d["metadata"]["generation"] == 4
    assert d["status"]["observedGeneration"] == 3  # status is kept on a main-resource update
    d = raw.ok("PUT", f"{deps(ns)}/gen", d)  # no-op
    assert d["metadata"]["generation"] == 4


def test_client_cannot_set_generation(raw: Raw, ns: str) -> None:
    body = deploy_body("gen-set")
    body["metadata"]["generation"] = 42
    d = raw.create(deps(ns), body)
    assert d["metadata"]["generation"] == 1
    d["metadata"]["generation"] = 99
    d = raw.ok("PUT", f"{deps(ns)}/gen-set", d)
    assert d["metadata"]["generation"] == 1


@pytest.mark.parametrize("path,body,patch", [
    ("/apis/apps/v1/namespaces/{ns}/statefulsets",
     {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "g"},
      "spec": {"serviceName": "g", "replicas": 1, "selector": {"matchLabels": {"a": "g"}},
               "template": {"metadata": {"labels": {"a": "g"}}, "spec": {"containers": [
                   {"name": "c", "image": "i"}]}}}},
     {"spec": {"replicas": 2}}),
    ("/apis/apps/v1/namespaces/{ns}/daemonsets",
     {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "g"},
      "spec": {"selector": {"matchLabels": {"a": "g"}},
               "template": {"metadata": {"labels": {"a": "g"}}, "spec": {"containers": [
                   {"name": "c", "image": "i"}]}}}},
     {"spec": {"minReadySeconds": 5}}),
    ("/apis/apps/v1/namespaces/{ns}/replicasets",
     {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "g"},
      "spec": {"replicas": 1, "selector": {"matchLabels": {"a": "g"}},
               "template": {"metadata": {"labels": {"a": "g"}}, "spec": {"containers": [
                   {"name": "c", "image": "i"}]}}}},
     {"spec": {"replicas": 2}}),
    ("/apis/batch/v1/namespaces/{ns}/jobs",
     {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "g"},
      "spec": {"suspend": True, "template": {"spec": {"restartPolicy": "Never", "containers": [
          {"name": "c", "image": "i"}]}}}},
     {"spec": {"suspend": False}}),
    ("/apis/batch/v1/namespaces/{ns}/cronjobs",
     {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "g"},
      "spec": {"schedule": "@hourly", "jobTemplate": {"spec": {"template": {"spec": {
          "restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}}}}}},
     {"spec": {"schedule": "@daily"}}),
    ("/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies",
     {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "g"},
      "spec": {"podSelector": {}}},
     {"spec": {"podSelector": {"matchLabels": {"x": "y"}}}}),
    ("/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets",
     {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "g"},
      "spec": {"minAvailable": 1, "selector": {"matchLabels": {"a": "g"}}}},
     {"spec": {"minAvailable": 2}}),
])
def test_workload_generation(raw: Raw, ns: str, path: str, body: dict[str, Any], patch: dict[str, Any]) -> None:
    path = path.format(ns=ns)
    obj = raw.create(path, body)
    assert obj["metadata"]["generation"] == 1
    obj = raw.ok("PATCH", f"{path}/g", {"metadata": {"labels": {"only": "meta"}, "annotations": {"a": "b"}}},
                 ctype=MERGE)
    assert obj["metadata"]["generation"] == 1
    obj = raw.ok("PATCH", f"{path}/g", patch, ctype=MERGE)
    assert obj["metadata"]["generation"] == 2


def test_deletion_with_finalizer_bumps_generation(raw: Raw, ns: str) -> None:
    body = deploy_body("gen-del")
    body["metadata"]["finalizers"] = ["example.com/hold"]
    raw.create(deps(ns), body)
    out = raw.ok("DELETE", f"{deps(ns)}/gen-del")
    assert out["kind"] == "Deployment"
    assert out["metadata"]["generation"] == 2
    assert out["metadata"]["deletionTimestamp"]
    raw.ok("PATCH", f"{deps(ns)}/gen-del", {"metadata": {"finalizers": None}}, ctype=MERGE)
    assert_status(raw.get(f"{deps(ns)}/gen-del"), 404, "NotFound")


# --- finalizers and deletionTimestamp ----------------------------------------------------------

def test_finalizer_holds_object_until_removed(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("fin", finalizers=["example.com/hold"]))
    r = raw.delete(f"{cms(ns)}/fin")
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["kind"] == "ConfigMap"
    m = out["metadata"]
    assert RFC3339.match(m["deletionTimestamp"])
    assert m["deletionGracePeriodSeconds"] == 0
    assert m["finalizers"] == ["example.com/hold"]
    still = raw.ok("GET", f"{cms(ns)}/fin")
    assert still["metadata"]["deletionTimestamp"] == m["deletionTimestamp"]
    assert "fin" in [i["metadata"]["name"] for i in raw.ok("GET", cms(ns))["items"]]
    # a second delete changes nothing
    again = raw.ok("DELETE", f"{cms(ns)}/fin")
    assert again["metadata"]["deletionTimestamp"] == m["deletionTimestamp"]
    # other fields may still change
    upd = raw.ok("PATCH", f"{cms(ns)}/fin", {"metadata": {"labels": {"x": "y"}}}, ctype=MERGE)
    assert upd["metadata"]["labels"] == {"x": "y"}
    assert upd["metadata"]["deletionTimestamp"] == m["deletionTimestamp"]
    # the client cannot clear deletionTimestamp
    upd["metadata"].pop("deletionTimestamp")
    upd = raw.ok("PUT", f"{cms(ns)}/fin", upd)
    assert upd["metadata"]["deletionTimestamp"] == m["deletionTimestamp"]
    # removing the last finalizer removes the object
    r = raw.patch(f"{cms(ns)}/fin", [{"op": "remove", "path": "/metadata/finalizers"}], ctype=JSON_PATCH)
    assert r.status_code == 200, r.text
    assert_status(raw.get(f"{cms(ns)}/fin"), 404, "NotFound")


def test_no_new_finalizers_while_deleting(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("fin2", finalizers=["example.com/a"]))
    raw.ok("DELETE", f"{cms(ns)}/fin2")
    r = raw.patch(f"{cms(ns)}/fin2", {"metadata": {"finalizers": ["example.com/a", "example.com/b"]}})
    st_ = assert_status(r, 422, "Invalid")
    assert "metadata.finalizers" in cause_fields(st_)
    assert "no new finalizers can be added if the object is being deleted" in st_["message"]
    raw.ok("PATCH", f"{cms(ns)}/fin2", {"metadata": {"finalizers": []}}, ctype=MERGE)
    assert_status(raw.get(f"{cms(ns)}/fin2"), 404)


def test_invalid_finalizer_name(raw: Raw, ns: str) -> None:
    st_ = assert_status(raw.post(cms(ns), cm_body("badfin", finalizers=["not a/valid name!"])), 422, "Invalid")
    assert any(f.startswith("metadata.finalizers") for f in cause_fields(st_)), st_


def test_unscheduled_pod_is_deleted_immediately(raw: Raw, ns: str) -> None:
    pods = f"/api/v1/namespaces/{ns}/pods"
    raw.create(pods, pod_body("quick"))
    r = raw.delete(f"{pods}/quick")
    assert r.status_code == 200
    out = r.json()
    assert out["kind"] == "Pod"  # pods return the deleted object
    assert out["metadata"]["name"] == "quick"
    assert_status(raw.get(f"{pods}/quick"), 404, "NotFound", 'pods "quick" not found')


def test_scheduled_pod_deletion_is_graceful(raw: Raw, ns: str) -> None:
    pods = f"/api/v1/namespaces/{ns}/pods"
    raw.create(pods, pod_body("slow", nodeName="node-that-does-not-run"))
    out = raw.ok("DELETE", f"{pods}/slow")
    m = out["metadata"]
    assert m["deletionGracePeriodSeconds"] == 30
    assert RFC3339.match(m["deletionTimestamp"])
    got = raw.ok("GET", f"{pods}/slow")
    assert got["metadata"]["deletionTimestamp"] == m["deletionTimestamp"]
    # a shorter grace period is accepted, then grace 0 removes it
    out = raw.ok("DELETE", f"{pods}/slow", {"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 10})
    assert out["metadata"]["deletionGracePeriodSeconds"] == 10
    raw.ok("DELETE", f"{pods}/slow", params={"gracePeriodSeconds": "0"})
    assert_status(raw.get(f"{pods}/slow"), 404)


def test_pod_grace_period_from_options(raw: Raw, ns: str) -> None:
    pods = f"/api/v1/namespaces/{ns}/pods"
    raw.create(pods, pod_body("grace", nodeName="n1", terminationGracePeriodSeconds=7))
    out = raw.ok("DELETE", f"{pods}/grace")
    assert out["metadata"]["deletionGracePeriodSeconds"] == 7
    raw.ok("DELETE", f"{pods}/grace", params={"gracePeriodSeconds": "0"})
    assert_status(raw.get(f"{pods}/grace"), 404)


# --- generateName ------------------------------------------------------------------------------

def test_generate_name(raw: Raw, ns: str) -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "gen-"}, "data": {}}
    a = raw.create(cms(ns), body)
    b = raw.create(cms(ns), body)
    for obj in (a, b):
        name = obj["metadata"]["name"]
        assert name.startswith("gen-")
        assert GEN_SUFFIX.match(name[4:]), name
        assert obj["metadata"]["generateName"] == "gen-"
    assert a["metadata"]["name"] != b["metadata"]["name"]
    raw.ok("GET", f"{cms(ns)}/{a['metadata']['name']}")


def test_generate_name_is_truncated(raw: Raw, ns: str) -> None:
    prefix = "a" * 70
    obj = raw.create(cms(ns), {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": prefix}})
    name = obj["metadata"]["name"]
    assert len(name) == 63
    assert name.startswith("a" * 58)


def test_name_wins_over_generate_name(raw: Raw, ns: str) -> None:
    obj = raw.create(cms(ns), {"apiVersion": "v1", "kind": "ConfigMap",
                               "metadata": {"name": "explicit", "generateName": "gen-"}})
    assert obj["metadata"]["name"] == "explicit"


def test_invalid_generate_name(raw: Raw, ns: str) -> None:
    st_ = assert_status(raw.post(f"/api/v1/namespaces/{ns}/pods", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "Bad_"},
        "spec": {"containers": [{"name": "c", "image": "i"}]}}), 422, "Invalid")
    assert "metadata.generateName" in cause_fields(st_)


def test_missing_name_and_generate_name(raw: Raw, ns: str) -> None:
    st_ = assert_status(raw.post(cms(ns), {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}),
                        422, "Invalid")
    assert "metadata.name" in cause_fields(st_)
    assert "name or generateName is required" in st_["message"]


# --- dry run -----------------------------------------------------------------------------------

DRY = {"dryRun": "All"}


def test_dry_run_create(raw: Raw, ns: str) -> None:
    r = raw.post(cms(ns), cm_body("dry"), params=DRY)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["metadata"]["name"] == "dry"
    assert out["data"] == {"k": "v"}
    assert not out["metadata"].get("resourceVersion")
    assert_status(raw.get(f"{cms(ns)}/dry"), 404)
    # dry run of an existing name is AlreadyExists
    raw.create(cms(ns), cm_body("dry"))
    assert_status(raw.post(cms(ns), cm_body("dry"), params=DRY), 409, "AlreadyExists")


def test_dry_run_create_still_validates(raw: Raw, ns: str) -> None:
    assert_status(raw.post(cms(ns), cm_body("Bad_Name"), params=DRY), 422, "Invalid")
    assert_status(raw.post("/api/v1/namespaces/nonexistent-ns/configmaps", cm_body("x"), params=DRY), 404)


def test_dry_run_generate_name(raw: Raw, ns: str) -> None:
    out = raw.create(cms(ns), {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "dry-"}},
                     params=DRY)
    assert out["metadata"]["name"].startswith("dry-")
    assert raw.ok("GET", cms(ns))["items"] == []


def test_dry_run_update_and_patch(raw: Raw, ns: str) -> None:
    obj = raw.create(cms(ns), cm_body("dryu"))
    obj["data"] = {"k": "updated"}
    out = raw.ok("PUT", f"{cms(ns)}/dryu", obj, params=DRY)
    assert out["data"] == {"k": "updated"}
    for ctype, patch in ((MERGE, {"data": {"k": "m"}}), (STRATEGIC, {"data": {"k": "s"}}),
                         (JSON_PATCH, [{"op": "replace", "path": "/data/k", "value": "j"}])):
        out = raw.ok("PATCH", f"{cms(ns)}/dryu", patch, ctype=ctype, params=DRY)
        assert out["data"]["k"] in ("m", "s", "j")
    got = raw.ok("GET", f"{cms(ns)}/dryu")
    assert got["data"] == {"k": "v"}
    assert got["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"]


def test_dry_run_delete(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("dryd"))
    r = raw.delete(f"{cms(ns)}/dryd", params=DRY)
    assert r.status_code == 200
    raw.ok("GET", f"{cms(ns)}/dryd")
    r = raw.delete(f"{cms(ns)}/dryd", {"kind": "DeleteOptions", "apiVersion": "v1", "dryRun": ["All"]})
    assert r.status_code == 200
    raw.ok("GET", f"{cms(ns)}/dryd")


def test_dry_run_delete_collection(raw: Raw, ns: str) -> None:
    for i in range(3):
        raw.create(cms(ns), cm_body(f"dc{i}"))
    r = raw.delete(cms(ns), params=DRY)
    assert r.status_code == 200, r.text
    assert len(raw.ok("GET", cms(ns))["items"]) == 3


def test_dry_run_status_and_scale(raw: Raw, ns: str) -> None:
    raw.create(deps(ns), deploy_body("drys", replicas=1))
    raw.ok("PATCH", f"{deps(ns)}/drys/status", {"status": {"replicas": 9}}, ctype=MERGE, params=DRY)
    raw.ok("PATCH", f"{deps(ns)}/drys/scale", {"spec": {"replicas": 9}}, ctype=MERGE, params=DRY)
    got = raw.ok("GET", f"{deps(ns)}/drys")
    assert got["spec"]["replicas"] == 1
    assert got.get("status", {}).get("replicas") in (None, 0)


def test_dry_run_with_finalizer_delete_keeps_object_untouched(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("dryfin", finalizers=["example.com/x"]))
    out = raw.ok("DELETE", f"{cms(ns)}/dryfin", params=DRY)
    assert out["metadata"].get("deletionTimestamp")
    assert "deletionTimestamp" not in raw.ok("GET", f"{cms(ns)}/dryfin")["metadata"]


def test_dry_run_service_does_not_reserve_ip(raw: Raw, ns: str) -> None:
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "dry-svc"},
           "spec": {"clusterIP": "10.96.77.77", "ports": [{"port": 80}]}}
    out = raw.create(svcs(ns), svc, params=DRY)
    assert out["spec"]["clusterIP"] == "10.96.77.77"
    svc["metadata"]["name"] = "real-svc"
    assert raw.create(svcs(ns), svc)["spec"]["clusterIP"] == "10.96.77.77"


# --- conflicts and preconditions ---------------------------------------------------------------

def test_merge_patch_with_stale_resource_version_conflicts(raw: Raw, ns: str) -> None:
    obj = raw.create(cms(ns), cm_body("stale"))
    raw.ok("PATCH", f"{cms(ns)}/stale", {"data": {"k": "1"}}, ctype=MERGE)
    r = raw.patch(f"{cms(ns)}/stale", {"metadata": {"resourceVersion": obj["metadata"]["resourceVersion"]},
                                        "data": {"k": "2"}})
    assert_status(r, 409, "Conflict")
    assert raw.ok("GET", f"{cms(ns)}/stale")["data"] == {"k": "1"}


def test_json_patch_test_operation_guards_resource_version(raw: Raw, ns: str) -> None:
    """kopf's pattern: a failed ``test`` op must be a 422, and nothing changes."""
    obj = raw.create(cms(ns), cm_body("kopf"))
    raw.ok("PATCH", f"{cms(ns)}/kopf", {"data": {"k": "1"}}, ctype=MERGE)
    r = raw.patch(f"{cms(ns)}/kopf", [
        {"op": "test", "path": "/metadata/resourceVersion", "value": obj["metadata"]["resourceVersion"]},
        {"op": "add", "path": "/metadata/finalizers", "value": ["kopf.zalando.org/KopfFinalizerMarker"]},
    ], ctype=JSON_PATCH)
    assert_status(r, 422, "Invalid")
    assert "finalizers" not in raw.ok("GET", f"{cms(ns)}/kopf")["metadata"]


def test_delete_preconditions(raw: Raw, ns: str) -> None:
    obj = raw.create(cms(ns), cm_body("pre"))
    uid = obj["metadata"]["uid"]
    r = raw.delete(f"{cms(ns)}/pre", {"kind": "DeleteOptions", "apiVersion": "v1",
                                       "preconditions": {"uid": "bogus-uid"}})
    st_ = assert_status(r, 409, "Conflict")
    assert st_["message"].startswith("Operation cannot be fulfilled on ")
    assert f"the UID in the precondition (bogus-uid) does not match the UID in record ({uid})" in st_["message"]
    r = raw.delete(f"{cms(ns)}/pre", {"kind": "DeleteOptions", "apiVersion": "v1",
                                       "preconditions": {"resourceVersion": "1"}})
    st_ = assert_status(r, 409, "Conflict")
    assert (f"the ResourceVersion in the precondition (1) does not match the ResourceVersion in record "
            f"({obj['metadata']['resourceVersion']})") in st_["message"]
    raw.ok("GET", f"{cms(ns)}/pre")
    r = raw.delete(f"{cms(ns)}/pre", {"kind": "DeleteOptions", "apiVersion": "v1",
                                       "preconditions": {"uid": uid,
                                                         "resourceVersion": obj["metadata"]["resourceVersion"]}})
    assert r.status_code == 200, r.text
    assert_status(raw.get(f"{cms(ns)}/pre"), 404)


def test_typed_delete_with_preconditions(api_client: client.ApiClient, ns: str) -> None:
    core = client.CoreV1Api(api_client)
    cm = core.create_namespaced_config_map(ns, client.V1ConfigMap.from_dict({"metadata": {"name": "tp"}}))
    opts = client.V1DeleteOptions(preconditions=client.V1Preconditions(uid="nope"))
    with pytest.raises(client.ApiException) as info:
        core.delete_namespaced_config_map("tp", ns, body=opts)
    assert info.value.status == 409
    opts = client.V1DeleteOptions(preconditions=client.V1Preconditions(uid=cm.metadata.uid))
    core.delete_namespaced_config_map("tp", ns, body=opts)
    with pytest.raises(client.ApiException) as info:
        core.read_namespaced_config_map("tp", ns)
    assert info.value.status == 404


def test_delete_collection_with_selector(raw: Raw, ns: str) -> None:
    for i in range(4):
        raw.create(cms(ns), cm_body(f"del{i}", labels={"group": "a" if i % 2 else "b"}))
    r = raw.delete(cms(ns), params={"labelSelector": "group=a"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "ConfigMapList"
    assert sorted(i["metadata"]["name"] for i in body["items"]) == ["del1", "del3"]
    left = sorted(i["metadata"]["name"] for i in raw.ok("GET", cms(ns))["items"])
    assert left == ["del0", "del2"]


def test_delete_collection_respects_finalizers(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("keep", finalizers=["example.com/k"]))
    raw.create(cms(ns), cm_body("drop"))
    raw.ok("DELETE", cms(ns))
    items = raw.ok("GET", cms(ns))["items"]
    assert [i["metadata"]["name"] for i in items] == ["keep"]
    assert items[0]["metadata"]["deletionTimestamp"]


def test_delete_collection_not_allowed_on_namespaces(raw: Raw) -> None:
    assert_status(raw.delete("/api/v1/namespaces"), 405, "MethodNotAllowed")


# --- namespaces --------------------------------------------------------------------------------

def test_namespace_defaults(raw: Raw) -> None:
    name = uniq("nsd")
    out = raw.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    assert out["spec"] == {"finalizers": ["kubernetes"]}
    assert out["status"] == {"phase": "Active"}
    assert out["metadata"]["labels"]["kubernetes.io/metadata.name"] == name
    assert "namespace" not in out["metadata"]


def test_namespace_name_must_be_a_dns_label(raw: Raw) -> None:
    st_ = assert_status(raw.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                        "metadata": {"name": "has.dots"}}), 422, "Invalid")
    assert "metadata.name" in cause_fields(st_)
    assert 'metadata.name: Invalid value: "has.dots": must not contain dots' in st_["message"]
    st_ = assert_status(raw.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                        "metadata": {"name": "Upper"}}), 422, "Invalid")
    assert "a lowercase RFC 1123 label must consist of" in st_["message"]


def test_namespace_termination(raw: Raw) -> None:
    name = uniq("term")
    raw.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    raw.create(cms(name), cm_body("inside"))
    raw.create(cms(name), cm_body("held", finalizers=["example.com/hold"]))
    out = raw.ok("DELETE", f"/api/v1/namespaces/{name}")
    assert out["kind"] == "Namespace"
    assert out["metadata"]["deletionTimestamp"]
    assert out["status"]["phase"] == "Terminating"
    # no new content while terminating
    st_ = assert_status(raw.post(cms(name), cm_body("late")), 403, "Forbidden")
    assert st_["message"] == (f'configmaps "late" is forbidden: unable to create new content in namespace {name} '
                              f"because it is being terminated")
    assert any(c.get("reason") == "NamespaceTerminating" for c in causes(st_))
    # content is removed; the finalized object holds the namespace open
    wait_for(lambda: raw.get(f"{cms(name)}/inside").status_code == 404, timeout=10)
    time.sleep(0.5)
    held = raw.ok("GET", f"{cms(name)}/held")
    assert held["metadata"]["deletionTimestamp"]
    assert raw.ok("GET", f"/api/v1/namespaces/{name}")["status"]["phase"] == "Terminating"
    # updates are still allowed in a terminating namespace
    raw.ok("PATCH", f"{cms(name)}/held", {"metadata": {"finalizers": None}}, ctype=MERGE)
    wait_for(lambda: raw.get(f"/api/v1/namespaces/{name}").status_code == 404, timeout=15)


def test_immortal_namespaces_cannot_be_deleted(raw: Raw) -> None:
    for name in ("default", "kube-system", "kube-public"):
        st_ = assert_status(raw.delete(f"/api/v1/namespaces/{name}", params=DRY), 403, "Forbidden")
        assert st_["message"] == f'namespaces "{name}" is forbidden: this namespace may not be deleted'
        assert raw.ok("GET", f"/api/v1/namespaces/{name}")["status"]["phase"] == "Active"


def test_namespace_finalize_subresource(raw: Raw) -> None:
    name = uniq("fz")
    ns_obj = raw.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                "metadata": {"name": name}})
    ns_obj["spec"]["finalizers"] = []
    out = raw.ok("PUT", f"/api/v1/namespaces/{name}/finalize", ns_obj)
    assert out["spec"].get("finalizers", []) == []
    assert raw.ok("GET", f"/api/v1/namespaces/{name}")["status"]["phase"] == "Active"


# --- bootstrap objects -------------------------------------------------------------------------

def test_bootstrap_namespaces(raw: Raw) -> None:
    items = {n["metadata"]["name"]: n for n in raw.ok("GET", "/api/v1/namespaces")["items"]}
    for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
        assert name in items, name
        assert items[name]["status"]["phase"] == "Active"
        assert items[name]["metadata"]["uid"]


def test_kubernetes_service(raw: Raw, kapi_server: Any) -> None:
    svc = raw.ok("GET", "/api/v1/namespaces/default/services/kubernetes")
    assert svc["spec"]["type"] == "ClusterIP"
    assert svc["spec"]["clusterIP"] == "10.96.0.1"
    assert svc["spec"]["clusterIPs"] == ["10.96.0.1"]
    ports = svc["spec"]["ports"]
    assert len(ports) == 1
    assert ports[0]["name"] == "https"
    assert ports[0]["port"] == 443
    assert ports[0]["protocol"] == "TCP"
    assert svc["metadata"]["labels"] == {"component": "apiserver", "provider": "kubernetes"}


# --- service allocation ------------------------------------------------------------------------

def _svc(name: str, **spec: Any) -> dict[str, Any]:
    spec.setdefault("ports", [{"port": 80}])
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


def test_cluster_ips_are_unique_and_in_range(raw: Raw, ns: str) -> None:
    ips = set()
    for i in range(25):
        out = raw.create(svcs(ns), _svc(f"ip{i}"))
        ip = out["spec"]["clusterIP"]
        assert ipaddress.ip_address(ip) in SERVICE_CIDR, ip
        assert ip != "10.96.0.1"
        assert out["spec"]["clusterIPs"] == [ip]
        assert out["spec"]["ipFamilies"] == ["IPv4"]
        assert out["spec"]["ipFamilyPolicy"] == "SingleStack"
        ips.add(ip)
    assert len(ips) == 25


def test_requested_cluster_ip_is_honoured_or_refused(raw: Raw, ns: str) -> None:
    out = raw.create(svcs(ns), _svc("want", clusterIP="10.96.200.200"))
    assert out["spec"]["clusterIP"] == "10.96.200.200"
    st_ = assert_status(raw.post(svcs(ns), _svc("dup", clusterIP="10.96.200.200")), 422, "Invalid")
    assert "spec.clusterIPs" in cause_fields(st_)
    assert "provided IP is already allocated" in st_["message"]
    st_ = assert_status(raw.post(svcs(ns), _svc("taken", clusterIP="10.96.0.1")), 422, "Invalid")
    assert "provided IP is already allocated" in st_["message"]
    st_ = assert_status(raw.post(svcs(ns), _svc("outside", clusterIP="192.168.7.7")), 422, "Invalid")
    assert "spec.clusterIPs" in cause_fields(st_)
    assert "is not in the valid range" in st_["message"]
    assert_status(raw.get(f"{svcs(ns)}/dup"), 404)


def test_released_cluster_ip_can_be_reused(raw: Raw, ns: str) -> None:
    raw.create(svcs(ns), _svc("first", clusterIP="10.96.201.1"))
    raw.ok("DELETE", f"{svcs(ns)}/first")
    out = raw.create(svcs(ns), _svc("second", clusterIP="10.96.201.1"))
    assert out["spec"]["clusterIP"] == "10.96.201.1"


def test_failed_create_does_not_leak_ip(raw: Raw, ns: str) -> None:
    bad = _svc("Bad_Name", clusterIP="10.96.202.2")
    assert_status(raw.post(svcs(ns), bad), 422, "Invalid")
    out = raw.create(svcs(ns), _svc("good", clusterIP="10.96.202.2"))
    assert out["spec"]["clusterIP"] == "10.96.202.2"


def test_headless_and_external_name(raw: Raw, ns: str) -> None:
    out = raw.create(svcs(ns), _svc("headless", clusterIP="None"))
    assert out["spec"]["clusterIP"] == "None"
    assert out["spec"]["clusterIPs"] == ["None"]
    out = raw.create(svcs(ns), {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext"},
                                "spec": {"type": "ExternalName", "externalName": "example.com"}})
    assert "clusterIP" not in out["spec"] or out["spec"]["clusterIP"] in ("", None)


def test_cluster_ip_is_immutable(raw: Raw, ns: str) -> None:
    out = raw.create(svcs(ns), _svc("fixed"))
    out["spec"]["clusterIP"] = "10.96.203.3"
    out["spec"]["clusterIPs"] = ["10.96.203.3"]
    st_ = assert_status(raw.put(f"{svcs(ns)}/fixed", out), 422, "Invalid")
    assert any(f.startswith("spec.clusterIP") for f in cause_fields(st_)), st_
    assert "may not change once set" in st_["message"]


def test_node_ports(raw: Raw, ns: str) -> None:
    seen = set()
    for i in range(10):
        ports = [{"name": "a", "port": 80}, {"name": "b", "port": 443}]
        out = raw.create(svcs(ns), _svc(f"np{i}", type="NodePort", ports=ports))
        assert out["spec"]["externalTrafficPolicy"] == "Cluster"
        for p in out["spec"]["ports"]:
            assert 30000 <= p["nodePort"] <= 32767
            assert p["nodePort"] not in seen
            seen.add(p["nodePort"])
    assert len(seen) == 20


def test_requested_node_port(raw: Raw, ns: str) -> None:
    out = raw.create(svcs(ns), _svc("npwant", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    assert out["spec"]["ports"][0]["nodePort"] == 30080
    st_ = assert_status(raw.post(svcs(ns), _svc("npdup", type="NodePort", ports=[{"port": 80, "nodePort": 30080}])),
                        422, "Invalid")
    assert "spec.ports[0].nodePort" in cause_fields(st_)
    assert "provided port is already allocated" in st_["message"]
    st_ = assert_status(raw.post(svcs(ns), _svc("nplow", type="NodePort", ports=[{"port": 80, "nodePort": 8080}])),
                        422, "Invalid")
    assert "spec.ports[0].nodePort" in cause_fields(st_)
    assert "30000-32767" in st_["message"]
    raw.ok("DELETE", f"{svcs(ns)}/npwant")
    out = raw.create(svcs(ns), _svc("npagain", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    assert out["spec"]["ports"][0]["nodePort"] == 30080


def test_load_balancer_gets_node_ports(raw: Raw, ns: str) -> None:
    out = raw.create(svcs(ns), _svc("lb", type="LoadBalancer"))
    assert 30000 <= out["spec"]["ports"][0]["nodePort"] <= 32767
    assert ipaddress.ip_address(out["spec"]["clusterIP"]) in SERVICE_CIDR
    assert out["spec"]["allocateLoadBalancerNodePorts"] is True


def test_type_change_allocates_and_releases_node_ports(raw: Raw, ns: str) -> None:
    raw.create(svcs(ns), _svc("flip"))
    out = raw.ok("PATCH", f"{svcs(ns)}/flip", {"spec": {"type": "NodePort"}}, ctype=STRATEGIC)
    port = out["spec"]["ports"][0]["nodePort"]
    assert 30000 <= port <= 32767
    out = raw.ok("PATCH", f"{svcs(ns)}/flip", {"spec": {"type": "ClusterIP"}}, ctype=STRATEGIC)
    assert "nodePort" not in out["spec"]["ports"][0]
    again = raw.create(svcs(ns), _svc("reuse", type="NodePort", ports=[{"port": 80, "nodePort": port}]))
    assert again["spec"]["ports"][0]["nodePort"] == port


def test_service_delete_returns_object(raw: Raw, ns: str) -> None:
    raw.create(svcs(ns), _svc("gone"))
    out = raw.ok("DELETE", f"{svcs(ns)}/gone")
    assert out["kind"] == "Service"
    assert out["metadata"]["name"] == "gone"


# --- propagation policies and concurrency ------------------------------------------------------

@pytest.mark.parametrize("policy", ["Background", "Foreground", "Orphan"])
def test_propagation_policies_delete_a_lone_object(raw: Raw, ns: str, policy: str) -> None:
    """With no dependents every policy ends with the object gone (the garbage collector clears the
    orphan/foregroundDeletion finalizers it may add)."""
    name = f"prop-{policy.lower()}"
    raw.create(deps(ns), deploy_body(name))
    r = raw.delete(f"{deps(ns)}/{name}", {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": policy})
    assert r.status_code in (200, 202), r.text
    wait_for(lambda: raw.get(f"{deps(ns)}/{name}").status_code == 404, timeout=5)


def test_orphan_dependents_and_propagation_policy_conflict(raw: Raw, ns: str) -> None:
    raw.create(cms(ns), cm_body("both"))
    r = raw.delete(f"{cms(ns)}/both", {"kind": "DeleteOptions", "apiVersion": "v1", "orphanDependents": True,
                                        "propagationPolicy": "Orphan"})
    st_ = assert_status(r, 422, "Invalid")
    assert "orphanDependents and deletionPropagation cannot be both set" in st_["message"]


def test_concurrent_updates_with_same_resource_version(raw: Raw, ns: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import requests

    obj = raw.create(cms(ns), cm_body("race"))
    url = f"{raw.base}{cms(ns)}/race"

    def put(i: int) -> int:
        body = dict(obj, data={"k": f"writer-{i}"})
        return requests.put(url, json=body, timeout=15).status_code

    with ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(put, range(10)))
    assert sorted(codes) == [200] + [409] * 9, codes
    final = raw.ok("GET", f"{cms(ns)}/race")
    assert final["data"]["k"].startswith("writer-")
    assert rv(final) > rv(obj)


def test_concurrent_creates_of_one_name(raw: Raw, ns: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import requests

    url = f"{raw.base}{cms(ns)}"

    def post(i: int) -> int:
        return requests.post(url, json=cm_body("only-one", {"w": str(i)}), timeout=15).status_code

    with ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(post, range(10)))
    assert sorted(codes) == [201] + [409] * 9, codes


def test_concurrent_service_allocation(raw: Raw, ns: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import requests

    url = f"{raw.base}{svcs(ns)}"

    def post(i: int) -> dict[str, Any]:
        r = requests.post(url, json=_svc(f"par{i}", type="NodePort"), timeout=15)
        assert r.status_code == 201, r.text
        return r.json()

    with ThreadPoolExecutor(10) as pool:
        made = list(pool.map(post, range(20)))
    ips = [s["spec"]["clusterIP"] for s in made]
    ports = [s["spec"]["ports"][0]["nodePort"] for s in made]
    assert len(set(ips)) == 20
    assert len(set(ports)) == 20


# --- allocations are released -------------------------------------------------------------------

def test_switch_to_external_name_releases_cluster_ip(raw: Raw, ns: str) -> None:
    raw.create(svcs(ns), _svc("to-ext", clusterIP="10.96.210.10"))
    out = raw.ok("PATCH", f"{svcs(ns)}/to-ext", {"spec": {"type": "ExternalName", "externalName": "example.com"}},
                 ctype=STRATEGIC)
    assert not out["spec"].get("clusterIP")
    assert not out["spec"].get("clusterIPs")
    again = raw.create(svcs(ns), _svc("takes-ip", clusterIP="10.96.210.10"))
    assert again["spec"]["clusterIP"] == "10.96.210.10"


def test_node_ports_follow_port_changes(raw: Raw, ns: str) -> None:
    raw.create(svcs(ns), _svc("ports", type="NodePort", ports=[{"name": "a", "port": 80, "nodePort": 30501}]))
    out = raw.ok("PATCH", f"{svcs(ns)}/ports", {"spec": {"ports": [
        {"name": "a", "port": 80, "nodePort": 30501}, {"name": "b", "port": 81}]}}, ctype=MERGE)
    ports = {p["name"]: p["nodePort"] for p in out["spec"]["ports"]}
    assert ports["a"] == 30501 and 30000 <= ports["b"] <= 32767 and ports["b"] != 30501
    # dropping port a releases 30501
    raw.ok("PATCH", f"{svcs(ns)}/ports", {"spec": {"ports": [{"name": "b", "port": 81, "nodePort": ports["b"]}]}},
           ctype=MERGE)
    other = raw.create(svcs(ns), _svc("reuses", type="NodePort", ports=[{"port": 80, "nodePort": 30501}]))
    assert other["spec"]["ports"][0]["nodePort"] == 30501
    # moving onto a taken port is refused
    r = raw.patch(f"{svcs(ns)}/ports", {"spec": {"ports": [{"name": "b", "port": 81, "nodePort": 30501}]}})
    st_ = assert_status(r, 422, "Invalid")
    assert "provided port is already allocated" in st_["message"]


def test_namespace_deletion_releases_service_allocations(raw: Raw) -> None:
    name = uniq("svcns")
    raw.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    raw.create(svcs(name), _svc("held", type="NodePort", clusterIP="10.96.211.11",
                                ports=[{"port": 80, "nodePort": 30611}]))
    raw.ok("DELETE", f"/api/v1/namespaces/{name}")
    wait_for(lambda: raw.get(f"/api/v1/namespaces/{name}").status_code == 404, timeout=15)
    other = uniq("svcns")
    raw.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": other}})
    out = raw.create(svcs(other), _svc("held", type="NodePort", clusterIP="10.96.211.11",
                                       ports=[{"port": 80, "nodePort": 30611}]))
    assert out["spec"]["clusterIP"] == "10.96.211.11"
    assert out["spec"]["ports"][0]["nodePort"] == 30611
