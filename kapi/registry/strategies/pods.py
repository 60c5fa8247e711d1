"""Pods (core/v1): defaults, the create-time admission bits, validation, field selectors.

Upstream: ``pkg/registry/core/pod/strategy.go`` (initial status, QoS class, selectable
fields), ``pkg/apis/core/v1/defaults.go`` (``SetDefaults_Pod``), the ``ServiceAccount``,
``DefaultTolerationSeconds`` and ``Priority`` admission plugins (what a pod gets on create in a
default cluster), and ``ValidatePodCreate``/``ValidatePodUpdate``.
"""

from __future__ import annotations

import copy
from typing import Any

from kapi.machinery.errors import FieldError
from kapi.machinery.names import is_dns1123_subdomain, is_valid_ip
from kapi.registry.strategies._util import (
    as_dict,
    as_list,
    ensure_dict,
    go_string_slice,
    invalid,
    parse_quantity,
    set_default,
)
from kapi.registry.strategies.podspec import default_pod_spec, sync_deprecated_pod_fields
from kapi.registry.strategies.podvalidation import validate_pod_spec
from kapi.registry.strategy import RequestContext, Strategy

Obj = dict[str, Any]

__all__ = ["PodStrategy", "pod_qos_class", "pod_spec_update_errors"]

#: priorities of the built-in PriorityClasses (``scheduling.k8s.io``)
SYSTEM_PRIORITIES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}
DEFAULT_TOLERATION_SECONDS = 300
_DEFAULT_TOLERATION_KEYS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
_QOS_RESOURCES = ("cpu", "memory")
UPDATABLE_POD_SPEC_FIELDS = (
    "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
    "`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
    "(allow it to be set to 1 if it was previously negative)"
)


def _sync_ips(status: Obj, single: str, plural: str) -> None:
    ips = as_list(status.get(plural))
    if ips and isinstance(ips[0], dict) and ips[0].get("ip"):
        status[single] = ips[0]["ip"]
    elif status.get(single):
        status[plural] = [{"ip": status[single]}]


def pod_qos_class(spec: Any) -> str:
    """``BestEffort``, ``Burstable`` or ``Guaranteed`` (upstream's ``GetPodQOS``)."""
    spec = as_dict(spec)
    requests: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    guaranteed = True
    for c in as_list(spec.get("containers")) + as_list(spec.get("initContainers")):
        res = as_dict(as_dict(c).get("resources"))
        for name, qty in as_dict(res.get("requests")).items():
            n = parse_quantity(qty)
            if name in _QOS_RESOURCES and n:
                requests[name] = requests.get(name, 0) + n
        seen = set()
        for name, qty in as_dict(res.get("limits")).items():
            n = parse_quantity(qty)
            if name in _QOS_RESOURCES and n:
                seen.add(name)
                limits[name] = limits.get(name, 0) + n
        if not set(_QOS_RESOURCES) <= seen:
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed:
        for name, req in requests.items():
            if limits.get(name) != req:
                guaranteed = False
                break
    if guaranteed and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"


def _default_requests_from_limits(containers: Any) -> None:
    for c in as_list(containers):
        res = as_dict(as_dict(c).get("resources"))
        limits = res.get("limits")
        if isinstance(limits, dict) and limits:
            requests = ensure_dict(res, "requests")
            for name, qty in limits.items():
                requests.setdefault(name, qty)


def _has_toleration(tolerations: list[Any], key: str) -> bool:
    for t in tolerations:
        t = as_dict(t)
        if t.get("effect") in (None, "", "NoExecute") and (
                t.get("key") == key or (not t.get("key") and t.get("operator") == "Exists")):
            return True
    return False


def _toleration_errors(new: list[Any], old: list[Any]) -> list[FieldError]:
    """Existing tolerations must stay (``tolerationSeconds`` of NoExecute ones may shrink)."""
    remaining = list(new)
    for t in old:
        t = as_dict(t)
        match = None
        for cand in remaining:
            c = as_dict(cand)
            same = all(c.get(k) == t.get(k) for k in ("key", "operator", "value", "effect"))
            if same and (c.get("tolerationSeconds") == t.get("tolerationSeconds") or (
                    t.get("effect") == "NoExecute" and isinstance(c.get("tolerationSeconds"), int)
                    and isinstance(t.get("tolerationSeconds"), int)
                    and c["tolerationSeconds"] <= t["tolerationSeconds"])):
                match = cand
                break
        if match is None:
            return [FieldError("Forbidden", "spec.tolerations",
                               "existing toleration can not be modified except its tolerationSeconds")]
        remaining.remove(match)
    return []


def _diff_lines(old: Any, new: Any, path: str, out: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            _diff_lines(old.get(key), new.get(key), f"{path}.{key}", out)
        return
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            _diff_lines(a, b, f"{path}[{i}]", out)
        return
    if old != new:
        out.append(f"  {path}: {old!r} -> {new!r}")


def pod_spec_update_errors(new_spec: Any, old_spec: Any) -> list[FieldError]:
    """``ValidatePodUpdate``'s spec rules: only a handful of fields may change."""
    new, old = as_dict(new_spec), as_dict(old_spec)
    errs: list[FieldError] = []
    munged = copy.deepcopy(new)
    for key in ("containers", "initContainers"):
        mc, oc = as_list(munged.get(key)), as_list(old.get(key))
        if len(mc) == len(oc):
            for m, o in zip(mc, oc, strict=True):
                if isinstance(m, dict) and isinstance(o, dict):
                    if "image" in o:
                        m["image"] = o["image"]
                    else:
                        m.pop("image", None)
    new_ads, old_ads = new.get("activeDeadlineSeconds"), old.get("activeDeadlineSeconds")
    if old_ads is not None:
        if new_ads is None:
            errs.append(invalid("spec.activeDeadlineSeconds", None,
                                "must not update from a positive integer to nil value"))
        elif isinstance(new_ads, int) and isinstance(old_ads, int) and new_ads > old_ads:
            errs.append(invalid("spec.activeDeadlineSeconds", new_ads, "must be less than or equal to previous value"))
    errs.extend(_toleration_errors(as_list(new.get("tolerations")), as_list(old.get("tolerations"))))
    new_gates = [as_dict(g).get("name") for g in as_list(new.get("schedulingGates"))]
    old_gates = [as_dict(g).get("name") for g in as_list(old.get("schedulingGates"))]
    for gate in new_gates:
        if gate not in old_gates:
            errs.append(FieldError("Forbidden", "spec.schedulingGates",
                                   f"only deletion is allowed, but found new scheduling gate '{gate}'"))
            break
    tgps = new.get("terminationGracePeriodSeconds")
    old_tgps = old.get("terminationGracePeriodSeconds")
    for key, value in (("activeDeadlineSeconds", old_ads), ("tolerations", old.get("tolerations")),
                       ("schedulingGates", old.get("schedulingGates"))):
        if value is None:
            munged.pop(key, None)
        else:
            munged[key] = copy.deepcopy(value)
    if isinstance(old_tgps, int) and old_tgps < 0 and tgps == 1:
        munged["terminationGracePeriodSeconds"] = old_tgps
    if old_gates:  # gated pods may gain scheduling constraints
        for key in ("nodeSelector", "affinity"):
            if key in old:
                munged[key] = copy.deepcopy(old[key])
            else:
                munged.pop(key, None)
    if munged != old:
        lines: list[str] = []
        _diff_lines(old, munged, "spec", lines)
        detail = f"pod updates may not change fields other than {UPDATABLE_POD_SPEC_FIELDS}\n" + "\n".join(lines)
        errs.append(FieldError("Forbidden", "spec", detail))
    return errs


def _ephemeral_update_errors(new: Obj, old: Obj) -> list[FieldError]:
    """Ephemeral containers may be added, never changed or removed."""
    new_by_name = {as_dict(c).get("name"): c for c in as_list(new.get("ephemeralContainers"))}
    errs: list[FieldError] = []
    for c in as_list(old.get("ephemeralContainers")):
        name = as_dict(c).get("name")
        if name not in new_by_name:
            errs.append(FieldError("Forbidden", "spec.ephemeralContainers",
                                   f'existing ephemeral containers "{name}" may not be removed'))
        elif new_by_name[name] != c:
            errs.append(FieldError("Forbidden", "spec.ephemeralContainers",
                                   f'existing ephemeral containers "{name}" may not be changed'))
    return errs


class PodStrategy(Strategy):
    """``pods``."""

    returns_deleted_object = True

    def grace_period(self, obj: Obj, requested: int | None) -> int:
        """A pod bound to a node and still running gets time to stop; anything else goes at once."""
        spec, status = as_dict(obj.get("spec")), as_dict(obj.get("status"))
        if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
            return 0
        grace = requested if requested is not None else spec.get("terminationGracePeriodSeconds", 30)
        return max(int(grace), 0)

    def default(self, obj: Obj) -> None:
        spec = ensure_dict(obj, "spec")
        default_pod_spec(spec)
        _default_requests_from_limits(spec.get("containers"))
        _default_requests_from_limits(spec.get("initContainers"))
        if spec.get("enableServiceLinks") is None:
            spec["enableServiceLinks"] = True
        if spec.get("hostNetwork"):
            for key in ("containers", "initContainers"):
                for c in as_list(spec.get(key)):
                    for port in as_list(as_dict(c).get("ports")):
                        if isinstance(port, dict) and not port.get("hostPort") and port.get("containerPort"):
                            port["hostPort"] = port["containerPort"]
        status = obj.get("status")
        if isinstance(status, dict):
            _sync_ips(status, "podIP", "podIPs")
            _sync_ips(status, "hostIP", "hostIPs")

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        spec = obj["spec"]
        # admission: ServiceAccount
        set_default(spec, "serviceAccountName", "default")
        sync_deprecated_pod_fields(spec)
        # admission: DefaultTolerationSeconds
        tolerations = spec.get("tolerations")
        if not isinstance(tolerations, list):
            tolerations = []
        added = False
        for key in _DEFAULT_TOLERATION_KEYS:
            if not _has_toleration(tolerations, key):
                tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute",
                                    "tolerationSeconds": DEFAULT_TOLERATION_SECONDS})
                added = True
        if added or "tolerations" in spec:
            spec["tolerations"] = tolerations
        # admission: Priority (classes other than the built-in ones need a store lookup)
        pc = spec.get("priorityClassName") or ""
        if spec.get("priority") is None and (not pc or pc in SYSTEM_PRIORITIES):
            spec["priority"] = SYSTEM_PRIORITIES.get(pc, 0)
        if spec.get("preemptionPolicy") is None:
            spec["preemptionPolicy"] = "PreemptLowerPriority"
        tgps = spec.get("terminationGracePeriodSeconds")
        if isinstance(tgps, int) and tgps < 0:
            spec["terminationGracePeriodSeconds"] = 1
        obj["status"] = {"phase": "Pending", "qosClass": pod_qos_class(spec)}

    def prepare_for_update(self, ctx: RequestContext, new: Obj, old: Obj) -> None:
        ns, os_ = as_dict(new.get("spec")), as_dict(old.get("spec"))
        # the Priority admission plugin keeps what it set on create
        for key in ("priority", "preemptionPolicy"):
            if ns.get(key) is None and os_.get(key) is not None:
                ns[key] = os_[key]
        if ctx.subresource != "ephemeralcontainers":
            if "ephemeralContainers" in os_:
                ns["ephemeralContainers"] = copy.deepcopy(os_["ephemeralContainers"])
            else:
                ns.pop("ephemeralContainers", None)
        if ctx.subresource == "status":
            status = new.get("status")
            old_status = as_dict(old.get("status"))
            if isinstance(status, dict) and not status.get("qosClass") and old_status.get("qosClass"):
                status["qosClass"] = old_status["qosClass"]

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        return validate_pod_spec(obj.get("spec"), "spec", for_pod=True)

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        if ctx.subresource == "status":
            return self._validate_status(new)
        errs = validate_pod_spec(new.get("spec"), "spec", for_pod=True)
        ns, os_ = as_dict(new.get("spec")), as_dict(old.get("spec"))
        if ctx.subresource == "binding":
            ns, os_ = dict(ns), dict(os_)
            ns.pop("nodeName", None)
            os_.pop("nodeName", None)
        elif ctx.subresource == "ephemeralcontainers":
            errs.extend(_ephemeral_update_errors(ns, os_))
            ns, os_ = dict(ns), dict(os_)
            ns.pop("ephemeralContainers", None)
            os_.pop("ephemeralContainers", None)
        elif ctx.subresource == "resize":
            ns, os_ = copy.deepcopy(ns), copy.deepcopy(os_)
            for spec in (ns, os_):
                for c in as_list(spec.get("containers")):
                    as_dict(c).pop("resources", None)
                    as_dict(c).pop("resizePolicy", None)
        errs.extend(pod_spec_update_errors(ns, os_))
        return errs

    def _validate_status(self, obj: Obj) -> list[FieldError]:
        status = as_dict(obj.get("status"))
        errs: list[FieldError] = []
        nominated = status.get("nominatedNodeName") or ""
        if nominated:
            errs.extend(invalid("status.nominatedNodeName", nominated, m) for m in is_dns1123_subdomain(nominated))
        for key in ("podIPs", "hostIPs"):
            ips = [as_dict(x).get("ip") or "" for x in as_list(status.get(key))]
            for i, ip in enumerate(ips):
                errs.extend(invalid(f"status.{key}[{i}]", ip, m) for m in is_valid_ip(ip))
            if len(ips) > 2 or (len(ips) == 2 and (":" in ips[0]) == (":" in ips[1])):
                errs.append(invalid(f"status.{key}", go_string_slice(ips),
                                    "may specify no more than one IP for each IP family"))
        phase = status.get("phase")
        if phase not in (None, "", "Pending", "Running", "Succeeded", "Failed", "Unknown"):
            errs.append(FieldError("NotSupported", "status.phase", "", phase,
                                   ("Pending", "Running", "Succeeded", "Failed", "Unknown")))
        return errs

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        spec, status = as_dict(obj.get("spec")), as_dict(obj.get("status"))
        ips = as_list(status.get("podIPs"))
        pod_ip = as_dict(ips[0]).get("ip", "") if ips else status.get("podIP") or ""
        return {
            "spec.nodeName": spec.get("nodeName") or "",
            "spec.restartPolicy": spec.get("restartPolicy") or "",
            "spec.schedulerName": spec.get("schedulerName") or "",
            "spec.serviceAccountName": spec.get("serviceAccountName") or "",
            "spec.hostNetwork": "true" if spec.get("hostNetwork") else "false",
            "status.phase": status.get("phase") or "",
            "status.podIP": pod_ip,
            "status.nominatedNodeName": status.get("nominatedNodeName") or "",
        }
