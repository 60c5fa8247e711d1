"""kill -9 of a real ``kapi serve`` while many writers run: nothing acknowledged is lost.

After the restart every acknowledged create is there with at least the acknowledged
resourceVersion, new writes get higher revisions, and a watch resuming from a revision
acknowledged before the crash receives exactly the changes after it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kapi.testing import free_port

WRITERS = 8


def _start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "kapi.cli", "serve", "--data-dir", str(data_dir), "--port", str(port),
         "--kubeconfig", str(data_dir / "kubeconfig")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except requests.ConnectionError:
            time.sleep(0.02)
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "kapi exited")
    proc.kill()
    raise RuntimeError("kapi did not become ready")


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path


def test_kill_9_loses_nothing_acknowledged(data_dir: Path) -> None:
    port = free_port()
    proc = _start(data_dir, port)
    base = f"http://127.0.0.1:{port}/api/v1/namespaces/default/configmaps"
    acked: dict[str, int] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n: int) -> None:
        session = requests.Session()
        i = 0
        while not stop.is_set():
            name = f"w{n}-{i}"
            try:
                r = session.post(base, json={"metadata": {"name": name}, "data": {"i": str(i)}}, timeout=5)
            except requests.RequestException:
                return
            if r.status_code == 201:
                with lock:
                    acked[name] = int(r.json()["metadata"]["resourceVersion"])
            i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stop.set()
    for t in threads:
        t.join(10)
    assert len(acked) > 50, "the writers should have been acknowledged many times before the kill"

    proc = _start(data_dir, port)
    try:
        listed = requests.get(base, timeout=10).json()
        found = {item["metadata"]["name"]: int(item["metadata"]["resourceVersion"]) for item in listed["items"]}
        missing = sorted(set(acked) - set(found))
        assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {missing[:5]}"
        for name, rv in acked.items():
            assert found[name] >= rv
        top = max(acked.values())
        list_rv = int(listed["metadata"]["resourceVersion"])
        assert list_rv >= top

        # revisions continue upward after the restart
        r = requests.post(base, json={"metadata": {"name": "after-restart"}}, timeout=5)
        assert r.status_code == 201
        assert int(r.json()["metadata"]["resourceVersion"]) > list_rv

        # a watch resuming from an acknowledged revision sees exactly what came after it
        middle = sorted(acked.values())[len(acked) // 2]
        expect = sorted(rv for rv in found.values() if rv > middle)
        expect.append(int(r.json()["metadata"]["resourceVersion"]))
        seen: list[int] = []
        with requests.get(base, params={"watch": "1", "resourceVersion": str(middle), "timeoutSeconds": "2"},
                          stream=True, timeout=10) as resp:
            assert resp.status_code == 200
            for line in resp.iter_lines():
                if not line:
                    continue
                event = requests.models.complexjson.loads(line)
                assert event["type"] == "ADDED", event
                seen.append(int(event["object"]["metadata"]["resourceVersion"]))
                if len(seen) >= len(expect):
                    break
        assert seen == expect
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
