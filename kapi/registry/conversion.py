"""Conversion between API versions that share storage.

Two resources are served in two shapes over one set of objects: HorizontalPodAutoscalers
(autoscaling/v1 and autoscaling/v2) and Events (core/v1 and events.k8s.io/v1). Objects are
stored in the version that wrote them and converted when read in the other one. As upstream,
what the older HPA shape cannot hold travels in ``autoscaling.alpha.kubernetes.io/*``
annotations so a round trip through v1 loses nothing.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable
from typing import Any

import orjson

from kapi.machinery.errors import StatusError

Obj = dict[str, Any]
Converter = Callable[[Obj, str], Obj]

_HPA_METRICS = "autoscaling.alpha.kubernetes.io/metrics"
_HPA_CURRENT = "autoscaling.alpha.kubernetes.io/current-metrics"
_HPA_CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions"
_HPA_BEHAVIOR = "autoscaling.alpha.kubernetes.io/behavior"


def _is_cpu_utilization(metric: Obj) -> bool:
    res = metric.get("resource") or {}
    return (metric.get("type") == "Resource" and res.get("name") == "cpu"
            and (res.get("target") or {}).get("type") == "Utilization")


def hpa_v2_to_v1(obj: Obj) -> Obj:
    out = copy.deepcopy(obj)
    out["apiVersion"] = "autoscaling/v1"
    annotations = dict(out.setdefault("metadata", {}).get("annotations") or {})
    spec = out.get("spec") or {}
    metrics = spec.pop("metrics", None) or []
    others = []
    for metric in metrics:
        if _is_cpu_utilization(metric) and "targetCPUUtilizationPercentage" not in spec:
            spec["targetCPUUtilizationPercentage"] = metric["resource"]["target"].get("averageUtilization")
        else:
            others.append(metric)
    if others:
        annotations[_HPA_METRICS] = orjson.dumps(others).decode()
    behavior = spec.pop("behavior", None)
    if behavior:
        annotations[_HPA_BEHAVIOR] = orjson.dumps(behavior).decode()
    status = out.get("status")
    if isinstance(status, dict):
        current = status.pop("currentMetrics", None) or []
        rest = []
        for metric in current:
            res = metric.get("resource") or {}
            if metric.get("type") == "Resource" and res.get("name") == "cpu" \
                    and (res.get("current") or {}).get("averageUtilization") is not None:
                status["currentCPUUtilizationPercentage"] = res["current"]["averageUtilization"]
            else:
                rest.append(metric)
        if rest:
            annotations[_HPA_CURRENT] = orjson.dumps(rest).decode()
        conditions = status.pop("conditions", None)
        if conditions:
            annotations[_HPA_CONDITIONS] = orjson.dumps(conditions).decode()
    if annotations:
        out["metadata"]["annotations"] = annotations
    return out


def hpa_v1_to_v2(obj: Obj) -> Obj:
    out = copy.deepcopy(obj)
    out["apiVersion"] = "autoscaling/v2"
    meta = out.setdefault("metadata", {})
    annotations = dict(meta.get("annotations") or {})
    spec = out.get("spec") or {}
    metrics: list[Obj] = []
    cpu = spec.pop("targetCPUUtilizationPercentage", None)
    if cpu is not None:
        metrics.append({"type": "Resource",
                        "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": cpu}}})
    metrics.extend(_loads_list(annotations.pop(_HPA_METRICS, None)))
    if metrics:
        spec["metrics"] = metrics
    behavior = annotations.pop(_HPA_BEHAVIOR, None)
    if behavior:
        with contextlib.suppress(orjson.JSONDecodeError):
            spec["behavior"] = orjson.loads(behavior)
    status = out.get("status")
    current = _loads_list(annotations.pop(_HPA_CURRENT, None))
    conditions = _loads_list(annotations.pop(_HPA_CONDITIONS, None))
    if isinstance(status, dict):
        cur_cpu = status.pop("currentCPUUtilizationPercentage", None)
        if cur_cpu is not None:
            current.insert(0, {"type": "Resource",
                               "resource": {"name": "cpu", "current": {"averageUtilization": cur_cpu}}})
        if current:
            status["currentMetrics"] = current
        if conditions:
            status["conditions"] = conditions
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    return out


def _loads_list(text: str | None) -> list[Obj]:
    if not text:
        return []
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return []
    return value if isinstance(value, list) else []


def convert_hpa(obj: Obj, target: str) -> Obj:
    current = obj.get("apiVersion")
    if current == target:
        return obj
    if target == "autoscaling/v1":
        return hpa_v2_to_v1(obj)
    return hpa_v1_to_v2(obj)


# core/v1 Event field <-> events.k8s.io/v1 Event field
_EVENT_FIELDS = (
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
    ("reportingComponent", "reportingController"),
)


def convert_event(obj: Obj, target: str) -> Obj:
    current = obj.get("apiVersion")
    if current == target:
        return obj
    out = copy.deepcopy(obj)
    out["apiVersion"] = target
    pairs = _EVENT_FIELDS if target == "events.k8s.io/v1" else [(b, a) for a, b in _EVENT_FIELDS]
    for src, dst in pairs:
        if src in out:
            out[dst] = out.pop(src)
    return out


CONVERTERS: dict[str, Converter] = {
    "autoscaling/horizontalpodautoscalers": convert_hpa,
    "core/events": convert_event,
}


def rewrite_version_for(rt: Any) -> Converter | None:
    """Versions of a custom resource with ``conversion: None`` differ only in ``apiVersion``."""
    if rt.extra.get("conversion_webhook"):
        return _webhook_unsupported(rt)

    def rewrite(obj: Obj, target: str) -> Obj:
        return {**obj, "apiVersion": target}

    return rewrite


def _webhook_unsupported(rt: Any) -> Converter:
    def refuse(obj: Obj, target: str) -> Obj:
        raise StatusError(500, "InternalError",
                          f"conversion webhook for {rt.extra.get('crd_name')} failed: kapi does not call conversion "
                          f"webhooks yet; only the storage version {rt.extra.get('storage_version')} can be served")

    return refuse
