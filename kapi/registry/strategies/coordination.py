"""coordination.k8s.io/v1 Leases and node.k8s.io/v1 RuntimeClasses (small, cluster plumbing)."""

from __future__ import annotations

from typing import Any

from kapi.machinery.errors import FieldError
from kapi.machinery.names import is_dns1123_label
from kapi.registry.strategies._util import as_dict, immutable, invalid, nonnegative, required
from kapi.registry.strategy import RequestContext, Strategy

Obj = dict[str, Any]

__all__ = ["LeaseStrategy", "RuntimeClassStrategy"]


class LeaseStrategy(Strategy):
    """``leases``: positive durations; PUT may create (leader election does that)."""

    allow_create_on_update = True

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        spec = as_dict(obj.get("spec"))
        errs: list[FieldError] = []
        duration = spec.get("leaseDurationSeconds")
        if isinstance(duration, int) and duration <= 0:
            errs.append(invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
        errs.extend(nonnegative(spec.get("leaseTransitions"), "spec.leaseTransitions"))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return self.validate(ctx, new)


class RuntimeClassStrategy(Strategy):
    """``runtimeclasses``: an immutable handler that is a DNS label."""

    allow_create_on_update = True

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        handler = obj.get("handler") or ""
        if not handler:
            return [required("handler")]
        return [invalid("handler", handler, m) for m in is_dns1123_label(handler)]

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        errs = self.validate(ctx, new)
        errs.extend(immutable(new.get("handler"), old.get("handler"), "handler"))
        return errs
