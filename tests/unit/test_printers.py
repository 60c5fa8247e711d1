"""Table printers: cells for literal objects, as upstream's ``printers.go`` computes them."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from kapi.apiserver.tables import TableBuilder, TableRequest, table_request, wants_table
from kapi.machinery.errors import StatusError
from kapi.registry.catalog import Catalog
from kapi.registry.printers import CUSTOM, DEFAULT, human_duration, pod_status, printer_for
from kapi.registry.types import ResourceType

NOW = 1_700_000_000.0
KUBECTL_ACCEPT = ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
                  "g=meta.k8s.io,application/json")


def ts(seconds_ago: float) -> str:
    return datetime.fromtimestamp(NOW - seconds_ago, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rt_of(group: str, kind: str) -> ResourceType:
    for rt in Catalog.builtin().all():
        if rt.group == group and rt.kind == kind:
            return rt
    raise LookupError(kind)


def row(group: str, kind: str, obj: dict[str, Any]) -> list[Any]:
    return printer_for(rt_of(group, kind)).cells(obj, NOW)


def headers(group: str, kind: str, wide: bool = False) -> list[str]:
    cols = printer_for(rt_of(group, kind)).column_definitions()
    return [c["name"].upper() for c in cols if wide or c["priority"] == 0]


@pytest.mark.parametrize(("seconds", "text"), [
    (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (59, "59s"), (119, "119s"), (120, "2m"), (150, "2m30s"),
    (599, "9m59s"), (600, "10m"), (179 * 60, "179m"), (3 * 3600, "3h"), (3 * 3600 + 600, "3h10m"),
    (8 * 3600 + 60, "8h"), (47 * 3600, "47h"), (48 * 3600, "2d"), (50 * 3600, "2d2h"), (8 * 86400, "8d"),
    (729 * 86400, "729d"), (800 * 86400, "2y70d"), (3 * 365 * 86400, "3y"), (9 * 365 * 86400, "9y"),
])
def test_human_duration(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


# --- pods ------------------------------------------------------------------------------------------
def pod(status: dict[str, Any] | None = None, *, spec: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None, containers: int = 1) -> dict[str, Any]:
    return {"metadata": {"name": "p", "creationTimestamp": ts(300), **(meta or {})},
            "spec": {"containers": [{"name": f"c{i}", "image": "nginx"} for i in range(containers)],
                     **(spec or {})},
            "status": status or {}}


def running(name: str = "c0", *, ready: bool = True, restarts: int = 0,
            finished_ago: float | None = None) -> dict[str, Any]:
    cs: dict[str, Any] = {"name": name, "ready": ready, "restartCount": restarts,
                          "state": {"running": {"startedAt": ts(60)}}}
    if finished_ago is not None:
        cs["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ts(finished_ago)}}
    return cs


def waiting(reason: str, name: str = "c0", restarts: int = 0, finished_ago: float | None = None) -> dict[str, Any]:
    cs: dict[str, Any] = {"name": name, "ready": False, "restartCount": restarts,
                          "state": {"waiting": {"reason": reason}}}
    if finished_ago is not None:
        cs["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ts(finished_ago)}}
    return cs


def terminated(reason: str | None, code: int = 0, name: str = "c0", signal: int = 0) -> dict[str, Any]:
    t: dict[str, Any] = {"exitCode": code}
    if reason:
        t["reason"] = reason
    if signal:
        t["signal"] = signal
    return {"name": name, "ready": False, "restartCount": 0, "state": {"terminated": t}}


READY = [{"type": "Ready", "status": "True"}, {"type": "Initialized", "status": "True"}]


@pytest.mark.parametrize(("obj", "expected"), [
    (pod({"phase": "Pending"}), ("0/1", "Pending", "0")),
    (pod({"phase": "Pending", "containerStatuses": [waiting("ContainerCreating")]}),
     ("0/1", "ContainerCreating", "0")),
    (pod({"phase": "Running", "conditions": READY, "containerStatuses": [running()]}), ("1/1", "Running", "0")),
    (pod({"phase": "Running", "containerStatuses": [waiting("CrashLoopBackOff", restarts=5, finished_ago=300)]}),
     ("0/1", "CrashLoopBackOff", "5 (5m ago)")),
    (pod({"phase": "Running", "conditions": READY,
          "containerStatuses": [running(restarts=2, finished_ago=4 * 3600)]}), ("1/1", "Running", "2 (4h ago)")),
    (pod({"phase": "Running", "containerStatuses": [running("c0"), running("c1", ready=False)]}, containers=2),
     ("1/2", "Running", "0")),
    (pod({"phase": "Succeeded", "containerStatuses": [terminated("Completed")]}), ("0/1", "Completed", "0")),
    (pod({"phase": "Failed", "containerStatuses": [terminated("Error", 1)]}), ("0/1", "Error", "0")),
    (pod({"phase": "Failed", "containerStatuses": [terminated(None, 137)]}), ("0/1", "ExitCode:137", "0")),
    (pod({"phase": "Failed", "containerStatuses": [terminated(None, 0, signal=9)]}), ("0/1", "Signal:9", "0")),
    (pod({"phase": "Running", "containerStatuses": [terminated("Completed", name="c1"), running("c0")]},
         containers=2), ("1/2", "NotReady", "0")),
    (pod({"phase": "Running", "conditions": READY,
          "containerStatuses": [terminated("Completed", name="c1"), running("c0")]}, containers=2),
     ("1/2", "Running", "0")),
    (pod({"phase": "Running", "conditions": READY, "containerStatuses": [running()]},
         meta={"deletionTimestamp": ts(1)}), ("1/1", "Terminating", "0")),
    (pod({"phase": "Succeeded", "containerStatuses": [terminated("Completed")]},
         meta={"deletionTimestamp": ts(1)}), ("0/1", "Completed", "0")),
    (pod({"phase": "Running", "reason": "NodeLost", "containerStatuses": [running()]},
         meta={"deletionTimestamp": ts(1)}), ("1/1", "Unknown", "0")),
    (pod({"phase": "Pending", "reason": "Evicted"}), ("0/1", "Evicted", "0")),
    (pod({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
                                              "reason": "SchedulingGated"}]}), ("0/1", "SchedulingGated", "0")),
])
def test_pod_status_text(obj: dict[str, Any], expected: tuple[str, str, str]) -> None:
    assert pod_status(obj, NOW) == expected


def _init_pod(init_status: list[dict[str, Any]], n_init: int = 1, **kw: Any) -> dict[str, Any]:
    inits = [{"name": f"i{i}", "image": "busybox"} for i in range(n_init)]
    return pod({"phase": "Pending", "initContainerStatuses": init_status,
                "containerStatuses": [waiting("PodInitializing")]}, spec={"initContainers": inits}, **kw)


@pytest.mark.parametrize(("obj", "status"), [
    (_init_pod([{"name": "i0", "restartCount": 0, "state": {"running": {}}}]), "Init:0/1"),
    (_init_pod([terminated("Completed", name="i0"), {"name": "i1", "state": {"running": {}}}], 2), "Init:1/2"),
    (_init_pod([waiting("CrashLoopBackOff", name="i0", restarts=3)]), "Init:CrashLoopBackOff"),
    (_init_pod([terminated("Error", 1, name="i0")]), "Init:Error"),
    (_init_pod([terminated(None, 2, name="i0")]), "Init:ExitCode:2"),
    (_init_pod([terminated(None, 0, name="i0", signal=15) | {"state": {"terminated": {"exitCode": 143,
                                                                                      "signal": 15}}}]),
     "Init:Signal:15"),
    (_init_pod([terminated("Completed", name="i0")]), "PodInitializing"),
])
def test_pod_init_status(obj: dict[str, Any], status: str) -> None:
    assert pod_status(obj, NOW)[1] == status


def test_pod_sidecar_counts_as_a_container() -> None:
    obj = pod({"phase": "Running", "conditions": READY,
               "initContainerStatuses": [{"name": "side", "started": True, "ready": True, "restartCount": 1,
                                          "state": {"running": {}},
                                          "lastState": {"terminated": {"exitCode": 1, "finishedAt": ts(30)}}}],
               "containerStatuses": [running()]},
              spec={"initContainers": [{"name": "side", "image": "envoy", "restartPolicy": "Always"}]})
    assert pod_status(obj, NOW) == ("2/2", "Running", "1 (30s ago)")


def test_pod_row_wide_cells_and_conditions() -> None:
    obj = pod({"phase": "Succeeded", "podIPs": [{"ip": "10.1.0.5"}], "nominatedNodeName": "n2",
               "conditions": [{"type": "www.example.com/gate", "status": "True"}],
               "containerStatuses": [terminated("Completed")]},
              spec={"nodeName": "n1", "readinessGates": [{"conditionType": "www.example.com/gate"},
                                                         {"conditionType": "other"}]})
    assert row("", "Pod", obj) == ["p", "0/1", "Completed", "0", "5m", "10.1.0.5", "n1", "n2", "1/2"]
    printer = printer_for(rt_of("", "Pod"))
    assert printer.conditions is not None
    assert printer.conditions(obj) == [{"type": "Completed", "status": "True", "reason": "Succeeded",
                                        "message": "The pod has completed successfully."}]
    assert row("", "Pod", pod())[5:] == ["<none>", "<none>", "<none>", "<none>"]


def test_pod_columns_match_upstream() -> None:
    cols = printer_for(rt_of("", "Pod")).column_definitions()
    assert [(c["name"], c["type"], c["format"], c["priority"]) for c in cols] == [
        ("Name", "string", "name", 0), ("Ready", "string", "", 0), ("Status", "string", "", 0),
        ("Restarts", "string", "", 0), ("Age", "string", "", 0), ("IP", "string", "", 1),
        ("Node", "string", "", 1), ("Nominated Node", "string", "", 1), ("Readiness Gates", "string", "", 1)]
    assert cols[0]["description"].startswith("Name must be unique within a namespace.")
    assert cols[4]["description"].startswith("CreationTimestamp is a timestamp")
    assert cols[5]["description"].startswith("podIP address allocated to the pod.")


# --- workloads ----------------------------------------------------------------------------------------
TEMPLATE = {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "a", "image": "nginx:1"}, {"name": "b", "image": "redis"}]}}


def test_deployment_row() -> None:
    obj = {"metadata": {"name": "web", "creationTimestamp": ts(3 * 86400 + 7200)},
           "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"},
                                               "matchExpressions": [{"key": "tier", "operator": "In",
                                                                     "values": ["b", "a"]}]},
                    "template": TEMPLATE},
           "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}}
    assert headers("apps", "Deployment") == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert headers("apps", "Deployment", wide=True)[5:] == ["CONTAINERS", "IMAGES", "SELECTOR"]
    assert row("apps", "Deployment", obj) == ["web", "2/3", 3, 2, "3d2h", "a,b", "nginx:1,redis",
                                              "app=web,tier in (a,b)"]


def test_replicaset_statefulset_daemonset_rows() -> None:
    rs = {"metadata": {"name": "web-1", "creationTimestamp": ts(10)},
          "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": TEMPLATE},
          "status": {"replicas": 2, "readyReplicas": 1}}
    assert headers("apps", "ReplicaSet") == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
    assert row("apps", "ReplicaSet", rs) == ["web-1", 2, 2, 1, "10s", "a,b", "nginx:1,redis", "app=web"]
    sts = {"metadata": {"name": "db", "creationTimestamp": ts(10)}, "spec": {"replicas": 3, "template": TEMPLATE},
           "status": {"readyReplicas": 3}}
    assert headers("apps", "StatefulSet") == ["NAME", "READY", "AGE"]
    assert row("apps", "StatefulSet", sts) == ["db", "3/3", "10s", "a,b", "nginx:1,redis"]
    ds = {"metadata": {"name": "agent", "creationTimestamp": ts(10)},
          "spec": {"selector": {"matchLabels": {"app": "a"}},
                   "template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"}, "containers": []}}},
          "status": {"desiredNumberScheduled": 2, "currentNumberScheduled": 2, "numberReady": 1}}
    assert headers("apps", "DaemonSet") == ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE",
                                            "NODE SELECTOR", "AGE"]
    assert row("apps", "DaemonSet", ds) == ["agent", 2, 2, 1, 0, 0, "kubernetes.io/os=linux", "10s", "", "",
                                            "app=a"]


@pytest.mark.parametrize(("spec", "status", "cells"), [
    ({"completions": 3, "parallelism": 1}, {"succeeded": 1, "startTime": ts(90)}, ["Running", "1/3", "90s"]),
    ({"parallelism": 2}, {}, ["Running", "0/1 of 2", ""]),
    ({"completions": 1}, {"succeeded": 1, "startTime": ts(100), "completionTime": ts(40),
                          "conditions": [{"type": "SuccessCriteriaMet", "status": "True"},
                                         {"type": "Complete", "status": "True"}]}, ["Complete", "1/1", "60s"]),
    ({"completions": 1}, {"conditions": [{"type": "FailureTarget", "status": "True"}]},
     ["FailureTarget", "0/1", ""]),
    ({"completions": 1}, {"conditions": [{"type": "Failed", "status": "True"}]}, ["Failed", "0/1", ""]),
    ({"completions": 1, "suspend": True}, {"conditions": [{"type": "Suspended", "status": "True"}]},
     ["Suspended", "0/1", ""]),
])
def test_job_row(spec: dict[str, Any], status: dict[str, Any], cells: list[str]) -> None:
    obj = {"metadata": {"name": "j", "creationTimestamp": ts(120)},
           "spec": {**spec, "template": TEMPLATE, "selector": {"matchLabels": {"batch.kubernetes.io/job-name": "j"}}},
           "status": status}
    assert headers("batch", "Job") == ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]
    assert row("batch", "Job", obj) == ["j", *cells, "2m", "a,b", "nginx:1,redis", "batch.kubernetes.io/job-name=j"]


def test_cronjob_row() -> None:
    obj = {"metadata": {"name": "cj", "creationTimestamp": ts(3600)},
           "spec": {"schedule": "*/5 * * * *", "suspend": False, "jobTemplate": {"spec": {"template": TEMPLATE}}},
           "status": {"active": [{"name": "x"}], "lastScheduleTime": ts(200)}}
    assert headers("batch", "CronJob") == ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE",
                                           "AGE"]
    assert row("batch", "CronJob", obj)[:7] == ["cj", "*/5 * * * *", "<none>", "False", 1, "3m20s", "60m"]


# --- services, endpoints, ingresses ---------------------------------------------------------------------
@pytest.mark.parametrize(("spec", "status", "cells"), [
    ({"type": "ClusterIP", "clusterIPs": ["10.96.0.10"], "ports": [{"port": 53, "protocol": "UDP"},
                                                                   {"port": 53, "protocol": "TCP"}]},
     {}, ["ClusterIP", "10.96.0.10", "<none>", "53/UDP,53/TCP"]),
    ({"type": "NodePort", "clusterIPs": ["10.96.0.11"], "externalIPs": ["1.2.3.4"],
      "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}]},
     {}, ["NodePort", "10.96.0.11", "1.2.3.4", "80:30080/TCP"]),
    ({"type": "LoadBalancer", "clusterIPs": ["10.96.0.12"], "ports": [{"port": 443, "nodePort": 31443,
                                                                      "protocol": "TCP"}]},
     {}, ["LoadBalancer", "10.96.0.12", "<pending>", "443:31443/TCP"]),
    ({"type": "LoadBalancer", "clusterIPs": ["10.96.0.12"], "ports": []},
     {"loadBalancer": {"ingress": [{"ip": "5.6.7.8"}, {"hostname": "lb.example.com"}]}},
     ["LoadBalancer", "10.96.0.12", "5.6.7.8,lb.example.com", "<none>"]),
    ({"type": "ExternalName", "externalName": "db.example.com"}, {},
     ["ExternalName", "<none>", "db.example.com", "<none>"]),
])
def test_service_row(spec: dict[str, Any], status: dict[str, Any], cells: list[str]) -> None:
    obj = {"metadata": {"name": "s", "creationTimestamp": ts(5)}, "spec": {**spec, "selector": {"app": "x"}},
           "status": status}
    assert row("", "Service", obj) == ["s", *cells, "5s", "app=x"]


def test_endpoints_and_slices() -> None:
    eps = {"metadata": {"name": "e", "creationTimestamp": ts(5)},
           "subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "fd00::3"}, {"ip": "10.0.0.4"}],
                        "ports": [{"port": 80}]}]}
    assert row("", "Endpoints", eps) == ["e", "10.0.0.1:80,10.0.0.2:80,[fd00::3]:80 + 1 more...", "5s"]
    assert row("", "Endpoints", {"metadata": {"name": "e"}})[1:] == ["<none>", "<unknown>"]
    sl = {"metadata": {"name": "s-1", "creationTimestamp": ts(5)}, "addressType": "IPv4",
          "ports": [{"port": 80}, {"name": "x"}], "endpoints": [{"addresses": ["10.0.0.1"]}]}
    assert row("discovery.k8s.io", "EndpointSlice", sl) == ["s-1", "IPv4", "80,x", "10.0.0.1", "5s"]
    assert row("discovery.k8s.io", "EndpointSlice", {"metadata": {"name": "s"}})[2:4] == ["<unset>", "<unset>"]


def test_ingress_row() -> None:
    obj = {"metadata": {"name": "i", "creationTimestamp": ts(5)},
           "spec": {"ingressClassName": "nginx", "tls": [{"hosts": ["a.com"]}],
                    "rules": [{"host": "a.com"}, {"host": "b.com"}, {"host": "c.com"}, {"host": "d.com"}]},
           "status": {"loadBalancer": {"ingress": [{"ip": "1.1.1.1"}]}}}
    assert headers("networking.k8s.io", "Ingress") == ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"]
    assert row("networking.k8s.io", "Ingress", obj) == ["i", "nginx", "a.com,b.com,c.com + 1 more...", "1.1.1.1",
                                                        "80, 443", "5s"]


# --- cluster-scoped and config kinds ------------------------------------------------------------------
def test_node_row() -> None:
    obj = {"metadata": {"name": "n1", "creationTimestamp": ts(86400 * 3),
                        "labels": {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "infra"}},
           "spec": {"unschedulable": True},
           "status": {"conditions": [{"type": "MemoryPressure", "status": "False"},
                                     {"type": "Ready", "status": "True"}],
                      "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}],
                      "nodeInfo": {"kubeletVersion": "v1.33.0", "osImage": "Debian"}}}
    assert headers("", "Node") == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert row("", "Node", obj) == ["n1", "Ready,SchedulingDisabled", "control-plane,infra", "3d", "v1.33.0",
                                    "172.18.0.2", "<none>", "Debian", "<unknown>", "<unknown>"]
    assert row("", "Node", {"metadata": {"name": "n"}})[1:3] == ["Unknown", "<none>"]


def test_namespace_configmap_secret_serviceaccount_rows() -> None:
    assert row("", "Namespace", {"metadata": {"name": "x", "creationTimestamp": ts(1)},
                                 "status": {"phase": "Terminating"}}) == ["x", "Terminating", "1s"]
    assert row("", "ConfigMap", {"metadata": {"name": "c", "creationTimestamp": ts(1)},
                                 "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}}) == ["c", 3, "1s"]
    assert row("", "Secret", {"metadata": {"name": "s", "creationTimestamp": ts(1)}, "type": "Opaque",
                              "data": {"a": "MQ=="}}) == ["s", "Opaque", 1, "1s"]
    assert headers("", "ServiceAccount") == ["NAME", "SECRETS", "AGE"]
    assert row("", "ServiceAccount", {"metadata": {"name": "default", "creationTimestamp": ts(1)}}) == \
        ["default", 0, "1s"]


def test_event_rows_core_and_events_v1() -> None:
    ev = {"metadata": {"name": "p.1", "creationTimestamp": ts(100)}, "type": "Normal", "reason": "Scheduled",
          "involvedObject": {"kind": "Pod", "name": "p", "fieldPath": "spec.containers{c}"},
          "source": {"component": "default-scheduler"}, "message": "Assigned\n",
          "firstTimestamp": ts(100), "lastTimestamp": ts(30), "count": 3}
    assert headers("", "Event") == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert row("", "Event", ev) == ["30s", "Normal", "Scheduled", "pod/p", "spec.containers{c}",
                                    "default-scheduler", "Assigned", "100s", 3, "p.1"]
    new = {"metadata": {"name": "p.2"}, "type": "Warning", "reason": "BackOff", "note": "Back-off",
           "regarding": {"kind": "Pod", "name": "p"}, "eventTime": ts(20),
           "reportingController": "kubelet", "reportingInstance": "n1",
           "series": {"count": 4, "lastObservedTime": ts(5)}}
    assert row("events.k8s.io", "Event", new) == ["5s", "Warning", "BackOff", "pod/p", "", "kubelet, n1",
                                                  "Back-off", "20s", 4, "p.2"]


def test_storage_rows() -> None:
    pv = {"metadata": {"name": "pv1", "creationTimestamp": ts(1)},
          "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
                   "persistentVolumeReclaimPolicy": "Retain", "claimRef": {"namespace": "ns", "name": "c"},
                   "storageClassName": "fast"}, "status": {"phase": "Bound"}}
    assert headers("", "PersistentVolume") == ["NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS",
                                               "CLAIM", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"]
    assert row("", "PersistentVolume", pv) == ["pv1", "5Gi", "RWO,RWX", "Retain", "Bound", "ns/c", "fast",
                                               "<unset>", "", "1s", "<unset>"]
    pvc = {"metadata": {"name": "c", "creationTimestamp": ts(1)},
           "spec": {"volumeName": "pv1", "storageClassName": "fast", "volumeMode": "Filesystem"},
           "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "5Gi"}}}
    assert row("", "PersistentVolumeClaim", pvc) == ["c", "Bound", "pv1", "5Gi", "RWO", "fast", "<unset>", "1s",
                                                     "Filesystem"]
    sc = {"metadata": {"name": "std", "creationTimestamp": ts(1),
                       "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
          "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer"}
    assert row("storage.k8s.io", "StorageClass", sc) == ["std (default)", "rancher.io/local-path", "Delete",
                                                         "WaitForFirstConsumer", False, "1s"]


def test_rbac_policy_autoscaling_and_other_rows() -> None:
    rb = {"metadata": {"name": "rb", "creationTimestamp": ts(1)}, "roleRef": {"kind": "ClusterRole", "name": "view"},
          "subjects": [{"kind": "User", "name": "alice"}, {"kind": "Group", "name": "devs"},
                       {"kind": "ServiceAccount", "namespace": "ns", "name": "sa"}]}
    assert row("rbac.authorization.k8s.io", "RoleBinding", rb) == ["rb", "ClusterRole/view", "1s", "alice",
                                                                   "devs", "ns/sa"]
    pdb = {"metadata": {"name": "pdb", "creationTimestamp": ts(1)}, "spec": {"minAvailable": "50%"},
           "status": {"disruptionsAllowed": 1}}
    assert row("policy", "PodDisruptionBudget", pdb) == ["pdb", "50%", "N/A", 1, "1s"]
    hpa = {"metadata": {"name": "h", "creationTimestamp": ts(1)},
           "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 1, "maxReplicas": 5,
                    "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                        "type": "Utilization", "averageUtilization": 80}}}]},
           "status": {"currentReplicas": 2}}
    assert headers("autoscaling", "HorizontalPodAutoscaler") == ["NAME", "REFERENCE", "TARGETS", "MINPODS",
                                                                 "MAXPODS", "REPLICAS", "AGE"]
    assert row("autoscaling", "HorizontalPodAutoscaler", hpa) == ["h", "Deployment/web", "cpu: <unknown>/80%",
                                                                  "1", 5, 2, "1s"]
    lease = {"metadata": {"name": "l", "creationTimestamp": ts(1)}, "spec": {"holderIdentity": "me"}}
    assert row("coordination.k8s.io", "Lease", lease) == ["l", "me", "1s"]
    csr = {"metadata": {"name": "csr", "creationTimestamp": ts(1)},
           "spec": {"signerName": "kubernetes.io/kubelet-serving", "username": "system:node:n1",
                    "expirationSeconds": 3600},
           "status": {"conditions": [{"type": "Approved"}], "certificate": "Zm9v"}}
    assert row("certificates.k8s.io", "CertificateSigningRequest", csr) == [
        "csr", "1s", "kubernetes.io/kubelet-serving", "system:node:n1", "60m", "Approved,Issued"]


def test_default_and_custom_printers() -> None:
    role = rt_of("rbac.authorization.k8s.io", "ClusterRole")
    assert printer_for(role) is DEFAULT
    assert [c["name"] for c in DEFAULT.column_definitions()] == ["Name", "Created At"]
    assert DEFAULT.cells({"metadata": {"name": "view", "creationTimestamp": "2024-05-01T10:00:00Z"}}, NOW) == \
        ["view", "2024-05-01T10:00:00Z"]
    crd = rt_of("apiextensions.k8s.io", "CustomResourceDefinition")
    assert printer_for(crd) is DEFAULT
    widget = ResourceType(group="example.com", version="v1", kind="Widget", plural="widgets", singular="widget",
                          namespaced=True, verbs=("get", "list"))
    assert printer_for(widget) is CUSTOM
    assert CUSTOM.cells({"metadata": {"name": "w", "creationTimestamp": ts(42)}}, NOW) == ["w", "42s"]


def test_every_builtin_printer_survives_an_empty_object() -> None:
    for rt in Catalog.builtin().all():
        printer = printer_for(rt)
        cells = printer.cells({"metadata": {"name": "x"}}, NOW)
        # IPAddress prints one cell more than it declares, as upstream does (kubectl ignores extras)
        assert len(cells) == len(printer.columns) + (rt.kind == "IPAddress"), rt.kind
        assert cells[[c.format for c in printer.columns].index("name")] == "x" or rt.kind == "Event", rt.kind


# --- the Table mechanism ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("accept", "version"), [
    (KUBECTL_ACCEPT, "v1"),
    ("application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json", "v1beta1"),
    ("application/json", None),
    (None, None),
    ("application/json, application/json;as=Table;v=v1;g=meta.k8s.io", None),
    ("application/json;as=Table;v=v1;g=meta.k8s.io;q=0, application/json", None),
    ("application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;"
     "g=meta.k8s.io", "v1"),
    ("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json", None),
    ("application/json;as=Table;v=v2;g=meta.k8s.io,application/json", None),
])
def test_accept_parsing(accept: str | None, version: str | None) -> None:
    assert wants_table(accept) == version


def test_include_object_is_validated() -> None:
    assert table_request(KUBECTL_ACCEPT, {}) == TableRequest("v1", "Metadata")
    assert table_request(KUBECTL_ACCEPT, {"includeObject": "None"}) == TableRequest("v1", "None")
    assert table_request("application/json", {"includeObject": "bogus"}) is None
    with pytest.raises(StatusError) as exc:
        table_request(KUBECTL_ACCEPT, {"includeObject": "bogus"})
    assert exc.value.code == 400


def test_object_table_and_watch_events() -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": "c", "namespace": "ns", "resourceVersion": "7", "labels": {"a": "b"},
                        "creationTimestamp": datetime.fromtimestamp(time.time() - 5, UTC).strftime(
                            "%Y-%m-%dT%H:%M:%SZ")},
           "data": {"k": "v"}}
    rt = rt_of("", "ConfigMap")
    table = TableBuilder(rt, TableRequest()).object_table(obj)
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"] == {"resourceVersion": "7"}
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Data", "Age"]
    assert table["rows"][0]["cells"][:2] == ["c", 1]
    assert table["rows"][0]["object"] == {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                          "metadata": obj["metadata"]}
    assert TableBuilder(rt, TableRequest(include="None")).object_table(obj)["rows"][0]["object"] is None
    assert TableBuilder(rt, TableRequest(include="Object")).object_table(obj)["rows"][0]["object"] == obj

    builder = TableBuilder(rt, TableRequest())
    line = orjson.dumps({"type": "ADDED", "object": obj}) + b"\n"
    bookmark = orjson.dumps({"type": "BOOKMARK", "object": {"kind": "ConfigMap", "apiVersion": "v1",
                                                           "metadata": {"resourceVersion": "9"}}}) + b"\n"
    error = b'{"type":"ERROR","object":{"kind":"Status","code":410}}\n'
    out = builder.watch_chunk(line + line.replace(b"ADDED", b"MODIFIED") + bookmark + error)
    events = [orjson.loads(x) for x in out.splitlines()]
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "BOOKMARK", "ERROR"]
    assert len(events[0]["object"]["columnDefinitions"]) == 3
    assert events[1]["object"]["columnDefinitions"] == []
    assert len(events[1]["object"]["rows"]) == 1
    assert events[2]["object"] == {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
                                   "metadata": {"resourceVersion": "9"}, "columnDefinitions": [], "rows": []}
    assert events[3]["object"]["kind"] == "Status"
    assert builder.watch_chunk(b"") == b""
