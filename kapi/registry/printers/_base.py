"""The building blocks of the per-kind printers: columns, rows, time and text helpers.

A printer is what upstream's ``TableConvertor`` is for one kind: column definitions (name, type,
format, description, priority) and a function from one decoded object to its cells. The server
always prints the wide form (upstream's ``printerstorage.TableConvertor`` passes ``Wide: true``);
kubectl hides the priority-1 columns unless ``-o wide``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kapi.machinery.selectors import selector_from_label_selector_obj

Obj = dict[str, Any]
Cell = Any
RowFn = Callable[[Obj, float], list[Cell]]
CondFn = Callable[[Obj], list[dict[str, str]]]

_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


@functools.cache
def _definitions() -> dict[str, Any]:
    from kapi.registry.catalog import load_definitions

    return load_definitions().defs


def doc(definition: str, prop: str) -> str:
    """The description of ``prop`` in an OpenAPI definition (upstream's ``SwaggerDoc()[prop]``).

    ``definition`` is a full name or one relative to ``io.k8s.api.`` (``core.v1.PodSpec``).
    """
    name = definition if definition.startswith("io.k8s.") else "io.k8s.api." + definition
    node = _definitions().get(name) or {}
    value = ((node.get("properties") or {}).get(prop) or {}).get("description")
    return value if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class Column:
    """One ``TableColumnDefinition``. ``ref`` is ``(definition, property)`` for the description."""

    name: str
    type: str = "string"
    description: str = ""
    priority: int = 0
    format: str = ""
    ref: tuple[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        desc = self.description or (doc(*self.ref) if self.ref else "")
        return {"name": self.name, "type": self.type, "format": self.format, "description": desc,
                "priority": self.priority}


def name_column(priority: int = 0) -> Column:
    return Column("Name", format="name", priority=priority, ref=(_META, "name"))


def age_column() -> Column:
    return Column("Age", ref=(_META, "creationTimestamp"))


CONTAINERS = Column("Containers", priority=1, description="Names of each container in the template.")
IMAGES = Column("Images", priority=1, description="Images referenced by each container in the template.")


@dataclass(frozen=True, slots=True)
class Printer:
    """Columns and the row function of one kind."""

    columns: tuple[Column, ...]
    row: RowFn
    conditions: CondFn | None = None
    _json: list[dict[str, Any]] = field(default_factory=list, compare=False, repr=False)

    def column_definitions(self) -> list[dict[str, Any]]:
        if not self._json:
            self._json.extend(c.to_json() for c in self.columns)
        return self._json

    def cells(self, obj: Obj, now: float | None = None) -> list[Cell]:
        return self.row(obj, time.time() if now is None else now)


# --- object access -------------------------------------------------------------------------------
def meta(obj: Obj) -> Obj:
    m = obj.get("metadata")
    return m if isinstance(m, dict) else {}


def get(obj: Any, *path: str, default: Any = None) -> Any:
    """``obj[path[0]][path[1]]…`` or ``default`` when a step is missing or not an object."""
    cur = obj
    for key in path:
        if not isinstance(cur, dict):
            return default
        cur = cur.get(key)
        if cur is None:
            return default
    return cur


def items(obj: Any, *path: str) -> list[Any]:
    value = get(obj, *path)
    return value if isinstance(value, list) else []


def mapping(obj: Any, *path: str) -> dict[str, Any]:
    value = get(obj, *path)
    return value if isinstance(value, dict) else {}


def name_of(obj: Obj) -> str:
    return str(meta(obj).get("name") or "")


def int_of(value: Any, default: int = 0) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    return default


# --- time ------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4096)
def parse_time(value: str) -> float | None:
    """Seconds since the epoch of an RFC 3339 timestamp (``metav1.Time`` or ``MicroTime``)."""
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def timestamp(value: Any) -> float | None:
    return parse_time(value) if isinstance(value, str) and value else None


def human_duration(seconds: float) -> str:
    """Upstream's ``duration.HumanDuration``: ~2-3 significant figures, ``5s``, ``3m10s``, ``2d3h``."""
    secs = int(seconds)  # Go truncates toward zero
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 60 * 2:
        return f"{secs}s"
    minutes = secs // 60
    if minutes < 10:
        s = secs % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = secs // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def since(value: Any, now: float) -> str:
    """``translateTimestampSince``: the age of a timestamp, ``<unknown>`` when unset."""
    ts = timestamp(value)
    if ts is None:
        return "<unknown>"
    return human_duration(now - ts)


def age(obj: Obj, now: float) -> str:
    return since(meta(obj).get("creationTimestamp"), now)


# --- text ------------------------------------------------------------------------------------------
def format_labels(labels: Mapping[str, Any] | None) -> str:
    """``labels.FormatLabels``: sorted ``k=v`` pairs, ``<none>`` when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def selector_string(sel: Any) -> str:
    """``LabelSelectorAsSelector(sel).String()``; ``<invalid>`` when it does not convert."""
    try:
        return str(selector_from_label_selector_obj(sel if isinstance(sel, Mapping) else None))
    except ValueError:
        return "<invalid>"


def format_label_selector(sel: Any) -> str:
    """``metav1.FormatLabelSelector``: like ``selector_string`` but ``<none>`` when empty."""
    try:
        text = str(selector_from_label_selector_obj(sel if isinstance(sel, Mapping) else None))
    except ValueError:
        return "<error>"
    return text or "<none>"


def container_cells(containers: Iterable[Any]) -> tuple[str, str]:
    """``layoutContainerCells``: container names and images, comma-separated."""
    cs = [c for c in containers if isinstance(c, dict)]
    return ",".join(str(c.get("name") or "") for c in cs), ",".join(str(c.get("image") or "") for c in cs)


def int_or_string(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def quantity(value: Any) -> str:
    """A stored quantity as a string (kapi keeps the serialized form; upstream re-canonicalizes)."""
    if value is None or value == "":
        return "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def bool_ptr(value: Any) -> str:
    """``printBoolPtr``."""
    if value is None:
        return "<unset>"
    return "True" if value else "False"


def list_with_more(values: list[str], total: int, limit: int, empty: str = "<unset>") -> str:
    """``listWithMoreString``: at most ``limit`` values, then `` + N more...``."""
    text = ",".join(values[:limit])
    if total > limit:
        return f"{text} + {total - limit} more..."
    return text or empty


def join_host_port(host: str, port: Any) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
