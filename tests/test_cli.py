"""The ``kapi`` command as a user runs it: serve, kubeconfig, health, shutdown, data-dir lock."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
import yaml

from kapi.testing import free_port


def _serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "kapi.cli", "serve", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_ready(port: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1).text == "ok":
                return
        except requests.ConnectionError:
            time.sleep(0.02)
    raise AssertionError("not ready")


def test_version_command() -> None:
    out = subprocess.run([sys.executable, "-m", "kapi.cli", "version"], capture_output=True, text=True, check=True)
    assert "kapi 0.1.0" in out.stdout
    assert "v1.33" in out.stdout


def test_serve_writes_kubeconfig_answers_health_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    kubeconfig = tmp_path / "kc.yaml"
    proc = _serve("--data-dir", str(tmp_path / "data"), "--port", str(port), "--kubeconfig", str(kubeconfig))
    try:
        _wait_ready(port, proc)
        for path in ("/livez", "/readyz", "/healthz"):
            r = requests.get(f"http://127.0.0.1:{port}{path}", timeout=2)
            assert (r.status_code, r.text) == (200, "ok")
        config = yaml.safe_load(kubeconfig.read_text())
        assert config["current-context"] == "kapi"
        assert config["clusters"][0]["cluster"]["server"] == f"http://127.0.0.1:{port}"
        version = requests.get(f"http://127.0.0.1:{port}/version", timeout=2).json()
        assert (version["major"], version["minor"]) == ("1", "33")

        # a second server on the same data directory refuses to start, and says why
        second = _serve("--data-dir", str(tmp_path / "data"), "--port", str(free_port()),
                        "--kubeconfig", str(tmp_path / "other.yaml"))
        _, err = second.communicate(timeout=20)
        assert second.returncode == 1
        assert "in use" in err and str(tmp_path / "data") in err
        # and the first one is unharmed
        assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert "serving Kubernetes v1.33 API" in out
    assert f"export KUBECONFIG={kubeconfig}" in out


def test_state_survives_a_restart(tmp_path: Path) -> None:
    port = free_port()
    args = ("--data-dir", str(tmp_path), "--port", str(port), "--kubeconfig", str(tmp_path / "kc"))
    base = f"http://127.0.0.1:{port}/api/v1/namespaces/default/configmaps"
    proc = _serve(*args)
    try:
        _wait_ready(port, proc)
        created = requests.post(base, json={"metadata": {"name": "keep"}, "data": {"k": "v"}}, timeout=5).json()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert proc.returncode == 0
    proc = _serve(*args)
    try:
        _wait_ready(port, proc)
        got = requests.get(f"{base}/keep", timeout=5).json()
        assert got["data"] == {"k": "v"}
        assert got["metadata"]["uid"] == created["metadata"]["uid"]
        assert got["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
