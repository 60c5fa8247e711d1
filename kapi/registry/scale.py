"""The ``scale`` subresource: an ``autoscaling/v1`` Scale view of an object's replicas."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import orjson

from kapi.machinery import errors, meta
from kapi.machinery.errors import FieldError, StatusError
from kapi.registry.patchtypes import PATCH_MERGE, PATCH_STRATEGIC
from kapi.registry.strategy import RequestContext

if TYPE_CHECKING:
    from kapi.registry.service import ResourceService

Obj = dict[str, Any]

_MAX_CAS_RETRIES = 16


class ScaleMixin:
    async def get_scale(self: ResourceService, namespace: str | None, name: str) -> Obj:
        obj = await self.get_obj(namespace, name)
        return self._scale_of(obj)

    def _scale_paths(self: ResourceService) -> Obj | None:
        """A custom resource's scale paths (``.spec.replicas`` style), or None for built-in kinds."""
        paths = self.rt.extra.get("scale")
        return paths if isinstance(paths, dict) else None

    def _scale_of(self: ResourceService, obj: Obj) -> Obj:
        m = obj["metadata"]
        scale_meta = {k: m[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                      if k in m}
        paths = self._scale_paths()
        if paths is not None:
            replicas = _get(obj, paths.get("specReplicasPath", ".spec.replicas"))
            current = _get(obj, paths.get("statusReplicasPath", ".status.replicas"))
            selector = _get(obj, paths["labelSelectorPath"]) if paths.get("labelSelectorPath") else None
            return {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": scale_meta,
                    "spec": {"replicas": replicas if isinstance(replicas, int) else 0},
                    "status": {"replicas": current if isinstance(current, int) else 0,
                               "selector": selector if isinstance(selector, str) else ""}}
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        selector = spec.get("selector")
        if isinstance(selector, dict) and ("matchLabels" in selector or "matchExpressions" in selector):
            sel = meta.label_selector_string(selector)
        elif isinstance(selector, dict):
            sel = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
        else:
            sel = status.get("selector", "") if isinstance(status.get("selector"), str) else ""
        return {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": scale_meta,
                "spec": {"replicas": spec.get("replicas", 0)},
                "status": {"replicas": status.get("replicas", 0), "selector": sel}}

    async def update_scale(self: ResourceService, ctx: RequestContext, name: str, scale: Any, *,
                           patch_type: str | None = None,
                           field_validation: str | None = None) -> Obj:
        for _attempt in range(_MAX_CAS_RETRIES):
            kv = await self.get_kv(ctx.namespace, name)
            obj = self.load(kv.value)
            current_scale = self._scale_of(obj)
            if patch_type is not None:
                if patch_type == PATCH_STRATEGIC:
                    patch_type = PATCH_MERGE  # Scale has no merge keys
                new_scale = self._apply_patch(ctx, current_scale, patch_type, scale)
            else:
                new_scale = scale
            new_scale = self.check_body(ctx, new_scale, field_validation=field_validation,
                                        expect_kind="Scale", expect_api_version="autoscaling/v1")
            sm = new_scale.get("metadata") or {}
            if sm.get("name") not in (None, "", name):
                raise errors.bad_request(f"the name of the object ({sm['name']}) does not match the name on "
                                         f"the URL ({name})")
            want_rv = sm.get("resourceVersion")
            if want_rv and want_rv != str(kv.revision):
                raise self._conflict(name)
            replicas = (new_scale.get("spec") or {}).get("replicas", 0)
            if not isinstance(replicas, int) or replicas < 0:
                raise errors.invalid("autoscaling", "Scale", name, [
                    FieldError("Invalid", "spec.replicas", "must be greater than or equal to 0", value=replicas)])
            new = copy.deepcopy(obj)
            paths = self._scale_paths()
            if paths is not None:
                _set(new, paths.get("specReplicasPath", ".spec.replicas"), replicas)
            else:
                new.setdefault("spec", {})["replicas"] = replicas
            sub_ctx = RequestContext(namespace=ctx.namespace, subresource="scale", dry_run=ctx.dry_run,
                                     field_manager=ctx.field_manager, now=ctx.now, warnings=ctx.warnings,
                                     services=ctx.services)
            try:
                res = await self._write_update(sub_ctx, name, new, kv)
            except StatusError as exc:
                if exc.reason == "Conflict" and not want_rv:
                    continue
                raise
            assert res.obj is not None
            out = self._scale_of(res.obj)
            if not ctx.dry_run:
                out["metadata"]["resourceVersion"] = orjson.loads(res.body)["metadata"]["resourceVersion"]
            return out
        raise self._conflict(name)


def _get(obj: Any, path: str) -> Any:
    cur = obj
    for part in path.strip(".").split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def _set(obj: Obj, path: str, value: Any) -> None:
    parts = path.strip(".").split(".")
    cur = obj
    for part in parts[:-1]:
        nxt = cur.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            cur[part] = nxt
        cur = nxt
    cur[parts[-1]] = value
