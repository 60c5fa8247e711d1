"""``kubectl describe``, ``kubectl diff`` and ``kubectl get -o yaml|json|jsonpath|custom-columns|name``
against kapi: the printed output, not only the exit codes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.kubectl.conftest import Kubectl, manifest

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: front}
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
    targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  key: value
"""

NODE = "describe-node-1"
NODE_YAML = f"""\
apiVersion: v1
kind: Node
metadata:
  name: {NODE}
  labels: {{kubernetes.io/hostname: {NODE}, disk: ssd}}
spec:
  podCIDR: 10.244.7.0/24
status:
  capacity: {{cpu: "4", memory: 8Gi, pods: "110"}}
  allocatable: {{cpu: 3800m, memory: 7Gi, pods: "110"}}
  conditions:
  - type: Ready
    status: "True"
    reason: KubeletReady
    message: kubelet is posting ready status
    lastHeartbeatTime: "2024-01-01T00:00:00Z"
    lastTransitionTime: "2024-01-01T00:00:00Z"
  addresses:
  - {{type: InternalIP, address: 10.0.0.17}}
  - {{type: Hostname, address: {NODE}}}
  nodeInfo:
    architecture: amd64
    bootID: b-1
    containerRuntimeVersion: containerd://1.7.0
    kernelVersion: 6.1.0
    kubeProxyVersion: v1.33.0
    kubeletVersion: v1.33.0
    machineID: m-1
    operatingSystem: linux
    osImage: Debian GNU/Linux 12
    systemUUID: u-1
"""


def fields(out: str) -> dict[str, str]:
    """describe's top-level ``Key:  value`` lines (unindented), first occurrence of each key."""
    got: dict[str, str] = {}
    for line in out.splitlines():
        m = re.match(r"^([A-Z][A-Za-z -]*):(?:\s+(.*))?$", line)
        if m and m.group(1) not in got:
            got[m.group(1)] = (m.group(2) or "").strip()
    return got


def section(out: str, title: str) -> list[str]:
    """The indented lines under a top-level ``Title:`` line of describe's output."""
    lines = out.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(title + ":"))
    body = []
    for ln in lines[start + 1:]:
        if ln and not ln[0].isspace():
            break
        body.append(ln)
    return body


def labels(out: str) -> set[str]:
    """The ``Labels:`` of describe's output: the first on the key's line, one per continuation line."""
    lines = out.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Labels:"))
    got = {lines[start].split(":", 1)[1].strip()}
    for ln in lines[start + 1:]:
        if not ln.startswith(" "):
            break
        got.add(ln.strip())
    return got - {"<none>"}


@pytest.fixture
def app(kubectl: Kubectl, kns: str, tmp_path: Path) -> str:
    path = manifest(tmp_path, APP, "app.yaml")
    out = kubectl("apply", "-n", kns, "-f", path).stdout
    assert "deployment.apps/web created" in out and "service/web created" in out
    return path


@pytest.fixture
def node(kubectl: Kubectl, tmp_path: Path) -> Iterator[str]:
    kubectl("delete", "node", NODE, "--ignore-not-found")
    kubectl("create", "-f", manifest(tmp_path, NODE_YAML, "node.yaml"))
    yield NODE
    kubectl("delete", "node", NODE, "--ignore-not-found")


# --------------------------------------------------------------------------------------------------
# describe


def test_describe_pod(kubectl: Kubectl, kns: str) -> None:
    kubectl("run", "p", "--image=nginx", "--restart=Never", "--labels=app=p,run=p", "-n", kns)
    proc = kubectl("describe", "pod", "p", "-n", kns)
    assert proc.returncode == 0 and proc.stderr == ""
    f = fields(proc.stdout)
    assert f["Name"] == "p"
    assert f["Namespace"] == kns
    assert labels(proc.stdout) == {"app=p", "run=p"}
    assert f["Status"] == "Pending"
    assert "IP" in f and "IPs" in f
    assert f["Node"] == "<none>"
    containers = "\n".join(section(proc.stdout, "Containers"))
    assert re.search(r"^  p:$", containers, re.M)
    assert re.search(r"^    Image:\s+nginx$", containers, re.M)
    assert f["QoS Class"] == "BestEffort"
    assert "Events" in f


def test_describe_deployment(kubectl: Kubectl, kns: str, app: str) -> None:
    proc = kubectl("describe", "deployment", "web", "-n", kns)
    assert proc.returncode == 0
    f = fields(proc.stdout)
    assert f["Name"] == "web"
    assert f["Namespace"] == kns
    assert labels(proc.stdout) == {"app=web", "tier=front"}
    assert f["Selector"] == "app=web"
    assert f["Replicas"].startswith("2 desired")
    assert f["StrategyType"] == "RollingUpdate"
    assert f["RollingUpdateStrategy"] == "25% max unavailable, 25% max surge"
    template = "\n".join(section(proc.stdout, "Pod Template"))
    assert re.search(r"Image:\s+nginx:1\.25$", template, re.M)
    assert re.search(r"Port:\s+80/TCP$", template, re.M)


def test_describe_service(kubectl: Kubectl, kns: str, app: str) -> None:
    ip = kubectl("get", "svc", "web", "-n", kns, "-o", "jsonpath={.spec.clusterIP}").stdout
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", ip)
    proc = kubectl("describe", "service", "web", "-n", kns)
    assert proc.returncode == 0
    f = fields(proc.stdout)
    assert f["Name"] == "web"
    assert f["Namespace"] == kns
    assert f["Labels"] == "app=web"
    assert f["Selector"] == "app=web"
    assert f["Type"] == "ClusterIP"
    assert f["IP"] == ip
    assert f["IPs"] == ip
    assert f["Port"].split() == ["http", "80/TCP"]
    assert f["TargetPort"] == "8080/TCP"
    assert f["Session Affinity"] == "None"


def test_describe_node(kubectl: Kubectl, node: str) -> None:
    proc = kubectl("describe", "node", node)
    assert proc.returncode == 0
    out = proc.stdout
    f = fields(out)
    assert f["Name"] == node
    assert "Namespace" not in f  # cluster-scoped
    assert labels(out) == {"disk=ssd", f"kubernetes.io/hostname={node}"}
    assert f["Unschedulable"] == "false"
    conditions = section(out, "Conditions")
    assert conditions[0].split()[:2] == ["Type", "Status"]
    ready = next(ln.split() for ln in conditions if ln.split()[:1] == ["Ready"])
    assert ready[1] == "True" and "KubeletReady" in ready
    addresses = "\n".join(section(out, "Addresses"))
    assert re.search(r"InternalIP:\s+10\.0\.0\.17", addresses)
    capacity = {ln.split(":")[0].strip(): ln.split(":")[1].strip() for ln in section(out, "Capacity")}
    assert capacity == {"cpu": "4", "memory": "8Gi", "pods": "110"}
    allocatable = {ln.split(":")[0].strip(): ln.split(":")[1].strip() for ln in section(out, "Allocatable")}
    assert allocatable["cpu"] == "3800m"
    info = "\n".join(section(out, "System Info"))
    assert re.search(r"Kubelet Version:\s+v1\.33\.0", info)
    assert re.search(r"OS Image:\s+Debian GNU/Linux 12", info)
    assert f["PodCIDR"] == "10.244.7.0/24"


# --------------------------------------------------------------------------------------------------
# diff


def test_diff_unchanged_then_changed(kubectl: Kubectl, kns: str, app: str, tmp_path: Path) -> None:
    same = kubectl("diff", "-n", kns, "-f", app, check=False)
    assert (same.returncode, same.stdout) == (0, ""), same.stderr

    changed = manifest(tmp_path, APP.replace("nginx:1.25", "nginx:1.26").replace("key: value", "key: other"),
                       "changed.yaml")
    before = {kind: kubectl("get", kind, "-n", kns, "-o", "json").stdout
              for kind in ("deployment/web", "configmap/web-config")}
    diff = kubectl("diff", "-n", kns, "-f", changed, check=False)
    assert diff.returncode == 1, diff.stderr
    out = diff.stdout
    assert re.search(r"^--- .*apps\.v1\.Deployment\." + kns + r"\.web", out, re.M)
    assert re.search(r"^\+\+\+ .*apps\.v1\.Deployment\." + kns + r"\.web", out, re.M)
    assert re.search(r"^-\s+- image: nginx:1\.25$", out, re.M)
    assert re.search(r"^\+\s+- image: nginx:1\.26$", out, re.M)
    assert re.search(r"^-\s+key: value$", out, re.M) and re.search(r"^\+\s+key: other$", out, re.M)
    assert "v1.Service." not in out  # the unchanged object is not in the diff
    changed_lines = [ln for ln in out.splitlines()
                     if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    assert all(re.search(r"image:|key:|generation:", ln) for ln in changed_lines), changed_lines

    # diff is a dry run: nothing stored
    after = {kind: kubectl("get", kind, "-n", kns, "-o", "json").stdout
             for kind in ("deployment/web", "configmap/web-config")}
    assert after == before
    dep = json.loads(after["deployment/web"])
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"
    assert dep["metadata"]["generation"] == 1
    assert json.loads(after["configmap/web-config"])["data"] == {"key": "value"}

    # after applying, the same manifest diffs clean again
    kubectl("apply", "-n", kns, "-f", changed)
    again = kubectl("diff", "-n", kns, "-f", changed, check=False)
    assert (again.returncode, again.stdout) == (0, ""), again.stderr


def test_diff_new_object(kubectl: Kubectl, kns: str, tmp_path: Path) -> None:
    path = manifest(tmp_path, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fresh\ndata:\n  a: b\n")
    diff = kubectl("diff", "-n", kns, "-f", path, check=False)
    assert diff.returncode == 1, diff.stderr
    assert re.search(r"^\+\s+name: fresh$", diff.stdout, re.M)
    assert re.search(r"^\+\s+a: b$", diff.stdout, re.M)
    gone = kubectl("get", "configmap", "fresh", "-n", kns, check=False)
    assert gone.returncode == 1 and "NotFound" in gone.stderr


# --------------------------------------------------------------------------------------------------
# get -o ...


def test_get_output_formats(kubectl: Kubectl, kns: str, app: str) -> None:
    kubectl("run", "p1", "--image=nginx:1.25", "--restart=Never", "-n", kns)
    kubectl("run", "p2", "--image=busybox:1.36", "--restart=Never", "-n", kns)

    doc = yaml.safe_load(kubectl("get", "pod", "p1", "-n", kns, "-o", "yaml").stdout)
    assert (doc["apiVersion"], doc["kind"]) == ("v1", "Pod")
    assert doc["metadata"]["name"] == "p1" and doc["metadata"]["namespace"] == kns
    assert doc["spec"]["containers"][0]["image"] == "nginx:1.25"
    assert doc["metadata"]["resourceVersion"] and doc["metadata"]["uid"]

    lst = yaml.safe_load(kubectl("get", "pods", "-n", kns, "-o", "yaml").stdout)
    assert lst["kind"] == "List" and sorted(i["metadata"]["name"] for i in lst["items"]) == ["p1", "p2"]

    obj = json.loads(kubectl("get", "deployment", "web", "-n", kns, "-o", "json").stdout)
    assert (obj["apiVersion"], obj["kind"]) == ("apps/v1", "Deployment")
    assert obj["spec"]["replicas"] == 2
    assert obj["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    items = json.loads(kubectl("get", "pods", "-n", kns, "-o", "json").stdout)
    assert items["kind"] == "List" and len(items["items"]) == 2

    jp = kubectl("get", "pods", "-n", kns, "-o",
                 r"jsonpath={range .items[*]}{.metadata.name}={.spec.containers[0].image}{'\n'}{end}").stdout
    assert jp.splitlines() == ["p1=nginx:1.25", "p2=busybox:1.36"]
    one = kubectl("get", "svc", "web", "-n", kns, "-o", "jsonpath={.spec.ports[0].port}/{.spec.ports[0].name}")
    assert one.stdout == "80/http"

    cc = kubectl("get", "pods", "-n", kns, "-o",
                 "custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[0].image").stdout
    rows = [ln.split() for ln in cc.splitlines()]
    assert rows == [["NAME", "IMAGE"], ["p1", "nginx:1.25"], ["p2", "busybox:1.36"]]

    names = kubectl("get", "pods,deployments,services,configmaps", "-n", kns, "-o", "name").stdout.splitlines()
    assert {"pod/p1", "pod/p2", "deployment.apps/web", "service/web", "configmap/web-config"} <= set(names)
    assert kubectl("get", "deploy", "web", "-n", kns, "-o", "name").stdout == "deployment.apps/web\n"


def test_server_side_apply_twice_without_protocol(kubectl: Kubectl, kns: str, tmp_path: Path) -> None:
    path = manifest(tmp_path, APP, "app.yaml")
    kubectl("apply", "--server-side", "-n", kns, "-f", path)
    again = kubectl("apply", "--server-side", "-n", kns, "-f", path, check=False)
    ports = json.loads(kubectl("get", "deploy", "web", "-n", kns, "-o",
                               "jsonpath={.spec.template.spec.containers[0].ports}").stdout)
    assert ports == [{"containerPort": 80, "protocol": "TCP"}]
    assert again.returncode == 0, again.stderr
