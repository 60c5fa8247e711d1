"""Revisioned key-value storage for kapi: the etcd-shaped store every API object lives in.

The API layer codes against :mod:`kapi.storage.interface` and obtains a store here::

    store = open_store("/var/lib/kapi/kapi.db")   # or open_store(None, ephemeral=True)
    await store.start()                           # takes the file lock, loads the state
    ...
    await store.close()                           # flushes queued writes, ends watchers
"""

from __future__ import annotations

from typing import Any

from kapi.storage.config import StoreConfig
from kapi.storage.interface import (
    ADDED,
    DELETED,
    MODIFIED,
    CompactedError,
    ConflictError,
    Encoder,
    Event,
    FutureRevisionError,
    KeyExistsError,
    KeyNotFoundError,
    KeyValue,
    ListResult,
    StorageError,
    Store,
    StoreClosedError,
    StoreLockedError,
    Watcher,
)
from kapi.storage.store import SQLiteStore

__all__ = [
    "ADDED",
    "DELETED",
    "MODIFIED",
    "CompactedError",
    "ConflictError",
    "Encoder",
    "Event",
    "FutureRevisionError",
    "KeyExistsError",
    "KeyNotFoundError",
    "KeyValue",
    "ListResult",
    "SQLiteStore",
    "StorageError",
    "Store",
    "StoreClosedError",
    "StoreConfig",
    "StoreLockedError",
    "Watcher",
    "open_store",
]


def open_store(path: str | None, *, ephemeral: bool = False, **tuning: Any) -> SQLiteStore:
    """A store on the SQLite file ``path`` (created if missing), not yet started.

    ``ephemeral=True`` (or ``path=None``) keeps everything in memory (``:memory:``, same code
    path, no durability, no file lock) — for tests; ``path`` is then ignored. ``tuning`` are
    :class:`StoreConfig` fields; an unknown one raises ``TypeError``.
    """
    config = StoreConfig(**tuning)
    return SQLiteStore(None if ephemeral or path is None else path, config)
