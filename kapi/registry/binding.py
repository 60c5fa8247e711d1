"""Binding a pod to a node: ``POST pods/<name>/binding`` and ``POST bindings``.

A Binding is not stored: it sets the pod's ``spec.nodeName`` (once) and its PodScheduled
condition, as upstream's ``BindingREST`` does, and answers ``201`` with a Success ``Status``.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import orjson

from kapi.machinery import errors
from kapi.machinery.errors import FieldError, StatusError

if TYPE_CHECKING:
    from kapi.registry.service import ResourceService
    from kapi.registry.strategy import RequestContext

Obj = dict[str, Any]


def _validate(binding: Any, name: str | None) -> Obj:
    if not isinstance(binding, dict):
        raise errors.bad_request("Binding must be an object")
    if binding.get("kind") not in (None, "", "Binding"):
        raise errors.bad_request(f"the object provided is unrecognized (must be of type Binding): "
                                 f"{binding.get('kind')} ({binding.get('apiVersion')})")
    meta = binding.get("metadata") if isinstance(binding.get("metadata"), dict) else {}
    target = binding.get("target") if isinstance(binding.get("target"), dict) else {}
    errs: list[FieldError] = []
    bound = meta.get("name") or name or ""
    if name and meta.get("name") and meta["name"] != name:
        raise errors.bad_request(f"the name of the object ({meta['name']}) does not match the name on the URL ({name})")
    if not bound:
        errs.append(FieldError("Required", "metadata.name", "name or generateName is required"))
    if not target.get("name"):
        errs.append(FieldError("Required", "target.name"))
    if target.get("kind") not in (None, "", "Node"):
        errs.append(FieldError("NotSupported", "target.kind", value=target.get("kind"), supported=("Node",)))
    if errs:
        raise errors.invalid("", "Binding", bound, errs)
    return {"pod": bound, "node": target["name"], "annotations": meta.get("annotations") or {}}


async def bind_pod(pods: ResourceService, ctx: RequestContext, binding: Any, *, name: str | None) -> bytes:
    want = _validate(binding, name)
    pod_name, node = want["pod"], want["node"]
    for _attempt in range(16):
        kv = await pods.get_kv(ctx.namespace, pod_name)
        pod = orjson.loads(kv.value)
        meta = pod["metadata"]
        if meta.get("deletionTimestamp"):
            raise errors.conflict("", "pods", pod_name,
                                  f"pod {pod_name} is being deleted, cannot be assigned to a host")
        current = (pod.get("spec") or {}).get("nodeName")
        if current:
            raise errors.conflict("", "pods", pod_name, f'pod {pod_name} is already assigned to node "{current}"')
        new = copy.deepcopy(pod)
        new.setdefault("spec", {})["nodeName"] = node
        if want["annotations"]:
            new["metadata"].setdefault("annotations", {}).update(want["annotations"])
        status = new.setdefault("status", {})
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
        conditions.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                           "lastTransitionTime": ctx.now})
        status["conditions"] = conditions
        ctx.subresource = "binding"
        try:
            await pods.write_update(ctx, pod_name, new, kv)
        except StatusError as exc:
            if exc.reason == "Conflict" and "modified" in exc.message:
                continue
            raise
        return orjson.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                             "code": 201})
    raise errors.conflict("", "pods", pod_name)
