"""Strategic merge patch (``application/strategic-merge-patch+json``), applied server-side.

Semantics follow apimachinery's ``pkg/util/strategicpatch`` ``StrategicMergeMapPatch`` (merge
options ``MergeParallelList`` and ``IgnoreUnmatchedNulls`` on, as kube-apiserver calls it), with
the patch metadata read from the OpenAPI schema (``x-kubernetes-patch-strategy`` and
``x-kubernetes-patch-merge-key``) through :class:`~kapi.machinery.schema.SchemaNode`:

* objects merge recursively and a ``null`` deletes the key;
* a list whose strategy is ``merge`` merges by its merge key (lists of objects) or as a set
  (lists of scalars); every other list is replaced;
* where the schema is unknown (``None``), objects merge and lists are replaced;
* directives: ``$patch`` (``replace``/``delete``/``merge`` in an object, ``replace``/``delete``
  in a merge-keyed list item), ``$retainKeys``, ``$setElementOrder/<field>``,
  ``$deleteFromPrimitiveList/<field>``.

Ordering is upstream's: merged list items keep the patch's relative order, server-only items
keep the live object's relative order, and the two are interleaved using the live order. An
item the live list did not have goes before every server-only item not yet placed, so a patch
that adds a container to a live list puts it first unless ``$setElementOrder`` says otherwise
(as kube-apiserver does).

Values the patch places rather than merges (new keys, replaced values, appended list items)
are stored without ``null`` members and without directive keys, as the typed decoding that
follows the patch upstream would leave them. Deviation: ``$patch: merge`` in an object is
accepted as the no-op default (upstream rejects it).

Errors are classified as ``handlers/patch.go`` ``interpretStrategicMergePatchError`` does:
400 BadRequest for malformed directives (``invalid patch format of retainKeys`` …), 422 Invalid
(generic message, reason in ``details.causes``) for lists of lists, and everything else — a
missing merge key, an unknown ``$patch`` value, mixed list element types — is passed through
unclassified by upstream, which makes it 500 with no reason and the raw message, e.g.
``map: map[image:nginx] does not contain declared merge key: name``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from kapi.machinery.errors import StatusError, bad_request
from kapi.machinery.jsonpatch import go_json_kind, json_patch_failed
from kapi.machinery.mergepatch import copy_json, json_equal, too_deep
from kapi.machinery.schema import SchemaNode

__all__ = ["apply_strategic_merge_patch"]

_DIRECTIVE = "$patch"
_RETAIN_KEYS = "$retainKeys"
_SET_ELEMENT_ORDER = "$setElementOrder"
_DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList"

# mergepatch's sentinel errors that kube-apiserver answers with 400
ERR_BAD_PRIMITIVE_LIST = "invalid patch format of primitive list"
ERR_BAD_RETAIN_KEYS = "invalid patch format of retainKeys"
ERR_BAD_SET_ELEMENT_ORDER = "invalid patch format of setElementOrder list"
# ... and the ones it answers with 422
ERR_NO_LIST_OF_LISTS = "lists of lists are not supported"

def _unclassified(message: str) -> StatusError:
    """An error upstream leaves unmapped (kube-apiserver answers 500 with the bare message).

    It is the client's patch that is wrong, and a 500 tells clients to retry: kapi answers 400
    BadRequest with upstream's message instead.
    """
    return StatusError(400, "BadRequest", message)


# --- Go-style rendering of values, for messages worded like upstream's ------------------------

def _go_float(value: float) -> str:
    """``fmt`` ``%v`` of a float64: shortest digits, ``%e`` form when the exponent is < -4 or >= 6."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0"
    sign, digit_tuple, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(str(d) for d in digit_tuple)
    prefix = "-" if sign else ""
    point = len(digits) + exponent  # digits before the decimal point
    exp10 = point - 1
    if exp10 < -4 or exp10 >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return prefix + digits + "0" * (point - len(digits))
    return f"{prefix}{digits[:point]}.{digits[point:]}"


def _go(value: Any) -> str:
    """``fmt`` ``%v`` of a decoded JSON value (``map[k:v]``, ``[a b]``, ``<nil>``)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        try:
            return _go_float(float(value))
        except OverflowError:
            return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(_go(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go(value[k])}" for k in sorted(value)) + "]"
    return str(value)


def _bad_arg_type(expected: str, actual: Any) -> StatusError:
    return _unclassified(f"expected a {expected}, but received a {_go_type(actual)}")


def _no_merge_key(item: dict[str, Any], key: str) -> StatusError:
    return _unclassified(f"map: {_go(item)} does not contain declared merge key: {key}")


_MAP_T = "map[string]interface {}"
_SLICE_T = "[]interface {}"


# --- value kinds and equality ----------------------------------------------------------------

def _kind(value: Any) -> str:
    """The Go type a decoded JSON value would have: map, slice, string, float64, bool, nil."""
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list):
        return "slice"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "float64"
    if isinstance(value, str):
        return "string"
    return "nil"


_GO_TYPES = {"map": _MAP_T, "slice": _SLICE_T, "bool": "bool", "float64": "float64", "string": "string"}


def _go_type(value: Any) -> str:
    """How upstream's messages name a decoded value's type (``%T``, or ``%!s(<nil>)`` for nil)."""
    if value is None:
        return "%!s(<nil>)"
    return _GO_TYPES.get(_kind(value)) or type(value).__name__


def _hkey(value: Any) -> Any:
    """A hashable key with JSON equality (``true`` is not ``1``); None for unhashable values."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    if value is None:
        return ("z", None)
    return None


class _Index:
    """First position of each item (by merge-key value, or by value) in a list."""

    __slots__ = ("_fallback", "_map", "_value")

    def __init__(self, items: list[Any], merge_key: str, by_key: bool) -> None:
        self._value: Callable[[Any], Any]
        if by_key:
            self._value = lambda item: item.get(merge_key) if isinstance(item, dict) else None
        else:
            self._value = lambda item: item
        self._map: dict[Any, int] = {}
        self._fallback: list[tuple[int, Any]] = []
        for i, item in enumerate(items):
            v = self._value(item)
            h = _hkey(v)
            if h is None:
                self._fallback.append((i, v))
            elif h not in self._map:
                self._map[h] = i

    def find(self, item: Any) -> int:
        v = self._value(item)
        h = _hkey(v)
        if h is not None:
            return self._map.get(h, -1)
        for i, other in self._fallback:
            if json_equal(v, other):
                return i
        return -1


# --- cleaning values that are placed rather than merged --------------------------------------

_DROP = object()


def _is_directive_key(key: str) -> bool:
    return key.startswith("$") and (
        key in (_DIRECTIVE, _RETAIN_KEYS)
        or key.startswith(_SET_ELEMENT_ORDER)
        or key.startswith(_DELETE_FROM_PRIMITIVE_LIST)
    )


def _clean(value: Any) -> Any:
    """Drop ``null`` members, maps carrying ``$patch`` and directive keys (returns _DROP if the
    value itself is a directive map)."""
    if isinstance(value, dict):
        if _DIRECTIVE in value:
            return _DROP
        out: dict[str, Any] = {}
        for k, v in value.items():
            if v is None or _is_directive_key(k):
                continue
            c = _clean(v)
            if c is not _DROP:
                out[k] = c
        return out
    if isinstance(value, list):
        items = []
        for v in value:
            c = _clean(v)
            if c is not _DROP:
                items.append(c)
        return items
    return value


def _clean_map(value: dict[str, Any]) -> dict[str, Any]:
    """Like :func:`_clean` for a map whose own ``$patch`` has already been handled."""
    cleaned = _clean({k: v for k, v in value.items() if k != _DIRECTIVE})
    assert isinstance(cleaned, dict)
    return cleaned


def _clean_list(value: list[Any]) -> list[Any]:
    """:func:`_clean` for a list (a list is never dropped)."""
    cleaned = _clean(value)
    assert isinstance(cleaned, list)
    return cleaned


def _place(target: dict[str, Any], key: str, value: Any) -> None:
    cleaned = _clean(value)
    if cleaned is _DROP:
        target.pop(key, None)
    else:
        target[key] = cleaned


# --- schema lookups --------------------------------------------------------------------------

def _field_meta(schema: SchemaNode | None, key: str) -> tuple[SchemaNode | None, str, str]:
    """(sub-schema, patch strategy other than retainKeys, merge key) of field ``key``."""
    if schema is None:
        return None, "", ""
    sub = schema.prop(key)
    if sub is None:
        return None, "", ""
    raw = sub.patch_strategy
    strategy = ""
    if raw:
        parts = raw.split(",")
        if len(parts) == 1:
            strategy = "" if parts[0] == "retainKeys" else parts[0]
        elif len(parts) == 2 and "retainKeys" in parts:
            strategy = parts[1] if parts[0] == "retainKeys" else parts[0]
        else:
            raise _unclassified(f"unexpected patch strategy: [{' '.join(parts)}]")
    return sub, strategy, sub.patch_merge_key or ""


def _items(schema: SchemaNode | None) -> SchemaNode | None:
    """The element schema of a list field (an object schema stands for its own elements, as
    upstream's OpenAPI lookup treats a struct pointer declared with a list strategy)."""
    if schema is None:
        return None
    items = schema.items()
    if items is None and not schema.is_array:
        return schema
    return items


def _extract_key(key: str, prefix: str, error: str) -> str:
    head, sep, rest = key.partition("/")
    if not sep or head != prefix:
        raise bad_request(error)
    return rest


# --- maps ------------------------------------------------------------------------------------

def _merge_map(original: dict[str, Any] | None, patch: dict[str, Any],
               schema: SchemaNode | None) -> dict[str, Any]:
    if _DIRECTIVE in patch:
        directive = patch[_DIRECTIVE]
        if directive == "replace":
            return _clean_map(patch)
        if directive == "delete":
            return {}
        if directive != "merge":
            raise _unclassified(f"unknown patch type: {_go(directive)} in map: {_go(patch)}")
        del patch[_DIRECTIVE]

    if original is None:
        original = {}

    _apply_retain_keys(original, patch)
    _apply_set_element_order(original, patch, schema)

    for key, pv in list(patch.items()):
        delete_list = False
        if key.startswith(_DELETE_FROM_PRIMITIVE_LIST):
            key = _extract_key(key, _DELETE_FROM_PRIMITIVE_LIST, ERR_BAD_PRIMITIVE_LIST)
            delete_list = True

        if pv is None:
            original.pop(key, None)
            continue
        if key not in original or _kind(original[key]) != _kind(pv):
            if not delete_list:
                _place(original, key, pv)
            continue

        ov = original[key]
        if isinstance(ov, dict):
            sub, strategy, _ = _field_meta(schema, key)
            if strategy == "replace":
                original[key] = _clean_map(pv)
            else:
                original[key] = _merge_map(ov, pv, sub)
        elif isinstance(ov, list):
            sub, strategy, merge_key = _field_meta(schema, key)
            original[key] = _merge_list_field(ov, pv, sub, strategy, merge_key, delete_list)
        else:
            original[key] = pv
    return original


def _apply_retain_keys(original: dict[str, Any], patch: dict[str, Any]) -> None:
    if _RETAIN_KEYS not in patch:
        return
    retain = patch.pop(_RETAIN_KEYS)
    if not isinstance(retain, list):
        raise bad_request(ERR_BAD_RETAIN_KEYS)
    keep = {v for v in retain if isinstance(v, str)}
    for key, value in patch.items():
        if value is None or key.startswith((_DELETE_FROM_PRIMITIVE_LIST, _SET_ELEMENT_ORDER)):
            continue
        if key not in keep:
            raise bad_request(ERR_BAD_RETAIN_KEYS)
    for key in [k for k in original if k not in keep]:
        del original[key]


# --- lists -----------------------------------------------------------------------------------

class _GoBacking:
    """What upstream's ``originalFieldValue`` slice sees while ``mergeSlice`` works in place.

    Upstream deletes list items with ``append(s[:i], s[i+1:]...)`` and appends new items to the
    shortened slice, both writing into the live list's backing array; ``$setElementOrder`` then
    orders the result against that array. Replaying those writes here keeps the resulting order
    identical to kube-apiserver's (new items can take the place of deleted ones).
    """

    __slots__ = ("items", "length")

    def __init__(self, items: list[Any]) -> None:
        self.items = list(items)
        self.length = len(items)

    def delete_at(self, i: int) -> None:
        self.items[i:self.length - 1] = self.items[i + 1:self.length]
        self.length -= 1

    def append(self, item: Any) -> None:
        if self.length < len(self.items):
            self.items[self.length] = item
        self.length += 1


def _merge_list_field(original: list[Any], patch: list[Any], schema: SchemaNode | None,
                      strategy: str, merge_key: str, delete_list: bool,
                      backing: _GoBacking | None = None) -> list[Any]:
    if strategy == "merge" or delete_list:
        return _merge_list(original, patch, _items(schema), merge_key, delete_list, backing)
    return _clean_list(patch)


def _element_kind(*lists: list[Any]) -> str:
    kind: str | None = None
    for lst in lists:
        for item in lst:
            k = _kind(item)
            if kind is None:
                if k == "slice":
                    raise json_patch_failed(ERR_NO_LIST_OF_LISTS)
                kind = k
            elif k != kind:
                rendered = "[" + " ".join(_go(lst2) for lst2 in lists) + "]"
                raise _unclassified(f"list element types are not identical: {rendered}")
    if kind is None:
        raise _unclassified("no elements in any of the given slices")
    return kind


def _merge_list(original: list[Any], patch: list[Any], schema: SchemaNode | None,
                merge_key: str, delete_list: bool, backing: _GoBacking | None = None) -> list[Any]:
    if not original and not patch:
        return original
    kind = _element_kind(original, patch)

    if kind != "map":
        if delete_list:
            doomed = {_hkey(v) for v in patch}
            return [v for v in original if _hkey(v) not in doomed]
        merged = _dedupe_scalars(original + [v for v in patch])
    else:
        if not merge_key:
            name = schema.name if schema is not None and schema.name else "object"
            raise _unclassified(f"cannot merge lists without merge key for {name}")
        original, patch = _merge_list_special_items(original, patch, merge_key, backing)
        # upstream appends to a new slice header: ``original`` keeps the live order only
        merged = _merge_list_items(list(original), patch, merge_key, schema, backing)

    by_key = kind == "map"
    patch_items, server_only = _split_listed(merged, patch, merge_key, by_key)
    return _normalize_order(patch_items, server_only, patch, original, merge_key, by_key)


def _dedupe_scalars(items: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    out: list[Any] = []
    for item in items:
        h = _hkey(item)
        if h is None:
            if not any(json_equal(item, o) for o in out):
                out.append(item)
        elif h not in seen:
            seen.add(h)
            out.append(item)
    return out


def _require_maps(items: list[Any]) -> None:
    """Every item of a merge-keyed list must be a map (upstream names the first that is not)."""
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise _unclassified(f"value for key {i} is not a map")


def _require_merge_key(item: Any, merge_key: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise _bad_arg_type(_MAP_T, item)
    if merge_key not in item:
        raise _no_merge_key(item, merge_key)
    return item


def _merge_list_special_items(original: list[Any], patch: list[Any], merge_key: str,
                              backing: _GoBacking | None) -> tuple[list[Any], list[Any]]:
    """Apply ``$patch: delete``/``replace`` items; returns (original, patch without them)."""
    plain: list[Any] = []
    replace = False
    for item in patch:
        if _DIRECTIVE not in item:
            plain.append(item)
            continue
        directive = item[_DIRECTIVE]
        if directive == "delete":
            if merge_key not in item:
                raise _no_merge_key(item, merge_key)
            value = item[merge_key]
            _require_maps(original)
            kept = []
            for o in original:
                if merge_key in o and json_equal(o[merge_key], value):
                    if backing is not None:
                        backing.delete_at(len(kept))
                else:
                    kept.append(o)
            original = kept
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise _unclassified("merging lists cannot yet be specified in the patch")
        else:
            raise _unclassified(f"unknown patch type: {_go(directive)} in map: {_go(item)}")
    if replace:
        replacement = _clean_list(plain)
        if backing is not None:
            backing.length = len(backing.items) + 1  # a fresh slice: no further aliasing
        return replacement, []
    return original, plain


def _merge_list_items(original: list[Any], patch: list[Any], merge_key: str,
                      schema: SchemaNode | None, backing: _GoBacking | None) -> list[Any]:
    _require_maps(original)
    positions: dict[Any, int] = {}
    for i, o in enumerate(original):
        if merge_key in o:
            h = _hkey(o[merge_key])
            if h is not None and h not in positions:
                positions[h] = i
    for item in patch:
        if merge_key not in item:
            raise _no_merge_key(item, merge_key)
        value = item[merge_key]
        h = _hkey(value)
        if h is not None:
            found = positions.get(h, -1)
        else:
            found = next((i for i, o in enumerate(original)
                          if merge_key in o and json_equal(o[merge_key], value)), -1)
        if found >= 0:
            original[found] = _merge_map(original[found], item, schema)
        else:
            cleaned = _clean(item)
            if cleaned is _DROP:
                continue
            if h is not None:
                positions[h] = len(original)
            original.append(cleaned)
            if backing is not None:
                backing.append(cleaned)
    return original


def _split_listed(items: list[Any], listing: list[Any], merge_key: str,
                  by_key: bool) -> tuple[list[Any], list[Any]]:
    """``items`` that ``listing`` has (by merge key, or by value) and the others, each in order."""
    index = _Index(listing, merge_key, by_key)
    listed: list[Any] = []
    others: list[Any] = []
    for item in items:
        if by_key:
            _require_merge_key(item, merge_key)
        (listed if index.find(item) >= 0 else others).append(item)
    return listed, others


def _normalize_order(patch_items: list[Any], server_only: list[Any], patch_order: list[Any],
                     server_order: list[Any], merge_key: str, by_key: bool) -> list[Any]:
    """Sort patch items by ``patch_order`` and server-only items by ``server_order``, then
    interleave them the way upstream's ``mergeSortedSlice`` does."""
    patch_items = _sort_by(patch_items, patch_order, merge_key, by_key)
    server_only = _sort_by(server_only, server_order, merge_key, by_key)
    live = _Index(server_order, merge_key, by_key)
    out: list[Any] = []
    i = j = 0
    while i < len(server_only) or j < len(patch_items):
        if j >= len(patch_items):
            out.append(server_only[i])
            i += 1
        elif i >= len(server_only):
            out.append(patch_items[j])
            j += 1
        else:
            li, ri = live.find(server_only[i]), live.find(patch_items[j])
            if li >= 0 and ri >= 0 and li < ri:
                out.append(server_only[i])
                i += 1
            else:
                out.append(patch_items[j])
                j += 1
    return out


def _sort_by(items: list[Any], order: list[Any], merge_key: str, by_key: bool) -> list[Any]:
    deleted: list[Any] = []
    if by_key:
        for lst in (items, order):
            for item in lst:
                _require_merge_key(item, merge_key)
        deleted = [item for item in items if item.get(_DIRECTIVE) == "delete"]
        items = [item for item in items if item.get(_DIRECTIVE) != "delete"]
    index = _Index(order, merge_key, by_key)
    ranked = []
    for item in items:
        pos = index.find(item)
        ranked.append((pos if pos >= 0 else len(order), item))
    ranked.sort(key=lambda pair: pair[0])
    return [item for _, item in ranked] + deleted


# --- $setElementOrder ------------------------------------------------------------------------

def _apply_set_element_order(original: dict[str, Any], patch: dict[str, Any],
                             schema: SchemaNode | None) -> None:
    for directive_key in [k for k in patch if k.startswith(_SET_ELEMENT_ORDER)]:
        order = patch.pop(directive_key)
        if not isinstance(order, list):
            raise _bad_arg_type(_SLICE_T, order)
        key = _extract_key(directive_key, _SET_ELEMENT_ORDER, ERR_BAD_SET_ELEMENT_ORDER)

        found_original, found_patch = key in original, key in patch
        original_list: list[Any] = []
        patch_list: list[Any] = []
        if found_original:
            if not isinstance(original[key], list):
                raise _bad_arg_type(_SLICE_T, original[key])
            original_list = original[key]
        if found_patch:
            if not isinstance(patch[key], list):
                raise _bad_arg_type(_SLICE_T, patch[key])
            patch_list = patch[key]

        sub, strategy, merge_key = _field_meta(schema, key)
        _validate_order(patch_list, order, merge_key)

        server_order = original_list
        if found_original and not found_patch:
            merged = original_list
        elif found_patch and not found_original:
            merged = _clean_list(patch_list)
        elif found_original and found_patch:
            backing = _GoBacking(original_list)
            merged = _merge_list_field(list(original_list), patch_list, sub, strategy, merge_key, False,
                                       backing)
            server_order = backing.items
        else:
            continue

        by_key = bool(merge_key)
        if by_key:
            _require_maps(order)
        in_order, server_only = _split_listed(merged, order, merge_key, by_key)

        kind = _element_kind(original_list, patch_list)
        original[key] = _normalize_order(in_order, server_only, order, server_order, merge_key,
                                         kind == "map")
        patch.pop(key, None)


def _validate_order(patch_list: list[Any], order: list[Any], merge_key: str) -> None:
    """Every (non-deleting) patch item must appear in the order list, in the same order."""
    if not order or not patch_list:
        return
    if merge_key:
        items = []
        for item in patch_list:
            if not isinstance(item, dict):
                raise _bad_arg_type(_MAP_T, item)
            if item.get(_DIRECTIVE) != "delete":
                items.append(item)
    else:
        items = patch_list
    pi = oi = 0
    while pi < len(items) and oi < len(order):
        item = items[pi]
        if isinstance(item, dict) and _DIRECTIVE in item:
            pi += 1
            continue
        if merge_key:
            listed = order[oi]
            if not isinstance(listed, dict):
                raise _bad_arg_type(_MAP_T, listed)
            if merge_key not in item:
                raise _no_merge_key(item, merge_key)
            if merge_key not in listed:
                raise _no_merge_key(listed, merge_key)
            same = json_equal(item[merge_key], listed[merge_key])
        else:
            same = json_equal(item, order[oi])
        if same:
            pi += 1
        oi += 1
    if pi < len(items) and oi >= len(order):
        raise _unclassified(
            f"The order in patch list:\n{_go(patch_list)}\n doesn't match {_SET_ELEMENT_ORDER} list:\n"
            f"{_go(order)}\n")


# --- entry point -----------------------------------------------------------------------------

def apply_strategic_merge_patch(doc: dict[str, Any], patch: dict[str, Any],
                                schema: SchemaNode | None) -> dict[str, Any]:
    """Apply a strategic merge patch to ``doc`` (a new dict is returned; inputs are untouched).

    ``schema`` is the schema of the whole object (e.g. the ``Deployment`` definition) or None.
    Raises :class:`StatusError` (see the module docstring for the codes).
    """
    if patch is None:
        return copy_json(doc) if isinstance(doc, dict) else {}
    if not isinstance(patch, dict):
        raise bad_request(f"json: cannot unmarshal {go_json_kind(patch)} into Go value of type {_MAP_T}")
    try:
        original = copy_json(doc) if isinstance(doc, dict) else {}
        return _merge_map(original, copy_json(patch), schema)
    except RecursionError:
        raise too_deep() from None
