"""The in-memory ring of recent events: serves watch replay and recent snapshot reads.

Revisions are contiguous (every write gets the next one), so the ring always holds exactly the
events in ``(start, end]``; a watch or snapshot read from a revision ``>= start`` is answered
without touching SQLite. Older revisions fall back to the change log table. The ring is bounded
by event count and by payload bytes so memory stays predictable whatever the object sizes.
"""

from __future__ import annotations

from collections import deque
from itertools import islice

from kapi.storage.interface import ADDED, Event, KeyValue
from kapi.storage.state import in_range


class EventRing:
    __slots__ = ("_bytes", "_events", "end", "max_bytes", "max_events", "start")

    def __init__(self, revision: int, max_events: int, max_bytes: int) -> None:
        self._events: deque[Event] = deque()
        self._bytes = 0
        self.start = revision  # the ring holds every event with start < revision <= end
        self.end = revision
        self.max_events = max(1, max_events)
        self.max_bytes = max_bytes

    def __len__(self) -> int:
        return len(self._events)

    @staticmethod
    def _size(ev: Event) -> int:
        return len(ev.value) + (len(ev.prev_value) if ev.prev_value is not None else 0) + 200

    def extend(self, events: list[Event]) -> None:
        """Append a committed batch (revisions ``end+1 ..``, in order)."""
        for ev in events:
            if ev.revision != self.end + 1:
                raise AssertionError(f"ring: revision {ev.revision} after {self.end}")
            self._events.append(ev)
            self._bytes += self._size(ev)
            self.end = ev.revision
        while len(self._events) > self.max_events or (
            self._bytes > self.max_bytes and len(self._events) > 1
        ):
            self._drop_oldest()

    def _drop_oldest(self) -> None:
        ev = self._events.popleft()
        self._bytes -= self._size(ev)
        self.start = ev.revision

    def trim(self, revision: int) -> None:
        """Forget events at or below ``revision`` (they were compacted away)."""
        while self._events and self._events[0].revision <= revision:
            self._drop_oldest()
        if not self._events:
            self.start = max(self.start, min(revision, self.end))

    def covers(self, after: int) -> bool:
        return self.start <= after <= self.end

    def since(self, after: int) -> list[Event]:
        """Events with revision > ``after`` (``covers(after)`` must hold)."""
        n = self.end - after
        if n <= 0:
            return []
        if n == len(self._events):
            return list(self._events)
        out = list(islice(reversed(self._events), n))
        out.reverse()
        return out

    def changed_since(
        self, after: int, lo: str, lo_after: bool, hi: str | None
    ) -> dict[str, KeyValue | None]:
        """For keys in range changed after ``after``: their state at ``after`` (None: absent)."""
        changed: dict[str, KeyValue | None] = {}
        for ev in self.since(after):
            key = ev.key
            if key in changed or not in_range(key, lo, lo_after, hi):
                continue
            changed[key] = state_before(ev)
        return changed


def state_before(ev: Event) -> KeyValue | None:
    """The key's state just before ``ev``."""
    if ev.type == ADDED or ev.prev_value is None:
        return None
    return KeyValue(ev.key, ev.prev_value, ev.prev_revision, ev.create_revision)
