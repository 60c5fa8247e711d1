"""CRUD of representative kinds through the official typed client (kubernetes 37).

Each kind goes through create -> read -> replace -> patch -> list -> delete, checking the
server's system fields and upstream defaults on the way. Cluster-scoped kinds are included.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from kubernetes import client

from tests.conformance.conftest import Raw, api_error, assert_status, uniq, wait_for

CSR_PEM_B64 = (
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIZ01JR0lBZ0VBTUNZeEZEQVNCZ05WQkFNTUMyTnZibVp2Y20xaGJt"
    "TmxNUTR3REFZRFZRUUtEQVYwWlhOMApjekJaTUJNR0J5cUdTTTQ5QWdFR0NDcUdTTTQ5QXdFSEEwSUFCTFlGYVYraG1QQmVvQzVXanhG"
    "c2s2ZC9KUmx6ClR3MldtaHMxSG1ydUk4NnBJeWRrT0FIYTRDR1dVL3RZanZQYVpUcG1Vd21ieVFaeXlqK2NtNkFPSnUyZ0FEQUsKQmdn"
    "cWhrak9QUVFEQWdOSEFEQkVBaUFDNVRiTkZPejZ6d1dLbEs4ZjBGd1Y1NmRnQkRaVmx2ZnZ4TVZPSkJKSwo0UUlnYThjUGlzYm5nRzRE"
    "L0xBZmxkZjBITkorekJORGc5OHNpcWFEeTV1RjNmdz0KLS0tLS1FTkQgQ0VSVElGSUNBVEUgUkVRVUVTVC0tLS0tCg=="
)


def model(cls: str, body: dict[str, Any]) -> Any:
    return getattr(client, cls).from_dict(body)


def labels_of(obj: Any) -> dict[str, str]:
    return dict(obj.metadata.labels or {})


@dataclass
class Kind:
    """How to drive one kind through the typed client."""

    id: str
    api: str
    suffix: str  # e.g. "namespaced_config_map" or "cluster_role"
    model: str
    body: Callable[[str], dict[str, Any]]
    namespaced: bool = True
    check: Callable[[Any], None] | None = None
    mutate: Callable[[Any], None] | None = None  # change something on replace
    extra: dict[str, Any] = field(default_factory=dict)


def _labels(app: str) -> dict[str, str]:
    return {"app": app}


def _pod_template(app: str, restart: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "busybox:1.36", "command": ["sleep", "1"]}]}
    if restart:
        spec["restartPolicy"] = restart
    return {"metadata": {"labels": _labels(app)}, "spec": spec}


def _check_deployment(d: Any) -> None:
    assert d.metadata.generation == 1
    assert d.spec.strategy.type == "RollingUpdate"
    assert d.spec.revision_history_limit == 10
    assert d.spec.progress_deadline_seconds == 600


def _check_statefulset(s: Any) -> None:
    assert s.spec.pod_management_policy == "OrderedReady"
    assert s.spec.update_strategy.type == "RollingUpdate"
    assert s.spec.revision_history_limit == 10
    assert s.metadata.generation == 1


def _check_daemonset(d: Any) -> None:
    assert d.spec.update_strategy.type == "RollingUpdate"
    assert d.spec.revision_history_limit == 10


def _check_job(j: Any) -> None:
    assert j.spec.completions == 1
    assert j.spec.parallelism == 1
    assert j.spec.backoff_limit == 6
    assert j.spec.completion_mode == "NonIndexed"
    assert j.spec.suspend is False
    uid = j.metadata.uid
    assert j.spec.selector.match_labels == {"batch.kubernetes.io/controller-uid": uid}
    tl = j.spec.template.metadata.labels
    assert tl["batch.kubernetes.io/controller-uid"] == uid
    assert tl["batch.kubernetes.io/job-name"] == j.metadata.name
    assert tl["controller-uid"] == uid and tl["job-name"] == j.metadata.name


def _check_cronjob(c: Any) -> None:
    assert c.spec.concurrency_policy == "Allow"
    assert c.spec.suspend is False
    assert c.spec.successful_jobs_history_limit == 3
    assert c.spec.failed_jobs_history_limit == 1


def _check_netpol(n: Any) -> None:
    assert n.spec.policy_types == ["Ingress"]


def _check_storageclass(s: Any) -> None:
    assert s.reclaim_policy == "Delete"
    assert s.volume_binding_mode == "Immediate"


def _check_priorityclass(p: Any) -> None:
    assert p.preemption_policy == "PreemptLowerPriority"


def _check_webhook(w: Any) -> None:
    hook = w.webhooks[0]
    assert hook.failure_policy == "Fail"
    assert hook.match_policy == "Equivalent"
    assert hook.timeout_seconds == 10


def _check_secret(s: Any) -> None:
    assert s.type == "Opaque"
    assert s.string_data is None
    assert s.data["user"] == base64.b64encode(b"admin").decode()
    assert s.data["raw"] == base64.b64encode(b"\x00\x01").decode()


def _check_service(s: Any) -> None:
    assert s.spec.type == "ClusterIP"
    assert s.spec.session_affinity == "None"
    assert s.spec.cluster_ip and s.spec.cluster_ip.startswith("10.")
    assert s.spec.cluster_ips == [s.spec.cluster_ip]
    assert s.spec.ports[0].protocol == "TCP"
    assert s.spec.ports[0].target_port == 8080


def _check_pv(pv: Any) -> None:
    assert pv.spec.persistent_volume_reclaim_policy == "Retain"
    assert pv.spec.volume_mode == "Filesystem"


def _check_hpa(h: Any) -> None:
    assert h.spec.min_replicas == 1


KINDS: list[Kind] = [
    Kind("configmap", "CoreV1Api", "namespaced_config_map", "V1ConfigMap",
         lambda n: {"metadata": {"name": n}, "data": {"a": "1"}},
         mutate=lambda o: setattr(o, "data", {"a": "2"})),
    Kind("secret", "CoreV1Api", "namespaced_secret", "V1Secret",
         lambda n: {"metadata": {"name": n}, "stringData": {"user": "admin"},
                    "data": {"raw": base64.b64encode(b"\x00\x01").decode()}},
         check=_check_secret),
    Kind("service", "CoreV1Api", "namespaced_service", "V1Service",
         lambda n: {"metadata": {"name": n}, "spec": {"selector": {"app": n},
                                                      "ports": [{"port": 80, "targetPort": 8080}]}},
         check=_check_service),
    Kind("serviceaccount", "CoreV1Api", "namespaced_service_account", "V1ServiceAccount",
         lambda n: {"metadata": {"name": n}}),
    Kind("endpoints", "CoreV1Api", "namespaced_endpoints", "V1Endpoints",
         lambda n: {"metadata": {"name": n}, "subsets": [{"addresses": [{"ip": "10.1.2.3"}],
                                                         "ports": [{"port": 80}]}]}),
    Kind("limitrange", "CoreV1Api", "namespaced_limit_range", "V1LimitRange",
         lambda n: {"metadata": {"name": n}, "spec": {"limits": [{"type": "Container",
                                                                  "default": {"cpu": "500m"}}]}}),
    Kind("resourcequota", "CoreV1Api", "namespaced_resource_quota", "V1ResourceQuota",
         lambda n: {"metadata": {"name": n}, "spec": {"hard": {"pods": "10"}}}),
    Kind("podtemplate", "CoreV1Api", "namespaced_pod_template", "V1PodTemplate",
         lambda n: {"metadata": {"name": n}, "template": _pod_template(n)}),
    Kind("replicationcontroller", "CoreV1Api", "namespaced_replication_controller", "V1ReplicationController",
         lambda n: {"metadata": {"name": n}, "spec": {"replicas": 0, "selector": _labels(n),
                                                      "template": _pod_template(n)}}),
    Kind("pvc", "CoreV1Api", "namespaced_persistent_volume_claim", "V1PersistentVolumeClaim",
         lambda n: {"metadata": {"name": n}, "spec": {"accessModes": ["ReadWriteOnce"],
                                                      "resources": {"requests": {"storage": "1Gi"}}}}),
    Kind("persistentvolume", "CoreV1Api", "persistent_volume", "V1PersistentVolume",
         lambda n: {"metadata": {"name": n}, "spec": {"capacity": {"storage": "1Gi"},
                                                      "accessModes": ["ReadWriteOnce"],
                                                      "hostPath": {"path": f"/tmp/{n}"}}},
         namespaced=False, check=_check_pv),
    Kind("node", "CoreV1Api", "node", "V1Node", lambda n: {"metadata": {"name": n}}, namespaced=False),
    Kind("deployment", "AppsV1Api", "namespaced_deployment", "V1Deployment",
         lambda n: {"metadata": {"name": n}, "spec": {"replicas": 0, "selector": {"matchLabels": _labels(n)},
                                                      "template": _pod_template(n)}},
         check=_check_deployment),
    Kind("statefulset", "AppsV1Api", "namespaced_stateful_set", "V1StatefulSet",
         lambda n: {"metadata": {"name": n}, "spec": {"serviceName": n, "replicas": 0,
                                                      "selector": {"matchLabels": _labels(n)},
                                                      "template": _pod_template(n)}},
         check=_check_statefulset),
    Kind("daemonset", "AppsV1Api", "namespaced_daemon_set", "V1DaemonSet",
         lambda n: {"metadata": {"name": n}, "spec": {"selector": {"matchLabels": _labels(n)},
                                                      "template": _pod_template(n)}},
         check=_check_daemonset),
    Kind("replicaset", "AppsV1Api", "namespaced_replica_set", "V1ReplicaSet",
         lambda n: {"metadata": {"name": n}, "spec": {"replicas": 0, "selector": {"matchLabels": _labels(n)},
                                                      "template": _pod_template(n)}}),
    Kind("controllerrevision", "AppsV1Api", "namespaced_controller_revision", "V1ControllerRevision",
         lambda n: {"metadata": {"name": n}, "revision": 1, "data": {"spec": {"x": 1}}}),
    Kind("job", "BatchV1Api", "namespaced_job", "V1Job",
         lambda n: {"metadata": {"name": n}, "spec": {"template": _pod_template(n, "Never")}},
         check=_check_job),
    Kind("cronjob", "BatchV1Api", "namespaced_cron_job", "V1CronJob",
         lambda n: {"metadata": {"name": n}, "spec": {"schedule": "*/5 * * * *", "jobTemplate": {
             "spec": {"template": _pod_template(n, "OnFailure")}}}},
         check=_check_cronjob),
    Kind("role", "RbacAuthorizationV1Api", "namespaced_role", "V1Role",
         lambda n: {"metadata": {"name": n}, "rules": [{"apiGroups": [""], "resources": ["pods"],
                                                       "verbs": ["get", "list"]}]}),
    Kind("rolebinding", "RbacAuthorizationV1Api", "namespaced_role_binding", "V1RoleBinding",
         lambda n: {"metadata": {"name": n}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                                                         "kind": "Role", "name": "reader"},
                    "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "default"}]}),
    Kind("clusterrole", "RbacAuthorizationV1Api", "cluster_role", "V1ClusterRole",
         lambda n: {"metadata": {"name": n}, "rules": [{"nonResourceURLs": ["/healthz"], "verbs": ["get"]}]},
         namespaced=False),
    Kind("clusterrolebinding", "RbacAuthorizationV1Api", "cluster_role_binding", "V1ClusterRoleBinding",
         lambda n: {"metadata": {"name": n}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                                                         "kind": "ClusterRole", "name": "view"},
                    "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "jane"}]},
         namespaced=False),
    Kind("networkpolicy", "NetworkingV1Api", "namespaced_network_policy", "V1NetworkPolicy",
         lambda n: {"metadata": {"name": n}, "spec": {"podSelector": {}}}, check=_check_netpol),
    Kind("ingress", "NetworkingV1Api", "namespaced_ingress", "V1Ingress",
         lambda n: {"metadata": {"name": n}, "spec": {"rules": [{"host": "example.com", "http": {"paths": [
             {"path": "/", "pathType": "Prefix",
              "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}),
    Kind("ingressclass", "NetworkingV1Api", "ingress_class", "V1IngressClass",
         lambda n: {"metadata": {"name": n}, "spec": {"controller": "example.com/ingress"}}, namespaced=False),
    Kind("lease", "CoordinationV1Api", "namespaced_lease", "V1Lease",
         # no MicroTime here: the Python client re-serializes datetimes without the 6 fractional digits that
         # upstream's MicroTime parser demands (a real apiserver refuses that too); see test_lease_micro_time
         lambda n: {"metadata": {"name": n}, "spec": {"holderIdentity": "me", "leaseDurationSeconds": 15}}),
    Kind("pdb", "PolicyV1Api", "namespaced_pod_disruption_budget", "V1PodDisruptionBudget",
         lambda n: {"metadata": {"name": n}, "spec": {"minAvailable": 1, "selector": {"matchLabels": _labels(n)}}}),
    Kind("storageclass", "StorageV1Api", "storage_class", "V1StorageClass",
         lambda n: {"metadata": {"name": n}, "provisioner": "example.com/disk"}, namespaced=False,
         check=_check_storageclass),
    Kind("priorityclass", "SchedulingV1Api", "priority_class", "V1PriorityClass",
         lambda n: {"metadata": {"name": n}, "value": 1000}, namespaced=False, check=_check_priorityclass),
    Kind("runtimeclass", "NodeV1Api", "runtime_class", "V1RuntimeClass",
         lambda n: {"metadata": {"name": n}, "handler": "runc"}, namespaced=False),
    Kind("hpa", "AutoscalingV2Api", "namespaced_horizontal_pod_autoscaler", "V2HorizontalPodAutoscaler",
         lambda n: {"metadata": {"name": n}, "spec": {
             "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": n},
             "maxReplicas": 5,
             "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                 "type": "Utilization", "averageUtilization": 80}}}]}},
         check=_check_hpa),
    Kind("endpointslice", "DiscoveryV1Api", "namespaced_endpoint_slice", "V1EndpointSlice",
         lambda n: {"metadata": {"name": n}, "addressType": "IPv4",
                    "endpoints": [{"addresses": ["10.1.2.3"]}], "ports": [{"name": "http", "port": 80}]}),
    Kind("vwc", "AdmissionregistrationV1Api", "validating_webhook_configuration",
         "V1ValidatingWebhookConfiguration",
         lambda n: {"metadata": {"name": n}, "webhooks": [{
             "name": "check.example.com", "clientConfig": {"url": "https://example.com/validate"},
             "sideEffects": "None", "admissionReviewVersions": ["v1"]}]},
         namespaced=False, check=_check_webhook),
    Kind("csr", "CertificatesV1Api", "certificate_signing_request", "V1CertificateSigningRequest",
         lambda n: {"metadata": {"name": n}, "spec": {"request": CSR_PEM_B64, "signerName": "example.com/signer",
                                                      "usages": ["digital signature", "client auth"]}},
         namespaced=False),
]


@pytest.mark.parametrize("kind", KINDS, ids=[k.id for k in KINDS])
def test_typed_crud_roundtrip(api_client: client.ApiClient, ns: str, kind: Kind) -> None:
    api = getattr(client, kind.api)(api_client)
    name = uniq(kind.id[:12])
    scope = (ns,) if kind.namespaced else ()

    def call(verb: str, *args: Any, **kw: Any) -> Any:
        return getattr(api, f"{verb}_{kind.suffix}")(*args, **kw)

    body = model(kind.model, {"metadata": {"name": name}} | kind.body(name))
    created = call("create", *scope, body)
    m = created.metadata
    assert m.name == name
    assert m.uid and len(m.uid) == 36
    assert m.creation_timestamp is not None
    assert m.resource_version and m.resource_version.isdigit()
    if kind.namespaced:
        assert m.namespace == ns
    else:
        assert m.namespace is None
    if kind.check:
        kind.check(created)

    got = call("read", name, *scope)
    assert got.metadata.uid == m.uid
    assert got.metadata.resource_version == m.resource_version
    assert got.kind is not None and got.api_version is not None

    # replace (PUT) with the current resourceVersion
    got.metadata.labels = {"stage": "replaced"}
    if kind.mutate:
        kind.mutate(got)
    replaced = call("replace", name, *scope, got)
    assert labels_of(replaced) == {"stage": "replaced"}
    assert int(replaced.metadata.resource_version) > int(m.resource_version)
    assert replaced.metadata.uid == m.uid
    assert replaced.metadata.creation_timestamp == m.creation_timestamp

    # patch (dict -> strategic merge patch for built-ins)
    patched = call("patch", name, *scope, {"metadata": {"labels": {"patched": "yes"}}})
    assert labels_of(patched) == {"stage": "replaced", "patched": "yes"}
    assert int(patched.metadata.resource_version) > int(replaced.metadata.resource_version)

    listed = call("list", *scope, label_selector="patched=yes")
    names = [i.metadata.name for i in listed.items]
    assert name in names
    assert listed.metadata.resource_version

    call("delete", name, *scope)

    def gone() -> bool:
        try:
            call("read", name, *scope)
        except client.ApiException as exc:
            assert exc.status == 404
            return True
        return False

    wait_for(gone, timeout=5)


def test_configmap_replace_keeps_data(api_client: client.ApiClient, ns: str) -> None:
    core = client.CoreV1Api(api_client)
    cm = core.create_namespaced_config_map(ns, model("V1ConfigMap", {
        "metadata": {"name": "keep"}, "data": {"a": "1"}, "binaryData": {"b": base64.b64encode(b"\xff").decode()}}))
    assert cm.binary_data == {"b": base64.b64encode(b"\xff").decode()}
    cm.data["c"] = "3"
    out = core.replace_namespaced_config_map("keep", ns, cm)
    assert out.data == {"a": "1", "c": "3"}
    assert out.binary_data == {"b": "/w=="}


def test_list_all_namespaces(api_client: client.ApiClient, raw: Raw) -> None:
    core = client.CoreV1Api(api_client)
    a, b = uniq("ns"), uniq("ns")
    for n in (a, b):
        core.create_namespace(model("V1Namespace", {"metadata": {"name": n}}))
        core.create_namespaced_config_map(n, model("V1ConfigMap", {"metadata": {"name": "same", "labels": {
            "grp": a}}, "data": {"ns": n}}))
    out = core.list_config_map_for_all_namespaces(label_selector=f"grp={a}")
    assert sorted((i.metadata.namespace, i.metadata.name) for i in out.items) == sorted([(a, "same"), (b, "same")])
    assert out.kind == "ConfigMapList"
    assert out.api_version == "v1"


def test_namespace_lifecycle_typed(api_client: client.ApiClient) -> None:
    core = client.CoreV1Api(api_client)
    name = uniq("life")
    created = core.create_namespace(model("V1Namespace", {"metadata": {"name": name}}))
    assert created.status.phase == "Active"
    assert created.spec.finalizers == ["kubernetes"]
    assert created.metadata.labels == {"kubernetes.io/metadata.name": name}
    core.create_namespaced_config_map(name, model("V1ConfigMap", {"metadata": {"name": "inside"}}))
    core.delete_namespace(name)

    def gone() -> bool:
        try:
            core.read_namespace(name)
        except client.ApiException as exc:
            return exc.status == 404
        return False

    wait_for(gone, timeout=15)
    status, body = api_error(core.read_namespaced_config_map, "inside", name)
    assert status == 404
    assert body["reason"] == "NotFound"


def test_node_is_cluster_scoped_and_status_settable(api_client: client.ApiClient) -> None:
    core = client.CoreV1Api(api_client)
    name = uniq("node")
    core.create_node(model("V1Node", {"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}}}))
    st = core.patch_node_status(name, {"status": {"capacity": {"cpu": "4", "pods": "110"},
                                                  "conditions": [{"type": "Ready", "status": "True",
                                                                  "reason": "KubeletReady"}]}})
    assert st.status.capacity["cpu"] == "4"
    assert [c.type for c in st.status.conditions] == ["Ready"]
    assert core.read_node(name).status.capacity["pods"] == "110"


def test_rolebinding_roleref_is_immutable(api_client: client.ApiClient, ns: str) -> None:
    rbac = client.RbacAuthorizationV1Api(api_client)
    rb = rbac.create_namespaced_role_binding(ns, model("V1RoleBinding", {
        "metadata": {"name": "rb"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                                "name": "a"}}))
    rb.role_ref.name = "b"
    status, body = api_error(rbac.replace_namespaced_role_binding, "rb", ns, rb)
    assert status == 422
    assert body["reason"] == "Invalid"
    assert "roleRef" in [c["field"] for c in body["details"]["causes"]]
    assert "cannot change roleRef" in body["message"]


def test_priorityclass_value_is_immutable(api_client: client.ApiClient) -> None:
    sched = client.SchedulingV1Api(api_client)
    name = uniq("prio")
    sched.create_priority_class(model("V1PriorityClass", {"metadata": {"name": name}, "value": 10}))
    status, body = api_error(sched.patch_priority_class, name, {"value": 20})
    assert status == 422
    assert body["reason"] == "Invalid"
    assert "value" in [c["field"] for c in body["details"]["causes"]]


def test_hpa_is_served_in_both_autoscaling_versions(api_client: client.ApiClient, ns: str) -> None:
    v1 = client.AutoscalingV1Api(api_client)
    v2 = client.AutoscalingV2Api(api_client)
    v1.create_namespaced_horizontal_pod_autoscaler(ns, model("V1HorizontalPodAutoscaler", {
        "metadata": {"name": "h"}, "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                                               "name": "web"},
                                            "minReplicas": 2, "maxReplicas": 4,
                                            "targetCPUUtilizationPercentage": 50}}))
    h2 = v2.read_namespaced_horizontal_pod_autoscaler("h", ns)
    assert h2.api_version == "autoscaling/v2"
    assert h2.spec.min_replicas == 2 and h2.spec.max_replicas == 4
    metric = h2.spec.metrics[0]
    assert metric.type == "Resource"
    assert metric.resource.name == "cpu"
    assert metric.resource.target.type == "Utilization"
    assert metric.resource.target.average_utilization == 50
    v2.patch_namespaced_horizontal_pod_autoscaler("h", ns, {"spec": {"maxReplicas": 7}})
    h1 = v1.read_namespaced_horizontal_pod_autoscaler("h", ns)
    assert h1.spec.max_replicas == 7
    assert h1.spec.target_cpu_utilization_percentage == 50


def test_lease_micro_time(raw: Raw, ns: str) -> None:
    path = f"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases"
    lease = raw.create(path, {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "mt"},
                              "spec": {"holderIdentity": "me", "acquireTime": "2024-01-01T00:00:00.000000Z",
                                       "renewTime": "2024-01-01T00:00:01.123456Z"}})
    assert lease["spec"]["acquireTime"] == "2024-01-01T00:00:00.000000Z"
    assert lease["spec"]["renewTime"] == "2024-01-01T00:00:01.123456Z"
    # a MicroTime without its 6 fractional digits does not decode: 400 on create, 422 (field "patch") on a patch
    bad = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "mt2"},
           "spec": {"renewTime": "2024-01-01T00:00:02+00:00"}}
    st_ = assert_status(raw.post(path, bad), 400, "BadRequest")
    assert 'Lease in version "v1" cannot be handled as a Lease' in st_["message"]
    r = raw.patch(f"{path}/mt", {"spec": {"renewTime": "2024-01-01T00:00:02+00:00"}})
    st_ = assert_status(r, 422, "Invalid")
    assert [c["field"] for c in st_["details"]["causes"]] == ["patch"]
    assert raw.ok("GET", f"{path}/mt")["spec"]["renewTime"] == "2024-01-01T00:00:01.123456Z"


def test_core_and_events_api_share_events(api_client: client.ApiClient, raw: Raw, ns: str) -> None:
    core = client.CoreV1Api(api_client)
    core.create_namespaced_event(ns, model("CoreV1Event", {
        "metadata": {"name": "ev1"},
        "involvedObject": {"kind": "Pod", "name": "p", "namespace": ns, "apiVersion": "v1"},
        "reason": "Started", "message": "Started container", "type": "Normal",
        "source": {"component": "kubelet"},
        "firstTimestamp": "2024-01-01T00:00:00Z", "lastTimestamp": "2024-01-01T00:00:00Z", "count": 1}))
    # raw: the typed EventsV1Event model cannot hold the eventTime: null that legacy events have upstream
    ev = raw.ok("GET", f"/apis/events.k8s.io/v1/namespaces/{ns}/events/ev1")
    assert ev["apiVersion"] == "events.k8s.io/v1"
    assert ev["kind"] == "Event"
    assert ev["reason"] == "Started"
    assert ev["note"] == "Started container"
    assert ev["regarding"]["name"] == "p" and ev["regarding"]["kind"] == "Pod"
    assert ev["deprecatedCount"] == 1
    assert ev["deprecatedSource"] == {"component": "kubelet"}
    listed = raw.ok("GET", f"/apis/events.k8s.io/v1/namespaces/{ns}/events")
    assert [i["metadata"]["name"] for i in listed["items"]] == ["ev1"]


def test_delete_returns_success_status(api_client: client.ApiClient, ns: str, raw: Raw) -> None:
    core = client.CoreV1Api(api_client)
    core.create_namespaced_config_map(ns, model("V1ConfigMap", {"metadata": {"name": "d"}}))
    r = raw.delete(f"/api/v1/namespaces/{ns}/configmaps/d")
    assert r.status_code == 200
    body = r.json()
    assert body["kind"] == "Status"
    assert body["status"] == "Success"
    assert body["details"]["name"] == "d"
    assert body["details"]["kind"] == "configmaps"
    assert body["details"]["uid"]
