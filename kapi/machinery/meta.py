"""Small pure helpers on object metadata: timestamps, generated names, equality for no-op writes."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

Obj = dict[str, Any]

# upstream's generator avoids vowels and look-alikes so generated names never spell words
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_RANDOM_LENGTH = 5
_MAX_GENERATED_PREFIX = 63 - _RANDOM_LENGTH


def now_rfc3339() -> str:
    """Seconds-precision UTC timestamp, as ``metav1.Time`` serialises."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_rfc3339_micro() -> str:
    """Microsecond timestamp, as ``metav1.MicroTime`` serialises."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_rfc3339(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def new_uid() -> str:
    return str(uuid.uuid4())


def generate_name(prefix: str) -> str:
    if len(prefix) > _MAX_GENERATED_PREFIX:
        prefix = prefix[:_MAX_GENERATED_PREFIX]
    return prefix + "".join(secrets.choice(_NAME_ALPHABET) for _ in range(_RANDOM_LENGTH))


def meta(obj: Obj) -> Obj:
    """The object's metadata dict, created if missing or not a dict."""
    m = obj.get("metadata")
    if not isinstance(m, dict):
        m = {}
        obj["metadata"] = m
    return m


def without(obj: Obj, *keys: str) -> Obj:
    return {k: v for k, v in obj.items() if k not in keys}


def spec_of(obj: Obj) -> Obj:
    """Everything a generation counts: the object without metadata and status."""
    return without(obj, "metadata", "status", "apiVersion", "kind")


_VOLATILE_META = ("resourceVersion", "managedFields")


def semantically_equal(a: Obj, b: Obj) -> bool:
    """True when a write of ``a`` over ``b`` would change nothing a client can see."""
    if without(a, "metadata") != without(b, "metadata"):
        return False
    ma = {k: v for k, v in (a.get("metadata") or {}).items() if k not in _VOLATILE_META}
    mb = {k: v for k, v in (b.get("metadata") or {}).items() if k not in _VOLATILE_META}
    return ma == mb


def label_selector_string(selector: Obj | None) -> str:
    """Render a ``metav1.LabelSelector`` in the string form ``Scale.status.selector`` uses."""
    if not selector:
        return ""
    parts: list[str] = []
    for key in sorted(selector.get("matchLabels") or {}):
        parts.append(f"{key}={selector['matchLabels'][key]}")
    for expr in selector.get("matchExpressions") or []:
        key, op = expr.get("key", ""), expr.get("operator", "")
        values = sorted(expr.get("values") or [])
        if op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)
