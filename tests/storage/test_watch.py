"""Contract tests for watches: replay (ring and change log) then live, filtering, drops, errors."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from kapi.storage import (
    ADDED,
    DELETED,
    MODIFIED,
    CompactedError,
    Event,
    FutureRevisionError,
    SQLiteStore,
    Watcher,
)
from tests.storage.helpers import StoreFactory, enc, run, rv


async def take(w: Watcher, n: int, wait: float = 5.0) -> list[Event]:
    """The next ``n`` events of ``w`` (fails if ``wait`` seconds pass without one)."""
    out: list[Event] = []
    while len(out) < n:
        batch = await w.next_batch(wait)
        assert batch, f"timed out after {len(out)} of {n} events"
        out += batch
    return out


def test_live_events(make_store: StoreFactory) -> None:
    async def body() -> None:
        async with make_store() as s:
            w = s.watch("/core/pods/", after_revision=s.current_revision)
            assert isinstance(w, Watcher)
            a = await s.create("/core/pods/default/a", enc(name="a", v=1))
            await s.create("/core/nodes/n1", enc())  # other prefix: not delivered
            b = await s.update("/core/pods/default/a", enc(name="a", v=2), expected_revision=a.revision)
            d = await s.delete("/core/pods/default/a", enc(name="a", v=2), expected_revision=None)
            evs = await take(w, 3)
            assert [(e.type, e.key, e.revision) for e in evs] == [
                (ADDED, "/core/pods/default/a", 1),
                (MODIFIED, "/core/pods/default/a", 3),
                (DELETED, "/core/pods/default/a", 4),
            ]
            assert evs[0].value == a.value and evs[0].prev_value is None
            assert evs[1].value == b.value and evs[1].prev_value == a.value
            assert evs[2].value == d.value and evs[2].prev_value == b.value
            assert evs[1].obj() == {"name": "a", "v": 2, "rv": 3}
            assert evs[1].obj() is evs[1].obj()  # decoded once, shared
            prev = evs[2].prev_obj()
            assert prev is not None and prev["rv"] == 3
            assert evs[0].prev_obj() is None
            assert await w.next_batch(0.01) == []  # timeout -> empty batch
            w.close()
            assert w.closed and w.closed_reason is None
            with pytest.raises(StopAsyncIteration):
                await w.next_batch(0.01)
            assert s.stats()["watchers"] == 0

    run(body())


def test_async_iteration_and_close_wakes_reader(make_store: StoreFactory) -> None:
    async def body() -> None:
        async with make_store() as s:
            w = s.watch("", after_revision=0)
            got: list[int] = []
            five = asyncio.Event()

            async def reader() -> None:
                async for ev in w:
                    got.append(ev.revision)
                    if len(got) == 5:
                        five.set()

            task = asyncio.create_task(reader())
            for i in range(5):
                await s.create(f"/k/{i}", enc())
            await five.wait()
            w.close()
            await asyncio.wait_for(task, 1)  # the blocked reader ends
            assert got == [1, 2, 3, 4, 5]

    run(body())


async def _history(s: SQLiteStore, n: int) -> None:
    """Creates, updates and deletes over a few pods, interleaved with node creates."""
    for i in range(n):
        key = f"/core/pods/ns{i % 3}/p{i % 7}"
        if await s.get(key) is None:
            await s.create(key, enc(i=i))
        elif i % 5 == 0:
            await s.delete(key, enc(i=i), expected_revision=None)
        else:
            await s.update(key, enc(i=i), expected_revision=None)
        await s.create(f"/core/nodes/n{i}", enc(i=i))


@pytest.mark.parametrize("ring_events", [10_000, 5])  # replay from the ring / from SQLite
def test_replay_then_live(make_store: StoreFactory, ring_events: int) -> None:
    async def body() -> None:
        async with make_store(ring_events=ring_events) as s:
            await _history(s, 40)
            n = 0
            for after in (0, 1, 37, s.current_revision - 3, s.current_revision):
                for prefix in ("", "/core/pods/", "/core/pods/ns1/"):
                    w = s.watch(prefix, after_revision=after)
                    # Live writes while (possibly) still replaying from SQLite: no gap, no duplicate.
                    n += 1
                    await s.create(f"/core/pods/ns1/live{n}", enc())
                    await s.create(f"/core/nodes/live{n}", enc())
                    # Every revision after `after` exists exactly once in the unfiltered stream...
                    full = s.watch("", after_revision=after)
                    want = list(range(after + 1, s.current_revision + 1))
                    all_evs = await take(full, len(want))
                    assert [e.revision for e in all_evs] == want
                    # ... and the filtered stream is exactly its matching part.
                    expected = [e.revision for e in all_evs if e.key.startswith(prefix)]
                    got = await take(w, len(expected))
                    assert [e.revision for e in got] == expected
                    assert await w.next_batch(0.01) == []
                    if after == 0:  # replaying everything onto nothing gives the current state
                        state: dict[str, bytes] = {}
                        for e in got:
                            if e.type == DELETED:
                                del state[e.key]
                            else:
                                state[e.key] = e.value
                        res = await s.list(prefix)
                        assert state == {kv.key: kv.value for kv in res.items}
                    w.close()
                    full.close()

    run(body())


def test_replay_events_carry_prev_values(make_store: StoreFactory) -> None:
    async def body() -> None:
        async with make_store(ring_events=1) as s:
            a = await s.create("/k/a", enc(v=1))
            b = await s.update("/k/a", enc(v=2), expected_revision=None)
            c = await s.delete("/k/a", enc(v=2), expected_revision=None)
            await s.create("/k/z", enc())
            w = s.watch("/k/", after_revision=0)  # older than the ring: read from SQLite
            evs = await take(w, 4)
            assert [(e.type, e.value, e.prev_value) for e in evs[:3]] == [
                (ADDED, a.value, None), (MODIFIED, b.value, a.value), (DELETED, c.value, b.value)]
            assert (evs[2].create_revision, evs[2].prev_revision) == (1, 2)
            assert rv(evs[2].value) == 3 and orjson.loads(evs[2].value)["v"] == 2

    run(body())


def test_watch_revision_bounds(make_store: StoreFactory) -> None:
    async def body() -> None:
        async with make_store() as s:
            for i in range(20):
                await s.create(f"/k/{i}", enc())
            with pytest.raises(FutureRevisionError) as fe:
                s.watch("/k/", after_revision=21)
            assert (fe.value.requested, fe.value.current) == (21, 20)
            assert await s.compact(10) == 10
            assert s.compact_revision == 10
            with pytest.raises(CompactedError) as ce:
                s.watch("/k/", after_revision=9)
            assert (ce.value.requested, ce.value.compacted) == (9, 10)
            w = s.watch("/k/", after_revision=10)  # the compact revision itself still works
            assert [e.revision for e in await take(w, 10)] == list(range(11, 21))

    run(body())


def test_slow_watcher_is_dropped_not_blocking(make_store: StoreFactory) -> None:
    async def body() -> None:
        async with make_store() as s:
            slow = s.watch("/k/", after_revision=0, queue_size=5)
            fast = s.watch("/k/", after_revision=0, queue_size=5)
            for i in range(4):
                await s.create(f"/k/{i}", enc())
                await take(fast, 1)
            assert not slow.closed
            for i in range(4, 8):
                await s.create(f"/k/{i}", enc())
                await take(fast, 1)
            assert slow.closed
            assert slow.closed_reason is not None and "too slow" in slow.closed_reason
            with pytest.raises(StopAsyncIteration):
                await slow.next_batch(0.01)
            assert not fast.closed
            assert s.stats()["watchers"] == 1

    run(body())


def test_store_close_ends_watchers(make_store: StoreFactory) -> None:
    async def body() -> None:
        s = make_store(ring_events=2)
        await s.start()
        for i in range(10):
            await s.create(f"/k/{i}", enc())
        live = s.watch("/k/", after_revision=10)
        replaying = s.watch("/k/", after_revision=0)
        waiter = asyncio.create_task(live.next_batch(None))
        await asyncio.sleep(0)
        await s.close()
        with pytest.raises(StopAsyncIteration):
            await waiter
        assert live.closed_reason == "store closed"
        assert replaying.closed

    run(body())


def test_many_watchers_one_commit(make_store: StoreFactory) -> None:
    async def body() -> None:
        async with make_store() as s:
            ws = [s.watch("/core/pods/" if i % 2 else "/core/pods/default/", after_revision=0)
                  for i in range(200)]
            await asyncio.gather(*(s.create(f"/core/pods/{ns}/p{i}", enc())
                                   for i in range(10) for ns in ("default", "other")))
            for i, w in enumerate(ws):
                evs = await take(w, 20 if i % 2 else 10)
                assert [e.revision for e in evs] == sorted(e.revision for e in evs)
            assert await ws[0].next_batch(0) == []

    run(body())
