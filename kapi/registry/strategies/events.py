"""Events, in both shapes: core/v1 (``involvedObject``, ``message``, ``reportingComponent``) and
events.k8s.io/v1 (``regarding``, ``note``, ``reportingController``).

Upstream: ``pkg/apis/core/validation/events.go`` (``ValidateEventCreate``, ``legacyValidateEvent``)
and the field-label conversions of both groups. The two shapes share the reporting-field checks
(:func:`_validate_reporting`) and the object-reference field selectors (:func:`_reference_fields`).
"""

from __future__ import annotations

from typing import Any

from kapi.machinery.errors import FieldError
from kapi.machinery.names import is_qualified_name
from kapi.registry.strategies._util import as_dict, invalid, required
from kapi.registry.strategy import RequestContext, Strategy

Obj = dict[str, Any]

__all__ = ["EventStrategy", "EventsV1Strategy"]

_MAX_FIELD = 128
_NOTE_LIMIT = 1024
_REFERENCE_FIELDS = ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")


def _validate_reporting(obj: Obj, *, controller_key: str, note_key: str) -> list[FieldError]:
    """The reporting fields ``ValidateEventCreate`` checks for new-style events, in its order.

    The reporting controller (a qualified name); ``reportingInstance``, ``action`` and ``reason``
    (required, at most 128 characters); the note (at most 1024). core/v1 names the controller
    ``reportingComponent`` and the note ``message``; events.k8s.io ``reportingController`` and ``note``.
    """
    errs: list[FieldError] = []
    controller = obj.get(controller_key) or ""
    if not controller:
        errs.append(required(controller_key))
    else:
        errs.extend(invalid(controller_key, controller, m) for m in is_qualified_name(controller))
    for key in ("reportingInstance", "action", "reason"):
        value = obj.get(key) or ""
        if not value:
            errs.append(required(key))
        elif len(value) > _MAX_FIELD:
            errs.append(invalid(key, "", f"can have at most {_MAX_FIELD} characters"))
    if len(obj.get(note_key) or "") > _NOTE_LIMIT:
        errs.append(invalid(note_key, "", f"can have at most {_NOTE_LIMIT} characters"))
    return errs


def _reference_fields(obj: Obj, key: str) -> dict[str, str]:
    """The field selectors of the object reference ``obj[key]`` (``regarding.kind``, ...)."""
    ref = as_dict(obj.get(key))
    return {f"{key}.{name}": ref.get(name) or "" for name in _REFERENCE_FIELDS}


class EventStrategy(Strategy):
    """``events`` (core/v1): namespace rules and the field selectors ``kubectl get events`` uses."""

    allow_create_on_update = True

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        """Upstream's ``legacyValidateEvent``: old-style events (no ``eventTime``) only check namespaces."""
        involved = as_dict(obj.get("involvedObject"))
        ns = as_dict(obj.get("metadata")).get("namespace") or ""
        inv_ns = involved.get("namespace") or ""
        errs: list[FieldError] = []
        mismatch = invalid("involvedObject.namespace", inv_ns, "does not match event.namespace")
        if not obj.get("eventTime"):
            if (not inv_ns and ns not in ("", "default")) or (inv_ns and inv_ns != ns):
                errs.append(mismatch)
            return errs
        if not inv_ns and ns not in ("default", "kube-system"):
            errs.append(mismatch)
        errs.extend(_validate_reporting(obj, controller_key="reportingComponent", note_key="message"))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return self.validate(ctx, new)

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        reporting = obj.get("reportingComponent") or ""
        source = as_dict(obj.get("source")).get("component") or reporting
        return {
            **_reference_fields(obj, "involvedObject"),
            "reason": obj.get("reason") or "",
            "reportingComponent": reporting,
            "source": source,
            "type": obj.get("type") or "",
        }


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
        errs.extend(_validate_reporting(obj, controller_key="reportingController", note_key="note"))
        regarding = as_dict(obj.get("regarding"))
        ns = as_dict(obj.get("metadata")).get("namespace") or ""
        reg_ns = regarding.get("namespace") or ""
        if reg_ns and reg_ns != ns:
            errs.append(invalid("regarding.namespace", reg_ns, "does not match event.namespace"))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return self.validate(ctx, new)

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        return {
            **_reference_fields(obj, "regarding"),
            "reason": obj.get("reason") or "",
            "reportingController": obj.get("reportingController") or "",
            "type": obj.get("type") or "",
        }
