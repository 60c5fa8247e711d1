"""JSON Patch (RFC 6902) as kube-apiserver applies it."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kapi.machinery.errors import StatusError
from kapi.machinery.jsonpatch import MAX_JSON_PATCH_OPERATIONS, apply_json_patch
from kapi.machinery.mergepatch import copy_json, json_equal

POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "p",
        "labels": {"a": "1", "app.kubernetes.io/name": "web"},
        "annotations": {"x~y": "z"},
    },
    "spec": {
        "containers": [
            {"name": "web", "image": "nginx", "ports": [{"containerPort": 80}]},
            {"name": "side", "image": "busybox"},
        ],
        "nodeSelector": {},
    },
}


def _apply(ops: list[dict[str, Any]], doc: Any = None) -> Any:
    return apply_json_patch(copy.deepcopy(POD) if doc is None else doc, ops)


def _fails(ops: Any, doc: Any = None) -> StatusError:
    with pytest.raises(StatusError) as info:
        _apply(ops, doc)
    return info.value


def _cause(err: StatusError) -> str:
    assert err.code == 422
    assert err.reason == "Invalid"
    assert err.message == "the server rejected our request due to an error in our request"
    assert err.details is not None
    return str(err.details["causes"][0]["message"])


# --- add ---------------------------------------------------------------------------------------


def test_add_object_member() -> None:
    out = _apply([{"op": "add", "path": "/metadata/labels/b", "value": "2"}])
    assert out["metadata"]["labels"] == {"a": "1", "app.kubernetes.io/name": "web", "b": "2"}


def test_add_replaces_existing_member() -> None:
    assert (
        _apply([{"op": "add", "path": "/metadata/labels/a", "value": "9"}])["metadata"]["labels"]["a"] == "9"
    )


def test_add_array_insert_append_and_end() -> None:
    doc = {"l": [1, 2, 3]}
    assert apply_json_patch(doc, [{"op": "add", "path": "/l/0", "value": 0}]) == {"l": [0, 1, 2, 3]}
    assert apply_json_patch(doc, [{"op": "add", "path": "/l/1", "value": 9}]) == {"l": [1, 9, 2, 3]}
    assert apply_json_patch(doc, [{"op": "add", "path": "/l/3", "value": 4}]) == {"l": [1, 2, 3, 4]}
    assert apply_json_patch(doc, [{"op": "add", "path": "/l/-", "value": 4}]) == {"l": [1, 2, 3, 4]}
    # upstream counts negative indices from the end (-1 appends for add)
    assert apply_json_patch(doc, [{"op": "add", "path": "/l/-1", "value": 4}]) == {"l": [1, 2, 3, 4]}
    assert apply_json_patch(doc, [{"op": "add", "path": "/l/-4", "value": 0}]) == {"l": [0, 1, 2, 3]}


def test_add_container_env_like_kubectl_docs() -> None:
    ops = [
        {"op": "add", "path": "/spec/containers/0/env", "value": [{"name": "MODE", "value": "prod"}]},
        {"op": "add", "path": "/spec/containers/0/env/-", "value": {"name": "DEBUG", "value": "0"}},
        {"op": "replace", "path": "/spec/containers/1/image", "value": "busybox:1.36"},
    ]
    out = _apply(ops)
    assert out["spec"]["containers"][0]["env"] == [
        {"name": "MODE", "value": "prod"},
        {"name": "DEBUG", "value": "0"},
    ]
    assert out["spec"]["containers"][1]["image"] == "busybox:1.36"


def test_add_index_past_end_fails() -> None:
    err = _fails([{"op": "add", "path": "/spec/containers/3", "value": {}}])
    assert _cause(err) == (
        "error in add for path: '/spec/containers/3': "
        "Unable to access invalid index: 3: invalid index referenced"
    )


@pytest.mark.parametrize("index", ["01", "+1", "x", "1.0", ""])
def test_add_bad_array_index(index: str) -> None:
    err = _fails([{"op": "add", "path": f"/spec/containers/{index}", "value": {}}])
    assert "value was not a proper array index" in _cause(err)


def test_add_missing_parent_message() -> None:
    err = _fails([{"op": "add", "path": "/spec/foo/bar", "value": 1}])
    assert _cause(err) == 'add operation does not apply: doc is missing path: "/spec/foo/bar": missing value'


def test_add_through_scalar_or_null_fails() -> None:
    doc = {"a": 1, "n": None}
    assert "doc is missing path" in _cause(_fails([{"op": "add", "path": "/a/b", "value": 1}], doc))
    assert "doc is missing path" in _cause(_fails([{"op": "add", "path": "/n/b", "value": 1}], doc))


def test_add_without_value_adds_null() -> None:
    assert apply_json_patch({}, [{"op": "add", "path": "/a"}]) == {"a": None}


def test_pointer_escapes() -> None:
    out = _apply(
        [
            {"op": "add", "path": "/metadata/labels/example.com~1team", "value": "t"},
            {"op": "test", "path": "/metadata/annotations/x~0y", "value": "z"},
            {"op": "remove", "path": "/metadata/labels/app.kubernetes.io~1name"},
        ]
    )
    assert out["metadata"]["labels"] == {"a": "1", "example.com/team": "t"}
    # "~01" is "~1" after decoding, not "/"
    assert apply_json_patch({}, [{"op": "add", "path": "/~01", "value": 1}]) == {"~1": 1}
    assert apply_json_patch({}, [{"op": "add", "path": "/", "value": 1}]) == {"": 1}


def test_path_must_start_with_slash() -> None:
    assert "doc is missing path" in _cause(_fails([{"op": "add", "path": "metadata/x", "value": 1}]))
    assert "doc is missing path" in _cause(_fails([{"op": "add", "path": "", "value": {}}]))


# --- remove / replace ------------------------------------------------------------------------


def test_remove_member_and_element() -> None:
    out = _apply(
        [{"op": "remove", "path": "/metadata/labels/a"}, {"op": "remove", "path": "/spec/containers/0"}]
    )
    assert out["metadata"]["labels"] == {"app.kubernetes.io/name": "web"}
    assert [c["name"] for c in out["spec"]["containers"]] == ["side"]
    assert (
        _apply([{"op": "remove", "path": "/spec/containers/-1"}])["spec"]["containers"][-1]["name"] == "web"
    )


def test_remove_missing_member_fails() -> None:
    err = _fails([{"op": "remove", "path": "/metadata/labels/zz"}])
    assert _cause(err) == (
        "error in remove for path: '/metadata/labels/zz': Unable to remove nonexistent key: zz: missing value"
    )


def test_remove_missing_index_fails() -> None:
    assert "Unable to access invalid index: 2" in _cause(
        _fails([{"op": "remove", "path": "/spec/containers/2"}])
    )
    assert "Unable to access invalid index: -3" in _cause(
        _fails([{"op": "remove", "path": "/spec/containers/-3"}])
    )


def test_replace_member_and_element() -> None:
    out = _apply(
        [
            {"op": "replace", "path": "/spec/containers/0/image", "value": "nginx:2"},
            {"op": "replace", "path": "/spec/containers/1", "value": {"name": "other", "image": "x"}},
        ]
    )
    assert out["spec"]["containers"] == [
        {"name": "web", "image": "nginx:2", "ports": [{"containerPort": 80}]},
        {"name": "other", "image": "x"},
    ]


def test_replace_missing_object_member_adds_it_like_upstream() -> None:
    assert _apply([{"op": "replace", "path": "/spec/nodeName", "value": "n1"}])["spec"]["nodeName"] == "n1"


def test_replace_missing_index_fails() -> None:
    err = _fails([{"op": "replace", "path": "/spec/containers/5", "value": {}}])
    assert (
        _cause(err)
        == "replace operation does not apply: doc is missing key: /spec/containers/5: missing value"
    )


def test_replace_whole_document() -> None:
    assert apply_json_patch({"a": 1}, [{"op": "replace", "path": "", "value": {"b": 2}}]) == {"b": 2}
    assert "must be object or array" in _cause(_fails([{"op": "replace", "path": "", "value": 3}]))


# --- move / copy -----------------------------------------------------------------------------


def test_move() -> None:
    out = _apply([{"op": "move", "from": "/metadata/labels/a", "path": "/metadata/annotations/a"}])
    assert "a" not in out["metadata"]["labels"]
    assert out["metadata"]["annotations"]["a"] == "1"
    swapped = _apply([{"op": "move", "from": "/spec/containers/1", "path": "/spec/containers/0"}])
    assert [c["name"] for c in swapped["spec"]["containers"]] == ["side", "web"]


def test_move_into_own_child_fails() -> None:
    err = _fails([{"op": "move", "from": "/spec", "path": "/spec/inner"}])
    assert (
        _cause(err)
        == "move operation does not apply: doc is missing destination path: /spec/inner: missing value"
    )


def test_move_missing_source_fails() -> None:
    err = _fails([{"op": "move", "from": "/metadata/labels/zz", "path": "/metadata/x"}])
    assert "Unable to remove nonexistent key: zz" in _cause(err)
    err = _fails([{"op": "move", "from": "/nope/zz", "path": "/metadata/x"}])
    assert _cause(err) == "move operation does not apply: doc is missing from path: /nope/zz: missing value"


def test_copy_is_deep() -> None:
    out = _apply(
        [
            {"op": "copy", "from": "/spec/containers/0", "path": "/spec/containers/-"},
            {"op": "replace", "path": "/spec/containers/2/name", "value": "web2"},
            {"op": "add", "path": "/spec/containers/2/ports/-", "value": {"containerPort": 443}},
        ]
    )
    assert out["spec"]["containers"][0] == POD["spec"]["containers"][0]
    assert out["spec"]["containers"][2]["name"] == "web2"
    assert out["spec"]["containers"][2]["ports"] == [{"containerPort": 80}, {"containerPort": 443}]


def test_copy_missing_source_fails() -> None:
    err = _fails([{"op": "copy", "from": "/metadata/labels/zz", "path": "/metadata/x"}])
    assert "copy operation does not apply: doc is missing from path: /metadata/labels/zz" in _cause(err)


def test_copy_size_is_bounded() -> None:
    doc = {"a": ["x" * 1024] * 1024}  # ~1 MiB serialised
    ops = [{"op": "copy", "from": "/a", "path": f"/b{i}"} for i in range(4)]
    assert "accumulated size increase of copy" in _cause(_fails(ops, doc))
    assert len(apply_json_patch(doc, ops[:2])) == 3


# --- test ------------------------------------------------------------------------------------


def test_test_op_success_and_failure() -> None:
    assert _apply([{"op": "test", "path": "/metadata/labels/a", "value": "1"}]) == POD
    assert (
        _apply([{"op": "test", "path": "/spec/containers/0/ports", "value": [{"containerPort": 80.0}]}])
        == POD
    )
    err = _fails([{"op": "test", "path": "/metadata/labels/a", "value": "2"}])
    assert _cause(err) == "testing value /metadata/labels/a failed: test failed"


def test_test_op_distinguishes_bool_from_number() -> None:
    assert "test failed" in _cause(_fails([{"op": "test", "path": "/v", "value": 1}], {"v": True}))


def test_test_null_value_asserts_absence_like_upstream() -> None:
    assert _apply([{"op": "test", "path": "/metadata/labels/zz", "value": None}]) == POD
    assert "test failed" in _cause(_fails([{"op": "test", "path": "/metadata/labels/zz", "value": "x"}]))
    assert "test failed" in _cause(_fails([{"op": "test", "path": "/metadata/labels/a"}]))


def test_test_whole_document() -> None:
    assert apply_json_patch({"a": 1}, [{"op": "test", "path": "", "value": {"a": 1}}]) == {"a": 1}
    assert _cause(_fails([{"op": "test", "path": "", "value": {}}])) == "testing value  failed: test failed"


def test_failed_test_makes_the_whole_patch_fail() -> None:
    doc = copy.deepcopy(POD)
    with pytest.raises(StatusError):
        apply_json_patch(
            doc,
            [
                {"op": "replace", "path": "/metadata/labels/a", "value": "2"},
                {"op": "test", "path": "/metadata/labels/a", "value": "1"},
            ],
        )
    assert doc == POD


# --- malformed patches ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        ({"op": "add"}, "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
        ("x", "json: cannot unmarshal string into Go value of type jsonpatch.Patch"),
        ([1], "json: cannot unmarshal number into Go value of type jsonpatch.Operation"),
        (
            [{"op": "add", "path": "/a", "value": 1}, []],
            "json: cannot unmarshal array into Go value of type jsonpatch.Operation",
        ),
    ],
)
def test_malformed_patch_document_is_bad_request(ops: Any, message: str) -> None:
    err = _fails(ops)
    assert (err.code, err.reason, err.message) == (400, "BadRequest", message)


def test_null_patch_is_a_no_op() -> None:
    assert _apply(None) == POD  # type: ignore[arg-type]
    assert _apply([]) == POD


@pytest.mark.parametrize(
    ("op", "cause"),
    [
        ({"op": "frobnicate", "path": "/a"}, "Unexpected kind: frobnicate"),
        ({"path": "/a"}, "Unexpected kind: unknown"),
        ({"op": 5, "path": "/a"}, "Unexpected kind: unknown"),
        (None, "Unexpected kind: unknown"),
        (
            {"op": "add", "value": 1},
            "add operation failed to decode path: operation missing path field: missing value",
        ),
        (
            {"op": "remove", "path": 3},
            "remove operation failed to decode path: "
            "json: cannot unmarshal number into Go value of type string",
        ),
        (
            {"op": "move", "path": "/a"},
            "move operation failed to decode from: operation, missing from field: missing value",
        ),
        (
            {"op": "copy", "from": ["x"], "path": "/a"},
            "copy operation failed to decode from: json: cannot unmarshal array into Go value of type string",
        ),
    ],
)
def test_bad_operations_are_unprocessable(op: Any, cause: str) -> None:
    assert _cause(_fails([op])) == cause


def test_too_many_operations() -> None:
    ops = [{"op": "test", "path": "/kind", "value": "Pod"}] * (MAX_JSON_PATCH_OPERATIONS + 1)
    err = _fails(ops)
    assert err.code == 413
    assert err.reason == "RequestEntityTooLarge"
    assert err.message == "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001"
    assert _apply(ops[:MAX_JSON_PATCH_OPERATIONS]) == POD


def test_inputs_are_not_mutated_and_values_not_aliased() -> None:
    doc = copy.deepcopy(POD)
    value = {"name": "new", "image": "x"}
    ops = [{"op": "add", "path": "/spec/containers/-", "value": value}]
    out = apply_json_patch(doc, ops)
    assert doc == POD
    out["spec"]["containers"][-1]["image"] = "changed"
    out["metadata"]["labels"]["a"] = "changed"
    assert value == {"name": "new", "image": "x"}
    assert doc == POD


# --- properties ------------------------------------------------------------------------------

_keys = st.text(alphabet="ab~/c", min_size=1, max_size=4)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(alphabet="xy", max_size=2))
_values = st.recursive(
    _scalars,
    lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(_keys, c, max_size=3)),
    max_leaves=8,
)
_docs = st.dictionaries(_keys, _values, max_size=4)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@settings(max_examples=300)
@given(doc=_docs, key=_keys, value=_values)
def test_test_of_just_added_value_succeeds(doc: dict[str, Any], key: str, value: Any) -> None:
    path = "/" + _escape(key)
    out = apply_json_patch(
        doc, [{"op": "add", "path": path, "value": value}, {"op": "test", "path": path, "value": value}]
    )
    assert json_equal(out[key], value)


@settings(max_examples=300)
@given(doc=_docs, key=_keys, value=_values)
def test_add_then_remove_restores_document(doc: dict[str, Any], key: str, value: Any) -> None:
    if key in doc:
        return
    before = copy_json(doc)
    path = "/" + _escape(key)
    assert (
        apply_json_patch(doc, [{"op": "add", "path": path, "value": value}, {"op": "remove", "path": path}])
        == doc
    )
    assert doc == before


@settings(max_examples=200)
@given(items=st.lists(_scalars, max_size=6), data=st.data())
def test_array_add_matches_list_insert(items: list[Any], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(items)))
    out = apply_json_patch({"l": items}, [{"op": "add", "path": f"/l/{index}", "value": "new"}])
    expected = list(items)
    expected.insert(index, "new")
    assert out == {"l": expected}
