"""Custom objects against their openAPIV3Schema: messages, defaults, pruning."""

from __future__ import annotations

import copy
import time
from typing import Any

from kapi.machinery import crdschema
from kapi.machinery.crdschema import apply_defaults, check_format, go_float, prune, validate

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "replicas": {"type": "integer", "default": 1},
                "size": {"type": "string", "enum": ["S", "M", "L"]},
                "count": {"type": "integer", "minimum": 0},
                "name": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 5},
                "tags": {"type": "array", "maxItems": 3, "items": {"type": "string"},
                         "x-kubernetes-list-type": "set"},
                "ratio": {"type": "number", "maximum": 1, "exclusiveMaximum": True, "multipleOf": 0.25},
                "port": {"x-kubernetes-int-or-string": True},
                "id": {"type": "string", "format": "uuid"},
                "opt": {"type": "string", "nullable": True},
                "ports": {
                    "type": "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                    "items": {"type": "object", "properties": {"name": {"type": "string"},
                                                               "port": {"type": "integer", "default": 80}}},
                },
                "labels": {"type": "object", "additionalProperties": {"type": "string", "default": "x"}},
                "raw": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "template": {"type": "object", "x-kubernetes-embedded-resource": True,
                             "x-kubernetes-preserve-unknown-fields": True},
            },
        },
    },
}


def obj(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
            "spec": {"name": "abc", **spec}}


def msgs(o: Any, schema: dict[str, Any] = SCHEMA) -> list[str]:
    return [str(e) for e in validate(o, schema)]


def test_valid_object() -> None:
    assert msgs(obj(replicas=2, size="M", count=0, tags=["a"], ratio=0.5, port="http", opt=None)) == []


def test_type_messages() -> None:
    assert msgs(obj(replicas="x")) == [
        'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"']
    assert msgs(obj(replicas=None)) == [
        'spec.replicas: Invalid value: "null": spec.replicas in body must be of type integer: "null"']
    assert msgs(obj(port=True)) == [
        'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"']
    assert msgs(obj(replicas=2.0)) == []
    assert msgs(obj(ratio=0)) == []


def test_enum_pattern_range() -> None:
    assert msgs(obj(size="XL")) == ['spec.size: Unsupported value: "XL": supported values: "S", "M", "L"']
    assert msgs(obj(count=-1)) == [
        "spec.count: Invalid value: -1: spec.count in body should be greater than or equal to 0"]
    assert msgs(obj(name="x1")) == ["spec.name: Invalid value: \"x1\": spec.name in body should match '^[a-z]+$'"]
    assert msgs(obj(name="abcdef")) == ["spec.name: Too long: may not be more than 5 bytes"]
    assert msgs(obj(ratio=1)) == ["spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1"]
    assert msgs(obj(ratio=0.3)) == [
        "spec.ratio: Invalid value: 0.3: spec.ratio in body should be a multiple of 0.25"]


def test_required_items_and_lists() -> None:
    o = obj()
    del o["spec"]["name"]
    assert msgs(o) == ["spec.name: Required value"]
    assert msgs(obj(tags=["a", "b", "c", "d"])) == ["spec.tags: Too many: 4: must have at most 3 items"]
    assert msgs(obj(tags=["a", 1])) == [
        'spec.tags[1]: Invalid value: "integer": spec.tags[1] in body must be of type string: "integer"']
    assert msgs(obj(tags=["a", "b", "a"])) == ['spec.tags[2]: Duplicate value: "a"']
    assert msgs(obj(ports=[{"name": "a"}, {"name": "a", "port": 1}])) == [
        'spec.ports[1]: Duplicate value: {"name":"a"}']


def test_format_and_nullable() -> None:
    assert msgs(obj(id="nope")) == ['spec.id: Invalid value: "nope": spec.id in body must be of type uuid: "nope"']
    assert msgs(obj(id="6ba7b810-9dad-11d1-80b4-00c04fd430c8")) == []
    assert check_format("date-time", "2024-01-02T03:04:05Z")
    assert not check_format("date-time", "2024-13-02T03:04:05Z")
    assert check_format("ipv4", "10.0.0.1") and not check_format("ipv4", "::1")
    assert check_format("byte", "aGk=") and not check_format("byte", "!!")
    assert check_format("unknown-format", "anything")


def test_root_meta_fields_only_type_checked() -> None:
    o = obj()
    o["metadata"] = {"name": "UPPER", "whatever": 1}
    assert msgs(o) == []
    o["kind"] = 3
    assert msgs(o) == ['kind: Invalid value: "integer": kind in body must be of type string: "integer"']


def test_embedded_resource() -> None:
    got = msgs(obj(template={"metadata": {"name": "a/b"}}))
    assert got == [
        "spec.template.apiVersion: Required value: must not be empty",
        "spec.template.kind: Required value: must not be empty",
        "spec.template.metadata.name: Invalid value: \"a/b\": may not contain '/'",
    ]
    assert msgs(obj(template={"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}})) == []
    assert msgs(obj(template={"apiVersion": "a/b/c", "kind": "Bad_Kind"}))[0] == (
        'spec.template.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c')


def test_composition() -> None:
    schema = {"type": "object", "properties": {"v": {"type": "integer", "anyOf": [{"minimum": 5}, {"maximum": 1}]},
                                               "w": {"type": "string", "not": {"enum": ["x"]}}}}
    assert msgs({"v": 3}, schema) == [
        'v: Invalid value: "": v must validate at least one schema (anyOf)',
        "v: Invalid value: 3: v in body should be greater than or equal to 5",
    ]
    assert msgs({"v": 6, "w": "x"}, schema) == ['w: Invalid value: "": w must not validate the schema (not)']


def test_defaults() -> None:
    o = obj(ports=[{"name": "a"}], labels={"a": None, "b": "y"}, replicas=None)
    apply_defaults(o, SCHEMA)
    assert o["spec"]["replicas"] == 1
    assert o["spec"]["ports"] == [{"name": "a", "port": 80}]
    assert o["spec"]["labels"] == {"a": "x", "b": "y"}
    schema = {"type": "object", "properties": {"spec": {"type": "object", "default": {},
                                                        "properties": {"a": {"type": "array", "default": [1]}}}}}
    o1: dict[str, Any] = {}
    apply_defaults(o1, schema)
    assert o1 == {"spec": {"a": [1]}}
    o2: dict[str, Any] = {}
    apply_defaults(o2, schema)
    o2["spec"]["a"].append(2)
    assert schema["properties"]["spec"]["properties"]["a"]["default"] == [1]  # deep-copied


def test_prune() -> None:
    o = obj(foo=1, ports=[{"name": "a", "bar": 2}], raw={"any": {"thing": 1}},
            template={"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"x": 1}})
    o["status"] = {"x": 1}
    o["metadata"]["unknown"] = 1
    pruned = prune(o, SCHEMA)
    assert pruned == ["spec.foo", "spec.ports[0].bar", "status"]
    assert "foo" not in o["spec"] and o["spec"]["raw"] == {"any": {"thing": 1}}
    assert o["spec"]["template"]["spec"] == {"x": 1}
    assert o["metadata"]["unknown"] == 1 and o["apiVersion"] == "example.com/v1"


def test_prune_nested_in_preserve() -> None:
    schema = {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
              "properties": {"spec": {"type": "object", "properties": {"a": {"type": "string"}}}}}
    o = {"kind": "K", "other": 1, "spec": {"a": "x", "b": 2}}
    assert prune(o, schema) == ["spec.b"]
    assert o == {"kind": "K", "other": 1, "spec": {"a": "x"}}


def test_go_float() -> None:
    assert [go_float(x) for x in (0, 1, 0.5, 1e6, 123456, 1e-5, -2.5)] == [
        "0", "1", "0.5", "1e+06", "123456", "1e-05", "-2.5"]


def test_timing_forty_fields() -> None:
    props: dict[str, Any] = {}
    spec: dict[str, Any] = {}
    for i in range(40):
        kind = i % 4
        if kind == 0:
            props[f"s{i}"] = {"type": "string", "maxLength": 64, "pattern": "^[a-z0-9-]+$"}
            spec[f"s{i}"] = f"value-{i}"
        elif kind == 1:
            props[f"n{i}"] = {"type": "integer", "minimum": 0, "maximum": 1000, "default": 3}
            spec[f"n{i}"] = i
        elif kind == 2:
            props[f"e{i}"] = {"type": "string", "enum": ["A", "B", "C"]}
            spec[f"e{i}"] = "B"
        else:
            props[f"l{i}"] = {"type": "array", "items": {"type": "object", "properties": {
                "k": {"type": "string"}, "v": {"type": "boolean"}}}}
            spec[f"l{i}"] = [{"k": "a", "v": True}]
    schema = {"type": "object", "properties": {"spec": {"type": "object", "properties": props}}}
    o = {"apiVersion": "example.com/v1", "kind": "Big", "metadata": {"name": "b"}, "spec": spec}
    compiled = crdschema.compile(schema)
    assert compiled.validate(o) == []
    n = 2000
    start = time.perf_counter()
    for _ in range(n):
        compiled.validate(o)
    t_val = (time.perf_counter() - start) / n
    start = time.perf_counter()
    for _ in range(n):
        c = copy.deepcopy(o)
        compiled.default(c)
        compiled.prune(c)
    t_all = (time.perf_counter() - start) / n
    print(f"\n40-field CR: validate {t_val * 1e6:.1f} us, deepcopy+default+prune {t_all * 1e6:.1f} us")
