"""The resource catalog: every ``ResourceType`` the server serves, built-in and custom.

Built-in types are the rows of ``builtin_facts`` joined with the generated OpenAPI definitions
(``openapi/v1.33/definitions.json``, see ``hack/gen_openapi.py``). CRDs add and remove types at
run time; every change bumps ``Catalog.version`` so discovery documents can be re-rendered and
re-tagged. Group and version order follow kube-apiserver: groups by descending priority (ties
by name), versions in Kubernetes version order (GA, then beta, then alpha; newest first).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.resources
import re
from collections.abc import Iterable
from pathlib import Path

import orjson

import kapi
from kapi.machinery.schema import Definitions
from kapi.registry.builtin_facts import FACTS, Fact
from kapi.registry.types import ResourceType, Subresource

DEFINITIONS_FILE = ("v1.33", "definitions.json")

#: kube-apiserver's group priorities (higher first). Only the order matters.
GROUP_PRIORITY: dict[str, int] = {
    "": 18000,
    "apiregistration.k8s.io": 17900,
    "apps": 17800,
    "events.k8s.io": 17750,
    "authentication.k8s.io": 17700,
    "authorization.k8s.io": 17600,
    "autoscaling": 17500,
    "batch": 17400,
    "certificates.k8s.io": 17300,
    "networking.k8s.io": 17200,
    "policy": 17100,
    "rbac.authorization.k8s.io": 17000,
    "storage.k8s.io": 16800,
    "admissionregistration.k8s.io": 16700,
    "apiextensions.k8s.io": 16700,
    "scheduling.k8s.io": 16600,
    "coordination.k8s.io": 16500,
    "node.k8s.io": 16300,
    "discovery.k8s.io": 16200,
    "flowcontrol.apiserver.k8s.io": 16100,
    "internal.apiserver.k8s.io": 16000,
    "resource.k8s.io": 15900,
    "storagemigration.k8s.io": 15800,
}
#: what upstream gives the APIService of a CRD group
DEFAULT_GROUP_PRIORITY = 1000

_KUBE_VERSION = re.compile(r"^v([1-9][0-9]*)(?:(alpha|beta)([1-9][0-9]*))?$")
_STAGE_RANK = {None: 0, "beta": 1, "alpha": 2}


def version_sort_key(version: str) -> tuple[int, int, int, str]:
    """Sort key for Kubernetes versions: v2, v1, v2beta1, v1beta2, v1beta1, v1alpha1, then others by name."""
    m = _KUBE_VERSION.match(version)
    if m is None:
        return (3, 0, 0, version)
    return (_STAGE_RANK[m.group(2)], -int(m.group(1)), -int(m.group(3) or 0), "")


def group_sort_key(group: str) -> tuple[int, str]:
    return (-GROUP_PRIORITY.get(group, DEFAULT_GROUP_PRIORITY), group)


def storage_version_hash(group: str, version: str, kind: str) -> str:
    """Upstream's ``storageVersionHash``: base64 of the first 8 bytes of sha256("g/v/Kind")."""
    digest = hashlib.sha256(f"{group}/{version}/{kind}".encode()).digest()
    return base64.b64encode(digest[:8]).decode()


# --- the generated definitions ----------------------------------------------------------------
def openapi_dir() -> Path:
    """Where the generated documents live: the source tree, else the installed package."""
    checkout = Path(kapi.__file__).resolve().parent.parent / "openapi"
    if checkout.is_dir():
        return checkout
    return Path(str(importlib.resources.files("kapi") / "openapi"))


@functools.cache
def load_definitions() -> Definitions:
    """The built-in schemas (parsed once per process)."""
    path = openapi_dir().joinpath(*DEFINITIONS_FILE)
    return Definitions(orjson.loads(path.read_bytes())["$defs"])


# --- built-in types ---------------------------------------------------------------------------
def _gvk_index(defs: Definitions) -> dict[tuple[str, str, str], str]:
    index: dict[tuple[str, str, str], str] = {}
    for name, schema in defs.defs.items():
        for gvk in schema.get("x-kubernetes-group-version-kind") or ():
            index.setdefault((gvk["group"], gvk["version"], gvk["kind"]), name)
    return index


def _subresources(fact: Fact) -> tuple[Subresource, ...]:
    out = []
    for sub in fact.subresources:
        group, _, version = (sub.group_version or fact.group_version).rpartition("/")
        out.append(Subresource(sub.name, group, version, sub.kind or fact.kind, sub.verbs))
    return tuple(out)


def _storage_hashes() -> dict[str, str]:
    """Shared storage reports the hash of its first (preferred) group-version in ``FACTS``."""
    out: dict[str, str] = {}
    for fact in FACTS:
        if fact.storage_resource and fact.storage_resource not in out:
            out[fact.storage_resource] = storage_version_hash(fact.group, fact.version, fact.kind)
    return out


def _resource_type(fact: Fact, schema: str, shared_hashes: dict[str, str]) -> ResourceType:
    extra: dict[str, object] = {}
    if fact.generation is not None:
        extra["generation_fields"] = fact.generation
    if "watch" in fact.verbs:  # store-backed: upstream reports a storage version hash
        extra["storage_version_hash"] = shared_hashes.get(fact.storage_resource) or storage_version_hash(
            fact.group, fact.version, fact.kind
        )
    return ResourceType(
        group=fact.group,
        version=fact.version,
        kind=fact.kind,
        plural=fact.plural,
        singular=fact.kind.lower(),
        namespaced=fact.namespaced,
        verbs=fact.verbs,
        short_names=fact.short_names,
        categories=fact.categories,
        subresources=_subresources(fact),
        schema=schema,
        tracks_generation=fact.generation is not None,
        storage_resource=fact.storage_resource,
        extra=extra,
    )


def builtin_types(defs: Definitions) -> list[ResourceType]:
    """One ``ResourceType`` per fact; ``LookupError`` if a kind (or its list) has no schema.

    ``extra`` carries ``generation_fields`` (what bumps ``metadata.generation``) for types that
    track generation, and ``storage_version_hash`` for store-backed types.
    """
    index = _gvk_index(defs)
    shared_hashes = _storage_hashes()
    out: list[ResourceType] = []
    for fact in FACTS:
        gvk = (fact.group, fact.version, fact.kind)
        schema = index.get(gvk)
        if schema is None:
            raise LookupError(f"no schema for {fact.group_version} {fact.kind} ({fact.plural})")
        if "list" in fact.verbs and (fact.group, fact.version, fact.kind + "List") not in index:
            raise LookupError(f"no schema for {fact.group_version} {fact.kind}List")
        out.append(_resource_type(fact, schema, shared_hashes))
    return out


# --- the catalog ------------------------------------------------------------------------------
class Catalog:
    """The served resource types, indexed by (group, version, plural) and by kind."""

    def __init__(self, types: Iterable[ResourceType] = ()) -> None:
        self._types: dict[tuple[str, str, str], ResourceType] = {}
        self._kinds: dict[tuple[str, str, str], ResourceType] = {}
        #: bumped on every change; discovery documents are a function of (catalog, version)
        self.version = 0
        for rt in types:
            self.add(rt)

    @classmethod
    def builtin(cls, defs: Definitions | None = None) -> Catalog:
        """A fresh catalog holding the built-in types."""
        return cls(builtin_types(defs or load_definitions()))

    def add(self, rt: ResourceType) -> None:
        """Add or replace the type at (group, version, plural)."""
        key = (rt.group, rt.version, rt.plural)
        old = self._types.get(key)
        if old is not None:
            if old == rt and old.extra == rt.extra:
                return
            self._kinds.pop((old.group, old.version, old.kind), None)
        self._types[key] = rt
        self._kinds[(rt.group, rt.version, rt.kind)] = rt
        self.version += 1

    def remove(self, group: str, version: str, plural: str) -> ResourceType | None:
        rt = self._types.pop((group, version, plural), None)
        if rt is not None:
            if self._kinds.get((group, version, rt.kind)) is rt:
                del self._kinds[(group, version, rt.kind)]
            self.version += 1
        return rt

    def get(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._types.get((group, version, plural))

    def by_kind(self, group: str, version: str, kind: str) -> ResourceType | None:
        return self._kinds.get((group, version, kind))

    def groups(self) -> list[tuple[str, list[str]]]:
        """Each served group with its versions in preference order; core ("") first."""
        versions: dict[str, set[str]] = {}
        for group, version, _ in self._types:
            versions.setdefault(group, set()).add(version)
        return [
            (group, sorted(versions[group], key=version_sort_key))
            for group in sorted(versions, key=group_sort_key)
        ]

    def versions(self, group: str) -> list[str]:
        """The versions of ``group`` in preference order (empty if the group is not served)."""
        found = {version for g, version, _ in self._types if g == group}
        return sorted(found, key=version_sort_key)

    def preferred_version(self, group: str) -> str | None:
        versions = self.versions(group)
        return versions[0] if versions else None

    def resources(self, group: str, version: str) -> list[ResourceType]:
        """The types of one group-version, by plural."""
        found = [rt for (g, v, _), rt in self._types.items() if g == group and v == version]
        return sorted(found, key=lambda rt: rt.plural)

    def all(self) -> list[ResourceType]:
        return list(self._types.values())

    def __len__(self) -> int:
        return len(self._types)
