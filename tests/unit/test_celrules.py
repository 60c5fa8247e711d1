"""CEL validation rules of CRD schemas: compilation, evaluation, transition rules, cost bounds."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from kapi.machinery import celrules


def _spec(*rules: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {"spec": {
        "type": "object", "x-kubernetes-validations": list(rules), "properties": props}}}


def _errs(schema: dict[str, Any], obj: Any, old: Any = None, has_old: bool = False) -> list[str]:
    rules = celrules.compile(schema)
    assert rules is not None
    return [str(e) for e in rules.validate(obj, old, has_old=has_old)]


def test_no_rules_compiles_to_none() -> None:
    assert celrules.compile({"type": "object", "properties": {"spec": {"type": "object"}}}) is None


@pytest.mark.parametrize(("rule", "spec", "ok"), [
    ("self.minReplicas <= self.maxReplicas", {"minReplicas": 1, "maxReplicas": 2}, True),
    ("self.minReplicas <= self.maxReplicas", {"minReplicas": 3, "maxReplicas": 2}, False),
    ("self.size() <= 3", {"a": 1, "b": 2}, True),
    ("self.size() <= 1", {"a": 1, "b": 2}, False),
    ("has(self.foo)", {"foo": 1}, True),
    ("has(self.foo)", {}, False),
    ("self.name.startsWith('a')", {"name": "abc"}, True),
    ("self.name.matches('^[a-z]+$')", {"name": "aBc"}, False),
    ("self.xs.all(x, x > 0)", {"xs": [1, 2]}, True),
    ("self.xs.exists(x, x < 0)", {"xs": [1, 2]}, False),
    ("self.name.lowerAscii() == 'abc'", {"name": "ABC"}, True),
])
def test_typical_rules(rule: str, spec: dict[str, Any], ok: bool) -> None:
    errs = _errs(_spec({"rule": rule}), {"spec": spec})
    assert errs == ([] if ok else [f'spec: Invalid value: "object": failed rule: {rule}'])


def test_message_reason_and_field_path() -> None:
    schema = _spec({"rule": "false", "message": " nope "},
                   {"rule": "!has(self.x)", "reason": "FieldValueForbidden", "fieldPath": ".x", "message": "no x"},
                   {"rule": "has(self.y)", "reason": "FieldValueRequired", "fieldPath": ".y", "message": "need y"},
                   {"rule": "false", "reason": "FieldValueDuplicate"})
    assert _errs(schema, {"spec": {"x": 1}}) == [
        'spec: Invalid value: "object": nope',
        "spec.x: Forbidden: no x",
        "spec.y: Required value: need y",
        'spec: Duplicate value: "object"',
    ]


def test_message_expression() -> None:
    schema = _spec({"rule": "self.n < 3", "messageExpression": "'n is ' + string(self.n)", "message": "fallback"},
                   {"rule": "self.n < 2", "messageExpression": "''", "message": "fallback"})
    assert _errs(schema, {"spec": {"n": 5}}) == ['spec: Invalid value: "object": n is 5',
                                                  'spec: Invalid value: "object": fallback']


def test_rules_on_items_and_nested_values() -> None:
    schema = _spec(xs={"type": "array", "items": {"type": "integer", "x-kubernetes-validations": [
        {"rule": "self > 0"}]}}, labels={"type": "object", "additionalProperties": {
            "type": "string", "x-kubernetes-validations": [{"rule": "self.size() < 4"}]}})
    assert _errs(schema, {"spec": {"xs": [1, 0, 2], "labels": {"a": "abc", "b": "abcd"}}}) == [
        'spec.xs[1]: Invalid value: "integer": failed rule: self > 0',
        'spec.labels[b]: Invalid value: "string": failed rule: self.size() < 4',
    ]


def test_null_and_absent_values_are_not_validated() -> None:
    schema = _spec(s={"type": "string", "nullable": True, "x-kubernetes-validations": [{"rule": "self == 'x'"}]})
    assert _errs(schema, {"spec": {"s": None}}) == []
    assert _errs(schema, {"spec": {}}) == []
    assert _errs(schema, {"spec": {"s": "y"}}) == ['spec.s: Invalid value: "string": failed rule: self == \'x\'']


def test_evaluation_errors_are_field_errors() -> None:
    assert _errs(_spec({"rule": "self.missing == 1"}), {"spec": {}}) == [
        'spec: Invalid value: "object": no such key: missing evaluating rule: self.missing == 1']
    errs = _errs(_spec({"rule": "self.s + 1 == 2"}), {"spec": {"s": "a"}})
    assert errs == ["spec: Invalid value: \"object\": 'no such overload': call arguments did not match a supported "
                    "operator, function or macro signature for rule: self.s + 1 == 2"]
    assert _errs(_spec({"rule": "self.n"}), {"spec": {"n": 1}}) == [
        'spec: Invalid value: "object": rule did not evaluate to a bool evaluating rule: self.n']


def test_transition_rules() -> None:
    schema = _spec({"rule": "self == oldSelf", "message": "immutable"},
                   m={"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["k"],
                      "items": {"type": "object", "x-kubernetes-validations": [
                          {"rule": "self.v >= oldSelf.v", "message": "v may only grow"}]}})
    new = {"spec": {"m": [{"k": "a", "v": 1}, {"k": "b", "v": 5}]}}
    assert _errs(schema, new) == []  # create: oldSelf rules are skipped
    assert _errs(schema, new, new, has_old=True) == []
    old = {"spec": {"m": [{"k": "b", "v": 6}, {"k": "a", "v": 0}]}}
    assert _errs(schema, new, old, has_old=True) == ['spec: Invalid value: "object": immutable',
                                                     'spec.m[1]: Invalid value: "object": v may only grow']
    # absent old value (new item "c"): skipped
    assert _errs(schema, {"spec": {"m": [{"k": "c", "v": 0}]}}, old, has_old=True) == [
        'spec: Invalid value: "object": immutable']


def test_optional_old_self() -> None:
    schema = _spec({"rule": "!oldSelf.hasValue() || self.n >= oldSelf.value().n", "optionalOldSelf": True,
                    "message": "n may only grow"})
    assert _errs(schema, {"spec": {"n": 1}}) == []
    assert _errs(schema, {"spec": {"n": 1}}, {"spec": {"n": 2}}, has_old=True) == [
        'spec: Invalid value: "object": n may only grow']
    assert _errs(schema, {"spec": {"n": 3}}, {"spec": {"n": 2}}, has_old=True) == []


def test_check_rules_reports_compilation_failures() -> None:
    path = "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations"
    errs = [str(e) for e in celrules.check_rules(
        [{"rule": "self.a <="}, {"rule": "1"}, {"rule": "true", "reason": "Bad"}, {"rule": "self == oldSelf"},
         {"message": "x"}, {"rule": "true", "messageExpression": "1"}], path)]
    assert errs[0].startswith(f'{path}[0].rule: Invalid value: "self.a <=": compilation failed: ERROR: <input>:1:10: '
                              "Syntax error")
    assert errs[1] == f'{path}[1].rule: Invalid value: "1": compilation failed: cel expression must evaluate to a bool'
    assert errs[2].startswith(f'{path}[2].reason: Unsupported value: "Bad": supported values: "FieldValueInvalid"')
    assert errs[3] == f"{path}[4].rule: Required value: rule is not specified"
    assert errs[4] == (f'{path}[5].messageExpression: Invalid value: "1": messageExpression compilation failed: '
                       "cel expression must evaluate to a string")
    assert len(errs) == 5


def test_rule_that_does_not_compile_is_reported_not_raised() -> None:
    assert _errs(_spec({"rule": "self.a <="}), {"spec": {}})[0].startswith(
        'spec: Invalid value: "object": rule compile error: ERROR: <input>:1:10: Syntax error')


def test_iteration_budget_stops_evaluation() -> None:
    schema = _spec({"rule": "self.xs.all(x, self.xs.all(y, x != y || x == y))"}, {"rule": "false"})
    errs = _errs(schema, {"spec": {"xs": list(range(500))}})
    assert len(errs) == 1
    assert errs[0].startswith('spec: Invalid value: "object": \'Iteration budget exceeded\': no further validation '
                              "rules will be run due to call cost exceeds limit for rule: ")


def test_request_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(celrules, "MAX_STEPS", 50)
    schema = _spec(xs={"type": "array", "items": {"type": "integer", "x-kubernetes-validations": [
        {"rule": "self > 0"}]}})
    errs = _errs(schema, {"spec": {"xs": [0] * 100}})
    assert errs[-1].endswith("validation failed due to running out of cost budget, "
                             "no further validation rules will be run")
    assert len(errs) < 50


def test_cel_is_imported_lazily() -> None:
    code = ("import sys; from kapi.machinery import celrules, crdvalidation; "
            "celrules.compile({'type': 'object'}); assert 'cel_expr_python' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
