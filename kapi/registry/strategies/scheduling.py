"""scheduling.k8s.io/v1: PriorityClasses.

Upstream: ``pkg/apis/scheduling/v1/defaults.go`` and ``pkg/apis/scheduling/validation``.
"""

from __future__ import annotations

from typing import Any

from kapi.machinery.errors import FieldError
from kapi.registry.strategies._util import as_dict, invalid, not_supported, set_default
from kapi.registry.strategy import RequestContext, Strategy

Obj = dict[str, Any]

__all__ = ["HIGHEST_USER_DEFINABLE_PRIORITY", "SYSTEM_PRIORITY_CLASSES", "PriorityClassStrategy"]

HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
SYSTEM_PRIORITY_CLASSES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}
PREEMPTION_POLICIES = ("Never", "PreemptLowerPriority")


class PriorityClassStrategy(Strategy):
    """``priorityclasses``: ``PreemptLowerPriority``; user classes at most one billion."""

    def default(self, obj: Obj) -> None:
        set_default(obj, "preemptionPolicy", "PreemptLowerPriority")

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        name = as_dict(obj.get("metadata")).get("name") or ""
        value = obj.get("value")
        if name in SYSTEM_PRIORITY_CLASSES:
            if value != SYSTEM_PRIORITY_CLASSES[name]:
                errs.append(FieldError("Forbidden", "value", f"value of {name} must be "
                                                             f"{SYSTEM_PRIORITY_CLASSES[name]}"))
        elif name.startswith("system-"):
            errs.append(invalid("metadata.name", name, "priority class names with 'system-' prefix are reserved"))
        elif isinstance(value, int) and value > HIGHEST_USER_DEFINABLE_PRIORITY:
            errs.append(FieldError("Forbidden", "value", f"maximum allowed value of a user defined priority is "
                                                         f"{HIGHEST_USER_DEFINABLE_PRIORITY}"))
        policy = obj.get("preemptionPolicy")
        if policy not in PREEMPTION_POLICIES:
            errs.append(not_supported("preemptionPolicy", policy, PREEMPTION_POLICIES))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        errs = self.validate(ctx, new)
        if new.get("value") != old.get("value"):
            errs.append(FieldError("Forbidden", "value", "may not be changed in an update."))
        if new.get("preemptionPolicy") != old.get("preemptionPolicy"):
            errs.append(invalid("preemptionPolicy", new.get("preemptionPolicy"), "field is immutable"))
        return errs
