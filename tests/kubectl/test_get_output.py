"""``kubectl get`` against server-side Tables: the printed header and rows match upstream's layout."""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.request
from datetime import UTC, datetime
from typing import Any

import pytest

from kapi.testing import ServerThread
from tests.kubectl.conftest import Kubectl

TABLE_ACCEPT = ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
                "g=meta.k8s.io,application/json")


def create(kubectl: Kubectl, ns: str | None, *docs: dict[str, Any]) -> None:
    args = ["create", "--validate=false", "-f", "-"] + (["-n", ns] if ns else [])
    kubectl(*args, input="\n".join(json.dumps(d) for d in docs))


def http(server: ServerThread, method: str, path: str, body: Any = None, *,
         accept: str = "application/json", ctype: str = "application/merge-patch+json") -> tuple[int, dict[str, str],
                                                                                                bytes]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(server.url + path, data=data, method=method,
                                 headers={"Accept": accept, "Content-Type": ctype})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def set_status(server: ServerThread, path: str, status: dict[str, Any]) -> None:
    code, _, body = http(server, "PATCH", path + "/status", {"status": status})
    assert code == 200, body


def blocks(out: str) -> list[list[dict[str, str]]]:
    """kubectl's tables: one list of rows (header name -> cell) per blank-line separated block."""
    tables = []
    for block in out.strip("\n").split("\n\n"):
        lines = block.splitlines()
        header = lines[0]
        starts = [m.start() for m in re.finditer(r"(?:(?<=^)|(?<=   ))\S", header)]
        names = [header[s:e].strip() for s, e in zip(starts, [*starts[1:], None], strict=True)]
        rows = []
        for line in lines[1:]:
            cells = [line[s:e].strip() for s, e in zip(starts, [*starts[1:], None], strict=True)]
            rows.append(dict(zip(names, cells, strict=True)))
        tables.append([{"": " ".join(names)}, *rows])
    return tables


def header(out: str) -> list[str]:
    return re.split(r"\s{3,}", out.splitlines()[0].strip())


def rows(out: str) -> list[dict[str, str]]:
    (table,) = blocks(out)
    return table[1:]


def pod(name: str, labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {}},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}], **spec}}


def now_rfc3339(ago: float = 0) -> str:
    return datetime.fromtimestamp(time.time() - ago, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def pods(kubectl: Kubectl, kns: str, kapi_server: ServerThread) -> str:
    """Three pods: web-1 running and ready, web-2 crash-looping, db-1 pending."""
    create(kubectl, kns, pod("web-1", {"app": "web"}), pod("web-2", {"app": "web"}), pod("db-1", {"app": "db"}))
    base = f"/api/v1/namespaces/{kns}/pods"
    set_status(kapi_server, f"{base}/web-1", {
        "phase": "Running", "podIP": "10.244.0.7", "podIPs": [{"ip": "10.244.0.7"}],
        "conditions": [{"type": "Ready", "status": "True"}, {"type": "Initialized", "status": "True"}],
        "containerStatuses": [{"name": "c", "ready": True, "restartCount": 0, "image": "nginx:1.27",
                               "imageID": "", "state": {"running": {"startedAt": now_rfc3339(30)}}}]})
    set_status(kapi_server, f"{base}/web-2", {
        "phase": "Running",
        "containerStatuses": [{"name": "c", "ready": False, "restartCount": 4, "image": "nginx:1.27",
                               "imageID": "", "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                               "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                                                            "finishedAt": now_rfc3339(200)}}}]})
    return kns


def test_get_pods_prints_upstream_columns(kubectl: Kubectl, pods: str) -> None:
    out = kubectl("get", "pods", "-n", pods).stdout
    assert header(out) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    got = {r["NAME"]: r for r in rows(out)}
    assert list(got) == ["db-1", "web-1", "web-2"]
    assert (got["web-1"]["READY"], got["web-1"]["STATUS"], got["web-1"]["RESTARTS"]) == ("1/1", "Running", "0")
    assert (got["web-2"]["READY"], got["web-2"]["STATUS"]) == ("0/1", "CrashLoopBackOff")
    assert re.fullmatch(r"4 \(3m\d+s ago\)", got["web-2"]["RESTARTS"]), got["web-2"]["RESTARTS"]
    assert got["db-1"]["STATUS"] == "Pending"
    assert re.fullmatch(r"\d+s", got["db-1"]["AGE"])


def test_get_pods_wide_and_single_objects(kubectl: Kubectl, pods: str) -> None:
    out = kubectl("get", "pods", "-n", pods, "-o", "wide").stdout
    assert header(out) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE",
                           "READINESS GATES"]
    got = {r["NAME"]: r for r in rows(out)}
    assert (got["web-1"]["IP"], got["web-1"]["NODE"], got["web-1"]["READINESS GATES"]) == \
        ("10.244.0.7", "<none>", "<none>")
    # one GET per name, each answered with a one-row Table
    out = kubectl("get", "pod", "web-1", "db-1", "-n", pods).stdout
    assert header(out) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert [r["NAME"] for r in rows(out)] == ["web-1", "db-1"]


def test_all_namespaces_labels_and_selectors(kubectl: Kubectl, pods: str) -> None:
    out = kubectl("get", "pods", "-A", "-l", "app=web").stdout
    assert header(out) == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    mine = {(r["NAMESPACE"], r["NAME"]) for r in rows(out) if r["NAMESPACE"] == pods}
    assert mine == {(pods, "web-1"), (pods, "web-2")}
    out = kubectl("get", "pods", "-n", pods, "--show-labels").stdout
    assert header(out)[-1] == "LABELS"
    assert {r["NAME"]: r["LABELS"] for r in rows(out)} == {"db-1": "app=db", "web-1": "app=web",
                                                          "web-2": "app=web"}
    out = kubectl("get", "pods", "-n", pods, "-L", "app").stdout
    assert header(out)[-1] == "APP"
    out = kubectl("get", "pods", "-n", pods, "--field-selector", "status.phase=Pending").stdout
    assert [r["NAME"] for r in rows(out)] == ["db-1"]
    res = kubectl("get", "pods", "-n", pods, "-l", "app=nothing")
    assert res.stdout == "" and f"No resources found in {pods} namespace." in res.stderr


def test_chunked_list_and_names(kubectl: Kubectl, pods: str) -> None:
    out = kubectl("get", "pods", "-n", pods, "--chunk-size=1").stdout
    assert out.count("NAME") == 1
    assert [r["NAME"] for r in rows(out)] == ["db-1", "web-1", "web-2"]
    out = kubectl("get", "pods", "-n", pods, "-o", "name").stdout
    assert out.split() == ["pod/db-1", "pod/web-1", "pod/web-2"]


def test_sort_by_asks_for_whole_objects(kubectl: Kubectl, pods: str) -> None:
    out = kubectl("get", "pods", "-n", pods, "--sort-by=.metadata.labels.app", "-o", "wide").stdout
    assert header(out)[-1] == "READINESS GATES"
    assert [r["NAME"] for r in rows(out)] == ["db-1", "web-1", "web-2"]


def test_several_kinds_and_get_all(kubectl: Kubectl, kns: str) -> None:
    create(kubectl, kns, pod("p"), {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
         "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80}]}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1", "b": "2"}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"k": "v"}})
    out = kubectl("get", "pods,deploy,svc,cm,secrets", "-n", kns).stdout
    tables = blocks(out)
    assert [t[0][""] for t in tables] == [
        "NAME READY STATUS RESTARTS AGE", "NAME READY UP-TO-DATE AVAILABLE AGE",
        "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE", "NAME DATA AGE", "NAME TYPE DATA AGE"]
    assert tables[0][1]["NAME"] == "pod/p"
    assert (tables[1][1]["NAME"], tables[1][1]["READY"], tables[1][1]["UP-TO-DATE"]) == \
        ("deployment.apps/web", "0/2", "0")
    svc = tables[2][1]
    assert svc["NAME"] == "service/web" and svc["TYPE"] == "NodePort" and svc["EXTERNAL-IP"] == "<none>"
    assert re.fullmatch(r"80:3\d{4}/TCP", svc["PORT(S)"]) and re.fullmatch(r"10(\.\d+){3}", svc["CLUSTER-IP"])
    assert (tables[3][1]["NAME"], tables[3][1]["DATA"]) == ("configmap/cfg", "2")
    assert (tables[4][1]["TYPE"], tables[4][1]["DATA"]) == ("Opaque", "1")

    out = kubectl("get", "deploy", "-n", kns, "-o", "wide").stdout
    assert header(out) == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    assert rows(out)[0]["SELECTOR"] == "app=web" and rows(out)[0]["IMAGES"] == "nginx:1.27"

    out = kubectl("get", "all", "-n", kns).stdout
    names = [t[1]["NAME"] for t in blocks(out)]
    assert "pod/p" in names and "service/web" in names and "deployment.apps/web" in names


def test_workload_and_cluster_kinds(kubectl: Kubectl, kns: str) -> None:
    template = {"metadata": {"labels": {"app": "j"}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}
    create(kubectl, kns,
           {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {"template": template}},
           {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "cj"},
            "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": template}}}},
           {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "rs"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "j"}}, "template": template | {
                "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}},
           {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "robot"}})
    out = kubectl("get", "jobs", "-n", kns).stdout
    assert header(out) == ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]
    assert (rows(out)[0]["STATUS"], rows(out)[0]["COMPLETIONS"]) == ("Running", "0/1")
    out = kubectl("get", "cronjobs", "-n", kns).stdout
    assert header(out) == ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"]
    assert rows(out)[0]["SCHEDULE"] == "*/5 * * * *" and rows(out)[0]["LAST SCHEDULE"] == "<none>"
    out = kubectl("get", "rs", "-n", kns).stdout
    assert header(out) == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
    out = kubectl("get", "sa", "robot", "-n", kns).stdout
    assert header(out) == ["NAME", "SECRETS", "AGE"] and rows(out)[0]["SECRETS"] == "0"

    out = kubectl("get", "namespace", kns).stdout
    assert header(out) == ["NAME", "STATUS", "AGE"] and rows(out)[0]["STATUS"] == "Active"
    create(kubectl, None, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                           "metadata": {"name": f"{kns}-reader"}, "rules": []})
    out = kubectl("get", "clusterrole", f"{kns}-reader").stdout
    assert header(out) == ["NAME", "CREATED AT"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rows(out)[0]["CREATED AT"])


def test_nodes_and_events(kubectl: Kubectl, kns: str, kapi_server: ServerThread) -> None:
    node = f"{kns}-node"
    create(kubectl, None, {"apiVersion": "v1", "kind": "Node",
                           "metadata": {"name": node, "labels": {"node-role.kubernetes.io/control-plane": ""}}})
    set_status(kapi_server, f"/api/v1/nodes/{node}", {
        "conditions": [{"type": "Ready", "status": "True"}],
        "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}],
        "nodeInfo": {"kubeletVersion": "v1.33.1", "osImage": "Debian GNU/Linux 12", "kernelVersion": "6.1",
                     "containerRuntimeVersion": "containerd://1.7", "machineID": "", "systemUUID": "",
                     "bootID": "", "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64"}})
    out = kubectl("get", "node", node, "-o", "wide").stdout
    assert header(out) == ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE",
                           "KERNEL-VERSION", "CONTAINER-RUNTIME"]
    r = rows(out)[0]
    assert (r["STATUS"], r["ROLES"], r["VERSION"], r["INTERNAL-IP"], r["EXTERNAL-IP"], r["OS-IMAGE"]) == \
        ("Ready", "control-plane", "v1.33.1", "172.18.0.2", "<none>", "Debian GNU/Linux 12")

    create(kubectl, kns, {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "p.1"},
                          "involvedObject": {"kind": "Pod", "name": "p", "namespace": kns},
                          "reason": "Scheduled", "message": "Successfully assigned", "type": "Normal",
                          "source": {"component": "default-scheduler"}, "count": 1,
                          "firstTimestamp": now_rfc3339(90), "lastTimestamp": now_rfc3339(90)})
    out = kubectl("get", "events", "-n", kns).stdout
    assert header(out) == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    r = rows(out)[0]
    assert (r["TYPE"], r["REASON"], r["OBJECT"], r["MESSAGE"]) == ("Normal", "Scheduled", "pod/p",
                                                                   "Successfully assigned")
    assert re.fullmatch(r"9\ds", r["LAST SEEN"])


def test_raw_table_responses(kapi_server: ServerThread, kubectl: Kubectl, kns: str) -> None:
    create(kubectl, kns, pod("p", {"app": "x"}))
    base = f"/api/v1/namespaces/{kns}/pods"
    code, headers, body = http(kapi_server, "GET", base + "?limit=500", accept=TABLE_ACCEPT)
    assert code == 200 and headers["Content-Type"].startswith("application/json")
    table = json.loads(body)
    assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    assert int(table["metadata"]["resourceVersion"]) > 0
    assert [c["name"] for c in table["columnDefinitions"]][:5] == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert table["columnDefinitions"][0]["format"] == "name"
    obj = table["rows"][0]["object"]
    assert (obj["kind"], obj["apiVersion"], obj["metadata"]["labels"]) == ("PartialObjectMetadata",
                                                                          "meta.k8s.io/v1", {"app": "x"})
    assert json.loads(http(kapi_server, "GET", base + "/p?includeObject=Object",
                           accept=TABLE_ACCEPT)[2])["rows"][0]["object"]["kind"] == "Pod"
    assert json.loads(http(kapi_server, "GET", base + "?includeObject=None",
                           accept=TABLE_ACCEPT)[2])["rows"][0]["object"] is None
    assert http(kapi_server, "GET", base + "?includeObject=Everything", accept=TABLE_ACCEPT)[0] == 400
    v1beta1 = json.loads(http(kapi_server, "GET", base,
                              accept="application/json;as=Table;v=v1beta1;g=meta.k8s.io")[2])
    assert v1beta1["apiVersion"] == "meta.k8s.io/v1beta1"
    assert json.loads(http(kapi_server, "GET", base)[2])["kind"] == "PodList"

    # a watch: one-row Tables, the column definitions only in the first event
    req = urllib.request.Request(kapi_server.url + base + "?watch=true&timeoutSeconds=2",
                                 headers={"Accept": TABLE_ACCEPT})
    with urllib.request.urlopen(req, timeout=10) as resp:
        first = json.loads(resp.readline())
        assert first["type"] == "ADDED" and first["object"]["kind"] == "Table"
        assert len(first["object"]["columnDefinitions"]) == 9 and len(first["object"]["rows"]) == 1
        create(kubectl, kns, pod("q"))
        second = json.loads(resp.readline())
    assert second["type"] == "ADDED" and second["object"]["columnDefinitions"] == []
    assert second["object"]["rows"][0]["cells"][0] == "q"


def test_get_watch_prints_rows_as_they_change(kubectl: Kubectl, kubectl_env: dict[str, str], kns: str) -> None:
    create(kubectl, kns, pod("w1"))
    proc = subprocess.Popen(["kubectl", "get", "pods", "-n", kns, "-w", "--request-timeout=20s"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=kubectl_env)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline(), proc.stdout.readline()]
        create(kubectl, kns, pod("w2"))
        kubectl("delete", "pod", "w1", "-n", kns, "--wait=false")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and sum(" w1 " in x or x.startswith("w1 ") for x in lines) < 2:
            lines.append(proc.stdout.readline())
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert header(lines[0]) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert lines[1].split()[:3] == ["w1", "0/1", "Pending"]
    assert any(x.split()[:1] == ["w2"] for x in lines[2:])
    assert sum(x.startswith("w1 ") for x in lines) >= 2  # the deletion prints the row again
    assert sum(x.startswith("NAME") for x in lines) == 1
