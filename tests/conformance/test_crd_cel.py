"""CRD ``x-kubernetes-validations``: CEL rules at the root of spec, on array items, transition rules."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from kapi.testing import ServerThread

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
GROUP = "cel.example.com"

SCHEMA: dict[str, Any] = {"type": "object", "properties": {"spec": {
    "type": "object",
    "x-kubernetes-validations": [
        {"rule": "self.minReplicas <= self.maxReplicas", "message": "minReplicas must not exceed maxReplicas"},
        {"rule": "self.mode == oldSelf.mode", "message": "mode is immutable"},
        {"rule": "!has(self.name) || self.name.matches('^[a-z]+$')"},
        {"rule": "!has(self.forbidden)", "reason": "FieldValueForbidden", "fieldPath": ".forbidden",
         "message": "must not be set"},
    ],
    "properties": {
        "minReplicas": {"type": "integer"},
        "maxReplicas": {"type": "integer"},
        "mode": {"type": "string"},
        "name": {"type": "string"},
        "forbidden": {"type": "string"},
        "ports": {"type": "array", "x-kubernetes-validations": [{"rule": "self.size() <= 3"}],
                  "items": {"type": "object",
                            "x-kubernetes-validations": [{"rule": "self.port > 0 && self.port < 65536",
                                                          "message": "port out of range"}],
                            "properties": {"port": {"type": "integer"}}}},
    },
}}}


def _crd(group: str, plural: str, schema: dict[str, Any]) -> dict[str, Any]:
    kind = plural.capitalize()[:-1]
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{plural}.{group}"},
            "spec": {"group": group, "scope": "Namespaced",
                     "names": {"plural": plural, "singular": plural[:-1], "kind": kind},
                     "versions": [{"name": "v1", "served": True, "storage": True,
                                   "schema": {"openAPIV3Schema": schema}}]}}


def _established(base: str, name: str, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        crd = requests.get(f"{base}{CRDS}/{name}", timeout=5).json()
        if any(c["type"] == "Established" and c["status"] == "True"
               for c in (crd.get("status") or {}).get("conditions") or []):
            return
        time.sleep(0.02)
    raise AssertionError(f"{name} not established")


@pytest.fixture(scope="module")
def widgets(kapi_server: ServerThread) -> str:
    base = kapi_server.url
    r = requests.post(base + CRDS, json=_crd(GROUP, "widgets", SCHEMA), timeout=5)
    assert r.status_code in (201, 409), r.text
    _established(base, f"widgets.{GROUP}")
    return base


def _widget(obj_name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": f"{GROUP}/v1", "kind": "Widget", "metadata": {"name": obj_name}, "spec": spec}


def _url(base: str, ns: str, name: str = "") -> str:
    return f"{base}/apis/{GROUP}/v1/namespaces/{ns}/widgets" + (f"/{name}" if name else "")


def test_root_rule_passes_and_fails(widgets: str, ns: str) -> None:
    ok = _widget("ok", minReplicas=1, maxReplicas=3, mode="a", name="abc")
    r = requests.post(_url(widgets, ns), json=ok, timeout=5)
    assert r.status_code == 201, r.text
    bad = _widget("bad", minReplicas=5, maxReplicas=3, mode="a", name="ABC")
    r = requests.post(_url(widgets, ns), json=bad, timeout=5)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["reason"] == "Invalid"
    assert 'spec: Invalid value: "object": minReplicas must not exceed maxReplicas' in body["message"]
    causes = {(c["field"], c["reason"]) for c in body["details"]["causes"]}
    assert ("spec", "FieldValueInvalid") in causes
    r = requests.post(_url(widgets, ns), json=_widget("bad", minReplicas=1, maxReplicas=3, name="ABC"), timeout=5)
    assert r.status_code == 422, r.text
    assert "spec: Invalid value: \"object\": failed rule: !has(self.name) || self.name.matches('^[a-z]+$')" \
        in r.json()["message"]


def test_reason_and_field_path(widgets: str, ns: str) -> None:
    r = requests.post(_url(widgets, ns), json=_widget("f", minReplicas=1, maxReplicas=1, forbidden="x"), timeout=5)
    assert r.status_code == 422, r.text
    assert "spec.forbidden: Forbidden: must not be set" in r.json()["message"]


def test_array_item_rules(widgets: str, ns: str) -> None:
    ok = _widget("p", minReplicas=1, maxReplicas=2, ports=[{"port": 80}, {"port": 443}])
    assert requests.post(_url(widgets, ns), json=ok, timeout=5).status_code == 201
    bad = _widget("q", minReplicas=1, maxReplicas=2, ports=[{"port": 80}, {"port": 0}])
    r = requests.post(_url(widgets, ns), json=bad, timeout=5)
    assert r.status_code == 422, r.text
    assert 'spec.ports[1]: Invalid value: "object": port out of range' in r.json()["message"]
    many = _widget("r", minReplicas=1, maxReplicas=2, ports=[{"port": i} for i in range(1, 5)])
    r = requests.post(_url(widgets, ns), json=many, timeout=5)
    assert r.status_code == 422, r.text
    assert 'spec.ports: Invalid value: "array": failed rule: self.size() <= 3' in r.json()["message"]


def test_transition_rule(widgets: str, ns: str) -> None:
    # oldSelf rules do not run on create
    r = requests.post(_url(widgets, ns), json=_widget("t", minReplicas=1, maxReplicas=2, mode="a"), timeout=5)
    assert r.status_code == 201, r.text
    obj = r.json()
    obj["spec"]["maxReplicas"] = 4
    r = requests.put(_url(widgets, ns, "t"), json=obj, timeout=5)
    assert r.status_code == 200, r.text
    obj = r.json()
    obj["spec"]["mode"] = "b"
    r = requests.put(_url(widgets, ns, "t"), json=obj, timeout=5)
    assert r.status_code == 422, r.text
    assert 'spec: Invalid value: "object": mode is immutable' in r.json()["message"]
    r = requests.patch(_url(widgets, ns, "t"), json={"spec": {"mode": "c"}}, timeout=5,
                       headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 422, r.text
    assert "mode is immutable" in r.json()["message"]


def test_evaluation_error_is_422_not_500(widgets: str, ns: str) -> None:
    # no maxReplicas: "no such key" while evaluating the root rule
    r = requests.post(_url(widgets, ns), json=_widget("e", minReplicas=1), timeout=5)
    assert r.status_code == 422, r.text
    assert ('spec: Invalid value: "object": no such key: maxReplicas evaluating rule: '
            "minReplicas must not exceed maxReplicas") in r.json()["message"]


def test_schema_errors_block_rules(widgets: str, ns: str) -> None:
    r = requests.post(_url(widgets, ns), json=_widget("s", minReplicas="x", maxReplicas=1), timeout=5)
    assert r.status_code == 422, r.text
    message = r.json()["message"]
    assert "spec.minReplicas" in message
    assert "some validation rules were not checked because the object was invalid" in message


def test_rule_that_does_not_compile_makes_the_crd_invalid(kapi_server: ServerThread) -> None:
    schema = {"type": "object", "properties": {"spec": {
        "type": "object", "x-kubernetes-validations": [{"rule": "self.a <="}]}}}
    r = requests.post(kapi_server.url + CRDS, json=_crd(GROUP, "gadgets", schema), timeout=5)
    assert r.status_code == 422, r.text
    message = r.json()["message"]
    assert ("spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: "
            'Invalid value: "self.a <=": compilation failed: ') in message
    assert "Syntax error" in message


def test_huge_list_is_bounded(widgets: str, ns: str) -> None:
    schema = {"type": "object", "properties": {"spec": {"type": "object", "properties": {"xs": {
        "type": "array", "items": {"type": "integer"},
        "x-kubernetes-validations": [{"rule": "self.all(x, self.all(y, x != y || x == y))"}]}}}}}
    base = widgets
    r = requests.post(base + CRDS, json=_crd(GROUP, "loops", schema), timeout=5)
    assert r.status_code in (201, 409), r.text
    _established(base, f"loops.{GROUP}")
    obj = {"apiVersion": f"{GROUP}/v1", "kind": "Loop", "metadata": {"name": "big"},
           "spec": {"xs": list(range(5000))}}
    started = time.monotonic()
    r = requests.post(f"{base}/apis/{GROUP}/v1/namespaces/{ns}/loops", json=obj, timeout=30)
    assert time.monotonic() - started < 5
    assert r.status_code == 422, r.text
    assert "no further validation rules will be run" in r.json()["message"]
