"""Parsed request options for list, watch and delete, with upstream's validation.

Kept apart from HTTP: the apiserver turns query strings into these, the in-process client builds
them directly, and the resource service trusts them.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

import orjson

from kapi.machinery import errors
from kapi.machinery.errors import FieldError
from kapi.machinery.selectors import FieldSelector, LabelSelector, parse_field_selector, parse_label_selector

_TRUE_FALSE = ("0", "false")


def parse_bool(value: str | None) -> bool:
    """Upstream's query bools: absent, ``0`` and ``false`` are false; anything else is true."""
    if value is None:
        return False
    return value.lower() not in _TRUE_FALSE


def parse_resource_version(value: str | None, *, what: str = "resourceVersion") -> int | None:
    if value is None or value == "":
        return None
    try:
        rv = int(value)
    except ValueError:
        raise errors.bad_request(f"invalid resource version: {value}") from None
    if rv < 0 or rv >= 1 << 63:
        raise errors.bad_request(f"invalid resource version: {value}")
    return rv


@dataclass(slots=True)
class ListOptions:
    label_selector: LabelSelector | None = None
    field_selector: FieldSelector | None = None
    resource_version: str | None = None  # raw string: "" vs "0" vs "N" matter
    resource_version_match: str | None = None
    limit: int | None = None
    continue_token: str | None = None
    watch: bool = False
    allow_bookmarks: bool = False
    send_initial_events: bool | None = None
    timeout_seconds: int | None = None

    @classmethod
    def from_query(cls, q: Any) -> ListOptions:
        """Build from a mapping of query parameters (aiohttp's MultiDict works)."""
        opts = cls()
        ls = q.get("labelSelector")
        if ls:
            opts.label_selector = parse_label_selector(ls)
        fs = q.get("fieldSelector")
        if fs:
            opts.field_selector = parse_field_selector(fs)
        opts.resource_version = q.get("resourceVersion")
        if opts.resource_version:
            parse_resource_version(opts.resource_version)
        opts.resource_version_match = q.get("resourceVersionMatch") or None
        limit = q.get("limit")
        if limit:
            try:
                opts.limit = int(limit)
            except ValueError:
                raise errors.bad_request(f"invalid limit: {limit}") from None
            if opts.limit <= 0:
                opts.limit = None
        opts.continue_token = q.get("continue") or None
        opts.watch = parse_bool(q.get("watch"))
        opts.allow_bookmarks = parse_bool(q.get("allowWatchBookmarks"))
        sie = q.get("sendInitialEvents")
        opts.send_initial_events = None if sie is None else parse_bool(sie)
        ts = q.get("timeoutSeconds")
        if ts:
            try:
                opts.timeout_seconds = int(ts)
            except ValueError:
                raise errors.bad_request(f"invalid timeoutSeconds: {ts}") from None
        opts.validate()
        return opts

    def validate(self) -> None:
        """Upstream's ``ValidateListOptions``: 422 Invalid on ListOptions."""
        errs: list[FieldError] = []
        match = self.resource_version_match
        if not self.watch and match is not None and match not in ("Exact", "NotOlderThan"):
            errs.append(FieldError("NotSupported", "resourceVersionMatch", value=match,
                                   supported=("Exact", "NotOlderThan")))
        if self.watch:
            if self.send_initial_events is not None and match != "NotOlderThan":
                errs.append(FieldError("Forbidden", "resourceVersionMatch",
                                       "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
            if match:
                if self.send_initial_events is None:
                    errs.append(FieldError(
                        "Forbidden", "resourceVersionMatch",
                        "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"))
                if match != "NotOlderThan":
                    errs.append(FieldError("NotSupported", "resourceVersionMatch", value=match,
                                           supported=("NotOlderThan",)))
                if self.continue_token:
                    errs.append(FieldError("Forbidden", "resourceVersionMatch",
                                           "resourceVersionMatch is forbidden when continue is provided"))
        else:
            if self.send_initial_events is not None:
                errs.append(FieldError("Forbidden", "sendInitialEvents", "sendInitialEvents is forbidden for list"))
            if match is not None:
                if not self.resource_version:
                    errs.append(FieldError("Forbidden", "resourceVersionMatch",
                                           "resourceVersionMatch is forbidden unless resourceVersion is provided"))
                if self.continue_token:
                    errs.append(FieldError("Forbidden", "resourceVersionMatch",
                                           "resourceVersionMatch is forbidden when continue is provided"))
                if match == "Exact" and self.resource_version == "0":
                    errs.append(FieldError("Forbidden", "resourceVersionMatch",
                                           "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""))
        if errs:
            raise options_invalid("ListOptions", errs)
        if not self.watch and self.continue_token and self.resource_version not in (None, "", "0"):
            raise errors.bad_request("specifying resource version is not allowed when using continue")


# --- continue tokens ----------------------------------------------------------------------------

def encode_continue(revision: int, last_key: str, prefix: str) -> str:
    """An opaque token: the snapshot revision and where to start (relative to the list prefix)."""
    body = orjson.dumps({"v": "meta.k8s.io/v1", "rv": revision, "start": last_key[len(prefix):] + "\x00"})
    return base64.urlsafe_b64encode(body).decode().rstrip("=")


def decode_continue(token: str, prefix: str) -> tuple[int, str]:
    """Returns (revision, key to start after). 400 for a token that is not ours."""
    try:
        padded = token + "=" * (-len(token) % 4)
        body = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        if body.get("v") != "meta.k8s.io/v1":
            raise ValueError
        rv = int(body["rv"])
        start = str(body["start"])
    except (ValueError, KeyError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise errors.bad_request("continue key is not valid: incorrect encoded start resourceVersion "
                                 "(version meta.k8s.io/v1)") from None
    # -1: "from the latest revision", handed out when the original snapshot was compacted
    if rv == 0 or rv < -1 or not start.endswith("\x00"):
        raise errors.bad_request("continue key is not valid")
    rel = start[:-1]
    if ".." in rel.split("/"):
        raise errors.bad_request("continue key is not valid: illegal path")
    return rv, prefix + rel


# --- delete options -----------------------------------------------------------------------------

@dataclass(slots=True)
class DeleteOptions:
    grace_period_seconds: int | None = None
    propagation_policy: str | None = None
    orphan_dependents: bool | None = None
    precondition_uid: str | None = None
    precondition_rv: str | None = None
    dry_run: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_body_and_query(cls, body: dict[str, Any] | None, q: Any) -> DeleteOptions:
        body = body or {}
        if not isinstance(body, dict):
            raise errors.bad_request("DeleteOptions must be an object")
        opts = cls()
        grace = body.get("gracePeriodSeconds", q.get("gracePeriodSeconds"))
        if grace is not None and grace != "":
            try:
                opts.grace_period_seconds = int(grace)
            except (TypeError, ValueError):
                raise errors.bad_request(f"invalid gracePeriodSeconds: {grace}") from None
        opts.propagation_policy = body.get("propagationPolicy") or q.get("propagationPolicy")
        orphan = body.get("orphanDependents", q.get("orphanDependents"))
        if orphan is not None:
            opts.orphan_dependents = orphan if isinstance(orphan, bool) else parse_bool(str(orphan))
        pre = body.get("preconditions") or {}
        if not isinstance(pre, dict):
            raise errors.bad_request("preconditions must be an object")
        opts.precondition_uid = pre.get("uid")
        opts.precondition_rv = pre.get("resourceVersion")
        dry = body.get("dryRun")
        opts.dry_run = parse_dry_run(q.getall("dryRun", []) if hasattr(q, "getall") else q.get("dryRun"), dry)
        errs: list[FieldError] = []
        if opts.propagation_policy is not None and opts.propagation_policy not in (
                "Orphan", "Background", "Foreground"):
            errs.append(FieldError("NotSupported", "propagationPolicy", value=opts.propagation_policy,
                                   supported=("Foreground", "Background", "Orphan", "nil")))
        if opts.propagation_policy is not None and opts.orphan_dependents is not None:
            errs.append(FieldError("Invalid", "propagationPolicy", value=opts.propagation_policy,
                                   detail="orphanDependents and deletionPropagation cannot be both set"))
        if opts.grace_period_seconds is not None and opts.grace_period_seconds < 0:
            opts.grace_period_seconds = 1 if opts.grace_period_seconds else 0
        if errs:
            raise options_invalid("DeleteOptions", errs)
        return opts


def options_invalid(kind: str, errs: list[FieldError]) -> errors.StatusError:
    """422 for bad request options (``CreateOptions``, ``ListOptions``...), as upstream words it."""
    return errors.invalid("meta.k8s.io", kind, "", errs)


def validate_write_options(kind: str, *, dry_run: list[str], field_manager: str | None,
                           field_validation: str | None, force: str | None = None,
                           apply: bool = False) -> None:
    """Upstream's ``ValidateCreateOptions``/``UpdateOptions``/``PatchOptions``."""
    errs: list[FieldError] = []
    for value in dry_run:
        if value != "All":
            errs.append(FieldError("NotSupported", "dryRun", value=dry_run, supported=("All",)))
            break
    if field_manager is not None:
        if len(field_manager.encode()) > 128:
            errs.append(FieldError("TooLong", "fieldManager", "may not be more than 128 bytes"))
        elif any(not (32 <= ord(c) < 127) for c in field_manager):
            errs.append(FieldError("Invalid", "fieldManager", "must only contain printable characters",
                                   value=field_manager))
    if field_validation not in (None, "", "Ignore", "Warn", "Strict"):
        errs.append(FieldError("NotSupported", "fieldValidation", value=field_validation,
                               supported=("Ignore", "Strict", "Warn")))
    if force is not None and parse_bool(force) and not apply:
        errs.append(FieldError("Forbidden", "force", "may not be specified for non-apply patch"))
    if errs:
        raise options_invalid(kind, errs)


def parse_dry_run(query_values: Any, body_values: Any = None) -> bool:
    values: list[str] = []
    for src in (query_values, body_values):
        if src is None:
            continue
        if isinstance(src, str):
            values.append(src)
        elif isinstance(src, list):
            values.extend(str(v) for v in src)
        else:
            raise errors.bad_request("dryRun must be a list of strings")
    for v in values:
        if v != "All":
            raise options_invalid("DeleteOptions", [
                FieldError("NotSupported", "dryRun", value=values, supported=("All",))])
    return bool(values)
