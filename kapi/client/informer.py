"""An informer: list + watch into a local cache, with indexers, handlers and periodic resync.

The loop: list (the cache is replaced, handlers see the difference), then watch from the list's
resourceVersion with bookmarks. A watch that ends is resumed from the last resourceVersion seen;
a 410 Expired (ERROR event or error answer) or any other error relists, after a bounded back-off.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kapi.client.errors import ApiError
from kapi.client.interface import Client, Obj
from kapi.client.resources import Resource

log = logging.getLogger(__name__)

IndexFunc = Callable[[Obj], Iterable[str]]


def object_key(obj: Obj) -> str:
    """``namespace/name``, or ``name`` for cluster-scoped objects."""
    m = obj.get("metadata") or {}
    ns = m.get("namespace")
    return f"{ns}/{m.get('name')}" if ns else str(m.get("name"))


def index_by_namespace(obj: Obj) -> list[str]:
    ns = (obj.get("metadata") or {}).get("namespace")
    return [ns] if ns else []


def index_by_node_name(obj: Obj) -> list[str]:
    node = (obj.get("spec") or {}).get("nodeName")
    return [node] if node else []


@dataclass(slots=True)
class _Handler:
    on_add: Callable[[Obj], Any] | None
    on_update: Callable[[Obj, Obj], Any] | None
    on_delete: Callable[[Obj], Any] | None


class Informer:
    def __init__(self, client: Client, resource: Resource, namespace: str | None = None, *,
                 label_selector: str | None = None, field_selector: str | None = None,
                 resync_period: float | None = None, indexers: dict[str, IndexFunc] | None = None,
                 watch_timeout_seconds: int = 300, retry_min: float = 0.05, retry_max: float = 5.0) -> None:
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.resync_period = resync_period
        self.watch_timeout_seconds = watch_timeout_seconds
        self.retry_min = retry_min
        self.retry_max = retry_max
        self._items: dict[str, Obj] = {}
        self._indexers: dict[str, IndexFunc] = dict(indexers or {})
        self._indices: dict[str, dict[str, set[str]]] = {name: {} for name in self._indexers}
        self._handlers: list[_Handler] = []
        self._synced = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.resource_version: str | None = None
        self.list_count = 0  # how many times the informer listed (1 + relists)
        self.last_error: BaseException | None = None

    # --- configuration ----------------------------------------------------------------------------
    def add_event_handler(self, on_add: Callable[[Obj], Any] | None = None,
                          on_update: Callable[[Obj, Obj], Any] | None = None,
                          on_delete: Callable[[Obj], Any] | None = None) -> None:
        """Handlers may be plain functions or coroutine functions. Added before ``start``."""
        self._handlers.append(_Handler(on_add, on_update, on_delete))

    def add_indexer(self, name: str, fn: IndexFunc) -> None:
        self._indexers[name] = fn
        idx: dict[str, set[str]] = {}
        for key, obj in self._items.items():
            for value in fn(obj):
                idx.setdefault(value, set()).add(key)
        self._indices[name] = idx

    # --- the cache --------------------------------------------------------------------------------
    def get(self, name: str, namespace: str | None = None) -> Obj | None:
        return self._items.get(f"{namespace}/{name}" if namespace else name)

    def get_by_key(self, key: str) -> Obj | None:
        return self._items.get(key)

    def list(self) -> list[Obj]:
        return list(self._items.values())

    def keys(self) -> list[str]:
        return list(self._items)

    def by_index(self, index: str, value: str) -> list[Obj]:
        keys = self._indices[index].get(value, ())
        return [self._items[k] for k in sorted(keys) if k in self._items]

    def index_keys(self, index: str, value: str) -> list[str]:
        return sorted(self._indices[index].get(value, ()))

    def has_synced(self) -> bool:
        return self._synced.is_set()

    async def wait_for_sync(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        try:
            await asyncio.wait_for(self._synced.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def _put(self, key: str, obj: Obj) -> Obj | None:
        old = self._items.get(key)
        if old is not None:
            self._unindex(key, old)
        self._items[key] = obj
        for name, fn in self._indexers.items():
            for value in fn(obj):
                self._indices[name].setdefault(value, set()).add(key)
        return old

    def _remove(self, key: str) -> Obj | None:
        old = self._items.pop(key, None)
        if old is not None:
            self._unindex(key, old)
        return old

    def _unindex(self, key: str, obj: Obj) -> None:
        for name, fn in self._indexers.items():
            idx = self._indices[name]
            for value in fn(obj):
                keys = idx.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del idx[value]

    # --- handlers ---------------------------------------------------------------------------------
    async def _call(self, fn: Callable[..., Any] | None, *args: Any) -> None:
        if fn is None:
            return
        try:
            res = fn(*args)
            if inspect.isawaitable(res):
                await res
        except Exception:
            log.exception("informer handler for %s failed", self.resource.plural)

    async def _added(self, obj: Obj) -> None:
        for h in self._handlers:
            await self._call(h.on_add, obj)

    async def _updated(self, old: Obj, new: Obj) -> None:
        for h in self._handlers:
            await self._call(h.on_update, old, new)

    async def _deleted(self, obj: Obj) -> None:
        for h in self._handlers:
            await self._call(h.on_delete, obj)

    # --- lifecycle --------------------------------------------------------------------------------
    def start(self) -> None:
        if self._tasks:
            return
        self._tasks.append(asyncio.ensure_future(self._run()))
        if self.resync_period:
            self._tasks.append(asyncio.ensure_future(self._resync_loop(self.resync_period)))

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t

    async def __aenter__(self) -> Informer:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _resync_loop(self, period: float) -> None:
        while True:
            await asyncio.sleep(period)
            if self._synced.is_set():
                for obj in list(self._items.values()):
                    await self._updated(obj, obj)

    async def _run(self) -> None:
        delay = self.retry_min
        need_list = True
        while True:
            try:
                if need_list:
                    await self._list()
                    need_list = False
                expired = await self._watch()
                delay = self.retry_min
                if expired:
                    need_list = True
                continue
            except asyncio.CancelledError:
                raise
            except ApiError as exc:
                self.last_error = exc
                need_list = True
                log.debug("informer %s: %s", self.resource.plural, exc)
            except Exception as exc:
                self.last_error = exc
                need_list = True
                log.exception("informer %s failed", self.resource.plural)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.retry_max)

    async def _list(self) -> None:
        items: list[Obj] = []
        cont: str | None = None
        while True:
            page = await self.client.list(self.resource, self.namespace, label_selector=self.label_selector,
                                          field_selector=self.field_selector, limit=500, continue_=cont)
            items.extend(page.get("items") or [])
            cont = (page.get("metadata") or {}).get("continue") or None
            if not cont:
                break
        self.list_count += 1
        rv = (page.get("metadata") or {}).get("resourceVersion")
        kind = str(page.get("kind") or "").removesuffix("List")
        api_version = page.get("apiVersion")
        fresh: dict[str, Obj] = {}
        for obj in items:
            obj.setdefault("kind", kind)
            obj.setdefault("apiVersion", api_version)
            fresh[object_key(obj)] = obj
        for key in [k for k in self._items if k not in fresh]:
            old = self._remove(key)
            if old is not None:
                await self._deleted(old)
        for key, obj in fresh.items():
            old = self._put(key, obj)
            if old is None:
                await self._added(obj)
            elif (old.get("metadata") or {}).get("resourceVersion") != (obj.get("metadata") or {}).get(
                    "resourceVersion"):
                await self._updated(old, obj)
        self.resource_version = rv
        self._synced.set()

    async def _watch(self) -> bool:
        """One watch; True when the informer must relist (410 Expired)."""
        events = self.client.watch(self.resource, self.namespace, resource_version=self.resource_version,
                                   label_selector=self.label_selector, field_selector=self.field_selector,
                                   allow_bookmarks=True, timeout_seconds=self.watch_timeout_seconds)
        try:
            async for etype, obj in events:
                if etype == "ERROR":
                    err = ApiError.from_status(obj)
                    self.last_error = err
                    if err.code in (410, 504) or err.reason in ("Expired", "Gone"):
                        return True
                    raise err
                rv = (obj.get("metadata") or {}).get("resourceVersion")
                if etype == "BOOKMARK":
                    if rv:
                        self.resource_version = rv
                    continue
                key = object_key(obj)
                if etype == "DELETED":
                    old = self._remove(key)
                    await self._deleted(old if old is not None else obj)
                elif etype in ("ADDED", "MODIFIED"):
                    old = self._put(key, obj)
                    if old is None:
                        await self._added(obj)
                    else:
                        await self._updated(old, obj)
                if rv:
                    self.resource_version = rv
        except ApiError as exc:
            if exc.code == 410:
                self.last_error = exc
                return True
            raise
        finally:
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                await aclose()
        return False
