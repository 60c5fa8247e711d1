"""JSON merge patch (RFC 7386) as kube-apiserver applies it."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kapi.machinery.errors import StatusError
from kapi.machinery.mergepatch import apply_merge_patch, copy_json, create_merge_patch, json_equal

# --- RFC 7386 appendix-style cases (own data) ---------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "patch", "expected"),
    [
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
        ({"a": 1}, {}, {"a": 1}),
        ({"a": {"x": 1}}, {"a": {}}, {"a": {"x": 1}}),
        ({"a": 1}, {"a": {"b": None, "c": 2}}, {"a": {"c": 2}}),
        ({"a": [1, 2]}, {"a": []}, {"a": []}),
        ({"a": True}, {"a": False}, {"a": False}),
    ],
)
def test_rfc_examples(doc: Any, patch: Any, expected: Any) -> None:
    assert apply_merge_patch(doc, patch) == expected


def test_top_level_array_replaces_document() -> None:
    assert apply_merge_patch({"a": "b"}, ["c"]) == ["c"]


def test_non_object_document_is_treated_as_empty_object() -> None:
    assert apply_merge_patch(["x"], {"a": 1, "b": None}) == {"a": 1}
    assert apply_merge_patch(None, {"a": {"b": None}}) == {"a": {}}


@pytest.mark.parametrize("patch", [None, "text", 5, True])
def test_top_level_null_or_scalar_patch_is_bad_request(patch: Any) -> None:
    with pytest.raises(StatusError) as info:
        apply_merge_patch({"a": 1}, patch)
    assert info.value.code == 400
    assert info.value.reason == "BadRequest"
    assert info.value.message == "Invalid JSON Patch"


def test_nulls_inside_placed_values_are_dropped() -> None:
    doc = {"spec": {"containers": [{"name": "a", "image": "x"}]}}
    patch = {"spec": {"containers": [{"name": "a", "image": None, "args": ["1", None]}], "new": {"k": None}}}
    assert apply_merge_patch(doc, patch) == {
        "spec": {"containers": [{"name": "a", "args": ["1", None]}], "new": {}}
    }


def test_kubectl_style_label_and_list_update() -> None:
    deployment = {
        "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}},
        "spec": {
            "replicas": 2,
            "template": {
                "spec": {
                    "containers": [{"name": "web", "image": "nginx:1"}],
                    "tolerations": [{"key": "a", "effect": "NoSchedule"}],
                }
            },
        },
    }
    patch = {
        "metadata": {"labels": {"tier": None, "env": "prod"}},
        "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "cache", "image": "redis"}]}}},
    }
    result = apply_merge_patch(deployment, patch)
    assert result["metadata"]["labels"] == {"app": "web", "env": "prod"}
    assert result["spec"]["replicas"] == 3
    # a merge patch replaces lists wholesale
    assert result["spec"]["template"]["spec"]["containers"] == [{"name": "cache", "image": "redis"}]
    assert result["spec"]["template"]["spec"]["tolerations"] == [{"key": "a", "effect": "NoSchedule"}]


def test_inputs_are_not_mutated_and_result_shares_nothing() -> None:
    doc = {"a": {"b": [1, {"c": 2}]}, "keep": {"x": 1}}
    patch = {"a": {"d": {"e": [3]}}, "n": {"m": 1}}
    doc_before, patch_before = copy.deepcopy(doc), copy.deepcopy(patch)
    result = apply_merge_patch(doc, patch)
    assert doc == doc_before and patch == patch_before
    result["keep"]["x"] = 99
    result["a"]["b"][1]["c"] = 99
    result["a"]["d"]["e"].append(4)
    result["n"]["m"] = 2
    assert doc == doc_before and patch == patch_before


def test_create_merge_patch_examples() -> None:
    assert create_merge_patch({"a": 1, "b": 2}, {"a": 1, "c": 3}) == {"b": None, "c": 3}
    assert create_merge_patch({"a": {"x": 1, "y": 2}}, {"a": {"x": 1, "y": 3}}) == {"a": {"y": 3}}
    assert create_merge_patch({"a": [1, 2]}, {"a": [1, 2]}) == {}
    assert create_merge_patch({"a": [1, 2]}, {"a": [2]}) == {"a": [2]}
    assert create_merge_patch({"a": 1}, {"a": True}) == {"a": True}


def test_json_equal_distinguishes_booleans_from_numbers() -> None:
    assert json_equal({"a": [1, {"b": 2.0}]}, {"a": [1.0, {"b": 2}]})
    assert not json_equal(1, True)
    assert not json_equal([0], [False])
    assert not json_equal({"a": 1}, {"a": 1, "b": 2})
    assert not json_equal({"a": 1}, [1])
    assert json_equal(None, None)
    assert not json_equal(None, {})


# --- properties ------------------------------------------------------------------------------

_keys = st.text(alphabet="abcdefg", min_size=1, max_size=3)
_scalars = st.one_of(st.booleans(), st.integers(-5, 5), st.text(alphabet="xyz", max_size=3))


def _json(with_null: bool) -> st.SearchStrategy[Any]:
    leaves = st.one_of(_scalars, st.none()) if with_null else _scalars
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(_keys, children, max_size=4),
        ),
        max_leaves=12,
    )


def _no_null_members(value: Any) -> bool:
    if isinstance(value, dict):
        return all(v is not None and _no_null_members(v) for v in value.values())
    if isinstance(value, list):
        return all(_no_null_members(v) for v in value)
    return True


_docs = st.dictionaries(_keys, _json(with_null=False), max_size=5)
_patches = st.dictionaries(_keys, _json(with_null=True), max_size=5)


@settings(max_examples=300)
@given(original=_docs, modified=_docs)
def test_create_then_apply_round_trips(original: dict[str, Any], modified: dict[str, Any]) -> None:
    patch = create_merge_patch(original, modified)
    assert json_equal(apply_merge_patch(original, patch), modified)


@settings(max_examples=300)
@given(doc=_docs, patch=_patches)
def test_apply_is_idempotent_and_pure(doc: dict[str, Any], patch: dict[str, Any]) -> None:
    doc_before, patch_before = copy_json(doc), copy_json(patch)
    once = apply_merge_patch(doc, patch)
    assert json_equal(apply_merge_patch(once, patch), once)
    assert doc == doc_before and patch == patch_before
    assert _no_null_members(once)


@given(doc=_docs)
def test_empty_patch_is_identity(doc: dict[str, Any]) -> None:
    assert apply_merge_patch(doc, {}) == doc
