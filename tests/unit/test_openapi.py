"""OpenAPI documents (kubectl-contract.md §4): the v3 index and per-GV documents, their hashes,
the v2 Swagger document and its gnostic protobuf encoding, and the HTTP behaviour."""

from __future__ import annotations

import hashlib
import http.client
import struct
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest
import yaml

from kapi.apiserver import openapi
from kapi.apiserver.openapi_proto import encode_document, encode_schema
from kapi.registry.catalog import Catalog, load_definitions
from kapi.registry.types import ResourceType
from kapi.testing import ServerThread

V3_REF = "#/components/schemas/"
DEPLOYMENT_ITEM = "/apis/apps/v1/namespaces/{namespace}/deployments/{name}"


@pytest.fixture(scope="module")
def docs() -> openapi.OpenAPIDocuments:
    return openapi.OpenAPIDocuments(Catalog.builtin(), load_definitions())


def _v3(docs: openapi.OpenAPIDocuments, key: str) -> dict[str, Any]:
    return dict(orjson.loads(docs.v3()[key].body))


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _query_params(op: dict[str, Any]) -> set[str]:
    return {p["name"] for p in op.get("parameters", ()) if p["in"] == "query"}


# --- the v3 index -------------------------------------------------------------------------------
def test_index_lists_every_group_version_with_its_hash(docs: openapi.OpenAPIDocuments) -> None:
    index = orjson.loads(docs.v3_index())
    paths = index["paths"]
    catalog = docs.catalog
    for group, versions in catalog.groups():
        for version in versions:
            assert openapi.api_path_key(group, version) in paths
    assert {"api", "apis", "api/v1", "apis/apps", "apis/apps/v1", "apis/batch/v1"} <= set(paths)
    for key, entry in paths.items():
        body = docs.v3()[key].body
        digest = hashlib.sha512(body).hexdigest().upper()
        assert entry == {"serverRelativeURL": f"/openapi/v3/{key}?hash={digest}"}


def test_hash_changes_only_for_the_changed_group_version() -> None:
    defs = load_definitions()
    catalog = Catalog.builtin(defs)
    before = openapi.OpenAPIDocuments(catalog, defs)
    hashes = {k: d.hash for k, d in before.v3().items()}
    cm = catalog.get("", "v1", "configmaps")
    assert cm is not None
    catalog.add(ResourceType(group="", version="v1", kind="ConfigMap", plural="configmapcopies",
                             singular="configmap", namespaced=True, verbs=("get", "list"), schema=cm.schema))
    assert before.stale(catalog, defs)
    after = openapi.OpenAPIDocuments(catalog, defs)
    assert after.v3()["api/v1"].hash != hashes["api/v1"]
    assert after.v3()["apis/apps/v1"].hash == hashes["apis/apps/v1"]
    assert "/api/v1/namespaces/{namespace}/configmapcopies" in _v3(after, "api/v1")["paths"]


def test_documents_are_rebuilt_after_a_catalog_change() -> None:
    from aiohttp import web

    from kapi.apiserver.state import REGISTRY

    class _Reg:
        def __init__(self) -> None:
            self.catalog = Catalog.builtin()
            self.definitions = load_definitions()

    app = web.Application()
    openapi.add_routes(app)
    reg = _Reg()
    app[REGISTRY] = reg  # type: ignore[assignment]
    first = openapi.documents(app)
    assert openapi.documents(app) is first
    reg.catalog.remove("", "v1", "secrets")
    second = openapi.documents(app)
    assert second is not first
    assert "/api/v1/namespaces/{namespace}/secrets" not in _v3(second, "api/v1")["paths"]


# --- a v3 document ------------------------------------------------------------------------------
def test_apps_v1_paths_and_operations(docs: openapi.OpenAPIDocuments) -> None:
    doc = _v3(docs, "apis/apps/v1")
    assert doc["openapi"].startswith("3.0")
    paths = doc["paths"]
    gvk = {"group": "apps", "kind": "Deployment", "version": "v1"}

    item = paths[DEPLOYMENT_ITEM]
    assert {p["name"] for p in item["parameters"]} == {"name", "namespace", "pretty"}
    assert {"get", "put", "patch", "delete"} <= set(item)
    patch = item["patch"]
    assert patch["operationId"] == "patchAppsV1NamespacedDeployment"
    assert patch["x-kubernetes-action"] == "patch"
    assert patch["x-kubernetes-group-version-kind"] == gvk
    assert {"dryRun", "fieldManager", "fieldValidation", "force"} <= _query_params(patch)
    assert "application/strategic-merge-patch+json" in patch["requestBody"]["content"]
    assert item["put"]["x-kubernetes-action"] == "put"
    assert {"dryRun", "fieldManager", "fieldValidation"} <= _query_params(item["put"])
    assert item["get"]["operationId"] == "readAppsV1NamespacedDeployment"
    assert item["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": V3_REF + "io.k8s.api.apps.v1.Deployment"}

    collection = paths["/apis/apps/v1/namespaces/{namespace}/deployments"]
    assert collection["get"]["x-kubernetes-action"] == "list"
    assert collection["post"]["x-kubernetes-action"] == "post"
    assert {"dryRun", "fieldManager", "fieldValidation"} <= _query_params(collection["post"])
    assert collection["delete"]["x-kubernetes-action"] == "deletecollection"
    assert collection["delete"]["operationId"] == "deleteAppsV1CollectionNamespacedDeployment"
    assert paths["/apis/apps/v1/deployments"]["get"]["operationId"] == "listAppsV1DeploymentForAllNamespaces"
    assert paths["/apis/apps/v1/watch/namespaces/{namespace}/deployments/{name}"]["get"][
        "x-kubernetes-action"] == "watch"
    assert paths["/apis/apps/v1/watch/deployments"]["get"]["x-kubernetes-action"] == "watchlist"

    status = paths[DEPLOYMENT_ITEM + "/status"]
    assert status["patch"]["x-kubernetes-group-version-kind"] == gvk
    assert status["patch"]["operationId"] == "patchAppsV1NamespacedDeploymentStatus"
    scale = paths[DEPLOYMENT_ITEM + "/scale"]
    assert scale["put"]["x-kubernetes-group-version-kind"] == {
        "group": "autoscaling", "kind": "Scale", "version": "v1"}
    assert "io.k8s.api.autoscaling.v1.Scale" in doc["components"]["schemas"]


def test_cluster_scoped_and_subresource_paths(docs: openapi.OpenAPIDocuments) -> None:
    paths = _v3(docs, "api/v1")["paths"]
    nodes = paths["/api/v1/nodes/{name}"]
    assert {p["name"] for p in nodes["parameters"]} == {"name", "pretty"}
    assert nodes["patch"]["operationId"] == "patchCoreV1Node"
    assert "/api/v1/watch/nodes/{name}" in paths
    assert "/api/v1/nodes" in paths and "delete" in paths["/api/v1/nodes"]
    # no deletecollection for namespaces
    assert "delete" not in paths["/api/v1/namespaces"]
    assert paths["/api/v1/namespaces/{name}/finalize"]["put"]["operationId"] == "replaceCoreV1NamespaceFinalize"
    eviction = paths["/api/v1/namespaces/{namespace}/pods/{name}/eviction"]["post"]
    assert eviction["x-kubernetes-group-version-kind"] == {"group": "policy", "kind": "Eviction", "version": "v1"}
    assert paths["/api/v1/namespaces/{namespace}/pods/{name}/exec"]["get"]["x-kubernetes-action"] == "connect"
    assert "/api/v1/namespaces/{namespace}/pods/{name}/log" in paths


def test_every_patch_operation_declares_field_validation(docs: openapi.OpenAPIDocuments) -> None:
    for key in docs.v3():
        for path, item in _v3(docs, key)["paths"].items():
            for method in ("patch", "put", "post"):
                if method in item and item[method]["x-kubernetes-action"] != "connect":
                    assert "fieldValidation" in _query_params(item[method]), (key, path, method)


def test_components_are_openapi_v3_and_closed(docs: openapi.OpenAPIDocuments) -> None:
    doc = _v3(docs, "api/v1")
    schemas = doc["components"]["schemas"]
    pod = schemas["io.k8s.api.core.v1.Pod"]
    assert pod["x-kubernetes-group-version-kind"] == [{"group": "", "kind": "Pod", "version": "v1"}]
    assert pod["type"] == "object"
    assert "enum" not in pod["properties"]["kind"]
    assert pod["properties"]["spec"]["allOf"] == [{"$ref": V3_REF + "io.k8s.api.core.v1.PodSpec"}]
    containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    assert containers["x-kubernetes-list-type"] == "map"
    assert containers["x-kubernetes-list-map-keys"] == ["name"]
    assert containers["description"]
    int_or_string = schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]
    assert int_or_string["format"] == "int-or-string"
    assert int_or_string["oneOf"] == [{"type": "integer"}, {"type": "string"}]
    assert orjson.loads(docs.v2_json())["definitions"]["io.k8s.apimachinery.pkg.util.intstr.IntOrString"][
        "type"] == "string"
    for node in _walk(schemas):
        if "type" in node and not isinstance(node.get("type"), dict):
            assert isinstance(node["type"], str), node
        ref = node.get("$ref")
        if isinstance(ref, str):
            assert ref.startswith(V3_REF) and ref[len(V3_REF):] in schemas, ref
            assert len(node) == 1, node
    for node in _walk(doc["paths"]):
        ref = node.get("$ref")
        if isinstance(ref, str):
            assert ref[len(V3_REF):] in schemas, ref
    # only what the paths reach: no apps schemas in the core document
    assert not any(name.startswith("io.k8s.api.apps.") for name in schemas)


def test_root_documents(docs: openapi.OpenAPIDocuments) -> None:
    assert "/apis/apps/" in _v3(docs, "apis/apps")["paths"]
    assert _v3(docs, "api")["paths"]["/api/"]["get"]["operationId"] == "getCoreAPIVersions"
    assert "io.k8s.apimachinery.pkg.apis.meta.v1.APIGroupList" in _v3(docs, "apis")["components"]["schemas"]


# --- v2 and its protobuf ------------------------------------------------------------------------
def _decode(data: bytes) -> list[tuple[int, Any]]:
    """Wire-level decode: (field, value) pairs; length-delimited values stay bytes."""
    out: list[tuple[int, Any]] = []
    i = 0

    def varint() -> int:
        nonlocal i
        shift = result = 0
        while True:
            b = data[i]
            i += 1
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result

    while i < len(data):
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            out.append((field, varint()))
        elif wire == 1:
            out.append((field, struct.unpack("<d", data[i:i + 8])[0]))
            i += 8
        elif wire == 2:
            n = varint()
            out.append((field, data[i:i + n]))
            i += n
        else:
            raise AssertionError(f"unexpected wire type {wire}")
    assert i == len(data)
    return out


def _one(msg: bytes, field: int) -> Any:
    values = [v for f, v in _decode(msg) if f == field]
    assert len(values) == 1, (field, values)
    return values[0]


def _named(msg: bytes, field: int) -> dict[str, bytes]:
    """A repeated Named* field as {name: value bytes}."""
    return {_one(v, 1).decode(): _one(v, 2) for f, v in _decode(msg) if f == field}


def test_v2_protobuf_decodes_back(docs: openapi.OpenAPIDocuments) -> None:
    swagger = orjson.loads(docs.v2_json())
    assert swagger["swagger"] == "2.0"
    assert DEPLOYMENT_ITEM in swagger["paths"] and "/api/v1/namespaces/{namespace}/pods" in swagger["paths"]
    data = docs.v2_proto()
    assert _one(data, 1) == b"2.0"
    assert _one(_one(data, 2), 1) == b"Kubernetes"
    paths = _named(_one(data, 8), 2)
    assert set(paths) == set(swagger["paths"])
    definitions = _named(_one(data, 9), 1)
    assert set(definitions) == set(swagger["definitions"])

    patch = _one(paths[DEPLOYMENT_ITEM], 8)  # PathItem.patch
    assert _one(patch, 5) == b"patchAppsV1NamespacedDeployment"
    names = set()
    for field, item in _decode(patch):
        if field != 8:
            continue
        parameter = _one(item, 1)  # ParametersItem.parameter
        for kind, sub in _decode(parameter):
            if kind == 2:  # NonBodyParameter
                query = _one(sub, 3)
                names.add(_one(query, 4).decode())
                assert _one(query, 2) == b"query"
            else:
                assert _one(sub, 3) == b"body"
    assert {"fieldValidation", "dryRun", "fieldManager"} <= names
    extensions = {_one(v, 1).decode(): yaml.safe_load(_one(_one(v, 2), 2)) for f, v in _decode(patch) if f == 13}
    assert extensions["x-kubernetes-group-version-kind"] == {"group": "apps", "kind": "Deployment", "version": "v1"}

    deployment = definitions["io.k8s.api.apps.v1.Deployment"]
    assert _one(_one(deployment, 22), 1) == b"object"
    props = _named(_one(deployment, 25), 1)
    assert _one(props["spec"], 1) == b"#/definitions/io.k8s.api.apps.v1.DeploymentSpec"


def test_schema_encoding_details() -> None:
    encoded = encode_schema({"type": "object", "additionalProperties": False, "items": {"type": "string"},
                             "maxLength": 3, "minimum": 1.5, "required": ["a"], "enum": ["x"]})
    fields = dict(_decode(encoded))
    assert _one(fields[21], 2) == 0  # additionalProperties false is kept (oneof)
    assert _one(_one(fields[23], 1), 22) == _one(encode_schema({"type": "string"}), 22)
    assert fields[11] == 3 and fields[9] == 1.5 and fields[19] == b"a"
    assert yaml.safe_load(_one(fields[20], 2)) == "x"
    assert encode_document({"swagger": "2.0"}) == b"\x0a\x032.0"


# --- HTTP ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def conn(kapi_server: ServerThread) -> Iterator[http.client.HTTPConnection]:
    url = urlsplit(kapi_server.url)
    c = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    yield c
    c.close()


def _get(conn: http.client.HTTPConnection, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    conn.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})
    resp = conn.getresponse()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()


def test_http_v3(conn: http.client.HTTPConnection) -> None:
    status, headers, body = _get(conn, "/openapi/v3", Accept="application/json, */*")
    assert status == 200 and headers["content-type"].startswith("application/json") and headers["etag"]
    assert _get(conn, "/openapi/v3", If_None_Match=headers["etag"])[0] == 304
    url = orjson.loads(body)["paths"]["apis/apps/v1"]["serverRelativeURL"]
    current = url.split("hash=", 1)[1]

    status, headers, body = _get(conn, url, Accept="application/json")
    assert status == 200 and headers["cache-control"] == "public, immutable" and "expires" in headers
    assert hashlib.sha512(body).hexdigest().upper() == current
    assert DEPLOYMENT_ITEM in orjson.loads(body)["paths"]

    status, headers, _ = _get(conn, "/openapi/v3/apis/apps/v1?hash=0000")
    assert status == 301 and headers["location"] == url

    status, headers, _ = _get(conn, "/openapi/v3/apis/apps/v1")
    assert status == 200 and "cache-control" not in headers
    assert _get(conn, "/openapi/v3/apis/apps/v1", If_None_Match=headers["etag"])[0] == 304

    assert _get(conn, "/openapi/v3/apis/nope/v1")[0] == 404
    assert _get(conn, url, Accept="application/com.github.proto-openapi.spec.v3.v1.0+protobuf")[0] == 406


def test_http_v2(conn: http.client.HTTPConnection) -> None:
    status, headers, body = _get(conn, "/openapi/v2",
                                 Accept="application/com.github.proto-openapi.spec.v2@v1.0+protobuf")
    assert status == 200
    assert headers["content-type"] == "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
    assert "@" not in headers["content-type"]
    assert _one(body, 1) == b"2.0"
    status, headers, body = _get(conn, "/openapi/v2", Accept="application/json")
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert orjson.loads(body)["swagger"] == "2.0"
    assert _get(conn, "/openapi/v2", If_None_Match=headers["etag"], Accept="application/json")[0] == 304
    assert _get(conn, "/openapi/v2", Accept="text/html")[0] == 406
