"""Contract tests: get/create/update/delete, compare-and-swap, list/count/paging, lifecycle."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from kapi.storage import (
    ConflictError,
    KeyExistsError,
    KeyNotFoundError,
    KeyValue,
    StorageError,
    Store,
    StoreClosedError,
    StoreLockedError,
    open_store,
)
from tests.storage.helpers import StoreFactory, enc, run, rv


def test_satisfies_protocol(make_store: StoreFactory) -> None:
    store: Store = make_store()  # type-checks against the Protocol
    assert not isinstance(store, type)


def test_create_get(make_store: StoreFactory) -> None:
    async def body() -> None:
        async with make_store() as s:
            assert s.current_revision == 0
            assert await s.get("/core/pods/default/a") is None
            kv = await s.create("/core/pods/default/a", enc(name="a"))
            assert kv == KeyValue("/core/pods/default/a", kv.value, 1, 1)
            assert rv(kv.value) == 1  # the encoder was given the revision the write got
            assert await s.get("/core/pods/default/a") == kv
            assert s.current_revision == 1
            with pytest.raises(KeyExistsError) as ei:
                await s.create("/core/pods/default/a", enc(name="again"))
            assert ei.value.key == "/core/pods/default/a"
            assert s.current_revision == 1  # a failed write consumes no revision

    run(body())


def test_update_and_cas(make_store: StoreFactory) -> None:
    async def body() -> None:
        async with make_store() as s:
            a = await s.create("/k/a", enc(v=1))
            b = await s.update("/k/a", enc(v=2), expected_revision=a.revision)
            assert (b.revision, b.create_revision) == (2, 1)
            assert orjson.loads(b.value) == {"v": 2, "rv": 2}
            with pytest.raises(ConflictError) as ei:
                await s.update("/k/a", enc(v=3), expected_revision=a.revision)
            assert ei.value.key == "/k/a"
            assert ei.value.current == b
            c = await s.update("/k/a", enc(v=4), expected_revision=None)  # unconditional
            assert c.revision == 3
            with pytest.raises(KeyNotFoundError) as nf:
                await s.update("/k/missing", enc(v=1), expected_revision=None)
            assert nf.value.key == "/k/missing"
            assert s.current_revision == 3

    run(body())


def test_delete(make_store: StoreFactory) -> None:
    async def body() -> None:
        async with make_store() as s:
            a = await s.create("/k/a", enc(v=1))
            await s.create("/k/b", enc(v=1))
            with pytest.raises(ConflictError) as ei:
                await s.delete("/k/a", enc(gone=True), expected_revision=a.revision + 100)
            assert ei.value.current == a
            d = await s.delete("/k/a", enc(gone=True), expected_revision=a.revision)
            # The returned value is the DELETED event's bytes, stamped with the delete revision.
            assert (d.key, d.revision, d.create_revision) == ("/k/a", 3, 1)
            assert rv(d.value) == 3
            assert await s.get("/k/a") is None
            with pytest.raises(KeyNotFoundError):
                await s.delete("/k/a", enc(), expected_revision=None)
            assert (await s.delete("/k/b", enc(), expected_revision=None)).revision == 4
            again = await s.create("/k/a", enc(v=2))  # re-created: a new create revision
            assert (again.revision, again.create_revision) == (5, 5)

    run(body())


def test_encoder_error_is_the_callers_alone(make_store: StoreFactory) -> None:
    def boom(revision: int) -> bytes:
        raise ValueError("cannot encode")

    async def body() -> None:
        async with make_store() as s:
            results = await asyncio.gather(
                s.create("/k/a", enc()), s.create("/k/b", boom), s.create("/k/c", enc()),
                return_exceptions=True)
            assert isinstance(results[1], ValueError)
            a, c = results[0], results[2]
            assert isinstance(a, KeyValue) and isinstance(c, KeyValue)
            assert (a.revision, c.revision) == (1, 2)  # no hole where the failed write was
            assert await s.get("/k/b") is None

    run(body())


def test_concurrent_writes_are_serialised(make_store: StoreFactory) -> None:
    async def body() -> None:
        async with make_store() as s:
            kvs = await asyncio.gather(*(s.create(f"/k/{i:03d}", enc(i=i)) for i in range(200)))
            assert sorted(kv.revision for kv in kvs) == list(range(1, 201))
            # 50 racing creates of one key: exactly one wins.
            res = await asyncio.gather(*(s.create("/race", enc(i=i)) for i in range(50)),
                                       return_exceptions=True)
            assert sum(isinstance(r, KeyValue) for r in res) == 1
            assert all(isinstance(r, KeyValue | KeyExistsError) for r in res)
            # 50 racing CAS updates from the same revision: exactly one wins.
            cur = await s.get("/race")
            assert cur is not None
            res = await asyncio.gather(
                *(s.update("/race", enc(i=i), expected_revision=cur.revision) for i in range(50)),
                return_exceptions=True)
            assert sum(isinstance(r, KeyValue) for r in res) == 1
            assert all(isinstance(r, KeyValue | ConflictError) for r in res)
            assert s.stats()["write_batches"] < 300 // 2  # writes were group-committed

    run(body())


def test_list_count_and_paging(make_store: StoreFactory) -> None:
    async def body() -> None:
        async with make_store() as s:
            for ns in ("default", "kube-system"):
                for i in range(7):
                    await s.create(f"/core/pods/{ns}/p{i}", enc(ns=ns, i=i))
            await s.create("/core/podsx/other", enc())  # shares the string prefix "/core/pods"
            await s.create("/core/nodes/n1", enc())
            assert await s.count("/core/pods/") == 14
            assert await s.count("/core/pods/default/") == 7
            assert await s.count("/core/") == 16
            assert await s.count("") == 16
            assert await s.count("/apps/") == 0

            res = await s.list("/core/pods/")
            assert [kv.key for kv in res.items] == sorted(kv.key for kv in res.items)
            assert len(res.items) == 14 and not res.more and res.remaining == 0
            assert res.revision == s.current_revision

            keys: list[str] = []
            after = None
            while True:
                page = await s.list("/core/pods/", start_after=after, limit=4)
                keys += [kv.key for kv in page.items]
                if not page.more:
                    assert page.remaining == 0
                    break
                assert len(page.items) == 4
                assert page.remaining == 14 - len(keys)
                after = page.items[-1].key
            assert keys == [kv.key for kv in res.items]

            one_ns = await s.list("/core/pods/kube-system/", limit=100)
            assert [kv.key for kv in one_ns.items] == [f"/core/pods/kube-system/p{i}" for i in range(7)]
            assert (await s.list("/core/pods/", start_after="/core/pods/zzz")).items == []
            assert len((await s.list("/core/pods/", start_after="/a")).items) == 14
            assert (await s.list("/nothing/")).items == []

    run(body())


def test_reopen_keeps_state_and_revisions_continue(file_store: StoreFactory) -> None:
    async def body() -> None:
        async with file_store() as s:
            for i in range(10):
                await s.create(f"/k/{i}", enc(i=i))
            await s.delete("/k/9", enc(), expected_revision=None)  # the newest change is a delete
            last = s.current_revision
            snapshot = await s.list("/k/")
        async with file_store() as s:
            assert s.current_revision == last == 11
            assert await s.list("/k/") == snapshot
            kv = await s.create("/k/new", enc())
            assert kv.revision == last + 1
            await s.compact(s.current_revision)  # even an empty log keeps the revision
        async with file_store() as s:
            assert s.current_revision == last + 1
            assert s.compact_revision == last + 1
            assert (await s.create("/k/newer", enc())).revision == last + 2

    run(body())


def test_second_opener_is_refused(file_store: StoreFactory) -> None:
    async def body() -> None:
        async with file_store():
            other = file_store()
            with pytest.raises(StoreLockedError) as ei:
                await other.start()
            msg = str(ei.value)
            assert "is in use by another kapi process" in msg
            assert f"(pid {os.getpid()})" in msg
        async with file_store() as s:  # released on close
            assert s.current_revision == 0

    run(body())


def test_closed_store_refuses(make_store: StoreFactory) -> None:
    async def body() -> None:
        s = make_store()
        with pytest.raises(StoreClosedError):
            await s.create("/k/a", enc())
        await s.start()
        with pytest.raises(StorageError):
            await s.start()
        pending = [asyncio.ensure_future(s.create(f"/k/{i}", enc())) for i in range(20)]
        await asyncio.sleep(0)
        await s.close()  # flushes the queued writes first
        assert all(p.done() and p.exception() is None for p in pending)
        await s.close()  # idempotent
        with pytest.raises(StoreClosedError):
            await s.get("/k/1")
        with pytest.raises(StoreClosedError):
            await s.update("/k/1", enc(), expected_revision=None)
        with pytest.raises(StoreClosedError):
            s.watch("/k/", after_revision=0)
        if make_store.durable:
            async with make_store() as s2:
                assert await s2.count("/k/") == 20

    run(body())


def test_unknown_tuning_is_an_error() -> None:
    with pytest.raises(TypeError):
        open_store(None, ephemeral=True, no_such_knob=1)
    with pytest.raises(ValueError):
        open_store(None, ephemeral=True, compact_keep_revisions=0)


def test_directory_path_means_kapi_db_inside(tmp_path: Path) -> None:
    async def body() -> None:
        async with open_store(str(tmp_path)) as s:
            await s.create("/k/a", enc())
            assert s.path == str(tmp_path / "kapi.db")
        async with open_store(str(tmp_path / "kapi.db")) as s:
            assert await s.count("/k/") == 1

    run(body())


def test_exit_without_close_does_not_hang(tmp_path: Path) -> None:
    script = (
        "import asyncio\n"
        "from kapi.storage import open_store\n"
        "async def main():\n"
        f"    s = open_store({str(tmp_path / 'x.db')!r})\n"
        "    await s.start()\n"
        "    await s.create('/k', lambda rev: b'{}')\n"
        "asyncio.run(main())\n"
    )
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", script], cwd=repo, timeout=20, capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(repo)})
    assert done.returncode == 0, done.stderr.decode()


def test_durability_settings(file_store: StoreFactory) -> None:
    async def body() -> None:
        async with file_store() as s:
            pragmas = {}
            for name in ("journal_mode", "synchronous"):
                rows = list(await s._db.conn.execute_fetchall(f"PRAGMA {name}"))
                pragmas[name] = rows[0][0]
            assert pragmas == {"journal_mode": "wal", "synchronous": 1}  # 1 = NORMAL

    run(body())


def test_failed_commit_fails_the_batch_only(make_store: StoreFactory) -> None:
    async def body() -> None:
        async with make_store() as s:
            await s.create("/k/a", enc())
            real = s._db.append
            calls = 0

            async def flaky(rows: object) -> None:
                nonlocal calls
                calls += 1
                if calls == 1:
                    raise OSError("disk full")
                await real(rows)  # type: ignore[arg-type]

            s._db.append = flaky  # type: ignore[method-assign]
            results = await asyncio.gather(s.create("/k/b", enc()), s.update("/k/a", enc(), expected_revision=1),
                                           return_exceptions=True)
            assert all(isinstance(r, StorageError) and "disk full" in str(r) for r in results)
            assert s.current_revision == 1 and await s.get("/k/b") is None  # nothing applied
            kv = await s.create("/k/b", enc())  # the writer carries on; no revision was burnt
            assert kv.revision == 2

    run(body())


def test_unstorable_key_is_refused_alone(make_store: StoreFactory) -> None:
    async def body() -> None:
        async with make_store() as s:
            bad, good = await asyncio.gather(s.create("/k/\udcff", enc()), s.create("/k/ok", enc()),
                                             return_exceptions=True)
            assert isinstance(bad, StorageError) and isinstance(good, KeyValue)

    run(body())
