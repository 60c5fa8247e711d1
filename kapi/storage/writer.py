"""Group commit: one task serialises every write, batching whatever is queued into one transaction.

Callers enqueue a :class:`WriteOp` and await its future. The writer takes everything queued
(up to ``max_batch``), checks each op against the committed state plus the earlier ops of the
same batch, assigns consecutive revisions, calls the encoders, commits all resulting log rows in
one transaction, and only then — synchronously, so nothing can observe a half-applied batch —
resolves the futures, updates the in-memory state and publishes the events. Nothing is
acknowledged before its commit; a failed commit fails the whole batch and consumes no revision.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kapi.storage.database import Database, LogRow, log_row
from kapi.storage.interface import (
    ADDED,
    DELETED,
    MODIFIED,
    ConflictError,
    Encoder,
    Event,
    KeyExistsError,
    KeyNotFoundError,
    KeyValue,
    StorageError,
    StoreClosedError,
)

log = logging.getLogger(__name__)

CREATE, UPDATE, DELETE = 0, 1, 2


class WriteOp:
    __slots__ = ("encode", "expected", "future", "key", "kind")

    def __init__(
        self, kind: int, key: str, encode: Encoder, expected: int | None, future: asyncio.Future[KeyValue]
    ) -> None:
        self.kind = kind
        self.key = key
        self.encode = encode
        self.expected = expected
        self.future = future


@dataclass(slots=True)
class Batch:
    """The outcome of planning a batch, applied to memory once it is committed."""

    revision: int  # the store revision after this batch
    events: list[Event] = field(default_factory=list)
    results: list[tuple[asyncio.Future[KeyValue], KeyValue | BaseException]] = field(default_factory=list)
    changes: dict[str, KeyValue | None] = field(default_factory=dict)  # final state per key


def plan(ops: list[WriteOp], lookup: Callable[[str], KeyValue | None], revision: int) -> Batch:
    """Check and encode ``ops`` in order on top of the committed state ``lookup``."""
    batch = Batch(revision)
    changes = batch.changes
    for op in ops:
        key = op.key
        cur = changes[key] if key in changes else lookup(key)
        if op.kind == CREATE:
            if cur is not None:
                batch.results.append((op.future, KeyExistsError(key)))
                continue
        elif cur is None:
            batch.results.append((op.future, KeyNotFoundError(key)))
            continue
        elif op.expected is not None and cur.revision != op.expected:
            batch.results.append((op.future, ConflictError(key, cur)))
            continue
        rev = batch.revision + 1
        try:
            value = op.encode(rev)
            if not isinstance(value, bytes):
                raise TypeError(f"encoder returned {type(value).__name__}, not bytes")
        except Exception as e:
            batch.results.append((op.future, e))
            continue
        batch.revision = rev
        if cur is None:
            kv = KeyValue(key, value, rev, rev)
            ev = Event(ADDED, key, value, None, rev, rev, 0)
            changes[key] = kv
        else:
            kv = KeyValue(key, value, rev, cur.create_revision)
            kind = DELETED if op.kind == DELETE else MODIFIED
            ev = Event(kind, key, value, cur.value, rev, cur.create_revision, cur.revision)
            changes[key] = None if op.kind == DELETE else kv
        batch.events.append(ev)
        batch.results.append((op.future, kv))
    return batch


class Writer:
    """The single writer task and its queue."""

    def __init__(
        self,
        db: Database,
        lookup: Callable[[str], KeyValue | None],
        revision: Callable[[], int],
        apply: Callable[[Batch], None],
        max_batch: int,
    ) -> None:
        self._db = db
        self._lookup = lookup
        self._revision = revision
        self._apply = apply
        self._max_batch = max_batch
        self._queue: list[WriteOp] = []
        self._wakeup: asyncio.Future[None] | None = None
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self.batches = 0  # statistics, for benchmarks and tests
        self.writes = 0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="kapi-storage-writer")

    async def submit(self, kind: int, key: str, encode: Encoder, expected: int | None) -> KeyValue:
        if self._stopping or self._task is None:
            raise StoreClosedError("store is closed")
        if not key.isascii():
            try:  # a key SQLite cannot store would fail the whole batch, not just this write
                key.encode()
            except UnicodeEncodeError as e:
                raise StorageError(f"invalid key {key!r}: {e}") from None
        fut: asyncio.Future[KeyValue] = asyncio.get_running_loop().create_future()
        self._queue.append(WriteOp(kind, key, encode, expected, fut))
        w = self._wakeup
        if w is not None and not w.done():
            w.set_result(None)
        return await fut

    async def stop(self) -> None:
        """Refuse new writes, commit everything already queued, end the task."""
        self._stopping = True
        w = self._wakeup
        if w is not None and not w.done():
            w.set_result(None)
        if self._task is not None:
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._queue:
                if self._stopping:
                    return
                self._wakeup = loop.create_future()
                await self._wakeup
                self._wakeup = None
                continue
            async with self._db.lock:  # waiting for it lets more writes join the batch
                ops = self._queue[:self._max_batch]
                del self._queue[:self._max_batch]
                try:
                    await self._commit(ops)
                except Exception as e:  # never let the writer die: fail this batch, go on
                    log.exception("storage write batch failed")
                    err = StorageError(f"write failed: {e}")
                    for op in ops:
                        if not op.future.done():
                            op.future.set_exception(err)

    async def _commit(self, ops: list[WriteOp]) -> None:
        """Plan, commit and apply one batch (the caller holds the database lock)."""
        batch = plan(ops, self._lookup, self._revision())
        if batch.events:
            ts = time.time()
            rows: list[LogRow] = [log_row(ev, ts) for ev in batch.events]
            await self._db.append(rows)
        self.batches += 1
        self.writes += len(batch.events)
        # Resolving only schedules the writers' wake-ups, and ``_apply`` below runs before any of
        # them can: so they still see their write applied, but wake before the (possibly many)
        # watchers woken by ``_apply``, instead of queueing behind them.
        for fut, result in batch.results:
            if fut.done():  # the caller was cancelled; the write stands regardless
                continue
            if isinstance(result, BaseException):
                fut.set_exception(result)
            else:
                fut.set_result(result)
        if batch.events:
            self._apply(batch)
