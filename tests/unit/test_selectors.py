"""Label and field selectors, parsed and matched as upstream's labels/fields packages do."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kapi.machinery.errors import StatusError
from kapi.machinery.selectors import (
    FieldRequirement,
    LabelSelector,
    Requirement,
    escape_field_value,
    parse_field_selector,
    parse_label_selector,
    selector_from_label_selector_obj,
    selector_from_set,
)

# --- label selector parsing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "requirements", "rendered"),
    [
        ("", [], ""),
        ("   ", [], ""),
        ("app=web", [("app", "=", ("web",))], "app=web"),
        ("app==web", [("app", "==", ("web",))], "app==web"),
        ("app!=web", [("app", "!=", ("web",))], "app!=web"),
        ("app", [("app", "exists", ())], "app"),
        ("!app", [("app", "!", ())], "!app"),
        ("env in (prod, dev)", [("env", "in", ("dev", "prod"))], "env in (dev,prod)"),
        ("env notin (prod)", [("env", "notin", ("prod",))], "env notin (prod)"),
        ("env in ()", [("env", "in", ("",))], "env in ()"),
        ("env in (a,,b)", [("env", "in", ("", "a", "b"))], "env in (,a,b)"),
        ("env in (b,a,b)", [("env", "in", ("a", "b"))], "env in (a,b)"),
        ("x=", [("x", "=", ("",))], "x="),
        ("n>3,n<10", [("n", "gt", ("3",)), ("n", "lt", ("10",))], "n>3,n<10"),
        ("z=1, a=2 ,m", [("a", "=", ("2",)), ("m", "exists", ()), ("z", "=", ("1",))], "a=2,m,z=1"),
        ("\tapp = web\n", [("app", "=", ("web",))], "app=web"),
        ("in=notin", [("in", "=", ("notin",))], "in=notin"),
        ("example.com/team=a-b.c_d", [("example.com/team", "=", ("a-b.c_d",))], "example.com/team=a-b.c_d"),
        ("a,!b,c in (x)", [("a", "exists", ()), ("b", "!", ()), ("c", "in", ("x",))], "a,!b,c in (x)"),
    ],
)
def test_parse_label_selector(text: str, requirements: list[tuple[str, str, tuple[str, ...]]], rendered: str) -> None:
    selector = parse_label_selector(text)
    assert [(r.key, r.operator, r.values) for r in selector.requirements] == requirements
    assert str(selector) == rendered
    assert selector.empty == (not requirements)
    assert parse_label_selector(str(selector)) == selector


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a=b,", "found '', expected: identifier after ','"),
        (",a", "found ',', expected: !, identifier, or 'end of string'"),
        ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        ("a in b", "unable to parse requirement: found 'b' expected: '('"),
        ("a in (b", "unable to parse requirement: found '', expected: ',' or ')'"),
        ("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'"),
        ("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
        ("a=(b)", "unable to parse requirement: found '(', expected: identifier"),
        ("a=b c=d", "found 'c', expected: ',' or 'end of string'"),
        ("!a=b", "found '=', expected: ',' or 'end of string'"),
        ("!", "unable to parse requirement: found '', expected: identifier"),
        (
            "n>x",
            'unable to parse requirement: values[0]: Invalid value: "x": '
            "for 'Gt', 'Lt' operators, the value must be an integer",
        ),
    ],
)
def test_label_selector_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(StatusError) as info:
        parse_label_selector(text)
    assert (info.value.code, info.value.reason) == (400, "BadRequest")
    assert info.value.message == message


def test_invalid_label_value_message() -> None:
    with pytest.raises(StatusError) as info:
        parse_label_selector("app=-bad")
    assert info.value.code == 400
    assert info.value.message == (
        'unable to parse requirement: values[0][app]: Invalid value: "-bad": a valid label must be an empty '
        "string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    )


def test_invalid_label_key_message() -> None:
    with pytest.raises(StatusError) as info:
        parse_label_selector("-app=x")
    assert info.value.message.startswith('unable to parse requirement: <nil>: Invalid value: "-app": name part must')


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a" * 64, "name part must be no more than 63 characters"),
        ("/a", "prefix part must be non-empty"),
        ("a/", "name part must be non-empty"),
        ("Example.com/a", "prefix part a lowercase RFC 1123 subdomain"),
        ("a/b/c", "a qualified name must consist of"),
        (("x" * 254) + "/a", "prefix part must be no more than 253 characters"),
        ("a=" + "v" * 64, "values[0][a]: Invalid value"),
        ("a in (ok,-no)", 'values[0][a]: Invalid value: "-no"'),
    ],
)
def test_label_key_and_value_validation(text: str, fragment: str) -> None:
    with pytest.raises(StatusError) as info:
        parse_label_selector(text)
    assert info.value.code == 400
    assert fragment in info.value.message


def test_multiple_requirement_errors_are_aggregated() -> None:
    with pytest.raises(StatusError) as info:
        parse_label_selector("a in (-x,-y)")
    assert info.value.message.startswith('unable to parse requirement: [values[0][a]: Invalid value: "-x"')
    assert ', values[1][a]: Invalid value: "-y"' in info.value.message


# --- label selector matching --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ("", None, True),
        ("", {"a": "b"}, True),
        ("a=b", {"a": "b"}, True),
        ("a=b", {"a": "c"}, False),
        ("a=b", {}, False),
        ("a=b", None, False),
        ("a!=b", {}, True),
        ("a!=b", {"a": "b"}, False),
        ("a!=b", {"a": "c"}, True),
        ("a in (x,y)", {"a": "y"}, True),
        ("a in (x,y)", {"a": "z"}, False),
        ("a in (x,y)", {}, False),
        ("a notin (x,y)", {}, True),
        ("a notin (x,y)", {"a": "x"}, False),
        ("a", {"a": ""}, True),
        ("a", {"b": "a"}, False),
        ("!a", {"b": "a"}, True),
        ("!a", {"a": ""}, False),
        ("a=", {"a": ""}, True),
        ("n>3", {"n": "4"}, True),
        ("n>3", {"n": "3"}, False),
        ("n<3", {"n": "-10"}, True),
        ("n>3", {"n": "four"}, False),
        ("n>3", {}, False),
        ("a=b,c", {"a": "b", "c": "1"}, True),
        ("a=b,c", {"a": "b"}, False),
    ],
)
def test_label_selector_matches(text: str, labels: dict[str, str] | None, expected: bool) -> None:
    assert parse_label_selector(text).matches(labels) is expected


def test_requires_exact_match() -> None:
    selector = parse_label_selector("app=web,tier in (front),env in (a,b),x!=y")
    assert selector.requires_exact_match("app") == "web"
    assert selector.requires_exact_match("tier") == "front"
    assert selector.requires_exact_match("env") is None
    assert selector.requires_exact_match("x") is None
    assert selector.requires_exact_match("missing") is None


def test_selector_from_set() -> None:
    selector = selector_from_set({"b": "2", "a": "1"})
    assert str(selector) == "a=1,b=2"
    assert selector.matches({"a": "1", "b": "2", "c": "3"})
    assert not selector.matches({"a": "1"})
    assert selector_from_set({}).empty
    assert selector_from_set(None).matches(None)


def test_add_keeps_requirements_sorted() -> None:
    selector = parse_label_selector("b=1").add(Requirement("a", "exists"))
    assert str(selector) == "a,b=1"


# --- metav1.LabelSelector objects --------------------------------------------------------------------


def test_label_selector_object() -> None:
    selector = selector_from_label_selector_obj(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["front", "edge"]},
                {"key": "env", "operator": "NotIn", "values": ["dev"]},
                {"key": "team", "operator": "Exists"},
                {"key": "legacy", "operator": "DoesNotExist"},
            ],
        }
    )
    assert str(selector) == "app=web,env notin (dev),!legacy,team,tier in (edge,front)"
    assert selector.matches({"app": "web", "tier": "edge", "team": "x"})
    assert not selector.matches({"app": "web", "tier": "edge", "team": "x", "legacy": "1"})
    assert not selector.matches({"app": "web", "tier": "edge", "team": "x", "env": "dev"})
    assert not selector.matches({"app": "web", "tier": "back", "team": "x"})


def test_empty_and_missing_label_selector_objects() -> None:
    assert selector_from_label_selector_obj({}).matches({"any": "thing"})
    assert selector_from_label_selector_obj({}).empty
    assert selector_from_label_selector_obj({"matchLabels": {}, "matchExpressions": []}).matches(None)
    nothing = selector_from_label_selector_obj(None)
    assert not nothing.matches({})
    assert not nothing.empty
    assert nothing == LabelSelector.match_nothing()


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (
            {"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["x"]}]},
            '"Equals" is not a valid label selector operator',
        ),
        ({"matchExpressions": [{"key": "a"}]}, '"" is not a valid label selector operator'),
        (
            {"matchExpressions": [{"key": "a", "operator": "In", "values": []}]},
            "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
            'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
        ),
        ({"matchExpressions": [{"key": "-a", "operator": "Exists"}]}, 'key: Invalid value: "-a": name part must'),
        ({"matchLabels": {"a": "-x"}}, 'values[0][a]: Invalid value: "-x"'),
        ({"matchLabels": {"a": 1}}, "matchLabels[a]: Invalid value: 1: must be a string"),
    ],
)
def test_invalid_label_selector_objects(obj: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        selector_from_label_selector_obj(obj)
    assert str(info.value).startswith(message)


# --- field selectors -------------------------------------------------------------------------------


def test_parse_field_selector() -> None:
    selector = parse_field_selector("status.phase!=Running,metadata.name==web,spec.nodeName=")
    assert selector.requirements == (
        FieldRequirement("metadata.name", "=", "web"),
        FieldRequirement("spec.nodeName", "=", ""),
        FieldRequirement("status.phase", "!=", "Running"),
    )
    assert tuple(selector.requirements[0]) == ("metadata.name", "=", "web")
    assert str(selector) == "metadata.name=web,spec.nodeName=,status.phase!=Running"
    assert selector.exact_value("metadata.name") == "web"
    assert selector.exact_value("status.phase") is None
    assert selector.exact_value("metadata.namespace") is None
    assert not selector.empty


def test_empty_field_selector() -> None:
    for text in ("", ",", ",,"):
        selector = parse_field_selector(text)
        assert selector.empty
        assert selector.matches({})


def test_field_selector_matching() -> None:
    selector = parse_field_selector("metadata.namespace=ns,spec.nodeName!=n1")
    assert selector.matches({"metadata.namespace": "ns", "spec.nodeName": "n2"})
    assert selector.matches({"metadata.namespace": "ns"})
    assert not selector.matches({"metadata.namespace": "ns", "spec.nodeName": "n1"})
    assert not selector.matches({"metadata.namespace": "other"})
    # a missing field compares as ""
    assert parse_field_selector("spec.nodeName=").matches({})
    assert not parse_field_selector("spec.nodeName!=").matches({})


def test_field_selector_escapes() -> None:
    selector = parse_field_selector(r"metadata.name=a\,b\=c\\d")
    assert selector.exact_value("metadata.name") == "a,b=c\\d"
    assert str(selector) == r"metadata.name=a\,b\=c\\d"
    # an escaped comma does not split terms
    assert len(parse_field_selector(r"a=x\,y\=z,b=w").requirements) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"),
        ("a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"),
        ("a=b=c", "invalid field selector: unescaped character in value: 61"),
        (r"a=b\x", r"invalid field selector: invalid escape sequence: \x"),
        ("a=b\\", "invalid field selector: invalid escape sequence: \\"),
    ],
)
def test_field_selector_errors(text: str, message: str) -> None:
    with pytest.raises(StatusError) as info:
        parse_field_selector(text)
    assert (info.value.code, info.value.reason, info.value.message) == (400, "BadRequest", message)


def test_field_selector_operators_are_found_left_to_right() -> None:
    assert parse_field_selector("a!=b").requirements == (FieldRequirement("a", "!=", "b"),)
    assert parse_field_selector("a==b").requirements == (FieldRequirement("a", "=", "b"),)
    assert parse_field_selector("a!b=c").requirements == (FieldRequirement("a!b", "=", "c"),)


# --- properties ---------------------------------------------------------------------------------

_name = st.from_regex(r"[a-z0-9]([-a-z0-9_.]{0,8}[a-z0-9])?", fullmatch=True)
_prefix = st.from_regex(r"[a-z0-9]{1,5}(\.[a-z0-9]{1,5}){0,2}", fullmatch=True)
_key = st.one_of(_name, st.builds(lambda p, n: f"{p}/{n}", _prefix, _name))
_value = st.one_of(st.just(""), _name)


@st.composite
def _requirements(draw: st.DrawFn) -> Requirement:
    key = draw(_key)
    op = draw(st.sampled_from(["=", "==", "!=", "in", "notin", "exists", "!", "gt", "lt"]))
    if op in ("exists", "!"):
        values: list[str] = []
    elif op in ("in", "notin"):
        values = sorted(set(draw(st.lists(_value, min_size=1, max_size=3))))
    elif op in ("gt", "lt"):
        # a value must also be a valid label value, so no negative numbers (as upstream)
        values = [str(draw(st.integers(0, 1000)))]
    else:
        values = [draw(_value)]
    return Requirement(key, op, tuple(values))


def _expected(req: Requirement, labels: dict[str, str]) -> bool:
    present = req.key in labels
    value = labels.get(req.key)
    if req.operator in ("=", "==", "in"):
        return present and value in req.values
    if req.operator in ("!=", "notin"):
        return not present or value not in req.values
    if req.operator == "exists":
        return present
    if req.operator == "!":
        return not present
    if not present or value is None or not value.lstrip("-").isdigit():
        return False
    return int(value) > int(req.values[0]) if req.operator == "gt" else int(value) < int(req.values[0])


@settings(max_examples=300)
@given(reqs=st.lists(_requirements(), max_size=4))
def test_label_selector_format_parse_round_trip(reqs: list[Requirement]) -> None:
    selector = LabelSelector().add(*reqs)
    reparsed = parse_label_selector(str(selector))
    assert reparsed == selector
    assert str(reparsed) == str(selector)


@settings(max_examples=300)
@given(
    reqs=st.lists(_requirements(), max_size=4),
    labels=st.dictionaries(_key, st.one_of(_value, st.integers(-1000, 1000).map(str)), max_size=4),
)
def test_label_selector_matching_semantics(reqs: list[Requirement], labels: dict[str, str]) -> None:
    selector = parse_label_selector(str(LabelSelector().add(*reqs)))
    assert selector.matches(labels) == all(_expected(r, labels) for r in reqs)


@settings(max_examples=300)
@given(value=st.text(max_size=12), field=st.from_regex(r"[a-z][a-zA-Z.]{0,10}", fullmatch=True))
def test_field_selector_escape_round_trip(value: str, field: str) -> None:
    selector = parse_field_selector(f"{field}={escape_field_value(value)}")
    assert selector.exact_value(field) == value
    assert selector.matches({field: value})
    assert parse_field_selector(str(selector)) == selector
