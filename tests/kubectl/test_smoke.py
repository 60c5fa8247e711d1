"""kubectl reaches kapi: version, discovery, plain reads."""

from __future__ import annotations

from tests.kubectl.conftest import Kubectl


def test_version_and_namespaces(kubectl: Kubectl) -> None:
    out = kubectl("version").stdout
    assert "Server Version: v1.33" in out
    names = kubectl("get", "namespaces", "-o", "name").stdout.split()
    assert {"namespace/default", "namespace/kube-system", "namespace/kube-public",
            "namespace/kube-node-lease"} <= set(names)


def test_api_resources_lists_core_and_apps(kubectl: Kubectl) -> None:
    out = kubectl("api-resources").stdout
    assert "deployments" in out and "deploy" in out and "apps/v1" in out
    assert "configmaps" in out and "cm" in out


def test_namespace_fixture_and_get(kubectl: Kubectl, kns: str) -> None:
    out = kubectl("get", "namespace", kns, "-o", "jsonpath={.status.phase}").stdout
    assert out == "Active"
