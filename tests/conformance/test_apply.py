"""Server-side apply: merge, removal of dropped fields, ownership, conflicts and force."""

from __future__ import annotations

from typing import Any

import requests
import yaml
from kubernetes import client
from kubernetes.dynamic import DynamicClient

from kapi.testing import ServerThread

APPLY = {"Content-Type": "application/apply-patch+yaml"}


def _apply(server: ServerThread, path: str, body: dict[str, Any], manager: str | None, **params: str
           ) -> requests.Response:
    q = dict(params)
    if manager is not None:
        q["fieldManager"] = manager
    return requests.patch(server.url + path, data=yaml.safe_dump(body), headers=APPLY, params=q, timeout=10)


def _deploy(containers: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": containers}},
                     **spec}}


def _managers(obj: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m["manager"], m["operation"]) for m in obj["metadata"]["managedFields"]]


def test_apply_creates_then_merges_and_prunes(kapi_server: ServerThread, ns: str) -> None:
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    first = _apply(kapi_server, path, _deploy(
        [{"name": "web", "image": "nginx:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
         {"name": "side", "image": "busybox"}], replicas=2), "alice")
    assert first.status_code == 201, first.text
    created = first.json()
    assert _managers(created) == [("alice", "Apply")]
    assert created["spec"]["strategy"]["type"] == "RollingUpdate"  # defaults still apply
    second = _apply(kapi_server, path, _deploy([{"name": "web", "image": "nginx:2",
                                                 "env": [{"name": "A", "value": "1"}]}], replicas=2), "alice")
    assert second.status_code == 200, second.text
    containers = second.json()["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["web"]
    assert containers[0]["image"] == "nginx:2"
    assert containers[0]["env"] == [{"name": "A", "value": "1"}]
    assert second.json()["metadata"]["generation"] == 2
    # re-applying the same configuration changes nothing
    same = _apply(kapi_server, path, _deploy([{"name": "web", "image": "nginx:2",
                                               "env": [{"name": "A", "value": "1"}]}], replicas=2), "alice")
    assert same.json()["metadata"]["resourceVersion"] == second.json()["metadata"]["resourceVersion"]


def test_conflicts_and_force(kapi_server: ServerThread, ns: str) -> None:
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    assert _apply(kapi_server, path, _deploy([{"name": "web", "image": "nginx"}], replicas=2), "alice").ok
    bob = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 5}}
    refused = _apply(kapi_server, path, bob, "bob")
    assert refused.status_code == 409
    status = refused.json()
    assert status["reason"] == "Conflict"
    assert status["message"] == 'Apply failed with 1 conflict: conflict with "alice" using apps/v1: .spec.replicas'
    assert status["details"]["causes"] == [{"reason": "FieldManagerConflict",
                                            "message": 'conflict with "alice" using apps/v1',
                                            "field": ".spec.replicas"}]
    # applying the value that is already there is no conflict: the field becomes shared
    shared = _apply(kapi_server, path, {**bob, "spec": {"replicas": 2}}, "carol")
    assert shared.status_code == 200, shared.text
    forced = _apply(kapi_server, path, bob, "bob", force="true")
    assert forced.status_code == 200, forced.text
    obj = forced.json()
    assert obj["spec"]["replicas"] == 5
    owners = {m["manager"]: m["fieldsV1"] for m in obj["metadata"]["managedFields"]}
    assert "f:replicas" in owners["bob"]["f:spec"]
    assert "f:replicas" not in owners["alice"]["f:spec"]
    assert "carol" not in owners  # its only field changed hands


def test_apply_conflicts_with_an_update_manager(kapi_server: ServerThread, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    r = requests.post(kapi_server.url + base, json={"metadata": {"name": "cm"}, "data": {"k": "v"}},
                      params={"fieldManager": "kubectl-client-side-apply"}, timeout=10)
    assert r.status_code == 201
    cfg = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": {"k": "other"}}
    refused = _apply(kapi_server, f"{base}/cm", cfg, "kubectl")
    assert refused.status_code == 409
    assert 'conflict with "kubectl-client-side-apply" using v1: .data.k' in refused.json()["message"]
    taken = _apply(kapi_server, f"{base}/cm", cfg, "kubectl", force="true").json()
    assert taken["data"] == {"k": "other"}
    assert _managers(taken) == [("kubectl", "Apply")]


def test_apply_needs_a_field_manager_and_a_typed_body(kapi_server: ServerThread, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps/x"
    cfg = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}
    r = _apply(kapi_server, path, cfg, None)
    assert r.status_code == 422
    assert "fieldManager: Required value: is required for apply patch" in r.json()["message"]
    r = _apply(kapi_server, path, {"metadata": {"name": "x"}}, "m")
    assert r.status_code == 400
    r = _apply(kapi_server, path, cfg, "m", dryRun="All")
    assert r.status_code == 201
    assert requests.get(kapi_server.url + path, timeout=10).status_code == 404


def test_sets_and_atomic_lists(kapi_server: ServerThread, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps/fin"
    a = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "fin", "finalizers": ["a.example/x"]}}
    b = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "fin", "finalizers": ["b.example/y"]}}
    assert _apply(kapi_server, path, a, "one").status_code == 201
    out = _apply(kapi_server, path, b, "two").json()
    assert out["metadata"]["finalizers"] == ["a.example/x", "b.example/y"]  # a set: both managers' members
    out = _apply(kapi_server, path, {**a, "metadata": {"name": "fin"}}, "one").json()
    assert out["metadata"]["finalizers"] == ["b.example/y"]  # "one" dropped its member
    requests.patch(kapi_server.url + path, json={"metadata": {"finalizers": None}},
                   headers={"Content-Type": "application/merge-patch+json"}, timeout=10)


def test_dynamic_client_server_side_apply(api_client: client.ApiClient, ns: str) -> None:
    dyn = DynamicClient(api_client)
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dyn", "namespace": ns},
            "data": {"a": "1"}}
    out = cms.server_side_apply(body=body, namespace=ns, field_manager="dyn-test")
    assert out.data.a == "1"
    assert [m.manager for m in out.metadata.managedFields] == ["dyn-test"]


def test_reapplying_ports_without_their_defaulted_key(kapi_server: ServerThread, ns: str) -> None:
    """Service ports are keyed by port and protocol; protocol's default must not split one port into two."""
    path = f"/api/v1/namespaces/{ns}/services/s1"
    cfg = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s1"},
           "spec": {"selector": {"app": "s1"}, "ports": [{"name": "http", "port": 80, "targetPort": 80}]}}
    assert _apply(kapi_server, path, cfg, "m").status_code == 201
    again = _apply(kapi_server, path, cfg, "m")
    assert again.status_code == 200, again.text
    assert again.json()["spec"]["ports"] == [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 80}]
    fields = again.json()["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"]["f:ports"]
    assert list(fields) == ['k:{"port":80,"protocol":"TCP"}']
