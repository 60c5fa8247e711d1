"""kubectl benchmark: a real ``kubectl`` session against kapi, and the server time of the requests
kubectl leans on (Tables, patches, server-side apply).

    python bench/bench_kubectl.py [--runs 3] [--requests 200] [--list-requests 20] [--pods 1000]
                                  [--only session,requests] [--profile DIR] [--json FILE]

Starts ``python -m kapi.cli serve --ephemeral`` in a child process on a free port of 127.0.0.1
(the server of bench_api.py), then

* **session**: times a 20-command kubectl session (apply, get, describe, patch x3, label, annotate,
  scale, set image, rollout restart, apply --server-side, diff, delete ...) ``--runs`` times with a
  fresh KUBECACHEDIR each (a first session: discovery and OpenAPI are fetched), then ``--runs``
  times with a warm cache; prints each command's time and the total, and the medians.
* **requests**: single sequential client (``http.client``, keep-alive) over loopback; latency from
  sending the request to the last byte of the answer, p50/p99 over ``--requests`` requests
  (``--list-requests`` for the 1,000-pod LISTs): Table LIST vs JSON LIST of 1,000 pods, Table GET vs
  JSON GET of one pod, strategic merge patch vs JSON merge patch vs PUT of a Deployment, and
  server-side apply vs PUT.

Figures are printed, never asserted; targets (issue 3): Table LIST of 1,000 pods <= 60 ms, apply
<= 3x a plain update. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_api import HOST, Server, machine_line

TABLE_ACCEPT = ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
                "g=meta.k8s.io,application/json")
NS_REQ = "bench-req"
LIST_TARGET_MS = 60.0
APPLY_TARGET_RATIO = 3.0

APP_YAML = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports:
        - containerPort: 80
          protocol: TCP  # spelled out: kapi's SSA does not default list-map keys (see bench/README.md)
        resources:
          requests: {cpu: 100m, memory: 64Mi}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: web}
spec:
  selector: {app: web}
  ports:
  - name: http
    port: 80
    protocol: TCP
    targetPort: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  greeting: hello
  mode: production
"""


# --------------------------------------------------------------------------------------------------
# part 1: a kubectl session


def session_commands(ns: str, app: str, changed: str) -> list[tuple[str, list[str], tuple[int, ...]]]:
    """(label, kubectl arguments, accepted exit codes) of the 20-command session."""
    n = ["-n", ns]
    return [
        ("create namespace", ["create", "namespace", ns], (0,)),
        ("apply -f (deploy+svc+cm)", ["apply", *n, "-f", app], (0,)),
        ("get pods", ["get", "pods", *n], (0,)),
        ("get deploy", ["get", "deploy", *n], (0,)),
        ("get svc", ["get", "svc", *n], (0,)),
        ("get deploy -o yaml", ["get", "deploy", "web", *n, "-o", "yaml"], (0,)),
        ("describe deployment", ["describe", "deployment", "web", *n], (0,)),
        ("patch (strategic)", ["patch", "deploy", "web", *n, "-p",
                               '{"spec":{"template":{"metadata":{"annotations":{"bench/p":"1"}}}}}'], (0,)),
        ("patch --type=merge", ["patch", "configmap", "web-config", *n, "--type=merge", "-p",
                                '{"data":{"mode":"staging"}}'], (0,)),
        ("patch --type=json", ["patch", "svc", "web", *n, "--type=json", "-p",
                               '[{"op":"replace","path":"/spec/ports/0/targetPort","value":8080}]'], (0,)),
        ("label", ["label", "deploy", "web", *n, "env=bench"], (0,)),
        ("annotate", ["annotate", "deploy", "web", *n, "owner=bench"], (0,)),
        ("scale", ["scale", "deploy", "web", *n, "--replicas=3"], (0,)),
        ("set image", ["set", "image", "deploy/web", *n, "nginx=nginx:1.26"], (0,)),
        ("rollout restart", ["rollout", "restart", "deploy/web", *n], (0,)),
        ("apply --server-side", ["apply", "--server-side", "--force-conflicts", *n, "-f", app], (0,)),
        ("diff -f (changed)", ["diff", *n, "-f", changed], (1,)),  # 1 = differences found
        ("get pods,deploy,svc -o wide", ["get", "pods,deploy,svc,cm", *n, "-o", "wide"], (0,)),
        ("delete -f", ["delete", *n, "-f", app], (0,)),
        ("delete namespace", ["delete", "namespace", ns], (0,)),
    ]


def run_session(kubectl: str, env: dict[str, str], ns: str, app: str, changed: str) -> list[tuple[str, float]]:
    times = []
    for label, args, ok in session_commands(ns, app, changed):
        t0 = time.perf_counter()
        proc = subprocess.run([kubectl, *args], env=env, capture_output=True, text=True, timeout=120,
                              check=False)
        dt = time.perf_counter() - t0
        if proc.returncode not in ok:
            raise RuntimeError(f"kubectl {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}{proc.stdout}")
        times.append((label, dt))
    return times


def session_phase(server: Server, workdir: Path, runs: int, raw: dict[str, Any]) -> list[str]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise RuntimeError("kubectl is not installed")
    app = workdir / "app.yaml"
    app.write_text(APP_YAML)
    changed = workdir / "changed.yaml"
    changed.write_text(APP_YAML.replace("nginx:1.25", "nginx:1.27").replace("greeting: hello", "greeting: hi"))
    home = workdir / "kubectl-home"
    home.mkdir(exist_ok=True)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
    base_env.update({"KUBECONFIG": server.kubeconfig, "HOME": str(home)})
    results: dict[str, list[list[tuple[str, float]]]] = {"cold": [], "warm": []}
    warm_cache = workdir / "cache-warm"
    for kind in ("cold", "warm"):
        if kind == "warm":  # prime the warm cache with one untimed session
            run_session(kubectl, {**base_env, "KUBECACHEDIR": str(warm_cache)}, "bk-prime", str(app), str(changed))
        for i in range(runs):
            cache = workdir / f"cache-cold-{i}" if kind == "cold" else warm_cache
            times = run_session(kubectl, {**base_env, "KUBECACHEDIR": str(cache)}, f"bk-{kind}-{i}", str(app),
                                str(changed))
            results[kind].append(times)
            print(f"  session {kind} run {i + 1}: {sum(t for _, t in times):.2f} s", flush=True)
    raw["session"] = {k: [[(label, round(t, 4)) for label, t in run] for run in v] for k, v in results.items()}

    out = ["kubectl session (20 commands), ms per command: each run, and the median over runs",
           ""]
    labels = [label for label, _ in results["cold"][0]]
    head = ["#", "command"] + [f"cold {i + 1}" for i in range(runs)] + ["cold med"] + \
           [f"warm {i + 1}" for i in range(runs)] + ["warm med"]
    rows = []
    for j, label in enumerate(labels):
        cold = [run[j][1] * 1000 for run in results["cold"]]
        warm = [run[j][1] * 1000 for run in results["warm"]]
        rows.append([str(j + 1), label] + [f"{x:.0f}" for x in cold] + [f"{statistics.median(cold):.0f}"] +
                    [f"{x:.0f}" for x in warm] + [f"{statistics.median(warm):.0f}"])
    cold_tot = [sum(t for _, t in run) * 1000 for run in results["cold"]]
    warm_tot = [sum(t for _, t in run) * 1000 for run in results["warm"]]
    rows.append(["", "TOTAL"] + [f"{x:.0f}" for x in cold_tot] + [f"{statistics.median(cold_tot):.0f}"] +
                [f"{x:.0f}" for x in warm_tot] + [f"{statistics.median(warm_tot):.0f}"])
    out += table(head, rows)
    out.append("")
    out.append(f"session total, median of {runs}: cold cache {statistics.median(cold_tot) / 1000:.2f} s, "
               f"warm cache {statistics.median(warm_tot) / 1000:.2f} s")
    raw["session_median_s"] = {"cold": statistics.median(cold_tot) / 1000, "warm": statistics.median(warm_tot) / 1000}
    return out


# --------------------------------------------------------------------------------------------------
# part 2: per-request server time


class Conn:
    """One keep-alive ``http.client`` connection; every call returns (seconds, status, body)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)

    def call(self, method: str, path: str, body: bytes | None = None, ctype: str = "application/json",
             accept: str = "application/json") -> tuple[float, int, bytes]:
        headers = {"Accept": accept}
        if body is not None:
            headers["Content-Type"] = ctype
        t0 = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        return time.perf_counter() - t0, resp.status, data

    def ok(self, method: str, path: str, body: Any = None, ctype: str = "application/json",
           accept: str = "application/json", codes: tuple[int, ...] = (200, 201)) -> tuple[float, bytes]:
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
        dt, status, data = self.call(method, path, body, ctype, accept)
        if status not in codes:
            raise RuntimeError(f"{method} {path}: HTTP {status}: {data[:400]!r}")
        return dt, data

    def close(self) -> None:
        self.conn.close()


def pod(i: int) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"pod-{i:04d}", "labels": {"app": "bench", "shard": str(i % 10)}},
            "spec": {"nodeName": f"node-{i % 20}",
                     "containers": [{"name": "app", "image": "nginx:1.25", "ports": [{"containerPort": 80}],
                                     "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}},
                                    {"name": "sidecar", "image": "busybox:1.36", "command": ["sleep", "inf"]}]}}


def pod_status(i: int) -> dict[str, Any]:
    ts = "2026-01-01T00:00:00Z"
    ip = f"10.244.{i // 250}.{i % 250 + 2}"
    return {"status": {
        "phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
        "hostIP": f"10.0.0.{i % 20 + 10}", "startTime": ts, "qosClass": "Burstable",
        "conditions": [{"type": t, "status": "True", "lastTransitionTime": ts}
                       for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
        "containerStatuses": [{"name": c, "ready": True, "restartCount": i % 3, "image": img, "imageID": "",
                               "started": True, "state": {"running": {"startedAt": ts}}}
                              for c, img in (("app", "nginx:1.25"), ("sidecar", "busybox:1.36"))]}}


def deployment(name: str, note: str = "0") -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": NS_REQ, "labels": {"app": name},
                         "annotations": {"bench/n": note}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25",
                                                           "ports": [{"containerPort": 80}],
                                                           "resources": {"requests": {"cpu": "100m"}}}]}}}}


def deployment_yaml(name: str, note: str) -> bytes:
    """The apply configuration kubectl apply --server-side would send (as YAML)."""
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {NS_REQ}
  labels: {{app: {name}}}
  annotations: {{"bench/n": "{note}"}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports:
        - containerPort: 80
          protocol: TCP
        resources:
          requests: {{cpu: 100m}}
""".encode()


class Stat:
    """Latencies of one measured request kind, in ms."""

    def __init__(self, name: str, seconds: list[float], size: int = 0) -> None:
        self.name = name
        self.ms = sorted(x * 1000 for x in seconds)
        self.size = size

    def pct(self, p: float) -> float:
        return self.ms[min(len(self.ms) - 1, round((len(self.ms) - 1) * p / 100))]

    @property
    def p50(self) -> float:
        return statistics.median(self.ms)

    @property
    def p99(self) -> float:
        return self.pct(99)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.ms)


def measure(name: str, n: int, one: Callable[[int], tuple[float, bytes]], warmup: int = 3) -> Stat:
    for i in range(warmup):
        one(-1 - i)
    times, size = [], 0
    for i in range(n):
        dt, data = one(i)
        times.append(dt)
        size = len(data)
    return Stat(name, times, size)


@contextmanager
def profiled(server: Server, profile_dir: Path | None, name: str) -> Iterator[None]:
    """py-spy stacks of the server while the block runs (if asked and py-spy is there)."""
    if profile_dir is None or server.proc is None or not shutil.which("py-spy"):
        yield
        return
    out = profile_dir / f"{name}.folded"  # collapsed stacks: flamegraph.pl / speedscope read them
    spy = subprocess.Popen(["py-spy", "record", "--pid", str(server.proc.pid), "--rate", "500", "--format", "raw",
                            "--output", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        try:
            spy.wait(timeout=60)
        except subprocess.TimeoutExpired:
            spy.kill()
            spy.wait()
        print(f"    profile: {out}", flush=True)


def requests_phase(server: Server, args: argparse.Namespace, raw: dict[str, Any]) -> list[str]:
    c = Conn(server.port)
    prof = Path(args.profile).resolve() if args.profile else None
    if prof:
        prof.mkdir(parents=True, exist_ok=True)
    c.ok("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS_REQ}},
         codes=(200, 201, 409))
    pods = f"/api/v1/namespaces/{NS_REQ}/pods"
    t0 = time.perf_counter()
    for i in range(args.pods):
        c.ok("POST", pods, pod(i))
        c.ok("PATCH", f"{pods}/pod-{i:04d}/status", pod_status(i), ctype="application/merge-patch+json")
    print(f"  created {args.pods} pods (+ status) in {time.perf_counter() - t0:.1f} s", flush=True)
    n, nl = args.requests, args.list_requests
    stats: dict[str, Stat] = {}

    def run(key: str, name: str, count: int, one: Callable[[int], tuple[float, bytes]]) -> None:
        with profiled(server, prof, key):
            stats[key] = measure(name, count, one)
        s = stats[key]
        print(f"  {name}: p50 {s.p50:.2f} ms, p99 {s.p99:.2f} ms ({s.size:,} bytes)", flush=True)

    run("list_table", f"LIST {args.pods} pods as Table", nl, lambda i: c.ok("GET", pods, accept=TABLE_ACCEPT))
    run("list_json", f"LIST {args.pods} pods as JSON", nl, lambda i: c.ok("GET", pods))

    def paged(accept: str) -> Callable[[int], tuple[float, bytes]]:
        def one(i: int) -> tuple[float, bytes]:
            total, token, size = 0.0, "", 0
            for _ in range(1000):
                dt, data = c.ok("GET", f"{pods}?limit=500" + (f"&continue={token}" if token else ""), accept=accept)
                total += dt
                size += len(data)
                token = json.loads(data).get("metadata", {}).get("continue") or ""
                if not token:
                    break
            return total, b"x" * size
        return one

    run("list_table_paged", f"LIST {args.pods} pods as Table, limit=500 (as kubectl get), sum of pages", nl,
        paged(TABLE_ACCEPT))
    run("list_json_paged", f"LIST {args.pods} pods as JSON, limit=500, sum of pages", nl, paged("application/json"))
    one_pod = f"{pods}/pod-0007"
    run("get_table", "GET one pod as Table", n, lambda i: c.ok("GET", one_pod, accept=TABLE_ACCEPT))
    run("get_json", "GET one pod as JSON", n, lambda i: c.ok("GET", one_pod))

    deps = f"/apis/apps/v1/namespaces/{NS_REQ}/deployments"
    for name in ("d-smp", "d-merge", "d-put", "d-apply-put"):
        c.ok("POST", deps, deployment(name))
    # d-apply is created by its first apply (a warm-up request), so that manager "bench" owns every field
    run("smp", "Deployment strategic merge patch", n, lambda i: c.ok(
        "PATCH", f"{deps}/d-smp", {"metadata": {"annotations": {"bench/n": str(i)}}},
        ctype="application/strategic-merge-patch+json"))
    run("merge", "Deployment JSON merge patch", n, lambda i: c.ok(
        "PATCH", f"{deps}/d-merge", {"metadata": {"annotations": {"bench/n": str(i)}}},
        ctype="application/merge-patch+json"))

    def putter(name: str) -> Callable[[int], tuple[float, bytes]]:
        _, data = c.ok("GET", f"{deps}/{name}")
        state = {"obj": json.loads(data)}

        def one(i: int) -> tuple[float, bytes]:
            obj = state["obj"]  # the last answer, resourceVersion included: a normal read-modify-write
            obj["metadata"]["annotations"]["bench/n"] = str(i)
            dt, data = c.ok("PUT", f"{deps}/{name}", obj)
            state["obj"] = json.loads(data)
            return dt, data
        return one

    run("put", "Deployment PUT (update)", n, putter("d-put"))
    run("put2", "Deployment PUT (update), second object", n, putter("d-apply-put"))
    run("apply", "Deployment server-side apply (apply-patch+yaml, fieldManager=bench)", n, lambda i: c.ok(
        "PATCH", f"{deps}/d-apply?fieldManager=bench", deployment_yaml("d-apply", str(i)),
        ctype="application/apply-patch+yaml"))
    c.close()
    raw["requests"] = {k: {"name": s.name, "p50_ms": s.p50, "p99_ms": s.p99, "mean_ms": s.mean, "bytes": s.size,
                           "n": len(s.ms)} for k, s in stats.items()}

    def row(key: str, base: str | None = None, target: str = "", met: bool | None = None) -> list[str]:
        s = stats[key]
        ratio = f"{s.p50 / stats[base].p50:.2f}x {base}" if base else ""
        verdict = "" if met is None else ("yes" if met else "NO")
        return [s.name, str(len(s.ms)), f"{s.p50:.2f}", f"{s.p99:.2f}", f"{s.mean:.2f}", f"{s.size:,}", ratio,
                target, verdict]

    put_base = statistics.median([stats["put"].p50, stats["put2"].p50])
    apply_ratio = stats["apply"].p50 / put_base
    rows = [
        row("list_table", "list_json", f"<= {LIST_TARGET_MS:.0f} ms", stats["list_table"].p50 <= LIST_TARGET_MS),
        row("list_json"),
        row("list_table_paged", "list_json_paged", f"<= {LIST_TARGET_MS:.0f} ms",
            stats["list_table_paged"].p50 <= LIST_TARGET_MS),
        row("list_json_paged"),
        row("get_table", "get_json"),
        row("get_json"),
        row("smp", "put"),
        row("merge", "put"),
        row("put"),
        row("put2"),
        row("apply", "put2", f"<= {APPLY_TARGET_RATIO:.0f}x PUT", apply_ratio <= APPLY_TARGET_RATIO),
    ]
    raw["apply_ratio"] = apply_ratio
    out = [f"Per-request time (single sequential client, keep-alive, loopback), ms; ratio = p50 / p50 of the "
           f"named row; apply vs the median p50 of the two PUT rows = {apply_ratio:.2f}x", ""]
    out += table(["request", "n", "p50", "p99", "mean", "bytes", "ratio (p50)", "target", "met?"], rows)
    return out


def table(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(head, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="kubectl sessions per cache state (default 3)")
    ap.add_argument("--requests", type=int, default=200, help="requests per measured kind (default 200)")
    ap.add_argument("--list-requests", type=int, default=20, help="requests per 1,000-pod LIST kind (default 20)")
    ap.add_argument("--pods", type=int, default=1000, help="pods to create for the LISTs (default 1000)")
    ap.add_argument("--only", default="session,requests", help="session,requests (default both)")
    ap.add_argument("--profile", metavar="DIR",
                    help="py-spy collapsed stacks of the server per request kind into DIR (pip install py-spy)")
    ap.add_argument("--json", help="also write the raw figures to this JSON file")
    args = ap.parse_args(argv)
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    started = datetime.datetime.now(datetime.UTC)
    kver = subprocess.run(["kubectl", "version", "--client", "-o", "json"], capture_output=True, text=True,
                          check=False).stdout
    print(f"kapi kubectl benchmark, {started:%Y-%m-%d %H:%M} UTC; {machine_line()}\n"
          f"server: ephemeral; kubectl: {shutil.which('kubectl')} "
          f"{json.loads(kver or '{}').get('clientVersion', {}).get('gitVersion', '?')}", flush=True)
    raw: dict[str, Any] = {}
    report: list[str] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="kapi-bench-kubectl-") as tmp, \
            Server(Path(tmp), None, "kubectl") as server:
        try:
            if "session" in parts:
                report += [*session_phase(server, Path(tmp), args.runs, raw), ""]
            if "requests" in parts:
                report += requests_phase(server, args, raw)
        except Exception as exc:  # report what was measured
            failed = True
            print(f"\nbenchmark stopped early: {type(exc).__name__}: {exc}", flush=True)
    print("\n" + "\n".join(report))
    if args.json:
        Path(args.json).write_text(json.dumps({"date": started.isoformat(timespec="seconds"),
                                               "machine": machine_line(), "raw": raw}, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
