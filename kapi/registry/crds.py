"""CustomResourceDefinitions become ordinary resource descriptors.

``types_from_crd`` turns a stored CRD into one ``ResourceType`` per served version; the registry
adds them to the catalog when a CRD is written (and at start), so discovery, OpenAPI, Tables and
the generic resource service serve custom resources with no CRD-specific request path. The
per-kind behaviour of custom resources (schema defaulting, validation, pruning, scale paths,
selectable fields) is the ``CustomResourceStrategy`` built from the same descriptor.
"""

from __future__ import annotations

from typing import Any

from kapi.registry.types import ResourceType, Subresource

Obj = dict[str, Any]

GROUP = "apiextensions.k8s.io"
CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"
STANDARD_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


def storage_version(crd: Obj) -> str | None:
    for v in (crd.get("spec") or {}).get("versions") or []:
        if isinstance(v, dict) and v.get("storage"):
            return str(v.get("name"))
    return None


def types_from_crd(crd: Obj) -> list[ResourceType]:
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group = spec.get("group") or ""
    plural = names.get("plural") or ""
    kind = names.get("kind") or ""
    if not (group and plural and kind):
        return []
    namespaced = spec.get("scope", "Namespaced") == "Namespaced"
    webhook = (spec.get("conversion") or {}).get("strategy") == "Webhook"
    out: list[ResourceType] = []
    for version in spec.get("versions") or []:
        if not isinstance(version, dict) or not version.get("served"):
            continue
        name = str(version.get("name"))
        subs = version.get("subresources") or {}
        subresources: list[Subresource] = []
        if isinstance(subs.get("status"), dict):
            subresources.append(Subresource("status", group, name, kind))
        scale = subs.get("scale") if isinstance(subs.get("scale"), dict) else None
        if scale is not None:
            subresources.append(Subresource("scale", "autoscaling", "v1", "Scale"))
        extra: dict[str, object] = {
            "custom": True,
            "crd_name": f"{plural}.{group}",
            "crd_schema": ((version.get("schema") or {}).get("openAPIV3Schema")) or {"type": "object"},
            "printer_columns": list(version.get("additionalPrinterColumns") or []),
            "storage_version": storage_version(crd),
            "conversion_webhook": webhook,
        }
        if scale is not None:
            extra["scale"] = scale
        if version.get("selectableFields"):
            extra["selectable_fields"] = list(version["selectableFields"])
        out.append(ResourceType(
            group=group, version=name, kind=kind, plural=plural,
            singular=names.get("singular") or kind.lower(), namespaced=namespaced, verbs=STANDARD_VERBS,
            short_names=tuple(names.get("shortNames") or ()), categories=tuple(names.get("categories") or ()),
            subresources=tuple(subresources), schema=None, tracks_generation=True,
            storage_resource=f"{group}/{plural}", extra=extra,
        ))
    return out


def established_status(crd: Obj, now: str) -> Obj:
    """The status a CRD gets once its names are accepted and its types are served."""
    spec = crd.get("spec") or {}
    status = dict(crd.get("status") or {})
    names = dict(spec.get("names") or {})
    names.setdefault("singular", str(names.get("kind", "")).lower())
    names.setdefault("listKind", f"{names.get('kind', '')}List")
    status["acceptedNames"] = names
    conditions = [c for c in status.get("conditions") or [] if c.get("type") not in ("NamesAccepted", "Established")]
    previous = {c.get("type"): c for c in status.get("conditions") or []}

    def condition(kind: str, reason: str, message: str) -> Obj:
        old = previous.get(kind)
        since = old.get("lastTransitionTime") if old and old.get("status") == "True" else now
        return {"type": kind, "status": "True", "lastTransitionTime": since, "reason": reason, "message": message}

    conditions.append(condition("NamesAccepted", "NoConflicts", "no conflicts found"))
    conditions.append(condition("Established", "InitialNamesAccepted", "the initial names have been accepted"))
    status["conditions"] = conditions
    stored = list(status.get("storedVersions") or [])
    current = storage_version(crd)
    if current and current not in stored:
        stored.append(current)
    status["storedVersions"] = stored
    return status


def is_established(crd: Obj) -> bool:
    status = crd.get("status") or {}
    accepted = status.get("acceptedNames") or {}
    names = (crd.get("spec") or {}).get("names") or {}
    current = storage_version(crd)
    return (any(c.get("type") == "Established" and c.get("status") == "True" for c in status.get("conditions") or [])
            and accepted.get("plural") == names.get("plural") and accepted.get("kind") == names.get("kind")
            and accepted.get("shortNames") == names.get("shortNames")
            and accepted.get("categories") == names.get("categories")
            and (current is None or current in (status.get("storedVersions") or [])))
