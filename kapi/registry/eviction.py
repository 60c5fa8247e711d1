"""``POST pods/<name>/eviction``: delete a pod unless a PodDisruptionBudget forbids it.

As upstream's ``EvictionREST``: the Eviction's ``deleteOptions`` are used for the delete; pods that
are not running (Succeeded, Failed, or not yet scheduled and Pending) may always go; otherwise
every PodDisruptionBudget in the namespace whose selector matches the pod must allow a
disruption (``status.disruptionsAllowed`` > 0, observed at its current generation), or the answer
is 429 TooManyRequests with upstream's message. The budget's count is decremented as upstream
does (through ``status.disruptedPods``/``disruptionsAllowed``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from kapi.machinery import errors
from kapi.machinery.errors import StatusError
from kapi.machinery.selectors import selector_from_label_selector_obj
from kapi.registry.options import DeleteOptions, ListOptions

if TYPE_CHECKING:
    from kapi.registry.registry import Registry
    from kapi.registry.strategy import RequestContext

Obj = dict[str, Any]


def _too_many(message: str) -> StatusError:
    return StatusError(429, "TooManyRequests", message,
                       details={"causes": [{"reason": "DisruptionBudget", "message": message}]})


async def evict_pod(registry: Registry, ctx: RequestContext, name: str, body: Any) -> bytes:
    if not isinstance(body, dict) or body.get("kind") not in (None, "", "Eviction"):
        raise errors.bad_request("the object provided is unrecognized (must be of type Eviction)")
    meta = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    if meta.get("name") not in (None, "", name):
        raise errors.bad_request(f"name in URL does not match name in Eviction object: {meta.get('name')} vs {name}")
    pods = registry.core("pods")
    pod = await pods.get_obj(ctx.namespace, name)
    phase = (pod.get("status") or {}).get("phase")
    running = phase not in ("Succeeded", "Failed") and not (phase == "Pending" and not pod["spec"].get("nodeName"))
    if running and not pod["metadata"].get("deletionTimestamp"):
        await _check_budgets(registry, ctx, pod)
    options = body.get("deleteOptions") if isinstance(body.get("deleteOptions"), dict) else None
    delete_opts = DeleteOptions.from_body_and_query(options, {})
    ctx.dry_run = ctx.dry_run or delete_opts.dry_run
    await pods.delete(ctx, name, delete_opts)
    return orjson.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201})


async def _check_budgets(registry: Registry, ctx: RequestContext, pod: Obj) -> None:
    pdbs = registry.service_for("policy", "v1", "poddisruptionbudgets")
    if pdbs is None:
        return
    items, _, _, _ = await pdbs.list_items(ctx.namespace, ListOptions())
    labels = pod["metadata"].get("labels") or {}
    matching = []
    for kv in items:
        pdb = orjson.loads(kv.value)
        try:
            selector = selector_from_label_selector_obj((pdb.get("spec") or {}).get("selector"))
        except ValueError:
            continue
        if selector.matches(labels):
            matching.append(pdb)
    if len(matching) > 1:
        raise StatusError(500, "InternalError",
                          "This pod has more than one PodDisruptionBudget, which the eviction subresource does not "
                          "support.")
    for pdb in matching:
        status = pdb.get("status") or {}
        if status.get("observedGeneration", 0) < pdb["metadata"].get("generation", 1):
            raise _too_many("Cannot evict pod as it would violate the pod's disruption budget. The disruption "
                            "budget " + pdb["metadata"]["name"] + " needs to be processed by the disruption "
                            "controller first.")
        if int(status.get("disruptionsAllowed", 0)) <= 0:
            raise _too_many(f"Cannot evict pod as it would violate the pod's disruption budget. The disruption "
                            f"budget {pdb['metadata']['name']} needs {status.get('desiredHealthy', 0)} healthy "
                            f"pods and has {status.get('currentHealthy', 0)} currently")
        if not ctx.dry_run:
            status = {**status, "disruptionsAllowed": int(status["disruptionsAllowed"]) - 1,
                      "disruptedPods": {**(status.get("disruptedPods") or {}), pod["metadata"]["name"]: ctx.now}}
            pdb["status"] = status
            sub = registry.context(namespace=ctx.namespace, subresource="status", field_manager="kube-apiserver")
            await pdbs.update(sub, pdb["metadata"]["name"], pdb)
