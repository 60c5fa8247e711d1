"""Custom resources: the CRD table convertor (apiextensions-apiserver ``tableconvertor``).

Columns are ``Name`` then the version's ``additionalPrinterColumns`` as declared (type, format,
priority; the description defaults to ``Custom resource definition column (in JSONPath format):
<path>``). A cell is the first result of the column's JSONPath over the object, or null when there
is none. ``string`` columns print the value the way ``kubectl get -o jsonpath`` would (scalars as
text, lists and maps as compact JSON); ``integer``, ``number`` and ``boolean`` cells keep the JSON
value when it has that type (else null); ``date`` cells are turned into the age of the timestamp
by the server, as upstream does (``<invalid>`` when it does not parse, ``<unknown>`` when zero).

A CRD without printer columns gets upstream's default ``Age`` column: that is ``CUSTOM`` in
``kapi.registry.printers``.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kapi.registry.printers._base import Cell, Column, Obj, Printer, human_duration, name_column, name_of, parse_time
from kapi.registry.printers.jsonpath import JSONPath, JSONPathError, parse

log = logging.getLogger(__name__)

DESCRIPTION = "Custom resource definition column (in JSONPath format): {}"
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_ZERO_TIME = "0001-01-01T00:00:00"

CellFn = Callable[[Any, float], Cell]


# --- cell values ---------------------------------------------------------------------------------
def _go_float(value: float) -> str:
    """Go's ``%v`` of a float64: integral values without a fraction below 1e21, else shortest."""
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def _go_json_ready(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, dict):
        return {k: _go_json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_go_json_ready(v) for v in value]
    return value


def _go_json(value: Any) -> str:
    """``json.Marshal``: sorted keys, no spaces, HTML-safe escapes."""
    text = json.dumps(_go_json_ready(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def text_of(value: Any) -> str:
    """A JSONPath result printed as ``PrintResults`` prints one value."""
    if isinstance(value, dict | list):
        return _go_json(value)
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    return str(value)


def date_cell(value: Any, now: float) -> Cell:
    """``ConvertToHumanReadableDateType`` of a ``date`` column's value."""
    if not isinstance(value, str):
        return None
    if value in ("", "null") or value.startswith(_ZERO_TIME):
        return "<unknown>"
    ts = parse_time(value) if _RFC3339.match(value) else None
    if ts is None:
        return "<invalid>"
    return human_duration(now - ts)


def typed_cell(column_type: str, value: Any, now: float) -> Cell:
    """``cellForJSONValue``: the cell of a non-string column, null when the value does not fit."""
    if value is None:
        return None
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if column_type == "integer":
        return int(value) if is_number and math.isfinite(value) else None
    if column_type == "number":
        return float(value) if is_number else None
    if column_type == "boolean":
        return value if isinstance(value, bool) else None
    if column_type == "string":
        return value if isinstance(value, str) else None
    if column_type == "date":
        return date_cell(value, now)
    return None


def _cell_fn(path: JSONPath | None, column_type: str) -> CellFn:
    def cell(obj: Any, now: float) -> Cell:
        if path is None:
            return None
        found = path.find(obj)
        if not found:
            return None
        value = found[0]  # upstream takes the first result only
        if column_type == "string":
            return text_of(value)
        return typed_cell(column_type, value, now)

    return cell


# --- the printer ---------------------------------------------------------------------------------
def _column(spec: Mapping[str, Any]) -> tuple[Column, CellFn]:
    json_path = str(spec.get("jsonPath") or "")
    column_type = str(spec.get("type") or "string")
    try:
        path: JSONPath | None = parse(json_path)
    except JSONPathError:
        log.warning("printer column %r: unrecognized JSONPath %r", spec.get("name"), json_path)
        path = None
    priority = spec.get("priority")
    column = Column(
        name=str(spec.get("name") or ""),
        type=column_type,
        description=str(spec.get("description") or "") or DESCRIPTION.format(json_path),
        priority=priority if isinstance(priority, int) and not isinstance(priority, bool) else 0,
        format=str(spec.get("format") or ""),
    )
    return column, _cell_fn(path, column_type)


def custom_printer(printer_columns: Iterable[Mapping[str, Any]]) -> Printer:
    """The printer of a custom resource version with these ``additionalPrinterColumns``."""
    built = [_column(spec) for spec in printer_columns if isinstance(spec, Mapping)]
    fns = [fn for _, fn in built]

    def row(obj: Obj, now: float) -> list[Cell]:
        return [name_of(obj), *(fn(obj, now) for fn in fns)]

    return Printer((name_column(), *(c for c, _ in built)), row)


@functools.lru_cache(maxsize=256)
def _cached(key: str) -> Printer:
    return custom_printer(json.loads(key))


def cached_custom_printer(printer_columns: list[Any]) -> Printer:
    """``custom_printer``, shared by every request for the same columns."""
    return _cached(json.dumps(printer_columns, sort_keys=True, default=str))
