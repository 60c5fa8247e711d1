"""Validation of ``metadata`` (``ObjectMeta``), as upstream's generic and core validators do it.

Mirrors ``k8s.io/apimachinery/pkg/api/validation`` (``ValidateObjectMetaAccessor``,
``ValidateObjectMetaAccessorUpdate``) and ``k8s.io/apimachinery/pkg/apis/meta/v1/validation``
(labels, managed fields), plus the finalizer-name rule that ``k8s.io/kubernetes``' core
validation adds for built-in kinds. Error order, field paths and wording follow Kubernetes 1.33.

Where upstream renders a Go value with ``%#v`` or a ``Stringer`` (timestamps, owner-reference
structs, string slices), the value is wrapped in :class:`GoValue` so it prints bare, the way
``field.Error`` shows it.

Metadata is expected to have passed the decode-time type check
(:func:`kapi.machinery.validation.check_types`); wrongly-typed members are skipped, not trusted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kapi.machinery.errors import FieldError
from kapi.machinery.names import (
    IS_NEGATIVE_ERROR_MSG,
    is_dns1123_label,
    is_qualified_name,
    is_valid_label_value,
    name_is_path_segment,
)

__all__ = [
    "BANNED_OWNERS",
    "FIELD_IMMUTABLE_ERROR_MSG",
    "FIELD_MANAGER_MAX_LENGTH",
    "STANDARD_FINALIZERS",
    "TOTAL_ANNOTATION_SIZE_LIMIT_B",
    "GoValue",
    "annotations_size",
    "go_quote",
    "go_string_slice",
    "validate_annotations",
    "validate_common_object_meta",
    "validate_field_manager",
    "validate_finalizer_name",
    "validate_finalizers",
    "validate_immutable_field",
    "validate_kube_finalizer_name",
    "validate_label_name",
    "validate_labels",
    "validate_managed_fields",
    "validate_no_new_finalizers",
    "validate_nonnegative_field",
    "validate_object_meta",
    "validate_object_meta_update",
    "validate_owner_references",
]

FIELD_IMMUTABLE_ERROR_MSG = "field is immutable"
TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * (1 << 10)  # 262144
FIELD_MANAGER_MAX_LENGTH = 128
MAX_SUBRESOURCE_NAME_LENGTH = 256

FINALIZER_ORPHAN_DEPENDENTS = "orphan"
FINALIZER_DELETE_DEPENDENTS = "foregroundDeletion"
FINALIZER_KUBERNETES = "kubernetes"
STANDARD_FINALIZERS = frozenset(
    {FINALIZER_KUBERNETES, FINALIZER_ORPHAN_DEPENDENTS, FINALIZER_DELETE_DEPENDENTS}
)

# (group, version, kind) that may never be named as an owner
BANNED_OWNERS = frozenset({("", "v1", "Event")})

NameRule = Callable[[str, bool], list[str]]


class GoValue:
    """A value shown bare in a field error (Go ``%v``/``%#v`` rendering), not JSON-quoted."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:  # errors.format_value falls back to repr() for non-JSON values
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoValue) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


# --- Go renderings ---------------------------------------------------------------------------


def go_quote(value: str) -> str:
    """Go's ``%q``/``strconv.Quote`` for the common cases (ASCII escapes, printable Unicode kept)."""
    out = ['"']
    for ch in value:
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def go_string_slice(values: Any) -> GoValue:
    """``[]string{"a", "b"}`` for a list, ``[]string(nil)`` for anything else."""
    if not isinstance(values, list):
        return GoValue("[]string(nil)")
    return GoValue("[]string{" + ", ".join(go_quote(str(v)) for v in values) + "}")


def _go_bool_ptr(value: Any) -> str:
    if value is None:
        return "(*bool)(nil)"
    return f"(*bool)({'true' if value else 'false'})"


def _go_owner_reference(ref: Any) -> str:
    if not isinstance(ref, dict):
        ref = {}
    return (
        "v1.OwnerReference{"
        f"APIVersion:{go_quote(_str(ref.get('apiVersion')))}, "
        f"Kind:{go_quote(_str(ref.get('kind')))}, "
        f"Name:{go_quote(_str(ref.get('name')))}, "
        f"UID:{go_quote(_str(ref.get('uid')))}, "
        f"Controller:{_go_bool_ptr(ref.get('controller'))}, "
        f"BlockOwnerDeletion:{_go_bool_ptr(ref.get('blockOwnerDeletion'))}"
        "}"
    )


_ZERO_TIME = "0001-01-01 00:00:00 +0000 UTC"


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _go_time(value: Any) -> GoValue:
    """``metav1.Time``'s ``String()`` as the apiserver (running in UTC) prints it."""
    parsed = _parse_time(value)
    if parsed is None:
        return GoValue(_ZERO_TIME if not value else str(value))
    text = parsed.strftime("%Y-%m-%d %H:%M:%S")
    if parsed.microsecond:
        text += f".{parsed.microsecond:06d}".rstrip("0")
    return GoValue(text + " +0000 UTC")


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _blen(value: str) -> int:
    return len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))


def _too_long(limit: int) -> str:
    """``field.TooLong``'s detail (1.33 wording)."""
    return f"may not be more than {limit} bytes"


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


# --- pieces --------------------------------------------------------------------------------


def validate_nonnegative_field(value: int, path: str) -> list[FieldError]:
    if value < 0:
        return [FieldError("Invalid", path, IS_NEGATIVE_ERROR_MSG, value)]
    return []


def validate_label_name(name: str, path: str) -> list[FieldError]:
    """A label key (a qualified name); the key itself is the reported value."""
    return [FieldError("Invalid", path, msg, name) for msg in is_qualified_name(name)]


def validate_labels(labels: Any, path: str) -> list[FieldError]:
    """Every key a qualified name, every value a label value (errors on the map's own path)."""
    errs: list[FieldError] = []
    if not isinstance(labels, dict):
        return errs
    for key, value in labels.items():
        errs.extend(validate_label_name(key if isinstance(key, str) else str(key), path))
        if isinstance(value, str):
            errs.extend(FieldError("Invalid", path, msg, value) for msg in is_valid_label_value(value))
    return errs


def annotations_size(annotations: dict[str, Any]) -> int:
    """Total bytes of keys and values, as upstream counts them."""
    total = 0
    for key, value in annotations.items():
        total += _blen(key if isinstance(key, str) else str(key))
        if isinstance(value, str):
            total += _blen(value)
    return total


def validate_annotations(annotations: Any, path: str) -> list[FieldError]:
    """Keys are qualified names compared case-insensitively; all of it at most 256 KiB."""
    errs: list[FieldError] = []
    if not isinstance(annotations, dict):
        return errs
    for key in annotations:
        text = key if isinstance(key, str) else str(key)
        errs.extend(FieldError("Invalid", path, msg, text) for msg in is_qualified_name(text.lower()))
    if annotations_size(annotations) > TOTAL_ANNOTATION_SIZE_LIMIT_B:
        errs.append(FieldError("TooLong", path, _too_long(TOTAL_ANNOTATION_SIZE_LIMIT_B)))
    return errs


def _split_api_version(api_version: str) -> tuple[str, str] | None:
    """``schema.ParseGroupVersion``: (group, version), or None when malformed."""
    if not api_version or api_version == "/":
        return "", ""
    count = api_version.count("/")
    if count == 0:
        return "", api_version
    if count == 1:
        group, version = api_version.split("/")
        return group, version
    return None


def _validate_owner_reference(ref: dict[str, Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    api_version = _str(ref.get("apiVersion"))
    kind = _str(ref.get("kind"))
    gv = _split_api_version(api_version)
    group, version = gv if gv is not None else ("", "")
    if not version:
        errs.append(FieldError("Invalid", path + ".apiVersion", "version must not be empty", api_version))
    if not kind:
        errs.append(FieldError("Invalid", path + ".kind", "kind must not be empty", kind))
    name = _str(ref.get("name"))
    if not name:
        errs.append(FieldError("Invalid", path + ".name", "name must not be empty", name))
    uid = _str(ref.get("uid"))
    if not uid:
        errs.append(FieldError("Invalid", path + ".uid", "uid must not be empty", uid))
    if (group, version, kind) in BANNED_OWNERS:
        detail = f"{group}/{version}, Kind={kind} is disallowed from being an owner"
        errs.append(FieldError("Invalid", path, detail, GoValue(_go_owner_reference(ref))))
    return errs


def validate_owner_references(refs: Any, path: str) -> list[FieldError]:
    """Each reference complete and not to a banned kind; at most one ``controller: true``.

    As upstream, errors name ``metadata.ownerReferences.<field>`` without an index.
    """
    errs: list[FieldError] = []
    if not isinstance(refs, list):
        return errs
    first_controller = ""
    for ref in refs:
        if not isinstance(ref, dict):
            continue
        errs.extend(_validate_owner_reference(ref, path))
        if ref.get("controller") is True:
            current = f"{_str(ref.get('kind'))}/{_str(ref.get('name'))}"
            if first_controller:
                items = ", ".join(_go_owner_reference(r) for r in refs)
                rendered = GoValue("[]v1.OwnerReference{" + items + "}")
                errs.append(
                    FieldError(
                        "Invalid",
                        path,
                        'Only one reference can have Controller set to true. Found "true" in references for '
                        f"{first_controller} and {current}",
                        rendered,
                    )
                )
            else:
                first_controller = current
    return errs


def validate_finalizer_name(name: str, path: str) -> list[FieldError]:
    return [FieldError("Invalid", path, msg, name) for msg in is_qualified_name(name)]


def validate_kube_finalizer_name(name: str, path: str) -> list[FieldError]:
    """Built-in kinds: an unprefixed finalizer must be one of the standard ones."""
    if "/" not in name and name not in STANDARD_FINALIZERS:
        detail = "name is neither a standard finalizer name nor is it fully qualified"
        return [FieldError("Invalid", path, detail, name)]
    return []


def validate_finalizers(finalizers: Any, path: str) -> list[FieldError]:
    """Qualified names, and not both ``orphan`` and ``foregroundDeletion`` (duplicates are allowed)."""
    errs: list[FieldError] = []
    if not isinstance(finalizers, list):
        return errs
    strings = [f for f in finalizers if isinstance(f, str)]
    for name in strings:
        errs.extend(validate_finalizer_name(name, path))
    if FINALIZER_ORPHAN_DEPENDENTS in strings and FINALIZER_DELETE_DEPENDENTS in strings:
        errs.append(
            FieldError(
                "Invalid",
                path,
                f"finalizer {FINALIZER_ORPHAN_DEPENDENTS} and {FINALIZER_DELETE_DEPENDENTS} "
                "cannot be both set",
                go_string_slice(strings),
            )
        )
    return errs


def _kube_finalizer_errors(finalizers: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    if isinstance(finalizers, list):
        for i, name in enumerate(finalizers):
            if isinstance(name, str):
                errs.extend(validate_kube_finalizer_name(name, f"{path}[{i}]"))
    return errs


def validate_no_new_finalizers(new: Any, old: Any, path: str) -> list[FieldError]:
    new_set = {f for f in new if isinstance(f, str)} if isinstance(new, list) else set()
    old_set = {f for f in old if isinstance(f, str)} if isinstance(old, list) else set()
    extra = sorted(new_set - old_set)
    if extra:
        return [
            FieldError(
                "Forbidden",
                path,
                "no new finalizers can be added if the object is being deleted, found new finalizers "
                + go_string_slice(extra).text,
            )
        ]
    return []


def validate_field_manager(manager: str, path: str) -> list[FieldError]:
    """At most 128 bytes, printable characters only."""
    errs: list[FieldError] = []
    if _blen(manager) > FIELD_MANAGER_MAX_LENGTH:
        errs.append(FieldError("TooLong", path, _too_long(FIELD_MANAGER_MAX_LENGTH)))
    position = 0
    for ch in manager:
        if not ch.isprintable():
            errs.append(
                FieldError(
                    "Invalid", path, f"invalid character U+{ord(ch):04X} (at position {position})", manager
                )
            )
        position += len(ch.encode("utf-8", "surrogatepass"))
    return errs


def validate_managed_fields(entries: Any, path: str) -> list[FieldError]:
    """``operation`` Apply/Update, ``fieldsType`` FieldsV1, sane ``manager`` and ``subresource``."""
    errs: list[FieldError] = []
    if not isinstance(entries, list):
        return errs
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        item = f"{path}[{i}]"
        operation = _str(entry.get("operation"))
        if operation not in ("Apply", "Update"):
            errs.append(FieldError("Invalid", item + ".operation", "must be `Apply` or `Update`", operation))
        fields_type = _str(entry.get("fieldsType"))
        if fields_type and fields_type != "FieldsV1":
            errs.append(FieldError("Invalid", item + ".fieldsType", "must be `FieldsV1`", fields_type))
        errs.extend(validate_field_manager(_str(entry.get("manager")), item + ".manager"))
        if _blen(_str(entry.get("subresource"))) > MAX_SUBRESOURCE_NAME_LENGTH:
            errs.append(FieldError("TooLong", item + ".subresource", _too_long(MAX_SUBRESOURCE_NAME_LENGTH)))
    return errs


def validate_immutable_field(new: Any, old: Any, path: str, *, shown: Any = None) -> list[FieldError]:
    """``field is immutable`` when ``new != old`` (``shown`` overrides how the new value prints)."""
    if new != old:
        return [FieldError("Invalid", path, FIELD_IMMUTABLE_ERROR_MSG, new if shown is None else shown)]
    return []


# --- ObjectMeta ------------------------------------------------------------------------------


def _validate_meta_members(
    meta: dict[str, Any], path: str, *, finalizers: bool, kube_finalizers: bool
) -> list[FieldError]:
    """The checks create and update share, in upstream's order (finalizer names only on create)."""
    errs = validate_labels(meta.get("labels"), path + ".labels")
    errs.extend(validate_annotations(meta.get("annotations"), path + ".annotations"))
    errs.extend(validate_owner_references(meta.get("ownerReferences"), path + ".ownerReferences"))
    if finalizers:
        errs.extend(validate_finalizers(meta.get("finalizers"), path + ".finalizers"))
    errs.extend(validate_managed_fields(meta.get("managedFields"), path + ".managedFields"))
    if kube_finalizers:
        errs.extend(_kube_finalizer_errors(meta.get("finalizers"), path + ".finalizers"))
    return errs


def validate_object_meta(
    meta: dict[str, Any],
    *,
    namespaced: bool,
    name_rule: NameRule,
    path: str = "metadata",
    kube_finalizers: bool = True,
) -> list[FieldError]:
    """Metadata of an object being created (after ``generateName`` has been resolved).

    ``name_rule`` is the kind's name rule (:mod:`kapi.machinery.names`, e.g.
    ``name_is_dns_subdomain``). ``kube_finalizers`` adds the built-in kinds' rule that an
    unprefixed finalizer must be a standard one (core's ``ValidateObjectMeta``); pass False for
    custom resources and for the generic pass (see :func:`validate_common_object_meta`).
    """
    if not isinstance(meta, dict):
        meta = {}
    errs: list[FieldError] = []
    generate_name = _str(meta.get("generateName"))
    if generate_name:
        errs.extend(
            FieldError("Invalid", path + ".generateName", msg, generate_name)
            for msg in name_rule(generate_name, True)
        )
    name = _str(meta.get("name"))
    if not name:
        errs.append(FieldError("Required", path + ".name", "name or generateName is required"))
    else:
        errs.extend(FieldError("Invalid", path + ".name", msg, name) for msg in name_rule(name, False))
    namespace = _str(meta.get("namespace"))
    if namespaced:
        if not namespace:
            errs.append(FieldError("Required", path + ".namespace"))
        else:
            errs.extend(
                FieldError("Invalid", path + ".namespace", msg, namespace)
                for msg in is_dns1123_label(namespace)
            )
    elif namespace:
        errs.append(FieldError("Forbidden", path + ".namespace", "not allowed on this type"))
    errs.extend(validate_nonnegative_field(_int(meta.get("generation")), path + ".generation"))
    errs.extend(_validate_meta_members(meta, path, finalizers=True, kube_finalizers=kube_finalizers))
    return errs


def validate_common_object_meta(
    meta: dict[str, Any], *, namespaced: bool, path: str = "metadata"
) -> list[FieldError]:
    """The generic pass every create gets after the kind's own validation succeeded.

    Upstream's ``rest.BeforeCreate`` runs ``ValidateObjectMetaAccessor`` with
    ``path.ValidatePathSegmentName`` as the name rule, so that names of every kind (including
    custom resources) are usable in URLs.
    """
    return validate_object_meta(
        meta, namespaced=namespaced, name_rule=name_is_path_segment, path=path, kube_finalizers=False
    )


def validate_object_meta_update(
    new: dict[str, Any],
    old: dict[str, Any],
    *,
    path: str = "metadata",
    kube_finalizers: bool = True,
    require_resource_version: bool = True,
) -> list[FieldError]:
    """Metadata of an object being updated (``ValidateObjectMetaAccessorUpdate``).

    Upstream's store first copies ``creationTimestamp``, ``deletionTimestamp``,
    ``deletionGracePeriodSeconds``, ``generation`` and a missing ``uid`` from the stored object and
    fills ``resourceVersion`` for unconditional updates; these checks catch what is left.
    ``require_resource_version=False`` skips the resourceVersion check for callers that have not
    filled it in yet.
    """
    if not isinstance(new, dict):
        new = {}
    if not isinstance(old, dict):
        old = {}
    errs: list[FieldError] = []
    if old.get("deletionTimestamp"):
        errs.extend(
            validate_no_new_finalizers(new.get("finalizers"), old.get("finalizers"), path + ".finalizers")
        )
    if require_resource_version:
        rv = _str(new.get("resourceVersion"))
        if not rv:
            errs.append(
                FieldError("Invalid", path + ".resourceVersion", "must be specified for an update", rv)
            )
    new_generation, old_generation = _int(new.get("generation")), _int(old.get("generation"))
    if new_generation < old_generation:
        errs.append(FieldError("Invalid", path + ".generation", "must not be decremented", new_generation))
    errs.extend(validate_immutable_field(_str(new.get("name")), _str(old.get("name")), path + ".name"))
    errs.extend(
        validate_immutable_field(_str(new.get("namespace")), _str(old.get("namespace")), path + ".namespace")
    )
    errs.extend(validate_immutable_field(_str(new.get("uid")), _str(old.get("uid")), path + ".uid"))
    errs.extend(
        _immutable_time(
            new.get("creationTimestamp"),
            old.get("creationTimestamp"),
            path + ".creationTimestamp",
            pointer=False,
        )
    )
    errs.extend(
        _immutable_time(
            new.get("deletionTimestamp"),
            old.get("deletionTimestamp"),
            path + ".deletionTimestamp",
            pointer=True,
        )
    )
    new_grace, old_grace = new.get("deletionGracePeriodSeconds"), old.get("deletionGracePeriodSeconds")
    if new_grace != old_grace:
        errs.append(
            FieldError(
                "Invalid",
                path + ".deletionGracePeriodSeconds",
                FIELD_IMMUTABLE_ERROR_MSG,
                new_grace if isinstance(new_grace, int) else None,
            )
        )
    errs.extend(_validate_meta_members(new, path, finalizers=False, kube_finalizers=kube_finalizers))
    return errs


def _immutable_time(new: Any, old: Any, path: str, *, pointer: bool) -> list[FieldError]:
    """Times compare as instants (``Semantic.DeepEqual`` on ``metav1.Time``)."""
    new_t, old_t = _parse_time(new), _parse_time(old)
    if new_t is not None or old_t is not None:
        same = new_t == old_t
    else:
        same = (new or None) == (old or None)
    if same:
        return []
    shown: Any = None if (pointer and not new) else _go_time(new)
    return [FieldError("Invalid", path, FIELD_IMMUTABLE_ERROR_MSG, shown)]
