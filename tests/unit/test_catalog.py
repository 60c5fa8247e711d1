"""The built-in facts, the generated definitions, and the Catalog."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import orjson
import pytest

from kapi.registry import builtin_facts
from kapi.registry.builtin_facts import FACTS, SERVED_GROUP_VERSIONS, STANDARD_VERBS
from kapi.registry.catalog import (
    Catalog,
    builtin_types,
    load_definitions,
    openapi_dir,
    storage_version_hash,
    version_sort_key,
)
from kapi.registry.types import ResourceType, Subresource

REPO = Path(__file__).resolve().parents[2]
KNOWN_VERBS = set(STANDARD_VERBS)
#: upstream publishes no schema for the connect options; every other subresource kind has one
SCHEMALESS_SUBRESOURCE_KINDS = {
    "NodeProxyOptions", "PodAttachOptions", "PodExecOptions", "PodPortForwardOptions",
    "PodProxyOptions", "ServiceProxyOptions",
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.builtin()


def _gv(rt: ResourceType) -> str:
    return rt.group_version


# --- facts against schemas -------------------------------------------------------------------
def test_every_fact_resolves_to_a_schema_of_the_same_kind() -> None:
    defs = load_definitions()
    types = builtin_types(defs)
    assert len(types) == len(FACTS)
    for rt in types:
        assert rt.schema is not None
        schema = defs.defs[rt.schema]
        gvks = {(g["group"], g["version"], g["kind"]) for g in schema["x-kubernetes-group-version-kind"]}
        assert (rt.group, rt.version, rt.kind) in gvks
        assert "metadata" in schema["properties"], rt.kind
        assert defs.node(rt.schema).prop("metadata").name == "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def test_status_subresources_have_a_status_in_the_schema(catalog: Catalog) -> None:
    defs = load_definitions()
    for rt in catalog.all():
        if rt.subresource("status") is not None:
            assert "status" in defs.defs[rt.schema]["properties"], rt.plural


def test_subresource_kinds_have_schemas_unless_connect_options(catalog: Catalog) -> None:
    defs = load_definitions()
    gvks = {
        (g["group"], g["version"], g["kind"])
        for schema in defs.defs.values()
        for g in schema.get("x-kubernetes-group-version-kind") or ()
    }
    for rt in catalog.all():
        for sub in rt.subresources:
            if sub.kind in SCHEMALESS_SUBRESOURCE_KINDS:
                assert (sub.group, sub.version) == (rt.group, rt.version)
            else:
                assert (sub.group, sub.version, sub.kind) in gvks, f"{rt.plural}/{sub.name}"


def test_a_fact_without_schema_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    bogus = builtin_facts.Fact("apps/v1", "widgets", "Widget", True)
    monkeypatch.setattr("kapi.registry.catalog.FACTS", (*FACTS, bogus))
    with pytest.raises(LookupError, match="Widget"):
        builtin_types(load_definitions())


def test_verbs_are_sane(catalog: Catalog) -> None:
    reviews = {"selfsubjectreviews", "tokenreviews", "localsubjectaccessreviews", "selfsubjectaccessreviews",
               "selfsubjectrulesreviews", "subjectaccessreviews"}
    exceptions = {"bindings", "componentstatuses", "namespaces", *reviews}
    for rt in catalog.all():
        assert set(rt.verbs) <= KNOWN_VERBS
        assert len(set(rt.verbs)) == len(rt.verbs)
        if rt.plural not in exceptions:
            assert rt.verbs == STANDARD_VERBS, rt.plural
        for sub in rt.subresources:
            assert sub.verbs and set(sub.verbs) <= {"create", "delete", "get", "patch", "update"}
    assert catalog.get("", "v1", "bindings").verbs == ("create",)
    assert catalog.get("", "v1", "componentstatuses").verbs == ("get", "list")
    assert "deletecollection" not in catalog.get("", "v1", "namespaces").verbs
    for plural in reviews:
        group = "authentication.k8s.io" if plural in ("selfsubjectreviews", "tokenreviews") else "authorization.k8s.io"
        assert catalog.get(group, "v1", plural).verbs == ("create",)


def test_names_are_unique_and_lowercase(catalog: Catalog) -> None:
    for group, versions in catalog.groups():
        for version in versions:
            types = catalog.resources(group, version)
            names = [n for rt in types for n in (rt.plural, *rt.short_names)]
            assert len(names) == len(set(names)), (group, version)
            assert len({rt.singular for rt in types}) == len(types)
            for rt in types:
                assert rt.plural == rt.plural.lower() and rt.singular == rt.kind.lower()


# --- spot checks of upstream facts --------------------------------------------------------------
def test_every_served_group_version_is_non_empty(catalog: Catalog) -> None:
    served = [f"{g}/{v}" if g else v for g, versions in catalog.groups() for v in versions]
    assert served == list(SERVED_GROUP_VERSIONS)
    for gv in SERVED_GROUP_VERSIONS:
        group, _, version = gv.rpartition("/")
        assert catalog.resources(group, version), gv


def test_pods(catalog: Catalog) -> None:
    pods = catalog.get("", "v1", "pods")
    assert pods is not None and pods.namespaced
    assert pods.short_names == ("po",) and pods.categories == ("all",)
    assert pods.schema == "io.k8s.api.core.v1.Pod"
    assert {s.name for s in pods.subresources} == {
        "attach", "binding", "ephemeralcontainers", "eviction", "exec", "log", "portforward",
        "proxy", "resize", "status",
    }
    assert pods.subresource("eviction") == Subresource("eviction", "policy", "v1", "Eviction", ("create",))
    assert pods.subresource("binding") == Subresource("binding", "", "v1", "Binding", ("create",))
    assert pods.subresource("log").verbs == ("get",)
    assert pods.subresource("exec").kind == "PodExecOptions"
    assert set(pods.subresource("exec").verbs) == {"create", "get"}
    assert pods.tracks_generation  # KEP-5067, 1.33


def test_scale_subresources(catalog: Catalog) -> None:
    scalable = {
        (rt.group, rt.plural) for rt in catalog.all() if rt.subresource("scale") is not None
    }
    assert scalable == {
        ("apps", "deployments"), ("apps", "replicasets"), ("apps", "statefulsets"),
        ("", "replicationcontrollers"),
    }
    scale = catalog.get("apps", "v1", "deployments").subresource("scale")
    assert (scale.group, scale.version, scale.kind, scale.verbs) == (
        "autoscaling", "v1", "Scale", ("get", "patch", "update"),
    )


def test_other_upstream_facts(catalog: Catalog) -> None:
    assert not catalog.get("", "v1", "nodes").namespaced
    assert not catalog.get("", "v1", "namespaces").namespaced
    assert catalog.get("", "v1", "namespaces").subresource("finalize").verbs == ("update",)
    assert catalog.get("", "v1", "events").short_names == ("ev",)
    assert catalog.get("events.k8s.io", "v1", "events").short_names == ("ev",)
    # one set of events, served in two shapes (kapi/registry/conversion.py)
    assert catalog.get("", "v1", "events").storage_resource == "core/events"
    assert catalog.get("events.k8s.io", "v1", "events").storage_resource == "core/events"
    token = catalog.get("", "v1", "serviceaccounts").subresource("token")
    assert (token.group, token.version, token.kind) == ("authentication.k8s.io", "v1", "TokenRequest")
    crd = catalog.get("apiextensions.k8s.io", "v1", "customresourcedefinitions")
    assert crd.short_names == ("crd", "crds") and crd.categories == ("api-extensions",)
    csr = catalog.get("certificates.k8s.io", "v1", "certificatesigningrequests")
    assert {s.name for s in csr.subresources} == {"approval", "status"}
    short = {rt.plural: rt.short_names for rt in catalog.all() if rt.short_names}
    for plural, names in {
        "services": ("svc",), "deployments": ("deploy",), "replicasets": ("rs",),
        "statefulsets": ("sts",), "daemonsets": ("ds",), "cronjobs": ("cj",),
        "horizontalpodautoscalers": ("hpa",), "poddisruptionbudgets": ("pdb",), "configmaps": ("cm",),
        "persistentvolumes": ("pv",), "persistentvolumeclaims": ("pvc",), "serviceaccounts": ("sa",),
        "endpoints": ("ep",), "replicationcontrollers": ("rc",), "resourcequotas": ("quota",),
        "limitranges": ("limits",), "componentstatuses": ("cs",), "certificatesigningrequests": ("csr",),
        "ingresses": ("ing",), "networkpolicies": ("netpol",), "storageclasses": ("sc",),
        "priorityclasses": ("pc",), "ipaddresses": ("ip",),
    }.items():
        assert short[plural] == names, plural


def test_categories(catalog: Catalog) -> None:
    in_all = {rt.plural for rt in catalog.all() if "all" in rt.categories}
    assert in_all == {
        "pods", "services", "replicationcontrollers", "deployments", "replicasets", "statefulsets",
        "daemonsets", "jobs", "cronjobs", "horizontalpodautoscalers",
    }
    extensions = {rt.plural for rt in catalog.all() if "api-extensions" in rt.categories}
    assert extensions == {
        "customresourcedefinitions", "mutatingwebhookconfigurations", "validatingwebhookconfigurations",
        "validatingadmissionpolicies", "validatingadmissionpolicybindings",
    }


def test_generation_tracking(catalog: Catalog) -> None:
    tracked = {rt.plural for rt in catalog.all() if rt.tracks_generation}
    for plural in (
        "deployments", "replicasets", "statefulsets", "daemonsets", "replicationcontrollers", "jobs",
        "cronjobs", "ingresses", "networkpolicies", "poddisruptionbudgets", "customresourcedefinitions",
        "mutatingwebhookconfigurations", "validatingwebhookconfigurations", "validatingadmissionpolicies",
        "validatingadmissionpolicybindings", "endpointslices", "pods", "podtemplates",
    ):
        assert plural in tracked, plural
    for plural in ("configmaps", "secrets", "services", "namespaces", "nodes", "horizontalpodautoscalers"):
        assert plural not in tracked, plural
    deploy = catalog.get("apps", "v1", "deployments")
    assert deploy.extra["generation_fields"] == ("spec", "metadata.annotations")
    assert "generation_fields" not in catalog.get("", "v1", "configmaps").extra


def test_hpa_versions_share_storage(catalog: Catalog) -> None:
    v1 = catalog.get("autoscaling", "v1", "horizontalpodautoscalers")
    v2 = catalog.get("autoscaling", "v2", "horizontalpodautoscalers")
    assert v1.storage_resource == v2.storage_resource == "autoscaling/horizontalpodautoscalers"
    assert v1.storage_prefix == v2.storage_prefix
    assert v1.extra["storage_version_hash"] == v2.extra["storage_version_hash"]
    assert v1.schema == "io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler"
    assert v2.schema == "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler"


def test_storage_version_hash_matches_upstream() -> None:
    # values kube-apiserver publishes in /api/v1
    assert storage_version_hash("", "v1", "ConfigMap") == "qFsyl6wFWjQ="
    assert storage_version_hash("", "v1", "Pod") == "xPOwRZ+Yhw8="


# --- generated definitions --------------------------------------------------------------------
def test_definitions_are_loaded_once_and_keep_extensions() -> None:
    assert load_definitions() is load_definitions()
    assert (openapi_dir() / "v1.33" / "definitions.json").is_file()
    containers = load_definitions().node("io.k8s.api.core.v1.PodSpec").prop("containers")
    assert containers.patch_merge_key == "name" and containers.patch_strategy == "merge"
    assert containers.list_type == "map" and containers.list_map_keys == ["name"]
    assert load_definitions().defs["io.k8s.api.apps.v1.Deployment"]["description"]
    for name in (
        "io.k8s.apimachinery.pkg.apis.meta.v1.Status", "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
        "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent", "io.k8s.api.autoscaling.v1.Scale",
        "io.k8s.api.policy.v1.Eviction", "io.k8s.api.core.v1.Binding",
        "io.k8s.api.authentication.v1.TokenRequest", "io.k8s.api.apps.v1.DeploymentList",
    ):
        assert name in load_definitions().defs, name


def test_every_ref_resolves() -> None:
    defs = load_definitions().defs
    text = orjson.dumps(defs).decode()
    for chunk in text.split('"$ref":"#/$defs/')[1:]:
        assert chunk.split('"', 1)[0] in defs


def test_load_is_fast() -> None:
    start = time.perf_counter()
    defs = load_definitions.__wrapped__()
    Catalog.builtin(defs)
    assert time.perf_counter() - start < 0.25


def test_generated_file_is_up_to_date() -> None:
    if importlib.util.find_spec("kubernetes_validate") is None:
        pytest.fail("kubernetes-validate is part of the test extra: pip install -e '.[test]'")
    spec = importlib.util.spec_from_file_location("gen_openapi", REPO / "hack" / "gen_openapi.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    source = orjson.loads(gen.locate_source().read_bytes())["$defs"]
    assert gen.select(source) == load_definitions().defs


# --- the Catalog --------------------------------------------------------------------------------
def _crd_type(group: str = "example.com", version: str = "v1", plural: str = "widgets") -> ResourceType:
    return ResourceType(
        group=group, version=version, kind="Widget", plural=plural, singular="widget",
        namespaced=True, verbs=STANDARD_VERBS, short_names=("wd",),
    )


def test_add_get_remove_and_version_counter() -> None:
    cat = Catalog.builtin()
    before = cat.version
    rt = _crd_type()
    cat.add(rt)
    assert cat.version == before + 1
    assert cat.get("example.com", "v1", "widgets") is rt
    assert cat.by_kind("example.com", "v1", "Widget") is rt
    cat.add(_crd_type())  # identical: no change
    assert cat.version == before + 1
    assert cat.remove("example.com", "v1", "widgets") is rt
    assert cat.version == before + 2
    assert cat.get("example.com", "v1", "widgets") is None
    assert cat.by_kind("example.com", "v1", "Widget") is None
    assert cat.remove("example.com", "v1", "widgets") is None
    assert cat.version == before + 2


def test_group_and_version_order_for_custom_groups() -> None:
    cat = Catalog.builtin()
    for version in ("v1alpha1", "v1", "v2beta1", "v1beta2", "v2"):
        cat.add(_crd_type("zeta.example.com", version))
    cat.add(_crd_type("alpha.example.com"))
    groups = cat.groups()
    assert groups[0] == ("", ["v1"])
    assert [g for g, _ in groups[-2:]] == ["alpha.example.com", "zeta.example.com"]
    assert groups[-1][1] == ["v2", "v1", "v2beta1", "v1beta2", "v1alpha1"]
    assert cat.preferred_version("zeta.example.com") == "v2"
    assert cat.preferred_version("nope.example.com") is None


def test_version_sort_key() -> None:
    versions = ["foo10", "v1", "v10beta3", "v11alpha2", "v11beta2", "v12alpha1", "v3beta1", "foo1", "v2"]
    assert sorted(versions, key=version_sort_key) == [
        "v2", "v1", "v11beta2", "v10beta3", "v3beta1", "v12alpha1", "v11alpha2", "foo1", "foo10",
    ]


def test_lookups(catalog: Catalog) -> None:
    assert catalog.by_kind("apps", "v1", "Deployment").plural == "deployments"
    assert catalog.get("apps", "v2", "deployments") is None
    assert [rt.plural for rt in catalog.resources("apps", "v1")] == [
        "controllerrevisions", "daemonsets", "deployments", "replicasets", "statefulsets",
    ]
    assert len(catalog.all()) == len(FACTS) == len(catalog)
