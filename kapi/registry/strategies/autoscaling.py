"""autoscaling/v1 and autoscaling/v2: HorizontalPodAutoscalers (one storage, two shapes).

Upstream: ``pkg/apis/autoscaling/v{1,2}/defaults.go`` and ``pkg/apis/autoscaling/validation``.
The version is told apart by the object's ``apiVersion``.
"""

from __future__ import annotations

from typing import Any

from kapi.machinery.errors import FieldError
from kapi.registry.strategies._util import as_dict, as_list, ensure_dict, invalid, required
from kapi.registry.strategy import RequestContext, Strategy

Obj = dict[str, Any]

__all__ = ["HorizontalPodAutoscalerStrategy"]

DEFAULT_CPU_UTILIZATION = 80


def _scale_up_rules() -> Obj:
    return {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
            "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                         {"type": "Percent", "value": 100, "periodSeconds": 15}]}


def _scale_down_rules() -> Obj:
    return {"selectPolicy": "Max", "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}


def _fill_rules(rules: Any, defaults: Obj) -> Obj:
    if not isinstance(rules, dict):
        return defaults
    for key, value in defaults.items():
        if rules.get(key) is None:
            rules[key] = value
    return rules


class HorizontalPodAutoscalerStrategy(Strategy):
    """``horizontalpodautoscalers``."""

    def default(self, obj: Obj) -> None:
        spec = ensure_dict(obj, "spec")
        if spec.get("minReplicas") is None:
            spec["minReplicas"] = 1
        if obj.get("apiVersion") == "autoscaling/v1":
            return
        if not spec.get("metrics"):
            spec["metrics"] = [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": DEFAULT_CPU_UTILIZATION}}}]
        behavior = spec.get("behavior")
        if isinstance(behavior, dict):
            behavior["scaleUp"] = _fill_rules(behavior.get("scaleUp"), _scale_up_rules())
            down = _scale_down_rules()
            down_window = behavior.get("scaleDown")
            behavior["scaleDown"] = _fill_rules(down_window, down)
            if behavior["scaleDown"].get("stabilizationWindowSeconds") is None:
                behavior["scaleDown"]["stabilizationWindowSeconds"] = 300

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        spec = as_dict(obj.get("spec"))
        errs: list[FieldError] = []
        ref = as_dict(spec.get("scaleTargetRef"))
        for key in ("kind", "name"):
            if not ref.get(key):
                errs.append(required(f"spec.scaleTargetRef.{key}"))
        low, high = spec.get("minReplicas"), spec.get("maxReplicas")
        if isinstance(low, int) and low < 1:
            errs.append(invalid("spec.minReplicas", low, "must be greater than or equal to 1"))
        if isinstance(high, int):
            if high < 1:
                errs.append(invalid("spec.maxReplicas", high, "must be greater than 0"))
            elif isinstance(low, int) and high < low:
                errs.append(invalid("spec.maxReplicas", high, "must be greater than or equal to `minReplicas`"))
        target = spec.get("targetCPUUtilizationPercentage")
        if isinstance(target, int) and target < 1:
            errs.append(invalid("spec.targetCPUUtilizationPercentage", target, "must be greater than 0"))
        for i, metric in enumerate(as_list(spec.get("metrics"))):
            mtype = as_dict(metric).get("type")
            allowed = ("ContainerResource", "External", "Object", "Pods", "Resource")
            if mtype not in allowed:
                errs.append(FieldError("NotSupported", f"spec.metrics[{i}].type", "", mtype, allowed))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return [] if ctx.subresource == "status" else self.validate(ctx, new)
