"""``SQLiteStore``: the :class:`~kapi.storage.interface.Store`, wiring the parts together.

Reads are served from memory (:mod:`kapi.storage.state`, see there for why): ``get``, ``count``
and current ``list`` never await SQLite, so they cost microseconds. Writes go through the
group-commit :mod:`kapi.storage.writer`. Watches are fed from :mod:`kapi.storage.ring`, or from
the SQLite change log when they resume from further back, then live from the broadcaster.
Compaction runs in the background (:mod:`kapi.storage.compactor`).

Consistency rules, all relying on asyncio's single thread:
* the writer updates memory, the ring and the watchers synchronously right after a commit and
  while holding ``Database.lock``; anything that must agree with SQLite (snapshot reads from the
  log, compaction) holds that lock too;
* a watcher is registered in the same synchronous step that copies its replay from the ring, or,
  when the replay comes from SQLite, is registered first and reads the log only up to the
  revision current at registration (later events reach it live), while its start revision is
  pinned so that compaction cannot delete rows it still needs.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from typing import Any

from kapi.storage.compactor import Compactor
from kapi.storage.config import StoreConfig
from kapi.storage.database import Database
from kapi.storage.filelock import FileLock
from kapi.storage.interface import (
    CompactedError,
    Encoder,
    FutureRevisionError,
    KeyValue,
    ListResult,
    StorageError,
    StoreClosedError,
)
from kapi.storage.keyindex import prefix_end
from kapi.storage.ring import EventRing
from kapi.storage.state import StateIndex, key_range
from kapi.storage.watcher import Broadcaster, QueueWatcher
from kapi.storage.writer import CREATE, DELETE, UPDATE, Batch, Writer


class SQLiteStore:
    def __init__(self, path: str | None, config: StoreConfig | None = None) -> None:
        self.path = path  # None: ephemeral
        self.config = config or StoreConfig()
        self._db = Database(path, cache_kib=self.config.cache_kib)
        self._lock = FileLock(path + ".lock") if path is not None else None
        self._index = StateIndex()
        self._revision = 0
        self._compacted = 0
        self._ring = EventRing(0, self.config.ring_events, self.config.ring_bytes)
        self._hub = Broadcaster()
        self._pins: Counter[int] = Counter()
        self._replays: dict[QueueWatcher, asyncio.Task[None]] = {}
        self._writer = Writer(self._db, self._index.get, lambda: self._revision, self._apply,
                              self.config.max_batch)
        self._compactor = Compactor(self._db, self.config, lambda: self._revision, lambda: self._compacted,
                                    self._set_compacted, self._min_pinned)
        self._state = "new"  # new -> open -> closing -> closed
        self._closed_event = asyncio.Event()

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path or ':memory:'}, revision={self._revision}, {self._state})"

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        if self._state != "new":
            raise StorageError(f"store cannot be started: it is {self._state}")
        self._acquire_lock()
        try:
            await self._db.open()
            items, revision, compacted = await self._db.load()
        except BaseException:
            await self._db.close()
            if self._lock is not None:
                self._lock.release()
            raise
        self._index = StateIndex(items)
        self._revision = revision
        self._compacted = compacted
        self._ring = EventRing(revision, self.config.ring_events, self.config.ring_bytes)
        self._writer = Writer(self._db, self._index.get, lambda: self._revision, self._apply,
                              self.config.max_batch)
        self._writer.start()
        self._compactor.start()
        self._state = "open"

    def _acquire_lock(self) -> None:
        if self._lock is not None and self.path is not None:
            data_dir = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(data_dir, exist_ok=True)
            self._lock.acquire(data_dir)

    async def close(self) -> None:
        if self._state in ("closing", "closed"):
            await self._closed_event.wait()
            return
        if self._state == "new":
            self._state = "closed"
            self._closed_event.set()
            return
        self._state = "closing"
        try:
            await self._writer.stop()
            await self._compactor.stop()
            for task in list(self._replays.values()):
                task.cancel()
            self._hub.close_all("store closed")
            await self._db.close()
        finally:
            if self._lock is not None:
                self._lock.release()
            self._state = "closed"
            self._closed_event.set()

    async def __aenter__(self) -> SQLiteStore:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _check_open(self) -> None:
        if self._state != "open":
            raise StoreClosedError(f"store is {self._state}")

    # -- revisions -----------------------------------------------------------------------
    @property
    def current_revision(self) -> int:
        return self._revision

    @property
    def compact_revision(self) -> int:
        return self._compacted

    def _set_compacted(self, revision: int) -> None:
        self._compacted = max(self._compacted, revision)
        self._ring.trim(self._compacted)

    def _min_pinned(self) -> int | None:
        return min(self._pins) if self._pins else None

    def _check_revision(self, revision: int) -> None:
        if revision > self._revision:
            raise FutureRevisionError(revision, self._revision)
        if revision < self._compacted:
            raise CompactedError(revision, self._compacted)

    async def compact(self, revision: int | None = None) -> int:
        """Compact the change log now, up to ``revision`` (default: the retention bounds).

        Not part of the Store protocol: for tests, tooling and benchmarks. Returns the new
        compact revision (pinned replays may keep it lower than asked).
        """
        self._check_open()
        if revision is not None and revision > self._revision:
            raise FutureRevisionError(revision, self._revision)
        return await self._compactor.compact(revision)

    # -- reads ---------------------------------------------------------------------------
    async def get(self, key: str) -> KeyValue | None:
        self._check_open()
        return self._index.get(key)

    async def count(self, prefix: str) -> int:
        self._check_open()
        return self._index.count(prefix)

    async def list(
        self,
        prefix: str,
        *,
        start_after: str | None = None,
        limit: int | None = None,
        revision: int | None = None,
    ) -> ListResult:
        self._check_open()
        if limit is not None and limit <= 0:
            limit = None
        if revision is None or revision == self._revision:
            items, more, remaining = self._index.page(prefix, start_after, limit)
            return ListResult(items, self._revision, more, remaining)
        self._check_revision(revision)
        lo, lo_after, hi = key_range(prefix, start_after)
        if self._ring.covers(revision):
            changed = self._ring.changed_since(revision, lo, lo_after, hi)
            items, more, remaining = self._index.page_at(prefix, start_after, limit, changed)
            return ListResult(items, revision, more, remaining)
        async with self._db.lock:  # the log and memory must not move while we merge them
            self._check_open()
            self._check_revision(revision)
            changed = await self._db.changed_since(revision, lo, lo_after, hi)
            items, more, remaining = self._index.page_at(prefix, start_after, limit, changed)
        return ListResult(items, revision, more, remaining)

    # -- writes --------------------------------------------------------------------------
    async def create(self, key: str, encode: Encoder) -> KeyValue:
        return await self._writer.submit(CREATE, key, encode, None)

    async def update(self, key: str, encode: Encoder, *, expected_revision: int | None) -> KeyValue:
        return await self._writer.submit(UPDATE, key, encode, expected_revision)

    async def delete(self, key: str, encode: Encoder, *, expected_revision: int | None) -> KeyValue:
        return await self._writer.submit(DELETE, key, encode, expected_revision)

    def _apply(self, batch: Batch) -> None:
        """Make a committed batch visible: memory, ring, watchers (synchronously)."""
        index = self._index
        for key, kv in batch.changes.items():
            if kv is None:
                index.remove(key)
            else:
                index.put(kv)
        self._revision = batch.revision
        self._ring.extend(batch.events)
        self._hub.publish(batch.events)

    # -- watch ---------------------------------------------------------------------------
    def watch(self, prefix: str, *, after_revision: int, queue_size: int = 10000) -> QueueWatcher:
        self._check_open()
        self._check_revision(after_revision)
        if self._ring.covers(after_revision):
            initial = self._ring.since(after_revision)
            if prefix:
                initial = [ev for ev in initial if ev.key.startswith(prefix)]
            w = QueueWatcher(prefix, after_revision, queue_size, initial, replaying=False,
                             on_close=self._watcher_closed)
            self._hub.add(w)
            return w
        w = QueueWatcher(prefix, after_revision, queue_size, [], replaying=True,
                         on_close=self._watcher_closed)
        self._hub.add(w)
        self._pins[after_revision] += 1
        task = asyncio.get_running_loop().create_task(self._replay(w, after_revision, self._revision))
        self._replays[w] = task
        return w

    async def _replay(self, w: QueueWatcher, after: int, upto: int) -> None:
        try:
            events = await self._db.events(after, upto, w.prefix, prefix_end(w.prefix))
            self._finish_replay(w)
            w.replayed(events)
        except Exception as e:
            self._finish_replay(w)
            w.drop(f"watch replay failed: {e}")
        finally:
            self._finish_replay(w)

    def _finish_replay(self, w: QueueWatcher) -> asyncio.Task[None] | None:
        """Forget ``w``'s replay task and release its pin (exactly once)."""
        task = self._replays.pop(w, None)
        if task is not None:
            self._pins[w.after_revision] -= 1
            if self._pins[w.after_revision] <= 0:
                del self._pins[w.after_revision]
        return task

    def _watcher_closed(self, w: QueueWatcher) -> None:
        self._hub.remove(w)
        task = self._finish_replay(w)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    # -- introspection -------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Counters for metrics and benchmarks (not part of the Store protocol)."""
        return {
            "revision": self._revision,
            "compact_revision": self._compacted,
            "keys": len(self._index),
            "ring_events": len(self._ring),
            "ring_start": self._ring.start,
            "watchers": len(self._hub),
            "write_batches": self._writer.batches,
            "writes": self._writer.writes,
        }
