"""Watch streams: resourceVersion rules, initial events, selector transitions, bookmarks.

A watch yields encoded event lines (``{"type":…,"object":…}\\n``), built from the stored bytes
without re-encoding objects. Rules (see reference/streaming-contract.md §2):
- RV unset or "0": synthetic ADDED for the current state, then changes after that snapshot;
  with bookmarks allowed, an initial-events-end BOOKMARK after the synthetic events.
- RV "N": only changes after N; N older than the log -> one ERROR event (410 Expired).
- An object moving into a selector arrives as ADDED, moving out as DELETED.
- DELETED carries the last state stamped with the deletion's revision.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import orjson

from kapi.machinery import errors
from kapi.registry.options import ListOptions
from kapi.storage.interface import CompactedError, FutureRevisionError

if TYPE_CHECKING:
    from kapi.registry.service import ResourceService

BOOKMARK_INTERVAL = 30.0
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


def event_line(kind: bytes, obj: bytes) -> bytes:
    return b'{"type":"' + kind + b'","object":' + obj + b"}\n"


def error_line(status: errors.StatusError) -> bytes:
    return event_line(b"ERROR", status.to_json())


class WatchStream:
    """One client's watch. Iterate ``lines()``; ``close()`` ends it from outside (shutdown)."""

    def __init__(self, svc: ResourceService, namespace: str | None, opts: ListOptions) -> None:
        self.svc = svc
        self.namespace = namespace
        self.opts = opts
        self.match = svc.matcher(opts)  # raises 400 for unsupported field selectors before streaming
        self._closed = asyncio.Event()
        self._watcher: Any = None
        timeout = opts.timeout_seconds
        if timeout is None or timeout <= 0:
            timeout = random.uniform(1800, 3600)
        self.timeout = float(timeout)

    def close(self) -> None:
        self._closed.set()
        if self._watcher is not None:
            self._watcher.close()

    def _bookmark(self, revision: int, *, initial_end: bool = False) -> bytes:
        rt = self.svc.rt
        m: dict[str, Any] = {"resourceVersion": str(revision)}
        if initial_end:
            m["annotations"] = {INITIAL_EVENTS_END: "true"}
        return event_line(b"BOOKMARK", orjson.dumps({"kind": rt.kind, "apiVersion": rt.api_version, "metadata": m}))

    async def lines(self) -> AsyncIterator[bytes]:
        opts, svc, store = self.opts, self.svc, self.svc.store
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        prefix = svc.rt.prefix(self.namespace)
        rv_raw = opts.resource_version
        initial = rv_raw in (None, "", "0")
        if opts.send_initial_events is not None:
            initial = opts.send_initial_events
        # the WatchList default: a legacy watch from "now" also gets the end-of-initial-events bookmark
        end_bookmark = opts.allow_bookmarks and (initial and (opts.send_initial_events is not False))
        if initial:
            res = await store.list(prefix)
            revision = res.revision
            if rv_raw not in (None, "", "0") and int(rv_raw) > revision:
                revision = max(revision, int(rv_raw))
            try:
                self._watcher = store.watch(prefix, after_revision=res.revision)
            except CompactedError:  # pragma: no cover - a fresh snapshot cannot be compacted
                yield error_line(errors.expired("too old resource version"))
                return
            for kv in res.items:
                if self.match is None or self.match(svc.load(kv.value)):
                    yield event_line(b"ADDED", svc.view(kv.value))
            if end_bookmark:
                yield self._bookmark(res.revision, initial_end=True)
            revision = res.revision
        else:
            revision = int(rv_raw or 0)
            try:
                self._watcher = await self._open_at(prefix, revision)
            except CompactedError as exc:
                yield error_line(errors.expired(f"too old resource version: {exc.requested} ({exc.compacted})"))
                return
            except errors.StatusError as exc:
                yield error_line(exc)
                return
        watcher = self._watcher
        try:
            while not self._closed.is_set():
                now = loop.time()
                if now >= deadline:
                    return
                wait = min(deadline - now, BOOKMARK_INTERVAL)
                try:
                    batch = await watcher.next_batch(timeout=wait)
                except StopAsyncIteration:
                    return  # closed by us, by the store, or dropped as too slow
                if not batch:
                    if getattr(watcher, "closed_reason", None):
                        return  # dropped as too slow: the client re-watches from its last RV
                    if self._closed.is_set():
                        return
                    if opts.allow_bookmarks and loop.time() < deadline:
                        yield self._bookmark(max(revision, 0))
                    else:
                        yield b""  # idle tick: lets the transport notice a vanished client
                    continue
                out: list[bytes] = []
                for ev in batch:
                    revision = ev.revision
                    line = self._convert(ev)
                    if line is not None:
                        out.append(line)
                if out:
                    yield b"".join(out)
        finally:
            watcher.close()

    async def _open_at(self, prefix: str, revision: int) -> Any:
        store = self.svc.store
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 3.0
        while True:
            try:
                return store.watch(prefix, after_revision=revision)
            except FutureRevisionError as exc:
                if loop.time() > deadline:
                    raise errors.too_large_resource_version(exc.current, exc.requested) from exc
                await asyncio.sleep(0.05)

    def _convert(self, ev: Any) -> bytes | None:
        match = self.match
        etype = ev.type
        svc = self.svc
        if svc.convert is not None:
            return self._convert_version(ev)
        if match is None:
            return event_line(etype.encode(), ev.value)
        if etype == "ADDED":
            return event_line(b"ADDED", ev.value) if match(ev.obj()) else None
        if etype == "DELETED":
            prev = ev.obj()
            return event_line(b"DELETED", ev.value) if match(prev) else None
        now_ok = match(ev.obj())
        prev = ev.prev_obj()
        was_ok = prev is not None and match(prev)
        if now_ok and was_ok:
            return event_line(b"MODIFIED", ev.value)
        if now_ok:
            return event_line(b"ADDED", ev.value)
        if was_ok:
            assert prev is not None
            gone = dict(prev)
            gone["metadata"] = {**(prev.get("metadata") or {}), "resourceVersion": str(ev.revision)}
            return event_line(b"DELETED", orjson.dumps(gone))
        return None

    def _convert_version(self, ev: Any) -> bytes | None:
        """The slow path for resources stored in several versions: convert, then filter."""
        svc, match = self.svc, self.match
        obj = svc.load(ev.value)
        body = orjson.dumps(obj)
        if match is None:
            return event_line(ev.type.encode(), body)
        if ev.type in ("ADDED", "DELETED"):
            return event_line(ev.type.encode(), body) if match(obj) else None
        prev = svc.load(ev.prev_value) if ev.prev_value is not None else None
        now_ok, was_ok = match(obj), prev is not None and match(prev)
        if now_ok:
            return event_line(b"MODIFIED" if was_ok else b"ADDED", body)
        if was_ok:
            assert prev is not None
            prev["metadata"] = {**(prev.get("metadata") or {}), "resourceVersion": str(ev.revision)}
            return event_line(b"DELETED", orjson.dumps(prev))
        return None
