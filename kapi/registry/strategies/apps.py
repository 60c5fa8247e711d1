"""apps/v1: Deployments, ReplicaSets, StatefulSets, DaemonSets, ControllerRevisions.

Upstream: ``pkg/apis/apps/v1/defaults.go``, ``pkg/registry/apps/<kind>/strategy.go`` and
``pkg/apis/apps/validation/validation.go``. Selectors are immutable in apps/v1; templates
must carry labels the selector matches and restart ``Always``.
"""

from __future__ import annotations

import copy
from typing import Any

from kapi.machinery.errors import FieldError
from kapi.machinery.names import is_valid_percent
from kapi.registry.strategies._util import (
    as_dict,
    as_list,
    ensure_dict,
    go_int_or_string,
    go_label_selector,
    go_map,
    immutable,
    invalid,
    nonnegative,
    not_supported,
    required,
    selector_is_empty,
    selector_matches,
    set_default,
    validate_label_selector,
)
from kapi.registry.strategies.podspec import default_pod_template, default_pvc_spec
from kapi.registry.strategies.podvalidation import validate_pod_template
from kapi.registry.strategy import RequestContext, Strategy

Obj = dict[str, Any]

__all__ = [
    "ControllerRevisionStrategy",
    "DaemonSetStrategy",
    "DeploymentStrategy",
    "ReplicaSetStrategy",
    "StatefulSetStrategy",
    "int_or_percent_errors",
    "not_more_than_100_percent",
    "validate_selector_and_template",
]


def _spec(obj: Obj) -> Obj:
    return ensure_dict(obj, "spec")


def _default_rolling_update(strategy: Obj, *, max_unavailable: Any, max_surge: Any) -> None:
    """Deployment and DaemonSet update strategies: ``RollingUpdate`` unless set, and its bounds."""
    set_default(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        ru = ensure_dict(strategy, "rollingUpdate")
        if ru.get("maxUnavailable") is None:
            ru["maxUnavailable"] = max_unavailable
        if ru.get("maxSurge") is None:
            ru["maxSurge"] = max_surge


def int_or_percent_errors(value: Any, path: str) -> list[FieldError]:
    """``ValidatePositiveIntOrPercent``: a non-negative integer or a percent string."""
    if isinstance(value, str):
        return [invalid(path, go_int_or_string(value), m) for m in is_valid_percent(value)]
    return nonnegative(value, path)


def not_more_than_100_percent(value: Any, path: str) -> list[FieldError]:
    """``IsNotMoreThan100Percent``."""
    if isinstance(value, str) and not is_valid_percent(value) and int(value[:-1]) > 100:
        return [invalid(path, go_int_or_string(value), "must not be greater than 100%")]
    return []


def _rolling_update_errors(ru: Obj, path: str) -> list[FieldError]:
    """``ValidateRollingUpdateDeployment`` (DaemonSets use the same rules)."""
    unavailable, surge = ru.get("maxUnavailable"), ru.get("maxSurge")
    errs = int_or_percent_errors(unavailable, path + ".maxUnavailable")
    errs.extend(int_or_percent_errors(surge, path + ".maxSurge"))
    if _int_or_percent_value(unavailable) == 0 and _int_or_percent_value(surge) == 0:
        errs.append(invalid(path + ".maxUnavailable", go_int_or_string(unavailable),
                            "may not be 0 when `maxSurge` is 0"))
    errs.extend(not_more_than_100_percent(unavailable, path + ".maxUnavailable"))
    return errs


def _int_or_percent_value(value: Any) -> int:
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return int(value[:-1])
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def validate_selector_and_template(spec: Obj, kind: str, *, path: str = "spec", restart_always: bool = True,
                                   selector_kind: str = "", empty_ok: bool = False) -> list[FieldError]:
    """Selector present, non-empty and valid; template labels selected; template valid.

    ``kind`` names the workload in the ``activeDeadlineSeconds`` message, ``selector_kind`` (default:
    ``kind`` in lower case) in the empty-selector message, as upstream words them.
    """
    errs: list[FieldError] = []
    selector = spec.get("selector")
    if not isinstance(selector, dict):
        errs.append(required(path + ".selector"))
    else:
        errs.extend(validate_label_selector(selector, path + ".selector"))
        if selector_is_empty(selector) and not empty_ok:
            errs.append(invalid(path + ".selector", go_label_selector(selector),
                                f"empty selector is invalid for {selector_kind or kind.lower()}"))
    template = spec.get("template")
    if not isinstance(template, dict):
        errs.append(required(path + ".template"))
        return errs
    labels = as_dict(template.get("metadata")).get("labels")
    if isinstance(selector, dict) and not selector_is_empty(selector) and not selector_matches(selector, labels):
        errs.append(invalid(path + ".template.metadata.labels", go_map(labels),
                            "`selector` does not match template `labels`"))
    errs.extend(validate_pod_template(template, path + ".template"))
    tspec = as_dict(template.get("spec"))
    restart = tspec.get("restartPolicy")
    if restart_always and restart and restart != "Always":
        errs.append(not_supported(path + ".template.spec.restartPolicy", restart, ("Always",)))
    if restart_always and tspec.get("activeDeadlineSeconds") is not None:
        errs.append(FieldError("Forbidden", path + ".template.spec.activeDeadlineSeconds",
                               f"activeDeadlineSeconds in {kind} is not Supported"))
    return errs


def _selector_immutable(new: Obj, old: Obj) -> list[FieldError]:
    ns, os_ = as_dict(new.get("spec")).get("selector"), as_dict(old.get("spec")).get("selector")
    return immutable(ns, os_, "spec.selector", shown=go_label_selector(ns))


class _Workload(Strategy):
    """Shared shape: status subresource, immutable selector, full validation on update."""

    kind = ""
    selector_kind = ""

    def validate_spec(self, spec: Obj) -> list[FieldError]:
        errs = nonnegative(spec.get("replicas"), "spec.replicas")
        errs.extend(nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds"))
        errs.extend(nonnegative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit"))
        errs.extend(validate_selector_and_template(spec, self.kind, selector_kind=self.selector_kind))
        return errs

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        return self.validate_spec(as_dict(obj.get("spec")))

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        if ctx.subresource == "status":
            return self.validate_status(as_dict(new.get("status")))
        errs = self.validate_spec(as_dict(new.get("spec")))
        errs.extend(_selector_immutable(new, old))
        return errs

    def validate_status(self, status: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        for key in ("replicas", "readyReplicas", "availableReplicas", "updatedReplicas", "fullyLabeledReplicas",
                    "currentReplicas", "observedGeneration", "terminatingReplicas"):
            errs.extend(nonnegative(status.get(key), f"status.{key}"))
        return errs


class DeploymentStrategy(_Workload):
    """``deployments``."""

    kind = "ReplicaSet"  # upstream validates deployment templates with the ReplicaSet rules
    selector_kind = "deployment"

    def default(self, obj: Obj) -> None:
        spec = _spec(obj)
        if spec.get("replicas") is None:
            spec["replicas"] = 1
        _default_rolling_update(ensure_dict(spec, "strategy"), max_unavailable="25%", max_surge="25%")
        if spec.get("revisionHistoryLimit") is None:
            spec["revisionHistoryLimit"] = 10
        if spec.get("progressDeadlineSeconds") is None:
            spec["progressDeadlineSeconds"] = 600
        default_pod_template(spec.get("template"))

    def validate_spec(self, spec: Obj) -> list[FieldError]:
        errs = super().validate_spec(spec)
        strategy = as_dict(spec.get("strategy"))
        stype = strategy.get("type")
        if stype == "Recreate":
            if strategy.get("rollingUpdate") is not None:
                errs.append(FieldError("Forbidden", "spec.strategy.rollingUpdate",
                                       "may not be specified when strategy `type` is 'Recreate'"))
        elif stype == "RollingUpdate":
            if strategy.get("rollingUpdate") is None:
                errs.append(required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil"))
            else:
                errs.extend(_rolling_update_errors(as_dict(strategy["rollingUpdate"]), "spec.strategy.rollingUpdate"))
        else:
            errs.append(not_supported("spec.strategy.type", stype, ("Recreate", "RollingUpdate")))
        pds = spec.get("progressDeadlineSeconds")
        if isinstance(pds, int):
            errs.extend(nonnegative(pds, "spec.progressDeadlineSeconds"))
            if pds <= (spec.get("minReadySeconds") or 0):
                errs.append(invalid("spec.progressDeadlineSeconds", pds, "must be greater than minReadySeconds"))
        return errs


class ReplicaSetStrategy(_Workload):
    """``replicasets``."""

    kind = "ReplicaSet"
    selector_kind = "deployment"  # sic: upstream's message for ReplicaSets too

    def default(self, obj: Obj) -> None:
        spec = _spec(obj)
        if spec.get("replicas") is None:
            spec["replicas"] = 1
        default_pod_template(spec.get("template"))

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        return {"status.replicas": str(as_dict(obj.get("status")).get("replicas") or 0)}


_STS_MUTABLE = ("replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy",
                "minReadySeconds")


class StatefulSetStrategy(_Workload):
    """``statefulsets``."""

    kind = "StatefulSet"

    def default(self, obj: Obj) -> None:
        spec = _spec(obj)
        set_default(spec, "podManagementPolicy", "OrderedReady")
        us = ensure_dict(spec, "updateStrategy")
        if not us.get("type"):
            us["type"] = "RollingUpdate"
            if us.get("rollingUpdate") is None:
                us["rollingUpdate"] = {}
        if us["type"] == "RollingUpdate" and isinstance(us.get("rollingUpdate"), dict) \
                and us["rollingUpdate"].get("partition") is None:
            us["rollingUpdate"]["partition"] = 0
        policy = ensure_dict(spec, "persistentVolumeClaimRetentionPolicy")
        set_default(policy, "whenDeleted", "Retain")
        set_default(policy, "whenScaled", "Retain")
        if spec.get("replicas") is None:
            spec["replicas"] = 1
        if spec.get("revisionHistoryLimit") is None:
            spec["revisionHistoryLimit"] = 10
        default_pod_template(spec.get("template"))
        for claim in as_list(spec.get("volumeClaimTemplates")):
            if isinstance(claim, dict):
                default_pvc_spec(claim.setdefault("spec", {}))
                status = ensure_dict(claim, "status")
                set_default(status, "phase", "Pending")

    def validate_spec(self, spec: Obj) -> list[FieldError]:
        errs = super().validate_spec(spec)
        pmp = spec.get("podManagementPolicy")
        if pmp not in ("OrderedReady", "Parallel"):
            errs.append(invalid("spec.podManagementPolicy", pmp,
                                "must be 'OrderedReady' or 'Parallel'"))
        us = as_dict(spec.get("updateStrategy"))
        utype = us.get("type")
        if utype == "OnDelete":
            if us.get("rollingUpdate") is not None:
                errs.append(invalid("spec.updateStrategy.rollingUpdate", None,
                                    "only allowed for updateStrategy 'RollingUpdate'"))
        elif utype == "RollingUpdate":
            errs.extend(nonnegative(as_dict(us.get("rollingUpdate")).get("partition"),
                                    "spec.updateStrategy.rollingUpdate.partition"))
        else:
            errs.append(invalid("spec.updateStrategy", utype, "must be 'RollingUpdate' or 'OnDelete'"))
        policy = as_dict(spec.get("persistentVolumeClaimRetentionPolicy"))
        for key in ("whenDeleted", "whenScaled"):
            value = policy.get(key)
            if value not in ("Retain", "Delete"):
                errs.append(not_supported(f"spec.persistentVolumeClaimRetentionPolicy.{key}", value,
                                          ("Retain", "Delete")))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        errs = super().validate_update(ctx, new, old)
        if ctx.subresource == "status":
            return errs
        ns, os_ = copy.deepcopy(as_dict(new.get("spec"))), copy.deepcopy(as_dict(old.get("spec")))
        for key in _STS_MUTABLE:
            ns.pop(key, None)
            os_.pop(key, None)
        if ns != os_:
            errs.append(FieldError("Forbidden", "spec",
                                   "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                                   "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
                                   "'minReadySeconds' are forbidden"))
        return errs


class DaemonSetStrategy(_Workload):
    """``daemonsets``."""

    kind = "DaemonSet"

    def default(self, obj: Obj) -> None:
        spec = _spec(obj)
        _default_rolling_update(ensure_dict(spec, "updateStrategy"), max_unavailable=1, max_surge=0)
        if spec.get("revisionHistoryLimit") is None:
            spec["revisionHistoryLimit"] = 10
        default_pod_template(spec.get("template"))

    def validate_spec(self, spec: Obj) -> list[FieldError]:
        errs = nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
        errs.extend(nonnegative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit"))
        errs.extend(validate_selector_and_template(spec, self.kind))
        us = as_dict(spec.get("updateStrategy"))
        utype = us.get("type")
        if utype == "RollingUpdate":
            errs.extend(_rolling_update_errors(as_dict(us.get("rollingUpdate")), "spec.updateStrategy.rollingUpdate"))
        elif utype != "OnDelete":
            errs.append(not_supported("spec.updateStrategy.type", utype, ("OnDelete", "RollingUpdate")))
        return errs

    def validate_status(self, status: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        for key in ("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady",
                    "updatedNumberScheduled", "numberAvailable", "numberUnavailable", "observedGeneration"):
            errs.extend(nonnegative(status.get(key), f"status.{key}"))
        return errs


class ControllerRevisionStrategy(Strategy):
    """``controllerrevisions``: ``data`` is immutable; ``revision`` non-negative."""

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        return nonnegative(obj.get("revision"), "revision")

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        errs = self.validate(ctx, new)
        errs.extend(immutable(new.get("data"), old.get("data"), "data"))
        return errs
