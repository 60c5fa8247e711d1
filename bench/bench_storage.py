"""Store-level benchmark: ops/s for create/get/update/delete, LIST latency, watch fan-out latency.

Measures the storage layer alone (no HTTP) so regressions in it are visible apart from the
server's own costs. Clients are concurrent asyncio tasks, like the server's request handlers;
encoders do what the API layer's will (stamp resourceVersion, ``orjson.dumps``).

    python bench/bench_storage.py [--mode file|ephemeral|both] [-n 10000] [-c 32] [--watchers 1000]
                                  [--watch-gap-ms 10]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kapi.storage import Encoder, KeyValue, SQLiteStore, open_store

PREFIX = "/core/pods/"


def pod(i: int) -> dict[str, Any]:
    name = f"web-{i:06d}"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "uid": f"uid-{i:032d}",
                     "labels": {"app": "web", "tier": "frontend", "idx": str(i % 100)},
                     "creationTimestamp": "2024-01-01T00:00:00Z"},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.25", "ports": [{"containerPort": 80}],
                                 "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}],
                 "nodeName": f"node-{i % 10}", "restartPolicy": "Always"},
        "status": {"phase": "Running", "podIP": f"10.0.{i // 250 % 250}.{i % 250}"},
    }


def encoder(obj: dict[str, Any]) -> Encoder:
    def encode(revision: int) -> bytes:
        meta = dict(obj["metadata"])
        meta["resourceVersion"] = str(revision)
        return orjson.dumps({**obj, "metadata": meta})
    return encode


async def run_concurrently(n: int, concurrency: int, op: Callable[[int], Awaitable[Any]]) -> float:
    """Run op(0..n-1) on ``concurrency`` tasks; returns ops/s."""
    counter = iter(range(n))

    async def worker() -> None:
        for i in counter:
            await op(i)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return n / (time.perf_counter() - t0)


def key(i: int) -> str:
    return f"{PREFIX}default/web-{i:06d}"


async def bench(store: SQLiteStore, n: int, concurrency: int, watchers: int, gap: float) -> dict[str, float]:
    out: dict[str, float] = {}
    objs = [pod(i) for i in range(n)]
    # The benchmark's own fixture objects (~20 containers per pod) would otherwise dominate
    # every full GC pass and show up as watch-latency outliers that are not the store's.
    gc.collect()
    gc.freeze()
    revs: dict[int, KeyValue] = {}

    async def create(i: int) -> None:
        revs[i] = await store.create(key(i), encoder(objs[i]))

    out["create ops/s"] = await run_concurrently(n, concurrency, create)
    order = list(range(n))
    random.shuffle(order)

    async def get(i: int) -> None:
        await store.get(key(order[i]))

    out["get ops/s"] = await run_concurrently(n, concurrency, get)

    async def update(i: int) -> None:
        revs[i] = await store.update(key(i), encoder(objs[i]), expected_revision=revs[i].revision)

    out["update ops/s"] = await run_concurrently(n, concurrency, update)

    times = []
    for _ in range(10):
        t0 = time.perf_counter()
        res = await store.list(PREFIX)
        times.append(time.perf_counter() - t0)
        assert len(res.items) == n
    out[f"list {n} ms (median)"] = statistics.median(times) * 1000
    pages, after, snap = 0, None, store.current_revision
    changed = min(n, 2000)  # changes after the snapshot, so every page merges them from the ring
    await run_concurrently(changed, concurrency, update)
    t0 = time.perf_counter()
    while True:
        page = await store.list(PREFIX, start_after=after, limit=500, revision=snap)
        pages += 1
        if not page.more:
            break
        after = page.items[-1].key
    out[f"snapshot list {n} ({changed} changed since) by 500, ms"] = (time.perf_counter() - t0) * 1000
    out.update(await watch_latency(store, watchers, gap))

    async def delete(i: int) -> None:
        await store.delete(key(i), encoder(objs[i]), expected_revision=None)

    out["delete ops/s"] = await run_concurrently(n, concurrency, delete)
    return out


async def watch_latency(store: SQLiteStore, watchers: int, gap: float, writes: int = 200) -> dict[str, float]:
    """Per-watcher delivery latency: from just before the write is submitted to the event's receipt.

    Watchers use ``next_batch`` with a timeout, as the HTTP layer will (for bookmarks).
    """
    sent: dict[int, float] = {}
    lat: list[float] = []
    ws = [store.watch(PREFIX, after_revision=store.current_revision) for _ in range(watchers)]

    async def consume(w: Any) -> None:
        got = 0
        while got < writes:
            for ev in await w.next_batch(5.0):
                lat.append(time.perf_counter() - sent[ev.revision])
                got += 1

    consumers = [asyncio.create_task(consume(w)) for w in ws]
    await asyncio.sleep(0)
    obj = pod(0)
    for _ in range(writes):
        rev = store.current_revision + 1
        sent[rev] = time.perf_counter()
        await store.update(key(0), encoder(obj), expected_revision=None)
        await asyncio.sleep(gap)
    await asyncio.gather(*consumers)
    for w in ws:
        w.close()
    lat.sort()
    return {
        f"watch fan-out to {watchers}: p50 ms": lat[len(lat) // 2] * 1000,
        f"watch fan-out to {watchers}: p99 ms": lat[int(len(lat) * 0.99)] * 1000,
    }


async def main_async(args: argparse.Namespace) -> None:
    modes = ["ephemeral", "file"] if args.mode == "both" else [args.mode]
    for mode in modes:
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "kapi.db")
            store = open_store(path, ephemeral=mode == "ephemeral")
            await store.start()
            gc.collect()
            results = await bench(store, args.n, args.concurrency, args.watchers, args.watch_gap_ms / 1000)
            stats = store.stats()
            await store.close()
            gc.unfreeze()
        print(f"== {mode} store (n={args.n}, concurrency={args.concurrency}) ==")
        for name, value in results.items():
            print(f"  {name:<52} {value:>10.1f}")
        print(f"  {'writes per commit (mean)':<52} {stats['writes'] / max(1, stats['write_batches']):>10.1f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MiB")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=["file", "ephemeral", "both"], default="both")
    p.add_argument("-n", type=int, default=10_000)
    p.add_argument("-c", "--concurrency", type=int, default=32)
    p.add_argument("--watchers", type=int, default=1000)
    p.add_argument("--watch-gap-ms", type=float, default=10.0, help="pause between watched writes")
    asyncio.run(main_async(p.parse_args()))


if __name__ == "__main__":
    main()
