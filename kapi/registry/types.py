"""``ResourceType``: everything the server needs to know to serve one resource.

Built-in types come from ``openapi/`` schemas plus the facts table (``builtin_facts.py``);
CRDs will build the same descriptors at run time. Handlers and the generic resource service
consult only this, never the kind's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Subresource:
    name: str  # "status", "scale", "binding", ...
    group: str  # responseKind
    version: str
    kind: str
    verbs: tuple[str, ...] = ("get", "patch", "update")


@dataclass(frozen=True, slots=True)
class ResourceType:
    group: str  # "" for core
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    verbs: tuple[str, ...]
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[Subresource, ...] = ()
    schema: str | None = None  # name of the definition in openapi/, e.g. io.k8s.api.apps.v1.Deployment
    tracks_generation: bool = False  # metadata.generation set on create, bumped on spec change
    storage_resource: str = ""  # "<group>/<plural>" under which objects are stored; shared by versions
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def api_version(self) -> str:
        return self.group_version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def group_resource(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def subresource(self, name: str) -> Subresource | None:
        for sub in self.subresources:
            if sub.name == name:
                return sub
        return None

    @property
    def storage_prefix(self) -> str:
        """Key prefix of this resource's objects: ``/<group or core>/<plural>/``."""
        return "/" + (self.storage_resource or f"{self.group or 'core'}/{self.plural}") + "/"

    def key(self, namespace: str | None, name: str) -> str:
        if self.namespaced:
            return f"{self.storage_prefix}{namespace}/{name}"
        return f"{self.storage_prefix}{name}"

    def prefix(self, namespace: str | None) -> str:
        """Prefix for a list: one namespace, or all objects of the type."""
        if self.namespaced and namespace:
            return f"{self.storage_prefix}{namespace}/"
        return self.storage_prefix
