"""``meta.k8s.io/v1`` Table responses: what kubectl's human-readable ``get`` asks for.

A client asks with ``Accept: application/json;as=Table;v=v1;g=meta.k8s.io`` (kubectl adds the
``v1beta1`` form and plain JSON as fallbacks). GET of one object, LIST and WATCH then answer
with a Table built by the resource type's printer (``kapi.registry.printers``):

- ``includeObject`` (``None``, ``Object``, default ``Metadata``) chooses the row's ``object``:
  nothing, the full object, or a ``PartialObjectMetadata`` with the object's metadata;
- a list's Table carries the list's ``resourceVersion``, ``continue`` and ``remainingItemCount``;
- a watch event's object is a one-row Table; only the first event of the stream carries the
  column definitions (upstream ``watchEmbeddedEncoder`` sets ``NoHeaders`` after it).

Responses are ``Content-Type: application/json``, as kube-apiserver sends them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from kapi.machinery import errors
from kapi.registry.options import ListOptions
from kapi.registry.printers import Printer, printer_for
from kapi.registry.service import ResourceService
from kapi.registry.types import ResourceType

log = logging.getLogger(__name__)

TABLE_GROUP = "meta.k8s.io"
TABLE_VERSIONS = ("v1", "v1beta1")
INCLUDE_OBJECT = ("None", "Object", "Metadata")


@dataclass(slots=True)
class TableRequest:
    """A Table was asked for: its version and what each row's ``object`` holds."""

    version: str = "v1"
    include: str = "Metadata"
    headers: bool = True  # False after a watch's first event

    @property
    def api_version(self) -> str:
        return f"{TABLE_GROUP}/{self.version}"


def _params(part: str) -> tuple[str, dict[str, str], float]:
    pieces = [p.strip() for p in part.split(";")]
    params: dict[str, str] = {}
    for p in pieces[1:]:
        key, _, value = p.partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    try:
        q = float(params.pop("q", "1"))
    except ValueError:
        q = 1.0
    return pieces[0].lower(), params, q


def wants_table(accept: str | None) -> str | None:
    """The Table version the Accept header prefers, or None when it prefers plain objects.

    Clauses are taken in order (q=0 ones skipped); the first one the server can serve decides:
    ``application/json;as=Table;v=v1|v1beta1;g=meta.k8s.io`` means a Table, a clause without
    ``as`` means the object itself. Other transformations (``as=PartialObjectMetadata``, Tables
    in YAML or protobuf) are not served and are passed over.
    """
    if not accept:
        return None
    for part in accept.split(","):
        mt, params, q = _params(part)
        if q <= 0 or not mt:
            continue
        target = params.get("as")
        if target is None:
            return None
        if (target == "Table" and params.get("g") == TABLE_GROUP and params.get("v") in TABLE_VERSIONS
                and mt in ("application/json", "application/*", "*/*")):
            return params["v"]
    return None


def table_request(accept: str | None, query: Mapping[str, str]) -> TableRequest | None:
    """The Table to answer with, from the Accept header and ``includeObject``; 400 on a bad value."""
    version = wants_table(accept)
    if version is None:
        return None
    include = query.get("includeObject") or "Metadata"
    if include not in INCLUDE_OBJECT:
        raise errors.bad_request(f'unrecognized includeObject value: "{include}"')
    return TableRequest(version=version, include=include)


@dataclass(slots=True)
class TableBuilder:
    """Builds Tables of one resource type for one request."""

    rt: ResourceType
    req: TableRequest
    printer: Printer = field(init=False)

    def __post_init__(self) -> None:
        self.printer = printer_for(self.rt)

    def _row(self, obj: dict[str, Any], now: float) -> dict[str, Any]:
        p = self.printer
        try:
            cells = p.cells(obj, now)
            conditions = p.conditions(obj) if p.conditions is not None else None
        except Exception:  # a printer must never fail a read: print what is certain
            log.exception("printing %s %s", self.rt.kind, (obj.get("metadata") or {}).get("name"))
            cells = [(obj.get("metadata") or {}).get("name", "")] + [""] * (len(p.columns) - 1)
            conditions = None
        row: dict[str, Any] = {"cells": cells}
        if conditions:
            row["conditions"] = conditions
        include = self.req.include
        if include == "Metadata":
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": self.req.api_version,
                             "metadata": obj.get("metadata") or {}}
        elif include == "Object":
            row["object"] = obj
        else:
            row["object"] = None
        return row

    def table(self, objs: Iterable[dict[str, Any]], list_meta: dict[str, Any]) -> dict[str, Any]:
        now = time.time()
        columns = self.printer.column_definitions() if self.req.headers else []
        return {"kind": "Table", "apiVersion": self.req.api_version, "metadata": list_meta,
                "columnDefinitions": columns, "rows": [self._row(o, now) for o in objs]}

    def object_table(self, obj: dict[str, Any]) -> dict[str, Any]:
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        return self.table([obj], {"resourceVersion": rv} if rv else {})

    def object_bytes(self, body: bytes) -> bytes:
        return orjson.dumps(self.object_table(orjson.loads(body)))

    async def list_bytes(self, svc: ResourceService, namespace: str | None, opts: ListOptions) -> bytes:
        kvs, revision, token, remaining = await svc.list_items(namespace, opts)
        list_meta: dict[str, Any] = {"resourceVersion": str(revision)}
        if token:
            list_meta["continue"] = token
        if remaining is not None:
            list_meta["remainingItemCount"] = remaining
        return orjson.dumps(self.table((svc.load(kv.value) for kv in kvs), list_meta))

    def watch_chunk(self, data: bytes) -> bytes:
        """Watch event lines with each event's object turned into a one-row Table.

        ERROR events keep their Status; a BOOKMARK becomes a Table without rows that carries
        the bookmark's resourceVersion.
        """
        if not data:
            return data
        out: list[bytes] = []
        for line in data.split(b"\n"):
            if not line:
                continue
            out.append(self._event(line))
        return b"".join(out)

    def _event(self, line: bytes) -> bytes:
        try:
            ev = orjson.loads(line)
            etype = ev.get("type")
            obj = ev.get("object")
            if etype == "ERROR" or not isinstance(obj, dict):
                return line + b"\n"
            if etype == "BOOKMARK":
                rv = (obj.get("metadata") or {}).get("resourceVersion")
                table = self.table([], {"resourceVersion": rv} if rv else {})
            else:
                table = self.object_table(obj)
        except (orjson.JSONDecodeError, AttributeError):
            return line + b"\n"
        self.req.headers = False
        return orjson.dumps({"type": etype, "object": table}) + b"\n"
