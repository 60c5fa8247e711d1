"""Strategy lookup, name rules, field selectors; pods, namespaces, config maps and secrets."""

from __future__ import annotations

import base64
import copy
from typing import Any

import pytest

from kapi.machinery.errors import FieldError
from kapi.registry.strategies import name_rule, strategy_for, supported_field_selectors
from kapi.registry.strategies._util import ensure_dict, required_choice
from kapi.registry.strategies.pods import PodStrategy, pod_qos_class
from kapi.registry.strategies.podspec import image_pull_policy
from kapi.registry.strategy import RequestContext, Strategy

Obj = dict[str, Any]


def ctx(**kw: Any) -> RequestContext:
    return RequestContext(namespace=kw.pop("namespace", "default"), now="2025-01-01T00:00:00Z", **kw)


def msgs(errs: list[FieldError]) -> list[str]:
    return [str(e) for e in errs]


def create(group: str, plural: str, obj: Obj, **kw: Any) -> tuple[Obj, list[FieldError]]:
    """What the generic service does on create: default, prepare, validate."""
    s = strategy_for(group, plural)
    c = ctx(**kw)
    s.default(obj)
    s.prepare_for_create(c, obj)
    return obj, s.validate(c, obj)


def update(group: str, plural: str, new: Obj, old: Obj, **kw: Any) -> tuple[Obj, list[FieldError]]:
    s = strategy_for(group, plural)
    c = ctx(**kw)
    s.default(new)
    s.prepare_for_update(c, new, old)
    return new, s.validate_update(c, new, old)


# --- lookups ----------------------------------------------------------------------------------

def test_strategy_for_known_and_unknown() -> None:
    assert isinstance(strategy_for("", "pods"), PodStrategy)
    other = strategy_for("example.com", "widgets")
    assert type(other) is Strategy
    assert strategy_for("", "pods") is strategy_for("", "pods")


@pytest.mark.parametrize(("group", "plural", "allowed"), [
    ("", "endpoints", True), ("", "events", True), ("", "limitranges", True), ("", "services", True),
    ("coordination.k8s.io", "leases", True), ("rbac.authorization.k8s.io", "roles", True),
    ("rbac.authorization.k8s.io", "clusterrolebindings", True), ("events.k8s.io", "events", True),
    ("", "pods", False), ("", "configmaps", False), ("apps", "deployments", False), ("", "namespaces", False),
])
def test_allow_create_on_update(group: str, plural: str, allowed: bool) -> None:
    assert getattr(strategy_for(group, plural), "allow_create_on_update", False) is allowed


def test_name_rules() -> None:
    assert name_rule("", "pods")("my.pod", False) == []
    assert name_rule("", "pods")("My", False)
    assert name_rule("", "namespaces")("a.b", False) == ["must not contain dots"]
    assert name_rule("", "services")("1abc", False)
    assert name_rule("", "services")("abc", False) == []
    assert name_rule("", "services")("abc-", True) == []  # generateName prefix
    assert name_rule("rbac.authorization.k8s.io", "clusterroles")("system:controller:x", False) == []
    assert name_rule("rbac.authorization.k8s.io", "roles")("a/b", False) == ["may not contain '/'"]
    assert name_rule("certificates.k8s.io", "certificatesigningrequests")("ANY:thing", False) == []
    assert name_rule("apps", "deployments")("web-1", False) == []
    assert name_rule("example.com", "widgets")("UPPER", False)


def test_supported_field_selectors() -> None:
    base = {"metadata.name", "metadata.namespace"}
    assert supported_field_selectors("example.com", "widgets") == base
    assert supported_field_selectors("", "pods") >= base | {"spec.nodeName", "status.phase", "spec.hostNetwork"}
    assert "involvedObject.name" in supported_field_selectors("", "events")
    assert "regarding.name" in supported_field_selectors("events.k8s.io", "events")
    assert supported_field_selectors("", "secrets") == base | {"type"}
    assert supported_field_selectors("", "services") == base | {"spec.clusterIP", "spec.type"}
    assert supported_field_selectors("", "namespaces") == base | {"status.phase"}
    assert supported_field_selectors("", "nodes") == base | {"spec.unschedulable"}
    assert supported_field_selectors("apps", "replicasets") == base | {"status.replicas"}
    assert supported_field_selectors("", "replicationcontrollers") == base | {"status.replicas"}
    assert supported_field_selectors("batch", "jobs") == base | {"status.successful"}
    assert supported_field_selectors("certificates.k8s.io", "certificatesigningrequests") == base | {
        "spec.signerName"}


def test_selectable_fields_match_the_supported_sets() -> None:
    samples: dict[tuple[str, str], Obj] = {
        ("", "pods"): {"spec": {}, "status": {}},
        ("", "events"): {"involvedObject": {}},
        ("events.k8s.io", "events"): {"regarding": {}},
        ("", "secrets"): {},
        ("", "services"): {"spec": {"clusterIP": "None", "type": "ClusterIP"}},
        ("", "namespaces"): {},
        ("", "nodes"): {},
        ("apps", "replicasets"): {},
        ("", "replicationcontrollers"): {},
        ("batch", "jobs"): {},
        ("certificates.k8s.io", "certificatesigningrequests"): {},
    }
    for (group, plural), obj in samples.items():
        fields = strategy_for(group, plural).selectable_fields(obj)
        assert set(fields) | {"metadata.name", "metadata.namespace"} == supported_field_selectors(group, plural)
        assert all(isinstance(v, str) for v in fields.values())


# --- pods ---------------------------------------------------------------------------------------

def bare_pod(**spec: Any) -> Obj:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default", "uid": "u1"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}], **spec}}


def test_bare_pod_gets_all_defaults() -> None:
    pod, errs = create("", "pods", bare_pod())
    assert errs == []
    spec = pod["spec"]
    assert spec["restartPolicy"] == "Always"
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["terminationGracePeriodSeconds"] == 30
    assert spec["schedulerName"] == "default-scheduler"
    assert spec["securityContext"] == {}
    assert spec["enableServiceLinks"] is True
    assert spec["serviceAccountName"] == "default"
    assert spec["serviceAccount"] == "default"
    assert spec["priority"] == 0
    assert spec["preemptionPolicy"] == "PreemptLowerPriority"
    assert spec["tolerations"] == [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 300},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 300},
    ]
    c = spec["containers"][0]
    assert c == {"name": "c", "image": "nginx", "imagePullPolicy": "Always", "resources": {},
                 "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}
    assert pod["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


def test_pod_defaults_are_idempotent() -> None:
    pod, _ = create("", "pods", bare_pod(volumes=[{"name": "v"}, {"name": "cm", "configMap": {"name": "x"}}]))
    again = copy.deepcopy(pod)
    s = strategy_for("", "pods")
    s.default(again)
    assert again == pod
    assert pod["spec"]["volumes"] == [{"name": "v", "emptyDir": {}},
                                      {"name": "cm", "configMap": {"name": "x", "defaultMode": 420}}]


def test_pod_nested_defaults() -> None:
    probe = {"httpGet": {"port": 80}}
    pod = bare_pod(initContainers=[{"name": "init", "image": "busybox:1.36"}])
    c = pod["spec"]["containers"][0]
    c.update(ports=[{"containerPort": 80}], livenessProbe=probe,
             env=[{"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                  {"name": "L", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}}])
    pod["spec"]["volumes"] = [
        {"name": "s", "secret": {"secretName": "x"}},
        {"name": "d", "downwardAPI": {"items": [{"path": "n", "fieldRef": {"fieldPath": "metadata.name"}}]}},
        {"name": "p", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}},
        {"name": "h", "hostPath": {"path": "/tmp"}},
    ]
    pod, errs = create("", "pods", pod)
    assert errs == []
    c = pod["spec"]["containers"][0]
    assert c["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert c["livenessProbe"] == {"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1,
                                  "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
    assert c["env"][0]["valueFrom"]["fieldRef"]["apiVersion"] == "v1"
    assert c["env"][1]["valueFrom"]["resourceFieldRef"]["divisor"] == "0"
    assert pod["spec"]["initContainers"][0]["imagePullPolicy"] == "IfNotPresent"
    vols = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert vols["s"]["secret"]["defaultMode"] == 420
    assert vols["d"]["downwardAPI"]["defaultMode"] == 420
    assert vols["d"]["downwardAPI"]["items"][0]["fieldRef"]["apiVersion"] == "v1"
    assert vols["p"]["projected"]["defaultMode"] == 420
    assert vols["p"]["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"] == 3600
    assert vols["h"]["hostPath"]["type"] == ""


@pytest.mark.parametrize(("image", "policy"), [
    ("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.25", "IfNotPresent"),
    ("registry:5000/app", "Always"), ("registry:5000/app:v1", "IfNotPresent"),
    ("nginx@sha256:" + "a" * 64, "IfNotPresent"), ("nginx:latest@sha256:" + "a" * 64, "Always"),
])
def test_image_pull_policy(image: str, policy: str) -> None:
    assert image_pull_policy(image) == policy


def test_pod_keeps_explicit_values() -> None:
    pod = bare_pod(serviceAccountName="builder", restartPolicy="Never",
                   tolerations=[{"operator": "Exists"}], priorityClassName="system-node-critical")
    pod, errs = create("", "pods", pod)
    assert errs == []
    assert pod["spec"]["serviceAccount"] == "builder"
    assert pod["spec"]["restartPolicy"] == "Never"
    assert pod["spec"]["tolerations"] == [{"operator": "Exists"}]  # already tolerates everything
    assert pod["spec"]["priority"] == 2000001000


@pytest.mark.parametrize(("resources", "qos"), [
    ([{}], "BestEffort"),
    ([{"requests": {"cpu": "100m"}}], "Burstable"),
    ([{"limits": {"cpu": "1", "memory": "1Gi"}}], "Guaranteed"),
    ([{"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1000m", "memory": "1024Mi"}}], "Guaranteed"),
    ([{"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}}], "Burstable"),
    ([{"limits": {"cpu": "1"}}], "Burstable"),
    ([{"limits": {"cpu": "1", "memory": "1Gi"}}, {}], "Burstable"),
])
def test_qos_class(resources: list[Obj], qos: str) -> None:
    pod = bare_pod()
    pod["spec"]["containers"] = [{"name": f"c{i}", "image": "x", "resources": r} for i, r in enumerate(resources)]
    pod, _ = create("", "pods", pod)
    assert pod["status"]["qosClass"] == qos
    assert pod_qos_class(pod["spec"]) == qos


def test_pod_requests_default_to_limits() -> None:
    pod = bare_pod()
    pod["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "1"}}
    pod, _ = create("", "pods", pod)
    assert pod["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "1"}


def test_pod_validation_messages() -> None:
    _, errs = create("", "pods", bare_pod(containers=[]))
    assert msgs(errs) == ["spec.containers: Required value"]
    pod = bare_pod(containers=[{"name": "a", "image": "x"}, {"name": "a", "image": "x"}])
    assert 'spec.containers[1].name: Duplicate value: "a"' in msgs(create("", "pods", pod)[1])
    pod = bare_pod(containers=[{"name": "a"}])
    assert "spec.containers[0].image: Required value" in msgs(create("", "pods", pod)[1])
    pod = bare_pod(containers=[{"name": "A_b", "image": "x"}])
    assert any(m.startswith('spec.containers[0].name: Invalid value: "A_b": a lowercase RFC 1123 label')
               for m in msgs(create("", "pods", pod)[1]))
    pod = bare_pod(containers=[{"name": "a", "image": "x", "ports": [{"containerPort": 70000}, {}]}])
    out = msgs(create("", "pods", pod)[1])
    assert "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, " \
           "inclusive" in out
    assert "spec.containers[0].ports[1].containerPort: Required value" in out
    out = msgs(create("", "pods", bare_pod(restartPolicy="Sometimes", dnsPolicy="Foo"))[1])
    assert 'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", ' \
           '"Never"' in out
    assert 'spec.dnsPolicy: Unsupported value: "Foo": supported values: "ClusterFirst", ' \
           '"ClusterFirstWithHostNet", "Default", "None"' in out
    pod = bare_pod()
    pod["spec"]["containers"][0]["volumeMounts"] = [{"name": "missing", "mountPath": "/x"}]
    assert 'spec.containers[0].volumeMounts[0].name: Not found: "missing"' in msgs(create("", "pods", pod)[1])
    pod = bare_pod()
    pod["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}
    assert 'spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu ' \
           'limit of 1' in msgs(create("", "pods", pod)[1])


def test_pod_update_rules() -> None:
    old, _ = create("", "pods", bare_pod())
    old["metadata"]["resourceVersion"] = "5"
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["image"] = "nginx:1.27"
    new["spec"]["activeDeadlineSeconds"] = 100
    new["spec"]["tolerations"].append({"key": "k", "operator": "Exists", "effect": "NoSchedule"})
    new["metadata"]["labels"] = {"a": "b"}
    assert update("", "pods", new, old)[1] == []
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["ports"] = [{"containerPort": 80}]
    errs = update("", "pods", new, old)[1]
    assert len(errs) == 1
    assert str(errs[0]).startswith(
        "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
        "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
        "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
        "previously negative)\n")
    new = copy.deepcopy(old)
    new["spec"]["tolerations"] = []
    assert "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds" \
        in msgs(update("", "pods", new, old)[1])


def test_pod_update_keeps_admission_values_and_binding() -> None:
    old, _ = create("", "pods", bare_pod())
    new = copy.deepcopy(old)
    del new["spec"]["priority"]
    del new["spec"]["preemptionPolicy"]
    new, errs = update("", "pods", new, old)
    assert errs == []
    assert new["spec"]["priority"] == 0
    bound = copy.deepcopy(old)
    bound["spec"]["nodeName"] = "node-1"
    assert update("", "pods", bound, old, subresource="binding")[1] == []
    assert update("", "pods", copy.deepcopy(bound), old)[1] != []


def test_pod_selectable_fields() -> None:
    pod, _ = create("", "pods", bare_pod(nodeName="n1", hostNetwork=True))
    pod["status"]["podIPs"] = [{"ip": "10.244.0.5"}]
    fields = strategy_for("", "pods").selectable_fields(pod)
    assert fields["spec.nodeName"] == "n1"
    assert fields["spec.hostNetwork"] == "true"
    assert fields["status.phase"] == "Pending"
    assert fields["status.podIP"] == "10.244.0.5"
    assert fields["spec.serviceAccountName"] == "default"
    assert fields["spec.restartPolicy"] == "Always"


# --- namespaces ------------------------------------------------------------------------------------

def test_namespace_create_and_terminate() -> None:
    ns, errs = create("", "namespaces", {"metadata": {"name": "team-a"}})
    assert errs == []
    assert ns["spec"] == {"finalizers": ["kubernetes"]}
    assert ns["status"] == {"phase": "Active"}
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team-a"}
    s = strategy_for("", "namespaces")
    assert s.selectable_fields(ns) == {"status.phase": "Active"}
    s.on_terminate(ns)  # type: ignore[attr-defined]
    assert ns["status"]["phase"] == "Terminating"


def test_namespace_update_keeps_spec_and_name_label() -> None:
    old, _ = create("", "namespaces", {"metadata": {"name": "team-a"}})
    new = copy.deepcopy(old)
    new["spec"] = {}
    new["metadata"]["labels"] = {"x": "y"}
    new, errs = update("", "namespaces", new, old)
    assert errs == []
    assert new["spec"] == {"finalizers": ["kubernetes"]}
    assert new["metadata"]["labels"] == {"x": "y", "kubernetes.io/metadata.name": "team-a"}


def test_namespace_status_phase_rules() -> None:
    old, _ = create("", "namespaces", {"metadata": {"name": "team-a"}})
    new = copy.deepcopy(old)
    new["status"]["phase"] = "Terminating"
    errs = update("", "namespaces", new, old, subresource="status")[1]
    assert msgs(errs) == ['status.Phase: Invalid value: "Terminating": may only be \'Active\' if '
                          '`deletionTimestamp` is empty']


# --- config maps and secrets ---------------------------------------------------------------------

def test_configmap_keys_size_and_immutability() -> None:
    _, errs = create("", "configmaps", {"metadata": {"name": "c"}, "data": {"a b": "x", "ok": "y"}})
    assert len(errs) == 1 and str(errs[0]).startswith('data[a b]: Invalid value: "a b": a valid config key')
    _, errs = create("", "configmaps", {"metadata": {"name": "c"}, "data": {"big": "x" * (1 << 20 + 1)}})
    assert msgs(errs) == ["Too long: may not be more than 1048576 bytes"]
    old = {"metadata": {"name": "c"}, "data": {"a": "1"}, "immutable": True}
    new = copy.deepcopy(old)
    new["data"]["a"] = "2"
    assert msgs(update("", "configmaps", new, old)[1]) == [
        "data: Forbidden: field is immutable when `immutable` is set"]


def test_secret_defaults_and_validation() -> None:
    sec, errs = create("", "secrets", {"metadata": {"name": "s"}, "stringData": {"user": "admin"}})
    assert errs == []
    assert sec["type"] == "Opaque"
    assert "stringData" not in sec
    assert base64.b64decode(sec["data"]["user"]) == b"admin"
    _, errs = create("", "secrets", {"metadata": {"name": "s"}, "type": "kubernetes.io/tls", "data": {}})
    assert msgs(errs) == ["data[tls.crt]: Required value", "data[tls.key]: Required value"]
    old, _ = create("", "secrets", {"metadata": {"name": "s"}})
    new = copy.deepcopy(old)
    new["type"] = "kubernetes.io/tls"
    new["data"] = {"tls.crt": "", "tls.key": ""}
    assert msgs(update("", "secrets", new, old)[1]) == ['type: Invalid value: "kubernetes.io/tls": field is immutable']
    assert strategy_for("", "secrets").selectable_fields(old) == {"type": "Opaque"}


_TEMPLATE = {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}],
                                                            "volumes": [{"name": "v"}]}}
_SAMPLES: list[tuple[str, str, Obj]] = [
    ("", "pods", {"metadata": {"name": "p"}, "spec": copy.deepcopy(_TEMPLATE["spec"])}),
    ("", "services", {"metadata": {"name": "s"}, "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}}),
    ("", "namespaces", {"metadata": {"name": "n"}}),
    ("", "secrets", {"metadata": {"name": "s"}, "stringData": {"a": "b"}}),
    ("", "persistentvolumes", {"metadata": {"name": "pv"}, "spec": {}}),
    ("", "persistentvolumeclaims", {"metadata": {"name": "c"}, "spec": {}}),
    ("", "endpoints", {"metadata": {"name": "e"}, "subsets": [{"ports": [{"port": 1}]}]}),
    ("", "limitranges", {"metadata": {"name": "l"}, "spec": {"limits": [{"type": "Container", "max": {"cpu": 1}}]}}),
    ("", "replicationcontrollers", {"metadata": {"name": "r"}, "spec": {"template": copy.deepcopy(_TEMPLATE)}}),
    ("", "podtemplates", {"metadata": {"name": "t"}, "template": copy.deepcopy(_TEMPLATE)}),
    ("apps", "deployments", {"metadata": {"name": "d"}, "spec": {"template": copy.deepcopy(_TEMPLATE)}}),
    ("apps", "statefulsets", {"metadata": {"name": "s"}, "spec": {"template": copy.deepcopy(_TEMPLATE),
                                                                  "volumeClaimTemplates": [{"spec": {}}]}}),
    ("apps", "daemonsets", {"metadata": {"name": "d"}, "spec": {"template": copy.deepcopy(_TEMPLATE)}}),
    ("apps", "replicasets", {"metadata": {"name": "r"}, "spec": {"template": copy.deepcopy(_TEMPLATE)}}),
    ("batch", "jobs", {"metadata": {"name": "j"}, "spec": {"template": copy.deepcopy(_TEMPLATE)}}),
    ("batch", "cronjobs", {"metadata": {"name": "c"}, "spec": {"jobTemplate": {"spec": {
        "template": copy.deepcopy(_TEMPLATE)}}}}),
    ("rbac.authorization.k8s.io", "rolebindings", {"metadata": {"name": "b"}, "roleRef": {"name": "x"},
                                                   "subjects": [{"kind": "User", "name": "u"}]}),
    ("networking.k8s.io", "networkpolicies", {"metadata": {"name": "n"}, "spec": {"egress": [{}]}}),
    ("discovery.k8s.io", "endpointslices", {"metadata": {"name": "e"}, "ports": [{}]}),
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations", {"metadata": {"name": "m"}, "webhooks": [
        {"name": "a.b.c", "rules": [{}], "clientConfig": {"service": {"name": "s", "namespace": "n"}}}]}),
    ("storage.k8s.io", "storageclasses", {"metadata": {"name": "s"}}),
    ("storage.k8s.io", "csidrivers", {"metadata": {"name": "c"}}),
    ("scheduling.k8s.io", "priorityclasses", {"metadata": {"name": "p"}, "value": 1}),
    ("autoscaling", "horizontalpodautoscalers", {"apiVersion": "autoscaling/v2", "metadata": {"name": "h"},
                                                 "spec": {"behavior": {}}}),
]


@pytest.mark.parametrize(("group", "plural", "obj"), _SAMPLES, ids=[f"{g}/{p}" for g, p, _ in _SAMPLES])
def test_defaults_are_idempotent(group: str, plural: str, obj: Obj) -> None:
    s = strategy_for(group, plural)
    once = copy.deepcopy(obj)
    s.default(once)
    assert once != obj or plural in ("endpointslices",)
    twice = copy.deepcopy(once)
    s.default(twice)
    assert twice == once


def test_pod_status_ips_are_validated() -> None:
    old, _ = create("", "pods", bare_pod())
    new = copy.deepcopy(old)
    new["status"]["podIP"] = "not-an-ip"
    new, errs = update("", "pods", new, old, subresource="status")
    assert new["status"]["podIPs"] == [{"ip": "not-an-ip"}]
    assert msgs(errs) == ['status.podIPs[0]: Invalid value: "not-an-ip": must be a valid IP address, (e.g. '
                          '10.9.8.7 or 2001:db8::ffff)']
    ok = copy.deepcopy(old)
    ok["status"].update(phase="Running", podIPs=[{"ip": "10.244.0.5"}, {"ip": "fd00::5"}])
    assert update("", "pods", ok, old, subresource="status")[1] == []


# --- shared helpers -----------------------------------------------------------------------------

def test_ensure_dict_replaces_missing_and_non_objects() -> None:
    obj: Obj = {"a": {"x": 1}, "b": None, "c": "text"}
    assert ensure_dict(obj, "a") is obj["a"]
    for key in ("b", "c", "d"):
        got = ensure_dict(obj, key)
        assert got == {} and obj[key] is got


def test_required_choice() -> None:
    allowed = ("A", "B")
    assert msgs(required_choice(None, "spec.x", allowed)) == ["spec.x: Required value"]
    assert msgs(required_choice("", "spec.x", allowed, "say which")) == ["spec.x: Required value: say which"]
    assert msgs(required_choice("C", "spec.x", allowed)) == [
        'spec.x: Unsupported value: "C": supported values: "A", "B"']
    assert required_choice("B", "spec.x", allowed) == []
