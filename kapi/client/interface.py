"""The client interface both transports implement."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from typing import Any

from kapi.client.resources import Resource

Obj = dict[str, Any]
PATCH_TYPES = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",
}
DEFAULT_FIELD_MANAGER = "kapi-client"


def namespace_of(resource: Resource, obj: Obj | None, namespace: str | None) -> str | None:
    if not resource.namespaced:
        return None
    if namespace:
        return namespace
    ns = ((obj or {}).get("metadata") or {}).get("namespace")
    return ns or None


def name_of(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


class Client(abc.ABC):
    """Async access to the API. Every failure raises ``ApiError``."""

    field_manager: str = DEFAULT_FIELD_MANAGER

    @abc.abstractmethod
    async def get(self, resource: Resource, name: str, namespace: str | None = None) -> Obj: ...

    @abc.abstractmethod
    async def list(self, resource: Resource, namespace: str | None = None, *, label_selector: str | None = None,
                   field_selector: str | None = None, limit: int | None = None, continue_: str | None = None,
                   resource_version: str | None = None) -> Obj: ...

    @abc.abstractmethod
    def watch(self, resource: Resource, namespace: str | None = None, *, resource_version: str | None = None,
              label_selector: str | None = None, field_selector: str | None = None,
              allow_bookmarks: bool = True, timeout_seconds: int | None = None
              ) -> AsyncIterator[tuple[str, Obj]]:
        """Events as ``(type, object)``; an ERROR event carries the Status as its object."""

    @abc.abstractmethod
    async def create(self, resource: Resource, obj: Obj, namespace: str | None = None, *,
                     field_manager: str | None = None) -> Obj: ...

    @abc.abstractmethod
    async def update(self, resource: Resource, obj: Obj, namespace: str | None = None, *,
                     subresource: str | None = None, field_manager: str | None = None) -> Obj: ...

    async def update_status(self, resource: Resource, obj: Obj, namespace: str | None = None, *,
                            field_manager: str | None = None) -> Obj:
        return await self.update(resource, obj, namespace, subresource="status", field_manager=field_manager)

    @abc.abstractmethod
    async def patch(self, resource: Resource, name: str, patch: Any, namespace: str | None = None, *,
                    patch_type: str = "merge", field_manager: str | None = None, force: bool = False,
                    subresource: str | None = None) -> Obj: ...

    @abc.abstractmethod
    async def delete(self, resource: Resource, name: str, namespace: str | None = None, *,
                     grace_period_seconds: int | None = None, propagation_policy: str | None = None,
                     preconditions: dict[str, str] | None = None) -> Obj: ...

    @abc.abstractmethod
    async def create_subresource(self, resource: Resource, name: str, subresource: str, obj: Obj,
                                 namespace: str | None = None) -> Obj:
        """POST to a subresource (``binding``); returns the answer (a Status for binding)."""

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
