"""API benchmark: kapi over HTTP, in its own process, against a kube-apiserver 1.28 + etcd reference.

    python bench/bench_api.py [--quick] [--only create,get,put,delete,list,watch,coldstart,rss]
                              [--data-dir DIR | --durable] [--client auto|wrk|python] [--seconds S]
                              [--json FILE] [--profile DIR]

Starts ``python -m kapi.cli serve`` itself (``--ephemeral`` by default; ``--data-dir DIR`` or
``--durable`` for the SQLite-on-disk mode, in a fresh directory that is removed afterwards), runs
the phases, prints a table (metric, kapi, reference, ratio, target met?) and stops the server.
Figures are printed, never asserted. All traffic goes to 127.0.0.1; every load loop is bounded in
count and in time. See bench/README.md for what each phase does and for measured figures.

Load generation runs in processes of its own, never in the server's:
- CREATE/GET/PUT/DELETE (32 concurrent clients) use ``wrk`` with ``bench/wrk_crud.lua`` when it
  is installed (``apt-get install wrk``); without it a multi-process aiohttp client stands in
  (slower: on two cores it competes with the server for CPU, so it reads lower), and the table
  says which one ran.
- watch fan-out uses raw asyncio connections in this process (one protocol object per watcher,
  stamping each event's arrival in ``data_received``), LIST uses ``http.client``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import http.client
import itertools
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

try:
    import orjson

    _loads: Callable[[bytes], Any] = orjson.loads
except ImportError:  # pragma: no cover - kapi depends on orjson, but the bench need not
    _loads = json.loads

ROOT = Path(__file__).resolve().parent.parent
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk_crud.lua"
HOST = "127.0.0.1"
CONCURRENCY = 32
PHASES = ("coldstart", "rss", "create", "get", "put", "delete", "watch", "list")
PAD = "0123456789" * 9  # with the key and a counter, ~100 bytes of data per ConfigMap (as in the .lua)
NS_CRUD, NS_LIST, NS_WATCH = "bench-crud", "bench-list", "bench-watch"
PAGE = 500
MB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    crud_seconds: int
    coldstart_runs: int
    list_sizes: tuple[int, ...]
    list_repeats: int
    watcher_counts: tuple[int, ...]
    watch_writes: int
    seed_objects: int  # objects get/put/delete use when the create phase did not run
    load_cap_seconds: int  # the most time loading objects for LIST may take


FULL = Settings(crud_seconds=10, coldstart_runs=5, list_sizes=(2000, 10000, 100000), list_repeats=5,
                watcher_counts=(200, 1000), watch_writes=10, seed_objects=20000, load_cap_seconds=150)
QUICK = Settings(crud_seconds=3, coldstart_runs=3, list_sizes=(2000, 10000), list_repeats=3,
                 watcher_counts=(200, 1000), watch_writes=3, seed_objects=5000, load_cap_seconds=30)


# --------------------------------------------------------------------------------------------------
# the server process


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def raise_nofile(want: int = 65536) -> int:
    """Raise the open-files limit; the server inherits it (1,000 watchers = 1,000 sockets each side)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def server_command(port: int, data_dir: str | None, kubeconfig: str) -> list[str]:
    cmd = [sys.executable, "-m", "kapi.cli", "serve", "--port", str(port), "--kubeconfig", kubeconfig]
    return [*cmd, "--data-dir", data_dir] if data_dir else [*cmd, "--ephemeral"]


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def http_status(port: int, path: str, timeout: float = 1.0) -> int | None:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except OSError:
        return None
    finally:
        conn.close()


class Server:
    """``kapi serve`` in a child process: start, wait for /readyz, read its RSS, stop."""

    def __init__(self, workdir: Path, data_dir: str | None, tag: str = "server") -> None:
        self.port = free_port()
        self.data_dir = data_dir
        self.log_path = workdir / f"{tag}-{self.port}.log"
        self.kubeconfig = str(workdir / f"{tag}-{self.port}.kubeconfig")
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready_seconds = float("nan")

    def start(self, timeout: float = 60.0, poll: float = 0.002) -> float:
        """Spawn the server; seconds from spawn to the first 200 from /readyz."""
        log = open(self.log_path, "wb")  # noqa: SIM115 - the child writes it until stop()
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(server_command(self.port, self.data_dir, self.kubeconfig), cwd=ROOT,
                                     env=server_env(), stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        log.close()
        deadline = t0 + timeout
        while time.perf_counter() < deadline:
            if http_status(self.port, "/readyz", timeout=2.0) == 200:
                self.ready_seconds = time.perf_counter() - t0
                return self.ready_seconds
            if self.proc.poll() is not None:
                raise RuntimeError(f"kapi serve exited with {self.proc.returncode}:\n{self.log_tail()}")
            time.sleep(poll)
        self.stop()
        raise RuntimeError(f"kapi serve not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _status_kb(self, key: str) -> int:
        assert self.proc is not None
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def rss_mb(self) -> float:
        return self._status_kb("VmRSS") / 1024

    def peak_rss_mb(self) -> float:
        return self._status_kb("VmHWM") / 1024

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Client:
    """A keep-alive ``http.client`` connection for setup and LIST requests."""

    def __init__(self, port: int, timeout: float = 120.0) -> None:
        self.port = port
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, body: Any = None, ok: tuple[int, ...] = (200, 201)) -> Any:
        status, data = self.request(method, path, body)
        if status not in ok:
            raise RuntimeError(f"{method} {path}: HTTP {status}: {data[:300]!r}")
        return _loads(data)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def ensure_namespace(client: Client, name: str) -> None:
    client.json("POST", "/api/v1/namespaces",
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}, ok=(200, 201, 409))


def configmap(ns: str, name: str, n: int) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": ns, "labels": {"bench": "kapi"}},
            "data": {"payload": PAD, "n": str(n)}}


def count_objects(client: Client, ns: str) -> int:
    """How many ConfigMaps ``ns`` holds: one small page and its remainingItemCount."""
    out = client.json("GET", f"/api/v1/namespaces/{ns}/configmaps?limit=1")
    remaining = out.get("metadata", {}).get("remainingItemCount")
    if remaining is not None:
        return len(out.get("items") or []) + int(remaining)
    return len(list_names(client, ns))


def list_names(client: Client, ns: str) -> list[str]:
    names: list[str] = []
    token = ""
    for _ in range(10_000):  # bounded: 5M objects at 500 a page
        q = f"limit={PAGE}" + (f"&continue={token}" if token else "")
        out = client.json("GET", f"/api/v1/namespaces/{ns}/configmaps?{q}")
        names.extend(item["metadata"]["name"] for item in out.get("items") or [])
        token = out.get("metadata", {}).get("continue") or ""
        if not token:
            break
    return names


# --------------------------------------------------------------------------------------------------
# load generation: wrk (C) with a Lua script, or a multi-process aiohttp client


@dataclass
class Load:
    mode: str
    tool: str
    ok: int
    bad: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: str = ""

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0


def run_wrk(port: int, mode: str, ns: str, source: str, maxreq: int, seconds: int,
            conns: int = CONCURRENCY, threads: int = 1, exit_when_done: bool = False) -> Load:
    """One wrk run. One thread: wrk in C drives 32 connections from one core at far more than the
    server's rate, and leaves the other core to the server."""
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{max(1, int(seconds))}s", "--timeout", "10s",
           "-s", str(WRK_SCRIPT), f"http://{HOST}:{port}", "--", mode, ns, source, str(maxreq), str(threads)]
    if exit_when_done:
        cmd.append("exit")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stdout[-500:]} {proc.stderr[-500:]}")
    r = json.loads(line.split(" ", 1)[1])
    errs = {k: r[k] for k in ("connect_err", "read_err", "write_err", "timeout_err") if r[k]}
    # 404s: the spare requests past a bound answer 404; any beyond those are real failures
    bad = r["bad"] + max(0, r["notfound"] - r["spares"])
    return Load(mode=mode, tool="wrk", ok=r["ok"], bad=bad, seconds=r["elapsed_us"] / 1e6,
                p50_ms=r["p50_us"] / 1000, p90_ms=r["p90_us"] / 1000, p99_ms=r["p99_us"] / 1000,
                max_ms=r["max_us"] / 1000, errors=", ".join(f"{k}={v}" for k, v in errs.items()))


async def _py_client(port: int, mode: str, ns: str, names: list[str], prefix: str, conns: int,
                     seconds: float, maxreq: int) -> dict[str, Any]:
    import aiohttp

    base = f"http://{HOST}:{port}/api/v1/namespaces/{ns}/configmaps"
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    lats: list[float] = []
    counts = {"ok": 0, "bad": 0}
    counter = itertools.count()
    if mode == "delete":
        maxreq = len(names) if maxreq <= 0 else min(maxreq, len(names))
    connector = aiohttp.TCPConnector(limit=conns)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=10)) as s:
        start = time.perf_counter()
        deadline = start + seconds

        async def one() -> None:
            while True:
                i = next(counter)
                if (maxreq > 0 and i >= maxreq) or time.perf_counter() >= deadline:
                    return
                body = None
                if mode == "create":
                    method, url = "POST", base
                    body = json.dumps(configmap(ns, f"{prefix}-{i}", i)).encode()
                else:
                    name = names[i % len(names)]
                    url = f"{base}/{name}"
                    method = {"get": "GET", "put": "PUT", "delete": "DELETE"}[mode]
                    if mode == "put":
                        body = json.dumps(configmap(ns, name, i)).encode()
                t0 = time.perf_counter()
                try:
                    async with s.request(method, url, data=body, headers=headers) as r:
                        await r.read()
                        good = 200 <= r.status < 300
                except (aiohttp.ClientError, TimeoutError):
                    good = False
                lats.append(time.perf_counter() - t0)
                counts["ok" if good else "bad"] += 1

        await asyncio.gather(*(one() for _ in range(conns)))
        end = time.perf_counter()
    return {"ok": counts["ok"], "bad": counts["bad"], "start": start, "end": end, "lats": lats}


def _py_worker(args: tuple[Any, ...]) -> dict[str, Any]:
    return asyncio.run(_py_client(*args))


def run_python_load(port: int, mode: str, ns: str, names: list[str], prefix: str, maxreq: int,
                    seconds: int, conns: int = CONCURRENCY, procs: int = 2) -> Load:
    per_conns = [conns // procs + (1 if i < conns % procs else 0) for i in range(procs)]
    jobs = []
    for i in range(procs):
        share = names[i::procs]
        quota = maxreq // procs + (1 if i < maxreq % procs else 0) if maxreq > 0 else 0
        jobs.append((port, mode, ns, share, f"{prefix}-p{i}", per_conns[i], float(seconds), quota))
    with ProcessPoolExecutor(max_workers=procs, mp_context=get_context("fork")) as pool:
        outs = list(pool.map(_py_worker, jobs, timeout=seconds + 60))
    lats = sorted(x for o in outs for x in o["lats"])
    elapsed = max(o["end"] for o in outs) - min(o["start"] for o in outs)

    def pct(p: float) -> float:
        return lats[min(len(lats) - 1, int(len(lats) * p / 100))] * 1000 if lats else float("nan")

    return Load(mode=mode, tool="python", ok=sum(o["ok"] for o in outs), bad=sum(o["bad"] for o in outs),
                seconds=elapsed, p50_ms=pct(50), p90_ms=pct(90), p99_ms=pct(99),
                max_ms=lats[-1] * 1000 if lats else float("nan"))


class LoadGen:
    """CREATE/GET/PUT/DELETE at 32 concurrent clients with wrk, or the Python stand-in."""

    def __init__(self, port: int, tool: str, workdir: Path) -> None:
        self.port = port
        self.tool = tool
        self.workdir = workdir
        self._files = itertools.count()
        self.create_rate = 1000.0  # req/s, until a create run tells

    def run(self, mode: str, ns: str, *, seconds: int, maxreq: int = 0, names: list[str] | None = None,
            prefix: str = "", loading: bool = False) -> Load:
        if self.tool == "wrk":
            if mode == "create":
                source = prefix
            else:
                path = self.workdir / f"names-{next(self._files)}.txt"
                path.write_text("\n".join(names or []) + "\n")
                source = str(path)
            res = run_wrk(self.port, mode, ns, source, maxreq, seconds, exit_when_done=loading)
        else:
            res = run_python_load(self.port, mode, ns, names or [], prefix, maxreq, seconds)
        if mode == "create" and res.ok > 100:
            self.create_rate = res.rate
        return res

    def delete_seconds(self, n: int, cap: int) -> int:
        """wrk runs for all of -d even when its bound is met early: size -d for deleting n objects
        at a little under the create rate seen (the figure itself is timed first to last answer)."""
        return max(3, min(cap, int(n / (0.6 * self.create_rate)) + 3))

    def fill(self, client: Client, ns: str, target: int, prefix: str, cap_seconds: float) -> int:
        """Create ConfigMaps in ``ns`` until it holds ``target`` (bounded by ``cap_seconds``)."""
        deadline = time.perf_counter() + cap_seconds
        have = count_objects(client, ns)
        for step in range(20):
            if have >= target:
                break
            left = deadline - time.perf_counter()
            if left <= 1:
                break
            self.run("create", ns, seconds=int(left), maxreq=target - have, prefix=f"{prefix}-{step}",
                     loading=True)
            time.sleep(0.2)  # let in-flight creates land before counting
            have = count_objects(client, ns)
        return have


# --------------------------------------------------------------------------------------------------
# watch fan-out

_NAME_RE = re.compile(rb'"name":"(fanout-[0-9a-z-]+)"')


class _Arrivals:
    def __init__(self, watchers: int) -> None:
        self.watchers = watchers
        self.times: dict[str, list[float]] = {}
        self.complete: dict[str, asyncio.Event] = {}

    def expect(self, name: str) -> asyncio.Event:
        self.times.setdefault(name, [])
        return self.complete.setdefault(name, asyncio.Event())

    def record(self, name: str, when: float) -> None:
        got = self.times.setdefault(name, [])
        got.append(when)
        if len(got) >= self.watchers and name in self.complete:
            self.complete[name].set()


class _WatchProtocol(asyncio.Protocol):
    """One watcher: a raw HTTP/1.1 GET ?watch=true; stamps each event line when it is complete."""

    def __init__(self, request: bytes, arrivals: _Arrivals, headers_seen: asyncio.Future[int]) -> None:
        self.request = request
        self.arrivals = arrivals
        self.headers_seen = headers_seen
        self.buf = b""
        self.status: int | None = None
        self.transport: asyncio.Transport | None = None
        self.seen: set[str] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        buf = self.buf + data
        if self.status is None:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return
            try:
                self.status = int(buf.split(b" ", 2)[1])
            except (IndexError, ValueError):
                self.status = 0
            if not self.headers_seen.done():
                self.headers_seen.set_result(self.status)
            buf = buf[end + 4:]
        nl = buf.rfind(b"\n")
        if nl < 0:
            self.buf = buf
            return
        complete, self.buf = buf[:nl + 1], buf[nl + 1:]
        for m in _NAME_RE.finditer(complete):
            name = m.group(1).decode()
            if name not in self.seen:
                self.seen.add(name)
                self.arrivals.record(name, now)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.headers_seen.done():
            self.headers_seen.set_result(-1)


@dataclass
class WatchResult:
    watchers: int
    connected: int
    writes: int
    samples: list[float] = field(default_factory=list)  # ms, one per (write, watcher) delivered
    missing: int = 0
    write_ms: list[float] = field(default_factory=list)  # the write request's own latency
    setup_seconds: float = 0.0

    def pct(self, p: float) -> float:
        s = sorted(self.samples)
        return s[min(len(s) - 1, int(len(s) * p / 100))] if s else float("nan")


async def watch_fanout(port: int, ns: str, watchers: int, writes: int, gap: float = 0.2,
                       deliver_timeout: float = 10.0, setup_timeout: float = 60.0) -> WatchResult:
    import aiohttp

    loop = asyncio.get_running_loop()
    base = f"/api/v1/namespaces/{ns}/configmaps"
    res = WatchResult(watchers=watchers, connected=0, writes=0)
    arrivals = _Arrivals(watchers)
    protos: list[_WatchProtocol] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as s:
        async with s.get(f"http://{HOST}:{port}{base}?limit=1") as r:
            rv = (await r.json())["metadata"]["resourceVersion"]
        request = (f"GET {base}?watch=true&resourceVersion={rv}&timeoutSeconds=300 HTTP/1.1\r\n"
                   f"Host: {HOST}:{port}\r\nAccept: application/json\r\n\r\n").encode()
        t_setup = time.perf_counter()
        try:
            for start in range(0, watchers, 100):  # in batches: the listen backlog is 128
                batch = []
                for _ in range(start, min(watchers, start + 100)):
                    fut: asyncio.Future[int] = loop.create_future()
                    batch.append(loop.create_connection(
                        lambda fut=fut: _WatchProtocol(request, arrivals, fut), HOST, port))
                for _transport, proto in await asyncio.wait_for(asyncio.gather(*batch), setup_timeout):
                    protos.append(proto)
            statuses = await asyncio.wait_for(asyncio.gather(*(p.headers_seen for p in protos)), setup_timeout)
            res.connected = sum(1 for st in statuses if st == 200)
            res.setup_seconds = time.perf_counter() - t_setup
            if res.connected < watchers:
                raise RuntimeError(f"only {res.connected} of {watchers} watches answered 200")
            await asyncio.sleep(0.5)  # let the server finish registering every watcher
            url = f"http://{HOST}:{port}{base}"
            for k in range(writes):
                name = f"fanout-{watchers}-{k}"
                done = arrivals.expect(name)
                body = json.dumps(configmap(ns, name, k)).encode()
                t0 = time.perf_counter()
                async with s.post(url, data=body, headers={"Content-Type": "application/json"}) as r:
                    await r.read()
                    if r.status != 201:
                        raise RuntimeError(f"write {name}: HTTP {r.status}")
                res.write_ms.append((time.perf_counter() - t0) * 1000)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), deliver_timeout)
                got = arrivals.times[name]
                res.samples.extend((t - t0) * 1000 for t in got)
                res.missing += watchers - len(got)
                res.writes += 1
                await asyncio.sleep(gap)
        finally:
            for p in protos:
                if p.transport is not None:
                    p.transport.close()
    return res


# --------------------------------------------------------------------------------------------------
# LIST


def timed_get(client: Client, path: str) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    status, data = client.request("GET", path)
    dt = time.perf_counter() - t0
    if status != 200:
        raise RuntimeError(f"GET {path}: HTTP {status}: {data[:300]!r}")
    return dt, data


def list_full(client: Client, ns: str) -> tuple[float, int, int]:
    """Seconds for one full LIST (send to last byte), its size in bytes, its item count."""
    dt, data = timed_get(client, f"/api/v1/namespaces/{ns}/configmaps")
    return dt, len(data), len(_loads(data).get("items") or [])


def list_paged(client: Client, ns: str, limit: int = PAGE) -> tuple[float, int, int]:
    """Seconds for a paged LIST (sum over pages, client-side JSON parsing excluded), pages, items."""
    total, pages, items, token = 0.0, 0, 0, ""
    for _ in range(10_000):
        q = f"limit={limit}" + (f"&continue={token}" if token else "")
        dt, data = timed_get(client, f"/api/v1/namespaces/{ns}/configmaps?{q}")
        total += dt
        pages += 1
        out = _loads(data)
        items += len(out.get("items") or [])
        token = out.get("metadata", {}).get("continue") or ""
        if not token:
            break
    return total, pages, items


# --------------------------------------------------------------------------------------------------
# the report


@dataclass
class Row:
    metric: str
    value: float | None
    unit: str
    fmt: str = "{:.0f}"
    ref: float | None = None
    ref_text: str = ""
    target: float | None = None
    higher_is_better: bool = True
    note: str = ""

    def cells(self) -> list[str]:
        val = "n/a" if self.value is None or self.value != self.value else self.fmt.format(self.value)
        ref = self.ref_text or ("" if self.ref is None else self.fmt.format(self.ref))
        ratio = ""
        if self.ref and self.value is not None and self.value == self.value:
            ratio = f"{self.value / self.ref:.2f}x"
        met = "—"
        if self.target is not None:
            if self.value is None or self.value != self.value:
                met = "n/a"
            else:
                good = self.value >= self.target if self.higher_is_better else self.value <= self.target
                op = ">=" if self.higher_is_better else "<="
                met = f"{'yes' if good else 'NO'} ({op} {self.fmt.format(self.target)})"
        return [self.metric, f"{val} {self.unit}".strip(), f"{ref} {self.unit}".strip() if ref else "",
                ratio, met, self.note]


def render(rows: list[Row], markdown: bool = False) -> str:
    head = ["metric", "kapi", "reference", "ratio", "target met?", "note"]
    table = [head] + [r.cells() for r in rows]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in table[1:]]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    out = []
    for n, row in enumerate(table):
        out.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def machine_line() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError), open("/proc/meminfo") as f:
        mem = f"{int(f.readline().split()[1]) / MB:.0f} GiB"
    return f"{os.cpu_count()} cores ({cpu}), {mem}, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"


def _profiled(server: Server, profile_dir: Path | None, phase: str) -> contextlib.AbstractContextManager[None]:
    @contextlib.contextmanager
    def cm() -> Iterator[None]:
        if profile_dir is None or server.proc is None or not shutil.which("py-spy"):
            yield
            return
        out = profile_dir / f"{phase}.svg"
        spy = subprocess.Popen(["py-spy", "record", "--pid", str(server.proc.pid), "--nonblocking",
                                "--rate", "200", "--output", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        try:
            yield
        finally:
            spy.send_signal(signal.SIGINT)
            try:
                spy.wait(timeout=30)
            except subprocess.TimeoutExpired:
                spy.kill()
                spy.wait()
            print(f"    profile: {out}", flush=True)
    return cm()


# --------------------------------------------------------------------------------------------------
# the phases


class Bench:
    def __init__(self, args: argparse.Namespace, settings: Settings, workdir: Path) -> None:
        self.args = args
        self.s = settings
        self.workdir = workdir
        self.rows: list[Row] = []
        self.raw: dict[str, Any] = {}
        self.crud_names: list[str] = []
        self.profile_dir = Path(args.profile).resolve() if args.profile else None
        if self.profile_dir:
            self.profile_dir.mkdir(parents=True, exist_ok=True)

    def data_dir(self, tag: str) -> str | None:
        if self.args.base_dir is None:
            return None
        d = Path(tempfile.mkdtemp(prefix=f"kapi-bench-{tag}-", dir=self.args.base_dir))
        return str(d)

    # ---- cold start
    def coldstart(self) -> None:
        runs = []
        for i in range(self.s.coldstart_runs):
            server = Server(self.workdir, self.data_dir(f"cold{i}"), tag=f"cold{i}")
            try:
                runs.append(server.start(timeout=30.0))
            finally:
                server.stop()
                if server.data_dir:
                    shutil.rmtree(server.data_dir, ignore_errors=True)
        med = statistics.median(runs)
        print(f"  cold start: median {med * 1000:.0f} ms over {len(runs)} runs "
              f"({', '.join(f'{r * 1000:.0f}' for r in runs)} ms)", flush=True)
        self.raw["coldstart_s"] = runs
        self.rows.append(Row("cold start to /readyz 200 (median)", med, "s", "{:.2f}", target=0.5,
                             higher_is_better=False,
                             note=f"{len(runs)} runs, min {min(runs):.2f} / max {max(runs):.2f} s"))

    # ---- CRUD
    def crud(self, server: Server, client: Client, gen: LoadGen, phases: list[str]) -> None:
        refs = {"create": 2300.0, "get": 5400.0, "put": 1900.0, "delete": 2250.0}
        secs = self.s.crud_seconds
        ensure_namespace(client, NS_CRUD)
        for mode in ("create", "get", "put", "delete"):
            if mode not in phases:
                continue
            if mode != "create" and not self.crud_names:
                have = gen.fill(client, NS_CRUD, self.s.seed_objects, "seed", self.s.load_cap_seconds)
                self.crud_names = list_names(client, NS_CRUD)
                print(f"  (seeded {have} ConfigMaps for {mode})", flush=True)
            with _profiled(server, self.profile_dir, mode):
                if mode == "create":
                    res = gen.run("create", NS_CRUD, seconds=secs, maxreq=2_000_000, prefix=f"c{os.getpid()}")
                elif mode == "delete":
                    res = gen.run("delete", NS_CRUD, names=self.crud_names,
                                  seconds=gen.delete_seconds(len(self.crud_names), max(3 * secs, 30)))
                else:
                    res = gen.run(mode, NS_CRUD, seconds=secs, names=self.crud_names)
            if mode == "create":
                time.sleep(0.2)
                self.crud_names = list_names(client, NS_CRUD)
            elif mode == "delete":
                self.crud_names = []
            print(f"  {mode:6s}: {res.rate:7.0f} req/s  p50 {res.p50_ms:6.2f} ms  p99 {res.p99_ms:6.2f} ms  "
                  f"max {res.max_ms:6.1f} ms  ({res.ok} ok, {res.bad} not 2xx in {res.seconds:.1f} s"
                  f"{', ' + res.errors if res.errors else ''})", flush=True)
            self.raw[mode] = res.__dict__ | {"rate": res.rate}
            label = mode.upper()
            self.rows.append(Row(f"{label} throughput (32 clients)", res.rate, "req/s", ref=refs[mode],
                                 target=refs[mode], note=f"{res.tool}; {res.bad} not 2xx" if res.bad else res.tool))
            self.rows.append(Row(f"{label} latency p50", res.p50_ms, "ms", "{:.1f}"))
            self.rows.append(Row(f"{label} latency p99", res.p99_ms, "ms", "{:.1f}",
                                 note=f"max {res.max_ms:.0f} ms"))
            if not server.alive():
                raise RuntimeError(f"server died during {mode}:\n{server.log_tail()}")

    # ---- watch
    def watch(self, server: Server, client: Client) -> None:
        for n in self.s.watcher_counts:
            ns = f"{NS_WATCH}-{n}"
            ensure_namespace(client, ns)
            with _profiled(server, self.profile_dir, f"watch{n}"):
                res = asyncio.run(watch_fanout(server.port, ns, n, self.s.watch_writes))
            p50, p99 = res.pct(50), res.pct(99)
            print(f"  watch {n:5d} watchers: p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  max {res.pct(100):6.1f} ms "
                  f"over {res.writes} writes ({len(res.samples)} deliveries, {res.missing} missing; "
                  f"write itself p50 {statistics.median(res.write_ms):.1f} ms; "
                  f"{n} watches opened in {res.setup_seconds:.1f} s)", flush=True)
            self.raw[f"watch{n}"] = {"p50_ms": p50, "p99_ms": p99, "max_ms": res.pct(100), "writes": res.writes,
                                     "deliveries": len(res.samples), "missing": res.missing,
                                     "write_ms": res.write_ms, "setup_s": res.setup_seconds}
            note = f"{res.writes} writes; p50 {p50:.1f} ms"
            if res.missing:
                note += f"; {res.missing} deliveries MISSING"
            ref = 36.0 if n == 200 else None
            target = 50.0 if n == 1000 else None
            self.rows.append(Row(f"watch fan-out {n} watchers, p99", p99, "ms", "{:.1f}", ref=ref,
                                 target=target, higher_is_better=False, note=note))
            # let the server notice the closed watches (it does on the next event) before the next round
            with contextlib.suppress(Exception):
                client.json("POST", f"/api/v1/namespaces/{ns}/configmaps", configmap(ns, f"after-{n}", 0))
            time.sleep(0.5)
            if not server.alive():
                raise RuntimeError(f"server died during watch:\n{server.log_tail()}")

    # ---- LIST
    def lists(self, server: Server, client: Client, gen: LoadGen) -> None:
        ensure_namespace(client, NS_LIST)
        targets = {2000: 29.0}
        for size in self.s.list_sizes:
            t0 = time.perf_counter()
            have = gen.fill(client, NS_LIST, size, f"l{size}", self.s.load_cap_seconds)
            load_s = time.perf_counter() - t0
            print(f"  loaded {NS_LIST} to {have} ConfigMaps in {load_s:.1f} s", flush=True)
            if have < size:
                print(f"  WARNING: only {have} of {size} objects could be loaded in the time cap", flush=True)
            repeats = self.s.list_repeats if size < 100000 else max(2, self.s.list_repeats - 2)
            with _profiled(server, self.profile_dir, f"list{size}"):
                full = [list_full(client, NS_LIST) for _ in range(repeats)]
                paged = [list_paged(client, NS_LIST) for _ in range(repeats)]
            full_ms = statistics.median(t for t, _, _ in full) * 1000
            paged_ms = statistics.median(t for t, _, _ in paged) * 1000
            nbytes, items = full[0][1], full[0][2]
            pages, pitems = paged[0][1], paged[0][2]
            label = f"{size // 1000}k"
            print(f"  LIST {label:>4s} ({items} items, {nbytes / MB:.1f} MB): full {full_ms:7.1f} ms, "
                  f"paged {paged_ms:7.1f} ms ({pages} pages, {pitems} items); medians of {repeats}", flush=True)
            self.raw[f"list{size}"] = {"items": items, "bytes": nbytes, "full_ms": [t * 1000 for t, _, _ in full],
                                       "paged_ms": [t * 1000 for t, _, _ in paged], "pages": pages,
                                       "load_s": load_s}
            self.rows.append(Row(f"LIST {label} full (1 request)", full_ms, "ms", "{:.0f}", ref=targets.get(size),
                                 target=150.0 if size == 10000 else None, higher_is_better=False,
                                 note=f"{items} items, {nbytes / MB:.1f} MB"))
            self.rows.append(Row(f"LIST {label} paged (limit={PAGE})", paged_ms, "ms", "{:.0f}",
                                 higher_is_better=False, note=f"{pages} pages; sum of requests"))
            if not server.alive():
                raise RuntimeError(f"server died during list:\n{server.log_tail()}")

    # ---- RSS, on a server of its own so that no other phase's history is in it
    def rss(self, tool: str) -> None:
        server = Server(self.workdir, self.data_dir("rss"), tag="rss")
        try:
            server.start()
            time.sleep(1.0)
            idle = server.rss_mb()
            client = Client(server.port)
            ensure_namespace(client, NS_LIST)
            have = LoadGen(server.port, tool, self.workdir).fill(client, NS_LIST, 10000, "rss",
                                                                 self.s.load_cap_seconds)
            client.close()
            time.sleep(1.0)
            loaded = server.rss_mb()
        finally:
            server.stop()
            if server.data_dir:
                shutil.rmtree(server.data_dir, ignore_errors=True)
        print(f"  idle RSS {idle:.0f} MB; after loading {have} ConfigMaps {loaded:.0f} MB", flush=True)
        self.raw["rss_idle_mb"] = idle
        self.raw["rss_10k_mb"] = loaded
        self.rows.append(Row("idle RSS after start", idle, "MB", ref=345.0,
                             ref_text="290-390 + 55 (etcd) = 345-445", target=80.0, higher_is_better=False,
                             note="1 s after /readyz"))
        self.rows.append(Row("RSS after loading 10k objects", loaded, "MB",
                             note=f"{have} ConfigMaps created on a fresh server; for information"))

    def run(self, phases: list[str], tool: str) -> None:
        if "coldstart" in phases:
            print("cold start ...", flush=True)
            self.coldstart()
        if "rss" in phases:
            print("RSS ...", flush=True)
            self.rss(tool)
        if not set(phases) - {"coldstart", "rss"}:
            return
        server = Server(self.workdir, self.data_dir("main"))
        print(f"starting kapi serve ({'--data-dir ' + server.data_dir if server.data_dir else '--ephemeral'}, "
              f"port {server.port}) ...", flush=True)
        try:
            server.start()
            client = Client(server.port)
            gen = LoadGen(server.port, tool, self.workdir)
            crud = [p for p in phases if p in ("create", "get", "put", "delete")]
            if crud:
                print(f"CRUD, {CONCURRENCY} concurrent clients, {tool} ...", flush=True)
                self.crud(server, client, gen, crud)
            if "watch" in phases:
                print("watch fan-out ...", flush=True)
                self.watch(server, client)
            if "list" in phases:
                print("LIST ...", flush=True)
                self.lists(server, client, gen)
            self.raw["rss_end_mb"] = server.rss_mb()
            self.raw["rss_peak_mb"] = server.peak_rss_mb()
            self.rows.append(Row("RSS of the loaded server at the end", self.raw["rss_end_mb"], "MB",
                                 note=f"peak (VmHWM) {self.raw['rss_peak_mb']:.0f} MB; after every phase run; "
                                      "for information"))
            client.close()
        finally:
            server.stop()
            if server.data_dir:
                shutil.rmtree(server.data_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="shorter phases, no 100k LIST (about a minute)")
    ap.add_argument("--only", help=f"comma-separated phases out of {','.join(PHASES)}")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--data-dir", dest="base_dir",
                       help="durable mode: the server keeps its SQLite state in a fresh directory under DIR")
    where.add_argument("--durable", action="store_true", help="durable mode in a fresh directory under /var/tmp")
    ap.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                    help="CRUD load generator (auto: wrk if installed)")
    ap.add_argument("--seconds", type=int, help="length of each CRUD phase (default 10, --quick 3)")
    ap.add_argument("--json", help="also write every figure to this JSON file")
    ap.add_argument("--profile", metavar="DIR",
                    help="record a py-spy flame graph of the server per phase into DIR (pip install py-spy); "
                         "figures taken with it are not comparable")
    args = ap.parse_args(argv)
    if args.durable:
        args.base_dir = "/var/tmp"
    if args.base_dir:
        Path(args.base_dir).mkdir(parents=True, exist_ok=True)
    phases = list(PHASES)
    if args.only:
        phases = [p.strip() for p in args.only.split(",") if p.strip()]
        unknown = [p for p in phases if p not in PHASES]
        if unknown:
            ap.error(f"unknown phase(s) {', '.join(unknown)}; choose from {', '.join(PHASES)}")
    settings = QUICK if args.quick else FULL
    if args.seconds:
        settings = Settings(**{**settings.__dict__, "crud_seconds": args.seconds})

    tool = args.client
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
        if tool == "python" and {"create", "get", "put", "delete", "list"} & set(phases):
            print("note: wrk not found (install it with `apt-get install wrk`); using the multi-process "
                  "Python client, which competes with the server for the 2 cores and reads lower",
                  flush=True)
    elif tool == "wrk" and not shutil.which("wrk"):
        ap.error("--client wrk: wrk is not installed (apt-get install wrk)")
    nofile = raise_nofile()
    mode = f"durable (--data-dir under {args.base_dir})" if args.base_dir else "ephemeral (--ephemeral)"
    started = datetime.datetime.now(datetime.UTC)
    print(f"kapi API benchmark, {started:%Y-%m-%d %H:%M} UTC; {machine_line()}\n"
          f"server mode: {mode}; load: {tool}; open-files limit {nofile}; phases: {','.join(phases)}",
          flush=True)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kapi-bench-") as tmp:
        bench = Bench(args, settings, Path(tmp))
        failed = None
        try:
            bench.run(phases, tool)
        except Exception as exc:
            failed = exc
            print(f"\nbenchmark stopped early: {type(exc).__name__}: {exc}", flush=True)
    total = time.perf_counter() - t0
    print(f"\nResults ({mode}, load: {tool}; ratio = kapi / reference; for ms, s and MB lower is better), "
          f"total {total:.0f} s\n")
    print(render(bench.rows))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "date": started.isoformat(timespec="seconds"), "machine": machine_line(), "mode": mode,
            "tool": tool, "quick": args.quick, "phases": phases, "seconds": total, "raw": bench.raw,
            "table_markdown": render(bench.rows, markdown=True)}, indent=1, default=str))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
