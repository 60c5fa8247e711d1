"""Human-readable table printing: per-kind column definitions and row functions.

``printer_for(rt)`` gives the ``Printer`` of a resource type: upstream's printer for the built-in
kinds that have one (``pkg/printers/internalversion/printers.go``, Kubernetes 1.33), the
default table convertor (``NAME``, ``CREATED AT``) for the other built-in kinds, and for custom
resources the CRD table convertor (``kapi.registry.printers.custom``): ``NAME`` and the version's
additional printer columns, or ``NAME``, ``AGE`` when it declares none.
"""

from __future__ import annotations

from kapi.registry.builtin_facts import SERVED_GROUP_VERSIONS
from kapi.registry.printers._base import (
    Column,
    Obj,
    Printer,
    age,
    human_duration,
    meta,
    name_column,
    name_of,
)
from kapi.registry.printers.apps import APPS, BATCH
from kapi.registry.printers.core import PRINTERS as CORE
from kapi.registry.printers.core import pod_status
from kapi.registry.printers.custom import cached_custom_printer
from kapi.registry.printers.groups import (
    ADMISSION,
    CERTIFICATESIGNINGREQUESTS,
    ENDPOINTSLICES,
    EVENTS_V1,
    HORIZONTALPODAUTOSCALERS,
    LEASES,
    NETWORKING,
    PODDISRUPTIONBUDGETS,
    PRIORITYCLASSES,
    RBAC,
    RUNTIMECLASSES,
    STORAGE,
)
from kapi.registry.types import ResourceType

__all__ = ["CUSTOM", "DEFAULT", "Column", "Printer", "human_duration", "pod_status", "printer_for"]


def _created_at(o: Obj, now: float) -> list[object]:
    ts = meta(o).get("creationTimestamp")
    return [name_of(o), ts if isinstance(ts, str) and ts else "0001-01-01T00:00:00Z"]


#: upstream's ``rest.DefaultTableConvertor``: built-in kinds without a printer (roles, CRDs, ...)
DEFAULT = Printer((
    name_column(),
    Column("Created At", "date", ref=("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "creationTimestamp")),
), _created_at)

#: custom resources without additional printer columns
CUSTOM = Printer((
    name_column(),
    Column("Age", "date", ref=("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "creationTimestamp")),
), lambda o, now: [name_of(o), age(o, now)])

# the kinds are those of the groups' internal types: every served version prints alike
_BY_GROUP: dict[str, dict[str, Printer]] = {
    "": CORE,
    "apps": APPS,
    "batch": BATCH,
    "networking.k8s.io": NETWORKING,
    "discovery.k8s.io": {"EndpointSlice": ENDPOINTSLICES},
    "policy": {"PodDisruptionBudget": PODDISRUPTIONBUDGETS},
    "rbac.authorization.k8s.io": RBAC,
    "storage.k8s.io": STORAGE,
    "autoscaling": {"HorizontalPodAutoscaler": HORIZONTALPODAUTOSCALERS},
    "coordination.k8s.io": {"Lease": LEASES},
    "scheduling.k8s.io": {"PriorityClass": PRIORITYCLASSES},
    "node.k8s.io": {"RuntimeClass": RUNTIMECLASSES},
    "admissionregistration.k8s.io": ADMISSION,
    "certificates.k8s.io": {"CertificateSigningRequest": CERTIFICATESIGNINGREQUESTS},
    "events.k8s.io": {"Event": EVENTS_V1},
}

_BUILTIN_GROUPS = frozenset(gv.rpartition("/")[0] for gv in SERVED_GROUP_VERSIONS)


def printer_for(rt: ResourceType) -> Printer:
    if rt.extra.get("custom"):
        columns = rt.extra.get("printer_columns")
        if isinstance(columns, list) and columns:
            return cached_custom_printer(columns)
        return CUSTOM
    found = _BY_GROUP.get(rt.group, {}).get(rt.kind)
    if found is not None:
        return found
    if rt.group in _BUILTIN_GROUPS:
        return DEFAULT
    return CUSTOM
