"""Non-resource endpoints: /version, health checks, and discovery."""

from __future__ import annotations

import hashlib
import platform
import sys

import orjson
from aiohttp import web

from kapi import __version__
from kapi.apiserver.state import CONFIG, REGISTRY
from kapi.machinery import errors
from kapi.registry import discovery

KUBE_MAJOR = "1"
KUBE_MINOR = "33"
KUBE_GIT_VERSION = f"v1.33.0+kapi.{__version__}"


def version_info() -> dict[str, str]:
    return {
        "major": KUBE_MAJOR,
        "minor": KUBE_MINOR,
        "gitVersion": KUBE_GIT_VERSION,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": f"python{sys.version_info.major}.{sys.version_info.minor}",
        "compiler": "cpython",
        "platform": f"{platform.system().lower()}/{platform.machine().lower().replace('x86_64', 'amd64')}",
    }


async def version(request: web.Request) -> web.Response:
    return web.json_response(version_info(), dumps=lambda o: orjson.dumps(o).decode())


async def health(request: web.Request) -> web.Response:
    if "verbose" in request.query:
        check = request.path.strip("/")
        return web.Response(text=f"[+]ping ok\n[+]etcd ok\n{check} check passed\n")
    return web.Response(text="ok")


def _wants_aggregated(request: web.Request) -> str | None:
    return discovery.aggregated_format(request.headers.get("Accept"))


def _doc_response(request: web.Request, doc: object, content_type: str = "application/json") -> web.Response:
    body = orjson.dumps(doc)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32].upper() + '"'
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers={"ETag": etag})
    resp = web.Response(body=body, status=200, headers={"ETag": etag, "Vary": "Accept"})
    resp.headers["Content-Type"] = content_type
    return resp


async def api_root(request: web.Request) -> web.Response:
    registry = request.app[REGISTRY]
    agg = _wants_aggregated(request)
    if agg:
        doc = discovery.aggregated_discovery(registry.catalog, core=True,
                                             beta=agg == discovery.AGGREGATED_V2BETA1)
        return _doc_response(request, doc, agg)
    config = request.app[CONFIG]
    return _doc_response(request, discovery.api_versions(f"{config.address}:{config.port}"))


async def apis_root(request: web.Request) -> web.Response:
    registry = request.app[REGISTRY]
    agg = _wants_aggregated(request)
    if agg:
        doc = discovery.aggregated_discovery(registry.catalog, core=False,
                                             beta=agg == discovery.AGGREGATED_V2BETA1)
        return _doc_response(request, doc, agg)
    return _doc_response(request, discovery.api_group_list(registry.catalog))


async def api_group(request: web.Request) -> web.Response:
    doc = discovery.api_group(request.app[REGISTRY].catalog, request.match_info["group"])
    if doc is None:
        raise errors.not_found_path()
    return _doc_response(request, doc)


async def api_resources(request: web.Request) -> web.Response:
    group = request.match_info.get("group", "")
    version = request.match_info["version"]
    doc = discovery.api_resource_list(request.app[REGISTRY].catalog, group, version)
    if doc is None:
        raise errors.not_found_path()
    return _doc_response(request, doc)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/version", version)
    app.router.add_get("/version/", version)
    for path in ("/livez", "/readyz", "/healthz"):
        app.router.add_get(path, health)
        app.router.add_get(path + "/ping", health)
    app.router.add_get("/api", api_root)
    app.router.add_get("/api/", api_root)
    app.router.add_get("/apis", apis_root)
    app.router.add_get("/apis/", apis_root)
    app.router.add_get("/api/{version}", api_resources)
    app.router.add_get("/api/{version}/", api_resources)
    app.router.add_get("/apis/{group}", api_group)
    app.router.add_get("/apis/{group}/", api_group)
    app.router.add_get("/apis/{group}/{version}", api_resources)
    app.router.add_get("/apis/{group}/{version}/", api_resources)
