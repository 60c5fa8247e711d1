"""CustomResourceDefinition benchmark: how fast a CRD is served, and custom objects against ConfigMaps.

    python bench/bench_crd.py [--quick] [--crds N] [--seconds S] [--list-size N]
                              [--client auto|wrk|python] [--json FILE]

Starts ``python -m kapi.cli serve --ephemeral`` in a child process (as bench/bench_api.py does) and
measures:

* CRD readiness, for each of N fresh CRDs (default 10): the time from sending the CRD's POST to the
  first GET that shows ``Established=True`` (polled every 1 ms on a keep-alive connection), and to
  the first custom-object POST that answers 201 (retried every 1 ms until then); median and max.
* CREATE / GET / LIST throughput at 32 concurrent clients (wrk, one thread, with a Lua script this
  file writes to a temporary directory) of custom objects of a realistic CRD (~40 fields across
  spec and status: nested objects, arrays of objects, enums, patterns, formats, defaults, a map),
  against the same figures for ConfigMaps that carry the same spec and status as two JSON strings
  (so the request bodies are about as large). LIST reads a namespace of ``--list-size`` (100) objects.

Prints a table (metric, custom objects, ConfigMaps, ratio = custom / ConfigMap, target met?).
Targets: Established <= 100 ms; custom-object CREATE >= 80 % of ConfigMap CREATE. Figures are
printed, never asserted. All traffic stays on 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_api import (
    CONCURRENCY,
    HOST,
    Client,
    Row,
    Server,
    ensure_namespace,
    machine_line,
    raise_nofile,
    render,
)

GROUP = "bench.kapi.test"
VERSION = "v1"
NS_CR, NS_CM = "bench-crd-cr", "bench-crd-cm"
NS_CR_LIST, NS_CM_LIST = "bench-crd-cr-list", "bench-crd-cm-list"
PAGE = 500

# --------------------------------------------------------------------------------------------------
# the realistic CRD: a managed database


def _s(**kw: Any) -> dict[str, Any]:
    return {"type": "string", **kw}


def _i(**kw: Any) -> dict[str, Any]:
    return {"type": "integer", **kw}


def _b(**kw: Any) -> dict[str, Any]:
    return {"type": "boolean", **kw}


def _o(props: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, **kw}


QUANTITY = r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$"
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"

DATABASE_SCHEMA: dict[str, Any] = _o({
    "spec": _o({
        "engine": _s(enum=["postgres", "mysql", "mariadb"]),
        "version": _s(pattern=r"^[0-9]+\.[0-9]+(\.[0-9]+)?$"),
        "replicas": _i(minimum=1, maximum=9, default=1),
        "paused": _b(default=False),
        "storage": _o({
            "size": _s(pattern=QUANTITY),
            "storageClassName": _s(default="standard"),
            "encrypted": _b(),
            "iops": _i(minimum=100),
        }, required=["size"]),
        "resources": _o({
            "requests": _o({"cpu": _s(pattern=QUANTITY), "memory": _s(pattern=QUANTITY)}),
            "limits": _o({"cpu": _s(pattern=QUANTITY), "memory": _s(pattern=QUANTITY)}),
        }),
        "backup": _o({
            "enabled": _b(),
            "schedule": _s(pattern=r"^(\S+\s){4}\S+$"),
            "retentionDays": _i(minimum=1, maximum=365),
            "destination": _o({"bucket": _s(pattern=DNS_LABEL), "prefix": _s(), "region": _s()}),
        }),
        "users": {"type": "array", "maxItems": 16, "items": _o({
            "name": _s(pattern=DNS_LABEL, maxLength=63),
            "roles": {"type": "array", "items": _s(enum=["owner", "reader", "writer", "replication"])},
            "passwordSecretRef": _o({"name": _s(), "key": _s()}, required=["name"]),
        }, required=["name"])},
        "parameters": {"type": "object", "additionalProperties": {"type": "string"}},
        "tls": _o({"enabled": _b(), "issuerRef": _o({"name": _s(), "kind": _s(enum=["Issuer", "ClusterIssuer"])})}),
        "maintenance": _o({"day": _s(enum=["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]),
                           "start": _s(pattern=r"^[0-2][0-9]:[0-5][0-9]$"),
                           "durationMinutes": _i(minimum=30, maximum=480)}),
        "monitoring": _o({"enabled": _b(), "port": _i(minimum=1, maximum=65535),
                          "interval": _s(pattern=r"^[0-9]+(s|m)$")}),
    }, required=["engine", "version", "storage"]),
    "status": _o({
        "phase": _s(enum=["Pending", "Provisioning", "Ready", "Failed"]),
        "observedGeneration": _i(),
        "readyReplicas": _i(),
        "endpoint": _s(),
        "currentVersion": _s(),
        "conditions": {"type": "array", "items": _o({
            "type": _s(), "status": _s(enum=["True", "False", "Unknown"]), "reason": _s(), "message": _s(),
            "lastTransitionTime": _s(format="date-time"),
        }, required=["type", "status"])},
        "lastBackup": _o({"time": _s(format="date-time"), "sizeBytes": _i(), "succeeded": _b()}),
    }),
})


def database_crd(plural: str, kind: str) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{GROUP}"},
        "spec": {
            "group": GROUP, "scope": "Namespaced",
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind, "listKind": f"{kind}List"},
            "versions": [{
                "name": VERSION, "served": True, "storage": True,
                "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas",
                                                        "statusReplicasPath": ".status.readyReplicas"}},
                "additionalPrinterColumns": [
                    {"name": "Engine", "type": "string", "jsonPath": ".spec.engine"},
                    {"name": "Version", "type": "string", "jsonPath": ".spec.version"},
                    {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                ],
                "schema": {"openAPIV3Schema": DATABASE_SCHEMA},
            }],
        },
    }


def database_spec() -> dict[str, Any]:
    return {
        "engine": "postgres", "version": "16.2", "replicas": 3,
        "storage": {"size": "20Gi", "encrypted": True, "iops": 3000},
        "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}},
        "backup": {"enabled": True, "schedule": "0 3 * * *", "retentionDays": 14,
                   "destination": {"bucket": "db-backups", "prefix": "prod/orders", "region": "eu-west-1"}},
        "users": [
            {"name": "app", "roles": ["reader", "writer"], "passwordSecretRef": {"name": "app-pw", "key": "password"}},
            {"name": "admin", "roles": ["owner"], "passwordSecretRef": {"name": "admin-pw", "key": "password"}},
        ],
        "parameters": {"max_connections": "200", "shared_buffers": "256MB"},
        "tls": {"enabled": True, "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"}},
        "maintenance": {"day": "Sun", "start": "02:30", "durationMinutes": 60},
        "monitoring": {"enabled": True, "port": 9187, "interval": "30s"},
    }


def database_status() -> dict[str, Any]:
    return {
        "phase": "Ready", "observedGeneration": 1, "readyReplicas": 3, "endpoint": "orders-db.svc:5432",
        "currentVersion": "16.2",
        "conditions": [{"type": "Ready", "status": "True", "reason": "AllReplicasReady", "message": "3/3 ready",
                        "lastTransitionTime": "2026-11-25T10:00:00Z"}],
        "lastBackup": {"time": "2026-11-25T03:00:12Z", "sizeBytes": 1234567890, "succeeded": True},
    }


def database(ns: str, name: str, plural_kind: tuple[str, str] = ("databases", "Database")) -> dict[str, Any]:
    # the status is sent too (realistic for a restore or a GitOps export); with a status
    # subresource the server drops it on create, as Kubernetes does
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": plural_kind[1],
            "metadata": {"name": name, "namespace": ns, "labels": {"bench": "kapi", "app": "orders"}},
            "spec": database_spec(), "status": database_status()}


def configmap(ns: str, name: str) -> dict[str, Any]:
    """A ConfigMap carrying the same spec and status as a Database, as two JSON documents (a config file
    in a ConfigMap); the request body is about as large (escaped quotes make it ~15 % larger)."""
    def doc(value: dict[str, Any]) -> str:
        return json.dumps(value, separators=(",", ":"))

    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": ns, "labels": {"bench": "kapi", "app": "orders"}},
            "data": {"spec.json": doc(database_spec()), "status.json": doc(database_status())}}


def count_fields(schema: dict[str, Any]) -> int:
    n = 0
    for prop in (schema.get("properties") or {}).values():
        n += 1
        n += count_fields(prop)
        if prop.get("type") == "array":
            n += count_fields(prop.get("items") or {})
    return n


# --------------------------------------------------------------------------------------------------
# load generation: wrk with a generic Lua script (create from a body template, GET by name, LIST)

WRK_LUA = r"""
-- written by bench/bench_crd.py:  wrk ... -s THIS URL -- MODE BASE SOURCE MAX [EXIT]
-- MODE create: SOURCE is "PREFIX|TEMPLATE_FILE"; the body is the file's text with __NAME__ replaced
--      get:    SOURCE is a file of names, one a line;  list: SOURCE is the query string
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } crd_timespec;
int clock_gettime(int clk_id, crd_timespec *tp);
]]
local ts = ffi.new("crd_timespec")
local function now_us()
   ffi.C.clock_gettime(1, ts)
   return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
local mode, base, src, maxreq, prefix, template, query
local names, nnames = {}, 0
local calls, sent, responses = 0, 0, 0
ok, bad, notfound, spares, t_first, t_last = 0, 0, 0, 0, nil, nil
local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
function init(args)
   mode, base, src, maxreq = args[1], args[2], args[3], tonumber(args[4] or "0") or 0
   exit_when_done = args[5] == "exit"
   if mode == "create" then
      local bar = string.find(src, "|", 1, true)
      prefix = string.sub(src, 1, bar - 1) .. "-"
      local f = assert(io.open(string.sub(src, bar + 1), "r"))
      template = f:read("*a")
      f:close()
   elseif mode == "get" then
      for line in io.lines(src) do
         if line ~= "" then nnames = nnames + 1; names[nnames] = line end
      end
      if nnames == 0 then error("no names in " .. src) end
   else
      query = src
   end
end
function request()
   calls = calls + 1
   if calls == 1 then return wrk.format("GET", base .. "/bench-none", headers) end
   if maxreq > 0 and sent >= maxreq then
      spares = spares + 1
      return wrk.format("GET", base .. "/bench-none", headers)
   end
   sent = sent + 1
   if sent == 1 then t_first = now_us() end
   if mode == "create" then
      local body = string.gsub(template, "__NAME__", prefix .. sent)
      return wrk.format("POST", base, headers, body)
   elseif mode == "get" then
      return wrk.format("GET", base .. "/" .. names[((sent - 1) % nnames) + 1], headers)
   end
   return wrk.format("GET", base .. "?" .. query, headers)
end
function response(status, hdrs, body)
   responses = responses + 1
   if status >= 200 and status < 300 then ok = ok + 1; t_last = now_us()
   elseif status == 404 then notfound = notfound + 1
   else bad = bad + 1 end
   if maxreq > 0 and (ok >= maxreq or responses >= 2 * maxreq) then
      if exit_when_done then
         io.write(string.format('BENCHJSON {"ok":%d,"bad":%d,"notfound":%d,"spares":%d,"elapsed_us":%d,'
            .. '"p50_us":0,"p99_us":0}\n', ok, bad, notfound, spares, (t_last or now_us()) - (t_first or now_us())))
         io.flush()
         os.exit(0)
      end
      wrk.thread:stop()
   end
end
function done(summary, latency, requests)
   local n_ok, n_bad, n_404, n_spare, first, last = 0, 0, 0, 0, nil, nil
   for _, t in ipairs(threads) do
      n_ok = n_ok + (t:get("ok") or 0); n_bad = n_bad + (t:get("bad") or 0)
      n_404 = n_404 + (t:get("notfound") or 0); n_spare = n_spare + (t:get("spares") or 0)
      local f, l = t:get("t_first"), t:get("t_last")
      if f and (first == nil or f < first) then first = f end
      if l and (last == nil or l > last) then last = l end
   end
   local elapsed = (first and last) and (last - first) or summary.duration
   io.write(string.format('BENCHJSON {"ok":%d,"bad":%d,"notfound":%d,"spares":%d,"elapsed_us":%d,'
      .. '"p50_us":%d,"p99_us":%d}\n', n_ok, n_bad, n_404, n_spare, elapsed,
      latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass
class Load:
    ok: int
    bad: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0


class LoadGen:
    def __init__(self, port: int, tool: str, workdir: Path) -> None:
        self.port = port
        self.tool = tool
        self.workdir = workdir
        self.script = workdir / "wrk_crd.lua"
        self.script.write_text(WRK_LUA)
        self.files = 0

    def _file(self, text: str) -> str:
        self.files += 1
        path = self.workdir / f"input-{self.files}.txt"
        path.write_text(text)
        return str(path)

    def create(self, base: str, body: dict[str, Any], prefix: str, seconds: int, maxreq: int = 0,
               loading: bool = False) -> Load:
        template = json.dumps(body, separators=(",", ":"))
        if "__NAME__" not in template:
            raise ValueError("the body template needs the name __NAME__")
        if self.tool == "wrk":
            return self._wrk("create", base, f"{prefix}|{self._file(template)}", seconds, maxreq, loading)
        return self._python("create", base, [], template, prefix, seconds, maxreq)

    def get(self, base: str, names: list[str], seconds: int) -> Load:
        if self.tool == "wrk":
            return self._wrk("get", base, self._file("\n".join(names) + "\n"), seconds, 0, False)
        return self._python("get", base, names, "", "", seconds, 0)

    def list(self, base: str, query: str, seconds: int) -> Load:
        if self.tool == "wrk":
            return self._wrk("list", base, query, seconds, 0, False)
        return self._python("list", base, [], query, "", seconds, 0)

    def _wrk(self, mode: str, base: str, source: str, seconds: int, maxreq: int, loading: bool) -> Load:
        cmd = ["wrk", "-t1", f"-c{CONCURRENCY}", f"-d{max(1, seconds)}s", "--timeout", "10s", "-s", str(self.script),
               f"http://{HOST}:{self.port}", "--", mode, base, source, str(maxreq)]
        if loading:
            cmd.append("exit")
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=False)
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
        if line is None:
            raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stdout[-500:]} {proc.stderr[-500:]}")
        r = json.loads(line.split(" ", 1)[1])
        return Load(ok=r["ok"], bad=r["bad"] + max(0, r["notfound"] - r["spares"]), seconds=r["elapsed_us"] / 1e6,
                    p50_ms=r["p50_us"] / 1000, p99_ms=r["p99_us"] / 1000)

    def _python(self, mode: str, base: str, names: list[str], extra: str, prefix: str, seconds: int,
                maxreq: int, procs: int = 2) -> Load:
        jobs = [(self.port, mode, base, names[i::procs] or names, extra, f"{prefix}-p{i}", CONCURRENCY // procs,
                 float(seconds), maxreq // procs if maxreq else 0) for i in range(procs)]
        with ProcessPoolExecutor(max_workers=procs, mp_context=get_context("fork")) as pool:
            outs = list(pool.map(_py_worker, jobs, timeout=seconds + 60))
        lats = sorted(x for o in outs for x in o["lats"])
        elapsed = max(o["end"] for o in outs) - min(o["start"] for o in outs)

        def pct(p: float) -> float:
            return lats[min(len(lats) - 1, int(len(lats) * p / 100))] * 1000 if lats else float("nan")

        return Load(ok=sum(o["ok"] for o in outs), bad=sum(o["bad"] for o in outs), seconds=elapsed,
                    p50_ms=pct(50), p99_ms=pct(99))


async def _py_client(port: int, mode: str, base: str, names: list[str], extra: str, prefix: str, conns: int,
                     seconds: float, maxreq: int) -> dict[str, Any]:
    import aiohttp

    url = f"http://{HOST}:{port}{base}"
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    lats: list[float] = []
    counts = {"ok": 0, "bad": 0, "n": 0}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=conns),
                                     timeout=aiohttp.ClientTimeout(total=10)) as s:
        start = time.perf_counter()
        deadline = start + seconds

        async def one() -> None:
            while time.perf_counter() < deadline and not (maxreq and counts["n"] >= maxreq):
                counts["n"] += 1
                i = counts["n"]
                if mode == "create":
                    method, target, body = "POST", url, extra.replace("__NAME__", f"{prefix}-{i}").encode()
                elif mode == "get":
                    method, target, body = "GET", f"{url}/{names[i % len(names)]}", None
                else:
                    method, target, body = "GET", f"{url}?{extra}", None
                t0 = time.perf_counter()
                try:
                    async with s.request(method, target, data=body, headers=headers) as r:
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


# --------------------------------------------------------------------------------------------------
# phases


def list_names(client: Client, base: str) -> list[str]:
    names: list[str] = []
    token = ""
    for _ in range(10_000):
        out = client.json("GET", f"{base}?limit={PAGE}" + (f"&continue={token}" if token else ""))
        names.extend(item["metadata"]["name"] for item in out.get("items") or [])
        token = out.get("metadata", {}).get("continue") or ""
        if not token:
            break
    return names


def is_established(crd: dict[str, Any]) -> bool:
    conds = (crd.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in conds)


def crd_readiness(client: Client, runs: int, timeout: float = 10.0) -> dict[str, Any]:
    """Seconds from each CRD's POST to Established, and to its first custom object created."""
    out: dict[str, Any] = {"established": [], "first_create": [], "post": [], "failed_creates": {}}
    failures: dict[int, int] = out["failed_creates"]  # answers to custom-object POSTs before the first 201
    crd_path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    stamp = int(time.time())
    for n in range(runs):
        plural, kind = f"ready{stamp}x{n}s", f"Ready{stamp}x{n}"
        crd = database_crd(plural, kind)
        obj_base = f"/apis/{GROUP}/{VERSION}/namespaces/{NS_CR}/{plural}"
        body = database(NS_CR, "first", (plural, kind))
        t0 = time.perf_counter()
        status, data = client.request("POST", crd_path, crd)
        out["post"].append(time.perf_counter() - t0)
        if status not in (200, 201):
            raise RuntimeError(f"CRD create: HTTP {status}: {data[:300]!r}")
        deadline = t0 + timeout
        established = json.loads(data) if is_established(json.loads(data)) else None
        while established is None and time.perf_counter() < deadline:
            status, data = client.request("GET", f"{crd_path}/{plural}.{GROUP}")
            if status == 200 and is_established(json.loads(data)):
                established = True
                break
            time.sleep(0.001)
        if not established:
            raise RuntimeError(f"CRD {plural}.{GROUP} not Established after {timeout:.0f} s")
        out["established"].append(time.perf_counter() - t0)
        last = b""
        while time.perf_counter() < deadline:
            status, last = client.request("POST", obj_base, body)
            if status in (200, 201):
                out["first_create"].append(time.perf_counter() - t0)
                break
            failures[status] = failures.get(status, 0) + 1
            time.sleep(0.001)
        else:
            raise RuntimeError(f"no custom object of {plural} created after {timeout:.0f} s: {last[:300]!r}")
    return out


def run(args: argparse.Namespace, tool: str, workdir: Path) -> tuple[list[Row], dict[str, Any]]:
    rows: list[Row] = []
    raw: dict[str, Any] = {}
    server = Server(workdir, None, tag="crd")
    print(f"starting kapi serve --ephemeral on port {server.port} ...", flush=True)
    server.start()
    try:
        client = Client(server.port)
        for ns in (NS_CR, NS_CM, NS_CR_LIST, NS_CM_LIST):
            ensure_namespace(client, ns)

        print(f"CRD readiness, {args.crds} CRDs ...", flush=True)
        ready = crd_readiness(client, args.crds)
        raw["readiness_s"] = ready
        est, first = ready["established"], ready["first_create"]
        rows.append(Row("CRD POST -> Established, median", statistics.median(est) * 1000, "ms", fmt="{:.1f}",
                        target=100, higher_is_better=False,
                        note=f"max {max(est) * 1000:.1f} ms over {len(est)} CRDs; "
                             f"the CRD POST alone: median {statistics.median(ready['post']) * 1000:.1f} ms"))
        rows.append(Row("CRD POST -> first custom object created, median", statistics.median(first) * 1000, "ms",
                        fmt="{:.1f}", note=f"max {max(first) * 1000:.1f} ms; answers before the first 201: "
                                           f"{ready['failed_creates'] or 'none'}"))

        client.json("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                    database_crd("databases", "Database"))
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline:
            if is_established(client.json("GET", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
                                                 f"databases.{GROUP}")):
                break
            time.sleep(0.01)
        cr_base = f"/apis/{GROUP}/{VERSION}/namespaces/{{ns}}/databases"
        cm_base = "/api/v1/namespaces/{ns}/configmaps"
        kinds = {"custom": (cr_base, lambda ns: database(ns, "__NAME__"), NS_CR, NS_CR_LIST),
                 "configmap": (cm_base, lambda ns: configmap(ns, "__NAME__"), NS_CM, NS_CM_LIST)}
        sizes = {k: len(json.dumps(make(ns), separators=(",", ":"))) for k, (_, make, ns, _) in kinds.items()}
        raw["body_bytes"] = sizes
        gen = LoadGen(server.port, tool, workdir)
        loads: dict[tuple[str, str], Load] = {}
        print(f"CREATE, {CONCURRENCY} clients, {args.seconds} s each ...", flush=True)
        for k, (base, make, ns, _) in kinds.items():
            loads["create", k] = gen.create(base.format(ns=ns), make(ns), f"c-{k}", args.seconds)
        print("GET ...", flush=True)
        for k, (base, _, ns, _) in kinds.items():
            names = list_names(client, base.format(ns=ns))
            if not names:
                raise RuntimeError(f"no {k} objects to GET (CREATE made none)")
            loads["get", k] = gen.get(base.format(ns=ns), names, args.seconds)
        print(f"LIST of {args.list_size} objects ...", flush=True)
        for k, (base, make, _, ns) in kinds.items():
            gen.create(base.format(ns=ns), make(ns), f"l-{k}", 30, maxreq=args.list_size, loading=True)
            time.sleep(0.2)
            have = len(list_names(client, base.format(ns=ns)))
            if have != args.list_size:
                print(f"  note: {k} list namespace holds {have} objects, not {args.list_size}", flush=True)
            loads["list", k] = gen.list(base.format(ns=ns), "", args.seconds)
        raw["loads"] = {f"{op}/{k}": vars(v) | {"rate": v.rate} for (op, k), v in loads.items()}
        for op in ("create", "get", "list"):
            cr, cm = loads[op, "custom"], loads[op, "configmap"]
            label = f"LIST ({args.list_size} objects)" if op == "list" else op.upper()
            target = 0.8 * cm.rate if op == "create" else None
            rows.append(Row(f"{label} req/s, custom objects vs ConfigMaps", cr.rate, "req/s", ref=cm.rate,
                            target=target,
                            note=f"p50/p99 ms custom {cr.p50_ms:.1f}/{cr.p99_ms:.1f}, ConfigMap "
                                 f"{cm.p50_ms:.1f}/{cm.p99_ms:.1f}; errors {cr.bad}/{cm.bad}"
                                 + ("; target: >= 80 % of ConfigMaps" if target else "")))
        rows.append(Row("RSS of the server at the end", server.rss_mb(), "MB", note="for information"))
        client.close()
    finally:
        server.stop()
    return rows, raw


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 s phases and 5 CRDs")
    ap.add_argument("--crds", type=int, help="CRDs timed for readiness (default 10, --quick 5)")
    ap.add_argument("--seconds", type=int, help="length of each load phase (default 5, --quick 3)")
    ap.add_argument("--list-size", type=int, default=100, help="objects in the namespace LIST reads (100)")
    ap.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    ap.add_argument("--json", help="also write the raw figures to this JSON file")
    args = ap.parse_args(argv)
    args.crds = args.crds or (5 if args.quick else 10)
    args.seconds = args.seconds or (3 if args.quick else 5)
    tool = args.client
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
        if tool == "python":
            print("note: wrk not found (apt-get install wrk); the Python client competes with the server "
                  "for CPU and reads lower", flush=True)
    elif tool == "wrk" and not shutil.which("wrk"):
        ap.error("--client wrk: wrk is not installed")
    raise_nofile()
    started = datetime.datetime.now(datetime.UTC)
    print(f"kapi CRD benchmark, {started:%Y-%m-%d %H:%M} UTC; {machine_line()}\n"
          f"load: {tool}, {CONCURRENCY} connections; custom-object schema: {count_fields(DATABASE_SCHEMA)} fields",
          flush=True)
    with tempfile.TemporaryDirectory(prefix="kapi-bench-crd-") as tmp:
        try:
            rows, raw = run(args, tool, Path(tmp))
        except Exception as exc:
            print(f"\nbenchmark stopped: {type(exc).__name__}: {exc}", flush=True)
            return 1
    print(f"\nResults (reference column = ConfigMaps; ratio = custom / ConfigMap; request bodies: custom "
          f"{raw['body_bytes']['custom']} B, ConfigMap {raw['body_bytes']['configmap']} B)\n")
    print(render(rows))
    print("\nMarkdown:\n")
    print(render(rows, markdown=True))
    if args.json:
        Path(args.json).write_text(json.dumps(raw, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
