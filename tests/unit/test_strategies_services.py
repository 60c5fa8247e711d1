"""Services: defaults, IP families, validation, and ClusterIP/NodePort allocation."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest

from kapi.machinery.errors import StatusError
from kapi.registry.allocators import ServiceAllocators
from kapi.registry.strategies import strategy_for
from kapi.registry.strategy import RequestContext

Obj = dict[str, Any]
S = strategy_for("", "services")


def allocators() -> ServiceAllocators:
    return ServiceAllocators.create(service_cidr="10.96.0.0/12", node_port_range=(30000, 32767))


def ctx(alloc: ServiceAllocators | None = None, **kw: Any) -> RequestContext:
    return RequestContext(namespace="default", now="2025-01-01T00:00:00Z", services=alloc, **kw)


def svc(name: str = "web", **spec: Any) -> Obj:
    body: Obj = {"ports": [{"port": 80}], "selector": {"app": "web"}}
    body.update(spec)
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"}, "spec": body}


def create(obj: Obj, alloc: ServiceAllocators | None, **kw: Any) -> Obj:
    c = ctx(alloc, **kw)
    S.default(obj)
    S.prepare_for_create(c, obj)
    errs = S.validate(c, obj)
    assert errs == [], [str(e) for e in errs]
    asyncio.run(S.allocate(c, obj, None))
    return obj


def update(new: Obj, old: Obj, alloc: ServiceAllocators | None, **kw: Any) -> Obj:
    c = ctx(alloc, **kw)
    S.default(new)
    S.prepare_for_update(c, new, old)
    errs = S.validate_update(c, new, old)
    assert errs == [], [str(e) for e in errs]
    asyncio.run(S.allocate(c, new, old))
    return new


def errors_of(obj: Obj, old: Obj | None = None, **kw: Any) -> list[str]:
    c = ctx(allocators(), **kw)
    S.default(obj)
    if old is None:
        S.prepare_for_create(c, obj)
        return [str(e) for e in S.validate(c, obj)]
    S.prepare_for_update(c, obj, old)
    return [str(e) for e in S.validate_update(c, obj, old)]


def test_defaults_of_a_cluster_ip_service() -> None:
    alloc = allocators()
    obj = create(svc(ports=[{"name": "a", "port": 80}, {"name": "b", "port": 81, "targetPort": "http"}]), alloc)
    obj2 = create(svc(ports=[{"port": 80}]), alloc)
    spec = obj2["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert spec["ipFamilies"] == ["IPv4"]
    assert spec["ipFamilyPolicy"] == "SingleStack"
    assert spec["internalTrafficPolicy"] == "Cluster"
    assert "externalTrafficPolicy" not in spec
    assert spec["clusterIP"] == spec["clusterIPs"][0]
    assert alloc.ip_allocator.is_allocated(spec["clusterIP"])
    assert obj2["status"] == {"loadBalancer": {}}
    assert obj["spec"]["ports"][1]["targetPort"] == "http"
    again = copy.deepcopy(obj2)
    S.default(again)
    assert again == obj2


def test_headless_and_external_name() -> None:
    alloc = allocators()
    headless = create(svc(clusterIP="None"), alloc)
    assert headless["spec"]["clusterIPs"] == ["None"]
    assert headless["spec"]["ipFamilyPolicy"] == "SingleStack"
    bare = create(svc(clusterIP="None", selector=None, ports=None), alloc)
    assert bare["spec"]["ipFamilyPolicy"] == "RequireDualStack"
    assert bare["spec"]["ipFamilies"] == ["IPv4"]
    ext = create(svc(type="ExternalName", externalName="example.com", selector=None), alloc)
    assert "clusterIP" not in ext["spec"] and "ipFamilies" not in ext["spec"]
    assert alloc.ip_allocator.used == 0


def test_nodeport_and_loadbalancer_defaults_and_allocation() -> None:
    alloc = allocators()
    np = create(svc(type="NodePort", ports=[{"name": "w", "port": 80, "nodePort": 30080}, {"name": "x", "port": 81}]),
                alloc)
    assert np["spec"]["ports"][0]["nodePort"] == 30080
    assert 30000 <= np["spec"]["ports"][1]["nodePort"] <= 32767
    assert np["spec"]["externalTrafficPolicy"] == "Cluster"
    lb = create(svc(type="LoadBalancer", externalTrafficPolicy="Local"), alloc)
    assert lb["spec"]["allocateLoadBalancerNodePorts"] is True
    assert lb["spec"]["healthCheckNodePort"]
    assert alloc.port_allocator.is_allocated(lb["spec"]["healthCheckNodePort"])
    lb2 = create(svc(type="LoadBalancer", allocateLoadBalancerNodePorts=False), alloc)
    assert "nodePort" not in lb2["spec"]["ports"][0]


def test_two_protocols_share_a_node_port() -> None:
    alloc = allocators()
    obj = create(svc(type="NodePort", ports=[{"name": "dns", "port": 53, "protocol": "UDP"},
                                             {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]), alloc)
    ports = obj["spec"]["ports"]
    assert ports[0]["nodePort"] == ports[1]["nodePort"]
    assert alloc.port_allocator.used == 1


def test_requested_ip_taken_or_out_of_range() -> None:
    alloc = allocators()
    create(svc(clusterIP="10.96.0.5"), alloc)
    with pytest.raises(StatusError) as exc:
        create(svc("other", clusterIP="10.96.0.5"), alloc)
    assert exc.value.code == 422
    assert exc.value.message == ('Service "other" is invalid: spec.clusterIPs: Invalid value: '
                                 '[]string{"10.96.0.5"}: failed to allocate IP 10.96.0.5: provided IP is already '
                                 'allocated')
    with pytest.raises(StatusError) as exc:
        create(svc("far", clusterIP="10.0.0.1"), alloc)
    assert exc.value.message.endswith("failed to allocate IP 10.0.0.1: the provided IP (10.0.0.1) is not in the "
                                      "valid range. The range of valid IPs is 10.96.0.0/12")
    assert exc.value.details is not None and exc.value.details["causes"][0]["field"] == "spec.clusterIPs"


def test_requested_node_port_taken_rolls_back_the_ip() -> None:
    alloc = allocators()
    create(svc(type="NodePort", ports=[{"port": 80, "nodePort": 30080}]), alloc)
    used = alloc.ip_allocator.used
    with pytest.raises(StatusError) as exc:
        create(svc("b", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]), alloc)
    assert exc.value.message == ('Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: '
                                 'provided port is already allocated')
    assert alloc.ip_allocator.used == used  # the IP taken for "b" was given back
    with pytest.raises(StatusError) as exc:
        create(svc("c", type="NodePort", ports=[{"port": 80, "nodePort": 80}]), alloc)
    assert "provided port is not in the valid range. The range of valid ports is 30000-32767" in exc.value.message


def test_release_frees_everything() -> None:
    alloc = allocators()
    obj = create(svc(type="LoadBalancer", externalTrafficPolicy="Local"), alloc)
    assert alloc.ip_allocator.used == 1 and alloc.port_allocator.used == 2
    asyncio.run(S.release(ctx(alloc), obj))
    assert alloc.ip_allocator.used == 0 and alloc.port_allocator.used == 0


def test_dry_run_allocates_nothing_but_refuses_taken_values() -> None:
    alloc = allocators()
    obj = create(svc(type="NodePort"), alloc, dry_run=True)
    assert obj["spec"]["clusterIP"] and obj["spec"]["ports"][0]["nodePort"]
    assert alloc.ip_allocator.used == 0 and alloc.port_allocator.used == 0
    create(svc(clusterIP="10.96.0.7"), alloc)
    with pytest.raises(StatusError):
        create(svc("x", clusterIP="10.96.0.7"), alloc, dry_run=True)
    asyncio.run(S.release(ctx(alloc, dry_run=True), obj))
    assert alloc.ip_allocator.used == 1


def test_type_change_cluster_ip_to_node_port_and_back() -> None:
    alloc = allocators()
    old = create(svc(), alloc)
    ip = old["spec"]["clusterIP"]
    new = copy.deepcopy(old)
    new["spec"]["type"] = "NodePort"
    new = update(new, old, alloc)
    port = new["spec"]["ports"][0]["nodePort"]
    assert alloc.port_allocator.is_allocated(port)
    assert new["spec"]["clusterIP"] == ip and new["spec"]["externalTrafficPolicy"] == "Cluster"
    back = copy.deepcopy(new)
    back["spec"]["type"] = "ClusterIP"
    back = update(back, new, alloc)
    assert "nodePort" not in back["spec"]["ports"][0]
    assert "externalTrafficPolicy" not in back["spec"]
    assert not alloc.port_allocator.is_allocated(port)
    assert alloc.ip_allocator.is_allocated(ip)


def test_type_change_to_and_from_external_name() -> None:
    alloc = allocators()
    old = create(svc(), alloc)
    ip = old["spec"]["clusterIP"]
    ext = copy.deepcopy(old)
    ext["spec"].update(type="ExternalName", externalName="example.com")
    ext = update(ext, old, alloc)
    assert "clusterIP" not in ext["spec"] and "ipFamilies" not in ext["spec"]
    assert not alloc.ip_allocator.is_allocated(ip)
    back = copy.deepcopy(ext)
    back["spec"]["type"] = "ClusterIP"
    del back["spec"]["externalName"]
    back = update(back, ext, alloc)
    assert alloc.ip_allocator.is_allocated(back["spec"]["clusterIP"])
    assert back["spec"]["ipFamilies"] == ["IPv4"]


def test_update_without_allocated_values_keeps_them() -> None:
    alloc = allocators()
    old = create(svc(type="NodePort", ports=[{"name": "http", "port": 80}]), alloc)
    new = svc(type="NodePort", ports=[{"name": "http", "port": 80}])  # a PUT of the original manifest
    new = update(new, old, alloc)
    assert new["spec"]["clusterIP"] == old["spec"]["clusterIP"]
    assert new["spec"]["ports"][0]["nodePort"] == old["spec"]["ports"][0]["nodePort"]
    assert alloc.port_allocator.used == 1 and alloc.ip_allocator.used == 1


def test_cluster_ip_is_immutable() -> None:
    alloc = allocators()
    old = create(svc(), alloc)
    new = copy.deepcopy(old)
    new["spec"]["clusterIP"] = "10.96.0.99"
    new["spec"]["clusterIPs"] = ["10.96.0.99"]
    assert errors_of(new, old) == ['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.99"}: may not change '
                                   'once set']


def test_validation_messages() -> None:
    assert errors_of(svc(ports=[])) == ["spec.ports: Required value"]
    assert errors_of(svc(ports=[{"port": 0}])) == ["spec.ports[0].port: Invalid value: 0: must be between 1 and "
                                                   "65535, inclusive", "spec.ports[0].targetPort: Invalid value: "
                                                   "0: must be between 1 and 65535, inclusive"]
    assert errors_of(svc(ports=[{"port": 80}, {"port": 81}])) == [
        "spec.ports[0].name: Required value", "spec.ports[1].name: Required value"]
    assert errors_of(svc(ports=[{"name": "a", "port": 80}, {"name": "a", "port": 81}])) == [
        'spec.ports[1].name: Duplicate value: "a"']
    assert errors_of(svc(ports=[{"port": 80, "protocol": "HTTP"}])) == [
        'spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']
    assert errors_of(svc(type="Magic")) == [
        'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", '
        '"NodePort"']
    assert errors_of(svc(ports=[{"port": 80, "nodePort": 30001}])) == [
        "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]
    assert errors_of(svc(type="ExternalName", selector=None)) == ["spec.externalName: Required value"]
    assert errors_of(svc(clusterIP="abc")) == [
        'spec.clusterIPs[0]: Invalid value: "abc": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']
    assert errors_of(svc(ipFamilies=["IPv6"])) == ['spec.ipFamilies[0]: Invalid value: "IPv6": not configured '
                                                   'on this cluster']


def test_rollback_update_restores_the_old_allocation() -> None:
    alloc = allocators()
    old = create(svc(type="NodePort", ports=[{"port": 80, "nodePort": 30080}]), alloc)
    new = copy.deepcopy(old)
    new["spec"]["ports"][0]["nodePort"] = 30090
    new = update(new, old, alloc)
    assert alloc.port_allocator.is_allocated(30090) and not alloc.port_allocator.is_allocated(30080)
    asyncio.run(S.rollback_update(ctx(alloc), new, old))  # type: ignore[attr-defined]
    assert alloc.port_allocator.is_allocated(30080) and not alloc.port_allocator.is_allocated(30090)


def test_status_update_is_validated_separately() -> None:
    alloc = allocators()
    old = create(svc(type="LoadBalancer"), alloc)
    new = copy.deepcopy(old)
    new["status"] = {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}, {"ip": "bad"}]}}
    c = ctx(alloc, subresource="status")
    S.default(new)
    S.prepare_for_update(c, new, old)
    errs = [str(e) for e in S.validate_update(c, new, old)]
    assert errs == ['status.loadBalancer.ingress[1].ip: Invalid value: "bad": must be a valid IP address, '
                    '(e.g. 10.9.8.7 or 2001:db8::ffff)']
    assert new["status"]["loadBalancer"]["ingress"][0]["ipMode"] == "VIP"
