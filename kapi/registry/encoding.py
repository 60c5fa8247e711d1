"""How objects become stored bytes, and list bodies from stored bytes without re-encoding."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import orjson

Obj = dict[str, Any]


def encoder_for(obj: Obj) -> Callable[[int], bytes]:
    """Stamp the revision the store assigns into ``metadata.resourceVersion`` and serialise once."""

    def encode(revision: int) -> bytes:
        obj.setdefault("metadata", {})["resourceVersion"] = str(revision)
        return orjson.dumps(obj)

    return encode


def list_body(kind: str, api_version: str, revision: int, items: Iterable[bytes], *,
              continue_token: str | None = None, remaining: int | None = None) -> bytes:
    meta: Obj = {"resourceVersion": str(revision)}
    if continue_token:
        meta["continue"] = continue_token
        if remaining is not None:
            meta["remainingItemCount"] = remaining
    head = orjson.dumps({"kind": kind, "apiVersion": api_version, "metadata": meta})
    return head[:-1] + b',"items":[' + b",".join(items) + b"]}"


def success_status(name: str, group: str, plural: str, uid: str) -> bytes:
    details: Obj = {"name": name, "kind": plural, "uid": uid}
    if group:
        details = {"name": name, "group": group, "kind": plural, "uid": uid}
    return orjson.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                         "details": details})
