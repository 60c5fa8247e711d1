"""Per-kind behaviour: the hooks the generic resource service calls, in a fixed order.

Create:  default -> prepare_for_create -> (generic metadata/schema validation) -> validate ->
         allocate (async; e.g. ClusterIP) -> store
Update:  default -> prepare_for_update -> (generic) -> validate_update -> store
Status updates use the same hooks with ``ctx.subresource == "status"``; the generic service has
already kept the old object apart from ``status`` (and the main resource keeps the old
``status``), so strategies only add kind-specific rules.

Every hook receives the request context. The base class does nothing, so a kind implements
only what differs. Strategies are pure apart from ``allocate``/``release`` which may touch
allocators passed in the context.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kapi.machinery.errors import FieldError

Obj = dict[str, Any]


@dataclass(slots=True)
class RequestContext:
    namespace: str | None = None
    subresource: str | None = None
    dry_run: bool = False
    field_manager: str | None = None
    user: str = "system:admin"
    now: str = ""  # RFC 3339 timestamp of the request, seconds precision
    warnings: list[str] = field(default_factory=list)
    duplicate_fields: list[str] = field(default_factory=list)  # repeated JSON keys, for fieldValidation
    managed_fields_done: bool = False  # server-side apply has already set managedFields
    services: Any = None  # registry-level helpers (allocators, lookups) for allocate/release


class Strategy:
    """Default: no kind-specific behaviour."""

    #: on create, drop any client-supplied ``status`` (kinds with a status subresource)
    reset_status_on_create: bool = True
    #: a PUT of a missing object creates it (upstream's ``AllowCreateOnUpdate``)
    allow_create_on_update: bool = False
    #: a delete answers with the deleted object, not a Success Status (upstream's ``ReturnDeletedObject``)
    returns_deleted_object: bool = False

    def check_delete(self, ctx: RequestContext, obj: Obj) -> None:
        """Refuse a delete outright by raising a StatusError (e.g. the default namespaces)."""

    def grace_period(self, obj: Obj, requested: int | None) -> int:
        """Seconds the object stays, marked, before it may go (graceful deletion); 0: at once."""
        return 0

    def blocks_deletion(self, obj: Obj) -> bool:
        """True while something besides ``metadata.finalizers`` keeps a deleted object (namespaces)."""
        return False

    def on_terminate(self, obj: Obj) -> None:
        """Mark an object that just got its ``deletionTimestamp`` (e.g. a namespace's phase)."""

    def default(self, obj: Obj) -> None:
        """Fill upstream's defaults (runs on create and update, like decoding does upstream)."""

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        """Normalise a new object; e.g. a pod's initial status."""

    def prepare_for_update(self, ctx: RequestContext, new: Obj, old: Obj) -> None:
        """Normalise an update; e.g. carry over fields users may not change."""

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        return []

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return []

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        """Field-selector values beyond ``metadata.name``/``metadata.namespace``."""
        return {}

    async def allocate(self, ctx: RequestContext, obj: Obj, old: Obj | None) -> None:
        """Reserve resources (ClusterIPs, NodePorts) before the write; raise StatusError to refuse."""

    async def release(self, ctx: RequestContext, obj: Obj) -> None:
        """Give back what ``allocate`` reserved, after a delete or a failed write."""
