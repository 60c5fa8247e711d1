"""The HTTP transport: aiohttp against any API server (kubeconfig or base URL)."""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import yaml

from kapi.client.errors import ApiError
from kapi.client.interface import PATCH_TYPES, Client, Obj, name_of, namespace_of
from kapi.client.resources import Resource

_JSON = "application/json"


def load_kubeconfig(path: str, context: str | None = None) -> dict[str, Any]:
    """``{"server", "token", "insecure", "ca_data"}`` of the current (or named) context."""
    with open(path, encoding="utf-8") as f:
        cfg = yaml.safe_load(f) or {}
    ctx_name = context or cfg.get("current-context")
    contexts = {c.get("name"): c.get("context") or {} for c in cfg.get("contexts") or []}
    clusters = {c.get("name"): c.get("cluster") or {} for c in cfg.get("clusters") or []}
    users = {u.get("name"): u.get("user") or {} for u in cfg.get("users") or []}
    ctx = contexts.get(ctx_name) or (next(iter(contexts.values())) if contexts else {})
    cluster = clusters.get(ctx.get("cluster")) or (next(iter(clusters.values())) if clusters else {})
    user = users.get(ctx.get("user")) or {}
    if not cluster.get("server"):
        raise ValueError(f"kubeconfig {path}: no cluster server")
    token = user.get("token")
    if not token and user.get("tokenFile"):
        with open(user["tokenFile"], encoding="utf-8") as f:
            token = f.read().strip()
    return {"server": cluster["server"], "token": token,
            "insecure": bool(cluster.get("insecure-skip-tls-verify")),
            "ca_data": cluster.get("certificate-authority-data")}


def _params(**kw: Any) -> dict[str, str]:
    out = {}
    for k, v in kw.items():
        if v is None:
            continue
        out[k] = ("true" if v else "false") if isinstance(v, bool) else str(v)
    return out


class HttpClient(Client):
    """A ``Client`` speaking JSON over HTTP. Create inside the event loop that uses it."""

    def __init__(self, base_url: str | None = None, *, kubeconfig: str | None = None, token: str | None = None,
                 field_manager: str = "kapi-client", timeout: float = 30.0, verify_tls: bool = True) -> None:
        self._ssl: Any = None
        if kubeconfig is not None:
            cfg = load_kubeconfig(kubeconfig)
            base_url = base_url or cfg["server"]
            token = token or cfg["token"]
            if cfg["insecure"]:
                verify_tls = False
            elif cfg["ca_data"]:
                import base64
                self._ssl = ssl.create_default_context(cadata=base64.b64decode(cfg["ca_data"]).decode())
        if not base_url:
            raise ValueError("HttpClient needs a base_url or a kubeconfig")
        if not verify_tls:
            self._ssl = False
        self.base_url = base_url.rstrip("/")
        self.field_manager = field_manager
        self._headers = {"Accept": _JSON, "User-Agent": f"{field_manager}/kapi"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers=self._headers)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def _request(self, method: str, path: str, *, params: dict[str, str] | None = None, body: Any = None,
                       content_type: str = _JSON) -> Obj:
        data = None
        headers = {}
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = content_type
        try:
            async with self.session.request(
                    method, self.base_url + path, params=params, data=data, headers=headers, ssl=self._ssl,
                    timeout=aiohttp.ClientTimeout(total=self._timeout)) as resp:
                raw = await resp.read()
                status = resp.status
        except TimeoutError as exc:
            raise ApiError(504, "Timeout", f"{method} {path}: timed out") from exc
        except aiohttp.ClientError as exc:
            raise ApiError(503, "ServiceUnavailable", f"{method} {path}: {exc}") from exc
        try:
            decoded = json.loads(raw) if raw else {}
        except ValueError:
            decoded = None
        if status >= 400:
            if isinstance(decoded, dict) and decoded.get("kind") == "Status":
                raise ApiError.from_status(decoded, status)
            raise ApiError(status, "Unknown", raw.decode(errors="replace")[:500])
        if not isinstance(decoded, dict):
            raise ApiError(500, "InternalError", f"{method} {path}: undecodable answer")
        return decoded

    async def get(self, resource: Resource, name: str, namespace: str | None = None) -> Obj:
        return await self._request("GET", resource.path(namespace_of(resource, None, namespace), name))

    async def list(self, resource: Resource, namespace: str | None = None, *, label_selector: str | None = None,
                   field_selector: str | None = None, limit: int | None = None, continue_: str | None = None,
                   resource_version: str | None = None) -> Obj:
        params = _params(labelSelector=label_selector, fieldSelector=field_selector, limit=limit,
                         resourceVersion=resource_version, **{"continue": continue_})
        return await self._request("GET", resource.path(namespace_of(resource, None, namespace)), params=params)

    async def watch(self, resource: Resource, namespace: str | None = None, *, resource_version: str | None = None,
                    label_selector: str | None = None, field_selector: str | None = None,
                    allow_bookmarks: bool = True, timeout_seconds: int | None = None
                    ) -> AsyncIterator[tuple[str, Obj]]:
        params = _params(watch=True, labelSelector=label_selector, fieldSelector=field_selector,
                         resourceVersion=resource_version, allowWatchBookmarks=allow_bookmarks or None,
                         timeoutSeconds=timeout_seconds)
        path = resource.path(namespace_of(resource, None, namespace))
        try:
            async with self.session.get(self.base_url + path, params=params, ssl=self._ssl,
                                        timeout=aiohttp.ClientTimeout(total=None, connect=self._timeout)) as resp:
                if resp.status >= 400:
                    raw = await resp.read()
                    try:
                        decoded = json.loads(raw)
                    except ValueError:
                        decoded = None
                    if isinstance(decoded, dict) and decoded.get("kind") == "Status":
                        raise ApiError.from_status(decoded, resp.status)
                    raise ApiError(resp.status, "Unknown", raw.decode(errors="replace")[:500])
                buf = b""
                async for chunk in resp.content.iter_any():
                    buf += chunk
                    while True:
                        nl = buf.find(b"\n")
                        if nl < 0:
                            break
                        line, buf = buf[:nl], buf[nl + 1:]
                        if line.strip():
                            ev = json.loads(line)
                            yield ev["type"], ev["object"]
                if buf.strip():
                    ev = json.loads(buf)
                    yield ev["type"], ev["object"]
        except TimeoutError as exc:
            raise ApiError(504, "Timeout", f"watch {path}: timed out") from exc
        except aiohttp.ClientError as exc:
            raise ApiError(503, "ServiceUnavailable", f"watch {path}: {exc}") from exc

    async def create(self, resource: Resource, obj: Obj, namespace: str | None = None, *,
                     field_manager: str | None = None) -> Obj:
        path = resource.path(namespace_of(resource, obj, namespace))
        return await self._request("POST", path, body=obj,
                                   params=_params(fieldManager=field_manager or self.field_manager))

    async def update(self, resource: Resource, obj: Obj, namespace: str | None = None, *,
                     subresource: str | None = None, field_manager: str | None = None) -> Obj:
        path = resource.path(namespace_of(resource, obj, namespace), name_of(obj), subresource)
        return await self._request("PUT", path, body=obj,
                                   params=_params(fieldManager=field_manager or self.field_manager))

    async def patch(self, resource: Resource, name: str, patch: Any, namespace: str | None = None, *,
                    patch_type: str = "merge", field_manager: str | None = None, force: bool = False,
                    subresource: str | None = None) -> Obj:
        path = resource.path(namespace_of(resource, None, namespace), name, subresource)
        ctype = PATCH_TYPES.get(patch_type, patch_type)
        params = _params(fieldManager=field_manager or self.field_manager, force=True if force else None)
        return await self._request("PATCH", path, body=patch, content_type=ctype, params=params)

    async def delete(self, resource: Resource, name: str, namespace: str | None = None, *,
                     grace_period_seconds: int | None = None, propagation_policy: str | None = None,
                     preconditions: dict[str, str] | None = None) -> Obj:
        body: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if grace_period_seconds is not None:
            body["gracePeriodSeconds"] = grace_period_seconds
        if propagation_policy is not None:
            body["propagationPolicy"] = propagation_policy
        if preconditions:
            body["preconditions"] = dict(preconditions)
        path = resource.path(namespace_of(resource, None, namespace), name)
        return await self._request("DELETE", path, body=body)

    async def create_subresource(self, resource: Resource, name: str, subresource: str, obj: Obj,
                                 namespace: str | None = None) -> Obj:
        path = resource.path(namespace_of(resource, obj, namespace), name, subresource)
        return await self._request("POST", path, body=obj)
