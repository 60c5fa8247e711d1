"""Everyday kubectl writes against kapi: the patches kubectl computes give the objects a cluster stores."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.kubectl.conftest import Kubectl, manifest

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {{app: web}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
{containers}
"""

WEB = """\
      - name: web
        image: nginx:{tag}
        env:
{env}"""

SIDECAR = """\
      - name: sidecar
        image: busybox:1.36"""


def _deploy(tag: str = "1.25", env: dict[str, str] | None = None, sidecar: bool = True) -> str:
    env = env if env is not None else {"A": "1", "B": "2"}
    env_text = "\n".join(f"        - name: {k}\n          value: \"{v}\"" for k, v in env.items()) or "        []"
    containers = WEB.format(tag=tag, env=env_text) + ("\n" + SIDECAR if sidecar else "")
    return DEPLOY.format(containers=containers)


def _get(kubectl: Kubectl, *args: str) -> dict:
    return json.loads(kubectl("get", *args, "-o", "json").stdout)


def test_apply_create_change_and_reapply(kubectl: Kubectl, kns: str, tmp_path: Path) -> None:
    path = manifest(tmp_path, _deploy())
    out = kubectl("apply", "-n", kns, "-f", path).stdout
    assert "deployment.apps/web created" in out
    d = _get(kubectl, "-n", kns, "deployment", "web")
    assert "kubectl.kubernetes.io/last-applied-configuration" in d["metadata"]["annotations"]
    # remove the sidecar and env var B, change the image
    manifest(tmp_path, _deploy(tag="1.26", env={"A": "1"}, sidecar=False))
    out = kubectl("apply", "-n", kns, "-f", path).stdout
    assert "deployment.apps/web configured" in out
    d = _get(kubectl, "-n", kns, "deployment", "web")
    containers = d["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["web"]
    assert containers[0]["image"] == "nginx:1.26"
    assert containers[0]["env"] == [{"name": "A", "value": "1"}]
    assert d["metadata"]["generation"] == 2
    out = kubectl("apply", "-n", kns, "-f", path).stdout
    assert "deployment.apps/web unchanged" in out


def test_apply_multi_document(kubectl: Kubectl, kns: str, tmp_path: Path) -> None:
    docs = "\n---\n".join([
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\ndata:\n  a: '1'\n",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: two\nstringData:\n  b: '2'\n",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: three\nspec:\n  selector: {app: x}\n"
        "  ports:\n  - port: 80\n    targetPort: 8080\n",
    ])
    out = kubectl("apply", "-n", kns, "-f", manifest(tmp_path, docs)).stdout
    assert "configmap/one created" in out and "secret/two created" in out and "service/three created" in out
    svc = _get(kubectl, "-n", kns, "service", "three")
    assert svc["spec"]["clusterIP"].startswith("10.")
    secret = _get(kubectl, "-n", kns, "secret", "two")
    assert secret["data"] == {"b": "Mg=="}


def test_server_side_apply_conflict_and_force(kubectl: Kubectl, kns: str, tmp_path: Path) -> None:
    path = manifest(tmp_path, _deploy())
    assert "serverside-applied" in kubectl("apply", "--server-side", "-n", kns, "-f", path).stdout
    kubectl("scale", "-n", kns, "deployment/web", "--replicas=4")
    refused = kubectl("apply", "--server-side", "-n", kns, "-f", path, check=False)
    assert refused.returncode != 0
    assert "Apply failed with 1 conflict" in refused.stderr and ".spec.replicas" in refused.stderr
    kubectl("apply", "--server-side", "--force-conflicts", "-n", kns, "-f", path)
    assert _get(kubectl, "-n", kns, "deployment", "web")["spec"]["replicas"] == 2


def test_patch_label_annotate(kubectl: Kubectl, kns: str, tmp_path: Path) -> None:
    kubectl("apply", "-n", kns, "-f", manifest(tmp_path, _deploy()))
    kubectl("patch", "-n", kns, "deployment", "web", "-p", '{"spec":{"replicas":3}}')
    kubectl("patch", "-n", kns, "deployment", "web", "--type=merge", "-p", '{"metadata":{"labels":{"m":"1"}}}')
    kubectl("patch", "-n", kns, "deployment", "web", "--type=json",
            "-p", '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"nginx:1.27"}]')
    kubectl("label", "-n", kns, "deployment", "web", "tier=front")
    kubectl("label", "-n", kns, "deployment", "web", "tier=back", "--overwrite")
    kubectl("label", "-n", kns, "deployment", "web", "m-")
    kubectl("annotate", "-n", kns, "deployment", "web", "note=hello")
    kubectl("annotate", "-n", kns, "deployment", "web", "note-")
    d = _get(kubectl, "-n", kns, "deployment", "web")
    assert d["spec"]["replicas"] == 3
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert d["metadata"]["labels"] == {"app": "web", "tier": "back"}
    assert "note" not in d["metadata"].get("annotations", {})
    refused = kubectl("label", "-n", kns, "deployment", "web", "tier=again", check=False)
    assert refused.returncode != 0 and "already has a value" in refused.stderr


def test_scale_set_and_rollout(kubectl: Kubectl, kns: str, tmp_path: Path) -> None:
    kubectl("apply", "-n", kns, "-f", manifest(tmp_path, _deploy()))
    kubectl("scale", "-n", kns, "deployment/web", "--replicas=5")
    kubectl("set", "image", "-n", kns, "deployment/web", "web=nginx:1.28")
    kubectl("set", "env", "-n", kns, "deployment/web", "-c", "web", "C=3", "A-")
    d = _get(kubectl, "-n", kns, "deployment", "web")
    web = d["spec"]["template"]["spec"]["containers"][0]
    assert d["spec"]["replicas"] == 5
    assert web["image"] == "nginx:1.28"
    assert {e["name"]: e.get("value") for e in web["env"]} == {"B": "2", "C": "3"}
    kubectl("rollout", "pause", "-n", kns, "deployment/web")
    assert _get(kubectl, "-n", kns, "deployment", "web")["spec"]["paused"] is True
    kubectl("rollout", "resume", "-n", kns, "deployment/web")
    assert not _get(kubectl, "-n", kns, "deployment", "web")["spec"].get("paused")
    kubectl("rollout", "restart", "-n", kns, "deployment/web")
    annotations = _get(kubectl, "-n", kns, "deployment", "web")["spec"]["template"]["metadata"]["annotations"]
    assert "kubectl.kubernetes.io/restartedAt" in annotations


def test_replace_and_edit(kubectl: Kubectl, kns: str, tmp_path: Path) -> None:
    kubectl("apply", "-n", kns, "-f", manifest(tmp_path, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                               "  name: ed\ndata:\n  a: '1'\n", "cm.yaml"))
    kubectl("replace", "-n", kns, "-f", manifest(tmp_path, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                                 "  name: ed\ndata:\n  b: '2'\n", "cm2.yaml"))
    assert _get(kubectl, "-n", kns, "configmap", "ed")["data"] == {"b": "2"}
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/b: \"2\"/b: \"edited\"/' \"$1\"\n")
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    kubectl("edit", "-n", kns, "configmap", "ed", env={"EDITOR": str(editor), "KUBE_EDITOR": str(editor)})
    assert _get(kubectl, "-n", kns, "configmap", "ed")["data"] == {"b": "edited"}


@pytest.mark.parametrize("cascade", ["background", "foreground", "orphan"])
def test_delete_variants(kubectl: Kubectl, kns: str, tmp_path: Path, cascade: str) -> None:
    for name in ("d1", "d2"):
        kubectl("apply", "-n", kns, "-f", manifest(
            tmp_path, f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  labels: {{grp: x}}\n",
            f"{name}.yaml"))
    out = kubectl("delete", "-n", kns, "configmap", "d1", f"--cascade={cascade}", "--wait").stdout
    assert 'configmap "d1" deleted' in out
    kubectl("delete", "-n", kns, "configmap", "-l", "grp=x")
    assert kubectl("get", "-n", kns, "configmaps", "-l", "grp=x", "-o", "name").stdout.strip() == ""
    kubectl("apply", "-n", kns, "-f", str(tmp_path / "d1.yaml"))
    kubectl("delete", "-n", kns, "configmaps", "--all")
    names = kubectl("get", "-n", kns, "configmaps", "-o", "name").stdout.split()
    assert "configmap/d1" not in names


def test_wait_for_jsonpath_and_delete(kubectl: Kubectl, kns: str, tmp_path: Path) -> None:
    kubectl("apply", "-n", kns, "-f", manifest(tmp_path, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                               "  name: w\ndata:\n  ready: 'yes'\n"))
    kubectl("wait", "-n", kns, "configmap/w", "--for=jsonpath={.data.ready}=yes", "--timeout=10s")
    kubectl("delete", "-n", kns, "configmap/w", "--wait=false")
    kubectl("wait", "-n", kns, "configmap/w", "--for=delete", "--timeout=10s")
    assert os.environ.get("KUBECONFIG") is None or True
