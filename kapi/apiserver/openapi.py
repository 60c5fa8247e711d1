"""OpenAPI: ``/openapi/v3`` (index plus one document per API path) and ``/openapi/v2``.

The documents are a function of the catalog (kapi's route table: every resource's collection,
item, watch and subresource paths) and the generated definitions (``openapi/v1.33``, upstream's
schemas). They are built on first request and cached until the catalog changes, so server start
pays nothing (kubectl-contract.md §4):

* ``/openapi/v3`` lists ``api/v1``, ``apis/<g>/<v>`` (and ``api``, ``apis``, ``apis/<g>``) with a
  ``serverRelativeURL`` whose ``hash`` is the uppercase hex SHA-512 of the document's JSON.
* ``/openapi/v3/<path>?hash=H``: ``Cache-Control: public, immutable`` when H is current, a 301 to
  the current hash otherwise, plain ``ETag`` revalidation without ``hash``.
* ``/openapi/v2``: the Swagger 2.0 document of every served path, as gnostic protobuf (what
  kubectl asks for, :mod:`kapi.apiserver.openapi_proto`) or JSON.

Custom resources (``ResourceType.extra["custom"]``) get the paths and definitions upstream's CRD
OpenAPI builder publishes: ``<reversed group>.<version>.<Kind>`` and its list kind, built from the
version's ``openAPIV3Schema`` with ``apiVersion``, ``kind`` and ``metadata`` added; JSON and YAML
only, no strategic merge patch, no ``watch`` paths.

Every PATCH/PUT/POST operation declares ``dryRun``, ``fieldManager`` and ``fieldValidation``;
kubectl looks for ``fieldValidation`` on the PATCH operation carrying the object's GVK before it
leaves field validation to the server.
"""

from __future__ import annotations

import email.utils
import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
from aiohttp import web

from kapi.apiserver.state import REGISTRY
from kapi.apiserver.system import KUBE_GIT_VERSION
from kapi.machinery import errors
from kapi.machinery.schema import Definitions
from kapi.registry.catalog import Catalog
from kapi.registry.types import ResourceType, Subresource

Json = dict[str, Any]

SOURCE_REF = "#/$defs/"
V3_REF = "#/components/schemas/"
V2_REF = "#/definitions/"
META = "io.k8s.apimachinery.pkg.apis.meta.v1."
OPENAPI_VERSION = KUBE_GIT_VERSION.split("+", 1)[0]

#: how upstream publishes the two scalar unions: ``oneOf`` in v3, plain strings in v2
_SCALAR_OVERRIDES: dict[bool, dict[str, Json]] = {
    True: {
        "io.k8s.apimachinery.pkg.api.resource.Quantity": {"oneOf": [{"type": "string"}, {"type": "number"}]},
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {
            "format": "int-or-string", "oneOf": [{"type": "integer"}, {"type": "string"}]},
    },
    False: {
        "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": "string"},
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"type": "string", "format": "int-or-string"},
    },
}

V2_PROTO_ACCEPT = ("application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
                   "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
V2_PROTO_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
V3_PROTO_ACCEPT = ("application/com.github.proto-openapi.spec.v3@v1.0+protobuf",
                   "application/com.github.proto-openapi.spec.v3.v1.0+protobuf")

PATCH_TYPES = ("application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json",
               "application/strategic-merge-patch+json")
OBJECT_TYPES = ("application/json", "application/yaml", "application/vnd.kubernetes.protobuf")
WATCH_TYPES = ("application/json", "application/yaml", "application/vnd.kubernetes.protobuf",
               "application/json;stream=watch", "application/vnd.kubernetes.protobuf;stream=watch")
#: custom resources: no protobuf, no strategic merge patch (the CRD builder's routes)
CUSTOM_TYPES = ("application/json", "application/yaml")
CUSTOM_PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml")


# --- schemas ------------------------------------------------------------------------------------
def convert_schema(node: Any, ref: str, *, v3: bool) -> Any:
    """A JSON-schema node of the definitions in OpenAPI form: one ``type`` (no ``null``), refs to
    ``ref``; in v3 a ``$ref`` with siblings becomes ``allOf: [{$ref}]`` as upstream writes it."""
    if isinstance(node, list):
        return [convert_schema(v, ref, v3=v3) for v in node]
    if not isinstance(node, dict):
        return node
    out: Json = {}
    for key, value in node.items():
        if key == "type" and isinstance(value, list):
            types = [t for t in value if t != "null"]
            out[key] = types[0] if len(types) == 1 else types
        elif key == "$ref" and isinstance(value, str) and value.startswith(SOURCE_REF):
            out[key] = ref + value[len(SOURCE_REF):]
        elif key in ("properties", "patternProperties") and isinstance(value, dict):
            out[key] = {name: convert_schema(sub, ref, v3=v3) for name, sub in value.items()}
        elif key.startswith("x-kubernetes-") or key in ("enum", "default", "example", "required"):
            out[key] = value
        else:
            out[key] = convert_schema(value, ref, v3=v3)
    if v3 and "$ref" in out and len(out) > 1:
        target = out.pop("$ref")
        out = {"allOf": [{"$ref": target}], **out}
    return out


def convert_definition(name: str, raw: Json, ref: str, *, v3: bool) -> Json:
    """One named definition, in OpenAPI form."""
    out: Json = convert_schema(raw, ref, v3=v3)
    override = _SCALAR_OVERRIDES[v3].get(name)
    if override is not None:
        kept = {k: v for k, v in out.items() if k == "description" or k.startswith("x-")}
        return {**kept, **override}
    if raw.get("x-kubernetes-group-version-kind"):
        # the JSON-schema rendering pins apiVersion/kind with enums; upstream does not
        props = out.get("properties") or {}
        for key in ("apiVersion", "kind"):
            if isinstance(props.get(key), dict):
                props[key].pop("enum", None)
    return out


def _refs(node: Any, prefix: str) -> Iterator[str]:
    if isinstance(node, dict):
        target = node.get("$ref")
        if isinstance(target, str) and target.startswith(prefix):
            yield target[len(prefix):]
        for value in node.values():
            yield from _refs(value, prefix)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value, prefix)


def closure(schemas: dict[str, Json], roots: Any, prefix: str) -> dict[str, Json]:
    """The schemas referenced (transitively) from ``roots``, sorted by name."""
    seen: set[str] = set()
    todo = list(_refs(roots, prefix))
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        todo.extend(_refs(schemas[name], prefix))
    return {name: schemas[name] for name in sorted(seen)}


# --- custom resources ---------------------------------------------------------------------------
_CONVENTIONS = "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md"
_OBJECT_META_DOC = f"Standard object's metadata. More info: {_CONVENTIONS}#metadata"
_LIST_META_DOC = f"Standard list metadata. More info: {_CONVENTIONS}#types-kinds"
_API_VERSION_DOC = ("APIVersion defines the versioned schema of this representation of an object. Servers should "
                    "convert recognized schemas to the latest internal value, and may reject unrecognized values. "
                    f"More info: {_CONVENTIONS}#resources")
_KIND_DOC = ("Kind is a string value representing the REST resource this object represents. Servers may infer "
             "this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. "
             f"More info: {_CONVENTIONS}#types-kinds")
_EMBEDDED_API_VERSION_DOC = ("apiVersion defines the versioned schema of this representation of an object. "
                             f"More info: {_CONVENTIONS}#resources")
_EMBEDDED_KIND_DOC = ("kind is a string value representing the type of this object. In CamelCase. "
                      f"More info: {_CONVENTIONS}#types-kinds")

#: what a structural schema keeps of a CRD's JSON-schema (``x-kubernetes-*`` always)
_GENERIC_KEYS = frozenset({"type", "title", "description", "default", "nullable", "items", "properties",
                           "additionalProperties"})
#: value validations, which the v2 document strips (upstream ``StripValueValidations``)
_VALUE_VALIDATION_KEYS = frozenset({
    "format", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength",
    "pattern", "maxItems", "minItems", "uniqueItems", "multipleOf", "enum", "maxProperties", "minProperties",
    "required", "allOf", "oneOf", "anyOf", "not"})
_JUNCTORS = ("allOf", "oneOf", "anyOf")


def rest_friendly_name(group: str, version: str, kind: str) -> str:
    """Upstream's definition name of a custom kind: the group reversed, ``com.example.v1.Widget``."""
    head = ".".join(reversed(group.split("."))) if group else ""
    return ".".join(p for p in (head, version, kind) if p)


def _meta_ref(name: str, description: str, *, v3: bool) -> Json:
    target = (V3_REF if v3 else V2_REF) + META + name
    if v3:
        return {"allOf": [{"$ref": target}], "description": description}
    return {"$ref": target, "description": description}


def _has_int_or_string_anyof(node: Json) -> bool:
    def is_pair(anyof: Any) -> bool:
        return isinstance(anyof, list) and {"integer", "string"} <= {
            s.get("type") for s in anyof if isinstance(s, dict)}

    if is_pair(node.get("anyOf")):
        return True
    return any(isinstance(s, dict) and is_pair(s.get("anyOf")) for s in node.get("allOf") or ())


def _crd_node(node: Any, *, v3: bool) -> Any:
    """One node of a CRD schema as the builder publishes it: structural keys only, unfolded
    (``x-kubernetes-int-or-string`` gets its ``anyOf``), embedded resources given TypeMeta and
    ObjectMeta; for v2 also without value validations and ``nullable``, and without the properties
    or items of nodes that preserve unknown fields (kubectl's v2 validation would reject them)."""
    if not isinstance(node, dict):
        return node
    out: Json = {}
    for key, value in node.items():
        if key.startswith("x-kubernetes-"):
            out[key] = value
        elif key in ("properties", "patternProperties"):
            if key == "properties" and isinstance(value, dict):
                out[key] = {name: _crd_node(sub, v3=v3) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = _crd_node(value, v3=v3)
        elif key in _JUNCTORS and isinstance(value, list):
            out[key] = [_crd_node(sub, v3=v3) for sub in value]
        elif key in _GENERIC_KEYS or key in _VALUE_VALIDATION_KEYS:
            out[key] = value
    if out.get("x-kubernetes-int-or-string") is True and not _has_int_or_string_anyof(out):
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]  # Unfold
    preserve = out.get("x-kubernetes-preserve-unknown-fields") is True
    if not v3:
        for key in _VALUE_VALIDATION_KEYS | {"nullable"}:
            out.pop(key, None)
        if preserve:
            out.pop("items", None)
            out.pop("properties", None)
        if out.get("type") == "array" and "items" not in out:
            out.pop("type")
    if out.get("x-kubernetes-embedded-resource") is True and (v3 or not preserve):
        props = out.setdefault("properties", {})
        props["apiVersion"] = {"description": _EMBEDDED_API_VERSION_DOC, "type": "string"}
        props["kind"] = {"description": _EMBEDDED_KIND_DOC, "type": "string"}
        props["metadata"] = _meta_ref("ObjectMeta", _OBJECT_META_DOC, v3=v3)
        if v3:
            required = list(out.get("required") or ())
            required.extend(k for k in ("kind", "apiVersion") if k not in required)
            out["required"] = required
    return out


def custom_schemas(rt: ResourceType, *, v3: bool) -> dict[str, Json]:
    """The object and list definitions of a custom resource type (upstream's CRD OpenAPI builder)."""
    name = rest_friendly_name(rt.group, rt.version, rt.kind)
    list_name = rest_friendly_name(rt.group, rt.version, rt.list_kind)
    raw = rt.extra.get("crd_schema")
    gvk = [{"group": rt.group, "kind": rt.kind, "version": rt.version}]
    obj: Json
    if not isinstance(raw, dict) or (not v3 and raw.get("x-kubernetes-preserve-unknown-fields") is True):
        obj = {"type": "object"}  # nothing kubectl could validate against
    else:
        obj = _crd_node(raw, v3=v3)
        props = obj.setdefault("properties", {})
        props["apiVersion"] = {"description": _API_VERSION_DOC, "type": "string"}
        props["kind"] = {"description": _KIND_DOC, "type": "string"}
        props["metadata"] = _meta_ref("ObjectMeta", _OBJECT_META_DOC, v3=v3)
    obj["x-kubernetes-group-version-kind"] = gvk
    items_doc = f"List of {rt.plural}. More info: {_CONVENTIONS}"
    lst: Json = {
        "description": f"{rt.list_kind} is a list of {rt.kind}",
        "properties": {
            "apiVersion": {"description": _API_VERSION_DOC, "type": "string"},
            "items": {"description": items_doc, "items": {"$ref": (V3_REF if v3 else V2_REF) + name},
                      "type": "array"},
            "kind": {"description": _KIND_DOC, "type": "string"},
            "metadata": _meta_ref("ListMeta", _LIST_META_DOC, v3=v3),
        },
        "required": ["items"],
        "type": "object",
        "x-kubernetes-group-version-kind": [{"group": rt.group, "kind": rt.list_kind, "version": rt.version}],
    }
    return {name: obj, list_name: lst}


# --- the route table ----------------------------------------------------------------------------
_PARAM_DOCS: dict[str, tuple[str, str]] = {
    # name: (type, description) -- query parameters as kube-apiserver accepts them
    "allowWatchBookmarks": ("boolean", "Ask for BOOKMARK watch events; servers may ignore it."),
    "continue": ("string", "The continue token of the previous page of a chunked list."),
    "dryRun": ("string", "When set to All, the request is processed fully but nothing is persisted."),
    "fieldManager": ("string", "The name of the actor making the change, recorded in managedFields."),
    "fieldSelector": ("string", "Restrict the returned objects by their fields."),
    "fieldValidation": ("string", "How to treat unknown or duplicate fields in the body: Ignore, Warn "
                                  "(the default) or Strict (reject the request)."),
    "force": ("boolean", "Apply requests only: take ownership of conflicting fields."),
    "gracePeriodSeconds": ("integer", "Seconds before the object is deleted; zero means immediately."),
    "ignoreStoreReadErrorWithClusterBreakingPotential": ("boolean", "Delete objects that cannot be decoded."),
    "labelSelector": ("string", "Restrict the returned objects by their labels."),
    "limit": ("integer", "The maximum number of items to return in one page."),
    "orphanDependents": ("boolean", "Deprecated: use propagationPolicy."),
    "pretty": ("string", "If 'true', the output is indented."),
    "propagationPolicy": ("string", "Garbage collection of dependents: Orphan, Background or Foreground."),
    "resourceVersion": ("string", "Constrain which resource version the result may be served from."),
    "resourceVersionMatch": ("string", "How resourceVersion applies to list calls: Exact or NotOlderThan."),
    "sendInitialEvents": ("boolean", "Start a watch with synthetic ADDED events for the current state."),
    "timeoutSeconds": ("integer", "Timeout of the list/watch call, regardless of activity."),
    "watch": ("boolean", "Watch for changes instead of listing; prefer the watch verb's paths."),
    # connect subresources
    "command": ("string", "The command to execute; repeat for each argument."),
    "container": ("string", "The container within the pod; defaults to the only one."),
    "stdin": ("boolean", "Redirect standard input."),
    "stdout": ("boolean", "Redirect standard output."),
    "stderr": ("boolean", "Redirect standard error."),
    "tty": ("boolean", "Allocate a terminal."),
    "ports": ("integer", "The ports to forward."),
    "path": ("string", "The path to proxy to."),
    "follow": ("boolean", "Stream the log."),
    "previous": ("boolean", "The log of the previous instance of the container."),
    "sinceSeconds": ("integer", "Only lines newer than this many seconds."),
    "tailLines": ("integer", "Only this many lines from the end."),
    "timestamps": ("boolean", "Prefix each line with its timestamp."),
    "limitBytes": ("integer", "Stop after this many bytes."),
}
_LIST_QUERY = ("allowWatchBookmarks", "continue", "fieldSelector", "labelSelector", "limit", "resourceVersion",
               "resourceVersionMatch", "sendInitialEvents", "timeoutSeconds", "watch")
_WRITE_QUERY = ("dryRun", "fieldManager", "fieldValidation")
_DELETE_QUERY = ("dryRun", "gracePeriodSeconds", "ignoreStoreReadErrorWithClusterBreakingPotential",
                 "orphanDependents", "propagationPolicy")
_DELETECOLLECTION_QUERY = tuple(sorted(set(_DELETE_QUERY) | set(_LIST_QUERY) - {"watch", "allowWatchBookmarks"}))
_CONNECT_QUERY: dict[str, tuple[str, ...]] = {
    "exec": ("command", "container", "stderr", "stdin", "stdout", "tty"),
    "attach": ("container", "stderr", "stdin", "stdout", "tty"),
    "portforward": ("ports",),
    "proxy": ("path",),
}
_LOG_QUERY = ("container", "follow", "limitBytes", "previous", "sinceSeconds", "tailLines", "timestamps")
_CONNECT_METHODS = {"get": "get", "create": "post", "update": "put", "patch": "patch", "delete": "delete"}

GVK = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Operation:
    method: str  # get put post patch delete
    operation_id: str
    action: str  # x-kubernetes-action
    gvk: GVK | None
    description: str
    query: tuple[str, ...] = ()
    body: str | None = None  # definition name of the request body
    response: str | None = None  # definition name of the 200 body; None: a string
    extra_codes: tuple[str, ...] = ()  # 201, 202
    consumes: tuple[str, ...] = ("*/*",)
    produces: tuple[str, ...] = OBJECT_TYPES


@dataclass(slots=True)
class PathItem:
    path: str
    path_params: tuple[tuple[str, str], ...]  # (name, description)
    operations: list[Operation] = field(default_factory=list)


def gv_camel(group: str, version: str) -> str:
    """``CoreV1``, ``AppsV1``, ``RbacAuthorizationV1`` -- upstream's operation id infix."""
    if not group:
        base = "Core"
    else:
        base = "".join(p[:1].upper() + p[1:] for p in group.removesuffix(".k8s.io").split("."))
    return base + version[:1].upper() + version[1:]


def api_prefix(group: str, version: str) -> str:
    return f"/apis/{group}/{version}" if group else f"/api/{version}"


def api_path_key(group: str, version: str) -> str:
    """The key of a group-version in the ``/openapi/v3`` index: ``api/v1``, ``apis/apps/v1``."""
    return api_prefix(group, version).lstrip("/")


def _tag(group: str, version: str) -> str:
    if not group:
        return f"core_{version}"
    parts = group.removesuffix(".k8s.io").split(".")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:]) + "_" + version


class _Names:
    """Definition names by GVK."""

    def __init__(self, defs: Definitions) -> None:
        self.by_gvk: dict[GVK, str] = {}
        for name, schema in defs.defs.items():
            for gvk in schema.get("x-kubernetes-group-version-kind") or ():
                self.by_gvk.setdefault((gvk["group"], gvk["version"], gvk["kind"]), name)

    def get(self, group: str, version: str, kind: str) -> str | None:
        return self.by_gvk.get((group, version, kind))


def _custom_operation(op: Operation) -> Operation:
    consumes = CUSTOM_PATCH_TYPES if op.method == "patch" else CUSTOM_TYPES
    return replace(op, consumes=consumes, produces=CUSTOM_TYPES)


def _resource_paths(rt: ResourceType, names: _Names) -> Iterator[PathItem]:
    """The paths of one resource; a custom resource's as the CRD OpenAPI builder publishes them
    (JSON and YAML only, no strategic merge patch, no ``watch`` paths)."""
    if not rt.extra.get("custom"):
        yield from _builtin_resource_paths(rt, names)
        return
    for item in _builtin_resource_paths(rt, names):
        if "/watch/" in item.path:
            continue
        item.operations = [_custom_operation(op) for op in item.operations]
        yield item


def _builtin_resource_paths(rt: ResourceType, names: _Names) -> Iterator[PathItem]:
    gv = gv_camel(rt.group, rt.version)
    prefix = api_prefix(rt.group, rt.version)
    kind = rt.kind
    gvk: GVK = (rt.group, rt.version, rt.kind)
    obj = rt.schema or names.get(*gvk)
    lst = names.get(rt.group, rt.version, rt.list_kind)
    verbs = set(rt.verbs)
    ns = "Namespaced" if rt.namespaced else ""
    base = f"{prefix}/namespaces/{{namespace}}/{rt.plural}" if rt.namespaced else f"{prefix}/{rt.plural}"
    scope: tuple[tuple[str, str], ...] = (
        (("namespace", "object name and auth scope, such as for teams and projects"),) if rt.namespaced else ()
    )
    name_param = ("name", f"name of the {kind}")
    status = META + "Status"

    collection = PathItem(base, scope)
    if "list" in verbs:
        collection.operations.append(Operation(
            "get", f"list{gv}{ns}{kind}", "list", gvk, f"list or watch objects of kind {kind}",
            _LIST_QUERY, response=lst, produces=WATCH_TYPES))
    if "create" in verbs:
        collection.operations.append(Operation(
            "post", f"create{gv}{ns}{kind}", "post", gvk, f"create a {kind}", _WRITE_QUERY,
            body=obj, response=obj, extra_codes=("201", "202")))
    if "deletecollection" in verbs:
        collection.operations.append(Operation(
            "delete", f"delete{gv}Collection{ns}{kind}", "deletecollection", gvk,
            f"delete collection of {kind}", _DELETECOLLECTION_QUERY, body=META + "DeleteOptions",
            response=status))
    if collection.operations:
        yield collection

    item = PathItem(f"{base}/{{name}}", (name_param, *scope))
    if "get" in verbs:
        item.operations.append(Operation("get", f"read{gv}{ns}{kind}", "get", gvk,
                                         f"read the specified {kind}", response=obj))
    if "update" in verbs:
        item.operations.append(Operation("put", f"replace{gv}{ns}{kind}", "put", gvk,
                                         f"replace the specified {kind}", _WRITE_QUERY, body=obj, response=obj,
                                         extra_codes=("201",)))
    if "patch" in verbs:
        item.operations.append(Operation("patch", f"patch{gv}{ns}{kind}", "patch", gvk,
                                         f"partially update the specified {kind}", (*_WRITE_QUERY, "force"),
                                         body=META + "Patch", response=obj, extra_codes=("201",),
                                         consumes=PATCH_TYPES))
    if "delete" in verbs:
        item.operations.append(Operation("delete", f"delete{gv}{ns}{kind}", "delete", gvk,
                                         f"delete a {kind}", _DELETE_QUERY, body=META + "DeleteOptions",
                                         response=status, extra_codes=("202",)))
    if item.operations:
        yield item

    if rt.namespaced and "list" in verbs:
        yield PathItem(f"{prefix}/{rt.plural}", (), [Operation(
            "get", f"list{gv}{kind}ForAllNamespaces", "list", gvk, f"list or watch objects of kind {kind}",
            _LIST_QUERY, response=lst, produces=WATCH_TYPES)])

    if "watch" in verbs:
        event = META + "WatchEvent"
        watch_base = (f"{prefix}/watch/namespaces/{{namespace}}/{rt.plural}" if rt.namespaced
                      else f"{prefix}/watch/{rt.plural}")
        yield PathItem(watch_base, scope, [Operation(
            "get", f"watch{gv}{ns}{kind}List", "watchlist", gvk, f"watch changes to a list of {kind}",
            _LIST_QUERY, response=event, produces=WATCH_TYPES)])
        yield PathItem(f"{watch_base}/{{name}}", (name_param, *scope), [Operation(
            "get", f"watch{gv}{ns}{kind}", "watch", gvk, f"watch changes to an object of kind {kind}",
            _LIST_QUERY, response=event, produces=WATCH_TYPES)])
        if rt.namespaced:
            yield PathItem(f"{prefix}/watch/{rt.plural}", (), [Operation(
                "get", f"watch{gv}{kind}ListForAllNamespaces", "watchlist", gvk,
                f"watch changes to a list of {kind}", _LIST_QUERY, response=event, produces=WATCH_TYPES)])

    for sub in rt.subresources:
        found = _subresource_path(rt, sub, names, f"{base}/{{name}}/{sub.name}", (name_param, *scope))
        if found is not None:
            yield found


def _subresource_path(rt: ResourceType, sub: Subresource, names: _Names, path: str,
                      params: tuple[tuple[str, str], ...]) -> PathItem | None:
    gv = gv_camel(rt.group, rt.version)
    ns = "Namespaced" if rt.namespaced else ""
    suffix = sub.name[:1].upper() + sub.name[1:]
    gvk: GVK = (sub.group, sub.version, sub.kind)
    body = names.get(*gvk)
    item = PathItem(path, params)
    what = f"{sub.name} of the specified {rt.kind}"
    if sub.kind.endswith("Options"):  # exec, attach, portforward, proxy
        query = _CONNECT_QUERY.get(sub.name, ())
        for verb in sub.verbs:
            method = _CONNECT_METHODS.get(verb)
            if method is None:
                continue
            item.operations.append(Operation(
                method, f"connect{gv}{method.capitalize()}{ns}{rt.kind}{suffix}", "connect", gvk,
                f"connect {method.upper()} requests to {what}", query, response=None,
                produces=("*/*",)))
        return item if item.operations else None
    if sub.name == "log":
        item.operations.append(Operation("get", f"read{gv}{ns}{rt.kind}Log", "get", gvk, f"read {what}",
                                         _LOG_QUERY, response=None, produces=("text/plain", "application/json")))
        return item
    for verb in sub.verbs:
        if verb == "get":
            op = Operation("get", f"read{gv}{ns}{rt.kind}{suffix}", "get", gvk, f"read {what}", response=body)
        elif verb == "update":
            op = Operation("put", f"replace{gv}{ns}{rt.kind}{suffix}", "put", gvk, f"replace {what}",
                           _WRITE_QUERY, body=body, response=body, extra_codes=("201",))
        elif verb == "patch":
            op = Operation("patch", f"patch{gv}{ns}{rt.kind}{suffix}", "patch", gvk,
                           f"partially update {what}", (*_WRITE_QUERY, "force"), body=META + "Patch",
                           response=body, extra_codes=("201",), consumes=PATCH_TYPES)
        elif verb == "create":
            op = Operation("post", f"create{gv}{ns}{rt.kind}{suffix}", "post", gvk, f"create {what}",
                           _WRITE_QUERY, body=body, response=body, extra_codes=("201", "202"))
        else:
            continue
        item.operations.append(op)
    return item if item.operations else None


def group_version_paths(catalog: Catalog, names: _Names, group: str, version: str) -> list[PathItem]:
    """Every path of one group-version, sorted: the resource list, then each resource's paths."""
    resources = PathItem(api_prefix(group, version) + "/", (), [Operation(
        "get", f"get{gv_camel(group, version)}APIResources", "", None, "get available resources",
        response=META + "APIResourceList", consumes=OBJECT_TYPES)])
    items = [resources]
    for rt in catalog.resources(group, version):
        items.extend(_resource_paths(rt, names))
    return sorted(items, key=lambda p: p.path)


def _root_paths(key: str, catalog: Catalog) -> list[PathItem]:
    """The non-GV documents: ``api``, ``apis`` and ``apis/<group>``."""
    if key == "api":
        return [PathItem("/api/", (), [Operation("get", "getCoreAPIVersions", "", None,
                                                 "get available API versions", response=META + "APIVersions",
                                                 consumes=OBJECT_TYPES)])]
    if key == "apis":
        return [PathItem("/apis/", (), [Operation("get", "getAPIVersions", "", None, "get available API versions",
                                                  response=META + "APIGroupList", consumes=OBJECT_TYPES)])]
    group = key.removeprefix("apis/")
    camel = gv_camel(group, "")
    return [PathItem(f"/apis/{group}/", (), [Operation("get", f"get{camel}APIGroup", "", None,
                                                       "get information of a group", response=META + "APIGroup",
                                                       consumes=OBJECT_TYPES)])]


# --- rendering ----------------------------------------------------------------------------------
def _gvk_ext(gvk: GVK) -> Json:
    return {"group": gvk[0], "kind": gvk[2], "version": gvk[1]}


def _param_v3(name: str, where: str, description: str | None = None) -> Json:
    typ, doc = _PARAM_DOCS.get(name, ("string", ""))
    out: Json = {"description": description or doc, "in": where, "name": name}
    if where == "path":
        out["required"] = True
        typ = "string"
    out["schema"] = {"type": typ, "uniqueItems": True}
    return out


def _param_v2(name: str, where: str, description: str | None = None) -> Json:
    typ, doc = _PARAM_DOCS.get(name, ("string", ""))
    out: Json = {"description": description or doc, "in": where, "name": name}
    if where == "path":
        out["required"] = True
        typ = "string"
    out.update({"type": typ, "uniqueItems": True})
    return out


def _extensions(op: Operation) -> Json:
    out: Json = {}
    if op.action:
        out["x-kubernetes-action"] = op.action
    if op.gvk is not None:
        out["x-kubernetes-group-version-kind"] = _gvk_ext(op.gvk)
    return out


def _schema_ref(name: str | None, prefix: str) -> Json:
    return {"$ref": prefix + name} if name else {"type": "string"}


def render_v3_operation(op: Operation, tag: str) -> Json:
    out: Json = {"description": op.description, "operationId": op.operation_id}
    if op.query:
        out["parameters"] = [_param_v3(q, "query") for q in op.query]
    if op.body:
        content = {ct: {"schema": _schema_ref(op.body, V3_REF)} for ct in op.consumes}
        out["requestBody"] = {"content": content, "required": op.method in ("post", "put", "patch")}
    ok = {"content": {ct: {"schema": _schema_ref(op.response, V3_REF)} for ct in op.produces}}
    responses: Json = {"200": {**ok, "description": "OK"}}
    for code in op.extra_codes:
        responses[code] = {**ok, "description": "Created" if code == "201" else "Accepted"}
    responses["401"] = {"description": "Unauthorized"}
    out["responses"] = responses
    out["tags"] = [tag]
    out.update(_extensions(op))
    return out


def render_v2_operation(op: Operation, tag: str) -> Json:
    out: Json = {"consumes": list(op.consumes), "description": op.description, "operationId": op.operation_id}
    params: list[Json] = []
    if op.body:
        params.append({"in": "body", "name": "body", "required": op.method in ("post", "put", "patch"),
                       "schema": _schema_ref(op.body, V2_REF)})
    params.extend(_param_v2(q, "query") for q in op.query)
    if params:
        out["parameters"] = params
    out["produces"] = list(op.produces)
    ok = {"schema": _schema_ref(op.response, V2_REF)}
    responses: Json = {"200": {"description": "OK", **ok}}
    for code in op.extra_codes:
        responses[code] = {"description": "Created" if code == "201" else "Accepted", **ok}
    responses["401"] = {"description": "Unauthorized"}
    out["responses"] = responses
    out["schemes"] = ["https"]
    out["tags"] = [tag]
    out.update(_extensions(op))
    return out


def _render_paths(items: list[PathItem], tag: str, *, v3: bool) -> Json:
    render = render_v3_operation if v3 else render_v2_operation
    param = _param_v3 if v3 else _param_v2
    paths: Json = {}
    for item in items:
        rendered: Json = {op.method: render(op, tag) for op in item.operations}
        params = [param(n, "path", d) for n, d in item.path_params]
        params.append(param("pretty", "query"))
        rendered["parameters"] = params
        paths[item.path] = rendered
    return paths


# --- the cache ----------------------------------------------------------------------------------
@dataclass(slots=True)
class V3Document:
    body: bytes
    hash: str


class OpenAPIDocuments:
    """The documents of one catalog state, built lazily; :meth:`current` rebuilds on change."""

    def __init__(self, catalog: Catalog, definitions: Definitions) -> None:
        self.catalog = catalog
        self.definitions = definitions
        self.catalog_version = catalog.version
        self._names = _Names(definitions)
        self._custom = [rt for rt in catalog.all() if rt.extra.get("custom")]
        for rt in self._custom:
            self._names.by_gvk[(rt.group, rt.version, rt.kind)] = rest_friendly_name(rt.group, rt.version, rt.kind)
            self._names.by_gvk[(rt.group, rt.version, rt.list_kind)] = rest_friendly_name(
                rt.group, rt.version, rt.list_kind)
        self._schemas: dict[bool, dict[str, Json]] = {}
        self._v3: dict[str, V3Document] | None = None
        self._v3_index: bytes | None = None
        self._v2_json: bytes | None = None
        self._v2_proto: bytes | None = None

    def stale(self, catalog: Catalog, definitions: Definitions) -> bool:
        return (catalog is not self.catalog or catalog.version != self.catalog_version
                or definitions is not self.definitions)

    def schemas(self, *, v3: bool) -> dict[str, Json]:
        found = self._schemas.get(v3)
        if found is None:
            ref = V3_REF if v3 else V2_REF
            found = {name: convert_definition(name, raw, ref, v3=v3) for name, raw in self.definitions.defs.items()}
            for rt in self._custom:
                found.update(custom_schemas(rt, v3=v3))
            self._schemas[v3] = found
        return found

    # v3
    def v3_keys(self) -> list[str]:
        keys = ["api", "apis"]
        for group, versions in self.catalog.groups():
            if group:
                keys.append(f"apis/{group}")
            keys.extend(api_path_key(group, v) for v in versions)
        return keys

    def _v3_paths(self, key: str) -> tuple[list[PathItem], str]:
        if key in ("api", "apis") or (key.count("/") == 1 and key.startswith("apis/")):
            return _root_paths(key, self.catalog), "apis" if key != "api" else "core"
        parts = key.split("/")
        group, version = ("", parts[1]) if parts[0] == "api" else (parts[1], parts[2])
        return group_version_paths(self.catalog, self._names, group, version), _tag(group, version)

    def v3_document(self, key: str) -> Json:
        items, tag = self._v3_paths(key)
        paths = _render_paths(items, tag, v3=True)
        schemas = closure(self.schemas(v3=True), paths, V3_REF)
        return {
            "openapi": "3.0.0",
            "info": {"title": "Kubernetes", "version": OPENAPI_VERSION},
            "paths": paths,
            "components": {"schemas": schemas},
        }

    def v3(self) -> dict[str, V3Document]:
        if self._v3 is None:
            docs: dict[str, V3Document] = {}
            for key in self.v3_keys():
                body = orjson.dumps(self.v3_document(key))
                docs[key] = V3Document(body, hashlib.sha512(body).hexdigest().upper())
            self._v3 = docs
        return self._v3

    def v3_index(self) -> bytes:
        if self._v3_index is None:
            paths = {key: {"serverRelativeURL": f"/openapi/v3/{key}?hash={doc.hash}"}
                     for key, doc in self.v3().items()}
            self._v3_index = orjson.dumps({"paths": paths})
        return self._v3_index

    # v2
    def v2_document(self) -> Json:
        paths: Json = {}
        for key in self.v3_keys():
            items, tag = self._v3_paths(key)
            paths.update(_render_paths(items, tag, v3=False))
        definitions = closure(self.schemas(v3=False), paths, V2_REF)
        return {
            "swagger": "2.0",
            "info": {"title": "Kubernetes", "version": OPENAPI_VERSION},
            "paths": dict(sorted(paths.items())),
            "definitions": definitions,
        }

    def v2_json(self) -> bytes:
        if self._v2_json is None:
            self._v2_json = orjson.dumps(self.v2_document())
        return self._v2_json

    def v2_proto(self) -> bytes:
        if self._v2_proto is None:
            from kapi.apiserver.openapi_proto import encode_document  # only kubectl's v2 fallback needs it

            self._v2_proto = encode_document(orjson.loads(self.v2_json()))
        return self._v2_proto


DOCUMENTS: web.AppKey[list[OpenAPIDocuments]] = web.AppKey("openapi_documents")


def documents(app: web.Application) -> OpenAPIDocuments:
    """The app's documents for the current catalog (rebuilt after a catalog change)."""
    registry = app[REGISTRY]
    holder = app[DOCUMENTS]
    if not holder or holder[0].stale(registry.catalog, registry.definitions):
        holder[:] = [OpenAPIDocuments(registry.catalog, registry.definitions)]
    return holder[0]


# --- handlers -----------------------------------------------------------------------------------
def _etag(body: bytes) -> str:
    return '"' + hashlib.sha512(body).hexdigest()[:32].upper() + '"'


def _send(request: web.Request, body: bytes, content_type: str, etag: str,
          headers: dict[str, str] | None = None) -> web.Response:
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers={"ETag": etag, **(headers or {})})
    resp = web.Response(body=body, headers={"ETag": etag, "Vary": "Accept", **(headers or {})})
    resp.headers["Content-Type"] = content_type
    return resp


def _accepts_json(accept: str) -> bool:
    if not accept.strip():
        return True
    for part in accept.split(","):
        mt = part.split(";", 1)[0].strip().lower()
        if mt in ("application/json", "application/*", "*/*"):
            return True
    return False


async def v3_index(request: web.Request) -> web.Response:
    body = documents(request.app).v3_index()
    return _send(request, body, "application/json", _etag(body))


async def v3_document(request: web.Request) -> web.Response:
    key = request.match_info["path"].strip("/")
    docs = documents(request.app)
    doc = docs.v3().get(key)
    if doc is None:
        raise errors.not_found_path()
    if not _accepts_json(request.headers.get("Accept", "")):
        raise errors.not_acceptable("only the following media types are accepted: application/json, "
                                    + ", ".join(V3_PROTO_ACCEPT))
    etag = '"' + doc.hash + '"'
    wanted = request.query.get("hash")
    if wanted is None:
        return _send(request, doc.body, "application/json", etag)
    if wanted != doc.hash:
        raise web.HTTPMovedPermanently(f"/openapi/v3/{key}?hash={doc.hash}")
    expires = email.utils.formatdate(time.time() + 365 * 24 * 3600, usegmt=True)
    return _send(request, doc.body, "application/json", etag,
                 {"Cache-Control": "public, immutable", "Expires": expires})


async def v2_document(request: web.Request) -> web.Response:
    docs = documents(request.app)
    accept = request.headers.get("Accept", "")
    if any(proto in accept for proto in V2_PROTO_ACCEPT):
        body = docs.v2_proto()
        return _send(request, body, V2_PROTO_TYPE, _etag(body))
    if _accepts_json(accept):
        body = docs.v2_json()
        return _send(request, body, "application/json", _etag(body))
    raise errors.not_acceptable("only the following media types are accepted: application/json, "
                                + V2_PROTO_TYPE)


def add_routes(app: web.Application) -> None:
    app[DOCUMENTS] = []
    app.router.add_get("/openapi/v2", v2_document)
    app.router.add_get("/openapi/v3", v3_index)
    app.router.add_get("/openapi/v3/", v3_index)
    app.router.add_get("/openapi/v3/{path:.+}", v3_document)
