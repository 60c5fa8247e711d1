"""RFC 7386 JSON merge patch (``application/merge-patch+json``), plus small JSON-value helpers.

Behaviour follows what kube-apiserver does with ``gopkg.in/evanphx/json-patch.v4``'s
``MergePatch``:

* objects merge recursively, a ``null`` member deletes the key;
* any non-object patch value replaces the target value wholesale;
* ``null`` members inside values that are *placed* rather than merged (a new key, a replaced
  value, objects inside a patched array) are dropped, so a merge patch never stores an explicit
  ``null`` in an object;
* a top-level patch that is ``null`` or a scalar is refused with 400 ``Invalid JSON Patch``
  (upstream cannot decode it as a document); a top-level array replaces the document.

The helpers :func:`copy_json` and :func:`json_equal` are shared by the other patch modules.
"""

from __future__ import annotations

from typing import Any

from kapi.machinery.errors import StatusError, bad_request

__all__ = [
    "apply_merge_patch",
    "copy_json",
    "create_merge_patch",
    "json_equal",
    "too_deep",
]


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON value (dicts, lists and immutable scalars only)."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values: like ``==`` but ``true`` is not ``1`` and ``false`` is not ``0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict):
        if not isinstance(b, dict) or len(a) != len(b):
            return False
        return all(k in b and json_equal(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            return False
        return all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(b, dict | list):
        return False
    return bool(a == b)


def too_deep() -> StatusError:
    """The error for documents nested beyond what the recursive patch code can walk."""
    return bad_request("the patch or the object it applies to is nested too deeply")


def _pruned(value: Any) -> Any:
    """A copy of ``value`` with ``null`` members removed from every object in it."""
    if isinstance(value, dict):
        return {k: _pruned(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def _merge_into(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, pv in patch.items():
        if pv is None:
            target.pop(key, None)
            continue
        if isinstance(pv, dict):
            current = target.get(key)
            if isinstance(current, dict):
                _merge_into(current, pv)
                continue
        target[key] = _pruned(pv)


def apply_merge_patch(doc: Any, patch: Any) -> Any:
    """Apply a JSON merge patch; returns a new document and never mutates ``doc`` or ``patch``.

    Raises :class:`StatusError` 400 ``Invalid JSON Patch`` for a top-level ``null`` or scalar
    patch, as kube-apiserver does.
    """
    if isinstance(patch, list):
        try:
            return _pruned(patch)
        except RecursionError:
            raise too_deep() from None
    if not isinstance(patch, dict):
        raise bad_request("Invalid JSON Patch")
    try:
        result: dict[str, Any] = copy_json(doc) if isinstance(doc, dict) else {}
        _merge_into(result, patch)
    except RecursionError:
        raise too_deep() from None
    return result


def create_merge_patch(original: Any, modified: Any) -> Any:
    """The merge patch that turns ``original`` into ``modified``.

    ``apply_merge_patch(original, create_merge_patch(original, modified)) == modified`` whenever
    ``modified`` is an object holding no ``null`` members (merge patch cannot express those).
    """
    if not isinstance(original, dict) or not isinstance(modified, dict):
        return copy_json(modified)
    patch: dict[str, Any] = {}
    for key in original:
        if key not in modified:
            patch[key] = None
    for key, mv in modified.items():
        if key not in original:
            patch[key] = copy_json(mv)
            continue
        ov = original[key]
        if isinstance(ov, dict) and isinstance(mv, dict):
            sub = create_merge_patch(ov, mv)
            if sub:
                patch[key] = sub
        elif not json_equal(ov, mv):
            patch[key] = copy_json(mv)
    return patch
