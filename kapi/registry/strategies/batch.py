"""batch/v1: Jobs and CronJobs.

Upstream: ``pkg/apis/batch/v1/defaults.go``, ``pkg/registry/batch/job/strategy.go`` (generated
selectors and labels), ``pkg/registry/batch/cronjob/strategy.go`` and
``pkg/apis/batch/validation/validation.go``.
"""

from __future__ import annotations

import copy
import zoneinfo
from typing import Any

from kapi.machinery.errors import FieldError
from kapi.registry.strategies._util import (
    GoValue,
    as_dict,
    as_list,
    ensure_dict,
    go_label_selector,
    immutable,
    invalid,
    nonnegative,
    not_supported,
    required,
    set_default,
)
from kapi.registry.strategies.apps import validate_selector_and_template
from kapi.registry.strategies.cron import schedule_error
from kapi.registry.strategies.podspec import default_pod_template
from kapi.registry.strategies.podvalidation import validate_pod_template
from kapi.registry.strategy import RequestContext, Strategy

Obj = dict[str, Any]

__all__ = ["CronJobStrategy", "JobStrategy", "default_job_spec", "validate_job_spec"]

CONTROLLER_UID = "batch.kubernetes.io/controller-uid"
LEGACY_CONTROLLER_UID = "controller-uid"
JOB_NAME = "batch.kubernetes.io/job-name"
LEGACY_JOB_NAME = "job-name"
_MAX_INT32 = 2**31 - 1
_CRONJOB_NAME_MAX = 52
_TEMPLATE_SHOWN = GoValue("core.PodTemplateSpec{...}")


def default_job_spec(spec: Obj) -> None:
    """The parts of ``SetDefaults_Job`` that concern the spec."""
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    if spec.get("parallelism") is None:
        spec["parallelism"] = 1
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = _MAX_INT32 if spec.get("backoffLimitPerIndex") is not None else 6
    set_default(spec, "completionMode", "NonIndexed")
    if spec.get("suspend") is None:
        spec["suspend"] = False
    policy = spec.get("podFailurePolicy")
    for rule in as_list(as_dict(policy).get("rules")):
        for cond in as_list(as_dict(rule).get("onPodConditions")):
            if isinstance(cond, dict):
                set_default(cond, "status", "True")
    if spec.get("podReplacementPolicy") is None:
        spec["podReplacementPolicy"] = "Failed" if isinstance(policy, dict) else "TerminatingOrFailed"
    default_pod_template(spec.get("template"))


def validate_job_spec(spec: Obj, path: str, *, manual: bool) -> list[FieldError]:
    """``ValidateJobSpec``: counts, modes, selector/template and the restart policy."""
    errs: list[FieldError] = []
    for key in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished",
                "backoffLimitPerIndex", "maxFailedIndexes"):
        errs.extend(nonnegative(spec.get(key), f"{path}.{key}"))
    mode = spec.get("completionMode")
    if mode not in (None, "NonIndexed", "Indexed"):
        errs.append(not_supported(f"{path}.completionMode", mode, ("NonIndexed", "Indexed")))
    if mode == "Indexed" and spec.get("completions") is None:
        errs.append(required(f"{path}.completions", "when completion mode is Indexed"))
    replacement = spec.get("podReplacementPolicy")
    if replacement not in (None, "Failed", "TerminatingOrFailed"):
        errs.append(not_supported(f"{path}.podReplacementPolicy", replacement, ("Failed", "TerminatingOrFailed")))
    if manual or spec.get("selector") is not None:
        errs.extend(validate_selector_and_template(spec, "Job", path=path, restart_always=False, empty_ok=True))
    else:
        errs.extend(validate_pod_template(spec.get("template"), f"{path}.template"))
    tspec = as_dict(as_dict(spec.get("template")).get("spec"))
    restart = tspec.get("restartPolicy") or ""
    allowed = ("Never",) if spec.get("podFailurePolicy") is not None else ("OnFailure", "Never")
    if restart not in allowed:
        errs.append(not_supported(f"{path}.template.spec.restartPolicy", restart, allowed))
    return errs


class JobStrategy(Strategy):
    """``jobs``."""

    def default(self, obj: Obj) -> None:
        spec = ensure_dict(obj, "spec")
        default_job_spec(spec)
        labels = as_dict(as_dict(spec.get("template")).get("metadata")).get("labels")
        meta = obj.setdefault("metadata", {})
        if isinstance(labels, dict) and labels and not meta.get("labels"):
            meta["labels"] = dict(labels)

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        spec = obj["spec"]
        if spec.get("manualSelector") is True:
            return
        meta = obj.setdefault("metadata", {})
        uid, name = meta.get("uid") or "", meta.get("name") or ""
        template = ensure_dict(spec, "template")
        tmeta = ensure_dict(template, "metadata")
        labels = ensure_dict(tmeta, "labels")
        for key in (LEGACY_JOB_NAME, JOB_NAME):
            labels.setdefault(key, name)
        for key in (LEGACY_CONTROLLER_UID, CONTROLLER_UID):
            labels.setdefault(key, uid)
        selector = ensure_dict(spec, "selector")
        match = ensure_dict(selector, "matchLabels")
        match.setdefault(CONTROLLER_UID, uid)
        # upstream applies the label default again when the stored object is read back
        if not meta.get("labels"):
            meta["labels"] = dict(labels)

    def canonicalize(self, obj: Obj) -> None:
        """Fill the job-name labels once a generated name is known."""
        spec = as_dict(obj.get("spec"))
        name = as_dict(obj.get("metadata")).get("name") or ""
        if spec.get("manualSelector") is True or not name:
            return
        template_labels = as_dict(as_dict(as_dict(spec.get("template")).get("metadata")).get("labels"))
        for labels in (template_labels, as_dict(as_dict(obj.get("metadata")).get("labels"))):
            for key in (LEGACY_JOB_NAME, JOB_NAME):
                if labels.get(key) == "":
                    labels[key] = name

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        spec = as_dict(obj.get("spec"))
        manual = spec.get("manualSelector") is True
        errs = validate_job_spec(spec, "spec", manual=manual)
        if not manual and spec.get("selector") is not None:
            uid = as_dict(obj.get("metadata")).get("uid") or ""
            labels = as_dict(as_dict(as_dict(spec.get("template")).get("metadata")).get("labels"))
            for key in (CONTROLLER_UID, LEGACY_CONTROLLER_UID):
                if key not in labels:
                    errs.append(required(f"spec.template.metadata.labels[{key}]", f"must be '{uid}'"))
                elif labels[key] != uid:
                    errs.append(invalid(f"spec.template.metadata.labels[{key}]", labels[key], f"must be '{uid}'"))
            match = as_dict(as_dict(spec.get("selector")).get("matchLabels"))
            if match.get(CONTROLLER_UID) != uid:
                errs.append(invalid("spec.selector", go_label_selector(spec.get("selector")),
                                    "`selector` not auto-generated"))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        if ctx.subresource == "status":
            status = as_dict(new.get("status"))
            errs: list[FieldError] = []
            for key in ("active", "succeeded", "failed", "ready", "terminating"):
                errs.extend(nonnegative(status.get(key), f"status.{key}"))
            return errs
        errs = self.validate(ctx, new)
        ns, os_ = as_dict(new.get("spec")), as_dict(old.get("spec"))
        errs.extend(immutable(ns.get("selector"), os_.get("selector"), "spec.selector",
                              shown=go_label_selector(ns.get("selector"))))
        errs.extend(immutable(ns.get("completionMode"), os_.get("completionMode"), "spec.completionMode"))
        errs.extend(immutable(ns.get("podFailurePolicy"), os_.get("podFailurePolicy"), "spec.podFailurePolicy"))
        elastic = ns.get("completionMode") == "Indexed" and ns.get("completions") == ns.get("parallelism") \
            and os_.get("completions") == os_.get("parallelism")
        if not elastic:
            errs.extend(immutable(ns.get("completions"), os_.get("completions"), "spec.completions"))
        errs.extend(self._template_errors(ns, os_, as_dict(old.get("status"))))
        return errs

    @staticmethod
    def _template_errors(ns: Obj, os_: Obj, old_status: Obj) -> list[FieldError]:
        new_t, old_t = copy.deepcopy(ns.get("template")), copy.deepcopy(os_.get("template"))
        # a suspended job that never started may change its pods' scheduling directives
        if os_.get("suspend") is True and not old_status.get("startTime") and isinstance(new_t, dict) \
                and isinstance(old_t, dict):
            for t in (new_t, old_t):
                tmeta = as_dict(t.get("metadata"))
                tmeta.pop("labels", None)
                tmeta.pop("annotations", None)
                tspec = as_dict(t.get("spec"))
                for key in ("nodeSelector", "affinity", "tolerations", "schedulingGates"):
                    tspec.pop(key, None)
        return immutable(new_t, old_t, "spec.template", shown=_TEMPLATE_SHOWN)

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        return {"status.successful": str(as_dict(obj.get("status")).get("succeeded") or 0)}


class CronJobStrategy(Strategy):
    """``cronjobs``."""

    def default(self, obj: Obj) -> None:
        spec = ensure_dict(obj, "spec")
        set_default(spec, "concurrencyPolicy", "Allow")
        if spec.get("suspend") is None:
            spec["suspend"] = False
        if spec.get("successfulJobsHistoryLimit") is None:
            spec["successfulJobsHistoryLimit"] = 3
        if spec.get("failedJobsHistoryLimit") is None:
            spec["failedJobsHistoryLimit"] = 1
        job_template = spec.get("jobTemplate")
        if isinstance(job_template, dict):
            default_pod_template(as_dict(job_template.get("spec")).get("template"))

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        name = as_dict(obj.get("metadata")).get("name") or ""
        if len(name) > _CRONJOB_NAME_MAX:
            errs.append(invalid("metadata.name", name, f"must be no more than {_CRONJOB_NAME_MAX} characters"))
        errs.extend(self._validate_spec(as_dict(obj.get("spec"))))
        return errs

    @staticmethod
    def _validate_spec(spec: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        schedule = spec.get("schedule") or ""
        if not schedule:
            errs.append(required("spec.schedule"))
        else:
            stripped = schedule.strip()
            if stripped.startswith(("TZ=", "CRON_TZ=")):
                errs.append(invalid("spec.schedule", schedule,
                                    "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
            else:
                problem = schedule_error(schedule)
                if problem:
                    errs.append(invalid("spec.schedule", schedule, problem))
        tz = spec.get("timeZone")
        if isinstance(tz, str):
            if not tz or tz != tz.strip() or tz.lower() == "local":
                errs.append(invalid("spec.timeZone", tz, "unknown time zone " + tz))
            else:
                try:
                    zoneinfo.ZoneInfo(tz)
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    errs.append(invalid("spec.timeZone", tz, "unknown time zone " + tz))
        policy = spec.get("concurrencyPolicy") or ""
        if policy not in ("Allow", "Forbid", "Replace"):
            errs.append(not_supported("spec.concurrencyPolicy", policy, ("Allow", "Forbid", "Replace")))
        for key in ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
            errs.extend(nonnegative(spec.get(key), f"spec.{key}"))
        job_spec = as_dict(as_dict(spec.get("jobTemplate")).get("spec"))
        if job_spec.get("selector") is not None and job_spec.get("manualSelector") is not True:
            errs.append(FieldError("Forbidden", "spec.jobTemplate.spec.selector",
                                   "`selector` will be auto-generated"))
        else:
            errs.extend(validate_job_spec(job_spec, "spec.jobTemplate.spec",
                                          manual=job_spec.get("manualSelector") is True))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        if ctx.subresource == "status":
            return []
        return self._validate_spec(as_dict(new.get("spec")))
