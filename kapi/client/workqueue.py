"""A rate-limited work queue keyed per object (client-go's workqueue, for asyncio).

- a key queued twice is processed once (dedupe while queued);
- a key is handed to one worker at a time: re-added while in flight, it is queued again on ``done``;
- ``add_rate_limited`` delays by an exponential per-key back-off with a cap; ``forget`` resets it;
- ``add_after`` delays a key; ``shutdown`` lets workers drain what is queued, then ``get`` returns None.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Hashable


class WorkQueue:
    def __init__(self, *, base_delay: float = 0.005, max_delay: float = 1000.0) -> None:
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._queue: deque[Hashable] = deque()
        self._dirty: set[Hashable] = set()
        self._processing: set[Hashable] = set()
        self._failures: dict[Hashable, int] = {}
        self._timers: set[asyncio.TimerHandle] = set()
        self._changed = asyncio.Event()
        self._shutting_down = False

    def __len__(self) -> int:
        return len(self._queue)

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def add(self, key: Hashable) -> None:
        if self._shutting_down or key in self._dirty:
            return
        self._dirty.add(key)
        if key in self._processing:
            return
        self._queue.append(key)
        self._wake()

    def _wake(self) -> None:
        self._changed.set()

    async def get(self) -> Hashable | None:
        """The next key (now owned by the caller until ``done``), or None once shut down and drained."""
        while not self._queue:
            if self._shutting_down:
                return None
            self._changed.clear()
            await self._changed.wait()
        key = self._queue.popleft()
        self._processing.add(key)
        self._dirty.discard(key)
        return key

    def done(self, key: Hashable) -> None:
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.append(key)
            self._wake()

    def add_after(self, key: Hashable, delay: float) -> None:
        if self._shutting_down:
            return
        if delay <= 0:
            self.add(key)
            return
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle

        def fire() -> None:
            self._timers.discard(handle)
            self.add(key)
        handle = loop.call_later(delay, fire)
        self._timers.add(handle)

    def when(self, key: Hashable) -> float:
        """The back-off the next ``add_rate_limited(key)`` will use."""
        n = self._failures.get(key, 0)
        return min(self.base_delay * (2 ** min(n, 62)), self.max_delay)

    def add_rate_limited(self, key: Hashable) -> float:
        delay = self.when(key)
        self._failures[key] = self._failures.get(key, 0) + 1
        self.add_after(key, delay)
        return delay

    def num_requeues(self, key: Hashable) -> int:
        return self._failures.get(key, 0)

    def forget(self, key: Hashable) -> None:
        self._failures.pop(key, None)

    def shutdown(self) -> None:
        self._shutting_down = True
        for handle in list(self._timers):
            handle.cancel()
        self._timers.clear()
        self._changed.set()
