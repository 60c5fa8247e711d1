"""Validation of CustomResourceDefinition objects."""

from __future__ import annotations

import copy
from typing import Any

from kapi.machinery.crdvalidation import apply_crd_defaults, validate_crd, validate_crd_update


def crd() -> dict[str, Any]:
    c: dict[str, Any] = {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [{
                "name": "v1", "served": True, "storage": True,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {
                        "replicas": {"type": "integer", "default": 1},
                        "name": {"type": "string"},
                        "tags": {"type": "array", "items": {"type": "string"}},
                    }},
                    "status": {"type": "object", "properties": {"replicas": {"type": "integer"}}},
                }}},
                "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas",
                                                         "statusReplicasPath": ".status.replicas"}},
                "additionalPrinterColumns": [{"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"}],
                "selectableFields": [{"jsonPath": ".spec.name"}],
            }],
        },
    }
    apply_crd_defaults(c)
    return c


def msgs(c: dict[str, Any]) -> list[str]:
    return [str(e) for e in validate_crd(c)]


def version(c: dict[str, Any]) -> dict[str, Any]:
    v: dict[str, Any] = c["spec"]["versions"][0]
    return v


def test_valid_and_defaults() -> None:
    c = crd()
    assert msgs(c) == []
    assert c["spec"]["names"]["singular"] == "widget"
    assert c["spec"]["names"]["listKind"] == "WidgetList"
    assert c["spec"]["conversion"] == {"strategy": "None"}


def test_name_group_scope() -> None:
    c = crd()
    c["metadata"]["name"] = "x"
    assert msgs(c) == ['metadata.name: Invalid value: "x": must be spec.names.plural+"."+spec.group']
    c = crd()
    c["spec"]["group"] = "example"
    c["metadata"]["name"] = "widgets.example"
    assert msgs(c) == ['spec.group: Invalid value: "example": should be a domain with at least one dot']
    c = crd()
    c["spec"]["scope"] = "Global"
    assert msgs(c) == ['spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"']


def test_names() -> None:
    c = crd()
    c["spec"]["names"]["kind"] = "Wid_get"
    c["spec"]["names"]["shortNames"] = ["W"]
    got = msgs(c)
    assert got[0].startswith('spec.names.kind: Invalid value: "Wid_get": may have mixed case, but should otherwise '
                             "match: a DNS-1035 label")
    assert got[1].startswith('spec.names.shortNames[0]: Invalid value: "W": a DNS-1035 label')


def test_versions() -> None:
    c = crd()
    version(c)["storage"] = False
    got = msgs(c)
    assert len(got) == 1
    assert got[0].startswith("spec.versions: Invalid value: [")
    assert got[0].endswith(": must have exactly one version marked as storage version")
    c = crd()
    c["spec"]["versions"].append(copy.deepcopy(version(c)))
    c["spec"]["versions"][1]["storage"] = False
    assert [m.split(": ")[-1] for m in msgs(c)] == ["must contain unique version names"]
    c = crd()
    del version(c)["schema"]
    assert msgs(c) == ["spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"]


def test_structural() -> None:
    c = crd()
    schema = version(c)["schema"]["openAPIV3Schema"]
    schema["properties"]["spec"]["properties"]["foo"] = {"description": "untyped"}
    schema["properties"]["spec"]["properties"]["bar"] = {"type": "object", "properties": {"a": {"type": "string"}},
                                                         "additionalProperties": {"type": "string"}}
    schema["properties"]["spec"]["properties"]["free"] = {"x-kubernetes-preserve-unknown-fields": True}
    schema["properties"]["spec"]["properties"]["ios"] = {"x-kubernetes-int-or-string": True}
    schema["properties"]["spec"]["properties"]["replicas"]["default"] = "one"
    schema["properties"]["metadata"] = {"type": "object", "properties": {"labels": {"type": "object"}}}
    p = "spec.versions[0].schema.openAPIV3Schema"
    assert msgs(c) == [
        f"{p}.properties[spec].properties[replicas].default: Invalid value: \"string\": "
        "spec.replicas in body must be of type integer: \"string\"",
        f"{p}.properties[spec].properties[foo].type: Required value: must not be empty for specified fields",
        f"{p}.properties[spec].properties[bar].additionalProperties: Forbidden: "
        "additionalProperties and properties are mutual exclusive",
        f"{p}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, "
        "but metadata is implicitly specified",
    ]


def test_subresources_columns_conversion_selectable() -> None:
    c = crd()
    version(c)["subresources"]["scale"] = {"specReplicasPath": ".status.replicas", "statusReplicasPath": "x"}
    version(c)["additionalPrinterColumns"] = [{"name": "", "type": "bad", "jsonPath": ""}]
    version(c)["selectableFields"] = [{"jsonPath": ".spec.tags"}]
    c["spec"]["conversion"] = {"strategy": "Webhook", "webhook": {}}
    p = "spec.versions[0]"
    assert msgs(c) == [
        f'{p}.subresources.scale.specReplicasPath: Invalid value: ".status.replicas": '
        "should be a json path under .spec",
        f'{p}.subresources.scale.statusReplicasPath: Invalid value: "x": must be a simple json path starting with .',
        f"{p}.additionalPrinterColumns[0].name: Required value",
        f'{p}.additionalPrinterColumns[0].type: Unsupported value: "bad": supported values: '
        '"boolean", "date", "integer", "number", "string"',
        f"{p}.additionalPrinterColumns[0].jsonPath: Required value",
        f'{p}.selectableFields[0].jsonPath: Invalid value: ".spec.tags": must point to a field of type string, '
        "boolean or integer. Enum string fields and strings with formats are allowed.",
        "spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook",
        "spec.conversion.conversionReviewVersions: Required value",
    ]
    c = crd()
    c["spec"]["conversion"] = {"strategy": "Magic"}
    assert msgs(c) == ['spec.conversion.strategy: Unsupported value: "Magic": supported values: "None", "Webhook"']
    c = crd()
    version(c)["selectableFields"] = [{"jsonPath": f".spec.f{i}"} for i in range(9)]
    assert msgs(c)[0] == f"{p}.selectableFields: Too many: 9: must have at most 8 items"


def test_update() -> None:
    old = crd()
    old["metadata"]["resourceVersion"] = "1"
    old["status"] = {"conditions": [{"type": "Established", "status": "True"}], "storedVersions": ["v1"]}
    new = copy.deepcopy(old)
    new["spec"]["scope"] = "Cluster"
    assert [str(e) for e in validate_crd_update(new, old)] == [
        'spec.scope: Invalid value: "Cluster": field is immutable']
    assert validate_crd_update(new, old, established=False) == []
    new = copy.deepcopy(old)
    new["spec"]["versions"][0]["name"] = "v2"
    assert [str(e) for e in validate_crd_update(new, old)] == [
        'status.storedVersions[0]: Invalid value: "v1": must appear in spec.versions']
