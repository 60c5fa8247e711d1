"""Snapshot reads: list(prefix, revision=R) returns the state as of R, paged or not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kapi.storage import CompactedError, FutureRevisionError, KeyValue, SQLiteStore, open_store
from tests.storage.helpers import StoreFactory, enc, run


async def page_all(s: SQLiteStore, prefix: str, revision: int, limit: int) -> list[KeyValue]:
    out: list[KeyValue] = []
    after = None
    while True:
        page = await s.list(prefix, start_after=after, limit=limit, revision=revision)
        assert page.revision == revision
        out += page.items
        if not page.more:
            assert page.remaining == 0
            return out
        assert len(page.items) == limit
        assert page.remaining is not None and page.remaining >= 1
        after = page.items[-1].key


@pytest.mark.parametrize("ring_events", [10_000, 3])  # changes from the ring / from SQLite
def test_snapshot_at_old_revisions(make_store: StoreFactory, ring_events: int) -> None:
    async def body() -> None:
        async with make_store(ring_events=ring_events) as s:
            history: dict[int, dict[str, KeyValue]] = {0: {}}
            state: dict[str, KeyValue] = {}
            for i in range(60):
                key = f"/core/pods/ns{i % 2}/p{i % 9}"
                cur = state.get(key)
                if cur is None:
                    kv = await s.create(key, enc(i=i))
                    state[key] = kv
                elif i % 4 == 0:
                    kv = await s.delete(key, enc(i=i), expected_revision=cur.revision)
                    del state[key]
                else:
                    kv = await s.update(key, enc(i=i), expected_revision=cur.revision)
                    state[key] = kv
                history[kv.revision] = dict(state)
            for revision, snap in history.items():
                for prefix in ("/core/pods/", "/core/pods/ns1/"):
                    want = sorted((kv for k, kv in snap.items() if k.startswith(prefix)),
                                  key=lambda kv: kv.key)
                    res = await s.list(prefix, revision=revision)
                    assert res.items == want, revision
                    assert res.revision == revision and not res.more
                    assert await page_all(s, prefix, revision, 2) == want

    run(body())


def test_paging_a_snapshot_while_writing(make_store: StoreFactory) -> None:
    async def body() -> None:
        async with make_store() as s:
            for i in range(30):
                await s.create(f"/k/{i:02d}", enc(i=i))
            first = await s.list("/k/", limit=10)
            snap = first.revision
            assert first.remaining == 20
            got = list(first.items)
            after = first.items[-1].key
            n = 0
            while True:
                # Churn between pages: delete ahead, update behind and ahead, add new keys.
                n += 1
                await s.delete(f"/k/{29 - n:02d}", enc(), expected_revision=None)
                await s.update(f"/k/{n:02d}", enc(i=-n), expected_revision=None)
                await s.create(f"/k/{n:02d}x", enc())
                page = await s.list("/k/", start_after=after, limit=10, revision=snap)
                got += page.items
                if not page.more:
                    break
                assert page.remaining == 30 - len(got)
                after = page.items[-1].key
            assert [kv.key for kv in got] == [f"/k/{i:02d}" for i in range(30)]
            assert all(kv.revision <= snap for kv in got)

    run(body())


def test_snapshot_revision_bounds(make_store: StoreFactory) -> None:
    async def body() -> None:
        async with make_store() as s:
            for i in range(10):
                await s.create(f"/k/{i}", enc())
            with pytest.raises(FutureRevisionError):
                await s.list("/k/", revision=11)
            await s.update("/k/0", enc(), expected_revision=None)
            await s.compact(5)
            with pytest.raises(CompactedError) as ce:
                await s.list("/k/", revision=4)
            assert (ce.value.requested, ce.value.compacted) == (4, 5)
            res = await s.list("/k/", revision=5)
            assert [kv.key for kv in res.items] == [f"/k/{i}" for i in range(5)]
            zero = await s.list("/k/0", revision=5)
            assert zero.items[0].revision == 1  # as of 5, before the update at 11

    run(body())


def test_snapshot_after_reopen_reads_the_log(file_store: StoreFactory) -> None:
    async def body() -> None:
        async with file_store() as s:
            for i in range(10):
                await s.create(f"/k/{i}", enc(i=i))
            mid = s.current_revision
            for i in range(5):
                await s.delete(f"/k/{i}", enc(), expected_revision=None)
                await s.update(f"/k/{i + 5}", enc(i=-i), expected_revision=None)
            before = await s.list("/k/", revision=mid)
        async with file_store() as s:  # the ring is empty after a restart
            assert await s.list("/k/", revision=mid) == before
            assert [kv.key for kv in before.items] == [f"/k/{i}" for i in range(10)]

    run(body())


_OPS = st.lists(
    st.tuples(st.sampled_from(["create", "update", "delete"]), st.integers(0, 11)),
    min_size=1, max_size=60)


@settings(max_examples=30, deadline=None)
@given(ops=_OPS, ring=st.sampled_from([2, 10_000]), limit=st.integers(1, 5), data=st.data())
def test_snapshots_match_a_model(
    ops: list[tuple[str, int]], ring: int, limit: int, data: st.DataObject
) -> None:
    prefixes = ["", "/a/", "/a/x", "/b/"]

    def name(i: int) -> str:
        return ["/a/x1", "/a/x2", "/a/y", "/b/1", "/b/2", "/c", "/a/xa", "/b/10", "/a/", "/a/x", "/b", "/"][i]

    async def body() -> None:
        async with open_store(None, ephemeral=True, ring_events=ring) as s:
            model: dict[str, KeyValue] = {}
            history: dict[int, dict[str, KeyValue]] = {0: {}}
            for op, i in ops:
                key = name(i)
                try:
                    if op == "create":
                        kv = await s.create(key, enc())
                        model[key] = kv
                    elif op == "update":
                        kv = await s.update(key, enc(), expected_revision=None)
                        model[key] = kv
                    else:
                        kv = await s.delete(key, enc(), expected_revision=None)
                        del model[key]
                except Exception:
                    assert (key in model) == (op == "create")
                    continue
                history[kv.revision] = dict(model)
            compacted = data.draw(st.integers(0, s.current_revision))
            await s.compact(compacted)
            for revision in range(s.current_revision + 1):
                snap = history.get(revision)
                if snap is None:  # no write got this revision? impossible: they are contiguous
                    raise AssertionError(f"revision {revision} missing")
                for prefix in prefixes:
                    if revision < compacted:
                        with pytest.raises(CompactedError):
                            await s.list(prefix, revision=revision)
                        continue
                    want = sorted((kv for k, kv in snap.items() if k.startswith(prefix)),
                                  key=lambda kv: kv.key)
                    assert await page_all(s, prefix, revision, limit) == want
                    assert (await s.list(prefix, revision=revision)).items == want
                    if revision == s.current_revision:
                        assert await s.count(prefix) == len(want)

    run(body())
