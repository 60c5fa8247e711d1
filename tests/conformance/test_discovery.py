"""Discovery: /version, /api, /apis (legacy and aggregated v2), /api/v1 and /apis/<g>/<v>."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from tests.conformance.conftest import Raw

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
KUBECTL_ACCEPT = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
)
STANDARD_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

EXPECTED_GROUPS = {
    "apps": ["v1"],
    "batch": ["v1"],
    "autoscaling": ["v2", "v1"],
    "policy": ["v1"],
    "rbac.authorization.k8s.io": ["v1"],
    "networking.k8s.io": ["v1"],
    "discovery.k8s.io": ["v1"],
    "coordination.k8s.io": ["v1"],
    "events.k8s.io": ["v1"],
    "storage.k8s.io": ["v1"],
    "scheduling.k8s.io": ["v1"],
    "node.k8s.io": ["v1"],
    "certificates.k8s.io": ["v1"],
    "admissionregistration.k8s.io": ["v1"],
    "apiextensions.k8s.io": ["v1"],
}


def resources_by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in body["resources"]}


def test_version(raw: Raw) -> None:
    r = raw.get("/version")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    v = r.json()
    assert v["major"] == "1"
    assert v["minor"].rstrip("+") == "33"
    assert v["gitVersion"].startswith("v1.33.")
    for key in ("gitCommit", "gitTreeState", "buildDate", "goVersion", "compiler", "platform"):
        assert key in v, key


def test_version_through_typed_client(api_client: client.ApiClient) -> None:
    info = client.VersionApi(api_client).get_code()
    assert info.major == "1"
    assert info.git_version.startswith("v1.33.")


def test_api_versions(raw: Raw) -> None:
    body = raw.ok("GET", "/api")
    assert body["kind"] == "APIVersions"
    assert body["versions"] == ["v1"]
    assert isinstance(body.get("serverAddressByClientCIDRs"), list)


def test_api_group_list_legacy(raw: Raw) -> None:
    r = raw.get("/apis")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert ";g=apidiscovery" not in r.headers["Content-Type"]
    body = r.json()
    assert body["kind"] == "APIGroupList"
    assert body["apiVersion"] == "v1"
    groups = {g["name"]: g for g in body["groups"]}
    assert "" not in groups  # the core group is only under /api
    for name, versions in EXPECTED_GROUPS.items():
        assert name in groups, f"group {name} missing from /apis"
        g = groups[name]
        got = [v["version"] for v in g["versions"]]
        for v in versions:
            assert v in got, (name, got)
        for v in g["versions"]:
            assert v["groupVersion"] == f"{name}/{v['version']}"
        assert g["preferredVersion"] == {"groupVersion": f"{name}/{versions[0]}", "version": versions[0]}


def test_api_group_single(raw: Raw) -> None:
    body = raw.ok("GET", "/apis/apps")
    assert body["kind"] == "APIGroup"
    assert body["name"] == "apps"
    assert body["preferredVersion"]["groupVersion"] == "apps/v1"
    body = raw.ok("GET", "/apis/autoscaling")
    assert [v["version"] for v in body["versions"]][:2] == ["v2", "v1"]
    assert raw.get("/apis/no.such.group").status_code == 404


def test_core_v1_resource_list(raw: Raw) -> None:
    body = raw.ok("GET", "/api/v1")
    assert body["kind"] == "APIResourceList"
    assert body["groupVersion"] == "v1"
    res = resources_by_name(body)
    pods = res["pods"]
    assert pods["namespaced"] is True
    assert pods["kind"] == "Pod"
    assert pods["singularName"] == "pod"
    assert sorted(pods["verbs"]) == STANDARD_VERBS
    assert pods["shortNames"] == ["po"]
    assert "all" in pods.get("categories", [])
    assert sorted(res["pods/status"]["verbs"]) == ["get", "patch", "update"]
    assert res["pods/status"]["kind"] == "Pod"
    ns = res["namespaces"]
    assert ns["namespaced"] is False
    assert ns["shortNames"] == ["ns"]
    assert "deletecollection" not in ns["verbs"]  # upstream namespaces have no deletecollection
    assert res["services"]["shortNames"] == ["svc"]
    for name in ("configmaps", "secrets", "services", "endpoints", "events", "nodes", "persistentvolumes",
                 "persistentvolumeclaims", "serviceaccounts", "replicationcontrollers", "limitranges",
                 "resourcequotas", "podtemplates", "namespaces/status", "namespaces/finalize",
                 "replicationcontrollers/scale", "services/status", "nodes/status"):
        assert name in res, name
    assert res["nodes"]["namespaced"] is False
    assert res["persistentvolumes"]["namespaced"] is False
    rc_scale = res["replicationcontrollers/scale"]
    assert rc_scale["kind"] == "Scale"
    assert rc_scale["group"] == "autoscaling" and rc_scale["version"] == "v1"


def test_apps_v1_resource_list(raw: Raw) -> None:
    body = raw.ok("GET", "/apis/apps/v1")
    assert body["kind"] == "APIResourceList"
    assert body["groupVersion"] == "apps/v1"
    res = resources_by_name(body)
    dep = res["deployments"]
    assert dep["kind"] == "Deployment"
    assert dep["namespaced"] is True
    assert dep["singularName"] == "deployment"
    assert dep["shortNames"] == ["deploy"]
    assert sorted(dep["verbs"]) == STANDARD_VERBS
    scale = res["deployments/scale"]
    assert scale["kind"] == "Scale"
    assert scale["group"] == "autoscaling" and scale["version"] == "v1"
    assert sorted(scale["verbs"]) == ["get", "patch", "update"]
    for name in ("deployments/status", "statefulsets", "statefulsets/scale", "daemonsets", "replicasets",
                 "replicasets/scale", "controllerrevisions"):
        assert name in res, name
    assert res["statefulsets"]["shortNames"] == ["sts"]
    assert res["daemonsets"]["shortNames"] == ["ds"]


@pytest.mark.parametrize("gv,resource,kind,namespaced", [
    ("batch/v1", "jobs", "Job", True),
    ("batch/v1", "cronjobs", "CronJob", True),
    ("autoscaling/v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True),
    ("autoscaling/v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True),
    ("policy/v1", "poddisruptionbudgets", "PodDisruptionBudget", True),
    ("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", False),
    ("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding", True),
    ("networking.k8s.io/v1", "ingresses", "Ingress", True),
    ("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", True),
    ("networking.k8s.io/v1", "ingressclasses", "IngressClass", False),
    ("discovery.k8s.io/v1", "endpointslices", "EndpointSlice", True),
    ("coordination.k8s.io/v1", "leases", "Lease", True),
    ("events.k8s.io/v1", "events", "Event", True),
    ("storage.k8s.io/v1", "storageclasses", "StorageClass", False),
    ("scheduling.k8s.io/v1", "priorityclasses", "PriorityClass", False),
    ("node.k8s.io/v1", "runtimeclasses", "RuntimeClass", False),
    ("certificates.k8s.io/v1", "certificatesigningrequests", "CertificateSigningRequest", False),
    ("admissionregistration.k8s.io/v1", "validatingwebhookconfigurations",
     "ValidatingWebhookConfiguration", False),
    ("apiextensions.k8s.io/v1", "customresourcedefinitions", "CustomResourceDefinition", False),
])
def test_group_version_resource_lists(raw: Raw, gv: str, resource: str, kind: str, namespaced: bool) -> None:
    body = raw.ok("GET", f"/apis/{gv}")
    assert body["kind"] == "APIResourceList"
    assert body["groupVersion"] == gv
    res = resources_by_name(body)
    assert resource in res, sorted(res)
    assert res[resource]["kind"] == kind
    assert res[resource]["namespaced"] is namespaced
    assert "list" in res[resource]["verbs"] and "watch" in res[resource]["verbs"]


def test_status_subresources_are_discoverable(raw: Raw) -> None:
    batch = resources_by_name(raw.ok("GET", "/apis/batch/v1"))
    assert "jobs/status" in batch
    crd = resources_by_name(raw.ok("GET", "/apis/apiextensions.k8s.io/v1"))
    assert "customresourcedefinitions/status" in crd
    assert crd["customresourcedefinitions"]["shortNames"] == ["crd", "crds"]


def test_unknown_group_version_is_404(raw: Raw) -> None:
    assert raw.get("/apis/apps/v1beta7").status_code == 404
    assert raw.get("/api/v2").status_code == 404


def _aggregated(raw: Raw, path: str, accept: str = AGGREGATED) -> dict[str, Any]:
    r = raw.get(path, headers={"Accept": accept})
    assert r.status_code == 200, r.text[:300]
    ctype = r.headers["Content-Type"].replace(" ", "")
    assert ctype.startswith("application/json"), ctype
    assert "g=apidiscovery.k8s.io" in ctype and "v=v2" in ctype and "as=APIGroupDiscoveryList" in ctype, ctype
    body = r.json()
    assert body["kind"] == "APIGroupDiscoveryList"
    assert body["apiVersion"] == "apidiscovery.k8s.io/v2"
    return body


def test_aggregated_discovery_apis(raw: Raw) -> None:
    body = _aggregated(raw, "/apis")
    groups = {g["metadata"]["name"]: g for g in body["items"]}
    for name, versions in EXPECTED_GROUPS.items():
        assert name in groups, name
        got = [v["version"] for v in groups[name]["versions"]]
        assert got[0] == versions[0], (name, got)  # preferred version first
    apps_v1 = groups["apps"]["versions"][0]
    assert apps_v1["version"] == "v1"
    assert apps_v1.get("freshness", "Current") == "Current"
    res = {r["resource"]: r for r in apps_v1["resources"]}
    dep = res["deployments"]
    # upstream leaves group/version empty when they are the containing group-version's
    assert dep["responseKind"] == {"group": "", "version": "", "kind": "Deployment"}
    assert dep["scope"] == "Namespaced"
    assert dep["singularResource"] == "deployment"
    assert sorted(dep["verbs"]) == STANDARD_VERBS
    assert dep["shortNames"] == ["deploy"]
    subs = {s["subresource"]: s for s in dep["subresources"]}
    assert subs["scale"]["responseKind"] == {"group": "autoscaling", "version": "v1", "kind": "Scale"}
    assert sorted(subs["scale"]["verbs"]) == ["get", "patch", "update"]
    assert "status" in subs
    rbac = {r["resource"]: r for r in groups["rbac.authorization.k8s.io"]["versions"][0]["resources"]}
    assert rbac["clusterroles"]["scope"] == "Cluster"


def test_aggregated_discovery_core(raw: Raw) -> None:
    body = _aggregated(raw, "/api", accept=KUBECTL_ACCEPT)
    assert len(body["items"]) == 1
    core = body["items"][0]
    assert core["metadata"].get("name", "") == ""
    v1 = core["versions"][0]
    assert v1["version"] == "v1"
    res = {r["resource"]: r for r in v1["resources"]}
    pods = res["pods"]
    assert pods["responseKind"] == {"group": "", "version": "", "kind": "Pod"}
    assert pods["scope"] == "Namespaced"
    assert pods["singularResource"] == "pod"
    subs = {s["subresource"] for s in pods["subresources"]}
    assert {"status", "log", "exec", "binding", "eviction"} <= subs
    assert res["namespaces"]["scope"] == "Cluster"
    assert res["nodes"]["scope"] == "Cluster"


def test_kubectl_accept_header_gets_aggregated_apis(raw: Raw) -> None:
    body = _aggregated(raw, "/apis", accept=KUBECTL_ACCEPT)
    assert any(g["metadata"]["name"] == "batch" for g in body["items"])


def test_plain_json_accept_gets_legacy(raw: Raw) -> None:
    for path, kind in (("/api", "APIVersions"), ("/apis", "APIGroupList")):
        r = raw.get(path, headers={"Accept": "application/json"})
        assert r.json()["kind"] == kind
        r = raw.get(path, headers={"Accept": "*/*"})
        assert r.json()["kind"] == kind


def test_every_advertised_group_version_is_served(raw: Raw) -> None:
    """Discovery clients (kubectl, kopf, kr8s) walk every group-version /apis advertises."""
    gvs = ["/api/v1"] + [f"/apis/{v['groupVersion']}" for g in raw.ok("GET", "/apis")["groups"]
                         for v in g["versions"]]
    for path in gvs:
        body = raw.ok("GET", path)
        assert body["kind"] == "APIResourceList", path
        assert body["groupVersion"] == path.split("/", 2)[2], path
        assert body["resources"], path
        for r in body["resources"]:
            # kopf indexes these keys directly
            for key in ("name", "singularName", "namespaced", "kind", "verbs"):
                assert key in r, (path, r.get("name"), key)
            if "/" not in r["name"]:
                assert r["singularName"], (path, r["name"])
                assert r["singularName"] == r["kind"].lower() or r["name"] in ("endpoints",), (path, r)


def test_pod_subresources_in_core_list(raw: Raw) -> None:
    res = resources_by_name(raw.ok("GET", "/api/v1"))
    for name in ("pods/log", "pods/exec", "pods/attach", "pods/portforward", "pods/binding", "pods/eviction",
                 "pods/ephemeralcontainers", "serviceaccounts/token", "bindings"):
        assert name in res, name
    assert res["pods/eviction"]["group"] == "policy" and res["pods/eviction"]["kind"] == "Eviction"
    assert res["serviceaccounts/token"]["kind"] == "TokenRequest"
    assert res["serviceaccounts/token"]["group"] == "authentication.k8s.io"
    assert res["pods/log"]["verbs"] == ["get"]
