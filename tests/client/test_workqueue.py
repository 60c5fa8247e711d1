"""The work queue: dedupe, one in flight per key, back-off, add_after, shutdown."""

from __future__ import annotations

import asyncio

from kapi.client import WorkQueue


def run(coro) -> None:  # type: ignore[no-untyped-def]
    asyncio.run(asyncio.wait_for(coro, 10))


def test_dedupe_while_queued() -> None:
    async def main() -> None:
        q = WorkQueue()
        for key in ["a", "b", "a", "a", "c", "b"]:
            q.add(key)
        assert len(q) == 3
        assert [await q.get() for _ in range(3)] == ["a", "b", "c"]
    run(main())


def test_one_in_flight_per_key() -> None:
    async def main() -> None:
        q = WorkQueue()
        q.add("a")
        key = await q.get()
        assert key == "a"
        q.add("a")  # re-added while in flight: held back until done
        q.add("a")
        assert len(q) == 0
        getter = asyncio.ensure_future(q.get())
        await asyncio.sleep(0)
        assert not getter.done()
        q.done("a")
        assert await asyncio.wait_for(getter, 1) == "a"
        q.done("a")
        assert len(q) == 0
    run(main())


def test_concurrent_workers_never_share_a_key() -> None:
    async def main() -> None:
        q = WorkQueue()
        active: set[str] = set()
        overlaps: list[str] = []
        processed: list[str] = []
        enough = asyncio.Event()

        async def worker() -> None:
            while (key := await q.get()) is not None:
                assert isinstance(key, str)
                if key in active:
                    overlaps.append(key)
                active.add(key)
                await asyncio.sleep(0)
                if len(processed) < 30:
                    q.add(key)
                await asyncio.sleep(0)
                active.discard(key)
                processed.append(key)
                if len(processed) >= 30:
                    enough.set()
                q.done(key)

        for k in "abc":
            q.add(k)
        workers = [asyncio.ensure_future(worker()) for _ in range(4)]
        await asyncio.wait_for(enough.wait(), 5)
        q.shutdown()
        await asyncio.wait_for(asyncio.gather(*workers), 2)
        assert not overlaps
    run(main())


def test_rate_limited_backoff_and_forget() -> None:
    async def main() -> None:
        q = WorkQueue(base_delay=0.01, max_delay=0.04)
        assert [q.add_rate_limited("k") for _ in range(4)] == [0.01, 0.02, 0.04, 0.04]
        assert q.num_requeues("k") == 4
        assert len(q) == 0
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        assert await asyncio.wait_for(q.get(), 1) == "k"
        assert loop.time() - t0 >= 0.005
        q.forget("k")
        assert q.num_requeues("k") == 0
        assert q.when("k") == 0.01
    run(main())


def test_add_after_and_shutdown() -> None:
    async def main() -> None:
        q = WorkQueue()
        q.add_after("later", 0.02)
        q.add_after("never", 5)
        assert len(q) == 0
        assert await asyncio.wait_for(q.get(), 1) == "later"
        q.done("later")
        q.add("queued")
        q.shutdown()
        q.add("ignored")
        assert await q.get() == "queued"  # drained after shutdown
        assert await asyncio.wait_for(q.get(), 1) is None
        waiter = asyncio.ensure_future(q.get())
        assert await asyncio.wait_for(waiter, 1) is None
    run(main())


def test_shutdown_wakes_blocked_getters() -> None:
    async def main() -> None:
        q = WorkQueue()
        getters = [asyncio.ensure_future(q.get()) for _ in range(3)]
        await asyncio.sleep(0)
        q.shutdown()
        assert await asyncio.wait_for(asyncio.gather(*getters), 1) == [None, None, None]
    run(main())
