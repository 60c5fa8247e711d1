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
from collections.abc import AsyncIterator, Callable
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
        self._revision = 0
        self._started = asyncio.get_running_loop().time()
        timeout = opts.timeout_seconds
        if timeout is None or timeout == 0:
            timeout = random.uniform(1800, 3600)  # upstream: between min-request-timeout and twice that
        timeout = max(timeout, 0)  # a negative timeout ends the stream at once
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

    async def start(self) -> AsyncIterator[bytes]:
        """The beginning of the stream: synthetic ADDED events and the end bookmark, or replayed
        changes, or the one ERROR event. Yields lines to write with flow control (can be many)."""
        opts, svc, store = self.opts, self.svc, self.svc.store
        prefix = svc.rt.prefix(self.namespace)
        rv_raw = opts.resource_version
        initial = rv_raw in (None, "", "0")
        if opts.send_initial_events is not None:
            initial = opts.send_initial_events
        # the WatchList default: a legacy watch from "now" also gets the end-of-initial-events bookmark
        end_bookmark = opts.allow_bookmarks and (initial and (opts.send_initial_events is not False))
        if initial:
            res = await store.list(prefix)
            self._watcher = store.watch(prefix, after_revision=res.revision)
            batch: list[bytes] = []
            for kv in res.items:
                if self.match is None or self.match(svc.load(kv.value)):
                    batch.append(event_line(b"ADDED", svc.view(kv.value)))
                    if len(batch) >= 100:
                        yield b"".join(batch)
                        batch = []
            if end_bookmark:
                batch.append(self._bookmark(res.revision, initial_end=True))
            if batch:
                yield b"".join(batch)
            self._revision = res.revision
        else:
            self._revision = int(rv_raw or 0)
            try:
                self._watcher = await self._open_at(prefix, self._revision)
            except CompactedError as exc:
                yield error_line(errors.expired(f"too old resource version: {exc.requested} ({exc.compacted})"))
                return
            except errors.StatusError as exc:
                yield error_line(exc)
                return
        watcher = self._watcher
        while watcher.replaying and not self._closed.is_set():
            try:
                events = await watcher.next_batch(None)
            except StopAsyncIteration:
                return
            lines = self._lines(events)
            if lines:
                yield lines

    def _lines(self, events: list[Any]) -> bytes:
        out = []
        for ev in events:
            self._revision = ev.revision
            line = self._convert(ev)
            if line is not None:
                out.append(line)
        return b"".join(out)

    async def live(self, emit: Callable[[bytes], bool]) -> None:
        """The rest of the stream, until the deadline or a close.

        Events are converted and handed to ``emit`` synchronously as the store publishes them
        (no task wake-up per watcher per event). ``emit(b"")`` only asks whether the client is
        still there; ``emit`` returning False ends the stream.
        """
        watcher = self._watcher
        if watcher is None:
            return
        loop = asyncio.get_running_loop()
        deadline = self._started + self.timeout

        def sink(events: list[Any]) -> None:
            data = self._lines(events)
            if data and not emit(data):
                self.close()

        try:
            watcher.set_sink(sink, self._closed.set)
            while not self._closed.is_set():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return
                try:
                    await asyncio.wait_for(self._closed.wait(), min(BOOKMARK_INTERVAL, remaining))
                except TimeoutError:
                    if loop.time() >= deadline:
                        return
                    tick = self._bookmark(self._revision) if self.opts.allow_bookmarks else b""
                    if not emit(tick):
                        return
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
