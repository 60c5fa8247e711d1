"""ClusterIP and NodePort allocators for Services, and the pair the registry owns.

Behaviour follows upstream's ``pkg/registry/core/service/ipallocator`` and ``portallocator``:
a range is split into a lower *static* band (meant for values users ask for) and an upper
*dynamic* band; automatic allocation picks a random free value from the dynamic band first and
falls back to the static band only when the dynamic one is full. Error texts are upstream's,
since they reach clients inside ``422 Invalid`` responses.

The allocators are in-memory sets; the registry rebuilds them from the stored Services at
start-up (:meth:`ServiceAllocators.rebuild`). The first usable address of the service range is
reserved for the ``kubernetes`` Service and never handed out automatically.
"""

from __future__ import annotations

import contextlib
import ipaddress
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

__all__ = [
    "AllocationError",
    "AlreadyAllocatedError",
    "IPAllocator",
    "NotInRangeError",
    "PortAllocator",
    "RangeFullError",
    "ServiceAllocators",
]


class AllocationError(ValueError):
    """A value could not be allocated; ``str(err)`` is upstream's wording."""


class AlreadyAllocatedError(AllocationError):
    pass


class NotInRangeError(AllocationError):
    pass


class RangeFullError(AllocationError):
    def __init__(self) -> None:
        super().__init__("range is full")


def _range_offset(size: int, *, lo: int, hi: int, step: int) -> int:
    """Size of the static band (upstream's ``calculateRangeOffset``)."""
    if size < lo:
        return 0
    return max(lo, min(hi, size // step))


class _OffsetSet:
    """Allocation bookkeeping over offsets ``0..size-1`` with static/dynamic bands."""

    def __init__(self, size: int, static_size: int, *, rng: random.Random | None = None,
                 reserved: Iterable[int] = ()) -> None:
        self.size = size
        self.static_size = min(static_size, size)
        self.used: set[int] = set()
        self.reserved = frozenset(reserved)  # never handed out automatically
        self._rng = rng or random.Random()

    def _scan(self, lo: int, hi: int) -> int | None:
        """A free offset in ``[lo, hi)``: random start, then a linear scan with wrap-around."""
        count = hi - lo
        if count <= 0:
            return None
        start = self._rng.randrange(count)
        for i in range(count):
            off = lo + (start + i) % count
            if off not in self.used and off not in self.reserved:
                return off
        return None

    def next_free(self) -> int | None:
        off = self._scan(self.static_size, self.size)
        if off is None:
            off = self._scan(0, self.static_size)
        return off

    def free(self) -> int:
        return self.size - len(self.used) - len(self.reserved - self.used)


V = TypeVar("V")


class _Allocator(Generic[V]):
    """What both allocators do over their :class:`_OffsetSet`; subclasses map values to offsets."""

    _offsets: _OffsetSet
    _already_allocated: str  # upstream's message when a requested value is taken

    def _offset(self, value: V) -> int:
        """The offset of ``value``; :class:`NotInRangeError` when it is outside the range."""
        raise NotImplementedError

    def _value(self, offset: int) -> V:
        raise NotImplementedError

    def _next_free(self) -> int:
        off = self._offsets.next_free()
        if off is None:
            raise RangeFullError()
        return off

    def check(self, value: V) -> None:
        """Raise what :meth:`allocate_specific` would raise, without allocating."""
        if self._offset(value) in self._offsets.used:
            raise AlreadyAllocatedError(self._already_allocated)

    def allocate(self) -> V:
        """A free value; :class:`RangeFullError` when none is left."""
        off = self._next_free()
        self._offsets.used.add(off)
        return self._value(off)

    def peek(self) -> V:
        """The value :meth:`allocate` might return, without reserving it (dry runs)."""
        return self._value(self._next_free())

    def allocate_specific(self, value: V) -> None:
        self.check(value)
        self._offsets.used.add(self._offset(value))

    def reset(self) -> None:
        self._offsets.used.clear()

    @property
    def used(self) -> int:
        return len(self._offsets.used)

    @property
    def free(self) -> int:
        """How many values :meth:`allocate` can still hand out."""
        return self._offsets.free()


class IPAllocator(_Allocator[str]):
    """ClusterIPs from one CIDR (upstream's service IP allocator)."""

    _already_allocated = "provided IP is already allocated"

    def __init__(self, cidr: str = "10.96.0.0/12", *, rng: random.Random | None = None) -> None:
        net = ipaddress.ip_network(cidr, strict=False)
        self.network = net
        self.cidr = str(net)
        self.family = "IPv4" if net.version == 4 else "IPv6"
        total = net.num_addresses
        # the network address is never usable; nor is the IPv4 broadcast address
        usable = total - 2 if net.version == 4 else total - 1
        if usable < 1:
            raise ValueError(f"service CIDR {cidr} is too small")
        usable = min(usable, 1 << 24)  # bookkeeping bound for very large IPv6 ranges
        self._base = int(net.network_address) + 1
        static = _range_offset(min(total, 1 << 24), lo=16, hi=256, step=16)
        # offset 0 (the first address) belongs to the `kubernetes` Service
        self._offsets = _OffsetSet(usable, static, rng=rng, reserved=(0,))

    # --- conversions ---------------------------------------------------------------------------
    def _offset(self, ip: str) -> int:
        try:
            addr = ipaddress.ip_address(ip.strip())
        except ValueError:
            addr = None
        if addr is not None and addr.version == self.network.version:
            off = int(addr) - self._base
            if 0 <= off < self._offsets.size:
                return off
        raise NotInRangeError(f"the provided IP ({ip}) is not in the valid range. "
                              f"The range of valid IPs is {self.cidr}")

    def _value(self, offset: int) -> str:
        return str(ipaddress.ip_address(self._base + offset))

    # --- API -------------------------------------------------------------------------------------
    def first_ip(self) -> str:
        """The first usable address (the ``kubernetes`` Service's ClusterIP)."""
        return self._value(0)

    def in_range(self, ip: str) -> bool:
        try:
            self._offset(ip)
        except NotInRangeError:
            return False
        return True

    def release(self, ip: str) -> None:
        """Free ``ip``; unknown or out-of-range addresses are ignored."""
        with contextlib.suppress(NotInRangeError):
            self._offsets.used.discard(self._offset(ip))

    def is_allocated(self, ip: str) -> bool:
        try:
            return self._offset(ip) in self._offsets.used
        except NotInRangeError:
            return False


class PortAllocator(_Allocator[int]):
    """NodePorts from ``first..last`` inclusive (upstream's port allocator)."""

    _already_allocated = "provided port is already allocated"

    def __init__(self, first: int = 30000, last: int = 32767, *, rng: random.Random | None = None) -> None:
        if last < first:
            raise ValueError(f"invalid port range {first}-{last}")
        self.first = first
        self.last = last
        size = last - first + 1
        self._offsets = _OffsetSet(size, _range_offset(size, lo=16, hi=128, step=32), rng=rng)

    @property
    def range_text(self) -> str:
        return f"{self.first}-{self.last}"

    def _offset(self, port: int) -> int:
        if not isinstance(port, int) or isinstance(port, bool) or not self.first <= port <= self.last:
            raise NotInRangeError(f"provided port is not in the valid range. The range of valid ports is "
                                  f"{self.range_text}")
        return port - self.first

    def _value(self, offset: int) -> int:
        return self.first + offset

    def in_range(self, port: int) -> bool:
        return isinstance(port, int) and self.first <= port <= self.last

    def release(self, port: int) -> None:
        if self.in_range(port):
            self._offsets.used.discard(port - self.first)

    def is_allocated(self, port: int) -> bool:
        return self.in_range(port) and (port - self.first) in self._offsets.used


def service_ips(svc: dict[str, Any]) -> list[str]:
    """The ClusterIPs a stored Service holds (none for headless and ExternalName)."""
    spec = svc.get("spec") if isinstance(svc.get("spec"), dict) else {}
    if spec.get("type") == "ExternalName":
        return []
    ips = spec.get("clusterIPs") if isinstance(spec.get("clusterIPs"), list) else []
    if not ips and isinstance(spec.get("clusterIP"), str) and spec.get("clusterIP"):
        ips = [spec["clusterIP"]]
    return [ip for ip in ips if isinstance(ip, str) and ip and ip != "None"]


def service_node_ports(svc: dict[str, Any]) -> list[int]:
    """The NodePorts (and health-check NodePort) a stored Service holds, without duplicates."""
    spec = svc.get("spec") if isinstance(svc.get("spec"), dict) else {}
    out: list[int] = []
    for port in spec.get("ports") or []:
        np = port.get("nodePort") if isinstance(port, dict) else None
        if isinstance(np, int) and not isinstance(np, bool) and np and np not in out:
            out.append(np)
    hc = spec.get("healthCheckNodePort")
    if isinstance(hc, int) and not isinstance(hc, bool) and hc and hc not in out:
        out.append(hc)
    return out


@dataclass
class ServiceAllocators:
    """The registry's ClusterIP and NodePort allocators (``RequestContext.services``)."""

    ip_allocator: IPAllocator
    port_allocator: PortAllocator

    @classmethod
    def create(cls, *, service_cidr: str, node_port_range: tuple[int, int]) -> ServiceAllocators:
        return cls(IPAllocator(service_cidr), PortAllocator(node_port_range[0], node_port_range[1]))

    def rebuild(self, services: Iterable[dict[str, Any]]) -> None:
        """Forget everything, then mark the IPs and ports of every stored Service as taken.

        Values outside the current ranges (e.g. after the ranges were reconfigured) are kept by
        their Services but not tracked, as upstream's repair loop does.
        """
        self.ip_allocator.reset()
        self.port_allocator.reset()
        for svc in services:
            if not isinstance(svc, dict):
                continue
            for ip in service_ips(svc):
                if self.ip_allocator.in_range(ip):
                    self.ip_allocator.release(ip)
                    self.ip_allocator.allocate_specific(ip)
            for port in service_node_ports(svc):
                if self.port_allocator.in_range(port):
                    self.port_allocator.release(port)
                    self.port_allocator.allocate_specific(port)

    def first_service_ip(self) -> str:
        return self.ip_allocator.first_ip()
