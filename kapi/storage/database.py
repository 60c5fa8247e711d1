"""The SQLite side of the store: schema, pragmas and every statement, through aiosqlite.

Two tables, deliberately apart (unlike kine's single append-only table read with
``MAX(id) GROUP BY``): ``kv`` holds the current state, one row per live key, and ``log`` the
bounded change log, one row per revision with the previous value for replay and snapshot reads.
Only ``log`` is written: triggers apply each log row to ``kv`` inside the same transaction, so a
whole group-commit batch costs two thread hops (``executemany`` + ``commit``) whatever its size,
and ``kv`` can never disagree with the log. Revisions are contiguous, so compaction is a cheap
primary-key range delete.

Durability: WAL with ``synchronous=NORMAL`` — a commit is in the WAL file (the OS page cache)
before it is acknowledged, so kill -9 loses nothing acknowledged; only power loss could drop the
last commits. The ephemeral mode runs the same statements on ``:memory:`` with no journal sync.

This class does no locking of its own: the store serialises writes, compaction and reads that
must line up with the in-memory state through ``lock``.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

import aiosqlite

from kapi.storage.interface import ADDED, DELETED, MODIFIED, Event, KeyValue, StorageError

SCHEMA_VERSION = 1
TYPE_CODES = {ADDED: 0, MODIFIED: 1, DELETED: 2}
TYPE_NAMES = (ADDED, MODIFIED, DELETED)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    create_revision INTEGER NOT NULL,
    mod_revision INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS log (
    revision INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    type INTEGER NOT NULL,
    value BLOB NOT NULL,
    prev_value BLOB,
    create_revision INTEGER NOT NULL,
    prev_revision INTEGER NOT NULL,
    ts REAL NOT NULL
);
CREATE TRIGGER IF NOT EXISTS log_apply_put AFTER INSERT ON log WHEN NEW.type != 2 BEGIN
    INSERT INTO kv (key, value, create_revision, mod_revision)
    VALUES (NEW.key, NEW.value, NEW.create_revision, NEW.revision)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, mod_revision = excluded.mod_revision;
END;
CREATE TRIGGER IF NOT EXISTS log_apply_delete AFTER INSERT ON log WHEN NEW.type = 2 BEGIN
    DELETE FROM kv WHERE key = NEW.key;
END;
"""

_INSERT_LOG = (
    "INSERT INTO log (revision, key, type, value, prev_value, create_revision, prev_revision, ts)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)

LogRow = tuple[int, str, int, bytes, bytes | None, int, int, float]


def log_row(ev: Event, ts: float) -> LogRow:
    return (ev.revision, ev.key, TYPE_CODES[ev.type], ev.value, ev.prev_value, ev.create_revision,
            ev.prev_revision, ts)


def _daemonize(conn: aiosqlite.Connection) -> None:
    """Make aiosqlite's worker thread a daemon, so a server that exits without ``close()`` does
    not hang at interpreter shutdown (exiting mid-transaction is as safe as a crash)."""
    thread = getattr(conn, "_thread", conn)  # aiosqlite >= 0.20 wraps a Thread; older ones are one
    if isinstance(thread, threading.Thread) and not thread.is_alive():
        thread.daemon = True


def _range_sql(lo: str, hi: str | None, params: list[Any]) -> str:
    sql = ""
    if lo:
        sql += " AND key >= ?"
        params.append(lo)
    if hi is not None:
        sql += " AND key < ?"
        params.append(hi)
    return sql


class Database:
    def __init__(self, path: str | None, *, cache_kib: int = 8192) -> None:
        self.path = path  # None: ephemeral, in memory
        self.cache_kib = cache_kib
        self.lock = asyncio.Lock()
        self._db: aiosqlite.Connection | None = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StorageError("database is not open")
        return self._db

    async def open(self) -> None:
        try:
            conn = aiosqlite.connect(self.path or ":memory:")
            _daemonize(conn)
            self._db = db = await conn
            if self.path is None:
                pragmas = ["journal_mode=MEMORY", "synchronous=OFF"]
            else:
                pragmas = ["journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000"]
            for pragma in [*pragmas, f"cache_size=-{self.cache_kib}", "temp_store=MEMORY"]:
                await db.execute(f"PRAGMA {pragma}")
            rows = list(await db.execute_fetchall("PRAGMA user_version"))
            version = int(rows[0][0])
            if version not in (0, SCHEMA_VERSION):
                raise StorageError(f"database schema version {version} is not supported "
                                   f"(expected {SCHEMA_VERSION})")
            await db.executescript(_SCHEMA + f"PRAGMA user_version = {SCHEMA_VERSION};")
            await db.commit()
        except sqlite3.Error as e:
            await self.close()
            raise StorageError(f"cannot open database {self.path}: {e}") from e
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            with contextlib.suppress(sqlite3.Error, ValueError):
                await db.close()

    async def load(self) -> tuple[list[KeyValue], int, int]:
        """The current state (sorted by key), the current revision and the compact revision."""
        db = self.conn
        rows = await db.execute_fetchall(
            "SELECT key, value, create_revision, mod_revision FROM kv ORDER BY key")
        items = [KeyValue(k, bytes(v), mod, create) for k, v, create, mod in rows]
        (top,), = await db.execute_fetchall("SELECT MAX(revision) FROM log")
        compact = 0
        for (value,) in await db.execute_fetchall(
                "SELECT value FROM meta WHERE name = 'compact_revision'"):
            compact = int(value)
        current = max(top or 0, compact, max((kv.revision for kv in items), default=0))
        return items, current, compact

    async def append(self, rows: Sequence[LogRow]) -> None:
        """Commit one batch of log rows (and, through the triggers, their effect on ``kv``)."""
        db = self.conn
        try:
            await db.executemany(_INSERT_LOG, rows)
            await db.commit()
        except BaseException:
            with contextlib.suppress(Exception):
                await db.rollback()
            raise

    async def events(self, after: int, upto: int, lo: str, hi: str | None) -> list[Event]:
        """Log entries with ``after < revision <= upto`` and ``lo <= key < hi``, in order."""
        params: list[Any] = [after, upto]
        sql = ("SELECT revision, key, type, value, prev_value, create_revision, prev_revision FROM log"
               " WHERE revision > ? AND revision <= ?" + _range_sql(lo, hi, params) + " ORDER BY revision")
        rows = await self.conn.execute_fetchall(sql, params)
        return [Event(TYPE_NAMES[t], k, bytes(v), None if p is None else bytes(p), rev, c, pr)
                for rev, k, t, v, p, c, pr in rows]

    async def changed_since(
        self, after: int, lo: str, lo_after: bool, hi: str | None
    ) -> dict[str, KeyValue | None]:
        """For keys in range changed after ``after``: their state at ``after`` (None: absent).

        Must run under ``lock`` so that no batch commits between this and using the result.
        """
        params: list[Any] = [after]
        sql = ("SELECT key, type, prev_value, create_revision, prev_revision FROM log"
               " WHERE revision > ?" + _range_sql(lo, hi, params) + " ORDER BY revision")
        changed: dict[str, KeyValue | None] = {}
        for key, t, prev, create, prev_rev in await self.conn.execute_fetchall(sql, params):
            if key in changed or (lo_after and key == lo):
                continue
            is_create = t == TYPE_CODES[ADDED] or prev is None
            changed[key] = None if is_create else KeyValue(key, bytes(prev), prev_rev, create)
        return changed

    async def first_revision_since(self, ts: float) -> int | None:
        """The oldest log revision written at or after wall-clock time ``ts``."""
        rows = list(await self.conn.execute_fetchall(
            "SELECT revision FROM log WHERE ts >= ? ORDER BY revision LIMIT 1", (ts,)))
        return int(rows[0][0]) if rows else None

    async def compact(self, upto: int) -> None:
        """Delete log entries at or below ``upto`` and record the new compact revision."""
        db = self.conn
        try:
            await db.execute("DELETE FROM log WHERE revision <= ?", (upto,))
            await db.execute(
                "INSERT INTO meta (name, value) VALUES ('compact_revision', ?)"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value", (upto,))
            await db.commit()
        except BaseException:
            with contextlib.suppress(Exception):
                await db.rollback()
            raise
