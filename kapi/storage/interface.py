"""The storage contract the API layer codes against: errors, value types and protocols.

Kept free of any implementation so that the registry and the HTTP layer depend only on these
names (and so that a different backend could be dropped in). The shapes follow etcd's: one
global, strictly increasing revision (the resourceVersion), a mod revision and a create
revision per key, compare-and-swap writes and watches that resume from a revision.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import orjson

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"


class StorageError(Exception):
    """Base of every error the store raises."""


class StoreClosedError(StorageError):
    """The store is not started, or has been closed."""


class StoreLockedError(StorageError):
    """Another process holds the data file."""


class KeyExistsError(StorageError):
    def __init__(self, key: str) -> None:
        super().__init__(f"key {key!r} already exists")
        self.key = key


class KeyNotFoundError(StorageError):
    def __init__(self, key: str) -> None:
        super().__init__(f"key {key!r} not found")
        self.key = key


class ConflictError(StorageError):
    """A compare-and-swap failed: the key's mod revision is not the expected one."""

    def __init__(self, key: str, current: KeyValue | None) -> None:
        have = current.revision if current is not None else None
        super().__init__(f"key {key!r} was modified (current revision {have})")
        self.key = key
        self.current = current


class CompactedError(StorageError):
    """The requested revision is older than the oldest one the change log retains."""

    def __init__(self, requested: int, compacted: int) -> None:
        super().__init__(
            f"revision {requested} has been compacted (oldest available revision is {compacted})"
        )
        self.requested = requested
        self.compacted = compacted


class FutureRevisionError(StorageError):
    """The requested revision is newer than the store's current revision."""

    def __init__(self, requested: int, current: int) -> None:
        super().__init__(f"revision {requested} is newer than the current revision {current}")
        self.requested = requested
        self.current = current


@dataclass(frozen=True, slots=True)
class KeyValue:
    key: str
    value: bytes
    revision: int  # mod revision (== the object's resourceVersion)
    create_revision: int


class Event:
    """One change, shared by every watcher it is delivered to: treat it (and ``obj()``) as read-only.

    ``create_revision`` and ``prev_revision`` (the mod revision of ``prev_value``; 0 for
    ``ADDED``) are extras the store needs for snapshot reads; the API layer may ignore them.
    """

    __slots__ = ("_obj", "_prev_obj", "create_revision", "key", "prev_revision", "prev_value",
                 "revision", "type", "value")

    def __init__(
        self,
        type: str,
        key: str,
        value: bytes,
        prev_value: bytes | None,
        revision: int,
        create_revision: int = 0,
        prev_revision: int = 0,
    ) -> None:
        self.type = type
        self.key = key
        self.value = value
        self.prev_value = prev_value
        self.revision = revision
        self.create_revision = create_revision
        self.prev_revision = prev_revision
        self._obj: Any = None
        self._prev_obj: Any = None

    def obj(self) -> dict[str, Any]:
        """``value`` decoded, once (the result is shared: do not mutate it)."""
        if self._obj is None:
            self._obj = orjson.loads(self.value)
        return self._obj  # type: ignore[no-any-return]

    def prev_obj(self) -> dict[str, Any] | None:
        if self.prev_value is None:
            return None
        if self._prev_obj is None:
            self._prev_obj = orjson.loads(self.prev_value)
        return self._prev_obj  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"Event({self.type}, {self.key!r}, revision={self.revision})"


Encoder = Callable[[int], bytes]
"""Given the revision this write will get, returns the bytes to store."""


@dataclass(frozen=True, slots=True)
class ListResult:
    items: list[KeyValue]  # sorted by key
    revision: int  # the store revision the list reflects (list resourceVersion)
    more: bool  # True if limit cut the result short
    remaining: int | None = None  # how many more items after the last returned


@runtime_checkable
class Watcher(Protocol):
    """Async iterator of events, in revision order, only for keys starting with ``prefix``.

    Ends (``StopAsyncIteration``, also from ``next_batch``) once closed: by ``close()``, by the
    store closing, or by the store dropping a watcher whose queue overflowed (then
    ``closed_reason`` says why and the client should re-watch from its last revision).
    """

    prefix: str
    closed_reason: str | None

    def __aiter__(self) -> AsyncIterator[Event]: ...

    async def __anext__(self) -> Event: ...

    async def next_batch(self, timeout: float | None) -> list[Event]:  # noqa: ASYNC109 (the spec'd API)
        """Every queued event (waiting for at least one); ``[]`` on timeout."""
        ...

    def close(self) -> None: ...

    @property
    def closed(self) -> bool: ...


class Store(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None:
        """Flush pending writes, stop background tasks, end watchers, close the database."""
        ...

    async def __aenter__(self) -> Store: ...

    async def __aexit__(self, *exc: object) -> None: ...

    @property
    def current_revision(self) -> int: ...

    @property
    def compact_revision(self) -> int:
        """Oldest revision R such that ``watch(after_revision=R)`` (or a list at R) still works."""
        ...

    async def get(self, key: str) -> KeyValue | None: ...

    async def list(
        self,
        prefix: str,
        *,
        start_after: str | None = None,
        limit: int | None = None,
        revision: int | None = None,
    ) -> ListResult: ...

    async def count(self, prefix: str) -> int: ...

    async def create(self, key: str, encode: Encoder) -> KeyValue: ...

    async def update(self, key: str, encode: Encoder, *, expected_revision: int | None) -> KeyValue: ...

    async def delete(self, key: str, encode: Encoder, *, expected_revision: int | None) -> KeyValue: ...

    def watch(self, prefix: str, *, after_revision: int, queue_size: int = 10000) -> Watcher: ...
