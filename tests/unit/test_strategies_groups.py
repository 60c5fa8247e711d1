"""RBAC, networking, discovery, admissionregistration, storage, scheduling and the smaller groups."""

from __future__ import annotations

import copy
from typing import Any

from kapi.registry.strategies import strategy_for
from kapi.registry.strategy import RequestContext

Obj = dict[str, Any]
RBAC = "rbac.authorization.k8s.io"
ADM = "admissionregistration.k8s.io"


def ctx(**kw: Any) -> RequestContext:
    return RequestContext(namespace="default", now="2025-01-01T00:00:00Z", **kw)


def create(group: str, plural: str, obj: Obj, **kw: Any) -> tuple[Obj, list[str]]:
    s = strategy_for(group, plural)
    s.default(obj)
    s.prepare_for_create(ctx(**kw), obj)
    return obj, [str(e) for e in s.validate(ctx(**kw), obj)]


def update(group: str, plural: str, new: Obj, old: Obj, **kw: Any) -> tuple[Obj, list[str]]:
    s = strategy_for(group, plural)
    s.default(new)
    s.prepare_for_update(ctx(**kw), new, old)
    return new, [str(e) for e in s.validate_update(ctx(**kw), new, old)]


# --- rbac -----------------------------------------------------------------------------------------

def test_role_rules() -> None:
    _, errs = create(RBAC, "roles", {"metadata": {"name": "r"}, "rules": [{"apiGroups": [""], "resources": ["pods"]}]})
    assert errs == ["rules[0].verbs: Required value: verbs must contain at least one value"]
    _, errs = create(RBAC, "roles", {"metadata": {"name": "r"}, "rules": [{"verbs": ["get"],
                                                                           "nonResourceURLs": ["/healthz"]}]})
    assert errs == ['rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply '
                    'to non-resource URLs']
    _, errs = create(RBAC, "clusterroles", {"metadata": {"name": "r"}, "rules": [
        {"verbs": ["get"], "nonResourceURLs": ["/healthz"]}, {"verbs": ["get"]}]})
    assert errs == ["rules[1].apiGroups: Required value: resource rules must supply at least one api group",
                    "rules[1].resources: Required value: resource rules must supply at least one resource"]


def test_role_binding_defaults_and_immutable_role_ref() -> None:
    rb = {"metadata": {"name": "b"}, "roleRef": {"kind": "ClusterRole", "name": "view"},
          "subjects": [{"kind": "User", "name": "alice"}, {"kind": "ServiceAccount", "name": "default"},
                       {"kind": "Group", "name": "devs"}]}
    rb, errs = create(RBAC, "rolebindings", rb)
    assert errs == []
    assert rb["roleRef"]["apiGroup"] == RBAC
    assert [s["apiGroup"] for s in rb["subjects"]] == [RBAC, "", RBAC]
    new = copy.deepcopy(rb)
    new["roleRef"]["name"] = "edit"
    _, errs = update(RBAC, "rolebindings", new, rb)
    assert errs == ['roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", '
                    'Name:"edit"}: cannot change roleRef']


def test_cluster_role_binding_rules() -> None:
    _, errs = create(RBAC, "clusterrolebindings", {
        "metadata": {"name": "b"}, "roleRef": {"kind": "Role", "name": "x"},
        "subjects": [{"kind": "ServiceAccount", "name": "sa"}, {"kind": "Robot", "name": "r"}]})
    assert errs == ['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
                    "subjects[0].namespace: Required value",
                    'subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", '
                    '"Group"']


# --- networking and discovery -------------------------------------------------------------------------

def test_network_policy_policy_types() -> None:
    np, errs = create("networking.k8s.io", "networkpolicies", {"metadata": {"name": "n"}, "spec": {
        "podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]}})
    assert errs == []
    assert np["spec"]["policyTypes"] == ["Ingress"]
    assert np["spec"]["ingress"][0]["ports"][0]["protocol"] == "TCP"
    np, _ = create("networking.k8s.io", "networkpolicies", {"metadata": {"name": "n"}, "spec": {
        "podSelector": {}, "egress": [{}]}})
    assert np["spec"]["policyTypes"] == ["Ingress", "Egress"]


def test_ingress_validation() -> None:
    ing = {"metadata": {"name": "i"}, "spec": {"rules": [{"host": "example.com", "http": {"paths": [
        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}},
        {"path": "api", "backend": {"service": {"name": "web"}}}]}}]}}
    _, errs = create("networking.k8s.io", "ingresses", ing)
    assert errs == ["spec.rules[0].http.paths[1].pathType: Required value: pathType must be specified",
                    'spec.rules[0].http.paths[1].path: Invalid value: "api": must be an absolute path',
                    "spec.rules[0].http.paths[1].backend.service.port: Required value: port name or number is "
                    "required"]


def test_endpoint_slice_defaults_and_validation() -> None:
    eps, errs = create("discovery.k8s.io", "endpointslices", {
        "metadata": {"name": "e"}, "addressType": "IPv4", "endpoints": [{"addresses": ["10.0.0.1"]}],
        "ports": [{"port": 80}]})
    assert errs == []
    assert eps["ports"] == [{"port": 80, "name": "", "protocol": "TCP"}]
    _, errs = create("discovery.k8s.io", "endpointslices", {
        "metadata": {"name": "e"}, "addressType": "IPv4", "endpoints": [{"addresses": ["fd00::1"]}]})
    assert errs == ['endpoints[0].addresses[0]: Invalid value: "fd00::1": must be an IPv4 address']
    assert not getattr(strategy_for("discovery.k8s.io", "endpointslices"), "allow_create_on_update", False)


# --- admissionregistration ----------------------------------------------------------------------------

def test_webhook_defaults() -> None:
    cfg = {"metadata": {"name": "w"}, "webhooks": [{
        "name": "check.example.com", "sideEffects": "None", "admissionReviewVersions": ["v1"],
        "clientConfig": {"service": {"name": "hook", "namespace": "default"}},
        "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}]}]}
    mut, errs = create(ADM, "mutatingwebhookconfigurations", copy.deepcopy(cfg))
    assert errs == []
    hook = mut["webhooks"][0]
    assert hook["failurePolicy"] == "Fail"
    assert hook["matchPolicy"] == "Equivalent"
    assert hook["namespaceSelector"] == {} and hook["objectSelector"] == {}
    assert hook["timeoutSeconds"] == 10
    assert hook["reinvocationPolicy"] == "Never"
    assert hook["rules"][0]["scope"] == "*"
    assert hook["clientConfig"]["service"]["port"] == 443
    val, errs = create(ADM, "validatingwebhookconfigurations", copy.deepcopy(cfg))
    assert errs == [] and "reinvocationPolicy" not in val["webhooks"][0]


def test_webhook_validation() -> None:
    cfg = {"metadata": {"name": "w"}, "webhooks": [{"name": "short", "timeoutSeconds": 31,
                                                    "clientConfig": {"url": "http://x"}}]}
    _, errs = create(ADM, "validatingwebhookconfigurations", cfg)
    assert errs == [
        'webhooks[0].name: Invalid value: "short": should be a domain with at least three segments separated by '
        'dots',
        "webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun",
        "webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1",
        "webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds",
        "webhooks[0].clientConfig.url: Invalid value: \"http://x\": 'https' is the only allowed URL scheme",
    ]


# --- storage, scheduling, policy, autoscaling, certificates, coordination ---------------------------

def test_storage_class() -> None:
    sc, errs = create("storage.k8s.io", "storageclasses", {"metadata": {"name": "s"}, "provisioner": "x.io/p"})
    assert errs == []
    assert (sc["reclaimPolicy"], sc["volumeBindingMode"]) == ("Delete", "Immediate")
    new = copy.deepcopy(sc)
    new["parameters"] = {"a": "b"}
    assert update("storage.k8s.io", "storageclasses", new, sc)[1] == [
        "parameters: Forbidden: updates to parameters are forbidden."]


def test_pv_and_pvc_defaults() -> None:
    pv, errs = create("", "persistentvolumes", {"metadata": {"name": "pv"}, "spec": {
        "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/d"}}})
    assert errs == []
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert pv["spec"]["volumeMode"] == "Filesystem"
    assert pv["status"] == {"phase": "Pending", "lastPhaseTransitionTime": "2025-01-01T00:00:00Z"}
    pvc, errs = create("", "persistentvolumeclaims", {"metadata": {"name": "c"}, "spec": {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
    assert errs == []
    assert pvc["spec"]["volumeMode"] == "Filesystem" and pvc["status"] == {"phase": "Pending"}
    bound = copy.deepcopy(pvc)
    bound["spec"]["volumeName"] = "pv"
    bound["spec"]["resources"]["requests"]["storage"] = "2Gi"
    assert update("", "persistentvolumeclaims", bound, pvc)[1] == []
    changed = copy.deepcopy(bound)
    changed["spec"]["accessModes"] = ["ReadWriteMany"]
    assert update("", "persistentvolumeclaims", changed, bound)[1] == [
        "spec: Forbidden: spec is immutable after creation except resources.requests for bound claims"]
    _, errs = create("", "persistentvolumeclaims", {"metadata": {"name": "c"}, "spec": {}})
    assert errs == ["spec.accessModes: Required value: at least 1 access mode is required",
                    "spec.resources[storage]: Required value"]


def test_priority_class() -> None:
    pc, errs = create("scheduling.k8s.io", "priorityclasses", {"metadata": {"name": "high"}, "value": 1000})
    assert errs == [] and pc["preemptionPolicy"] == "PreemptLowerPriority"
    _, errs = create("scheduling.k8s.io", "priorityclasses", {"metadata": {"name": "huge"}, "value": 2000000000})
    assert errs == ["value: Forbidden: maximum allowed value of a user defined priority is 1000000000"]
    new = copy.deepcopy(pc)
    new["value"] = 5
    assert update("scheduling.k8s.io", "priorityclasses", new, pc)[1] == [
        "value: Forbidden: may not be changed in an update."]


def test_hpa_defaults_by_version() -> None:
    ref = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d"}
    v2, errs = create("autoscaling", "horizontalpodautoscalers", {
        "apiVersion": "autoscaling/v2", "metadata": {"name": "h"}, "spec": {"scaleTargetRef": ref, "maxReplicas": 3}})
    assert errs == []
    assert v2["spec"]["minReplicas"] == 1
    assert v2["spec"]["metrics"][0]["resource"]["target"] == {"type": "Utilization", "averageUtilization": 80}
    v1, _ = create("autoscaling", "horizontalpodautoscalers", {
        "apiVersion": "autoscaling/v1", "metadata": {"name": "h"}, "spec": {"scaleTargetRef": ref, "maxReplicas": 3}})
    assert v1["spec"] == {"scaleTargetRef": ref, "maxReplicas": 3, "minReplicas": 1}
    _, errs = create("autoscaling", "horizontalpodautoscalers", {
        "apiVersion": "autoscaling/v2", "metadata": {"name": "h"},
        "spec": {"scaleTargetRef": {}, "minReplicas": 5, "maxReplicas": 3}})
    assert errs == ["spec.scaleTargetRef.kind: Required value", "spec.scaleTargetRef.name: Required value",
                    "spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`"]


def test_pdb() -> None:
    _, errs = create("policy", "poddisruptionbudgets", {"metadata": {"name": "p"}, "spec": {
        "minAvailable": "50%", "selector": {"matchLabels": {"a": "b"}}}})
    assert errs == []
    _, errs = create("policy", "poddisruptionbudgets", {"metadata": {"name": "p"}, "spec": {
        "minAvailable": 1, "maxUnavailable": 1}})
    assert len(errs) == 1 and errs[0].endswith("minAvailable and maxUnavailable cannot be both set")


def test_csr_records_requester_and_keeps_spec() -> None:
    csr = {"metadata": {"name": "c"}, "spec": {"request": "LS0t", "signerName": "kubernetes.io/kube-apiserver-client",
                                               "usages": ["client auth"], "username": "mallory"}}
    csr, errs = create("certificates.k8s.io", "certificatesigningrequests", csr, user="alice")
    assert errs == []
    assert csr["spec"]["username"] == "alice"
    assert strategy_for("certificates.k8s.io", "certificatesigningrequests").selectable_fields(csr) == {
        "spec.signerName": "kubernetes.io/kube-apiserver-client"}
    new = copy.deepcopy(csr)
    new["spec"]["usages"] = ["server auth"]
    new["status"] = {"conditions": [{"type": "Approved", "status": "True"}, {"type": "Denied", "status": "True"}]}
    new, errs = update("certificates.k8s.io", "certificatesigningrequests", new, csr, subresource="approval")
    assert new["spec"]["usages"] == ["client auth"]
    assert errs == ['status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are '
                    'mutually exclusive']


def test_lease_runtimeclass_events() -> None:
    _, errs = create("coordination.k8s.io", "leases", {"metadata": {"name": "l"}, "spec": {"leaseDurationSeconds": 0}})
    assert errs == ["spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"]
    _, errs = create("node.k8s.io", "runtimeclasses", {"metadata": {"name": "r"}, "handler": "runc"})
    assert errs == []
    _, errs = create("", "events", {"metadata": {"name": "e", "namespace": "default"},
                                    "involvedObject": {"kind": "Pod", "namespace": "other", "name": "p"}})
    assert errs == ['involvedObject.namespace: Invalid value: "other": does not match event.namespace']
    _, errs = create("", "events", {"metadata": {"name": "e", "namespace": "default"},
                                    "involvedObject": {"kind": "Node", "name": "n1"}})
    assert errs == []
    fields = strategy_for("", "events").selectable_fields({
        "involvedObject": {"kind": "Pod", "name": "p"}, "reason": "Started", "type": "Normal",
        "source": {"component": "kubelet"}})
    assert fields["involvedObject.kind"] == "Pod" and fields["source"] == "kubelet"
    assert fields["reason"] == "Started" and fields["involvedObject.uid"] == ""


def test_limit_range_defaults() -> None:
    lr, errs = create("", "limitranges", {"metadata": {"name": "l"}, "spec": {"limits": [
        {"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "64Mi"}}]}})
    assert errs == []
    item = lr["spec"]["limits"][0]
    assert item["default"] == {"cpu": "2"}
    assert item["defaultRequest"] == {"cpu": "2", "memory": "64Mi"}


def test_new_style_core_events_are_checked_strictly() -> None:
    base = {"metadata": {"name": "e", "namespace": "kube-system"}, "involvedObject": {"kind": "Node", "name": "n"},
            "eventTime": "2025-01-01T00:00:00.000000Z"}
    _, errs = create("", "events", copy.deepcopy(base))
    assert errs == ["reportingComponent: Required value", "reportingInstance: Required value",
                    "action: Required value", "reason: Required value"]
    full = {**copy.deepcopy(base), "reportingComponent": "kubelet", "reportingInstance": "n", "action": "Start",
            "reason": "Started"}
    assert create("", "events", full)[1] == []


def test_canonicalize_fills_generated_names() -> None:
    ns = strategy_for("", "namespaces")
    obj: Obj = {"metadata": {"generateName": "team-"}}
    ns.default(obj)
    ns.prepare_for_create(ctx(), obj)
    obj["metadata"]["name"] = "team-x7k2p"
    ns.canonicalize(obj)  # type: ignore[attr-defined]
    assert obj["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team-x7k2p"}
    jobs = strategy_for("batch", "jobs")
    job: Obj = {"metadata": {"generateName": "j-", "uid": "u"}, "spec": {"template": {"spec": {
        "restartPolicy": "Never", "containers": [{"name": "c", "image": "x"}]}}}}
    jobs.default(job)
    jobs.prepare_for_create(ctx(), job)
    job["metadata"]["name"] = "j-abcde"
    jobs.canonicalize(job)  # type: ignore[attr-defined]
    assert job["spec"]["template"]["metadata"]["labels"]["job-name"] == "j-abcde"
    assert job["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "j-abcde"
