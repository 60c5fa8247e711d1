"""Content negotiation: decoding request bodies and choosing the response encoding."""

from __future__ import annotations

from typing import Any

import orjson
import yaml

from kapi.apiserver import protobuf_bodies
from kapi.machinery import errors

MAX_BODY = 3 * 1024 * 1024  # upstream's request body limit for writes

JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"

_YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "application/apply-patch+yaml")


class _SafeLoader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1 surprises that upstream's decoder doesn't have (no aliases bombs)."""


def media_type(header: str | None) -> str:
    if not header:
        return ""
    return header.split(";", 1)[0].strip().lower()


class _Members(dict):  # type: ignore[type-arg]
    """A decoded JSON object that remembers which of its keys appeared more than once."""

    __slots__ = ("repeated",)


def _pairs(pairs: list[tuple[str, Any]]) -> _Members:
    out = _Members()
    out.repeated = []
    for key, value in pairs:
        if key in out:
            out.repeated.append(key)
        out[key] = value
    return out


def duplicate_fields(raw: bytes) -> tuple[Any, list[str]]:
    """Decode JSON keeping the last of repeated keys (as upstream) and report their paths."""
    import json

    try:
        doc = json.loads(raw, object_pairs_hook=_pairs)
    except (ValueError, RecursionError):
        return None, []
    found: list[str] = []
    stack: list[tuple[Any, str]] = [(doc, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, _Members):
            found.extend(f"{path}.{k}" if path else k for k in node.repeated)
            stack.extend((v, f"{path}.{k}" if path else k) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(node))
    return doc, sorted(set(found))


def decode_body(raw: bytes, content_type: str) -> Any:
    """JSON, YAML or protobuf into Python values; 400 for malformed input, 415 for unknown media types."""
    mt = media_type(content_type)
    if mt in ("", JSON, "application/json-patch+json", "application/merge-patch+json",
              "application/strategic-merge-patch+json", "*/*"):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            if mt == "" and raw.strip()[:1] not in (b"{", b"["):
                return _decode_yaml(raw)
            raise errors.bad_request(f"error decoding JSON: {_short(str(exc))}") from None
    if mt in _YAML_TYPES:
        return _decode_yaml(raw)
    if mt == PROTOBUF:
        return protobuf_bodies.decode(raw)
    raise errors.unsupported_media_type(mt)


def _decode_yaml(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.bad_request("error decoding YAML: invalid UTF-8") from None
    try:
        docs = list(yaml.load_all(text, Loader=_SafeLoader))
    except yaml.YAMLError as exc:
        raise errors.bad_request(f"error decoding YAML: {_short(str(exc))}") from None
    docs = [d for d in docs if d is not None]
    if len(docs) != 1:
        raise errors.bad_request("error decoding YAML: expected exactly one document")
    if not _bounded(docs[0], limit=1_000_000):
        # anchors and aliases can expand a small document into billions of nodes
        raise errors.bad_request("error decoding YAML: document expands to too many nodes")
    try:
        # round-trip through JSON: rejects YAML-only values (dates, sets, non-string keys)
        return orjson.loads(orjson.dumps(docs[0], default=_yaml_default, option=orjson.OPT_NON_STR_KEYS))
    except (TypeError, orjson.JSONEncodeError) as exc:
        raise errors.bad_request(f"error decoding YAML: {_short(str(exc))}") from None


def _bounded(doc: Any, *, limit: int) -> bool:
    seen = 0
    stack = [doc]
    while stack:
        node = stack.pop()
        seen += 1
        if seen > limit:
            return False
        if isinstance(node, dict):
            stack.extend(node.values())
            seen += len(node)
        elif isinstance(node, list):
            stack.extend(node)
    return True


def _yaml_default(value: Any) -> Any:
    import datetime

    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    raise TypeError(f"unsupported YAML value {type(value).__name__}")


def _short(text: str) -> str:
    return text if len(text) < 300 else text[:300] + "..."


def response_type(accept: str | None) -> str:
    """JSON or YAML for the response; 406 when the client accepts neither."""
    if not accept:
        return JSON
    ok_json = False
    ok_yaml = False
    for part in accept.split(","):
        mt = media_type(part)
        if mt in (JSON, "*/*", "application/*", "application/json-patch+json", "application/merge-patch+json"):
            ok_json = True
        elif mt in ("application/yaml", "application/x-yaml", "text/yaml"):
            ok_yaml = ok_yaml or not ok_json
        elif mt == PROTOBUF:
            continue
    if ok_json:
        return JSON
    if ok_yaml:
        return YAML
    raise errors.not_acceptable()


def encode(body: bytes, mt: str) -> bytes:
    if mt == YAML:
        return yaml.safe_dump(orjson.loads(body), sort_keys=False).encode()
    return body
