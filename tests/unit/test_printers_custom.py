"""Custom resources' Table printing (the CRD table convertor) and the JSONPath evaluator."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kapi.apiserver.tables import TableBuilder, TableRequest
from kapi.registry.printers import CUSTOM, printer_for
from kapi.registry.printers.custom import DESCRIPTION, custom_printer, text_of
from kapi.registry.printers.jsonpath import JSONPathError, parse
from kapi.registry.types import ResourceType, Subresource

NOW = 1_700_000_000.0
VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


def ts(seconds_ago: float) -> str:
    return datetime.fromtimestamp(NOW - seconds_ago, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


COLUMNS: list[dict[str, Any]] = [
    {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
    {"name": "Ready", "type": "string", "jsonPath": '.status.conditions[?(@.type=="Ready")].status',
     "description": "Whether the widget is ready"},
    {"name": "Image", "type": "string", "priority": 1, "jsonPath": ".spec.containers[*].image"},
    {"name": "Started", "type": "date", "jsonPath": ".status.startTime"},
    {"name": "Ratio", "type": "number", "format": "float", "jsonPath": ".status.ratio"},
    {"name": "Paused", "type": "boolean", "jsonPath": ".spec.paused"},
    {"name": "Labels", "type": "string", "jsonPath": ".metadata.labels"},
]


def widget_type(columns: list[dict[str, Any]] | None = None) -> ResourceType:
    return ResourceType(
        group="example.com", version="v1", kind="Widget", plural="widgets", singular="widget", namespaced=True,
        verbs=VERBS, subresources=(Subresource("status", "example.com", "v1", "Widget"),
                                   Subresource("scale", "autoscaling", "v1", "Scale")),
        schema=None, tracks_generation=True, storage_resource="example.com/widgets",
        extra={"custom": True, "crd_schema": {"type": "object"}, "printer_columns": columns or [],
               "crd_name": "widgets.example.com"})


WIDGET = {
    "apiVersion": "example.com/v1", "kind": "Widget",
    "metadata": {"name": "w1", "namespace": "ns", "creationTimestamp": ts(600), "labels": {"b": "2", "a": "<1>"}},
    "spec": {"replicas": 3, "paused": False,
             "containers": [{"name": "c1", "image": "nginx:1"}, {"name": "c2", "image": "busybox"}]},
    "status": {"startTime": ts(90), "ratio": 2,
               "conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]},
}


# --- JSONPath ------------------------------------------------------------------------------------
DOC: dict[str, Any] = {
    "spec": {"replicas": 3, "a.b": "dotted", "list": [10, 20, 30, 40], "empty": None,
             "containers": [{"name": "c1", "ports": [{"port": 80}]}, {"name": "c2", "ports": [{"port": 443}]}]},
    "status": {"conditions": [{"type": "Ready", "status": "True", "n": 1},
                              {"type": "Synced", "status": "False", "n": 5}]},
}


@pytest.mark.parametrize(("expr", "expected"), [
    (".spec.replicas", [3]),
    ("{.spec.replicas}", [3]),
    ("$.spec.replicas", [3]),
    (".spec.missing", []),
    (".spec.replicas.deeper", []),
    (".spec.empty", [None]),
    (".spec['a.b']", ["dotted"]),
    ('.spec["a.b"]', ["dotted"]),
    (".spec.list[0]", [10]),
    (".spec.list[-1]", [40]),
    (".spec.list[9]", []),
    (".spec.list[1:3]", [20, 30]),
    (".spec.list[::2]", [10, 30]),
    (".spec.list[0,2]", [10, 30]),
    (".spec.list[*]", [10, 20, 30, 40]),
    (".spec.containers[*].name", ["c1", "c2"]),
    (".spec.containers[*].ports[*].port", [80, 443]),
    (".spec.containers.name", []),
    ('.status.conditions[?(@.type=="Ready")].status', ["True"]),
    (".status.conditions[?(@.type=='Synced')].status", ["False"]),
    ('.status.conditions[?(@.type!="Ready")].type', ["Synced"]),
    (".status.conditions[?(@.n>2)].type", ["Synced"]),
    (".status.conditions[?(@.n<=1)].type", ["Ready"]),
    (".status.conditions[?(@.status)].type", ["Ready", "Synced"]),
    (".status.conditions[?(@.nope)].type", []),
    ('.status.conditions[?(@.type=="Gone")].status', []),
    ("..port", [80, 443]),
    (".status.*", [[{"type": "Ready", "status": "True", "n": 1}, {"type": "Synced", "status": "False", "n": 5}]]),
])
def test_jsonpath(expr: str, expected: list[Any]) -> None:
    assert parse(expr).find(DOC) == expected


@pytest.mark.parametrize("expr", ["spec", ".spec[", ".spec[]", ".spec[?(@.a==)]", ".spec[x]", ".", ".spec[?@.a]"])
def test_jsonpath_rejects_malformed(expr: str) -> None:
    with pytest.raises(JSONPathError):
        parse(expr)


def test_values_print_like_kubectl_jsonpath() -> None:
    assert text_of("x") == "x"
    assert text_of(3) == "3"
    assert text_of(2.0) == "2"
    assert text_of(1.5) == "1.5"
    assert text_of(True) == "true"
    assert text_of(None) == "<no value>"
    assert text_of(["a", 1]) == '["a",1]'
    assert text_of({"b": 1, "a": "<x>"}) == '{"a":"\\u003cx\\u003e","b":1}'


# --- the printer ---------------------------------------------------------------------------------
def test_columns_follow_the_crd() -> None:
    printer = printer_for(widget_type(COLUMNS))
    defs = printer.column_definitions()
    assert [c["name"] for c in defs] == ["Name", "Replicas", "Ready", "Image", "Started", "Ratio", "Paused",
                                        "Labels"]
    assert defs[0]["type"] == "string" and defs[0]["format"] == "name" and defs[0]["description"]
    assert defs[1] == {"name": "Replicas", "type": "integer", "format": "", "priority": 0,
                       "description": DESCRIPTION.format(".spec.replicas")}
    assert defs[2]["description"] == "Whether the widget is ready"
    assert defs[3]["priority"] == 1
    assert defs[4]["type"] == "date"
    assert defs[5]["format"] == "float"


def test_cells_are_evaluated_per_column() -> None:
    cells = printer_for(widget_type(COLUMNS)).cells(WIDGET, NOW)
    # only the first result of a multi-valued path, as upstream
    assert cells == ["w1", 3, "True", "nginx:1", "90s", 2.0, False, '{"a":"\\u003c1\\u003e","b":"2"}']
    assert isinstance(cells[5], float)


def test_missing_and_mistyped_values_are_null() -> None:
    printer = printer_for(widget_type(COLUMNS))
    assert printer.cells({"metadata": {"name": "bare"}}, NOW) == ["bare", None, None, None, None, None, None, None]
    odd = {"metadata": {"name": "odd"}, "spec": {"replicas": "three", "paused": "no"},
           "status": {"startTime": "yesterday", "ratio": "x"}}
    assert printer.cells(odd, NOW) == ["odd", None, None, None, "<invalid>", None, None, None]
    zero = {"metadata": {"name": "z"}, "status": {"startTime": "0001-01-01T00:00:00Z"}}
    assert printer.cells(zero, NOW)[4] == "<unknown>"


def test_integer_column_truncates_floats_and_string_column_prints_numbers() -> None:
    printer = custom_printer([{"name": "N", "type": "integer", "jsonPath": ".n"},
                              {"name": "S", "type": "string", "jsonPath": ".n"}])
    assert printer.cells({"metadata": {"name": "x"}, "n": 2.7}, NOW) == ["x", 2, "2.7"]


def test_crd_without_printer_columns_gets_name_and_age() -> None:
    rt = widget_type([])
    assert printer_for(rt) is CUSTOM
    assert [(c["name"], c["type"]) for c in CUSTOM.column_definitions()] == [("Name", "string"), ("Age", "date")]
    assert CUSTOM.cells(WIDGET, NOW) == ["w1", "10m"]


def test_printer_is_shared_between_requests_for_the_same_columns() -> None:
    assert printer_for(widget_type(COLUMNS)) is printer_for(widget_type([dict(c) for c in COLUMNS]))
    assert printer_for(widget_type(COLUMNS)) is not printer_for(widget_type(COLUMNS[:2]))


def test_an_unparsable_column_prints_null() -> None:
    printer = custom_printer([{"name": "Bad", "type": "string", "jsonPath": ".spec["}])
    assert printer.cells(WIDGET, NOW) == ["w1", None]


def test_table_of_a_custom_resource() -> None:
    builder = TableBuilder(widget_type(COLUMNS), TableRequest())
    table = builder.table([WIDGET], {"resourceVersion": "5"})
    assert table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]][:3] == ["Name", "Replicas", "Ready"]
    row = table["rows"][0]
    assert row["cells"][:3] == ["w1", 3, "True"]
    assert row["object"]["metadata"]["name"] == "w1"
