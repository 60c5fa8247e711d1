"""CRD lifecycle: versions, schema updates, deletion cascading, restarts, selectable fields, watches."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import requests
from kubernetes import client, watch

from kapi.testing import ServerThread

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


def _crd(group: str = "life.example.com", *, versions: list[dict[str, Any]] | None = None,
         conversion: dict[str, Any] | None = None) -> dict[str, Any]:
    schema = {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "properties": {"color": {"type": "string"}, "size": {"type": "integer"}}}}}}
    versions = versions or [{"name": "v1", "served": True, "storage": True, "schema": schema,
                             "selectableFields": [{"jsonPath": ".spec.color"}]}]
    for v in versions:
        v.setdefault("schema", copy.deepcopy(schema))
    spec: dict[str, Any] = {"group": group, "scope": "Namespaced", "versions": versions,
                            "names": {"plural": "things", "singular": "thing", "kind": "Thing"}}
    if conversion:
        spec["conversion"] = conversion
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"things.{group}"}, "spec": spec}


def _established(base: str, name: str, timeout: float = 5) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        crd = requests.get(f"{base}{CRDS}/{name}", timeout=5).json()
        if any(c["type"] == "Established" and c["status"] == "True"
               for c in (crd.get("status") or {}).get("conditions") or []):
            return crd
        time.sleep(0.02)
    raise AssertionError(f"{name} not established")


def _thing(version: str, name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": f"life.example.com/{version}", "kind": "Thing", "metadata": {"name": name}, "spec": spec}


def test_two_versions_share_objects(kapi_server: ServerThread, ns: str) -> None:
    base = kapi_server.url
    crd = _crd(versions=[{"name": "v1", "served": True, "storage": True},
                         {"name": "v2", "served": True, "storage": False}])
    assert requests.post(base + CRDS, json=crd, timeout=5).status_code == 201
    status = _established(base, "things.life.example.com")["status"]
    assert status["storedVersions"] == ["v1"]
    assert status["acceptedNames"]["kind"] == "Thing"
    r = requests.post(f"{base}/apis/life.example.com/v2/namespaces/{ns}/things", json=_thing("v2", "a", size=1),
                      timeout=5)
    assert r.status_code == 201, r.text
    v1 = requests.get(f"{base}/apis/life.example.com/v1/namespaces/{ns}/things/a", timeout=5).json()
    assert v1["apiVersion"] == "life.example.com/v1" and v1["spec"] == {"size": 1}
    listed = requests.get(f"{base}/apis/life.example.com/v2/namespaces/{ns}/things", timeout=5).json()
    assert [i["apiVersion"] for i in listed["items"]] == ["life.example.com/v2"]
    # a schema change applies to new writes
    crd = requests.get(f"{base}{CRDS}/things.life.example.com", timeout=5).json()
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["size"]["maximum"] = 5
    assert requests.put(f"{base}{CRDS}/things.life.example.com", json=crd, timeout=5).status_code == 200
    time.sleep(0.05)
    too_big = requests.post(f"{base}/apis/life.example.com/v1/namespaces/{ns}/things", json=_thing("v1", "b", size=9),
                            timeout=5)
    assert too_big.status_code == 422, too_big.text
    assert "spec.size in body should be less than or equal to 5" in too_big.json()["message"]


def test_selectable_fields_and_watch(api_client: client.ApiClient, ns: str, kapi_server: ServerThread) -> None:
    base = kapi_server.url
    crd = _crd(group="watch.example.com")
    assert requests.post(base + CRDS, json=crd, timeout=5).status_code == 201
    _established(base, "things.watch.example.com")
    custom = client.CustomObjectsApi(api_client)
    body = {"apiVersion": "watch.example.com/v1", "kind": "Thing", "metadata": {"name": "red-one"},
            "spec": {"color": "red"}}
    custom.create_namespaced_custom_object("watch.example.com", "v1", ns, "things", body)
    custom.create_namespaced_custom_object("watch.example.com", "v1", ns, "things",
                                           {**body, "metadata": {"name": "blue-one"}, "spec": {"color": "blue"}})
    reds = custom.list_namespaced_custom_object("watch.example.com", "v1", ns, "things",
                                                field_selector="spec.color=red")
    assert [i["metadata"]["name"] for i in reds["items"]] == ["red-one"]
    rv = reds["metadata"]["resourceVersion"]
    custom.patch_namespaced_custom_object("watch.example.com", "v1", ns, "things", "blue-one",
                                          {"spec": {"color": "red"}})
    events = [(e["type"], e["object"]["metadata"]["name"]) for e in watch.Watch().stream(
        custom.list_namespaced_custom_object, "watch.example.com", "v1", ns, "things",
        field_selector="spec.color=red", resource_version=rv, timeout_seconds=1)]
    assert events == [("ADDED", "blue-one")]  # moved into the selector


def test_deleting_a_crd_deletes_its_objects_first(kapi_server: ServerThread, ns: str) -> None:
    base = kapi_server.url
    assert requests.post(base + CRDS, json=_crd(group="gone.example.com"), timeout=5).status_code == 201
    _established(base, "things.gone.example.com")
    things = f"{base}/apis/gone.example.com/v1/namespaces/{ns}/things"
    held = {"apiVersion": "gone.example.com/v1", "kind": "Thing",
            "metadata": {"name": "held", "finalizers": ["example.com/hold"]}}
    assert requests.post(things, json=held, timeout=5).status_code == 201
    assert requests.post(things, json={**held, "metadata": {"name": "free"}}, timeout=5).status_code == 201
    r = requests.delete(f"{base}{CRDS}/things.gone.example.com", timeout=5)
    assert r.status_code == 200 and r.json()["metadata"]["deletionTimestamp"]
    time.sleep(0.5)
    # the finalizer is honoured: the held object (and so the CRD) stay until it is released
    assert requests.get(f"{things}/free", timeout=5).status_code == 404
    assert requests.get(f"{things}/held", timeout=5).json()["metadata"]["deletionTimestamp"]
    assert requests.get(f"{base}{CRDS}/things.gone.example.com", timeout=5).status_code == 200
    requests.patch(f"{things}/held", json={"metadata": {"finalizers": None}},
                   headers={"Content-Type": "application/merge-patch+json"}, timeout=5)
    deadline = time.monotonic() + 5
    while requests.get(f"{base}{CRDS}/things.gone.example.com", timeout=5).status_code != 404:
        assert time.monotonic() < deadline, "the CRD should go once its objects are gone"
        time.sleep(0.1)
    assert requests.get(f"{base}/apis/gone.example.com/v1", timeout=5).status_code == 404


def test_invalid_crd_and_webhook_conversion(kapi_server: ServerThread) -> None:
    base = kapi_server.url
    bad = _crd(group="bad.example.com")
    bad["metadata"]["name"] = "wrong.bad.example.com"
    r = requests.post(base + CRDS, json=bad, timeout=5)
    assert r.status_code == 422
    assert 'must be spec.names.plural+"."+spec.group' in r.json()["message"]
    two_storage = _crd(group="two.example.com", versions=[{"name": "v1", "served": True, "storage": True},
                                                          {"name": "v2", "served": True, "storage": True}])
    r = requests.post(base + CRDS, json=two_storage, timeout=5)
    assert r.status_code == 422 and "must have exactly one version marked as storage version" in r.json()["message"]
    hooked = _crd(group="hook.example.com", versions=[{"name": "v1", "served": True, "storage": True},
                                                      {"name": "v2", "served": True, "storage": False}],
                  conversion={"strategy": "Webhook", "webhook": {
                      "clientConfig": {"url": "https://127.0.0.1:9443/convert"},
                      "conversionReviewVersions": ["v1"]}})
    assert requests.post(base + CRDS, json=hooked, timeout=5).status_code == 201
    _established(base, "things.hook.example.com")
    thing = {"apiVersion": "hook.example.com/v1", "kind": "Thing", "metadata": {"name": "t"}}
    assert requests.post(f"{base}/apis/hook.example.com/v1/namespaces/default/things", json=thing,
                         timeout=5).status_code == 201
    r = requests.get(f"{base}/apis/hook.example.com/v2/namespaces/default/things/t", timeout=5)
    assert r.status_code == 500 and "kapi does not call conversion webhooks yet" in r.json()["message"]


def test_crds_survive_a_restart(tmp_path: Path) -> None:
    with ServerThread(data_dir=str(tmp_path)) as server:
        assert requests.post(server.url + CRDS, json=_crd(group="keep.example.com"), timeout=5).status_code == 201
        _established(server.url, "things.keep.example.com")
        thing = {"apiVersion": "keep.example.com/v1", "kind": "Thing", "metadata": {"name": "t"},
                 "spec": {"size": 2}}
        assert requests.post(f"{server.url}/apis/keep.example.com/v1/namespaces/default/things", json=thing,
                             timeout=5).status_code == 201
    with ServerThread(data_dir=str(tmp_path)) as server:
        got = requests.get(f"{server.url}/apis/keep.example.com/v1/namespaces/default/things/t", timeout=5)
        assert got.status_code == 200 and got.json()["spec"] == {"size": 2}
        groups = requests.get(f"{server.url}/apis", timeout=5).json()["groups"]
        assert "keep.example.com" in [g["name"] for g in groups]
