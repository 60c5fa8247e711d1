"""Compaction of the change log: retention bounds, bounded steps, pins held by replays."""

from __future__ import annotations

import asyncio

import pytest

from kapi.storage import CompactedError, SQLiteStore
from tests.storage.helpers import StoreFactory, enc, run


async def log_rows(s: SQLiteStore) -> tuple[int, int, int]:
    """(count, min revision, max revision) of the change-log table."""
    rows = list(await s._db.conn.execute_fetchall("SELECT COUNT(*), MIN(revision), MAX(revision) FROM log"))
    n, lo, hi = rows[0]
    return int(n), int(lo or 0), int(hi or 0)


def test_background_compaction_keeps_the_last_revisions(make_store: StoreFactory) -> None:
    async def body() -> None:
        async with make_store(compact_keep_revisions=10, compact_interval=0.01, compact_batch=7) as s:
            steps: list[int] = []
            real = s._db.compact

            async def spy(upto: int) -> None:
                steps.append(upto)
                await real(upto)

            s._db.compact = spy  # type: ignore[method-assign]
            for i in range(50):
                await s.create(f"/k/{i}", enc())
            for _ in range(500):
                if s.compact_revision >= 40:
                    break
                await asyncio.sleep(0.01)
            assert s.compact_revision == 40
            assert await log_rows(s) == (10, 41, 50)
            assert s.stats()["ring_start"] >= 40  # the ring forgets compacted events too
            assert all(b - a <= 7 for a, b in zip([0, *steps], steps, strict=False))  # bounded steps
            with pytest.raises(CompactedError):
                s.watch("/k/", after_revision=39)
            with pytest.raises(CompactedError):
                await s.list("/k/", revision=39)
            w = s.watch("/k/", after_revision=40)
            assert [e.revision for e in await w.next_batch(1)] == list(range(41, 51))
            await asyncio.sleep(0.05)
            assert s.compact_revision == 40  # nothing more to do without writes

    run(body())


def test_time_based_retention(make_store: StoreFactory) -> None:
    async def body() -> None:
        async with make_store(compact_keep_seconds=3600.0, compact_interval=3600.0) as s:
            for i in range(5):
                await s.create(f"/k/{i}", enc())
            assert await s.compact() == 0  # all young, and fewer than keep_revisions
        async with make_store(compact_keep_seconds=0.0, compact_interval=3600.0) as s:
            for i in range(5):
                await s.create(f"/j/{i}", enc())
            head = s.current_revision
            assert await s.compact() == head  # everything is older than 0 s
            assert await log_rows(s) == (0, 0, 0)
            w = s.watch("/j/", after_revision=head)  # still fine from the head
            assert await w.next_batch(0.01) == []
            assert (await s.create("/j/x", enc())).revision == head + 1

    run(body())


def test_replay_pins_the_log(make_store: StoreFactory) -> None:
    async def body() -> None:
        async with make_store(ring_events=2, compact_interval=3600.0) as s:
            for i in range(20):
                await s.create(f"/k/{i}", enc())
            release = asyncio.Event()
            real = s._db.events

            async def slow_events(*args: object) -> object:
                await release.wait()
                return await real(*args)  # type: ignore[arg-type]

            s._db.events = slow_events  # type: ignore[assignment,method-assign]
            w = s.watch("/k/", after_revision=3)  # replays from SQLite, asynchronously
            assert await s.compact(15) == 3  # held back by the replay's pin
            release.set()
            evs = await w.next_batch(1)
            assert [e.revision for e in evs] == list(range(4, 21))
            assert await s.compact(15) == 15  # the pin is gone once replayed
            closed_early = s.watch("/k/", after_revision=16)
            closed_early.close()  # closing before the replay ran releases the pin too
            assert await s.compact(18) == 18

    run(body())


def test_compaction_survives_restart(file_store: StoreFactory) -> None:
    async def body() -> None:
        async with file_store(compact_interval=3600.0) as s:
            for i in range(30):
                await s.create(f"/k/{i}", enc())
            await s.compact(25)
        async with file_store(compact_interval=3600.0) as s:
            assert (s.compact_revision, s.current_revision) == (25, 30)
            with pytest.raises(CompactedError):
                s.watch("", after_revision=24)
            w = s.watch("", after_revision=25)
            assert [e.revision for e in await w.next_batch(1)] == [26, 27, 28, 29, 30]

    run(body())
