"""The pods/eviction subresource: deletes a pod unless a PodDisruptionBudget forbids it."""

from __future__ import annotations

import json

import pytest
from kubernetes import client

from tests.conformance.conftest import Raw, assert_status


def _pod(name: str, app: str = "web") -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": app}},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}


def _eviction(name: str) -> dict:
    return {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name}}


def test_eviction_without_budget_deletes_the_pod(api_client: client.ApiClient, raw: Raw, ns: str) -> None:
    core = client.CoreV1Api(api_client)
    core.create_namespaced_pod(ns, client.V1Pod.from_dict(_pod("free", app="free")))
    resp = core.create_namespaced_pod_eviction("free", ns, client.V1Eviction.from_dict(_eviction("free")),
                                               _preload_content=False)
    assert resp.status == 201
    assert json.loads(resp.data)["status"] == "Success"
    assert_status(raw.get(f"/api/v1/namespaces/{ns}/pods/free"), 404, "NotFound")


def test_budget_blocks_then_allows(raw: Raw, ns: str) -> None:
    pods = f"/api/v1/namespaces/{ns}/pods"
    raw.create(pods, _pod("guarded"))
    # bound to a node and running: a disruption the budget must allow
    raw.ok("POST", f"{pods}/guarded/binding", {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "guarded"},
                                               "target": {"kind": "Node", "name": "n1"}})
    raw.ok("PATCH", f"{pods}/guarded/status", {"status": {"phase": "Running"}},
           ctype="application/merge-patch+json")
    pdbs = f"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets"
    raw.create(pdbs, {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "keep"},
                      "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}}})
    refused = raw.post(f"{pods}/guarded/eviction", _eviction("guarded"))
    status = assert_status(refused, 429, "TooManyRequests")
    assert "Cannot evict pod as it would violate the pod's disruption budget" in status["message"]
    raw.ok("PATCH", f"{pdbs}/keep/status", {"status": {"observedGeneration": 1, "disruptionsAllowed": 1,
                                                       "currentHealthy": 2, "desiredHealthy": 1,
                                                       "expectedPods": 2}},
           ctype="application/merge-patch+json")
    allowed = raw.post(f"{pods}/guarded/eviction", _eviction("guarded"))
    assert allowed.status_code == 201, allowed.text
    pod = raw.ok("GET", f"{pods}/guarded")  # graceful: a bound pod waits for its kubelet
    assert pod["metadata"]["deletionTimestamp"]
    pdb = raw.ok("GET", f"{pdbs}/keep")
    assert pdb["status"]["disruptionsAllowed"] == 0 and "guarded" in pdb["status"]["disruptedPods"]


@pytest.mark.parametrize("body", [{"kind": "Pod"}, {"kind": "Eviction", "metadata": {"name": "other"}}])
def test_bad_evictions(raw: Raw, ns: str, body: dict) -> None:
    raw.create(f"/api/v1/namespaces/{ns}/pods", _pod("x"))
    assert_status(raw.post(f"/api/v1/namespaces/{ns}/pods/x/eviction", body), 400, "BadRequest")
    assert_status(raw.post(f"/api/v1/namespaces/{ns}/pods/none/eviction", _eviction("none")), 404, "NotFound")
