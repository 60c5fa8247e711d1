"""Binding pods to nodes: the ``pods/binding`` subresource and the ``bindings`` resource."""

from __future__ import annotations

import json

from kubernetes import client

from tests.conformance.conftest import Raw, assert_status


def _pod(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}


def _binding(pod: str, node: str) -> dict:
    return {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": pod},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node}}


def test_binding_subresource_sets_node_name_once(raw: Raw, ns: str) -> None:
    raw.create(f"/api/v1/namespaces/{ns}/pods", _pod("p1"))
    r = raw.post(f"/api/v1/namespaces/{ns}/pods/p1/binding", _binding("p1", "node-a"))
    assert r.status_code == 201, r.text
    assert (r.json()["kind"], r.json()["status"]) == ("Status", "Success")
    pod = raw.ok("GET", f"/api/v1/namespaces/{ns}/pods/p1")
    assert pod["spec"]["nodeName"] == "node-a"
    scheduled = [c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled"]
    assert scheduled and scheduled[0]["status"] == "True"
    again = raw.post(f"/api/v1/namespaces/{ns}/pods/p1/binding", _binding("p1", "node-b"))
    st = assert_status(again, 409, "Conflict")
    assert 'pod p1 is already assigned to node "node-a"' in st["message"]
    # a binding is not an object of its own
    assert_status(raw.get(f"/api/v1/namespaces/{ns}/bindings/p1"), 405)


def test_bindings_resource_through_the_typed_client(api_client: client.ApiClient, ns: str) -> None:
    core = client.CoreV1Api(api_client)
    core.create_namespaced_pod(ns, client.V1Pod.from_dict(_pod("p2")))
    body = client.V1Binding.from_dict(_binding("p2", "node-c"))
    resp = core.create_namespaced_binding(ns, body, _preload_content=False)
    assert resp.status == 201
    assert json.loads(resp.data)["status"] == "Success"
    assert core.read_namespaced_pod("p2", ns).spec.node_name == "node-c"


def test_binding_errors(raw: Raw, ns: str) -> None:
    assert_status(raw.post(f"/api/v1/namespaces/{ns}/pods/nope/binding", _binding("nope", "n")), 404, "NotFound")
    raw.create(f"/api/v1/namespaces/{ns}/pods", _pod("p3"))
    bad = _binding("p3", "")
    st = assert_status(raw.post(f"/api/v1/namespaces/{ns}/pods/p3/binding", bad), 422, "Invalid")
    assert "target.name: Required value" in st["message"]
