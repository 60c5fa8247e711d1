"""Custom resources served from CRDs (issue 4): set aside until CRDs add types at run time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client
from kubernetes.dynamic import DynamicClient

from tests.conformance.conftest import MERGE, Raw, assert_status, cause_fields, wait_for

# --- a CustomResourceDefinition ----------------------------------------------------------------

GROUP = "conformance.example.com"
CRD_NAME = f"widgets.{GROUP}"


def widget_crd() -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": CRD_NAME},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList",
                      "shortNames": ["wdg"]},
            "versions": [{
                "name": "v1", "served": True, "storage": True,
                "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas",
                                                         "statusReplicasPath": ".status.replicas"}},
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {
                        "size": {"type": "integer", "minimum": 1},
                        "color": {"type": "string", "enum": ["red", "blue"], "default": "red"},
                        "replicas": {"type": "integer"}}},
                    "status": {"type": "object", "properties": {"replicas": {"type": "integer"},
                                                                "phase": {"type": "string"}}}}}},
            }],
        },
    }


_CRD_SETUP: dict[str, str] = {}


@pytest.fixture(scope="module")
def widgets(raw: Raw) -> Iterator[str]:
    # a failed module fixture is retried for every test: remember the failure instead of waiting again
    if "error" in _CRD_SETUP:
        pytest.fail(_CRD_SETUP["error"])
    try:
        crd = raw.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widget_crd())
        assert crd["metadata"]["name"] == CRD_NAME

        def established() -> bool:
            got = raw.ok("GET", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{CRD_NAME}")
            conds = {c["type"]: c["status"] for c in (got.get("status") or {}).get("conditions") or []}
            return conds.get("Established") == "True" and conds.get("NamesAccepted") == "True"

        wait_for(established, timeout=5)
        # once Established, the new group-version is served
        assert raw.get(f"/apis/{GROUP}/v1").status_code == 200
    except AssertionError as exc:
        _CRD_SETUP["error"] = f"CRD {CRD_NAME} was not established and served: {exc}"
        raise
    yield f"/apis/{GROUP}/v1"


def widget(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": f"{GROUP}/v1", "kind": "Widget", "metadata": {"name": name}, "spec": spec}


def test_crd_is_discoverable(raw: Raw, widgets: str, api_client: client.ApiClient,
                             tmp_path_factory: pytest.TempPathFactory) -> None:
    groups = {g["name"]: g for g in raw.ok("GET", "/apis")["groups"]}
    assert groups[GROUP]["preferredVersion"]["version"] == "v1"
    res = {r["name"]: r for r in raw.ok("GET", widgets)["resources"]}
    assert res["widgets"]["kind"] == "Widget"
    assert res["widgets"]["namespaced"] is True
    assert res["widgets"]["shortNames"] == ["wdg"]
    assert "widgets/status" in res and "widgets/scale" in res
    fresh = DynamicClient(api_client, cache_file=str(tmp_path_factory.mktemp("dyn2") / "d.json"))
    w = fresh.resources.get(api_version=f"{GROUP}/v1", kind="Widget")
    assert w.namespaced


def test_custom_resource_crud(raw: Raw, widgets: str, ns: str) -> None:
    path = f"{widgets}/namespaces/{ns}/widgets"
    w = raw.create(path, widget("w1", size=3))
    assert w["metadata"]["generation"] == 1
    assert w["spec"] == {"size": 3, "color": "red"}  # schema default applied
    assert w["metadata"]["uid"]
    out = raw.ok("PATCH", f"{path}/w1", {"spec": {"size": 4}}, ctype=MERGE)
    assert out["spec"]["size"] == 4
    assert out["metadata"]["generation"] == 2
    out = raw.ok("PATCH", f"{path}/w1", {"metadata": {"labels": {"a": "b"}}}, ctype=MERGE)
    assert out["metadata"]["generation"] == 2
    listed = raw.ok("GET", path)
    assert listed["kind"] == "WidgetList"
    assert listed["apiVersion"] == f"{GROUP}/v1"
    assert [i["metadata"]["name"] for i in listed["items"]] == ["w1"]
    assert listed["items"][0]["kind"] == "Widget"  # custom resource list items keep kind/apiVersion
    raw.ok("DELETE", f"{path}/w1")
    assert_status(raw.get(f"{path}/w1"), 404, "NotFound", f'widgets.{GROUP} "w1" not found')


def test_custom_resource_validation_and_pruning(raw: Raw, widgets: str, ns: str) -> None:
    path = f"{widgets}/namespaces/{ns}/widgets"
    st_ = assert_status(raw.post(path, widget("bad", size="big")), 422, "Invalid")
    assert st_["message"].startswith(f'Widget.{GROUP} "bad" is invalid: ')
    assert "spec.size" in cause_fields(st_)
    st_ = assert_status(raw.post(path, widget("small", size=0)), 422, "Invalid")
    assert "spec.size" in cause_fields(st_)
    st_ = assert_status(raw.post(path, widget("purple", size=1, color="purple")), 422, "Invalid")
    assert "spec.color" in cause_fields(st_)
    out = raw.create(path, widget("pruned", size=1, extra="dropped"))
    assert "extra" not in out["spec"]
    st_ = assert_status(raw.post(path, widget("strict", size=1, extra="x"), params={"fieldValidation": "Strict"}),
                        400, "BadRequest")
    assert 'unknown field "spec.extra"' in st_["message"]


def test_custom_resource_status_and_scale(raw: Raw, widgets: str, ns: str) -> None:
    path = f"{widgets}/namespaces/{ns}/widgets"
    raw.create(path, widget("ws", size=1, replicas=2))
    out = raw.ok("PATCH", f"{path}/ws/status", {"status": {"phase": "Ready", "replicas": 2}, "spec": {"size": 9}},
                 ctype=MERGE)
    assert out["status"] == {"phase": "Ready", "replicas": 2}
    assert out["spec"]["size"] == 1
    assert out["metadata"]["generation"] == 1
    out = raw.ok("PATCH", f"{path}/ws", {"status": {"phase": "Ignored"}}, ctype=MERGE)
    assert out["status"]["phase"] == "Ready"
    scale = raw.ok("GET", f"{path}/ws/scale")
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"]["replicas"] == 2
    assert scale["status"]["replicas"] == 2
    raw.ok("PATCH", f"{path}/ws/scale", {"spec": {"replicas": 5}}, ctype=MERGE)
    assert raw.ok("GET", f"{path}/ws")["spec"]["replicas"] == 5


def test_custom_resource_strategic_merge_is_unsupported(raw: Raw, widgets: str, ns: str) -> None:
    path = f"{widgets}/namespaces/{ns}/widgets"
    raw.create(path, widget("smp", size=1))
    st_ = assert_status(raw.patch(f"{path}/smp", {"spec": {"size": 2}}, ctype="application/strategic-merge-patch+json"),
                        415, "UnsupportedMediaType")
    assert "application/merge-patch+json" in st_["message"]


def test_custom_objects_api(api_client: client.ApiClient, widgets: str, ns: str) -> None:
    co = client.CustomObjectsApi(api_client)
    co.create_namespaced_custom_object(GROUP, "v1", ns, "widgets", widget("co", size=2))
    got = co.get_namespaced_custom_object(GROUP, "v1", ns, "widgets", "co")
    assert got["spec"]["size"] == 2
    out = co.patch_namespaced_custom_object(GROUP, "v1", ns, "widgets", "co", {"spec": {"size": 7}})
    assert out["spec"]["size"] == 7
    items = co.list_namespaced_custom_object(GROUP, "v1", ns, "widgets")["items"]
    assert [i["metadata"]["name"] for i in items] == ["co"]
    co.delete_namespaced_custom_object(GROUP, "v1", ns, "widgets", "co")
    with pytest.raises(client.ApiException) as info:
        co.get_namespaced_custom_object(GROUP, "v1", ns, "widgets", "co")
    assert info.value.status == 404


def test_custom_resource_in_missing_namespace(raw: Raw, widgets: str) -> None:
    assert_status(raw.post(f"{widgets}/namespaces/nowhere-ns/widgets", widget("x", size=1)), 404, "NotFound",
                  'namespaces "nowhere-ns" not found')
