"""ClusterIP and NodePort allocators, and the registry's ServiceAllocators pair."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kapi.registry.allocators import (
    AlreadyAllocatedError,
    IPAllocator,
    NotInRangeError,
    PortAllocator,
    RangeFullError,
    ServiceAllocators,
)


def test_ip_allocate_is_in_range_unique_and_never_the_first_address() -> None:
    ips = IPAllocator("10.96.0.0/12", rng=random.Random(1))
    seen = {ips.allocate() for _ in range(500)}
    assert len(seen) == 500
    assert "10.96.0.1" not in seen
    assert all(ips.in_range(ip) and ips.is_allocated(ip) for ip in seen)
    assert ips.first_ip() == "10.96.0.1"


def test_ip_dynamic_band_is_used_first() -> None:
    ips = IPAllocator("10.96.0.0/12", rng=random.Random(2))
    # the lower 256 addresses form the static band, left for explicit requests
    for _ in range(50):
        ip = ips.allocate()
        assert int(ip.split(".")[2]) > 0 or int(ip.split(".")[1]) > 96


def test_ip_allocate_specific_and_errors() -> None:
    ips = IPAllocator("10.96.0.0/12")
    ips.allocate_specific("10.96.0.10")
    assert ips.is_allocated("10.96.0.10")
    with pytest.raises(AlreadyAllocatedError, match=r"^provided IP is already allocated$"):
        ips.allocate_specific("10.96.0.10")
    with pytest.raises(NotInRangeError) as exc:
        ips.allocate_specific("10.0.0.1")
    assert str(exc.value) == ("the provided IP (10.0.0.1) is not in the valid range. "
                              "The range of valid IPs is 10.96.0.0/12")
    # network and broadcast addresses are outside the usable range
    for ip in ("10.96.0.0", "10.111.255.255", "not-an-ip"):
        with pytest.raises(NotInRangeError):
            ips.allocate_specific(ip)
    ips.release("10.96.0.10")
    assert not ips.is_allocated("10.96.0.10")
    ips.allocate_specific("10.96.0.10")
    ips.release("10.0.0.1")  # ignored


def test_ip_first_address_can_be_requested() -> None:
    ips = IPAllocator("10.96.0.0/12")
    ips.allocate_specific("10.96.0.1")
    assert ips.is_allocated("10.96.0.1")


def test_ip_exhaustion_and_reuse() -> None:
    ips = IPAllocator("192.168.0.0/29")  # 6 usable, the first one reserved
    got = [ips.allocate() for _ in range(5)]
    assert sorted(got) == [f"192.168.0.{i}" for i in range(2, 7)]
    with pytest.raises(RangeFullError, match="range is full"):
        ips.allocate()
    ips.release("192.168.0.4")
    assert ips.allocate() == "192.168.0.4"
    assert ips.free == 0


def test_ip_peek_does_not_reserve() -> None:
    ips = IPAllocator("192.168.0.0/29")
    candidate = ips.peek()
    assert not ips.is_allocated(candidate)
    assert ips.used == 0


def test_ipv6_range() -> None:
    ips = IPAllocator("fd00:10:96::/112")
    assert ips.family == "IPv6"
    assert ips.first_ip() == "fd00:10:96::1"
    ip = ips.allocate()
    assert ips.in_range(ip)
    with pytest.raises(NotInRangeError):
        ips.allocate_specific("10.96.0.5")


def test_ports() -> None:
    ports = PortAllocator(30000, 32767, rng=random.Random(3))
    got = {ports.allocate() for _ in range(200)}
    assert len(got) == 200
    assert all(30086 <= p <= 32767 for p in got)  # dynamic band first
    ports.allocate_specific(30080)
    with pytest.raises(AlreadyAllocatedError, match=r"^provided port is already allocated$"):
        ports.allocate_specific(30080)
    with pytest.raises(NotInRangeError) as exc:
        ports.allocate_specific(80)
    assert str(exc.value) == "provided port is not in the valid range. The range of valid ports is 30000-32767"
    ports.release(30080)
    assert not ports.is_allocated(30080)


def test_port_exhaustion() -> None:
    ports = PortAllocator(30000, 30004)
    assert sorted(ports.allocate() for _ in range(5)) == [30000, 30001, 30002, 30003, 30004]
    with pytest.raises(RangeFullError):
        ports.allocate()
    ports.release(30002)
    assert ports.allocate() == 30002


def test_service_allocators_rebuild() -> None:
    alloc = ServiceAllocators.create(service_cidr="10.96.0.0/12", node_port_range=(30000, 32767))
    assert alloc.first_service_ip() == "10.96.0.1"
    alloc.ip_allocator.allocate_specific("10.96.0.99")  # forgotten by rebuild
    services = [
        {"spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"]}},
        {"spec": {"type": "NodePort", "clusterIP": "10.96.0.20", "ports": [{"port": 80, "nodePort": 30080}]}},
        {"spec": {"type": "LoadBalancer", "clusterIPs": ["10.96.0.21"], "healthCheckNodePort": 31000,
                  "ports": [{"port": 80, "nodePort": 30081}]}},
        {"spec": {"clusterIP": "None", "clusterIPs": ["None"]}},
        {"spec": {"type": "ExternalName", "externalName": "example.com"}},
        {"spec": {"clusterIP": "172.16.0.1"}},  # outside the range: not tracked
    ]
    alloc.rebuild(services)
    for ip in ("10.96.0.1", "10.96.0.20", "10.96.0.21"):
        assert alloc.ip_allocator.is_allocated(ip)
    assert not alloc.ip_allocator.is_allocated("10.96.0.99")
    for port in (30080, 30081, 31000):
        assert alloc.port_allocator.is_allocated(port)
    assert alloc.ip_allocator.used == 3
    assert alloc.port_allocator.used == 3


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["alloc", "specific", "release"]), st.integers(0, 12)), max_size=60))
def test_port_allocator_matches_a_model(ops: list[tuple[str, int]]) -> None:
    """Random allocate/claim/release sequences agree with a plain set."""
    ports = PortAllocator(30000, 30009, rng=random.Random(0))
    model: set[int] = set()
    for op, n in ops:
        port = 29998 + n  # a few values fall outside the range
        if op == "alloc":
            if len(model) == 10:
                with pytest.raises(RangeFullError):
                    ports.allocate()
            else:
                got = ports.allocate()
                assert got not in model and 30000 <= got <= 30009
                model.add(got)
        elif op == "specific":
            if not 30000 <= port <= 30009:
                with pytest.raises(NotInRangeError):
                    ports.allocate_specific(port)
            elif port in model:
                with pytest.raises(AlreadyAllocatedError):
                    ports.allocate_specific(port)
            else:
                ports.allocate_specific(port)
                model.add(port)
        else:
            ports.release(port)
            model.discard(port)
        assert {p for p in range(29990, 30020) if ports.is_allocated(p)} == model
        assert ports.free == 10 - len(model)
