"""Discovery documents against the shapes kubectl reads (kubectl-contract.md §3) and upstream's
own meta/v1 schemas."""

from __future__ import annotations

from typing import Any

import jsonschema
import orjson
import pytest

from kapi.registry import discovery
from kapi.registry.builtin_facts import SERVED_GROUP_VERSIONS, STANDARD_VERBS
from kapi.registry.catalog import Catalog, load_definitions
from kapi.registry.types import ResourceType, Subresource

META = "io.k8s.apimachinery.pkg.apis.meta.v1."


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.builtin()


def _validate(doc: dict[str, Any], definition: str) -> None:
    """Validate against upstream's schema of ``definition`` (and round-trip through orjson)."""
    doc = orjson.loads(orjson.dumps(doc))
    schema = {"$ref": f"#/$defs/{META}{definition}", "$defs": load_definitions().defs}
    jsonschema.Draft202012Validator(schema).validate(doc)


def _all_gvs(catalog: Catalog) -> list[tuple[str, str]]:
    return [(g, v) for g, versions in catalog.groups() for v in versions]


# --- legacy -----------------------------------------------------------------------------------
def test_api_versions() -> None:
    doc = discovery.api_versions("10.0.0.1:6443")
    _validate(doc, "APIVersions")
    assert doc == {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "10.0.0.1:6443"}],
    }


def test_api_group_list(catalog: Catalog) -> None:
    doc = discovery.api_group_list(catalog)
    _validate(doc, "APIGroupList")
    assert (doc["kind"], doc["apiVersion"]) == ("APIGroupList", "v1")
    names = [g["name"] for g in doc["groups"]]
    assert names[:6] == ["apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io", "autoscaling",
                         "batch"]
    assert names.index("admissionregistration.k8s.io") + 1 == names.index("apiextensions.k8s.io")
    assert "" not in names
    autoscaling = doc["groups"][names.index("autoscaling")]
    assert autoscaling["versions"] == [
        {"groupVersion": "autoscaling/v2", "version": "v2"},
        {"groupVersion": "autoscaling/v1", "version": "v1"},
    ]
    assert autoscaling["preferredVersion"] == {"groupVersion": "autoscaling/v2", "version": "v2"}
    listed = [gv["groupVersion"] for g in doc["groups"] for gv in g["versions"]]
    assert listed == [gv for gv in SERVED_GROUP_VERSIONS if "/" in gv]


def test_api_group(catalog: Catalog) -> None:
    doc = discovery.api_group(catalog, "apps")
    _validate(doc, "APIGroup")
    assert doc == {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": "apps",
        "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
        "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
    }
    assert discovery.api_group(catalog, "") is None
    assert discovery.api_group(catalog, "nope.example.com") is None


def test_every_resource_list_validates(catalog: Catalog) -> None:
    for group, version in _all_gvs(catalog):
        doc = discovery.api_resource_list(catalog, group, version)
        _validate(doc, "APIResourceList")
        names = [r["name"] for r in doc["resources"]]
        assert names == sorted(names) and len(names) == len(set(names))
        for entry in doc["resources"]:
            assert entry["verbs"] == sorted(entry["verbs"])
            if "/" in entry["name"]:
                assert entry["singularName"] == ""
                assert ("group" in entry) == ("version" in entry)
            else:
                assert entry["singularName"]
    assert discovery.api_resource_list(catalog, "apps", "v2") is None
    assert discovery.api_resource_list(catalog, "", "v2") is None


def test_core_resource_list(catalog: Catalog) -> None:
    doc = discovery.api_resource_list(catalog, "", "v1")
    assert doc["kind"] == "APIResourceList" and doc["groupVersion"] == "v1"
    assert "apiVersion" not in doc  # like upstream's /api/v1
    by_name = {r["name"]: r for r in doc["resources"]}
    assert by_name["pods"] == {
        "name": "pods",
        "singularName": "pod",
        "namespaced": True,
        "kind": "Pod",
        "verbs": list(STANDARD_VERBS),
        "shortNames": ["po"],
        "categories": ["all"],
        "storageVersionHash": "xPOwRZ+Yhw8=",
    }
    # kubectl drain needs group and version on pods/eviction (contract §3.4)
    assert by_name["pods/eviction"] == {
        "name": "pods/eviction", "singularName": "", "namespaced": True,
        "group": "policy", "version": "v1", "kind": "Eviction", "verbs": ["create"],
    }
    assert by_name["pods/status"] == {
        "name": "pods/status", "singularName": "", "namespaced": True, "kind": "Pod",
        "verbs": ["get", "patch", "update"],
    }
    assert by_name["serviceaccounts/token"]["group"] == "authentication.k8s.io"
    assert by_name["namespaces/finalize"]["verbs"] == ["update"]
    assert by_name["nodes"]["namespaced"] is False
    assert by_name["configmaps"]["storageVersionHash"] == "qFsyl6wFWjQ="
    assert "storageVersionHash" not in by_name["bindings"]
    assert "storageVersionHash" not in by_name["componentstatuses"]
    assert by_name["endpoints"]["singularName"] == "endpoints"


def test_apps_resource_list(catalog: Catalog) -> None:
    doc = discovery.api_resource_list(catalog, "apps", "v1")
    assert (doc["apiVersion"], doc["groupVersion"]) == ("v1", "apps/v1")
    by_name = {r["name"]: r for r in doc["resources"]}
    assert by_name["deployments/scale"] == {
        "name": "deployments/scale", "singularName": "", "namespaced": True,
        "group": "autoscaling", "version": "v1", "kind": "Scale", "verbs": ["get", "patch", "update"],
    }
    assert by_name["deployments"]["shortNames"] == ["deploy"]


# --- aggregated -------------------------------------------------------------------------------
def _check_aggregated_shape(doc: dict[str, Any]) -> None:
    """The fields kubectl reads (contract §3.2, client-go aggregated_discovery.go)."""
    assert doc["kind"] == "APIGroupDiscoveryList"
    for item in doc["items"]:
        assert isinstance(item["metadata"].get("name", ""), str)
        assert item["versions"]
        for version in item["versions"]:
            assert version["freshness"] == "Current" and version["version"]
            assert version["resources"]
            for res in version["resources"]:
                assert set(res) <= {
                    "resource", "responseKind", "scope", "singularResource", "verbs", "shortNames",
                    "categories", "subresources",
                }
                assert res["responseKind"]["kind"]
                assert set(res["responseKind"]) == {"group", "version", "kind"}
                assert res["scope"] in ("Namespaced", "Cluster")
                assert res["singularResource"] and res["verbs"]
                for sub in res.get("subresources", ()):
                    assert set(sub) == {"subresource", "responseKind", "verbs"}
                    assert sub["responseKind"]["kind"] and sub["verbs"]


def _as_legacy(item: dict[str, Any], version: dict[str, Any]) -> list[dict[str, Any]]:
    """What client-go makes of an aggregated group-version (convertAPIResource/Subresource)."""
    out = []
    for res in version["resources"]:
        namespaced = res["scope"] == "Namespaced"
        entry = {
            "name": res["resource"], "singularName": res["singularResource"], "namespaced": namespaced,
            "kind": res["responseKind"]["kind"], "verbs": res["verbs"],
        }
        for key, field in (("group", "group"), ("version", "version")):
            if res["responseKind"][field]:
                entry[key] = res["responseKind"][field]
        for key in ("shortNames", "categories"):
            if res.get(key):
                entry[key] = res[key]
        out.append(entry)
        for sub in res.get("subresources", ()):
            sub_entry = {
                "name": f"{res['resource']}/{sub['subresource']}", "singularName": "",
                "namespaced": namespaced, "kind": sub["responseKind"]["kind"], "verbs": sub["verbs"],
            }
            if sub["responseKind"]["group"] or sub["responseKind"]["version"]:
                sub_entry["group"] = sub["responseKind"]["group"]
                sub_entry["version"] = sub["responseKind"]["version"]
            out.append(sub_entry)
    return sorted(out, key=lambda e: e["name"])


def test_aggregated_core(catalog: Catalog) -> None:
    doc = discovery.aggregated_discovery(catalog, core=True)
    _check_aggregated_shape(doc)
    assert doc["apiVersion"] == "apidiscovery.k8s.io/v2"
    assert len(doc["items"]) == 1
    (item,) = doc["items"]
    assert item["metadata"].get("name", "") == ""
    assert [v["version"] for v in item["versions"]] == ["v1"]
    pods = next(r for r in item["versions"][0]["resources"] if r["resource"] == "pods")
    assert pods["responseKind"] == {"group": "", "version": "", "kind": "Pod"}
    assert pods["shortNames"] == ["po"] and pods["categories"] == ["all"]
    subs = {s["subresource"]: s for s in pods["subresources"]}
    assert subs["eviction"]["responseKind"] == {"group": "policy", "version": "v1", "kind": "Eviction"}
    assert list(subs) == sorted(subs)


def test_aggregated_apis(catalog: Catalog) -> None:
    doc = discovery.aggregated_discovery(catalog, core=False)
    _check_aggregated_shape(doc)
    names = [item["metadata"]["name"] for item in doc["items"]]
    assert names == [g for g, _ in catalog.groups() if g]
    autoscaling = doc["items"][names.index("autoscaling")]
    assert [v["version"] for v in autoscaling["versions"]] == ["v2", "v1"]
    apps = doc["items"][names.index("apps")]["versions"][0]["resources"]
    deploy = next(r for r in apps if r["resource"] == "deployments")
    assert deploy["scope"] == "Namespaced" and deploy["singularResource"] == "deployment"
    assert deploy["subresources"] == [
        {"subresource": "scale", "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"},
         "verbs": ["get", "patch", "update"]},
        {"subresource": "status", "responseKind": {"group": "", "version": "", "kind": "Deployment"},
         "verbs": ["get", "patch", "update"]},
    ]


def test_aggregated_agrees_with_legacy(catalog: Catalog) -> None:
    """kubectl caches aggregated discovery in the legacy form: both paths must say the same."""
    for core in (True, False):
        for item in discovery.aggregated_discovery(catalog, core=core)["items"]:
            group = item["metadata"].get("name", "")
            for version in item["versions"]:
                legacy = discovery.api_resource_list(catalog, group, version["version"])["resources"]
                for entry in legacy:
                    entry.pop("storageVersionHash", None)
                assert _as_legacy(item, version) == legacy, (group, version["version"])


def test_aggregated_beta_and_serialisation(catalog: Catalog) -> None:
    beta = discovery.aggregated_discovery(catalog, core=False, beta=True)
    assert beta["apiVersion"] == "apidiscovery.k8s.io/v2beta1"
    assert beta["items"] == discovery.aggregated_discovery(catalog, core=False)["items"]
    body = orjson.dumps(beta)
    assert orjson.loads(body) == beta


def test_custom_resources_show_up(catalog: Catalog) -> None:
    cat = Catalog(catalog.all())
    widget = ResourceType(
        group="example.com", version="v1alpha1", kind="Widget", plural="widgets", singular="widget",
        namespaced=False, verbs=STANDARD_VERBS, short_names=("wd",), categories=("all",),
        subresources=(Subresource("status", "example.com", "v1alpha1", "Widget"),),
    )
    cat.add(widget)
    apis = discovery.aggregated_discovery(cat, core=False)
    assert apis["items"][-1]["metadata"]["name"] == "example.com"
    res = apis["items"][-1]["versions"][0]["resources"][0]
    assert res["scope"] == "Cluster" and res["categories"] == ["all"]
    legacy = discovery.api_resource_list(cat, "example.com", "v1alpha1")
    _validate(legacy, "APIResourceList")
    assert [r["name"] for r in legacy["resources"]] == ["widgets", "widgets/status"]
    assert "storageVersionHash" not in legacy["resources"][0]
    assert discovery.api_group_list(cat)["groups"][-1]["name"] == "example.com"


# --- content negotiation ------------------------------------------------------------------------
KUBECTL_ACCEPT = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (KUBECTL_ACCEPT, discovery.AGGREGATED_V2),
        ("application/json; as=APIGroupDiscoveryList; v=v2beta1; g=apidiscovery.k8s.io",
         discovery.AGGREGATED_V2BETA1),
        ("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json", None),
        ("application/json, */*", None),
        ("application/json,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", None),
        ("application/json;as=Table;v=v1;g=meta.k8s.io,"
         "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", discovery.AGGREGATED_V2),
        ("", None),
        (None, None),
    ],
)
def test_aggregated_format(accept: str | None, expected: str | None) -> None:
    assert discovery.aggregated_format(accept) == expected


def test_content_type_constants() -> None:
    assert discovery.AGGREGATED_V2 == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    assert discovery.AGGREGATED_V2BETA1.endswith(";v=v2beta1;as=APIGroupDiscoveryList")
