"""``metadata.managedFields`` for non-apply writes: who last set which field.

Every create, update and patch is an ``Update`` operation by its field manager. The manager
gains the fields its write changed; other managers lose them; fields that no longer exist are
dropped from everyone. Field sets use upstream's FieldsV1 encoding (``f:name``,
``k:{"name":"x"}`` for keyed list items, ``v:"x"`` for set members, ``.`` for the node itself).
Server-side apply (a later issue) builds on the same path sets.
"""

from __future__ import annotations

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
    for key, value in obj.items():
        if key in ("apiVersion", "kind"):
            continue
        child = node.prop(key) if node is not None else None
        if key == "metadata" and isinstance(value, dict):
            sub = {k: v for k, v in value.items() if k not in _SYSTEM_META}
            if sub:
                out["f:metadata"] = _fv_fields(sub, child, 1)
            continue
        out[f"f:{key}"] = _fv_value(value, child, 1)
    return dict(sorted(out.items()))


def _fv_fields(obj: Obj, node: SchemaNode | None, depth: int) -> Obj:
    out: Obj = {}
    for key, value in obj.items():
        child = node.prop(key) if node is not None else None
        out[f"f:{key}"] = _fv_value(value, child, depth + 1)
    return out


def _fv_value(value: Any, node: SchemaNode | None, depth: int) -> Obj:
    if isinstance(value, dict) and value and not (node is not None and node.map_type == "atomic"):
        out = _fv_fields(value, node, depth)
        if node is None or node.is_map or depth >= 3:
            out["."] = {}
        return dict(sorted(out.items()))
    if isinstance(value, list) and value and node is not None:
        items = node.items()
        keys = node.list_map_keys or ([node.patch_merge_key] if node.patch_merge_key else [])
        if keys and all(isinstance(i, dict) for i in value):
            out = {}
            for item in value:
                ident = {k: item[k] for k in sorted(keys) if k in item}
                entry = _fv_fields(item, items, depth + 1)
                entry["."] = {}
                out["k:" + orjson.dumps(ident).decode()] = dict(sorted(entry.items()))
            return dict(sorted(out.items()))
        strategy = node.patch_strategy or ""
        if node.list_type == "set" or ("merge" in strategy and not keys):
            return dict(sorted(("v:" + orjson.dumps(item).decode(), {}) for item in value))
    return {}


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
