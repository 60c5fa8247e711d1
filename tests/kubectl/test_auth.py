"""kubectl auth can-i / whoami, create token, cluster-info, api-versions."""

from __future__ import annotations

import base64
import json

from tests.kubectl.conftest import Kubectl


def test_auth_can_i(kubectl: Kubectl, kns: str) -> None:
    assert kubectl("auth", "can-i", "create", "deployments", "-n", kns).stdout.strip() == "yes"
    assert kubectl("auth", "can-i", "get", "/healthz").stdout.strip() == "yes"
    listed = kubectl("auth", "can-i", "--list", "-n", kns).stdout
    assert "*.*" in listed and "[*]" in listed


def test_auth_whoami(kubectl: Kubectl) -> None:
    out = kubectl("auth", "whoami").stdout
    assert "Username" in out and "system:admin" in out
    assert "system:masters" in out


def test_create_token(kubectl: Kubectl, kns: str) -> None:
    kubectl("create", "serviceaccount", "robot", "-n", kns)
    token = kubectl("create", "token", "robot", "-n", kns, "--duration=20m").stdout.strip()
    _header, payload, _sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sub"] == f"system:serviceaccount:{kns}:robot"
    assert claims["exp"] - claims["iat"] == 1200
    missing = kubectl("create", "token", "nobody", "-n", kns, check=False)
    assert missing.returncode != 0 and 'serviceaccounts "nobody" not found' in missing.stderr


def test_cluster_info_and_api_versions(kubectl: Kubectl) -> None:
    out = kubectl("cluster-info").stdout
    assert "Kubernetes control plane" in out and "is running at" in out
    versions = kubectl("api-versions").stdout.split()
    assert {"v1", "apps/v1", "authorization.k8s.io/v1", "authentication.k8s.io/v1"} <= set(versions)
