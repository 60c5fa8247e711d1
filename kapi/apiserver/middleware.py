"""Render every failure as a Kubernetes ``Status``: ours, aiohttp's, and unexpected ones."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from kapi.machinery import errors
from kapi.machinery.errors import StatusError

log = logging.getLogger(__name__)

_REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
            405: "MethodNotAllowed", 406: "NotAcceptable", 409: "Conflict", 410: "Gone",
            413: "RequestEntityTooLarge", 415: "UnsupportedMediaType", 422: "Invalid",
            429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def status_response(exc: StatusError) -> web.Response:
    return web.Response(body=exc.to_json(), status=exc.code, content_type="application/json")


@web.middleware
async def status_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except StatusError as exc:
        return status_response(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if exc.status == 413:
            return status_response(errors.request_entity_too_large())
        if exc.status == 404:
            return status_response(errors.not_found_path())
        if exc.status == 405:
            return status_response(errors.method_not_allowed())
        reason = _REASONS.get(exc.status, "Unknown")
        return status_response(StatusError(exc.status, reason, exc.text or exc.reason))
    except (ConnectionResetError, ConnectionError):
        raise
    except Exception as exc:  # the last line of defence: a 500 Status, and a log line to fix it
        log.exception("unhandled error serving %s %s", request.method, request.path)
        return status_response(errors.internal_error(f"{type(exc).__name__}: {exc}"))
