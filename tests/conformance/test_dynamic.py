"""kubernetes.dynamic.DynamicClient: discovery, then CRUD over several API groups, subresources,
watch, and a CustomResourceDefinition served at run time."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import (
    ApiException,
    NotFoundError,
    ResourceNotFoundError,
    UnprocessibleEntityError,
)

from tests.conformance.conftest import JSON_PATCH, MERGE, Raw, uniq, wait_for


@pytest.fixture(scope="module")
def dyn(api_client: client.ApiClient, tmp_path_factory: pytest.TempPathFactory) -> DynamicClient:
    return DynamicClient(api_client, cache_file=str(tmp_path_factory.mktemp("dyn") / "discovery.json"))


def test_discovery_finds_kinds_in_every_group(dyn: DynamicClient) -> None:
    expected = [
        ("v1", "ConfigMap", True), ("v1", "Namespace", False), ("v1", "Pod", True), ("v1", "Node", False),
        ("apps/v1", "Deployment", True), ("apps/v1", "StatefulSet", True), ("batch/v1", "CronJob", True),
        ("autoscaling/v2", "HorizontalPodAutoscaler", True), ("autoscaling/v1", "HorizontalPodAutoscaler", True),
        ("policy/v1", "PodDisruptionBudget", True), ("rbac.authorization.k8s.io/v1", "ClusterRole", False),
        ("networking.k8s.io/v1", "Ingress", True), ("discovery.k8s.io/v1", "EndpointSlice", True),
        ("coordination.k8s.io/v1", "Lease", True), ("events.k8s.io/v1", "Event", True),
        ("storage.k8s.io/v1", "StorageClass", False), ("scheduling.k8s.io/v1", "PriorityClass", False),
        ("node.k8s.io/v1", "RuntimeClass", False), ("certificates.k8s.io/v1", "CertificateSigningRequest", False),
        ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", False),
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition", False),
    ]
    for api_version, kind, namespaced in expected:
        res = dyn.resources.get(api_version=api_version, kind=kind)
        assert res.namespaced is namespaced, (api_version, kind)
        assert "list" in res.verbs


def test_discovery_preferred_version_and_short_names(dyn: DynamicClient) -> None:
    hpas = dyn.resources.search(group="autoscaling", kind="HorizontalPodAutoscaler")
    assert sorted(h.api_version for h in hpas) == ["v1", "v2"]
    assert [h.api_version for h in hpas if h.preferred] == ["v2"]
    deploy = dyn.resources.get(short_names=["deploy"])
    assert deploy.kind == "Deployment"
    with pytest.raises(ResourceNotFoundError):
        dyn.resources.get(api_version="v1", kind="NoSuchKind")


def test_version(dyn: DynamicClient) -> None:
    assert dyn.version["kubernetes"]["major"] == "1"
    assert dyn.version["kubernetes"]["minor"].rstrip("+") == "33"


KINDS: list[tuple[str, str, dict[str, Any]]] = [
    ("v1", "ConfigMap", {"data": {"a": "1"}}),
    ("v1", "ServiceAccount", {}),
    ("apps/v1", "Deployment", {"spec": {"replicas": 0, "selector": {"matchLabels": {"app": "dyn"}},
                                        "template": {"metadata": {"labels": {"app": "dyn"}},
                                                     "spec": {"containers": [{"name": "c", "image": "i:1"}]}}}}),
    ("batch/v1", "CronJob", {"spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": {"spec": {
        "restartPolicy": "Never", "containers": [{"name": "c", "image": "i:1"}]}}}}}}),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", {"rules": [{"apiGroups": [""], "resources": ["pods"],
                                                                 "verbs": ["get"]}]}),
    ("rbac.authorization.k8s.io/v1", "Role", {"rules": [{"apiGroups": [""], "resources": ["pods"],
                                                          "verbs": ["get"]}]}),
    ("networking.k8s.io/v1", "NetworkPolicy", {"spec": {"podSelector": {}}}),
    ("coordination.k8s.io/v1", "Lease", {"spec": {"holderIdentity": "me"}}),
    ("policy/v1", "PodDisruptionBudget", {"spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"a": "b"}}}}),
    ("storage.k8s.io/v1", "StorageClass", {"provisioner": "example.com/p"}),
    ("scheduling.k8s.io/v1", "PriorityClass", {"value": 5}),
    ("node.k8s.io/v1", "RuntimeClass", {"handler": "runc"}),
    ("discovery.k8s.io/v1", "EndpointSlice", {"addressType": "IPv4", "endpoints": [{"addresses": ["10.0.0.1"]}]}),
    ("autoscaling/v2", "HorizontalPodAutoscaler", {"spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "x"}, "maxReplicas": 3}}),
    ("events.k8s.io/v1", "Event", {"eventTime": "2024-01-01T00:00:00.000000Z", "reportingController": "example.com/c",
                                   "reportingInstance": "i-1", "action": "Test", "reason": "Testing", "type": "Normal",
                                   "regarding": {"kind": "Pod", "name": "p", "namespace": "default"},
                                   "note": "hello"}),
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", {"webhooks": [{
        "name": "m.example.com", "clientConfig": {"url": "https://example.com/m"}, "sideEffects": "None",
        "admissionReviewVersions": ["v1"]}]}),
]


@pytest.mark.parametrize("api_version,kind,extra", KINDS, ids=[k for _, k, _ in KINDS])
def test_dynamic_crud(dyn: DynamicClient, ns: str, api_version: str, kind: str, extra: dict[str, Any]) -> None:
    res = dyn.resources.get(api_version=api_version, kind=kind)
    name = uniq(kind.lower()[:10])
    scope = {"namespace": ns} if res.namespaced else {}
    if kind == "Event":
        extra = {**extra, "regarding": {**extra["regarding"], "namespace": ns}}
    body = {"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "labels": {"t": "dyn"}}, **extra}
    created = res.create(body=body, **scope)
    assert created.metadata.name == name
    assert created.kind == kind
    assert created.apiVersion == api_version
    uid = created.metadata.uid
    assert uid

    got = res.get(name=name, **scope)
    assert got.metadata.uid == uid

    patched = res.patch(body={"metadata": {"labels": {"patched": "merge"}}}, name=name,
                        content_type=MERGE, **scope)
    assert patched.metadata.labels.patched == "merge"
    assert patched.metadata.labels.t == "dyn"
    patched = res.patch(body=[{"op": "add", "path": "/metadata/annotations", "value": {"j": "p"}}], name=name,
                        content_type=JSON_PATCH, **scope)
    assert patched.metadata.annotations.j == "p"

    current = res.get(name=name, **scope).to_dict()
    current["metadata"]["labels"]["replaced"] = "yes"
    replaced = res.replace(body=current, **scope)
    assert replaced.metadata.labels.replaced == "yes"

    listed = res.get(label_selector="t=dyn,patched=merge", **scope)
    assert name in [i.metadata.name for i in listed.items]
    assert listed.kind == f"{kind}List"

    res.delete(name=name, **scope)

    def gone() -> bool:
        try:
            res.get(name=name, **scope)
        except NotFoundError:
            return True
        return False

    wait_for(gone, timeout=5)


def test_dynamic_errors(dyn: DynamicClient, ns: str) -> None:
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    with pytest.raises(NotFoundError) as nf:
        cms.get(name="missing", namespace=ns)
    assert nf.value.status == 404
    with pytest.raises(UnprocessibleEntityError):
        cms.create(body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Not_Valid"}}, namespace=ns)
    cms.create(body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "twice"}}, namespace=ns)
    with pytest.raises(ApiException) as conflict:
        cms.create(body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "twice"}}, namespace=ns)
    assert conflict.value.status == 409


def test_dynamic_subresources(dyn: DynamicClient, ns: str) -> None:
    deps = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    deps.create(body={"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "sub"},
                      "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "sub"}},
                               "template": {"metadata": {"labels": {"app": "sub"}},
                                            "spec": {"containers": [{"name": "c", "image": "i:1"}]}}}},
                namespace=ns)
    assert "scale" in deps.subresources and "status" in deps.subresources
    scale = deps.subresources["scale"].get(name="sub", namespace=ns)
    assert scale.kind == "Scale"
    assert scale.spec.replicas == 1
    out = deps.subresources["scale"].patch(body={"spec": {"replicas": 3}}, name="sub", namespace=ns,
                                           content_type=MERGE)
    assert out.spec.replicas == 3
    out = deps.subresources["status"].patch(body={"status": {"observedGeneration": 2}}, name="sub",
                                            namespace=ns, content_type=MERGE)
    assert out.status.observedGeneration == 2
    assert deps.get(name="sub", namespace=ns).spec.replicas == 3


def test_dynamic_watch(dyn: DynamicClient, ns: str, raw: Raw) -> None:
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    rv = cms.get(namespace=ns).metadata.resourceVersion
    raw.create(f"/api/v1/namespaces/{ns}/configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                                       "metadata": {"name": "watched"}})
    seen = [(e["type"], e["object"].metadata.name) for e in cms.watch(namespace=ns, resource_version=rv, timeout=1)]
    assert seen == [("ADDED", "watched")]
    seen = [(e["type"], e["object"].metadata.name) for e in cms.watch(namespace=ns, name="watched", timeout=1)]
    assert seen == [("ADDED", "watched")]


def test_dynamic_delete_collection(dyn: DynamicClient, ns: str) -> None:
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    for i in range(3):
        cms.create(body={"apiVersion": "v1", "kind": "ConfigMap",
                         "metadata": {"name": f"bulk{i}", "labels": {"bulk": "yes"}}}, namespace=ns)
    cms.delete(namespace=ns, label_selector="bulk=yes")
    assert cms.get(namespace=ns, label_selector="bulk=yes").items == []
