"""``metadata.managedFields`` for non-apply writes: who last set which field.

Every create, update and patch is an ``Update`` operation by its field manager. The manager
gains the fields its write changed; other managers lose them; fields that no longer exist are
dropped from everyone. Field sets use upstream's FieldsV1 encoding (``f:name``,
``k:{"name":"x"}`` for keyed list items, ``v:"x"`` for set members, ``.`` for the node itself).
Server-side apply (a later issue) builds on the same path sets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from kapi.machinery.schema import SchemaNode

Obj = dict[str, Any]
Path = tuple[str, ...]

_SYSTEM_META = frozenset({"uid", "resourceVersion", "creationTimestamp", "generation", "managedFields",
                          "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds", "name", "namespace"})


def flatten(obj: Obj, node: SchemaNode | None) -> dict[Path, bytes | None]:
    """Every field path of ``obj`` mapped to its leaf value's bytes (None for membership markers)."""
    out: dict[Path, bytes | None] = {}
    for key, value in obj.items():
        if key in ("apiVersion", "kind"):
            continue
        child = node.prop(key) if node is not None else None
        if key == "metadata" and isinstance(value, dict):
            sub = {k: v for k, v in value.items() if k not in _SYSTEM_META}
            if sub:
                _fields(sub, child, ("f:metadata",), out, 1)
            continue
        _value(value, child, (f"f:{key}",), out, 1)
    return out


def _fields(obj: Obj, node: SchemaNode | None, prefix: Path, out: dict[Path, bytes | None], depth: int) -> None:
    for key, value in obj.items():
        child = node.prop(key) if node is not None else None
        _value(value, child, (*prefix, f"f:{key}"), out, depth + 1)


def _value(value: Any, node: SchemaNode | None, path: Path, out: dict[Path, bytes | None], depth: int) -> None:
    if isinstance(value, dict) and value and not (node is not None and node.map_type == "atomic"):
        if node is None or node.is_map or depth >= 3:
            out[(*path, ".")] = None
        _fields(value, node, path, out, depth)
        return
    if isinstance(value, list) and value and node is not None:
        items = node.items()
        keys = node.list_map_keys or ([node.patch_merge_key] if node.patch_merge_key else [])
        if keys and all(isinstance(i, dict) for i in value):
            for item in value:
                ident = {k: item[k] for k in sorted(keys) if k in item}
                kp = (*path, "k:" + orjson.dumps(ident).decode())
                out[(*kp, ".")] = None
                _fields(item, items, kp, out, depth + 1)
            return
        strategy = node.patch_strategy or ""
        if node.list_type == "set" or ("merge" in strategy and not keys):
            for item in value:
                out[(*path, "v:" + orjson.dumps(item).decode())] = None
            return
    out[path] = orjson.dumps(value)


def fields_v1(obj: Obj, node: SchemaNode | None) -> Obj:
    """``to_fields_v1(set(flatten(obj, node)))`` in one pass, for creates (no previous owners)."""
    out: Obj = {}
    info = _info(node) if node is not None else None
    # FieldsV1 keys are sorted; "f:" + key sorts as key does, so sort the field names once and
    # insert in that order instead of re-sorting the built dict.
    for key in sorted(obj):
        if key == "apiVersion" or key == "kind":
            continue
        value = obj[key]
        child = info.child(key) if info is not None else None
        if key == "metadata" and isinstance(value, dict):
            # metadata's own fields keep their order (as before): only nested objects are sorted
            sub = {"f:" + k: _fv_value(v, child.child(k) if child is not None else None, 2)
                   for k, v in value.items() if k not in _SYSTEM_META}
            if sub:
                out["f:metadata"] = sub
            continue
        out["f:" + key] = _fv_value(value, child, 1)
    return out


_UNSEEN: Any = object()


class _NodeInfo:
    """What fields_v1 asks of a SchemaNode, computed once per node (see :func:`_info`)."""

    __slots__ = ("_additional", "_items", "atomic_map", "children", "is_map", "keys", "node", "plans", "set_like",
                 "sorted_keys")

    def __init__(self, node: SchemaNode) -> None:
        self.node = node
        self.atomic_map = node.map_type == "atomic"
        self.is_map = node.is_map
        self._items: _NodeInfo | None = _UNSEEN  # lazy: schemas may be recursive
        self.keys = node.list_map_keys or ([node.patch_merge_key] if node.patch_merge_key else [])
        self.sorted_keys = sorted(self.keys)
        strategy = node.patch_strategy or ""
        self.set_like = node.list_type == "set" or ("merge" in strategy and not self.keys)
        self.children: dict[str, _NodeInfo | None] = {}
        self._additional: _NodeInfo | None = _UNSEEN
        self.plans: dict[tuple[str, ...], tuple[tuple[str, str, _NodeInfo | None], ...]] = {}

    def items(self) -> _NodeInfo | None:
        if self._items is _UNSEEN:
            items = self.node.items()
            self._items = _info(items) if items is not None else None
        return self._items

    def child(self, key: str) -> _NodeInfo | None:
        """The info of ``node.prop(key)``; as there, only declared properties are cached."""
        c = self.children.get(key, _UNSEEN)
        if c is not _UNSEEN:
            return c
        if self.node.properties.get(key) is None:
            if self._additional is _UNSEEN:
                extra = self.node.additional()
                self._additional = _info(extra) if extra is not None else None
            return self._additional
        n = self.node.prop(key)
        c = self.children[key] = _info(n) if n is not None else None
        return c


# SchemaNode has __slots__ and no weakref slot, so the memo is keyed by id() and holds the node
# itself (so that the id cannot be reused while the entry lives); cleared when it grows large, as
# schemas of deleted or updated CRDs would otherwise stay alive.
_INFO: dict[int, tuple[SchemaNode, _NodeInfo]] = {}
_INFO_MAX = 4096
_PLANS_MAX = 8


def _info(node: SchemaNode) -> _NodeInfo:
    hit = _INFO.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    if len(_INFO) >= _INFO_MAX:
        _INFO.clear()
    info = _NodeInfo(node)
    _INFO[id(node)] = (node, info)
    return info


def _fv_fields(obj: Obj, info: _NodeInfo | None, depth: int, marker: bool) -> Obj:
    """The sorted FieldsV1 of an object's fields, led by ``"."`` when ``marker`` ("." sorts first)."""
    out: Obj = {".": {}} if marker else {}
    depth += 1
    for key, fkey, child in _plan(obj, info):
        value = obj[key]
        t = type(value)
        if t is dict and value:  # _fv_value's first case, inlined: the common nested object
            out[fkey] = {} if child is not None and child.atomic_map else _fv_fields(
                value, child, depth, child is None or child.is_map or depth >= 3)
        elif t is dict or t is list or (t is not str and isinstance(value, dict | list)):
            out[fkey] = _fv_value(value, child, depth)
        else:  # scalars (most fields) are leaves whatever their schema
            out[fkey] = {}
    return out


def _plan(obj: Obj, info: _NodeInfo | None) -> Sequence[tuple[str, str, _NodeInfo | None]]:
    """``(key, "f:" + key, child info)`` for ``obj``'s fields in sorted order; memoised per node and
    key set, since objects of one schema mostly repeat a few shapes (a few per node at most, as map
    keys vary freely)."""
    if info is None:
        return [(k, "f:" + k, None) for k in sorted(obj)]
    shape = tuple(obj)
    plan = info.plans.get(shape)
    if plan is None:
        plan = tuple((k, "f:" + k, info.child(k)) for k in sorted(obj))
        if len(info.plans) < _PLANS_MAX:
            info.plans[shape] = plan
    return plan


def _fv_value(value: Any, info: _NodeInfo | None, depth: int) -> Obj:
    if isinstance(value, dict):
        if value and not (info is not None and info.atomic_map):
            return _fv_fields(value, info, depth, info is None or info.is_map or depth >= 3)
        return {}
    if isinstance(value, list) and value and info is not None:
        keys = info.keys
        if keys and all(isinstance(i, dict) for i in value):
            sorted_keys = info.sorted_keys
            items = info.items()
            entries = []
            for item in value:
                ident = {k: item[k] for k in sorted_keys if k in item}
                entries.append(("k:" + orjson.dumps(ident).decode(), _fv_fields(item, items, depth + 1, True)))
            entries.sort(key=_first)
            return dict(entries)
        if info.set_like:
            return dict(sorted(("v:" + orjson.dumps(item).decode(), {}) for item in value))
    return {}


def _first(pair: tuple[str, Obj]) -> str:
    return pair[0]


def to_fields_v1(paths: set[Path]) -> Obj:
    root: Obj = {}
    for path in sorted(paths):
        cur = root
        for part in path:
            cur = cur.setdefault(part, {})
    return root


def from_fields_v1(fields: Any) -> set[Path]:
    out: set[Path] = set()

    def walk(d: Any, prefix: Path) -> None:
        if not isinstance(d, dict):
            return
        for key, val in d.items():
            p = (*prefix, key)
            if isinstance(val, dict) and val:
                walk(val, p)
            else:
                out.add(p)

    walk(fields, ())
    return out


def record(obj: Obj, node: SchemaNode | None, *, manager: str, operation: str, api_version: str, now: str,
           old: Obj | None, subresource: str = "") -> None:
    """Update ``obj``'s managedFields for a write by ``manager`` (``old`` is None on create)."""
    meta = obj.setdefault("metadata", {})
    if old is None:
        fields = fields_v1(obj, node)
        if fields:
            entry: Obj = {"manager": manager, "operation": operation, "apiVersion": api_version, "time": now,
                          "fieldsType": "FieldsV1", "fieldsV1": fields}
            if subresource:
                entry["subresource"] = subresource
            meta["managedFields"] = [entry]
        else:
            meta.pop("managedFields", None)
        return
    new_flat = flatten(obj, node)
    if old is None:
        changed = set(new_flat)
        entries: list[Obj] = []
    else:
        old_flat = flatten(old, node)
        changed = {p for p, v in new_flat.items() if p not in old_flat or old_flat[p] != v}
        entries = [e for e in ((old.get("metadata") or {}).get("managedFields") or []) if isinstance(e, dict)]
    alive = set(new_flat)
    result: list[Obj] = []
    mine: Obj | None = None
    for entry in entries:
        same = (entry.get("manager") == manager and entry.get("operation") == operation
                and entry.get("subresource", "") == subresource)
        paths = from_fields_v1(entry.get("fieldsV1")) & alive
        if same:
            mine = entry
            continue
        paths -= changed
        if not paths:
            continue
        result.append({**entry, "fieldsV1": to_fields_v1(paths)})
    mine_paths = (from_fields_v1(mine.get("fieldsV1")) & alive if mine else set()) | changed
    if not changed and mine is not None:
        result.append({**mine, "fieldsV1": to_fields_v1(mine_paths)})
    elif mine_paths:
        entry = {"manager": manager, "operation": operation, "apiVersion": api_version, "time": now,
                 "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(mine_paths)}
        if subresource:
            entry["subresource"] = subresource
        result.append(entry)
    if result:
        meta["managedFields"] = result
    else:
        meta.pop("managedFields", None)
