"""Validation of ``CustomResourceDefinition`` objects (``apiextensions.k8s.io/v1``).

Follows apiextensions-apiserver's ``pkg/apis/apiextensions/validation/validation.go`` (Kubernetes
1.33) for the rules users hit: the name, group and names, scope, versions and their schemas
(which must be structural), subresources, printer columns, conversion and selectable fields.
Paths are those of upstream's internal types, so the conversion webhook's client config is
reported as ``spec.conversion.webhookClientConfig`` as the apiserver does.

:func:`apply_crd_defaults` applies the v1 defaults first (``singular``, ``listKind``,
``conversion.strategy``) as the apiserver does before validating.
"""

from __future__ import annotations

from typing import Any

from kapi.machinery import celrules
from kapi.machinery.crdschema import CompiledSchema, _go_regex
from kapi.machinery.errors import FieldError
from kapi.machinery.names import is_dns1035_label, is_dns1123_subdomain, name_is_dns_subdomain
from kapi.machinery.objectmeta import (
    FIELD_IMMUTABLE_ERROR_MSG,
    validate_object_meta,
    validate_object_meta_update,
)

__all__ = ["apply_crd_defaults", "validate_crd", "validate_crd_update"]

PRINTER_COLUMN_TYPES = ("boolean", "date", "integer", "number", "string")
PRINTER_COLUMN_FORMATS = ("byte", "date", "date-time", "double", "float", "int32", "int64", "password")
CONVERSION_REVIEW_VERSIONS = ("v1", "v1beta1")
MAX_SELECTABLE_FIELDS = 8
_SCHEMA_TYPES = ("array", "boolean", "integer", "number", "object", "string")
_LIST_TYPES = ("atomic", "map", "set")


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _s(value: Any) -> str:
    return value if isinstance(value, str) else ""


def apply_crd_defaults(crd: dict[str, Any]) -> None:
    """v1 defaulting (``SetDefaults_CustomResourceDefinitionSpec`` and friends), in place."""
    spec = crd.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    names = spec.setdefault("names", {})
    if isinstance(names, dict):
        kind = _s(names.get("kind"))
        if not names.get("singular") and kind:
            names["singular"] = kind.lower()
        if not names.get("listKind") and kind:
            names["listKind"] = kind + "List"
    conversion = spec.get("conversion")
    if conversion is None:
        spec["conversion"] = {"strategy": "None"}
    elif isinstance(conversion, dict):
        service = _d(_d(_d(conversion.get("webhook")).get("clientConfig")).get("service"))
        if service and service.get("port") is None:
            service["port"] = 443


# --- create --------------------------------------------------------------------------------------


def validate_crd(crd: dict[str, Any]) -> list[FieldError]:
    """Field errors of a CRD being created (``ValidateCustomResourceDefinition``)."""
    spec = _d(crd.get("spec"))
    names = _d(spec.get("names"))
    required_name = f"{_s(names.get('plural'))}.{_s(spec.get('group'))}"

    def name_rule(name: str, prefix: bool) -> list[str]:
        problems = name_is_dns_subdomain(name, prefix)
        if name != required_name:
            problems.append('must be spec.names.plural+"."+spec.group')
        return problems

    errs = validate_object_meta(_d(crd.get("metadata")), namespaced=False, name_rule=name_rule,
                                kube_finalizers=False)
    errs.extend(_validate_spec(spec, "spec"))
    return errs


def _validate_spec(spec: dict[str, Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    group = _s(spec.get("group"))
    if not group:
        errs.append(FieldError("Required", f"{path}.group"))
    elif problems := is_dns1123_subdomain(group):
        errs.append(FieldError("Invalid", f"{path}.group", ",".join(problems), group))
    elif "." not in group:
        errs.append(FieldError("Invalid", f"{path}.group", "should be a domain with at least one dot", group))

    scope = _s(spec.get("scope"))
    if not scope:
        errs.append(FieldError("Required", f"{path}.scope"))
    elif scope not in ("Cluster", "Namespaced"):
        errs.append(FieldError("NotSupported", f"{path}.scope", value=scope, supported=("Cluster", "Namespaced")))

    versions = _l(spec.get("versions"))
    vpath = f"{path}.versions"
    if not versions:
        errs.append(FieldError("Required", vpath, "must have at least one version"))
    storage_count, seen, unique = 0, set(), True
    for i, version in enumerate(versions):
        version = _d(version)
        name = _s(version.get("name"))
        if version.get("storage") is True:
            storage_count += 1
        if name in seen:
            unique = False
        seen.add(name)
        if problems := is_dns1035_label(name):
            errs.append(FieldError("Invalid", f"{vpath}[{i}].name", ",".join(problems), name))
        errs.extend(_validate_version(version, f"{vpath}[{i}]"))
    if not unique:
        errs.append(FieldError("Invalid", vpath, "must contain unique version names", versions))
    if storage_count != 1:
        errs.append(FieldError("Invalid", vpath, "must have exactly one version marked as storage version",
                               versions))

    npath = f"{path}.names"
    for key in ("plural", "singular", "kind", "listKind"):
        if not _s(_d(spec.get("names")).get(key)):
            errs.append(FieldError("Required", f"{npath}.{key}"))
    errs.extend(_validate_names(_d(spec.get("names")), npath))
    errs.extend(_validate_conversion(spec.get("conversion"), f"{path}.conversion"))
    return errs


def _validate_names(names: dict[str, Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for key in ("plural", "singular"):
        value = _s(names.get(key))
        if value and (problems := is_dns1035_label(value)):
            errs.append(FieldError("Invalid", f"{path}.{key}", ",".join(problems), value))
    for key in ("kind", "listKind"):
        value = _s(names.get(key))
        if value and (problems := is_dns1035_label(value.lower())):
            errs.append(FieldError("Invalid", f"{path}.{key}", "may have mixed case, but should otherwise match: "
                                   + ",".join(problems), value))
    for key in ("shortNames", "categories"):
        for i, value in enumerate(_l(names.get(key))):
            if problems := is_dns1035_label(_s(value)):
                errs.append(FieldError("Invalid", f"{path}.{key}[{i}]", ",".join(problems), value))
    kind = _s(names.get("kind"))
    if kind and kind == names.get("listKind"):
        errs.append(FieldError("Invalid", f"{path}.listKind", "kind and listKind may not be the same", kind))
    return errs


def _validate_version(version: dict[str, Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for key in ("served", "storage"):
        if not isinstance(version.get(key), bool):
            errs.append(FieldError("Required", f"{path}.{key}") if version.get(key) is None else
                        FieldError("Invalid", f"{path}.{key}", "must be a boolean", version.get(key)))
    schema = _d(version.get("schema")).get("openAPIV3Schema")
    spath = f"{path}.schema.openAPIV3Schema"
    if not isinstance(schema, dict):
        errs.append(FieldError("Required", spath, "schemas are required"))
        schema = None
    else:
        errs.extend(_validate_structural(schema, spath, root=True))
    subresources = _d(version.get("subresources"))
    errs.extend(_validate_subresources(subresources, f"{path}.subresources"))
    for i, col in enumerate(_l(version.get("additionalPrinterColumns"))):
        errs.extend(_validate_column(_d(col), f"{path}.additionalPrinterColumns[{i}]"))
    errs.extend(_validate_selectable_fields(_l(version.get("selectableFields")), schema,
                                            f"{path}.selectableFields"))
    return errs


# --- structural schemas ----------------------------------------------------------------------


def _validate_structural(s: dict[str, Any], path: str, *, root: bool = False, value_validation: bool = False,
                         under_preserve: bool = False, data: str = "") -> list[FieldError]:
    errs: list[FieldError] = []
    if "$ref" in s:
        errs.append(FieldError("Forbidden", f"{path}.$ref", "$ref is not supported"))
    t = s.get("type")
    int_or_string = s.get("x-kubernetes-int-or-string") is True
    preserve = s.get("x-kubernetes-preserve-unknown-fields")
    if preserve is False:
        errs.append(FieldError("Invalid", f"{path}.x-kubernetes-preserve-unknown-fields", "must be true or undefined",
                               False))
    if t is not None and t not in _SCHEMA_TYPES:
        errs.append(FieldError("NotSupported", f"{path}.type", value=t, supported=_SCHEMA_TYPES))
    if value_validation:
        if t is not None or "default" in s or "nullable" in s:
            for key in ("type", "default", "nullable"):
                if key in s:
                    errs.append(FieldError("Forbidden", f"{path}.{key}", "must be empty to be structural"))
    elif root:
        if not t:
            errs.append(FieldError("Required", f"{path}.type", "must not be empty at the root"))
        elif t != "object":
            errs.append(FieldError("Invalid", f"{path}.type", "must be object at the root", t))
    elif not t and not int_or_string and preserve is not True and not under_preserve:
        errs.append(FieldError("Required", f"{path}.type", "must not be empty for specified fields"))
    if int_or_string and t:
        errs.append(FieldError("Invalid", f"{path}.type", "must be empty if x-kubernetes-int-or-string is true", t))
    props, add = s.get("properties"), s.get("additionalProperties")
    if isinstance(props, dict) and props and add is not None:
        errs.append(FieldError("Forbidden", f"{path}.additionalProperties",
                               "additionalProperties and properties are mutual exclusive"))
    if add is False:
        errs.append(FieldError("Forbidden", f"{path}.additionalProperties", "must not be false"))
    if s.get("uniqueItems") is True:
        errs.append(FieldError("Forbidden", f"{path}.uniqueItems",
                               "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"))
    pattern = s.get("pattern")
    if isinstance(pattern, str) and _go_regex(pattern) is None:
        errs.append(FieldError("Invalid", f"{path}.pattern", "must be a valid regular expression", pattern))
    errs.extend(_validate_list_type(s, path))
    if "x-kubernetes-validations" in s and not value_validation:
        errs.extend(celrules.check_rules(s["x-kubernetes-validations"], f"{path}.x-kubernetes-validations"))
    if t == "array" and not isinstance(s.get("items"), dict) and not value_validation:
        errs.append(FieldError("Required", f"{path}.items", "must be specified"))
    if isinstance(props, dict):
        for name, sub in props.items():
            ppath = f"{path}.properties[{name}]"
            if root and name == "metadata" and isinstance(sub, dict) and _metadata_overreach(sub):
                errs.append(FieldError("Forbidden", ppath, "must not specify anything other than name and "
                                       "generateName, but metadata is implicitly specified"))
            if isinstance(sub, dict):
                errs.extend(_validate_structural(sub, ppath, value_validation=value_validation,
                                                 data=f"{data}.{name}" if data else name))
    if isinstance(add, dict):
        errs.extend(_validate_structural(add, f"{path}.additionalProperties", value_validation=value_validation,
                                         data=data))
    if isinstance(s.get("items"), dict):
        errs.extend(_validate_structural(s["items"], f"{path}.items", value_validation=value_validation,
                                         data=data))
    for key in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(_l(s.get(key))):
            if isinstance(sub, dict):
                errs.extend(_validate_structural(sub, f"{path}.{key}[{i}]", value_validation=True))
    if isinstance(s.get("not"), dict):
        errs.extend(_validate_structural(s["not"], f"{path}.not", value_validation=True))
    if "default" in s and not value_validation and s["default"] is not None:
        if root:
            errs.append(FieldError("Forbidden", f"{path}.default", "must not be set at the root"))
        else:
            errs.extend(_validate_default(s, path, data))
    return errs


def _validate_list_type(s: dict[str, Any], path: str) -> list[FieldError]:
    lt = s.get("x-kubernetes-list-type")
    keys = s.get("x-kubernetes-list-map-keys")
    errs: list[FieldError] = []
    if lt is None:
        if keys is not None:
            errs.append(FieldError("Forbidden", f"{path}.x-kubernetes-list-map-keys",
                                   "must be empty if x-kubernetes-list-type is not map"))
        return errs
    lpath = f"{path}.x-kubernetes-list-type"
    if lt not in _LIST_TYPES:
        errs.append(FieldError("NotSupported", lpath, value=lt, supported=_LIST_TYPES))
    elif s.get("type") != "array":
        errs.append(FieldError("Invalid", lpath, "must only be used if type is array", lt))
    elif lt == "map":
        if not _l(keys):
            errs.append(FieldError("Required", f"{path}.x-kubernetes-list-map-keys",
                                   "must not be empty if x-kubernetes-list-type is map"))
        item_props = _d(_d(s.get("items")).get("properties"))
        for i, k in enumerate(_l(keys)):
            if k not in item_props:
                errs.append(FieldError("Invalid", f"{path}.x-kubernetes-list-map-keys[{i}]",
                                       "entries must all be names of item properties", k))
    elif keys is not None:
        errs.append(FieldError("Forbidden", f"{path}.x-kubernetes-list-map-keys",
                               "must be empty if x-kubernetes-list-type is not map"))
    return errs


def _metadata_overreach(s: dict[str, Any]) -> bool:
    allowed = {"type", "description", "properties"}
    if set(s) - allowed or s.get("type", "object") != "object":
        return True
    props = _d(s.get("properties"))
    return bool(set(props) - {"name", "generateName"})


def _validate_default(s: dict[str, Any], path: str, data: str) -> list[FieldError]:
    """The default must validate against its own schema (reported at ``<schema path>.default``)."""
    node = dict(s)
    node.pop("default")
    data = data or "default"
    errs: list[FieldError] = []
    for e in CompiledSchema({"type": "object", "properties": {data: node}}).validate({data: s["default"]}):
        errs.append(FieldError(e.type, f"{path}.default", e.detail, e.value, e.supported))
    return errs


# --- subresources, columns, conversion, selectable fields ----------------------------------------


def _simple_json_path(value: str, path: str) -> list[FieldError]:
    if not value:
        return [FieldError("Invalid", path, "must not be empty", value)]
    if not value.startswith("."):
        return [FieldError("Invalid", path, "must be a simple json path starting with .", value)]
    return []


def _validate_subresources(sub: dict[str, Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    scale = sub.get("scale")
    if not isinstance(scale, dict):
        return errs
    for key, prefix, what in (("specReplicasPath", ".spec.", ".spec"), ("statusReplicasPath", ".status.", ".status")):
        value = _s(scale.get(key))
        fpath = f"{path}.scale.{key}"
        if not value:
            errs.append(FieldError("Required", fpath))
        elif bad := _simple_json_path(value, fpath):
            errs.extend(bad)
        elif not value.startswith(prefix):
            errs.append(FieldError("Invalid", fpath, f"should be a json path under {what}", value))
    selector = _s(scale.get("labelSelectorPath"))
    if selector:
        fpath = f"{path}.scale.labelSelectorPath"
        if bad := _simple_json_path(selector, fpath):
            errs.extend(bad)
        elif not selector.startswith((".spec.", ".status.")):
            errs.append(FieldError("Invalid", fpath, "should be a json path under either .spec or .status", selector))
    return errs


def _validate_column(col: dict[str, Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    if not _s(col.get("name")):
        errs.append(FieldError("Required", f"{path}.name"))
    typ = _s(col.get("type"))
    if not typ:
        errs.append(FieldError("Required", f"{path}.type", "must be one of " + ",".join(PRINTER_COLUMN_TYPES)))
    elif typ not in PRINTER_COLUMN_TYPES:
        errs.append(FieldError("NotSupported", f"{path}.type", value=typ, supported=PRINTER_COLUMN_TYPES))
    fmt = _s(col.get("format"))
    if fmt and fmt not in PRINTER_COLUMN_FORMATS:
        errs.append(FieldError("NotSupported", f"{path}.format", value=fmt, supported=PRINTER_COLUMN_FORMATS))
    json_path = _s(col.get("jsonPath"))
    if not json_path:
        errs.append(FieldError("Required", f"{path}.jsonPath"))
    else:
        errs.extend(_simple_json_path(json_path, f"{path}.jsonPath"))
    return errs


def _validate_conversion(conversion: Any, path: str) -> list[FieldError]:
    if not isinstance(conversion, dict):
        return []
    errs: list[FieldError] = []
    strategy = _s(conversion.get("strategy"))
    webhook = conversion.get("webhook")
    client_config = _d(webhook).get("clientConfig")
    review_versions = _d(webhook).get("conversionReviewVersions")
    if strategy not in ("None", "Webhook"):
        errs.append(FieldError("NotSupported", f"{path}.strategy", value=strategy, supported=("None", "Webhook")))
    elif strategy == "Webhook":
        cc_path = f"{path}.webhookClientConfig"
        if not isinstance(client_config, dict):
            errs.append(FieldError("Required", cc_path, "required when strategy is set to Webhook"))
        elif bool(client_config.get("url")) == bool(client_config.get("service")):
            errs.append(FieldError("Required", cc_path, "exactly one of url or service is required"))
        rpath = f"{path}.conversionReviewVersions"
        versions = _l(review_versions)
        if not versions:
            errs.append(FieldError("Required", rpath))
        else:
            seen: set[str] = set()
            for i, v in enumerate(versions):
                if v in seen:
                    errs.append(FieldError("Invalid", f"{rpath}[{i}]", "duplicate version", v))
                    continue
                seen.add(v)
                errs.extend(FieldError("Invalid", f"{rpath}[{i}]", p, v) for p in is_dns1035_label(_s(v)))
            if not seen & set(CONVERSION_REVIEW_VERSIONS):
                errs.append(FieldError("Invalid", rpath, "must include at least one of "
                                       + ", ".join(CONVERSION_REVIEW_VERSIONS), versions))
    else:
        if client_config is not None:
            errs.append(FieldError("Forbidden", f"{path}.webhookClientConfig",
                                   "should not be set when strategy is not set to Webhook"))
        if review_versions:
            errs.append(FieldError("Forbidden", f"{path}.conversionReviewVersions",
                                   "should not be set when strategy is not set to Webhook"))
    return errs


def _validate_selectable_fields(fields: list[Any], schema: dict[str, Any] | None, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    if len(fields) > MAX_SELECTABLE_FIELDS:
        errs.append(FieldError("TooMany", path, f"{len(fields)}: must have at most {MAX_SELECTABLE_FIELDS} items"))
    seen: set[str] = set()
    for i, f in enumerate(fields):
        jpath = f"{path}[{i}].jsonPath"
        json_path = _s(_d(f).get("jsonPath"))
        if not json_path:
            errs.append(FieldError("Required", jpath))
            continue
        if bad := _simple_json_path(json_path, jpath):
            errs.extend(bad)
            continue
        parts = json_path[1:].split(".")
        if parts[0] == "metadata":
            errs.append(FieldError("Invalid", jpath, "must not point to fields in metadata", json_path))
            continue
        node: Any = schema
        for part in parts:
            node = _d(_d(node).get("properties")).get(part) if isinstance(node, dict) else None
        if schema is not None:
            if node is None:
                errs.append(FieldError("Invalid", jpath, "must point to a field in the schema", json_path))
            elif _d(node).get("type") not in ("string", "integer", "boolean"):
                errs.append(FieldError("Invalid", jpath, "must point to a field of type string, boolean or integer. "
                                       "Enum string fields and strings with formats are allowed.", json_path))
        if json_path in seen:
            errs.append(FieldError("Duplicate", jpath, value=json_path))
        seen.add(json_path)
    return errs


# --- update --------------------------------------------------------------------------------------


def _established(crd: dict[str, Any]) -> bool:
    return any(_d(c).get("type") == "Established" and _d(c).get("status") == "True"
               for c in _l(_d(crd.get("status")).get("conditions")))


def validate_crd_update(
    new: dict[str, Any], old: dict[str, Any], *, established: bool | None = None
) -> list[FieldError]:
    """Field errors of a CRD update (``ValidateCustomResourceDefinitionUpdate``).

    ``spec.group`` and ``spec.names.plural`` are always immutable; ``spec.scope`` and
    ``spec.names.kind`` once the CRD is established (upstream's rule). ``established=None`` reads
    the ``Established`` condition from ``old``'s status.
    """
    errs = validate_object_meta_update(_d(new.get("metadata")), _d(old.get("metadata")), kube_finalizers=False,
                                       require_resource_version=False)
    errs.extend(_without_meta_create(new))
    spec, old_spec = _d(new.get("spec")), _d(old.get("spec"))
    names, old_names = _d(spec.get("names")), _d(old_spec.get("names"))
    changes = [("spec.group", spec.get("group"), old_spec.get("group")),
               ("spec.names.plural", names.get("plural"), old_names.get("plural"))]
    if _established(old) if established is None else established:
        changes[:0] = [("spec.scope", spec.get("scope"), old_spec.get("scope")),
                       ("spec.names.kind", names.get("kind"), old_names.get("kind"))]
    for path, value, old_value in changes:
        if value != old_value:
            errs.append(FieldError("Invalid", path, FIELD_IMMUTABLE_ERROR_MSG, value))
    served = {_s(_d(v).get("name")) for v in _l(spec.get("versions"))}
    stored = _l(_d(old.get("status")).get("storedVersions"))
    for i, v in enumerate(stored):
        if v not in served:
            errs.append(FieldError("Invalid", f"status.storedVersions[{i}]", "must appear in spec.versions", v))
    return errs


def _without_meta_create(crd: dict[str, Any]) -> list[FieldError]:
    """The create checks minus the ObjectMeta create rules (update has its own, above)."""
    spec = _d(crd.get("spec"))
    names = _d(spec.get("names"))
    name = _s(_d(crd.get("metadata")).get("name"))
    errs: list[FieldError] = []
    required_name = f"{_s(names.get('plural'))}.{_s(spec.get('group'))}"
    if name != required_name:
        errs.append(FieldError("Invalid", "metadata.name", 'must be spec.names.plural+"."+spec.group', name))
    errs.extend(_validate_spec(spec, "spec"))
    return errs
