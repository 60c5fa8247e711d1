"""Discovery documents, built from a ``Catalog`` (pure functions; the HTTP layer serves them).

Two formats, as kube-apiserver 1.33 serves them:

* legacy: ``/api`` (APIVersions), ``/apis`` (APIGroupList), ``/apis/<g>`` (APIGroup) and
  ``/api/v1`` / ``/apis/<g>/<v>`` (APIResourceList, subresources as ``<plural>/<sub>`` entries);
* aggregated: ``apidiscovery.k8s.io/v2`` ``APIGroupDiscoveryList`` for ``/api`` (core group) and
  ``/apis`` (the others), chosen by the client's Accept header. kubectl recognises it only by
  the response Content-Type (``AGGREGATED_V2``) and drops resources without ``responseKind``.

Like upstream, a ``responseKind``/``group``/``version`` in the kind's own group-version is left
empty; one from another group-version (``deployments/scale`` -> autoscaling/v1 Scale,
``pods/eviction`` -> policy/v1 Eviction) is spelled out. Names, verbs and subresources are
sorted, as upstream's installer sorts them.
"""

from __future__ import annotations

from typing import Any

from kapi.registry.catalog import Catalog
from kapi.registry.types import ResourceType, Subresource

AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

Doc = dict[str, Any]


# --- legacy -----------------------------------------------------------------------------------
def api_versions(server_address: str) -> Doc:
    """``GET /api``: the core group's versions."""
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def _group_version(group: str, version: str) -> Doc:
    return {"groupVersion": f"{group}/{version}", "version": version}


def _api_group(group: str, versions: list[str]) -> Doc:
    return {
        "name": group,
        "versions": [_group_version(group, v) for v in versions],
        "preferredVersion": _group_version(group, versions[0]),
    }


def api_group_list(catalog: Catalog) -> Doc:
    """``GET /apis``: every named group, in upstream's priority order."""
    groups = [_api_group(g, versions) for g, versions in catalog.groups() if g]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(catalog: Catalog, group: str) -> Doc | None:
    """``GET /apis/<group>``, or ``None`` when the group is not served."""
    versions = catalog.versions(group) if group else []
    if not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_api_group(group, versions)}


def _legacy_resource(rt: ResourceType) -> Doc:
    entry: Doc = {
        "name": rt.plural,
        "singularName": rt.singular,
        "namespaced": rt.namespaced,
        "kind": rt.kind,
        "verbs": sorted(rt.verbs),
    }
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    svh = rt.extra.get("storage_version_hash")
    if svh:
        entry["storageVersionHash"] = svh
    return entry


def _legacy_subresource(rt: ResourceType, sub: Subresource) -> Doc:
    entry: Doc = {"name": f"{rt.plural}/{sub.name}", "singularName": "", "namespaced": rt.namespaced}
    if (sub.group, sub.version) != (rt.group, rt.version):
        entry["group"] = sub.group
        entry["version"] = sub.version
    entry["kind"] = sub.kind
    entry["verbs"] = sorted(sub.verbs)
    return entry


def api_resource_list(catalog: Catalog, group: str, version: str) -> Doc | None:
    """``GET /api/v1`` or ``/apis/<g>/<v>``, or ``None`` when the group-version is not served."""
    types = catalog.resources(group, version)
    if not types:
        return None
    entries: list[Doc] = []
    for rt in types:
        entries.append(_legacy_resource(rt))
        entries.extend(_legacy_subresource(rt, sub) for sub in rt.subresources)
    entries.sort(key=lambda e: e["name"])
    doc: Doc = {"kind": "APIResourceList"}
    if group:  # upstream's /api/v1 carries no apiVersion; the named groups' lists do
        doc["apiVersion"] = "v1"
    doc["groupVersion"] = f"{group}/{version}" if group else version
    doc["resources"] = entries
    return doc


# --- aggregated -------------------------------------------------------------------------------
def _response_kind(owner: ResourceType, group: str, version: str, kind: str) -> Doc:
    if (group, version) == (owner.group, owner.version):
        group = version = ""
    return {"group": group, "version": version, "kind": kind}


def _aggregated_resource(rt: ResourceType) -> Doc:
    entry: Doc = {
        "resource": rt.plural,
        "responseKind": _response_kind(rt, rt.group, rt.version, rt.kind),
        "scope": "Namespaced" if rt.namespaced else "Cluster",
        "singularResource": rt.singular,
        "verbs": sorted(rt.verbs),
    }
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    if rt.subresources:
        entry["subresources"] = [
            {
                "subresource": sub.name,
                "responseKind": _response_kind(rt, sub.group, sub.version, sub.kind),
                "verbs": sorted(sub.verbs),
            }
            for sub in sorted(rt.subresources, key=lambda s: s.name)
        ]
    return entry


def _aggregated_group(catalog: Catalog, group: str, versions: list[str]) -> Doc:
    metadata: Doc = {"creationTimestamp": None}
    if group:
        metadata["name"] = group
    return {
        "metadata": metadata,
        "versions": [
            {
                "version": version,
                "resources": [_aggregated_resource(rt) for rt in catalog.resources(group, version)],
                "freshness": "Current",
            }
            for version in versions
        ],
    }


def aggregated_discovery(catalog: Catalog, *, core: bool, beta: bool = False) -> Doc:
    """``APIGroupDiscoveryList`` for ``/api`` (``core=True``) or ``/apis``.

    ``beta=True`` labels it ``apidiscovery.k8s.io/v2beta1`` (same shape), to be served with
    ``AGGREGATED_V2BETA1``.
    """
    items = [
        _aggregated_group(catalog, group, versions)
        for group, versions in catalog.groups()
        if (group == "") == core
    ]
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2beta1" if beta else "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    }


def aggregated_format(accept: str | None) -> str | None:
    """Which aggregated Content-Type an Accept header asks for first, or ``None`` for legacy.

    Media ranges are taken in the client's order (kubectl lists v2, v2beta1, then plain
    ``application/json``); parameter order and spacing do not matter.
    """
    for media_range in (accept or "").split(","):
        media_type, *raw_params = (part.strip() for part in media_range.split(";"))
        if media_type.lower() != "application/json":
            continue
        params = dict(p.split("=", 1) for p in raw_params if "=" in p)
        params = {k.strip().lower(): v.strip() for k, v in params.items()}
        if params.get("g") != "apidiscovery.k8s.io" or params.get("as") != "APIGroupDiscoveryList":
            if not params.keys() & {"g", "v", "as"}:
                return None  # plain application/json before any aggregated range: legacy
            continue
        if params.get("v") == "v2":
            return AGGREGATED_V2
        if params.get("v") == "v2beta1":
            return AGGREGATED_V2BETA1
    return None
