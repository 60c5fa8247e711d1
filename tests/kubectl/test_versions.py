"""A core scenario with every kubectl minor 1.28-1.33, calling the versioned binaries directly."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.kubectl.conftest import Kubectl, manifest

SDK = Path("/usr/lib/google-cloud-sdk/bin")
MINORS = [28, 29, 30, 31, 32, 33]


@pytest.mark.parametrize("minor", MINORS)
def test_core_scenario(kubectl: Kubectl, kns: str, tmp_path: Path, minor: int) -> None:
    binary = str(SDK / f"kubectl.1.{minor}")
    if not os.path.exists(binary):
        pytest.fail(f"{binary} is missing on this machine")
    version = kubectl("version", "-o", "json", binary=binary).stdout
    assert json.loads(version)["clientVersion"]["minor"].startswith(str(minor))
    path = manifest(tmp_path, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: v\n  labels: {k: v}\n"
                              "data:\n  a: '1'\n")
    assert "configmap/v created" in kubectl("apply", "-n", kns, "-f", path, binary=binary).stdout
    manifest(tmp_path, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: v\n  labels: {k: v}\ndata:\n  b: '2'\n")
    assert "configmap/v configured" in kubectl("apply", "-n", kns, "-f", path, binary=binary).stdout
    got = json.loads(kubectl("get", "-n", kns, "configmap", "v", "-o", "json", binary=binary).stdout)
    assert got["data"] == {"b": "2"}
    names = kubectl("get", "-n", kns, "configmaps", "-l", "k=v", "-o", "name", binary=binary).stdout.split()
    assert names == ["configmap/v"]
    kubectl("patch", "-n", kns, "configmap", "v", "-p", '{"data":{"c":"3"}}', binary=binary)
    kubectl("label", "-n", kns, "configmap", "v", "extra=yes", binary=binary)
    out = kubectl("delete", "-n", kns, "configmap", "v", binary=binary).stdout
    assert 'configmap "v" deleted' in out
    missing = kubectl("get", "-n", kns, "configmap", "v", check=False, binary=binary)
    assert missing.returncode != 0
    assert 'configmaps "v" not found' in missing.stderr
