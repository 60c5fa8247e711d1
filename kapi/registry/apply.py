"""Server-side apply (``application/apply-patch+yaml``).

An apply sends the manager's whole intent for the object. The server:
1. merges that configuration into the live object (maps by key, ``x-kubernetes-list-type: map``
   lists and merge-keyed lists by key, sets by value, everything else replaced);
2. removes fields the manager applied before but no longer applies, unless another manager
   owns them too;
3. refuses (409, ``FieldManagerConflict`` causes) to change a value another manager owns,
   unless ``force=true``, which moves the ownership;
4. records the applied field set as the manager's ``Apply`` entry in ``managedFields``.
Field sets are the FieldsV1 path sets of ``managedfields``.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import orjson

from kapi.machinery import errors
from kapi.machinery.errors import StatusError
from kapi.registry.managedfields import Path, flatten, from_fields_v1, to_fields_v1

if TYPE_CHECKING:
    from kapi.machinery.schema import SchemaNode
    from kapi.registry.results import WriteResult
    from kapi.registry.service import ResourceService
    from kapi.registry.strategy import RequestContext

Obj = dict[str, Any]


# --- merging -------------------------------------------------------------------------------

def _keys_of(node: SchemaNode | None) -> list[str]:
    if node is None:
        return []
    return list(node.list_map_keys or ([node.patch_merge_key] if node.patch_merge_key else []))


def merge(live: Any, applied: Any, node: SchemaNode | None) -> Any:
    """The live value with the applied configuration laid over it."""
    if isinstance(applied, dict) and isinstance(live, dict) and not (node is not None and node.map_type == "atomic"):
        out = dict(live)
        for key, value in applied.items():
            child = node.prop(key) if node is not None else None
            out[key] = merge(live[key], value, child) if key in live else copy.deepcopy(value)
        return out
    if isinstance(applied, list) and isinstance(live, list) and node is not None and node.is_array:
        items = node.items()
        keys = _keys_of(node)
        strategy = node.patch_strategy or ""
        if keys and (node.list_type == "map" or "merge" in strategy) and all(isinstance(i, dict) for i in applied):
            out = [copy.deepcopy(i) for i in live]
            index = {_ident(i, keys): n for n, i in enumerate(out) if isinstance(i, dict)}
            for item in applied:
                at = index.get(_ident(item, keys))
                if at is None:
                    out.append(copy.deepcopy(item))
                else:
                    out[at] = merge(out[at], item, items)
            return out
        if node.list_type == "set" or ("merge" in strategy and not keys):
            out = list(live)
            out.extend(v for v in applied if v not in out)
            return out
    return copy.deepcopy(applied)


def fill_list_keys(applied: Any, defaulted: Any, node: SchemaNode | None) -> None:
    """Give items of keyed lists the key fields defaulting would give them (a port's ``protocol``).

    Only keys: the rest of an apply configuration must stay as sent, or the applier would own
    (and fight over) every defaulted field, such as a Deployment's ``replicas``.
    """
    if node is None:
        return
    if isinstance(applied, dict) and isinstance(defaulted, dict):
        for key, value in applied.items():
            if key in defaulted:
                fill_list_keys(value, defaulted[key], node.prop(key))
    elif isinstance(applied, list) and isinstance(defaulted, list) and node.is_array:
        keys = _keys_of(node)
        items = node.items()
        for mine, theirs in zip(applied, defaulted, strict=False):
            if isinstance(mine, dict) and isinstance(theirs, dict):
                for k in keys:
                    if k not in mine and k in theirs:
                        mine[k] = theirs[k]
                fill_list_keys(mine, theirs, items)


def _ident(item: Obj, keys: list[str]) -> str:
    return orjson.dumps({k: item.get(k) for k in sorted(keys)}).decode()


# --- removing what a manager no longer applies ---------------------------------------------------

def remove_path(obj: Any, path: Path) -> None:
    """Delete the field a FieldsV1 path names (``.`` names the node itself)."""
    if path and path[-1] == ".":
        path = path[:-1]
    if not path:
        return
    parent = _walk(obj, path[:-1])
    last = path[-1]
    if parent is None:
        return
    if last.startswith("f:") and isinstance(parent, dict):
        parent.pop(last[2:], None)
    elif last.startswith("k:") and isinstance(parent, list):
        want = orjson.loads(last[2:])
        parent[:] = [i for i in parent if not (isinstance(i, dict) and all(i.get(k) == v for k, v in want.items()))]
    elif last.startswith("v:") and isinstance(parent, list):
        value = orjson.loads(last[2:])
        parent[:] = [i for i in parent if i != value]


def _removal_order(path: Path) -> tuple[int, str]:
    depth = len(path) - 1 if path and path[-1] == "." else len(path)
    return depth, "/".join(path)


def _walk(obj: Any, path: Path) -> Any:
    cur = obj
    for part in path:
        if part.startswith("f:") and isinstance(cur, dict):
            cur = cur.get(part[2:])
        elif part.startswith("k:") and isinstance(cur, list):
            want = orjson.loads(part[2:])
            cur = next((i for i in cur if isinstance(i, dict) and all(i.get(k) == v for k, v in want.items())),
                       None)
        else:
            return None
        if cur is None:
            return None
    return cur


def path_string(path: Path) -> str:
    """Upstream's way of printing a field path in conflict messages: ``.spec.containers[name="x"].image``."""
    out = ""
    for part in path:
        if part == ".":
            continue
        if part.startswith("f:"):
            out += "." + part[2:]
        elif part.startswith("k:"):
            ident = orjson.loads(part[2:])
            out += "[" + ",".join(f"{k}={orjson.dumps(v).decode()}" for k, v in ident.items()) + "]"
        elif part.startswith("v:"):
            out += "[=" + part[2:] + "]"
    return out


# --- the apply operation -----------------------------------------------------------------------------

def _entries(obj: Obj) -> list[Obj]:
    return [e for e in ((obj.get("metadata") or {}).get("managedFields") or []) if isinstance(e, dict)]


def _leaves(paths: dict[Path, bytes | None]) -> set[Path]:
    return {p for p, v in paths.items() if v is not None}


def _conflicts(live: Obj, applied_flat: dict[Path, bytes | None], manager: str,
               live_flat: dict[Path, bytes | None]) -> dict[str, list[Path]]:
    """Per other manager (``"name" using apiVersion``), the applied leaves whose value would change."""
    out: dict[str, list[Path]] = {}
    changing = {p for p in _leaves(applied_flat) if p in live_flat and live_flat[p] != applied_flat[p]}
    if not changing:
        return out
    for entry in _entries(live):
        if entry.get("manager") == manager and entry.get("operation") == "Apply":
            continue
        owned = from_fields_v1(entry.get("fieldsV1")) & changing
        if owned:
            out.setdefault(f'"{entry.get("manager")}" using {entry.get("apiVersion")}', []).extend(sorted(owned))
    return out


def conflict_error(group: str, plural: str, name: str, conflicts: dict[str, list[Path]]) -> StatusError:
    total = sum(len(v) for v in conflicts.values())
    causes = []
    lines = []
    for who, paths in conflicts.items():
        for p in paths:
            causes.append({"reason": "FieldManagerConflict", "message": f"conflict with {who}",
                           "field": path_string(p)})
        if len(paths) == 1 and len(conflicts) == 1:
            lines.append(f"conflict with {who}: {path_string(paths[0])}")
        else:
            lines.append(f"conflicts with {who}:\n" + "\n".join(f"- {path_string(p)}" for p in paths))
    noun = "conflict" if total == 1 else "conflicts"
    message = f"Apply failed with {total} {noun}: " + "\n".join(lines)
    details = {"name": name, "kind": plural, "causes": causes}
    if group:
        details["group"] = group
    return StatusError(409, "Conflict", message, details=details)


def apply_managed_fields(live: Obj | None, new: Obj, applied_flat: dict[Path, bytes | None], *, manager: str,
                         api_version: str, now: str, force: bool, node: SchemaNode | None) -> None:
    """Give ``manager`` the applied fields; with ``force`` others lose those whose value changed."""
    applied_set = set(applied_flat)
    alive = set(flatten(new, node))
    result: list[Obj] = []
    changed: set[Path] = set()
    if live is not None:
        live_flat_vals = flatten(live, node)
        changed = {p for p in _leaves(applied_flat) if live_flat_vals.get(p) != applied_flat[p]}
        for entry in _entries(live):
            if entry.get("manager") == manager and entry.get("operation") == "Apply":
                continue
            paths = from_fields_v1(entry.get("fieldsV1")) & alive
            if force:
                paths -= changed
            if any(p[-1] != "." for p in paths):  # an entry left with only membership markers owns nothing
                result.append({**entry, "fieldsV1": to_fields_v1(paths)})
    result.append({"manager": manager, "operation": "Apply", "apiVersion": api_version, "time": now,
                   "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(applied_set)})
    new.setdefault("metadata", {})["managedFields"] = result


async def apply_patch(svc: ResourceService, ctx: RequestContext, name: str, body: Any, *, force: bool,
                      field_validation: str | None) -> WriteResult:
    if not isinstance(body, dict):
        raise errors.bad_request("the apply configuration must be an object")
    for key in ("apiVersion", "kind"):
        if not body.get(key):
            raise errors.bad_request(f"{key} must be set in the apply configuration")
    meta = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    if meta.get("name") not in (None, name):
        raise errors.bad_request(f"the name of the object ({meta.get('name')}) does not match the name on the "
                                 f"URL ({name})")
    applied = svc.check_body(ctx, copy.deepcopy(body), field_validation=field_validation)
    am = applied.setdefault("metadata", {})
    am["name"] = name
    if svc.rt.namespaced:
        if am.get("namespace") not in (None, ctx.namespace):
            raise errors.bad_request("the namespace of the provided object does not match the namespace sent "
                                     "on the request")
        am["namespace"] = ctx.namespace
    for key in ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation"):
        am.pop(key, None)
    manager = ctx.field_manager or ""
    defaulted = copy.deepcopy(applied)
    svc.strategy.default(defaulted)
    fill_list_keys(applied, defaulted, svc.schema)
    applied_flat = flatten(applied, svc.schema)
    for _attempt in range(16):
        kv = await svc.store.get(svc.key(ctx.namespace, name))
        if kv is None:
            new = copy.deepcopy(applied)
            apply_managed_fields(None, new, applied_flat, manager=manager, api_version=svc.rt.api_version,
                                 now=ctx.now, force=force, node=svc.schema)
            ctx.managed_fields_done = True
            return await svc.create(ctx, new, field_validation="Ignore")
        live = svc.load(kv.value)
        live_flat = flatten(live, svc.schema)
        if not force:
            conflicts = _conflicts(live, applied_flat, manager, live_flat)
            if conflicts:
                raise conflict_error(svc.rt.group, svc.rt.plural, name, conflicts)
        new = merge(live, applied, svc.schema)
        # fields this manager applied last time and dropped now go, unless someone else owns them
        previous: set[Path] = set()
        others: set[Path] = set()
        for entry in _entries(live):
            paths = from_fields_v1(entry.get("fieldsV1"))
            if entry.get("manager") == manager and entry.get("operation") == "Apply":
                previous = paths
            else:
                others |= paths
        # whole nodes first (a list item is found by its key fields, which removing them one by one loses)
        for path in sorted(previous - set(applied_flat) - others, key=_removal_order):
            remove_path(new, path)
        apply_managed_fields(live, new, applied_flat, manager=manager, api_version=svc.rt.api_version,
                             now=ctx.now, force=force, node=svc.schema)
        new["metadata"]["resourceVersion"] = str(kv.revision)
        ctx.managed_fields_done = True
        try:
            return await svc.write_update(ctx, name, new, kv)
        except StatusError as exc:
            if exc.reason == "Conflict" and "modified" in exc.message:
                continue
            raise
    raise errors.conflict(svc.rt.group, svc.rt.plural, name)
