"""The status and scale subresources."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from tests.conformance.conftest import (
    JSON_PATCH,
    MERGE,
    STRATEGIC,
    Raw,
    api_error,
    assert_status,
    cause_fields,
    cm_body,
    deploy_body,
    pod_body,
)

CONFLICT_MSG = "the object has been modified; please apply your changes to the latest version and try again"


def deps(ns: str) -> str:
    return f"/apis/apps/v1/namespaces/{ns}/deployments"


# --- status ------------------------------------------------------------------------------------

def test_status_put_changes_only_status(raw: Raw, ns: str) -> None:
    d = raw.create(deps(ns), deploy_body("st", replicas=2))
    d["spec"]["replicas"] = 7
    d["metadata"]["labels"] = {"sneaky": "label"}
    d["status"] = {"replicas": 2, "readyReplicas": 1, "observedGeneration": 1,
                   "conditions": [{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable",
                                   "message": "m", "lastUpdateTime": "2024-01-01T00:00:00Z",
                                   "lastTransitionTime": "2024-01-01T00:00:00Z"}]}
    out = raw.ok("PUT", f"{deps(ns)}/st/status", d)
    assert out["status"]["replicas"] == 2
    assert out["status"]["readyReplicas"] == 1
    assert out["status"]["conditions"][0]["type"] == "Available"
    assert out["spec"]["replicas"] == 2  # spec changes are ignored on /status
    assert "sneaky" not in (out["metadata"].get("labels") or {})
    assert out["metadata"]["generation"] == 1
    got = raw.ok("GET", f"{deps(ns)}/st")
    assert got["status"]["readyReplicas"] == 1
    assert got["spec"]["replicas"] == 2


def test_main_resource_update_ignores_status(raw: Raw, ns: str) -> None:
    d = raw.create(deps(ns), deploy_body("st2"))
    d["status"] = {"replicas": 5, "readyReplicas": 5}
    d["spec"]["replicas"] = 3
    out = raw.ok("PUT", f"{deps(ns)}/st2", d)
    assert out["spec"]["replicas"] == 3
    assert out.get("status", {}).get("readyReplicas") in (None, 0)
    out = raw.ok("PATCH", f"{deps(ns)}/st2", {"status": {"replicas": 9}}, ctype=MERGE)
    assert out.get("status", {}).get("replicas") in (None, 0)


def test_status_get_returns_whole_object(raw: Raw, ns: str) -> None:
    raw.create(deps(ns), deploy_body("st3"))
    out = raw.ok("GET", f"{deps(ns)}/st3/status")
    assert out["kind"] == "Deployment"
    assert out["metadata"]["name"] == "st3"
    assert out["spec"]["replicas"] == 1


@pytest.mark.parametrize("ctype,patch", [
    (MERGE, {"status": {"observedGeneration": 1, "replicas": 1}}),
    (STRATEGIC, {"status": {"observedGeneration": 1, "replicas": 1}}),
    (JSON_PATCH, [{"op": "add", "path": "/status/replicas", "value": 1},
                  {"op": "add", "path": "/status/observedGeneration", "value": 1}]),
])
def test_status_patch_types(raw: Raw, ns: str, ctype: str, patch: Any) -> None:
    name = {MERGE: "m", STRATEGIC: "s", JSON_PATCH: "j"}[ctype]
    raw.create(deps(ns), deploy_body(name))
    if ctype == JSON_PATCH:
        raw.ok("PATCH", f"{deps(ns)}/{name}/status", {"status": {"readyReplicas": 0}}, ctype=MERGE)
    out = raw.ok("PATCH", f"{deps(ns)}/{name}/status", patch, ctype=ctype)
    assert out["status"]["replicas"] == 1
    assert out["status"]["observedGeneration"] == 1


def test_status_update_conflict(raw: Raw, ns: str) -> None:
    d = raw.create(deps(ns), deploy_body("stc"))
    raw.ok("PATCH", f"{deps(ns)}/stc", {"spec": {"replicas": 2}}, ctype=MERGE)
    d["status"] = {"replicas": 1}
    assert_status(raw.put(f"{deps(ns)}/stc/status", d), 409, "Conflict",
                  f'Operation cannot be fulfilled on deployments.apps "stc": {CONFLICT_MSG}')


def test_status_of_missing_object(raw: Raw, ns: str) -> None:
    assert_status(raw.get(f"{deps(ns)}/ghost/status"), 404, "NotFound", 'deployments.apps "ghost" not found')
    assert_status(raw.patch(f"{deps(ns)}/ghost/status", {"status": {}}), 404, "NotFound")


def test_no_status_subresource_on_configmaps(raw: Raw, ns: str) -> None:
    raw.create(f"/api/v1/namespaces/{ns}/configmaps", cm_body("nost"))
    r = raw.get(f"/api/v1/namespaces/{ns}/configmaps/nost/status")
    assert_status(r, 404, "NotFound")
    r = raw.get(f"/api/v1/namespaces/{ns}/configmaps/nost/scale")
    assert_status(r, 404, "NotFound")


def test_pod_status(raw: Raw, ns: str) -> None:
    pods = f"/api/v1/namespaces/{ns}/pods"
    raw.create(pods, pod_body("ps"))
    out = raw.ok("PATCH", f"{pods}/ps/status", {"status": {
        "phase": "Running", "podIP": "10.244.0.5", "podIPs": [{"ip": "10.244.0.5"}],
        "conditions": [{"type": "Ready", "status": "True"}]}}, ctype=STRATEGIC)
    assert out["status"]["phase"] == "Running"
    assert out["status"]["podIP"] == "10.244.0.5"
    got = raw.ok("GET", f"{pods}/ps")
    assert got["status"]["phase"] == "Running"
    # status changes through the main resource are dropped
    got["status"]["phase"] = "Failed"
    got["metadata"]["labels"] = {"x": "y"}
    out = raw.ok("PUT", f"{pods}/ps", got)
    assert out["status"]["phase"] == "Running"
    assert out["metadata"]["labels"] == {"x": "y"}


def test_pod_status_is_validated(raw: Raw, ns: str) -> None:
    pods = f"/api/v1/namespaces/{ns}/pods"
    raw.create(pods, pod_body("psv"))
    r = raw.patch(f"{pods}/psv/status", {"status": {"podIP": "not-an-ip"}})
    st_ = assert_status(r, 422, "Invalid")
    assert any(f.startswith("status.podIP") for f in cause_fields(st_)), st_


def test_service_status(raw: Raw, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/services"
    raw.create(path, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "lbs"},
                      "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}})
    out = raw.ok("PATCH", f"{path}/lbs/status",
                 {"status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.10"}]}}}, ctype=MERGE)
    assert out["status"]["loadBalancer"]["ingress"][0]["ip"] == "192.0.2.10"


def test_namespace_status_phase_rules(raw: Raw, ns: str) -> None:
    r = raw.patch(f"/api/v1/namespaces/{ns}/status", {"status": {"phase": "Terminating"}})
    st_ = assert_status(r, 422, "Invalid")
    assert "status.Phase" in cause_fields(st_) or "status.phase" in cause_fields(st_), st_
    assert raw.ok("GET", f"/api/v1/namespaces/{ns}")["status"]["phase"] == "Active"


def test_typed_status_calls(api_client: client.ApiClient, ns: str) -> None:
    batch = client.BatchV1Api(api_client)
    batch.create_namespaced_job(ns, client.V1Job.from_dict({
        "metadata": {"name": "js"},
        "spec": {"suspend": True, "template": {"spec": {"restartPolicy": "Never",
                                                        "containers": [{"name": "c", "image": "i"}]}}}}))
    out = batch.patch_namespaced_job_status("js", ns, {"status": {"active": 0, "failed": 1}})
    assert out.status.failed == 1
    assert batch.read_namespaced_job_status("js", ns).status.failed == 1


# --- scale -------------------------------------------------------------------------------------

def test_deployment_scale_get(raw: Raw, ns: str) -> None:
    d = raw.create(deps(ns), deploy_body("sc", replicas=3))
    s = raw.ok("GET", f"{deps(ns)}/sc/scale")
    assert s["kind"] == "Scale"
    assert s["apiVersion"] == "autoscaling/v1"
    assert s["metadata"]["name"] == "sc"
    assert s["metadata"]["namespace"] == ns
    assert s["metadata"]["uid"] == d["metadata"]["uid"]
    assert s["metadata"]["resourceVersion"] == d["metadata"]["resourceVersion"]
    assert s["metadata"]["creationTimestamp"] == d["metadata"]["creationTimestamp"]
    assert s["spec"] == {"replicas": 3}
    assert s["status"]["replicas"] == 0
    assert s["status"]["selector"] == "app=sc"


def test_deployment_scale_put_and_patch(raw: Raw, ns: str) -> None:
    raw.create(deps(ns), deploy_body("sc2", replicas=1))
    s = raw.ok("GET", f"{deps(ns)}/sc2/scale")
    s["spec"]["replicas"] = 4
    out = raw.ok("PUT", f"{deps(ns)}/sc2/scale", s)
    assert out["kind"] == "Scale"
    assert out["spec"]["replicas"] == 4
    d = raw.ok("GET", f"{deps(ns)}/sc2")
    assert d["spec"]["replicas"] == 4
    assert d["metadata"]["generation"] == 2
    assert out["metadata"]["resourceVersion"] == d["metadata"]["resourceVersion"]
    out = raw.ok("PATCH", f"{deps(ns)}/sc2/scale", {"spec": {"replicas": 2}}, ctype=MERGE)
    assert out["spec"]["replicas"] == 2
    out = raw.ok("PATCH", f"{deps(ns)}/sc2/scale", [{"op": "replace", "path": "/spec/replicas", "value": 0}],
                 ctype=JSON_PATCH)
    assert out["spec"]["replicas"] == 0
    assert raw.ok("GET", f"{deps(ns)}/sc2")["spec"]["replicas"] == 0


def test_scale_conflict_and_unconditional(raw: Raw, ns: str) -> None:
    raw.create(deps(ns), deploy_body("sc3"))
    s = raw.ok("GET", f"{deps(ns)}/sc3/scale")
    raw.ok("PATCH", f"{deps(ns)}/sc3", {"metadata": {"labels": {"bump": "1"}}}, ctype=MERGE)
    s["spec"]["replicas"] = 5
    assert_status(raw.put(f"{deps(ns)}/sc3/scale", s), 409, "Conflict",
                  f'Operation cannot be fulfilled on deployments.apps "sc3": {CONFLICT_MSG}')
    del s["metadata"]["resourceVersion"]
    assert raw.ok("PUT", f"{deps(ns)}/sc3/scale", s)["spec"]["replicas"] == 5


def test_scale_validation(raw: Raw, ns: str) -> None:
    raw.create(deps(ns), deploy_body("sc4"))
    r = raw.patch(f"{deps(ns)}/sc4/scale", {"spec": {"replicas": -1}})
    st_ = assert_status(r, 422, "Invalid")
    assert "spec.replicas" in cause_fields(st_)
    assert st_["message"].startswith('Scale.autoscaling "sc4" is invalid: ')
    assert "must be greater than or equal to 0" in st_["message"]
    assert raw.ok("GET", f"{deps(ns)}/sc4")["spec"]["replicas"] == 1


def test_scale_of_missing_object(raw: Raw, ns: str) -> None:
    assert_status(raw.get(f"{deps(ns)}/nope/scale"), 404, "NotFound", 'deployments.apps "nope" not found')
    assert_status(raw.patch(f"{deps(ns)}/nope/scale", {"spec": {"replicas": 1}}), 404, "NotFound")


@pytest.mark.parametrize("path,kind,body", [
    ("/apis/apps/v1/namespaces/{ns}/statefulsets", "StatefulSet",
     {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s"},
      "spec": {"serviceName": "s", "replicas": 1, "selector": {"matchLabels": {"app": "s"}},
               "template": {"metadata": {"labels": {"app": "s"}},
                            "spec": {"containers": [{"name": "c", "image": "i"}]}}}}),
    ("/apis/apps/v1/namespaces/{ns}/replicasets", "ReplicaSet",
     {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "s"},
      "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "s"}},
               "template": {"metadata": {"labels": {"app": "s"}},
                            "spec": {"containers": [{"name": "c", "image": "i"}]}}}}),
    ("/api/v1/namespaces/{ns}/replicationcontrollers", "ReplicationController",
     {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "s"},
      "spec": {"replicas": 1, "selector": {"app": "s"},
               "template": {"metadata": {"labels": {"app": "s"}},
                            "spec": {"containers": [{"name": "c", "image": "i"}]}}}}),
])
def test_scale_other_kinds(raw: Raw, ns: str, path: str, kind: str, body: dict[str, Any]) -> None:
    path = path.format(ns=ns)
    raw.create(path, body)
    s = raw.ok("GET", f"{path}/s/scale")
    assert s["kind"] == "Scale" and s["apiVersion"] == "autoscaling/v1"
    assert s["spec"]["replicas"] == 1
    assert s["status"]["selector"] == "app=s"
    out = raw.ok("PATCH", f"{path}/s/scale", {"spec": {"replicas": 3}}, ctype=MERGE)
    assert out["spec"]["replicas"] == 3
    obj = raw.ok("GET", f"{path}/s")
    assert obj["kind"] == kind
    assert obj["spec"]["replicas"] == 3


def test_typed_scale(api_client: client.ApiClient, ns: str, raw: Raw) -> None:
    apps = client.AppsV1Api(api_client)
    raw.create(deps(ns), deploy_body("tsc", replicas=2))
    scale = apps.read_namespaced_deployment_scale("tsc", ns)
    assert scale.spec.replicas == 2
    assert scale.status.selector == "app=tsc"
    scale.spec.replicas = 6
    out = apps.replace_namespaced_deployment_scale("tsc", ns, scale)
    assert out.spec.replicas == 6
    out = apps.patch_namespaced_deployment_scale("tsc", ns, {"spec": {"replicas": 1}})
    assert out.spec.replicas == 1
    assert apps.read_namespaced_deployment("tsc", ns).spec.replicas == 1
    status, body = api_error(apps.patch_namespaced_deployment_scale, "missing", ns, {"spec": {"replicas": 1}})
    assert status == 404
    assert body["message"] == 'deployments.apps "missing" not found'


def test_scale_subresource_rejects_delete_and_post(raw: Raw, ns: str) -> None:
    raw.create(deps(ns), deploy_body("sc5"))
    assert_status(raw.delete(f"{deps(ns)}/sc5/scale"), 405, "MethodNotAllowed")
    assert_status(raw.post(f"{deps(ns)}/sc5/scale", {"spec": {"replicas": 1}}), 405, "MethodNotAllowed")
    raw.ok("GET", f"{deps(ns)}/sc5")
