"""Resource handlers: parse the request, call the resource service, encode the answer.

One catch-all handler serves every resource path; it maps method + path shape to a verb,
checks the verb against the type's descriptor, and leaves all semantics to the registry.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

import orjson
from aiohttp import web

from kapi.apiserver.negotiation import JSON, MAX_BODY, decode_body, duplicate_fields, encode, response_type
from kapi.apiserver.routing import RequestInfo, parse_path
from kapi.apiserver.state import REGISTRY, WATCHES
from kapi.apiserver.tables import TableBuilder, table_request
from kapi.machinery import errors
from kapi.machinery.errors import FieldError
from kapi.machinery.selectors import escape_field_value, parse_field_selector
from kapi.registry.binding import bind_pod
from kapi.registry.eviction import evict_pod
from kapi.registry.options import (
    DeleteOptions,
    ListOptions,
    options_invalid,
    parse_bool,
    parse_dry_run,
    validate_write_options,
)
from kapi.registry.service import ResourceService, WriteResult
from kapi.registry.strategy import RequestContext
from kapi.registry.tokens import request_token
from kapi.registry.types import ResourceType
from kapi.registry.watching import WatchStream

_FIELD_VALIDATION = ("Strict", "Warn", "Ignore")
WATCH_BUFFER_LIMIT = 16 * 1024 * 1024  # bytes queued for one watch connection before it is dropped
_PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json",
                "application/strategic-merge-patch+json", "application/apply-patch+yaml")


def _segments_ok(raw_path: str) -> str:
    """Decode the path segment by segment; refuse names that try to escape their segment."""
    parts = raw_path.split("?", 1)[0].split("/")
    out = []
    for part in parts:
        seg = unquote(part)
        if "/" in seg or seg in (".", ".."):
            raise errors.bad_request(f"invalid path segment: {seg!r}")
        out.append(seg)
    return "/".join(out)


def _json_response(body: bytes, request: web.Request, *, status: int = 200,
                   warnings: list[str] | None = None) -> web.Response:
    mt = response_type(request.headers.get("Accept"))
    resp = web.Response(body=encode(body, mt), status=status, content_type=mt)
    for w in warnings or ():
        resp.headers.add("Warning", "299 - " + json.dumps(w))  # quoted, control characters escaped
    return resp


def _table_response(body: bytes) -> web.Response:
    """A ``meta.k8s.io`` Table; kube-apiserver labels it plain ``application/json``."""
    return web.Response(body=body, content_type=JSON)


def _context(request: web.Request, info: RequestInfo, *, options: str, subresource: str | None = None,
             apply: bool = False) -> RequestContext:
    """The request context, after upstream's validation of the verb's options (422 on failure)."""
    q = request.query
    manager = q.get("fieldManager")
    dry_run = q.getall("dryRun", [])
    if options == "DeleteOptions":
        parse_dry_run(dry_run)
    elif apply and not manager:
        raise options_invalid("PatchOptions", [FieldError("Required", "fieldManager", "is required for apply patch")])
    else:
        validate_write_options(options, dry_run=dry_run, field_manager=manager,
                               field_validation=q.get("fieldValidation"),
                               force=q.get("force") if options == "PatchOptions" else None, apply=apply)
    if manager is None:
        agent = request.headers.get("User-Agent", "")
        manager = agent.split("/", 1)[0][:128] if agent else "unknown"
    return request.app[REGISTRY].context(namespace=info.namespace, subresource=subresource,
                                          dry_run=bool(dry_run), field_manager=manager)


def _field_validation(request: web.Request) -> str | None:
    fv = request.query.get("fieldValidation")
    return fv if fv in _FIELD_VALIDATION else None


async def _body(request: web.Request, ctx: RequestContext | None = None) -> Any:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise errors.request_entity_too_large()
    raw = await request.read()
    if len(raw) > MAX_BODY:
        raise errors.request_entity_too_large()
    if not raw:
        raise errors.bad_request("the body of the request was empty")
    body = decode_body(raw, request.headers.get("Content-Type", ""))
    # repeated keys are only looked for when the client asked for field validation explicitly:
    # the second, slower parse is not worth paying on every write
    if ctx is not None and request.query.get("fieldValidation") in ("Strict", "Warn") \
            and isinstance(body, dict) and raw.lstrip()[:1] == b"{":
        _, ctx.duplicate_fields = duplicate_fields(raw)
    return body


async def handle_resource(request: web.Request) -> web.StreamResponse:
    path = _segments_ok(request.raw_path)
    info = parse_path(path)
    if info is None or info.resource is None:
        raise errors.not_found_path()
    registry = request.app[REGISTRY]
    rt = registry.catalog.get(info.group, info.version, info.resource)
    if rt is None:
        raise errors.not_found_path()
    if info.namespace is not None and not rt.namespaced:
        raise errors.not_found_path()
    if info.subresource is not None and rt.subresource(info.subresource) is None and not (
            rt.plural == "namespaces" and info.subresource == "finalize"):
        raise errors.not_found_path()
    svc = registry.service(rt)
    method = request.method
    if info.legacy_watch:
        if method != "GET":
            raise errors.method_not_allowed()
        return await _watch(request, info, rt, svc)
    if info.name is None:
        return await _collection(request, info, rt, svc, method)
    return await _item(request, info, rt, svc, method)


def _require_verb(rt: ResourceType, verb: str, sub: str | None = None) -> None:
    verbs = rt.verbs
    if sub is not None:
        s = rt.subresource(sub)
        verbs = s.verbs if s is not None else ("get", "update", "patch")
    if verb not in verbs:
        raise errors.method_not_allowed()


async def _collection(request: web.Request, info: RequestInfo, rt: ResourceType, svc: ResourceService,
                      method: str) -> web.StreamResponse:
    if method == "GET":
        opts = ListOptions.from_query(request.query)
        if opts.watch:
            _require_verb(rt, "watch")
            return await _watch(request, info, rt, svc, opts)
        _require_verb(rt, "list")
        treq = table_request(request.headers.get("Accept"), request.query)
        if treq is not None:
            body = await TableBuilder(rt, treq).list_bytes(svc, info.namespace, opts)
            return _table_response(body)
        return _json_response(await svc.list(info.namespace, opts), request)
    if method == "POST":
        if rt.namespaced and info.namespace is None:
            raise errors.method_not_allowed()
        _require_verb(rt, "create")
        ctx = _context(request, info, options="CreateOptions")
        action = _ACTIONS.get((rt.group, rt.plural, None))
        if action is not None:  # an action (a Binding), not an object that is stored
            return _json_response(await action(request, ctx, None, await _body(request)), request, status=201)
        fv = _field_validation(request)
        res = await svc.create(ctx, await _body(request, ctx), field_validation=fv)
        return _json_response(res.body, request, status=res.code, warnings=ctx.warnings)
    if method == "DELETE":
        _require_verb(rt, "deletecollection")
        ctx = _context(request, info, options="DeleteOptions")
        opts = ListOptions.from_query(request.query)
        del_opts = DeleteOptions.from_body_and_query(await _optional_body(request), request.query)
        ctx.dry_run = ctx.dry_run or del_opts.dry_run
        return _json_response(await svc.delete_collection(ctx, opts, del_opts), request, warnings=ctx.warnings)
    raise errors.method_not_allowed()


async def _optional_body(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    raw = await request.read()
    if len(raw) > MAX_BODY:
        raise errors.request_entity_too_large()
    if not raw.strip():
        return None
    return decode_body(raw, request.headers.get("Content-Type", JSON))


async def _item(request: web.Request, info: RequestInfo, rt: ResourceType, svc: ResourceService,
                method: str) -> web.StreamResponse:
    assert info.name is not None
    name = info.name
    sub = info.subresource
    if rt.namespaced and info.namespace is None:
        raise errors.not_found_path()
    action = _ACTIONS.get((rt.group, rt.plural, sub)) if method == "POST" else None
    if action is not None:
        _require_verb(rt, "create", sub)
        ctx = _context(request, info, options="CreateOptions")
        return _json_response(await action(request, ctx, name, await _body(request)), request, status=201)
    if sub not in (None, "status", "scale", "finalize"):
        raise errors.StatusError(404, "NotFound", f"the server could not find the requested resource "
                                 f"({sub} is not supported yet)", details={})
    if method == "GET":
        _require_verb(rt, "get", sub)
        if sub == "scale":
            return _json_response(orjson.dumps(await svc.get_scale(info.namespace, name)), request)
        treq = table_request(request.headers.get("Accept"), request.query)
        if treq is not None:
            return _table_response(TableBuilder(rt, treq).object_bytes(await svc.get(info.namespace, name)))
        return _json_response(await svc.get(info.namespace, name), request)
    if method == "PUT":
        _require_verb(rt, "update", sub)
        ctx = _context(request, info, options="UpdateOptions", subresource=sub)
        fv = _field_validation(request)
        body = await _body(request, ctx)
        if sub == "scale":
            out = await svc.update_scale(ctx, name, body, field_validation=fv)
            return _json_response(orjson.dumps(out), request, warnings=ctx.warnings)
        res = await svc.update(ctx, name, body, field_validation=fv)
        return _write_response(request, res, ctx)
    if method == "PATCH":
        _require_verb(rt, "patch", sub)
        ctype = (request.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        ctx = _context(request, info, options="PatchOptions", subresource=sub,
                       apply=ctype == "application/apply-patch+yaml")
        fv = _field_validation(request)
        if ctype not in _PATCH_TYPES:
            raise errors.StatusError(
                415, "UnsupportedMediaType",
                f'the body of the request was in an unknown format - accepted media types include: '
                f'{", ".join(_PATCH_TYPES)}')
        body = await _body(request)
        if sub == "scale":
            out = await svc.update_scale(ctx, name, body, patch_type=ctype, field_validation=fv)
            return _json_response(orjson.dumps(out), request, warnings=ctx.warnings)
        res = await svc.patch(ctx, name, ctype, body, field_validation=fv,
                              force=parse_bool(request.query.get("force")))
        return _write_response(request, res, ctx)
    if method == "DELETE":
        if sub is not None:
            raise errors.method_not_allowed()
        _require_verb(rt, "delete")
        ctx = _context(request, info, options="DeleteOptions")
        del_opts = DeleteOptions.from_body_and_query(await _optional_body(request), request.query)
        ctx.dry_run = ctx.dry_run or del_opts.dry_run
        res = await svc.delete(ctx, name, del_opts)
        return _write_response(request, res, ctx)
    if method == "POST":
        raise errors.method_not_allowed()
    raise errors.method_not_allowed()


def _write_response(request: web.Request, res: WriteResult, ctx: RequestContext) -> web.Response:
    return _json_response(res.body, request, status=res.code, warnings=ctx.warnings)


async def _watch(request: web.Request, info: RequestInfo, rt: ResourceType, svc: ResourceService,
                 opts: ListOptions | None = None) -> web.StreamResponse:
    if opts is None:
        opts = ListOptions.from_query(request.query)
        opts.watch = True
        if info.name is not None:
            opts.field_selector = parse_field_selector(f"metadata.name={escape_field_value(info.name)}")
        opts.validate()
    treq = table_request(request.headers.get("Accept"), request.query)
    tables = TableBuilder(rt, treq) if treq is not None else None
    stream = WatchStream(svc, info.namespace, opts)
    resp = web.StreamResponse(status=200, headers={"Content-Type": JSON, "Cache-Control": "no-cache, private"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    watches = request.app[WATCHES]
    watches.add(stream)
    transport = request.transport

    def emit(data: bytes) -> bool:
        """Write one chunk now, from the store's publish; False once the client is gone or stalled."""
        if transport is None or transport.is_closing():
            return False
        if not data:
            return True
        if tables is not None:
            data = tables.watch_chunk(data)
        if transport.get_write_buffer_size() > WATCH_BUFFER_LIMIT:
            return False  # a client this far behind is dropped; it re-watches from its last RV
        transport.writelines((b"%x\r\n" % len(data), data, b"\r\n"))
        return True

    try:
        async for chunk in stream.start():
            await resp.write(tables.watch_chunk(chunk) if tables is not None else chunk)
        await stream.live(emit)
    except (ConnectionResetError, ConnectionError):
        pass
    finally:
        watches.discard(stream)
        stream.close()
    with contextlib.suppress(ConnectionError, RuntimeError):
        await resp.write_eof()
    return resp


# --- actions: POSTs answered by doing something, not by storing the body ---------------------------

Action = Callable[[web.Request, RequestContext, "str | None", Any], Awaitable[bytes]]


async def _bind(request: web.Request, ctx: RequestContext, name: str | None, body: Any) -> bytes:
    return await bind_pod(request.app[REGISTRY].core("pods"), ctx, body, name=name)


async def _token(request: web.Request, ctx: RequestContext, name: str | None, body: Any) -> bytes:
    assert name is not None
    return await request_token(request.app[REGISTRY].core("serviceaccounts"), ctx, name, body)


async def _evict(request: web.Request, ctx: RequestContext, name: str | None, body: Any) -> bytes:
    assert name is not None
    return await evict_pod(request.app[REGISTRY], ctx, name, body)


#: (group, plural, subresource or None for the collection) -> action
_ACTIONS: dict[tuple[str, str, str | None], Action] = {
    ("", "bindings", None): _bind,
    ("", "pods", "binding"): _bind,
    ("", "serviceaccounts", "token"): _token,
    ("", "pods", "eviction"): _evict,
}
