"""kubectl against kapi's OpenAPI: explain (v3 and v2), and create/apply with default validation,
which fetch /openapi/v3 and then leave field validation to the server (kubectl-contract.md §4)."""

from __future__ import annotations

from pathlib import Path

from tests.kubectl.conftest import Kubectl, manifest

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: c
        image: IMAGE
        ports: [{containerPort: 80}]
"""

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {a: "1"}
"""


def test_explain_field(kubectl: Kubectl) -> None:
    out = kubectl("explain", "pod.spec.containers").stdout
    assert "KIND:       Pod" in out
    assert "FIELD: containers <[]Container>" in out
    assert "List of containers belonging to the pod." in out
    assert "imagePullPolicy\t<string>" in out


def test_explain_recursive(kubectl: Kubectl) -> None:
    out = kubectl("explain", "deployment", "--recursive").stdout
    assert "GROUP:      apps" in out and "KIND:       Deployment" in out
    assert "Deployment enables declarative updates for Pods and ReplicaSets." in out
    for line in ("spec\t<DeploymentSpec>", "strategy\t<DeploymentStrategy>", "maxSurge\t<IntOrString>",
                 "requests\t<map[string]Quantity>",
                 "containers\t<[]Container> -required-"):
        assert line in out, line


def test_explain_openapi_v2(kubectl: Kubectl) -> None:
    proc = kubectl("explain", "deployment.spec.strategy", "--output=plaintext-openapiv2", "-v=6")
    assert "/openapi/v2" in proc.stderr
    assert "RESOURCE: strategy <Object>" in proc.stdout
    assert "rollingUpdate\t<Object>" in proc.stdout


def test_create_and_apply_with_default_validation(kubectl: Kubectl, kns: str, tmp_path: Path) -> None:
    proc = kubectl("create", "-n", kns, "-f", manifest(tmp_path, CONFIGMAP), "-v=6")
    assert "configmap/cfg created" in proc.stdout
    assert "/openapi/v3/api/v1?hash=" in proc.stderr
    assert "fieldValidation=Strict" in proc.stderr
    assert "/openapi/v2" not in proc.stderr

    path = manifest(tmp_path, DEPLOYMENT.replace("IMAGE", "nginx"), "dep.yaml")
    proc = kubectl("apply", "-n", kns, "-f", path, "-v=6")
    assert "deployment.apps/web created" in proc.stdout
    assert "/openapi/v3/apis/apps/v1?hash=" in proc.stderr
    assert "fieldValidation=Strict" in proc.stderr

    # the patch is computed from the v3 schemas (strategic merge: containers merge by name)
    path = manifest(tmp_path, DEPLOYMENT.replace("IMAGE", "nginx:2").replace("replicas: 1", "replicas: 2"),
                    "dep.yaml")
    proc = kubectl("apply", "-n", kns, "-f", path)
    assert "deployment.apps/web configured" in proc.stdout
    assert "warning" not in proc.stderr.lower()
    out = kubectl("get", "-n", kns, "deployment", "web", "-o",
                  "jsonpath={.spec.replicas} {.spec.template.spec.containers[*].image}").stdout
    assert out == "2 nginx:2"


def test_unknown_field_is_rejected_by_the_server(kubectl: Kubectl, kns: str, tmp_path: Path) -> None:
    bad = DEPLOYMENT.replace("IMAGE", "nginx").replace("  replicas: 1\n", "  replicas: 1\n  foo: 1\n")
    proc = kubectl("create", "-n", kns, "-f", manifest(tmp_path, bad), check=False)
    assert proc.returncode != 0
    assert 'strict decoding error: unknown field "spec.foo"' in proc.stderr
    assert "Error from server (BadRequest)" in proc.stderr

    proc = kubectl("create", "-n", kns, "-f", manifest(tmp_path, bad), "--validate=warn")
    assert 'unknown field "spec.foo"' in proc.stderr
