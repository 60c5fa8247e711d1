"""The in-process transport: calls the registry's resource services directly (no HTTP)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from kapi.client.errors import ApiError
from kapi.client.interface import PATCH_TYPES, Client, Obj, name_of, namespace_of
from kapi.client.resources import Resource
from kapi.machinery import errors
from kapi.machinery.errors import StatusError
from kapi.registry.binding import bind_pod
from kapi.registry.options import DeleteOptions, ListOptions
from kapi.registry.tokens import request_token
from kapi.registry.watching import WatchStream

if TYPE_CHECKING:
    from kapi.registry.registry import Registry
    from kapi.registry.service import ResourceService

T = TypeVar("T")
_END = object()


async def _call(aw: Awaitable[T]) -> T:
    try:
        return await aw
    except StatusError as exc:
        raise ApiError.from_status(exc.status()) from None


def _query(**kw: Any) -> dict[str, str]:
    return {k: str(v) for k, v in kw.items() if v is not None}


def parse_lines(data: bytes) -> list[tuple[str, Obj]]:
    out = []
    for line in data.split(b"\n"):
        if line.strip():
            ev = orjson.loads(line)
            out.append((ev["type"], ev["object"]))
    return out


class InProcessClient(Client):
    """A ``Client`` over a started ``Registry`` in the same event loop."""

    def __init__(self, registry: Registry, *, field_manager: str = "kapi-client") -> None:
        self.registry = registry
        self.field_manager = field_manager

    def _svc(self, resource: Resource) -> ResourceService:
        svc = self.registry.service_for(resource.group, resource.version, resource.plural)
        if svc is None:
            raise ApiError.from_status(errors.not_found_path().status())
        return svc

    def _ctx(self, namespace: str | None, *, subresource: str | None = None, field_manager: str | None = None
             ) -> Any:
        return self.registry.context(namespace=namespace, subresource=subresource, dry_run=False,
                                     field_manager=field_manager or self.field_manager)

    @staticmethod
    def _ns_required(resource: Resource, namespace: str | None) -> None:
        if resource.namespaced and not namespace:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")

    async def get(self, resource: Resource, name: str, namespace: str | None = None) -> Obj:
        svc = self._svc(resource)
        ns = namespace_of(resource, None, namespace)
        self._ns_required(resource, ns)
        return orjson.loads(await _call(svc.get(ns, name)))

    async def list(self, resource: Resource, namespace: str | None = None, *, label_selector: str | None = None,
                   field_selector: str | None = None, limit: int | None = None, continue_: str | None = None,
                   resource_version: str | None = None) -> Obj:
        svc = self._svc(resource)
        ns = namespace_of(resource, None, namespace)

        async def run() -> bytes:
            opts = ListOptions.from_query(_query(labelSelector=label_selector, fieldSelector=field_selector,
                                                 limit=limit, resourceVersion=resource_version,
                                                 **{"continue": continue_}))
            return await svc.list(ns, opts)
        return orjson.loads(await _call(run()))

    async def watch(self, resource: Resource, namespace: str | None = None, *, resource_version: str | None = None,
                    label_selector: str | None = None, field_selector: str | None = None,
                    allow_bookmarks: bool = True, timeout_seconds: int | None = None
                    ) -> AsyncIterator[tuple[str, Obj]]:
        svc = self._svc(resource)
        ns = namespace_of(resource, None, namespace)
        try:
            opts = ListOptions.from_query(_query(
                labelSelector=label_selector, fieldSelector=field_selector, resourceVersion=resource_version,
                watch="true", allowWatchBookmarks="true" if allow_bookmarks else None,
                timeoutSeconds=timeout_seconds))
            stream = WatchStream(svc, ns, opts)
        except StatusError as exc:
            raise ApiError.from_status(exc.status()) from None
        queue: asyncio.Queue[Any] = asyncio.Queue()
        closed = False

        def emit(data: bytes) -> bool:
            if closed:
                return False
            if data:
                queue.put_nowait(data)
            return True

        task: asyncio.Task[None] | None = None
        try:
            async for chunk in stream.start():
                for ev in parse_lines(chunk):
                    yield ev

            async def run_live() -> None:
                try:
                    await stream.live(emit)
                finally:
                    queue.put_nowait(_END)

            task = asyncio.ensure_future(run_live())
            while True:
                item = await queue.get()
                if item is _END:
                    return
                for ev in parse_lines(item):
                    yield ev
        finally:
            closed = True
            stream.close()
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def create(self, resource: Resource, obj: Obj, namespace: str | None = None, *,
                     field_manager: str | None = None) -> Obj:
        svc = self._svc(resource)
        ns = namespace_of(resource, obj, namespace)
        self._ns_required(resource, ns)
        ctx = self._ctx(ns, field_manager=field_manager)
        res = await _call(svc.create(ctx, copy.deepcopy(obj)))
        return orjson.loads(res.body)

    async def update(self, resource: Resource, obj: Obj, namespace: str | None = None, *,
                     subresource: str | None = None, field_manager: str | None = None) -> Obj:
        svc = self._svc(resource)
        ns = namespace_of(resource, obj, namespace)
        self._ns_required(resource, ns)
        if subresource not in (None, "status"):
            raise ApiError(404, "NotFound", f"subresource {subresource} is not supported by this client")
        ctx = self._ctx(ns, subresource=subresource, field_manager=field_manager)
        res = await _call(svc.update(ctx, name_of(obj), copy.deepcopy(obj)))
        return orjson.loads(res.body)

    async def patch(self, resource: Resource, name: str, patch: Any, namespace: str | None = None, *,
                    patch_type: str = "merge", field_manager: str | None = None, force: bool = False,
                    subresource: str | None = None) -> Obj:
        svc = self._svc(resource)
        ns = namespace_of(resource, None, namespace)
        self._ns_required(resource, ns)
        ptype = PATCH_TYPES.get(patch_type, patch_type)
        if subresource not in (None, "status"):
            raise ApiError(404, "NotFound", f"subresource {subresource} is not supported by this client")
        ctx = self._ctx(ns, subresource=subresource, field_manager=field_manager)
        res = await _call(svc.patch(ctx, name, ptype, copy.deepcopy(patch), force=force))
        return orjson.loads(res.body)

    async def delete(self, resource: Resource, name: str, namespace: str | None = None, *,
                     grace_period_seconds: int | None = None, propagation_policy: str | None = None,
                     preconditions: dict[str, str] | None = None) -> Obj:
        svc = self._svc(resource)
        ns = namespace_of(resource, None, namespace)
        self._ns_required(resource, ns)

        async def run() -> bytes:
            body: dict[str, Any] = {}
            if grace_period_seconds is not None:
                body["gracePeriodSeconds"] = grace_period_seconds
            if propagation_policy is not None:
                body["propagationPolicy"] = propagation_policy
            if preconditions:
                body["preconditions"] = dict(preconditions)
            opts = DeleteOptions.from_body_and_query(body, {})
            res = await svc.delete(self._ctx(ns), name, opts)
            return res.body
        return orjson.loads(await _call(run()))

    async def create_subresource(self, resource: Resource, name: str, subresource: str, obj: Obj,
                                 namespace: str | None = None) -> Obj:
        svc = self._svc(resource)
        ns = namespace_of(resource, obj, namespace)
        self._ns_required(resource, ns)
        ctx = self._ctx(ns)
        if subresource == "binding" and resource.plural == "pods" and resource.group == "":
            return orjson.loads(await _call(bind_pod(svc, ctx, copy.deepcopy(obj), name=name)))
        if subresource == "token" and resource.plural == "serviceaccounts" and resource.group == "":
            return orjson.loads(await _call(request_token(svc, ctx, name, copy.deepcopy(obj))))
        raise ApiError(404, "NotFound", f"subresource {subresource} is not supported by this client")
