"""policy/v1: PodDisruptionBudgets.

Upstream: ``pkg/apis/policy/validation/validation.go``.
"""

from __future__ import annotations

from typing import Any

from kapi.machinery.errors import FieldError
from kapi.registry.strategies._util import as_dict, nonnegative, not_supported, validate_label_selector
from kapi.registry.strategies.apps import int_or_percent_errors, not_more_than_100_percent
from kapi.registry.strategy import RequestContext, Strategy

Obj = dict[str, Any]

__all__ = ["PodDisruptionBudgetStrategy"]

EVICTION_POLICIES = ("AlwaysAllow", "IfHealthyBudget")


class PodDisruptionBudgetStrategy(Strategy):
    """``poddisruptionbudgets``: exactly one of ``minAvailable``/``maxUnavailable`` at most."""

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        spec = as_dict(obj.get("spec"))
        errs: list[FieldError] = []
        if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
            errs.append(FieldError("Invalid", "spec", "minAvailable and maxUnavailable cannot be both set", spec))
        for key in ("minAvailable", "maxUnavailable"):
            if spec.get(key) is not None:
                errs.extend(int_or_percent_errors(spec[key], f"spec.{key}"))
                errs.extend(not_more_than_100_percent(spec[key], f"spec.{key}"))
        errs.extend(validate_label_selector(spec.get("selector"), "spec.selector"))
        policy = spec.get("unhealthyPodEvictionPolicy")
        if policy is not None and policy not in EVICTION_POLICIES:
            errs.append(not_supported("spec.unhealthyPodEvictionPolicy", policy, EVICTION_POLICIES))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        if ctx.subresource == "status":
            status = as_dict(new.get("status"))
            errs: list[FieldError] = []
            for key in ("disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"):
                errs.extend(nonnegative(status.get(key), f"status.{key}"))
            return errs
        return self.validate(ctx, new)
