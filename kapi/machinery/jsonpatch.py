"""RFC 6902 JSON Patch (``application/json-patch+json``).

Modelled on what kube-apiserver does (``handlers/patch.go`` ``jsonPatcher.applyJSPatch`` over
``gopkg.in/evanphx/json-patch.v4``):

* a body that is not a list of objects is a decode error: 400 BadRequest with Go's
  ``json: cannot unmarshal …`` wording; ``null`` is an empty patch;
* more than 10,000 operations: 413 RequestEntityTooLarge
  (``The allowed maximum operations in a JSON patch is 10000, got N``);
* any failure while applying (missing path, failed ``test``, bad index, unknown op, missing
  ``path``/``from``…) is 422 Invalid with upstream's generic message ``the server rejected our
  request due to an error in our request``; the specific reason, worded as evanphx/json-patch
  words it (``add operation does not apply: doc is missing path: "/spec/foo": missing value``,
  ``testing value /metadata/labels/a failed: test failed``), is carried as the single cause in
  ``details.causes``;
* ``copy`` may add at most 3 MiB (serialised) in total, as kube-apiserver configures the library.

Semantics are RFC 6902's, with upstream's lenient spots kept where clients may rely on them:
negative array indices count from the end, ``replace`` of a missing object member adds it, and
``test`` with a ``null`` value passes for a missing member. Where upstream is looser than the
RFC in ways nobody relies on, the RFC wins: array indices with leading zeros or a ``+`` are
refused, and ``copy`` from a missing member fails (upstream copies ``null``). The patch is
all-or-nothing and neither input is mutated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from kapi.machinery.errors import StatusError, bad_request, request_entity_too_large
from kapi.machinery.mergepatch import copy_json, json_equal, too_deep

__all__ = ["MAX_COPY_BYTES", "MAX_JSON_PATCH_OPERATIONS", "apply_json_patch", "go_json_kind", "json_patch_failed"]

MAX_JSON_PATCH_OPERATIONS = 10_000
MAX_COPY_BYTES = 3 * 1024 * 1024

_GENERIC_422 = "the server rejected our request due to an error in our request"
_MISSING = "missing value"
_INVALID_INDEX = "invalid index referenced"
_INDEX_RE = re.compile(r"-?(0|[1-9][0-9]*)")


class _PatchError(Exception):
    """An operation that does not apply; becomes the 422."""


def json_patch_failed(reason: str) -> StatusError:
    """The 422 kube-apiserver answers when a patch fails to apply (it keeps only the generic
    message; the specific reason is kept here as the single cause)."""
    return StatusError(422, "Invalid", _GENERIC_422, details={"causes": [{"message": reason}]})


def go_json_kind(value: Any) -> str:
    """encoding/json's name for a decoded value's JSON type (``json: cannot unmarshal <kind> ...``)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _missing(op: str, what: str, path: str) -> str:
    return f"{op} operation does not apply: doc is missing {what}: {path}: {_MISSING}"


@contextmanager
def _prefixed(context: str) -> Iterator[None]:
    """Re-raise a :class:`_PatchError` from the block as ``<context>: <its message>`` (how
    evanphx/json-patch wraps the errors of its steps)."""
    try:
        yield
    except _PatchError as e:
        raise _PatchError(f"{context}: {e}") from None


# --- JSON pointers -----------------------------------------------------------------------------

def _unescape(token: str) -> str:
    # RFC 6901: "~1" first, then "~0", so "~01" decodes to "~1"
    if "~" not in token:
        return token
    return token.replace("~1", "/").replace("~0", "~")


def _parse_index(key: str) -> int:
    if not _INDEX_RE.fullmatch(key):
        raise _PatchError(f'strconv.Atoi: parsing "{key}": invalid syntax')
    return int(key)


def _list_position(lst: list[Any], key: str) -> int:
    """The existing element ``key`` names (negative counts from the end)."""
    idx = _parse_index(key)
    if idx < 0:
        if idx < -len(lst):
            raise _PatchError(f"Unable to access invalid index: {idx}: {_INVALID_INDEX}")
        idx += len(lst)
    if idx >= len(lst):
        raise _PatchError(f"Unable to access invalid index: {idx}: {_INVALID_INDEX}")
    return idx


def _find_container(root: Any, path: str) -> tuple[dict[str, Any] | list[Any], str] | None:
    """The parent container of ``path`` and the (unescaped) last token, or None if absent."""
    if not path.startswith("/"):
        return None
    tokens = path[1:].split("/")
    current: Any = root
    for raw in tokens[:-1]:
        token = _unescape(raw)
        if isinstance(current, dict):
            nxt = current.get(token)
        elif isinstance(current, list):
            try:
                nxt = current[_list_position(current, token)]
            except _PatchError:
                return None
        else:
            return None
        if not isinstance(nxt, dict | list):
            return None
        current = nxt
    if not isinstance(current, dict | list):
        return None
    return current, _unescape(tokens[-1])


def _get(container: dict[str, Any] | list[Any], key: str) -> tuple[bool, Any]:
    """(present, value) of a member; raises for a bad array index."""
    if isinstance(container, dict):
        return key in container, container.get(key)
    return True, container[_list_position(container, key)]


def _add(container: dict[str, Any] | list[Any], key: str, value: Any) -> None:
    if isinstance(container, dict):
        container[key] = value
        return
    if key == "-":
        container.append(value)
        return
    with _prefixed(f"value was not a proper array index: '{key}'"):
        idx = _parse_index(key)
    size = len(container) + 1
    if idx >= size or idx < -size:
        raise _PatchError(f"Unable to access invalid index: {idx}: {_INVALID_INDEX}")
    if idx < 0:
        idx += size
    container.insert(idx, value)


def _remove(container: dict[str, Any] | list[Any], key: str) -> Any:
    if isinstance(container, dict):
        if key not in container:
            raise _PatchError(f"Unable to remove nonexistent key: {key}: {_MISSING}")
        return container.pop(key)
    return container.pop(_list_position(container, key))


# --- operations -------------------------------------------------------------------------------

class _Op:
    __slots__ = ("raw",)

    def __init__(self, raw: dict[str, Any] | None) -> None:
        self.raw = raw or {}

    @property
    def kind(self) -> str:
        op = self.raw.get("op")
        return op if isinstance(op, str) else "unknown"

    def _string(self, name: str, missing: str) -> str:
        value = self.raw.get(name)
        if value is None:
            raise _PatchError(missing)
        if not isinstance(value, str):
            raise _PatchError(f"json: cannot unmarshal {go_json_kind(value)} into Go value of type string")
        return value

    def path(self, op: str) -> str:
        with _prefixed(f"{op} operation failed to decode path"):
            path = self._string("path", f"operation missing path field: {_MISSING}")
        return path

    def from_(self, op: str) -> str:
        with _prefixed(f"{op} operation failed to decode from"):
            source = self._string("from", f"operation, missing from field: {_MISSING}")
        return source

    def value(self) -> Any:
        return copy_json(self.raw.get("value"))


class _Applier:
    def __init__(self, doc: Any) -> None:
        self.root = doc
        self.copied = 0

    def apply(self, op: _Op) -> None:
        kind = op.kind
        handler = self._HANDLERS.get(kind)
        if handler is None:
            raise _PatchError(f"Unexpected kind: {kind}")
        handler(self, op)

    def _parent(self, path: str, missing: str) -> tuple[dict[str, Any] | list[Any], str]:
        """:func:`_find_container` of ``path``; ``missing`` is the error when there is none."""
        found = _find_container(self.root, path)
        if found is None:
            raise _PatchError(missing)
        return found

    def add(self, op: _Op) -> None:
        path = op.path("add")
        container, key = self._parent(path, _missing("add", "path", f'"{path}"'))
        with _prefixed(f"error in add for path: '{path}'"):
            _add(container, key, op.value())

    def remove(self, op: _Op) -> None:
        path = op.path("remove")
        container, key = self._parent(path, _missing("remove", "path", f'"{path}"'))
        with _prefixed(f"error in remove for path: '{path}'"):
            _remove(container, key)

    def replace(self, op: _Op) -> None:
        path = op.path("replace")
        if path == "":
            value = op.value()
            if not isinstance(value, dict | list):
                raise _PatchError("replace operation value must be object or array")
            self.root = value
            return
        container, key = self._parent(path, _missing("replace", "path", path))
        if isinstance(container, dict):
            container[key] = op.value()
            return
        try:
            idx = _list_position(container, key)
        except _PatchError:
            raise _PatchError(
                f"replace operation does not apply: doc is missing key: {path}: {_MISSING}") from None
        container[idx] = op.value()

    def move(self, op: _Op) -> None:
        source = op.from_("move")
        container, key = self._parent(source, _missing("move", "from path", source))
        with _prefixed(f"error in move for path: '{key}'"):
            value = _remove(container, key)
        path = op.path("move")
        container, key = self._parent(path, _missing("move", "destination path", path))
        with _prefixed(f"error in move for path: '{path}'"):
            _add(container, key, value)

    def copy(self, op: _Op) -> None:
        source = op.from_("copy")
        container, key = self._parent(source, _missing("copy", "from path", source))
        with _prefixed(f"error in copy for from: '{source}'"):
            present, value = _get(container, key)
        if not present:
            raise _PatchError(_missing("copy", "from path", source))
        path = op.path("copy")
        container, key = self._parent(path, _missing("copy", "destination path", path))
        self.copied += _serialized_size(value)
        if self.copied > MAX_COPY_BYTES:
            raise _PatchError(
                "Unable to complete the copy, the accumulated size increase of copy is "
                f"{self.copied}, exceeding the limit {MAX_COPY_BYTES}")
        with _prefixed("error while adding value during copy"):
            _add(container, key, copy_json(value))

    def test(self, op: _Op) -> None:
        path = op.path("test")
        has_value = op.raw.get("value") is not None
        expected = op.raw.get("value")
        if path == "":
            if has_value and json_equal(self.root, expected):
                return
            raise _PatchError(f"testing value {path} failed: test failed")
        container, key = self._parent(path, f"test operation does not apply: is missing path: {path}: {_MISSING}")
        with _prefixed(f"error in test for path: '{path}'"):
            _, actual = _get(container, key)
        if actual is None:
            if not has_value:
                return
        elif has_value and json_equal(actual, expected):
            return
        raise _PatchError(f"testing value {path} failed: test failed")

    _HANDLERS = {
        "add": add,
        "remove": remove,
        "replace": replace,
        "move": move,
        "copy": copy,
        "test": test,
    }


def _serialized_size(value: Any) -> int:
    try:
        return len(orjson.dumps(value))
    except TypeError:
        return len(json.dumps(value, separators=(",", ":")))


def apply_json_patch(doc: Any, ops: Any) -> Any:
    """Apply the RFC 6902 operations ``ops`` to ``doc`` and return the patched copy.

    Raises :class:`StatusError`: 400 for a malformed patch document, 413 for more than
    :data:`MAX_JSON_PATCH_OPERATIONS` operations, 422 (:func:`json_patch_failed`) when an
    operation does not apply.
    """
    if ops is None:
        return copy_json(doc)
    if not isinstance(ops, list):
        raise bad_request(
            f"json: cannot unmarshal {go_json_kind(ops)} into Go value of type jsonpatch.Patch")
    for op in ops:
        if op is not None and not isinstance(op, dict):
            raise bad_request(
                f"json: cannot unmarshal {go_json_kind(op)} into Go value of type jsonpatch.Operation")
    if len(ops) > MAX_JSON_PATCH_OPERATIONS:
        raise request_entity_too_large(
            f"Request entity too large: The allowed maximum operations in a JSON patch is "
            f"{MAX_JSON_PATCH_OPERATIONS}, got {len(ops)}")
    try:
        applier = _Applier(copy_json(doc))
        for op in ops:
            applier.apply(_Op(op))
    except _PatchError as e:
        raise json_patch_failed(str(e)) from None
    except RecursionError:
        raise too_deep() from None
    return applier.root
