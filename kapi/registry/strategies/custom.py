"""CustomResourceDefinitions, and the custom resources they define.

``CustomResourceDefinitionStrategy``: upstream's defaults and validation of the CRD itself (see
``kapi.machinery.crdvalidation``), and the cleanup finalizer that lets a CRD's deletion remove
its custom resources first. ``CustomResourceStrategy``: built per served version from the
descriptor (``kapi.registry.crds``); defaulting, validation and pruning from the version's
``openAPIV3Schema`` (``kapi.machinery.crdschema``) and its CEL rules (``kapi.machinery.celrules``),
and its ``selectableFields``.
"""

from __future__ import annotations

from typing import Any

from kapi.machinery import celrules, crdschema, crdvalidation
from kapi.machinery.errors import FieldError
from kapi.registry.crds import CLEANUP_FINALIZER
from kapi.registry.strategy import RequestContext, Strategy
from kapi.registry.types import ResourceType

Obj = dict[str, Any]


class CustomResourceDefinitionStrategy(Strategy):
    def default(self, obj: Obj) -> None:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        names = spec.get("names")
        if isinstance(names, dict):
            if not names.get("singular") and isinstance(names.get("kind"), str):
                names["singular"] = names["kind"].lower()
            if not names.get("listKind") and isinstance(names.get("kind"), str):
                names["listKind"] = names["kind"] + "List"
        conversion = spec.get("conversion")
        if not isinstance(conversion, dict):
            spec["conversion"] = {"strategy": "None"}
        elif not conversion.get("strategy"):
            conversion["strategy"] = "None"

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        meta = obj.setdefault("metadata", {})
        finalizers = list(meta.get("finalizers") or [])
        if CLEANUP_FINALIZER not in finalizers:
            finalizers.append(CLEANUP_FINALIZER)
        meta["finalizers"] = finalizers

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        return crdvalidation.validate_crd(obj)

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        if ctx.subresource == "status":
            return []
        return crdvalidation.validate_crd_update(new, old)


def _json_path_value(obj: Any, path: str) -> Any:
    cur = obj
    for part in path.strip(".").split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


# Schema errors after which upstream does not run the CEL rules (``hasBlockingErr``).
_BLOCKING = frozenset({"NotSupported", "Required", "TooLong", "TooMany", "TypeInvalid"})
_NOT_CHECKED = FieldError("Invalid", "", "some validation rules were not checked because the object was invalid; "
                          "correct the existing errors to complete validation", "null")


def _blocking(errs: list[FieldError]) -> bool:
    return any(e.type in _BLOCKING or (e.type == "Invalid" and " in body must be of type " in e.detail) for e in errs)


class CustomResourceStrategy(Strategy):
    """One served version of one CRD."""

    def __init__(self, rt: ResourceType) -> None:
        self.rt = rt
        self.schema = crdschema.compile(rt.extra.get("crd_schema") or {"type": "object"})  # type: ignore[arg-type]
        self.rules = celrules.compile(self.schema.schema)
        self.fields = [str(f.get("jsonPath", "")) for f in rt.extra.get("selectable_fields") or []  # type: ignore[union-attr]
                       if isinstance(f, dict)]

    def default(self, obj: Obj) -> None:
        self.schema.default(obj)

    def prune(self, obj: Obj) -> list[str]:
        return self.schema.prune(obj)

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        return self._with_rules(self.schema.validate(obj), obj, None, False)

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return self._with_rules(self.schema.validate(new), new, old, True)

    def _with_rules(self, errs: list[FieldError], obj: Obj, old: Obj | None, has_old: bool) -> list[FieldError]:
        if self.rules is None:
            return errs
        if _blocking(errs):
            return [*errs, _NOT_CHECKED]
        return errs + self.rules.validate(obj, old, has_old=has_old)

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        out: dict[str, str] = {}
        for path in self.fields:
            value = _json_path_value(obj, path)
            if isinstance(value, bool):
                out[path.lstrip(".")] = "true" if value else "false"
            elif value is not None:
                out[path.lstrip(".")] = str(value)
            else:
                out[path.lstrip(".")] = ""
        return out

    def supported_field_selectors(self) -> frozenset[str]:
        return frozenset({"metadata.name", "metadata.namespace", *(p.lstrip(".") for p in self.fields)})
