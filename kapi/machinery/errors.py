"""API errors as Kubernetes ``Status`` objects, and field errors for validation.

Everything the server refuses is a :class:`StatusError`; one middleware renders it. The
factories word their messages exactly as upstream's ``k8s.io/apimachinery/pkg/api/errors`` does,
because clients (and people) match on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson


class StatusError(Exception):
    """An error that becomes a ``metav1.Status`` response."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.metadata = metadata or {}

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": self.metadata,
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body

    def to_json(self) -> bytes:
        return orjson.dumps(self.status())

    def __repr__(self) -> str:
        return f"StatusError({self.code}, {self.reason!r}, {self.message!r})"


def qualified_resource(group: str, resource: str) -> str:
    """``pods`` for the core group, ``deployments.apps`` otherwise."""
    return f"{resource}.{group}" if group else resource


def qualified_kind(group: str, kind: str) -> str:
    return f"{kind}.{group}" if group else kind


def _details(group: str, resource: str, name: str | None) -> dict[str, Any]:
    details: dict[str, Any] = {"kind": resource}
    if name is not None:
        details = {"name": name, **details}
    if group:
        details["group"] = group
    return details


def not_found(group: str, resource: str, name: str) -> StatusError:
    return StatusError(
        404,
        "NotFound",
        f'{qualified_resource(group, resource)} "{name}" not found',
        details=_details(group, resource, name),
    )


def already_exists(group: str, resource: str, name: str) -> StatusError:
    return StatusError(
        409,
        "AlreadyExists",
        f'{qualified_resource(group, resource)} "{name}" already exists',
        details=_details(group, resource, name),
    )


def conflict(group: str, resource: str, name: str, why: str | None = None) -> StatusError:
    why = why or "the object has been modified; please apply your changes to the latest version and try again"
    return StatusError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {qualified_resource(group, resource)} "{name}": {why}',
        details=_details(group, resource, name),
    )


def bad_request(message: str) -> StatusError:
    return StatusError(400, "BadRequest", message)


def forbidden(group: str, resource: str, name: str, why: str) -> StatusError:
    if name:
        message = f'{qualified_resource(group, resource)} "{name}" is forbidden: {why}'
    else:
        message = f"{qualified_resource(group, resource)} is forbidden: {why}"
    return StatusError(403, "Forbidden", message, details=_details(group, resource, name or None))


def method_not_allowed(message: str = "the server does not allow this method on the requested resource") -> StatusError:
    return StatusError(405, "MethodNotAllowed", message)


def unsupported_media_type(content_type: str) -> StatusError:
    return StatusError(415, "UnsupportedMediaType", f'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json; got "{content_type}"')  # noqa: E501


def not_acceptable(
        message: str = "only the following media types are accepted: application/json, application/yaml",
) -> StatusError:
    return StatusError(406, "NotAcceptable", message)


def request_entity_too_large(message: str = "Request entity too large: limit is 3145728") -> StatusError:
    return StatusError(413, "RequestEntityTooLarge", message)


def expired(message: str) -> StatusError:
    return StatusError(410, "Expired", message)


def gone(message: str) -> StatusError:
    return StatusError(410, "Gone", message)


def too_large_resource_version(current: int, requested: int) -> StatusError:
    return StatusError(
        504,
        "Timeout",
        f"Timeout: Too large resource version: {requested}, current: {current}",
        details={"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
                 "retryAfterSeconds": 1},
    )


def internal_error(message: str) -> StatusError:
    return StatusError(500, "InternalError", f"Internal error occurred: {message}")


def service_unavailable(message: str) -> StatusError:
    return StatusError(503, "ServiceUnavailable", message)


def not_found_path() -> StatusError:
    return StatusError(404, "NotFound", "the server could not find the requested resource",
                       details={})


# --- field errors -----------------------------------------------------------------------------

_REASONS = {
    "Required": "FieldValueRequired",
    "Invalid": "FieldValueInvalid",
    "NotSupported": "FieldValueNotSupported",
    "Duplicate": "FieldValueDuplicate",
    "Forbidden": "FieldValueForbidden",
    "TooLong": "FieldValueTooLong",
    "TooMany": "FieldValueTooMany",
    "TypeInvalid": "FieldValueTypeInvalid",
    "NotFound": "FieldValueNotFound",
}

_OMIT = object()


def format_value(value: Any) -> str:
    """Render a value the way Go's field errors do (strings quoted, scalars bare)."""
    if isinstance(value, str):
        return orjson.dumps(value).decode()
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return repr(value)


@dataclass(slots=True)
class FieldError:
    """One problem with one field, as in upstream's ``field.Error``."""

    type: str  # Required, Invalid, NotSupported, Duplicate, Forbidden, TooLong, TooMany, TypeInvalid
    field: str
    detail: str = ""
    value: Any = field(default=_OMIT)
    supported: tuple[str, ...] = ()

    def body(self) -> str:
        t = self.type
        if t == "Required":
            return "Required value" + (f": {self.detail}" if self.detail else "")
        if t == "Forbidden":
            return "Forbidden" + (f": {self.detail}" if self.detail else "")
        if t == "TooLong":
            return "Too long: " + (self.detail or "value is too long")
        if t == "TooMany":
            return "Too many: " + (self.detail or "too many items")
        if t == "NotSupported":
            text = "Unsupported value"
            if self.value is not _OMIT:
                text += f": {format_value(self.value)}"
            if self.supported:
                text += ": supported values: " + ", ".join(f'"{s}"' for s in self.supported)
            return text
        if t == "Duplicate":
            return f"Duplicate value: {format_value(self.value)}" if self.value is not _OMIT else "Duplicate value"
        if t == "NotFound":
            return f"Not found: {format_value(self.value)}"
        text = "Invalid value"
        if self.value is not _OMIT:
            text += f": {format_value(self.value)}"
        if self.detail:
            text += f": {self.detail}"
        return text

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}" if self.field else self.body()

    def cause(self) -> dict[str, str]:
        return {"reason": _REASONS.get(self.type, "FieldValueInvalid"), "message": self.body(), "field": self.field}


def invalid(group: str, kind: str, name: str, errors: list[FieldError]) -> StatusError:
    """422 Invalid naming every field, as ``errors.NewInvalid`` words it."""
    if len(errors) == 1:
        summary = str(errors[0])
    else:
        summary = "[" + ", ".join(str(e) for e in errors) + "]"
    details: dict[str, Any] = {"name": name, "kind": kind, "causes": [e.cause() for e in errors]}
    if group:
        details["group"] = group
    return StatusError(422, "Invalid", f'{qualified_kind(group, kind)} "{name}" is invalid: {summary}',
                       details=details)
