"""Watchers and the broadcaster that fans committed events out to them.

Delivery must never block the writer, so every watcher owns a bounded in-memory queue that the
writer appends to synchronously right after a commit; a watcher whose queue overflows is dropped
(``closed_reason`` set) rather than slowing everyone down, and its client re-watches. Watchers
are grouped by prefix so that each event is matched once per distinct prefix, not once per
watcher (1,000 watchers of ``/core/pods/`` cost one ``startswith`` per event).

A watcher whose replay must come from SQLite (its revision is older than the ring) is
registered immediately — so live events queue up behind the replay with no gap — and is marked
``replaying`` until the store hands it the events read from the change log.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from kapi.storage.interface import Event


class QueueWatcher:
    """The store's :class:`~kapi.storage.interface.Watcher`."""

    __slots__ = ("_ended", "_limit", "_on_close", "_on_end", "_queue", "_replaying", "_sink", "_waiter",
                 "after_revision", "closed_reason", "prefix")

    def __init__(
        self,
        prefix: str,
        after_revision: int,
        queue_size: int,
        initial: list[Event],
        *,
        replaying: bool,
        on_close: Callable[[QueueWatcher], None],
    ) -> None:
        self.prefix = prefix
        self.after_revision = after_revision
        self.closed_reason: str | None = None
        self._queue: deque[Event] = deque(initial)
        # The replay may legitimately exceed queue_size; only live events count against it.
        self._limit = max(1, queue_size) + len(initial)
        self._replaying = replaying
        self._ended = False
        self._waiter: asyncio.Future[bool] | None = None
        self._on_close = on_close
        self._sink: Callable[[list[Event]], None] | None = None
        self._on_end: Callable[[], None] | None = None

    # -- consumer side -------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._ended

    @property
    def replaying(self) -> bool:
        """True until the events read back from the change log have been queued."""
        return self._replaying

    def set_sink(self, sink: Callable[[list[Event]], None], on_end: Callable[[], None]) -> None:
        """Deliver events by calling ``sink`` synchronously as they are published, not by queueing.

        For consumers that can act without yielding (a watch stream writing to a socket): no
        task wake-up per watcher per event. Events already queued are handed over at once;
        ``on_end`` is called when the watcher ends for any reason. Only after the replay.
        """
        if self._replaying:
            raise RuntimeError("set_sink before the replay finished")
        self._sink = sink
        self._on_end = on_end
        if self._ended:
            on_end()
            return
        if self._queue:
            events = list(self._queue)
            self._queue.clear()
            self._deliver(events)

    def _deliver(self, events: list[Event]) -> None:
        sink = self._sink
        assert sink is not None
        try:
            sink(events)
        except Exception as exc:  # a consumer's failure must never reach the writer
            self._end(f"watch consumer failed: {exc!r}")

    def __aiter__(self) -> QueueWatcher:
        return self

    async def __anext__(self) -> Event:
        while True:
            if self._queue and not self._replaying:
                return self._queue.popleft()
            if self._ended:
                raise StopAsyncIteration
            await self._wait(None)

    async def next_batch(self, timeout: float | None) -> list[Event]:  # noqa: ASYNC109 (the spec'd API)
        while True:
            if self._queue and not self._replaying:
                out = list(self._queue)
                self._queue.clear()
                return out
            if self._ended:
                raise StopAsyncIteration
            if not await self._wait(timeout):
                return []

    def close(self) -> None:
        self._end(None)

    def interrupt(self) -> None:
        """Make a pending ``next_batch`` return an empty batch now.

        For consumers that keep one timer of their own (bookmarks, deadlines) instead of
        passing a timeout to every ``next_batch``, which would arm and cancel a timer per event.
        """
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(False)

    async def _wait(self, timeout: float | None) -> bool:  # noqa: ASYNC109 (a call_later is cheaper)
        """Sleep until woken (True) or ``timeout`` passes (False)."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[bool] = loop.create_future()
        self._waiter = fut
        handle = loop.call_later(timeout, _resolve, fut, False) if timeout is not None else None
        try:
            return await fut
        finally:
            self._waiter = None
            if handle is not None:
                handle.cancel()

    # -- store side ----------------------------------------------------------------------
    def _wake(self) -> None:
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(True)

    def push(self, events: list[Event]) -> None:
        """Queue live events (called by the writer; never blocks)."""
        if self._ended:
            return
        if self._sink is not None:
            self._deliver(events)
            return
        self._queue.extend(events)
        if len(self._queue) > self._limit:
            self._end(f"watcher too slow: more than {self._limit} events queued")
        elif not self._replaying:
            self._wake()

    def replayed(self, events: list[Event]) -> None:
        """Put the events read from the change log in front of the live ones queued meanwhile."""
        if self._ended:
            return
        self._queue.extendleft(reversed(events))
        self._limit += len(events)
        self._replaying = False
        self._wake()

    def drop(self, reason: str) -> None:
        """End the watcher on the store's initiative."""
        self._end(reason)

    def _end(self, reason: str | None) -> None:
        if self._ended:
            return
        self._ended = True
        self.closed_reason = reason
        self._queue.clear()
        self._wake()
        self._on_close(self)
        if self._on_end is not None:
            self._on_end()


def _resolve(fut: asyncio.Future[bool], value: bool) -> None:
    if not fut.done():
        fut.set_result(value)


class Broadcaster:
    """Registered watchers, grouped by prefix."""

    __slots__ = ("_count", "_groups")

    def __init__(self) -> None:
        self._groups: dict[str, dict[QueueWatcher, None]] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, w: QueueWatcher) -> None:
        group = self._groups.setdefault(w.prefix, {})
        if w not in group:
            group[w] = None
            self._count += 1

    def remove(self, w: QueueWatcher) -> None:
        group = self._groups.get(w.prefix)
        if group is not None and group.pop(w, 0) is None:
            self._count -= 1
            if not group:
                del self._groups[w.prefix]

    def publish(self, events: list[Event]) -> None:
        """Queue a committed batch to every interested watcher, in revision order."""
        for prefix, group in list(self._groups.items()):
            if not prefix:
                matched = events
            else:
                matched = [ev for ev in events if ev.key.startswith(prefix)]
                if not matched:
                    continue
            for w in list(group):
                w.push(matched)

    def close_all(self, reason: str) -> None:
        for group in list(self._groups.values()):
            for w in list(group):
                w.drop(reason)
        self._groups.clear()
        self._count = 0
