"""OpenAPI documents of custom resources: paths, the definition built from the CRD schema (as the
apiextensions OpenAPI builder publishes it), and re-hashing when a custom type is served."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from kapi.apiserver import openapi
from kapi.apiserver.openapi_proto import encode_document
from kapi.registry.catalog import Catalog, load_definitions
from kapi.registry.types import ResourceType, Subresource

V3_REF = "#/components/schemas/"
V2_REF = "#/definitions/"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
ITEM = "/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"
GVK = {"group": "example.com", "kind": "Widget", "version": "v1"}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A widget.",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["size"],
            "properties": {
                "size": {"type": "integer", "minimum": 1, "description": "How big."},
                "color": {"type": "string", "enum": ["red", "blue"], "nullable": True},
                "port": {"x-kubernetes-int-or-string": True},
                "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                          "properties": {"known": {"type": "string"}}},
                "template": {"type": "object", "x-kubernetes-embedded-resource": True,
                             "x-kubernetes-preserve-unknown-fields": True},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "status": {"type": "object", "properties": {"replicas": {"type": "integer"}}},
    },
}


def widget_type(schema: dict[str, Any] | None = None, *, namespaced: bool = True) -> ResourceType:
    return ResourceType(
        group="example.com", version="v1", kind="Widget", plural="widgets", singular="widget",
        namespaced=namespaced, verbs=VERBS,
        subresources=(Subresource("status", "example.com", "v1", "Widget"),
                      Subresource("scale", "autoscaling", "v1", "Scale")),
        schema=None, tracks_generation=True, storage_resource="example.com/widgets",
        extra={"custom": True, "crd_schema": SCHEMA if schema is None else schema, "printer_columns": [],
               "scale": {"specReplicasPath": ".spec.size", "statusReplicasPath": ".status.replicas"},
               "crd_name": "widgets.example.com"})


@pytest.fixture(scope="module")
def docs() -> openapi.OpenAPIDocuments:
    catalog = Catalog.builtin()
    catalog.add(widget_type())
    return openapi.OpenAPIDocuments(catalog, load_definitions())


def _v3(docs: openapi.OpenAPIDocuments, key: str) -> dict[str, Any]:
    return dict(orjson.loads(docs.v3()[key].body))


def test_definition_names() -> None:
    assert openapi.rest_friendly_name("example.com", "v1", "Widget") == "com.example.v1.Widget"
    assert openapi.rest_friendly_name("stable.example.com", "v1beta1", "CronTabList") == \
        "com.example.stable.v1beta1.CronTabList"
    assert openapi.rest_friendly_name("stable", "v1", "Thing") == "stable.v1.Thing"


def test_index_lists_the_custom_group_version_and_rehashes(docs: openapi.OpenAPIDocuments) -> None:
    defs = load_definitions()
    catalog = Catalog.builtin(defs)
    before = openapi.OpenAPIDocuments(catalog, defs)
    old = {k: d.hash for k, d in before.v3().items()}
    assert "apis/example.com/v1" not in old
    catalog.add(widget_type())
    assert before.stale(catalog, defs)
    after = openapi.OpenAPIDocuments(catalog, defs)
    index = orjson.loads(after.v3_index())["paths"]
    assert {"apis/example.com", "apis/example.com/v1"} <= set(index)
    assert after.v3()["apis/apps/v1"].hash == old["apis/apps/v1"]
    first = after.v3()["apis/example.com/v1"].hash
    # a schema change (same GVK) is a new document
    catalog.add(widget_type({"type": "object", "properties": {"spec": {"type": "object"}}}))
    third = openapi.OpenAPIDocuments(catalog, defs)
    assert third.v3()["apis/example.com/v1"].hash != first
    assert third.v3()["apis/apps/v1"].hash == old["apis/apps/v1"]


def test_v3_paths(docs: openapi.OpenAPIDocuments) -> None:
    doc = _v3(docs, "apis/example.com/v1")
    paths = doc["paths"]
    assert set(paths) == {
        "/apis/example.com/v1/",
        "/apis/example.com/v1/widgets",
        "/apis/example.com/v1/namespaces/{namespace}/widgets",
        ITEM, ITEM + "/status", ITEM + "/scale",
    }
    item = paths[ITEM]
    assert {"get", "put", "patch", "delete"} <= set(item)
    assert item["get"]["operationId"] == "readExampleComV1NamespacedWidget"
    assert item["get"]["x-kubernetes-group-version-kind"] == GVK
    assert item["get"]["responses"]["200"]["content"] == {
        "application/json": {"schema": {"$ref": V3_REF + "com.example.v1.Widget"}},
        "application/yaml": {"schema": {"$ref": V3_REF + "com.example.v1.Widget"}}}
    patch = item["patch"]
    assert set(patch["requestBody"]["content"]) == {
        "application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"}
    assert "fieldValidation" in {p["name"] for p in patch["parameters"]}
    collection = paths["/apis/example.com/v1/namespaces/{namespace}/widgets"]
    assert collection["get"]["x-kubernetes-action"] == "list"
    assert collection["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": V3_REF + "com.example.v1.WidgetList"}
    assert collection["post"]["operationId"] == "createExampleComV1NamespacedWidget"
    assert collection["delete"]["x-kubernetes-action"] == "deletecollection"
    assert paths["/apis/example.com/v1/widgets"]["get"]["operationId"] == "listExampleComV1WidgetForAllNamespaces"
    status = paths[ITEM + "/status"]
    assert status["put"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": V3_REF + "com.example.v1.Widget"}
    assert status["patch"]["operationId"] == "patchExampleComV1NamespacedWidgetStatus"
    scale = paths[ITEM + "/scale"]
    assert scale["get"]["x-kubernetes-group-version-kind"] == {"group": "autoscaling", "kind": "Scale",
                                                               "version": "v1"}
    schemas = doc["components"]["schemas"]
    assert {"com.example.v1.Widget", "com.example.v1.WidgetList", "io.k8s.api.autoscaling.v1.Scale",
            OBJECT_META, "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"} <= set(schemas)


def test_v3_schema(docs: openapi.OpenAPIDocuments) -> None:
    schemas = _v3(docs, "apis/example.com/v1")["components"]["schemas"]
    widget = schemas["com.example.v1.Widget"]
    assert widget["x-kubernetes-group-version-kind"] == [GVK]
    assert widget["description"] == "A widget."
    props = widget["properties"]
    assert props["apiVersion"]["type"] == "string" and props["apiVersion"]["description"].startswith("APIVersion")
    assert props["kind"]["type"] == "string"
    assert props["metadata"]["allOf"] == [{"$ref": V3_REF + OBJECT_META}]
    spec = props["spec"]
    assert spec["required"] == ["size"]
    assert spec["properties"]["size"] == {"type": "integer", "minimum": 1, "description": "How big."}
    assert spec["properties"]["color"]["nullable"] is True
    assert spec["properties"]["color"]["enum"] == ["red", "blue"]
    assert spec["properties"]["port"]["anyOf"] == [{"type": "integer"}, {"type": "string"}]
    assert spec["properties"]["tags"]["x-kubernetes-list-type"] == "set"
    assert spec["properties"]["extra"]["properties"] == {"known": {"type": "string"}}
    template = spec["properties"]["template"]
    assert set(template["properties"]) == {"apiVersion", "kind", "metadata"}
    assert set(template["required"]) == {"apiVersion", "kind"}
    lst = schemas["com.example.v1.WidgetList"]
    assert lst["x-kubernetes-group-version-kind"] == [{"group": "example.com", "kind": "WidgetList",
                                                       "version": "v1"}]
    assert lst["required"] == ["items"]
    assert lst["properties"]["items"]["items"] == {"$ref": V3_REF + "com.example.v1.Widget"}
    list_meta = V3_REF + "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"
    assert lst["properties"]["metadata"]["allOf"] == [{"$ref": list_meta}]


def test_v3_document_is_closed(docs: openapi.OpenAPIDocuments) -> None:
    doc = _v3(docs, "apis/example.com/v1")
    refs = set(openapi._refs(doc, V3_REF))
    assert refs <= set(doc["components"]["schemas"])


def test_v2_document(docs: openapi.OpenAPIDocuments) -> None:
    doc = docs.v2_document()
    assert ITEM in doc["paths"] and ITEM + "/scale" in doc["paths"]
    assert "/apis/example.com/v1/watch/widgets" not in doc["paths"]
    get = doc["paths"][ITEM]["get"]
    assert get["produces"] == ["application/json", "application/yaml"]
    assert get["responses"]["200"]["schema"] == {"$ref": V2_REF + "com.example.v1.Widget"}
    assert doc["paths"][ITEM]["patch"]["consumes"] == [
        "application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"]
    widget = doc["definitions"]["com.example.v1.Widget"]
    assert widget["x-kubernetes-group-version-kind"] == [GVK]
    props = widget["properties"]
    assert props["metadata"] == {"$ref": V2_REF + OBJECT_META, "description": props["metadata"]["description"]}
    spec = props["spec"]
    # value validations and nullable are stripped; unknown-field nodes lose their properties
    assert "required" not in spec
    assert spec["properties"]["size"] == {"type": "integer", "description": "How big."}
    assert spec["properties"]["color"] == {"type": "string"}
    assert spec["properties"]["port"] == {"x-kubernetes-int-or-string": True}
    assert "properties" not in spec["properties"]["extra"]
    assert "properties" not in spec["properties"]["template"]
    assert spec["properties"]["labels"]["additionalProperties"] == {"type": "string"}
    assert "com.example.v1.WidgetList" in doc["definitions"]
    assert encode_document(orjson.loads(docs.v2_json()))  # the gnostic encoding copes with CRD schemas


def test_v2_root_preserving_unknown_fields_is_just_an_object() -> None:
    catalog = Catalog.builtin()
    catalog.add(widget_type({"type": "object", "x-kubernetes-preserve-unknown-fields": True}))
    docs = openapi.OpenAPIDocuments(catalog, load_definitions())
    assert docs.v2_document()["definitions"]["com.example.v1.Widget"] == {
        "type": "object", "x-kubernetes-group-version-kind": [GVK]}
    v3 = _v3(docs, "apis/example.com/v1")["components"]["schemas"]["com.example.v1.Widget"]
    assert v3["x-kubernetes-preserve-unknown-fields"] is True
    assert "metadata" in v3["properties"]


def test_cluster_scoped_custom_resource() -> None:
    catalog = Catalog.builtin()
    catalog.add(widget_type(namespaced=False))
    paths = _v3(openapi.OpenAPIDocuments(catalog, load_definitions()), "apis/example.com/v1")["paths"]
    assert "/apis/example.com/v1/widgets/{name}" in paths
    assert paths["/apis/example.com/v1/widgets"]["get"]["operationId"] == "listExampleComV1Widget"
    assert not any("namespaces" in p for p in paths)
