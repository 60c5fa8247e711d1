"""Crash safety: kill -9 a process mid-write and check that every acknowledged write survived.

The child (:mod:`tests.storage.crash_writer`) prints each write once the store acknowledged it.
After the kill the store is reopened and checked: acknowledged writes are present (at least at
their revision), revisions continue upward, the change log still replays exactly, and a revision
compacted away before the crash is refused.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from kapi.storage import DELETED, CompactedError, Event, open_store
from tests.storage.crash_writer import plan
from tests.storage.helpers import enc, run

REPO = Path(__file__).resolve().parents[2]
ACKS_BEFORE_KILL = 4000


def run_and_kill(path: str) -> list[tuple[str, str, int]]:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "tests.storage.crash_writer", path],
                            stdout=subprocess.PIPE, cwd=REPO, env=env)
    assert proc.stdout is not None
    lines: list[bytes] = []
    deadline = time.monotonic() + 30
    try:
        while len(lines) < ACKS_BEFORE_KILL + 1:
            line = proc.stdout.readline()
            if not line:
                pytest.fail(f"writer exited early with {proc.wait()}")
            lines.append(line)
            assert time.monotonic() < deadline, "writer too slow"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    lines += proc.stdout.read().splitlines(keepends=True)  # acknowledged before the kill
    proc.stdout.close()
    assert lines[0] == b"READY\n"
    acks = []
    for raw in lines[1:]:
        if not raw.endswith(b"\n"):
            continue  # cut mid-line by the kill
        op, key, revision = raw.decode().split()
        acks.append((op, key, int(revision)))
    return acks


def test_kill_9_loses_nothing_acknowledged(tmp_path: Path) -> None:
    path = str(tmp_path / "kapi.db")
    acks = run_and_kill(path)
    assert len(acks) >= ACKS_BEFORE_KILL
    last: dict[str, tuple[str, int]] = {}
    for op, key, revision in acks:
        last[key] = (op, revision)
    top = max(r for _, _, r in acks)
    assert len({r for _, _, r in acks}) == len(acks)  # no revision acknowledged twice

    async def body() -> None:
        async with open_store(path, compact_interval=3600.0) as s:
            assert s.current_revision >= top
            for key, (op, revision) in last.items():
                kv = await s.get(key)
                steps = plan(key)
                done = steps.index(op) if op != "update" else len(steps) - 1 - steps[::-1].index(op)
                if op == "delete":
                    assert kv is None, key
                elif kv is None:
                    # Only possible if the next planned step, unacknowledged, was a committed delete.
                    assert steps[done + 1:done + 2] == ["delete"], (key, op, revision)
                else:
                    assert kv.revision >= revision, (key, kv, revision)
                    assert orjson.loads(kv.value)["rv"] == kv.revision
            # The log replays exactly the revisions after any retained point, acked ones included.
            assert s.compact_revision > 0
            after = max(s.compact_revision, top - 200)
            w = s.watch("/crash/", after_revision=after)
            want = s.current_revision - after
            evs: list[Event] = []
            while len(evs) < want:
                batch = await w.next_batch(2.0)
                assert batch
                evs += batch
            assert [e.revision for e in evs] == list(range(after + 1, s.current_revision + 1))
            by_rev = {e.revision: e for e in evs}
            for op, key, revision in acks:
                if revision > after:
                    ev = by_rev[revision]
                    assert ev.key == key
                    assert (ev.type == DELETED) == (op == "delete")
            with pytest.raises(CompactedError):
                s.watch("/crash/", after_revision=s.compact_revision - 1)
            kv = await s.create("/after/crash", enc())
            assert kv.revision == s.current_revision > top

    run(body())
