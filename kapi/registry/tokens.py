"""``POST serviceaccounts/<name>/token``: a TokenRequest answered with a service-account token.

The token is a JWT with upstream's claims (``sub: system:serviceaccount:<ns>:<name>``, audiences,
``iat``/``nbf``/``exp``, the ``kubernetes.io`` claim naming the namespace and service account),
signed with HMAC-SHA256 under a key made when the process starts. kapi does not authenticate
requests yet; when it does, this is the key it will check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import TYPE_CHECKING, Any

import orjson

from kapi.machinery import errors
from kapi.machinery.errors import FieldError
from kapi.machinery.meta import now_rfc3339

if TYPE_CHECKING:
    from kapi.registry.service import ResourceService
    from kapi.registry.strategy import RequestContext

Obj = dict[str, Any]

ISSUER = "https://kubernetes.default.svc.cluster.local"
_KEY = secrets.token_bytes(32)
_MIN_SECONDS = 600
_MAX_SECONDS = 1 << 32


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def sign(claims: Obj) -> str:
    header = _b64(orjson.dumps({"alg": "HS256", "kid": "kapi", "typ": "JWT"}))
    payload = _b64(orjson.dumps(claims))
    mac = hmac.new(_KEY, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(mac)}"


async def request_token(accounts: ResourceService, ctx: RequestContext, name: str, body: Any) -> bytes:
    if not isinstance(body, dict) or body.get("kind") not in (None, "", "TokenRequest"):
        raise errors.bad_request("the object provided is unrecognized (must be of type TokenRequest)")
    account = await accounts.get_obj(ctx.namespace, name)
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    seconds = spec.get("expirationSeconds", 3600)
    errs: list[FieldError] = []
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        errs.append(FieldError("Invalid", "spec.expirationSeconds", "must be an integer", value=seconds))
    elif seconds < _MIN_SECONDS:
        errs.append(FieldError("Invalid", "spec.expirationSeconds", "may not specify a duration less than 10 minutes",
                               value=seconds))
    elif seconds > _MAX_SECONDS:
        errs.append(FieldError("TooLong", "spec.expirationSeconds", "may not specify a duration larger than 2^32 "
                                                                     "seconds"))
    audiences = spec.get("audiences") or [ISSUER]
    if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
        errs.append(FieldError("Invalid", "spec.audiences", "must be a list of strings", value=audiences))
    if errs:
        raise errors.invalid("authentication.k8s.io", "TokenRequest", name, errs)
    now = int(time.time())
    sa_meta = account["metadata"]
    claims: Obj = {
        "aud": audiences, "exp": now + seconds, "iat": now, "nbf": now, "iss": ISSUER,
        "sub": f"system:serviceaccount:{ctx.namespace}:{name}",
        "kubernetes.io": {"namespace": ctx.namespace,
                          "serviceaccount": {"name": name, "uid": sa_meta.get("uid", "")}},
    }
    bound = spec.get("boundObjectRef")
    if isinstance(bound, dict) and bound.get("kind") and bound.get("name"):
        claims["kubernetes.io"][str(bound["kind"]).lower()] = {"name": bound["name"], "uid": bound.get("uid", "")}
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + seconds))
    out = {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
           "metadata": {"name": name, "namespace": ctx.namespace, "creationTimestamp": now_rfc3339()},
           "spec": {"audiences": audiences, "expirationSeconds": seconds,
                    "boundObjectRef": bound if isinstance(bound, dict) else None},
           "status": {"token": sign(claims), "expirationTimestamp": expires}}
    return orjson.dumps(out)
