"""Run the real ``kubectl`` against a live kapi: a fresh server, kubeconfig and cache per module.

``kubectl("get", "pods", "-o", "json")`` returns the CompletedProcess (text mode); by default a
non-zero exit fails the test with kubectl's stderr. ``/usr/bin/kubectl`` dispatches to the
kubectl matching the server's minor version (1.33); versioned binaries can be passed as ``binary``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kapi.cli import write_kubeconfig
from kapi.testing import ServerThread

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def kubectl_env(kapi_server: ServerThread, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("kubectl-home")
    config = home / "kubeconfig"
    write_kubeconfig(str(config), kapi_server.url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
    env.update({"KUBECONFIG": str(config), "KUBECACHEDIR": str(home / "cache"), "HOME": str(home)})
    return env


@pytest.fixture(scope="module")
def kubectl(kubectl_env: dict[str, str]) -> Iterator[Kubectl]:
    exe = shutil.which("kubectl")
    if exe is None:
        pytest.fail("kubectl is not installed on this machine")

    def run(*args: str, input: str | None = None, check: bool = True, binary: str | None = None,
            env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([binary or exe, *args], input=input, capture_output=True, text=True,
                              env={**kubectl_env, **(env or {})}, timeout=timeout)
        if check and proc.returncode != 0:
            pytest.fail(f"kubectl {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}\n{proc.stdout}")
        return proc

    yield run


@pytest.fixture
def kns(kubectl: Kubectl, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh namespace for one test, deleted afterwards."""
    name = "k-" + request.node.name.lower().replace("_", "-").replace("[", "-").replace("]", "")[:40].strip("-")
    doc = json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    kubectl("create", "--validate=false", "-f", "-", input=doc)
    yield name


def manifest(tmp: Path, text: str, name: str = "m.yaml") -> str:
    path = tmp / name
    path.write_text(text)
    return str(path)
