"""Child process for the crash test: writes concurrently forever, printing every acknowledgement.

``python -m tests.storage.crash_writer DB_PATH`` — each worker owns its keys and walks each
through a fixed plan (see :func:`plan`), one operation at a time; after each acknowledged write
it prints ``<op> <key> <revision>`` and flushes, so the parent knows exactly what was
acknowledged when it kill -9s this process. Compaction is tuned aggressive so that the log is
being compacted while the process dies.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import orjson

from kapi.storage import Encoder, SQLiteStore, open_store

WORKERS = 16
TUNING: dict[str, Any] = {"compact_keep_revisions": 300, "compact_interval": 0.01, "compact_batch": 50}


def plan(key: str) -> list[str]:
    """The operations a key goes through, in order."""
    index = int(key.rsplit("k", 1)[1])
    return ["create", "update", "update"] + (["delete"] if index % 3 == 0 else [])


def encoder(key: str, op: str) -> Encoder:
    return lambda revision: orjson.dumps({"key": key, "op": op, "rv": revision})


async def worker(store: SQLiteStore, w: int) -> None:
    out = sys.stdout
    j = 0
    while True:
        key = f"/crash/w{w:02d}/k{j}"
        for op in plan(key):
            if op == "create":
                kv = await store.create(key, encoder(key, op))
            elif op == "update":
                kv = await store.update(key, encoder(key, op), expected_revision=None)
            else:
                kv = await store.delete(key, encoder(key, op), expected_revision=None)
            out.write(f"{op} {key} {kv.revision}\n")
            out.flush()
        j += 1


async def main(path: str) -> None:
    store = open_store(path, **TUNING)
    await store.start()
    print("READY", flush=True)
    await asyncio.gather(*(worker(store, w) for w in range(WORKERS)))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
