"""Services (core/v1): defaults, IP-family fields, validation, and ClusterIP/NodePort allocation.

Upstream: ``pkg/apis/core/v1/defaults.go`` (``SetDefaults_Service``),
``pkg/registry/core/service/strategy.go`` (``dropTypeDependentFields``),
``pkg/registry/core/service/storage`` (``patchAllocatedValues``, ``normalizeClusterIPs``,
``initIPFamilyFields``, ``alloc.go``) and ``ValidateService``/``ValidateServiceUpdate``.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from kapi.machinery import errors
from kapi.machinery.errors import FieldError, StatusError
from kapi.machinery.names import (
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_ip,
    is_valid_port_name,
    is_valid_port_num,
)
from kapi.machinery.objectmeta import validate_labels
from kapi.registry.allocators import AllocationError, IPAllocator, PortAllocator, RangeFullError, ServiceAllocators
from kapi.registry.strategies._util import (
    GoValue,
    as_dict,
    as_list,
    ensure_dict,
    go_quote,
    go_string_slice,
    invalid,
    not_supported,
    required,
    required_choice,
    set_default,
)
from kapi.registry.strategy import RequestContext, Strategy

Obj = dict[str, Any]

__all__ = ["ServiceStrategy"]

SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
PROTOCOLS = ("SCTP", "TCP", "UDP")
TRAFFIC_POLICIES = ("Cluster", "Local")
IP_FAMILIES = ("IPv4", "IPv6")
IP_FAMILY_POLICIES = ("PreferDualStack", "RequireDualStack", "SingleStack")
SESSION_AFFINITIES = ("ClientIP", "None")
_DEFAULT_AFFINITY_TIMEOUT = 10800
_MAX_AFFINITY_TIMEOUT = 86400


# --- predicates (upstream's needs* helpers) ---------------------------------------------------

def _spec(svc: Obj | None) -> Obj:
    return as_dict((svc or {}).get("spec"))


def needs_cluster_ip(svc: Obj | None) -> bool:
    return svc is not None and _spec(svc).get("type", "ClusterIP") != "ExternalName"


def needs_node_port(svc: Obj | None) -> bool:
    return svc is not None and _spec(svc).get("type") in ("NodePort", "LoadBalancer")


def needs_hc_node_port(svc: Obj | None) -> bool:
    spec = _spec(svc)
    return svc is not None and spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local"


def _externally_accessible(spec: Obj) -> bool:
    return spec.get("type") in ("NodePort", "LoadBalancer") or bool(spec.get("externalIPs"))


def _is_headless(spec: Obj) -> bool:
    return spec.get("clusterIP") == "None"


def _node_ports(spec: Obj) -> list[int]:
    return [p["nodePort"] for p in as_list(spec.get("ports"))
            if isinstance(p, dict) and isinstance(p.get("nodePort"), int) and p["nodePort"]]


def _cluster_ips(spec: Obj) -> list[str]:
    ips = as_list(spec.get("clusterIPs"))
    if not ips and spec.get("clusterIP"):
        ips = [spec["clusterIP"]]
    return [ip for ip in ips if isinstance(ip, str) and ip and ip != "None"]


def _ip_family(ip: str) -> str | None:
    if is_valid_ip(ip):
        return None
    return "IPv6" if ":" in ip else "IPv4"


def _go_service_port(port: Obj) -> GoValue:
    """A ``core.ServicePort`` as ``%#v`` prints the key of a duplicate (protocol, port) pair."""
    return GoValue(f'core.ServicePort{{Name:"", Protocol:{go_quote(str(port.get("protocol", "")))}, '
                   f'AppProtocol:(*string)(nil), Port:{port.get("port", 0)}, '
                   f'TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:""}}, NodePort:0}}')


def _allocators(ctx: RequestContext) -> ServiceAllocators | None:
    alloc = ctx.services
    if alloc is None or not hasattr(alloc, "ip_allocator") or not hasattr(alloc, "port_allocator"):
        return None
    return alloc  # type: ignore[no-any-return]


def _cluster_family(ctx: RequestContext) -> str:
    alloc = _allocators(ctx)
    return alloc.ip_allocator.family if alloc is not None else "IPv4"


# --- allocation bookkeeping --------------------------------------------------------------------

class _Allocation:
    """One request's claims: rolled back on failure; in a dry run only checked, never kept."""

    def __init__(self, alloc: ServiceAllocators, dry_run: bool) -> None:
        self.alloc = alloc
        self.dry_run = dry_run
        self.ips: list[str] = []
        self.ports: list[int] = []

    def _claim(self, allocator: IPAllocator | PortAllocator, value: Any, held: list[Any]) -> None:
        if self.dry_run:
            allocator.check(value)
        else:
            allocator.allocate_specific(value)
        held.append(value)

    def claim_ip(self, ip: str) -> None:
        self._claim(self.alloc.ip_allocator, ip, self.ips)

    def next_ip(self) -> str:
        ip = self.alloc.ip_allocator.peek() if self.dry_run else self.alloc.ip_allocator.allocate()
        self.ips.append(ip)
        return ip

    def claim_port(self, port: int) -> None:
        if port in self.ports:
            raise AllocationError("provided port is already allocated")
        self._claim(self.alloc.port_allocator, port, self.ports)

    def next_port(self) -> int:
        pa = self.alloc.port_allocator
        if not self.dry_run:
            port = pa.allocate()
        else:
            for _ in range(64):
                port = pa.peek()
                if port not in self.ports:
                    break
            else:
                raise RangeFullError()
        self.ports.append(port)
        return port

    def rollback(self) -> None:
        if self.dry_run:
            return
        for ip in self.ips:
            self.alloc.ip_allocator.release(ip)
        for port in self.ports:
            self.alloc.port_allocator.release(port)


def _invalid_service(obj: Obj, path: str, value: Any, detail: str) -> StatusError:
    name = as_dict(obj.get("metadata")).get("name") or ""
    return errors.invalid("", "Service", name, [FieldError("Invalid", path, detail, value)])


class ServiceStrategy(Strategy):
    """``services``."""

    returns_deleted_object = True

    allow_create_on_update = True

    # --- defaults and preparation ----------------------------------------------------------------
    def default(self, obj: Obj) -> None:
        spec = ensure_dict(obj, "spec")
        set_default(spec, "type", "ClusterIP")
        set_default(spec, "sessionAffinity", "None")
        if spec["sessionAffinity"] == "ClientIP":
            cfg = ensure_dict(spec, "sessionAffinityConfig")
            client_ip = ensure_dict(cfg, "clientIP")
            if client_ip.get("timeoutSeconds") is None:
                client_ip["timeoutSeconds"] = _DEFAULT_AFFINITY_TIMEOUT
        for port in as_list(spec.get("ports")):
            if not isinstance(port, dict):
                continue
            set_default(port, "protocol", "TCP")
            if port.get("targetPort") in (None, 0, ""):
                port["targetPort"] = port.get("port", 0)
        svc_type = spec["type"]
        if svc_type in ("NodePort", "LoadBalancer"):
            set_default(spec, "externalTrafficPolicy", "Cluster")
        if spec.get("internalTrafficPolicy") is None and svc_type in ("ClusterIP", "NodePort", "LoadBalancer"):
            spec["internalTrafficPolicy"] = "Cluster"
        if svc_type == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
            spec["allocateLoadBalancerNodePorts"] = True
        status = ensure_dict(obj, "status")
        lb = ensure_dict(status, "loadBalancer")
        if svc_type == "LoadBalancer":
            for ing in as_list(lb.get("ingress")):
                if isinstance(ing, dict) and ing.get("ip") and not ing.get("ipMode"):
                    ing["ipMode"] = "VIP"

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        spec = obj["spec"]
        obj["status"] = {"loadBalancer": {}}
        if spec.get("clusterIP") and not spec.get("clusterIPs"):
            spec["clusterIPs"] = [spec["clusterIP"]]
        self._init_ip_families(ctx, spec, None)

    def prepare_for_update(self, ctx: RequestContext, new: Obj, old: Obj) -> None:
        if ctx.subresource == "status":
            return
        spec, old_spec = new["spec"], _spec(old)
        self._patch_allocated_values(new, old)
        self._normalize_cluster_ips(spec, old_spec)
        self._drop_type_dependent_fields(new, old)
        self._init_ip_families(ctx, spec, old_spec)

    @staticmethod
    def _patch_allocated_values(new: Obj, old: Obj) -> None:
        """Carry over allocated values a client left out (idempotent re-applies and PUTs)."""
        spec, old_spec = new["spec"], _spec(old)
        if needs_cluster_ip(old) and needs_cluster_ip(new):
            if not spec.get("clusterIP") and old_spec.get("clusterIP"):
                spec["clusterIP"] = old_spec["clusterIP"]
            if not spec.get("clusterIPs") and old_spec.get("clusterIPs"):
                spec["clusterIPs"] = copy.deepcopy(old_spec["clusterIPs"])
        if needs_node_port(old) and needs_node_port(new):
            used = set(_node_ports(old_spec)) & set(_node_ports(spec))
            by_name = {as_dict(p).get("name") or "": as_dict(p).get("nodePort") or 0
                       for p in as_list(old_spec.get("ports"))}
            for port in as_list(spec.get("ports")):
                if isinstance(port, dict) and not port.get("nodePort"):
                    value = by_name.get(port.get("name") or "", 0)
                    if value and value not in used:
                        port["nodePort"] = value
        if needs_hc_node_port(old) and needs_hc_node_port(new) and not spec.get("healthCheckNodePort") \
                and old_spec.get("healthCheckNodePort"):
            spec["healthCheckNodePort"] = old_spec["healthCheckNodePort"]

    @staticmethod
    def _normalize_cluster_ips(spec: Obj, old_spec: Obj) -> None:
        old_ips, new_ips = old_spec.get("clusterIPs") or [], spec.get("clusterIPs") or []
        old_ip, new_ip = old_spec.get("clusterIP") or "", spec.get("clusterIP") or ""
        if old_ips and not new_ips and old_ip == new_ip:
            spec["clusterIPs"] = copy.deepcopy(old_ips)
            new_ips = spec["clusterIPs"]
        if old_ip != new_ip:
            same = old_ips == new_ips
            if old_ip and not new_ip:
                if same:
                    spec.pop("clusterIPs", None)
            elif same:
                spec["clusterIPs"] = [new_ip]

    @staticmethod
    def _drop_type_dependent_fields(new: Obj, old: Obj) -> None:
        """Wipe values that no longer apply after a type change, when the client left them as they were."""
        spec, old_spec = new["spec"], _spec(old)
        if needs_cluster_ip(old) and not needs_cluster_ip(new):
            if spec.get("clusterIP") == old_spec.get("clusterIP") and spec.get("clusterIPs") == old_spec.get(
                    "clusterIPs"):
                spec.pop("clusterIP", None)
                spec.pop("clusterIPs", None)
            if spec.get("ipFamilies") == old_spec.get("ipFamilies"):
                spec.pop("ipFamilies", None)
            if spec.get("ipFamilyPolicy") == old_spec.get("ipFamilyPolicy"):
                spec.pop("ipFamilyPolicy", None)
        if needs_node_port(old) and not needs_node_port(new) and _node_ports(spec) == _node_ports(old_spec):
            for port in as_list(spec.get("ports")):
                if isinstance(port, dict):
                    port.pop("nodePort", None)
        if needs_hc_node_port(old) and not needs_hc_node_port(new) and \
                spec.get("healthCheckNodePort") == old_spec.get("healthCheckNodePort"):
            spec.pop("healthCheckNodePort", None)
        if old_spec.get("type") == "LoadBalancer" and spec.get("type") != "LoadBalancer" and \
                spec.get("allocateLoadBalancerNodePorts") is not None and \
                spec.get("allocateLoadBalancerNodePorts") == old_spec.get("allocateLoadBalancerNodePorts"):
            spec.pop("allocateLoadBalancerNodePorts", None)
        if _externally_accessible(old_spec) and not _externally_accessible(spec) and \
                spec.get("externalTrafficPolicy") == old_spec.get("externalTrafficPolicy"):
            spec.pop("externalTrafficPolicy", None)
        if spec.get("type") != "LoadBalancer":
            new["status"] = copy.deepcopy(as_dict(new.get("status")))
            new["status"]["loadBalancer"] = {}

    @staticmethod
    def _init_ip_families(ctx: RequestContext, spec: Obj, old_spec: Obj | None) -> None:
        """``ipFamilies``/``ipFamilyPolicy`` for a single-stack cluster (upstream's ``initIPFamilyFields``)."""
        if spec.get("type") == "ExternalName":
            return
        if old_spec is not None and old_spec.get("type") != "ExternalName":
            if not spec.get("ipFamilies") and old_spec.get("ipFamilies"):
                spec["ipFamilies"] = copy.deepcopy(old_spec["ipFamilies"])
            if spec.get("ipFamilyPolicy") is None and old_spec.get("ipFamilyPolicy") is not None:
                spec["ipFamilyPolicy"] = old_spec["ipFamilyPolicy"]
        family = _cluster_family(ctx)
        if _is_headless(spec) and not spec.get("selector"):
            if spec.get("ipFamilyPolicy") is None:
                spec["ipFamilyPolicy"] = "RequireDualStack"
            if not spec.get("ipFamilies"):
                spec["ipFamilies"] = [family]
            return
        if spec.get("ipFamilyPolicy") is None:
            spec["ipFamilyPolicy"] = "SingleStack"
        if not spec.get("ipFamilies"):
            ips = _cluster_ips(spec)
            fam = _ip_family(ips[0]) if ips else None
            spec["ipFamilies"] = [fam or family]

    # --- validation --------------------------------------------------------------------------------
    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        return _validate_service(_spec(obj), _cluster_family(ctx))

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        if ctx.subresource == "status":
            return _validate_status(as_dict(new.get("status")))
        spec, old_spec = _spec(new), _spec(old)
        errs: list[FieldError] = []
        if spec.get("type") != "ExternalName" and old_spec.get("type") != "ExternalName" and not (
                _is_headless(spec) and _is_headless(old_spec)):
            old_ips = as_list(old_spec.get("clusterIPs"))
            new_ips = as_list(spec.get("clusterIPs"))
            for i, ip in enumerate(old_ips):
                if i < len(new_ips) and new_ips[i] != ip:
                    errs.append(invalid(f"spec.clusterIPs[{i}]", go_string_slice(new_ips), "may not change once set"))
            if old_ips and not new_ips:
                errs.append(invalid("spec.clusterIPs[0]", go_string_slice(new_ips),
                                    "primary clusterIP can not be unset"))
            old_fams, new_fams = as_list(old_spec.get("ipFamilies")), as_list(spec.get("ipFamilies"))
            if old_fams and new_fams and old_fams[0] != new_fams[0]:
                errs.append(invalid("spec.ipFamilies[0]", new_fams[0], "may not change once set"))
        errs.extend(_validate_service(spec, _cluster_family(ctx)))
        return errs

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        spec = _spec(obj)
        return {"spec.clusterIP": spec.get("clusterIP") or "", "spec.type": spec.get("type") or ""}

    # --- allocation ----------------------------------------------------------------------------------
    async def allocate(self, ctx: RequestContext, obj: Obj, old: Obj | None) -> None:
        alloc = _allocators(ctx)
        if alloc is None or ctx.subresource == "status":
            return
        txn = _Allocation(alloc, ctx.dry_run)
        try:
            self._allocate_ips(txn, obj, old)
            self._allocate_node_ports(txn, obj, old)
        except BaseException:
            txn.rollback()
            raise
        if old is not None and not ctx.dry_run:
            # values the old object held and the new one does not
            new_spec, old_spec = _spec(obj), _spec(old)
            keep_ips = set(_cluster_ips(new_spec)) if needs_cluster_ip(obj) else set()
            for ip in _cluster_ips(old_spec) if needs_cluster_ip(old) else []:
                if ip not in keep_ips:
                    alloc.ip_allocator.release(ip)
            keep_ports = set(_held_ports(obj))
            for port in _held_ports(old):
                if port not in keep_ports:
                    alloc.port_allocator.release(port)

    async def rollback_update(self, ctx: RequestContext, new: Obj, old: Obj) -> None:
        """Undo ``allocate(ctx, new, old)`` after the write failed (best effort).

        Values only ``new`` holds are released; values only ``old`` holds (released by
        ``allocate``) are taken back unless something else grabbed them meanwhile.
        """
        alloc = _allocators(ctx)
        if alloc is None or ctx.dry_run:
            return
        new_ips = set(_cluster_ips(_spec(new))) if needs_cluster_ip(new) else set()
        old_ips = set(_cluster_ips(_spec(old))) if needs_cluster_ip(old) else set()
        new_ports, old_ports = set(_held_ports(new)), set(_held_ports(old))
        for ip in new_ips - old_ips:
            alloc.ip_allocator.release(ip)
        for port in new_ports - old_ports:
            alloc.port_allocator.release(port)
        for ip in old_ips - new_ips:
            with contextlib.suppress(AllocationError):
                alloc.ip_allocator.allocate_specific(ip)
        for port in old_ports - new_ports:
            with contextlib.suppress(AllocationError):
                alloc.port_allocator.allocate_specific(port)

    async def release(self, ctx: RequestContext, obj: Obj) -> None:
        alloc = _allocators(ctx)
        if alloc is None or ctx.dry_run:
            return
        if needs_cluster_ip(obj):
            for ip in _cluster_ips(_spec(obj)):
                alloc.ip_allocator.release(ip)
        for port in _held_ports(obj):
            alloc.port_allocator.release(port)

    @staticmethod
    def _allocate_ips(txn: _Allocation, obj: Obj, old: Obj | None) -> None:
        spec = obj["spec"]
        if not needs_cluster_ip(obj):
            return
        if _is_headless(spec):
            spec["clusterIPs"] = ["None"]
            return
        held = set(_cluster_ips(_spec(old))) if needs_cluster_ip(old) else set()
        ips = as_list(spec.get("clusterIPs"))
        requested = ips[0] if ips else spec.get("clusterIP") or ""
        if requested:
            if requested not in held:
                try:
                    txn.claim_ip(requested)
                except AllocationError as exc:
                    raise _invalid_service(obj, "spec.clusterIPs", go_string_slice(ips or [requested]),
                                           f"failed to allocate IP {requested}: {exc}") from None
            ip = requested
        else:
            try:
                ip = txn.next_ip()
            except AllocationError as exc:
                raise errors.internal_error(f"failed to allocate a serviceIP: {exc}") from None
        spec["clusterIP"] = ip
        spec["clusterIPs"] = [ip, *[x for x in ips[1:] if isinstance(x, str)]] if ips else [ip]

    @staticmethod
    def _allocate_node_ports(txn: _Allocation, obj: Obj, old: Obj | None) -> None:
        spec = obj["spec"]
        held = set(_held_ports(old)) if old is not None else set()
        taken: set[int] = set()

        def claim(port: int, path: str, detail_prefix: str = "") -> None:
            if port in held or port in taken:
                taken.add(port)
                return
            try:
                txn.claim_port(port)
            except AllocationError as exc:
                raise _invalid_service(obj, path, port, f"{detail_prefix}{exc}") from None
            taken.add(port)

        def next_port() -> int:
            try:
                port = txn.next_port()
            except AllocationError as exc:
                raise errors.internal_error(f"failed to allocate a nodePort: {exc}") from None
            taken.add(port)
            return port

        if needs_node_port(obj):
            auto = spec.get("type") == "NodePort" or spec.get("allocateLoadBalancerNodePorts") is not False
            ports = [p for p in as_list(spec.get("ports")) if isinstance(p, dict)]
            by_service_port: dict[Any, int] = {}
            for i, port in enumerate(ports):
                np = port.get("nodePort") or 0
                svc_port = port.get("port")
                if np:
                    claim(np, f"spec.ports[{i}].nodePort")
                    by_service_port.setdefault(svc_port, np)
                    continue
                if svc_port in by_service_port:
                    port["nodePort"] = by_service_port[svc_port]
                    continue
                if not auto:
                    continue
                later = next((p.get("nodePort") for p in ports[i + 1:]
                              if p.get("port") == svc_port and p.get("nodePort")), 0)
                if later:
                    j = ports.index(next(p for p in ports[i + 1:] if p.get("nodePort") == later))
                    claim(later, f"spec.ports[{j}].nodePort")
                    port["nodePort"] = later
                else:
                    port["nodePort"] = next_port()
                by_service_port[svc_port] = port["nodePort"]
        if needs_hc_node_port(obj):
            hc = spec.get("healthCheckNodePort") or 0
            if hc:
                claim(hc, "spec.healthCheckNodePort", f"failed to allocate requested HealthCheck NodePort {hc}: ")
            else:
                spec["healthCheckNodePort"] = next_port()


def _held_ports(svc: Obj | None) -> list[int]:
    """NodePorts and the health-check NodePort a Service holds."""
    spec = _spec(svc)
    out = _node_ports(spec) if needs_node_port(svc) else []
    hc = spec.get("healthCheckNodePort")
    if isinstance(hc, int) and hc and needs_hc_node_port(svc):
        out.append(hc)
    return out


# --- validation ---------------------------------------------------------------------------------------

def _validate_ports(spec: Obj) -> list[FieldError]:
    errs: list[FieldError] = []
    ports = [as_dict(p) for p in as_list(spec.get("ports"))]
    require_name = len(ports) > 1
    names: set[str] = set()
    seen: set[tuple[Any, Any]] = set()
    node_ports: set[tuple[Any, Any]] = set()
    for i, port in enumerate(ports):
        p = f"spec.ports[{i}]"
        name = port.get("name") or ""
        if require_name and not name:
            errs.append(required(p + ".name"))
        elif name:
            errs.extend(invalid(p + ".name", name, m) for m in is_dns1123_label(name))
            if name in names:
                errs.append(FieldError("Duplicate", p + ".name", value=name))
            names.add(name)
        number = port.get("port", 0)
        if isinstance(number, int):
            errs.extend(invalid(p + ".port", number, m) for m in is_valid_port_num(number))
        proto = port.get("protocol") or ""
        errs.extend(required_choice(proto, p + ".protocol", PROTOCOLS))
        target = port.get("targetPort")
        if isinstance(target, int) and not isinstance(target, bool):
            errs.extend(invalid(p + ".targetPort", target, m) for m in is_valid_port_num(target))
        elif isinstance(target, str):
            errs.extend(invalid(p + ".targetPort", target, m) for m in is_valid_port_name(target))
        app = port.get("appProtocol")
        if isinstance(app, str):
            errs.extend(invalid(p + ".appProtocol", app, m) for m in is_qualified_name(app))
        key = (proto, number)
        if key in seen:
            errs.append(FieldError("Duplicate", p, value=_go_service_port(port)))
        seen.add(key)
        np = port.get("nodePort") or 0
        if np:
            if (proto, np) in node_ports:
                errs.append(FieldError("Duplicate", p + ".nodePort", value=np))
            node_ports.add((proto, np))
            if isinstance(np, int):
                errs.extend(invalid(p + ".nodePort", np, m) for m in is_valid_port_num(np))
            if spec.get("type") == "ClusterIP":
                errs.append(FieldError("Forbidden", p + ".nodePort", "may not be used when `type` is 'ClusterIP'"))
    return errs


def _validate_cluster_ips(spec: Obj, family: str) -> list[FieldError]:
    errs: list[FieldError] = []
    svc_type = spec.get("type")
    if svc_type == "ExternalName":
        if spec.get("clusterIPs") or spec.get("clusterIP"):
            errs.append(FieldError("Forbidden", "spec.clusterIPs", "may not be set for ExternalName services"))
        if spec.get("ipFamilies"):
            errs.append(FieldError("Forbidden", "spec.ipFamilies", "may not be set for ExternalName services"))
        if spec.get("ipFamilyPolicy") is not None:
            errs.append(FieldError("Forbidden", "spec.ipFamilyPolicy", "may not be set for ExternalName services"))
        return errs
    ip, ips = spec.get("clusterIP") or "", as_list(spec.get("clusterIPs"))
    if ip:
        if not ips:
            errs.append(required("spec.clusterIPs"))
        elif ips[0] != ip:
            errs.append(invalid("spec.clusterIPs", go_string_slice(ips), "first value must match `clusterIP`"))
    elif ips:
        errs.append(invalid("spec.clusterIPs", go_string_slice(ips), "must be empty when `clusterIP` is not specified"))
    seen: set[str] = set()
    families = as_list(spec.get("ipFamilies"))
    for i, fam in enumerate(families):
        if fam not in IP_FAMILIES:
            errs.append(not_supported(f"spec.ipFamilies[{i}]", fam, IP_FAMILIES))
        elif fam != family:
            errs.append(invalid(f"spec.ipFamilies[{i}]", fam, "not configured on this cluster"))
        if fam in seen:
            errs.append(FieldError("Duplicate", f"spec.ipFamilies[{i}]", value=fam))
        seen.add(fam)
    policy = spec.get("ipFamilyPolicy")
    if policy is not None:
        if policy not in IP_FAMILY_POLICIES:
            errs.append(not_supported("spec.ipFamilyPolicy", policy, IP_FAMILY_POLICIES))
        elif policy == "RequireDualStack" and not (_is_headless(spec) and not spec.get("selector")):
            errs.append(invalid("spec.ipFamilyPolicy", policy,
                                "this cluster is not configured for dual-stack services"))
    for i, value in enumerate(ips):
        if i == 0 and value == "None":
            if len(ips) > 1:
                errs.append(invalid("spec.clusterIPs", go_string_slice(ips), "'None' must be the first and only value"))
            continue
        if not isinstance(value, str):
            continue
        msgs = is_valid_ip(value)
        errs.extend(invalid(f"spec.clusterIPs[{i}]", value, m) for m in msgs)
        if not msgs and families and i < len(families) and _ip_family(value) != families[i]:
            errs.append(invalid(f"spec.clusterIPs[{i}]", value,
                                f"expected an {families[i]} value as indicated by `ipFamilies[{i}]`"))
    if len(ips) > 1:
        errs.append(invalid("spec.clusterIPs", go_string_slice(ips),
                            "may not have more than one IP when the cluster is not dual-stack"))
    return errs


def _validate_service(spec: Obj, family: str) -> list[FieldError]:
    errs: list[FieldError] = []
    svc_type = spec.get("type") or ""
    if svc_type not in SERVICE_TYPES:
        errs.append(not_supported("spec.type", svc_type, SERVICE_TYPES))
    if svc_type == "ExternalName":
        cname = (spec.get("externalName") or "").removesuffix(".")
        if cname:
            errs.extend(invalid("spec.externalName", cname, m) for m in is_dns1123_subdomain(cname))
        else:
            errs.append(required("spec.externalName"))
    elif not as_list(spec.get("ports")) and not _is_headless(spec):
        errs.append(required("spec.ports"))
    errs.extend(_validate_cluster_ips(spec, family))
    errs.extend(_validate_ports(spec))
    affinity = spec.get("sessionAffinity") or ""
    if affinity not in SESSION_AFFINITIES:
        errs.append(not_supported("spec.sessionAffinity", affinity, SESSION_AFFINITIES))
    elif affinity == "ClientIP":
        timeout = as_dict(as_dict(spec.get("sessionAffinityConfig")).get("clientIP")).get("timeoutSeconds")
        if isinstance(timeout, int) and not 0 < timeout <= _MAX_AFFINITY_TIMEOUT:
            errs.append(invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout,
                                f"must be greater than 0 and less than {_MAX_AFFINITY_TIMEOUT}"))
    elif spec.get("sessionAffinityConfig") is not None:
        errs.append(FieldError("Forbidden", "spec.sessionAffinityConfig",
                               "must not be set when session affinity is None"))
    errs.extend(validate_labels(spec.get("selector"), "spec.selector"))
    for i, ip in enumerate(as_list(spec.get("externalIPs"))):
        if isinstance(ip, str):
            errs.extend(invalid(f"spec.externalIPs[{i}]", ip, m) for m in is_valid_ip(ip))
    etp = spec.get("externalTrafficPolicy") or ""
    if not _externally_accessible(spec):
        if etp:
            errs.append(invalid("spec.externalTrafficPolicy", etp,
                                "may only be set for externally-accessible services"))
    else:
        errs.extend(required_choice(etp, "spec.externalTrafficPolicy", TRAFFIC_POLICIES))
    hc = spec.get("healthCheckNodePort") or 0
    if hc and not (svc_type == "LoadBalancer" and etp == "Local"):
        errs.append(invalid("spec.healthCheckNodePort", hc,
                            "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
    itp = spec.get("internalTrafficPolicy")
    if itp is None:
        if svc_type in ("ClusterIP", "NodePort", "LoadBalancer"):
            errs.append(required("spec.internalTrafficPolicy"))
    elif itp not in TRAFFIC_POLICIES:
        errs.append(not_supported("spec.internalTrafficPolicy", itp, TRAFFIC_POLICIES))
    if svc_type == "LoadBalancer":
        if spec.get("allocateLoadBalancerNodePorts") is None:
            errs.append(required("spec.allocateLoadBalancerNodePorts"))
    else:
        for key in ("allocateLoadBalancerNodePorts", "loadBalancerClass"):
            if spec.get(key) is not None:
                errs.append(FieldError("Forbidden", f"spec.{key}", "may only be used when `type` is 'LoadBalancer'"))
        if spec.get("loadBalancerSourceRanges"):
            errs.append(FieldError("Forbidden", "spec.loadBalancerSourceRanges",
                                   "may only be used when `type` is 'LoadBalancer'"))
    return errs


def _validate_status(status: Obj) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, ing in enumerate(as_list(as_dict(status.get("loadBalancer")).get("ingress"))):
        ing = as_dict(ing)
        ip = ing.get("ip") or ""
        if ip:
            errs.extend(invalid(f"status.loadBalancer.ingress[{i}].ip", ip, m) for m in is_valid_ip(ip))
        host = ing.get("hostname") or ""
        if host:
            errs.extend(invalid(f"status.loadBalancer.ingress[{i}].hostname", host, m)
                        for m in is_dns1123_subdomain(host))
    return errs
