from kapi.apiserver.routing import parse_path


def test_core_namespaced_item():
    info = parse_path("/api/v1/namespaces/default/pods/web/status")
    assert info is not None
    assert (info.group, info.version, info.namespace, info.resource, info.name, info.subresource) == (
        "", "v1", "default", "pods", "web", "status")


def test_group_cluster_collection():
    info = parse_path("/apis/rbac.authorization.k8s.io/v1/clusterroles")
    assert info is not None
    assert (info.group, info.version, info.namespace, info.resource, info.name) == (
        "rbac.authorization.k8s.io", "v1", None, "clusterroles", None)


def test_namespace_object_and_its_subresources():
    info = parse_path("/api/v1/namespaces/team-a")
    assert info is not None and (info.resource, info.name, info.namespace) == ("namespaces", "team-a", None)
    info = parse_path("/api/v1/namespaces/team-a/finalize")
    assert info is not None and (info.resource, info.name, info.subresource) == ("namespaces", "team-a", "finalize")
    info = parse_path("/api/v1/namespaces/team-a/configmaps")
    assert info is not None and (info.resource, info.namespace, info.name) == ("configmaps", "team-a", None)


def test_legacy_watch_paths():
    info = parse_path("/api/v1/watch/namespaces/default/pods/web")
    assert info is not None and info.legacy_watch and (info.namespace, info.resource, info.name) == (
        "default", "pods", "web")
    info = parse_path("/apis/apps/v1/watch/deployments")
    assert info is not None and info.legacy_watch and info.resource == "deployments" and info.namespace is None


def test_not_resource_paths():
    assert parse_path("/version") is None
    assert parse_path("/apis/apps") is None
