"""networking.k8s.io/v1 and discovery.k8s.io/v1: NetworkPolicies, Ingresses, IngressClasses,
IPAddresses, ServiceCIDRs and EndpointSlices.

Upstream: ``pkg/apis/networking/v1/defaults.go``, ``pkg/apis/discovery/v1/defaults.go`` and the
``validation`` packages of both groups.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from kapi.machinery.errors import FieldError
from kapi.machinery.names import (
    is_dns1123_label,
    is_dns1123_subdomain,
    is_valid_ip,
    is_valid_port_name,
    is_valid_port_num,
    is_wildcard_dns1123_subdomain,
)
from kapi.registry.strategies._util import (
    as_dict,
    as_list,
    ensure_dict,
    immutable,
    invalid,
    not_supported,
    required,
    required_choice,
    set_default,
    validate_label_selector,
)
from kapi.registry.strategy import RequestContext, Strategy

Obj = dict[str, Any]

__all__ = [
    "EndpointSliceStrategy",
    "IPAddressStrategy",
    "IngressClassStrategy",
    "IngressStrategy",
    "NetworkPolicyStrategy",
    "ServiceCIDRStrategy",
]

PROTOCOLS = ("SCTP", "TCP", "UDP")
PATH_TYPES = ("Exact", "ImplementationSpecific", "Prefix")
ADDRESS_TYPES = ("FQDN", "IPv4", "IPv6")
_MAX_ENDPOINTS = 1000
_MAX_ADDRESSES = 100


def _cidr_errors(value: Any, path: str) -> list[FieldError]:
    if not isinstance(value, str):
        return []
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return [invalid(path, value, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")]
    return []


def _port_errors(port: Any, path: str) -> list[FieldError]:
    if isinstance(port, int) and not isinstance(port, bool):
        return [invalid(path, port, m) for m in is_valid_port_num(port)]
    if isinstance(port, str):
        return [invalid(path, port, m) for m in is_valid_port_name(port)]
    return []


class NetworkPolicyStrategy(Strategy):
    """``networkpolicies``: ports default to TCP; ``policyTypes`` inferred from the rules."""

    def default(self, obj: Obj) -> None:
        spec = ensure_dict(obj, "spec")
        for direction in ("ingress", "egress"):
            for rule in as_list(spec.get(direction)):
                for port in as_list(as_dict(rule).get("ports")):
                    if isinstance(port, dict):
                        set_default(port, "protocol", "TCP")
        if not spec.get("policyTypes"):
            types = ["Ingress"]
            if spec.get("egress"):
                types.append("Egress")
            spec["policyTypes"] = types

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        spec = as_dict(obj.get("spec"))
        errs = validate_label_selector(spec.get("podSelector"), "spec.podSelector")
        for direction, peers in (("ingress", "from"), ("egress", "to")):
            for i, rule in enumerate(as_list(spec.get(direction))):
                rule = as_dict(rule)
                for j, port in enumerate(as_list(rule.get("ports"))):
                    p = f"spec.{direction}[{i}].ports[{j}]"
                    port = as_dict(port)
                    proto = port.get("protocol")
                    if proto not in PROTOCOLS:
                        errs.append(not_supported(p + ".protocol", proto, PROTOCOLS))
                    if port.get("port") is not None:
                        errs.extend(_port_errors(port["port"], p + ".port"))
                for j, peer in enumerate(as_list(rule.get(peers))):
                    p = f"spec.{direction}[{i}].{peers}[{j}]"
                    peer = as_dict(peer)
                    kinds = [k for k in ("podSelector", "namespaceSelector", "ipBlock") if peer.get(k) is not None]
                    if not kinds:
                        errs.append(required(p, "must specify a peer"))
                    if "ipBlock" in kinds:
                        if len(kinds) > 1:
                            errs.append(FieldError("Forbidden", p, "may not specify both ipBlock and another peer"))
                        block = as_dict(peer["ipBlock"])
                        if not block.get("cidr"):
                            errs.append(required(p + ".ipBlock.cidr"))
                        errs.extend(_cidr_errors(block.get("cidr"), p + ".ipBlock.cidr"))
                    for key in ("podSelector", "namespaceSelector"):
                        errs.extend(validate_label_selector(peer.get(key), f"{p}.{key}"))
        types = as_list(spec.get("policyTypes"))
        for i, t in enumerate(types):
            if t not in ("Ingress", "Egress"):
                errs.append(not_supported(f"spec.policyTypes[{i}]", t, ("Ingress", "Egress")))
        if len(types) > 2:
            errs.append(invalid("spec.policyTypes", types, "may not specify more than two policyTypes"))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return self.validate(ctx, new)


def _validate_backend(backend: Any, path: str) -> list[FieldError]:
    backend = as_dict(backend)
    errs: list[FieldError] = []
    service, resource = backend.get("service"), backend.get("resource")
    if service is not None and resource is not None:
        errs.append(invalid(path, "", "cannot set both resource and service backends"))
    elif service is None and resource is None:
        errs.append(invalid(path, "", "resource or service backend is required"))
    if isinstance(service, dict):
        name = service.get("name") or ""
        if not name:
            errs.append(required(path + ".service.name"))
        else:
            errs.extend(invalid(path + ".service.name", name, m) for m in is_dns1123_label(name))
        port = as_dict(service.get("port"))
        has_name, has_number = bool(port.get("name")), bool(port.get("number"))
        if has_name and has_number:
            errs.append(invalid(path + ".service.port", "", "cannot set both port name & port number"))
        elif has_name:
            errs.extend(invalid(path + ".service.port.name", port["name"], m) for m in is_valid_port_name(port["name"]))
        elif has_number:
            errs.extend(_port_errors(port["number"], path + ".service.port.number"))
        else:
            errs.append(required(path + ".service.port", "port name or number is required"))
    return errs


class IngressStrategy(Strategy):
    """``ingresses``: hosts, paths, path types and backends."""

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        spec = as_dict(obj.get("spec"))
        errs: list[FieldError] = []
        rules = as_list(spec.get("rules"))
        if spec.get("defaultBackend") is not None:
            errs.extend(_validate_backend(spec["defaultBackend"], "spec.defaultBackend"))
        elif not rules:
            errs.append(invalid("spec.rules", rules, "either `defaultBackend` or `rules` must be specified"))
        for i, rule in enumerate(rules):
            rule = as_dict(rule)
            p = f"spec.rules[{i}]"
            host = rule.get("host") or ""
            if host:
                if not is_valid_ip(host):
                    errs.append(invalid(p + ".host", host, "must be a DNS name, not an IP address"))
                rule_fn = is_wildcard_dns1123_subdomain if host.startswith("*") else is_dns1123_subdomain
                errs.extend(invalid(p + ".host", host, m) for m in rule_fn(host))
            http = rule.get("http")
            if http is None:
                continue
            paths = as_list(as_dict(http).get("paths"))
            if not paths:
                errs.append(required(p + ".http.paths"))
            for j, path in enumerate(paths):
                pp = f"{p}.http.paths[{j}]"
                path = as_dict(path)
                ptype = path.get("pathType")
                errs.extend(required_choice(ptype, pp + ".pathType", PATH_TYPES, "pathType must be specified"))
                value = path.get("path") or ""
                if ptype in ("Exact", "Prefix") or value:
                    if not value.startswith("/"):
                        errs.append(invalid(pp + ".path", value, "must be an absolute path"))
                    elif ptype in ("Exact", "Prefix") and ("//" in value or "/./" in value or "/../" in value):
                        errs.append(invalid(pp + ".path", value, "must not contain '//'"))
                errs.extend(_validate_backend(path.get("backend"), pp + ".backend"))
        for i, tls in enumerate(as_list(spec.get("tls"))):
            for j, host in enumerate(as_list(as_dict(tls).get("hosts"))):
                if isinstance(host, str):
                    rule_fn = is_wildcard_dns1123_subdomain if host.startswith("*") else is_dns1123_subdomain
                    errs.extend(invalid(f"spec.tls[{i}].hosts[{j}]", host, m) for m in rule_fn(host))
        cls = spec.get("ingressClassName")
        if isinstance(cls, str):
            errs.extend(invalid("spec.ingressClassName", cls, m) for m in is_dns1123_subdomain(cls))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return [] if ctx.subresource == "status" else self.validate(ctx, new)


class IngressClassStrategy(Strategy):
    """``ingressclasses``: an immutable controller name."""

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        controller = as_dict(obj.get("spec")).get("controller") or ""
        if not controller:
            return [required("spec.controller")]
        if len(controller) > 250:
            return [FieldError("TooLong", "spec.controller", "may not be more than 250 bytes")]
        return []

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        errs = self.validate(ctx, new)
        errs.extend(immutable(as_dict(new.get("spec")).get("controller"), as_dict(old.get("spec")).get("controller"),
                              "spec.controller"))
        return errs


class IPAddressStrategy(Strategy):
    """``ipaddresses``: a parent reference, immutable."""

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        ref = as_dict(obj.get("spec")).get("parentRef")
        if not isinstance(ref, dict):
            return [required("spec.parentRef")]
        errs: list[FieldError] = []
        for key in ("resource", "name"):
            if not ref.get(key):
                errs.append(required(f"spec.parentRef.{key}"))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return immutable(new.get("spec"), old.get("spec"), "spec")


class ServiceCIDRStrategy(Strategy):
    """``servicecidrs``: one or two CIDRs of different families; may only gain a secondary."""

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        cidrs = as_list(as_dict(obj.get("spec")).get("cidrs"))
        errs: list[FieldError] = []
        if not cidrs:
            errs.append(required("spec.cidrs", "at least one CIDR required"))
        if len(cidrs) > 2:
            errs.append(invalid("spec.cidrs", cidrs, "may only hold up to 2 values"))
        for i, cidr in enumerate(cidrs):
            errs.extend(_cidr_errors(cidr, f"spec.cidrs[{i}]"))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        if ctx.subresource == "status":
            return []
        errs = self.validate(ctx, new)
        new_c, old_c = as_list(as_dict(new.get("spec")).get("cidrs")), as_list(as_dict(old.get("spec")).get("cidrs"))
        if new_c[:len(old_c)] != old_c:
            errs.append(invalid("spec.cidrs", new_c, "field is immutable"))
        return errs


class EndpointSliceStrategy(Strategy):
    """``endpointslices``: ports default to TCP and an empty name; typed addresses."""

    def default(self, obj: Obj) -> None:
        for port in as_list(obj.get("ports")):
            if isinstance(port, dict):
                if port.get("name") is None:
                    port["name"] = ""
                if port.get("protocol") is None:
                    port["protocol"] = "TCP"

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        address_type = obj.get("addressType") or ""
        errs.extend(required_choice(address_type, "addressType", ADDRESS_TYPES))
        endpoints = as_list(obj.get("endpoints"))
        if len(endpoints) > _MAX_ENDPOINTS:
            errs.append(FieldError("TooMany", "endpoints", f"must have at most {_MAX_ENDPOINTS} items"))
        for i, ep in enumerate(endpoints):
            addrs = as_list(as_dict(ep).get("addresses"))
            if not addrs:
                errs.append(required(f"endpoints[{i}].addresses", "must contain at least 1 address"))
            elif len(addrs) > _MAX_ADDRESSES:
                errs.append(FieldError("TooMany", f"endpoints[{i}].addresses",
                                       f"must have at most {_MAX_ADDRESSES} items"))
            for j, addr in enumerate(addrs):
                if not isinstance(addr, str):
                    continue
                p = f"endpoints[{i}].addresses[{j}]"
                if address_type in ("IPv4", "IPv6"):
                    msgs = is_valid_ip(addr)
                    errs.extend(invalid(p, addr, m) for m in msgs)
                    if not msgs and (":" in addr) != (address_type == "IPv6"):
                        errs.append(invalid(p, addr, f"must be an {address_type} address"))
                elif address_type == "FQDN":
                    errs.extend(invalid(p, addr, m) for m in is_dns1123_subdomain(addr))
        names: set[str] = set()
        for i, port in enumerate(as_list(obj.get("ports"))):
            port = as_dict(port)
            p = f"ports[{i}]"
            name = port.get("name") or ""
            if name:
                errs.extend(invalid(p + ".name", name, m) for m in is_dns1123_label(name))
            if name in names:
                errs.append(FieldError("Duplicate", p + ".name", value=name))
            names.add(name)
            proto = port.get("protocol")
            if proto not in PROTOCOLS:
                errs.append(not_supported(p + ".protocol", proto, PROTOCOLS))
            number = port.get("port")
            if isinstance(number, int) and not isinstance(number, bool):
                errs.extend(invalid(p + ".port", number, m) for m in is_valid_port_num(number))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        errs = self.validate(ctx, new)
        errs.extend(immutable(new.get("addressType"), old.get("addressType"), "addressType"))
        return errs
