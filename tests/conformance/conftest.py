"""Shared helpers for the conformance suite.

Every test module gets a fresh kapi (the ``kapi_server`` fixture in ``tests/conftest.py``);
within a module each test uses its own namespace or uniquely named objects. Raw HTTP goes
through :class:`Raw` (``requests``) so tests can assert exact status codes, headers and
``Status`` bodies, exactly as a Go client would see them.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from kubernetes.client.exceptions import ApiException

JSON = "application/json"
MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"


def uniq(prefix: str = "t") -> str:
    """A DNS-1123 label, unique across the run."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class Raw:
    """Plain HTTP against the server under test (no client-side cleverness)."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.session = requests.Session()

    def request(self, method: str, path: str, *, body: Any = None, data: bytes | str | None = None,
                ctype: str | None = None, headers: dict[str, str] | None = None,
                params: Any = None, timeout: float = 15, stream: bool = False) -> requests.Response:
        hdrs = {"Accept": JSON}
        if headers:
            hdrs.update(headers)
        if body is not None:
            data = json.dumps(body)
            hdrs.setdefault("Content-Type", ctype or JSON)
        elif ctype is not None:
            hdrs["Content-Type"] = ctype
        return self.session.request(method, self.base + path, data=data, headers=hdrs, params=params,
                                    timeout=timeout, stream=stream, allow_redirects=False)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.request("POST", path, body=body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.request("PUT", path, body=body, **kw)

    def patch(self, path: str, body: Any = None, ctype: str = MERGE, **kw: Any) -> requests.Response:
        return self.request("PATCH", path, body=body, ctype=ctype, **kw)

    def delete(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.request("DELETE", path, body=body, **kw)

    # conveniences for setup steps that must succeed
    def create(self, path: str, body: Any, **kw: Any) -> dict[str, Any]:
        r = self.post(path, body, **kw)
        assert r.status_code == 201, f"setup POST {path} -> {r.status_code}: {r.text}"
        return r.json()

    def ok(self, method: str, path: str, body: Any = None, **kw: Any) -> dict[str, Any]:
        r = self.request(method, path, body=body, **kw)
        assert 200 <= r.status_code < 300, f"{method} {path} -> {r.status_code}: {r.text}"
        return r.json()


def assert_status(resp: requests.Response, code: int, reason: str | None = None,
                  message: str | None = None, contains: str | None = None) -> dict[str, Any]:
    """Assert the response is a ``metav1.Status`` failure with this code/reason/message."""
    assert resp.status_code == code, f"expected {code}, got {resp.status_code}: {resp.text[:2000]}"
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.startswith(JSON), f"Status must be JSON, got Content-Type {ctype!r}"
    body = resp.json()
    assert body.get("kind") == "Status", body
    assert body.get("apiVersion") == "v1", body
    assert body.get("status") == "Failure", body
    assert body.get("code") == code, body
    if reason is not None:
        assert body.get("reason") == reason, body
    if message is not None:
        assert body.get("message") == message, body
    if contains is not None:
        assert contains in (body.get("message") or ""), body
    return body


def api_error(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    """Call a typed-client method that must fail; return (HTTP status, decoded Status body)."""
    with pytest.raises(ApiException) as info:
        fn(*args, **kwargs)
    exc = info.value
    try:
        body = json.loads(exc.body) if exc.body else {}
    except ValueError:
        body = {"raw": exc.body}
    return exc.status, body


def causes(status: dict[str, Any]) -> list[dict[str, Any]]:
    return list(((status.get("details") or {}).get("causes")) or [])


def cause_fields(status: dict[str, Any]) -> list[str]:
    return [c.get("field", "") for c in causes(status)]


def warnings_of(resp: requests.Response) -> list[str]:
    """The ``Warning`` header values (code 299), unquoted."""
    raw = resp.raw.headers.getlist("Warning") if hasattr(resp.raw.headers, "getlist") else []
    if not raw and "Warning" in resp.headers:
        raw = [resp.headers["Warning"]]
    out = []
    for value in raw:
        value = value.strip()
        if value.startswith("299 - "):
            value = value[len("299 - "):]
        if value.startswith('"') and value.endswith('"'):
            value = value[1:-1].replace('\\"', '"')
        out.append(value)
    return out


def wait_for(pred: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def pod_body(name: str, *, image: str = "nginx:1.25", labels: dict[str, str] | None = None,
             **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "image": image}], **spec},
    }
    if labels:
        body["metadata"]["labels"] = labels
    return body


def cm_body(name: str, data: dict[str, str] | None = None, **meta: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **meta},
            "data": data if data is not None else {"k": "v"}}


def deploy_body(name: str, *, replicas: int = 1, image: str = "nginx:1.25") -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels},
                         "spec": {"containers": [{"name": "web", "image": image}]}},
        },
    }


def watch_lines(resp: requests.Response, *, max_events: int | None = None,
                stop: Callable[[dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
    """Read one-JSON-document-per-line watch events until the stream ends or ``stop`` says so."""
    events: list[dict[str, Any]] = []
    for line in resp.iter_lines(chunk_size=1, decode_unicode=False):
        assert line.strip() != b"", "watch streams must not contain blank lines"
        ev = json.loads(line)
        events.append(ev)
        if max_events is not None and len(events) >= max_events:
            break
        if stop is not None and stop(ev):
            break
    resp.close()
    return events


@pytest.fixture(scope="module")
def raw(kapi_server: Any) -> Iterator[Raw]:
    r = Raw(kapi_server.url)
    yield r
    r.session.close()


@pytest.fixture
def ns(raw: Raw) -> str:
    """A fresh namespace for one test."""
    name = uniq("ns")
    raw.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return name
