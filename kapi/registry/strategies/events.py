"""events.k8s.io/v1 Events: the newer event shape (``regarding``, ``note``, ``reportingController``).

Upstream: ``pkg/apis/core/validation/events.go`` (``ValidateEventCreate`` for events.k8s.io) and
the events.k8s.io field-label conversions.
"""

from __future__ import annotations

from typing import Any

from kapi.machinery.errors import FieldError
from kapi.machinery.names import is_qualified_name
from kapi.registry.strategies._util import as_dict, invalid, required
from kapi.registry.strategy import RequestContext, Strategy

Obj = dict[str, Any]

__all__ = ["EventsV1Strategy"]

_MAX_FIELD = 128
_NOTE_LIMIT = 1024


class EventsV1Strategy(Strategy):
    """``events`` in events.k8s.io."""

    allow_create_on_update = True

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        if not obj.get("eventTime"):
            errs.append(required("eventTime"))
        etype = obj.get("type") or ""
        if etype not in ("Normal", "Warning"):
            errs.append(invalid("type", "", f"has invalid value: {etype}"))
        controller = obj.get("reportingController") or ""
        if not controller:
            errs.append(required("reportingController"))
        else:
            errs.extend(invalid("reportingController", controller, m) for m in is_qualified_name(controller))
        for key in ("reportingInstance", "action", "reason"):
            value = obj.get(key) or ""
            if not value:
                errs.append(required(key))
            elif len(value) > _MAX_FIELD:
                errs.append(invalid(key, "", f"can have at most {_MAX_FIELD} characters"))
        note = obj.get("note") or ""
        if len(note) > _NOTE_LIMIT:
            errs.append(invalid("note", "", f"can have at most {_NOTE_LIMIT} characters"))
        regarding = as_dict(obj.get("regarding"))
        ns = as_dict(obj.get("metadata")).get("namespace") or ""
        reg_ns = regarding.get("namespace") or ""
        if reg_ns and reg_ns != ns:
            errs.append(invalid("regarding.namespace", reg_ns, "does not match event.namespace"))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return self.validate(ctx, new)

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        reg = as_dict(obj.get("regarding"))
        return {
            "regarding.kind": reg.get("kind") or "",
            "regarding.namespace": reg.get("namespace") or "",
            "regarding.name": reg.get("name") or "",
            "regarding.uid": reg.get("uid") or "",
            "regarding.apiVersion": reg.get("apiVersion") or "",
            "regarding.resourceVersion": reg.get("resourceVersion") or "",
            "regarding.fieldPath": reg.get("fieldPath") or "",
            "reason": obj.get("reason") or "",
            "reportingController": obj.get("reportingController") or "",
            "type": obj.get("type") or "",
        }
