"""Encode a Swagger 2.0 document (as JSON data) into gnostic's ``openapi.v2.Document`` protobuf.

kubectl reads ``/openapi/v2`` only in this form (kubectl-contract.md §4.3). The encoder covers
the subset of Swagger kapi emits: info, paths with operations, inline body/query/path
parameters, ``$ref`` parameters, responses with schemas, definitions and vendor extensions
(``x-*`` keys, carried as ``NamedAny`` whose ``Any.yaml`` holds the value as JSON, which is
valid YAML). Field numbers follow gnostic's ``openapiv2/OpenAPIv2.proto``.

proto3 rules: scalar fields at their zero value are left out; a message field present in the
input is always written (even when empty), so presence survives; oneof members are always
written.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

Json = Mapping[str, Any]


# --- wire format --------------------------------------------------------------------------------
def _varint(n: int) -> bytes:
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _len(field: int, payload: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def _msg(field: int, payload: bytes) -> bytes:
    """A message field: written even when empty (presence)."""
    return _len(field, payload)


def _str(field: int, value: Any) -> bytes:
    if not value:
        return b""
    return _len(field, str(value).encode())


def _strs(field: int, values: Iterable[Any] | None) -> bytes:
    return b"".join(_len(field, str(v).encode()) for v in values or ())


def _bool(field: int, value: Any, *, always: bool = False) -> bytes:
    if not value and not always:
        return b""
    return _varint(field << 3) + (b"\x01" if value else b"\x00")


def _int64(field: int, value: Any) -> bytes:
    if value is None or int(value) == 0:
        return b""
    return _varint(field << 3) + _varint(int(value))


def _double(field: int, value: Any) -> bytes:
    if value is None or float(value) == 0.0:
        return b""
    return _varint(field << 3 | 1) + struct.pack("<d", float(value))


# --- shared messages ----------------------------------------------------------------------------
def _any(value: Any) -> bytes:
    """``openapi.v2.Any``: field 2 ``yaml`` (JSON text is YAML)."""
    return _str(2, orjson.dumps(value).decode())


def _any_field(field: int, node: Json, key: str) -> bytes:
    if key not in node:
        return b""
    return _msg(field, _any(node[key]))


def _extensions(field: int, node: Json) -> bytes:
    """Repeated ``NamedAny`` for every ``x-`` key of ``node``."""
    return b"".join(
        _msg(field, _str(1, key) + _msg(2, _any(value)))
        for key, value in node.items() if key.startswith("x-")
    )


def _enum(field: int, node: Json) -> bytes:
    return b"".join(_msg(field, _any(v)) for v in node.get("enum") or ())


def _validations(node: Json, first: int) -> bytes:
    """The run of numeric/string/array validation fields shared by parameters, headers and
    primitive items, which gnostic numbers consecutively from ``first`` (``default``):
    default, maximum, exclusive_maximum, minimum, exclusive_minimum, max_length, min_length,
    pattern, max_items, min_items, unique_items, enum, multiple_of."""
    n = first
    return b"".join((
        _any_field(n, node, "default"),
        _double(n + 1, node.get("maximum")),
        _bool(n + 2, node.get("exclusiveMaximum")),
        _double(n + 3, node.get("minimum")),
        _bool(n + 4, node.get("exclusiveMinimum")),
        _int64(n + 5, node.get("maxLength")),
        _int64(n + 6, node.get("minLength")),
        _str(n + 7, node.get("pattern")),
        _int64(n + 8, node.get("maxItems")),
        _int64(n + 9, node.get("minItems")),
        _bool(n + 10, node.get("uniqueItems")),
        _enum(n + 11, node),
        _double(n + 12, node.get("multipleOf")),
    ))


# --- schema -------------------------------------------------------------------------------------
def encode_schema(s: Json) -> bytes:
    """``openapi.v2.Schema``."""
    out = [
        _str(1, s.get("$ref")),
        _str(2, s.get("format")),
        _str(3, s.get("title")),
        _str(4, s.get("description")),
        _any_field(5, s, "default"),
        _double(6, s.get("multipleOf")),
        _double(7, s.get("maximum")),
        _bool(8, s.get("exclusiveMaximum")),
        _double(9, s.get("minimum")),
        _bool(10, s.get("exclusiveMinimum")),
        _int64(11, s.get("maxLength")),
        _int64(12, s.get("minLength")),
        _str(13, s.get("pattern")),
        _int64(14, s.get("maxItems")),
        _int64(15, s.get("minItems")),
        _bool(16, s.get("uniqueItems")),
        _int64(17, s.get("maxProperties")),
        _int64(18, s.get("minProperties")),
        _strs(19, s.get("required")),
        _enum(20, s),
    ]
    if "additionalProperties" in s:
        extra = s["additionalProperties"]
        item = _bool(2, extra, always=True) if isinstance(extra, bool) else _msg(1, encode_schema(extra))
        out.append(_msg(21, item))
    if "type" in s:
        types = s["type"] if isinstance(s["type"], list) else [s["type"]]
        out.append(_msg(22, _strs(1, types)))
    if "items" in s:
        items = s["items"] if isinstance(s["items"], list) else [s["items"]]
        out.append(_msg(23, b"".join(_msg(1, encode_schema(i)) for i in items)))
    out.extend(_msg(24, encode_schema(sub)) for sub in s.get("allOf") or ())
    if "properties" in s:
        out.append(_msg(25, _named_schemas(s["properties"])))
    out.append(_str(26, s.get("discriminator")))
    out.append(_bool(27, s.get("readOnly")))
    out.append(_any_field(30, s, "example"))
    out.append(_extensions(31, s))
    return b"".join(out)


def _named_schemas(schemas: Json) -> bytes:
    """``Properties`` / ``Definitions``: repeated ``NamedSchema`` in field 1."""
    return b"".join(_msg(1, _str(1, name) + _msg(2, encode_schema(schema))) for name, schema in schemas.items())


# --- parameters ---------------------------------------------------------------------------------
def _primitives_items(node: Json) -> bytes:
    out = [_str(1, node.get("type")), _str(2, node.get("format"))]
    if "items" in node:
        out.append(_msg(3, _primitives_items(node["items"])))
    out.append(_str(4, node.get("collectionFormat")))
    out.append(_validations(node, 5))
    out.append(_extensions(18, node))
    return b"".join(out)


def _non_body(p: Json) -> bytes:
    """``NonBodyParameter``: header (1), formData (2), query (3) or path (4) sub-schema."""
    where = p.get("in")
    head = [_bool(1, p.get("required")), _str(2, where), _str(3, p.get("description")), _str(4, p.get("name"))]
    if where in ("query", "formData"):
        items_field, vendor, field = 8, 23, 3 if where == "query" else 2
        head.append(_bool(5, p.get("allowEmptyValue")))
        body = [_str(6, p.get("type")), _str(7, p.get("format"))]
        first = 10
    else:
        items_field, vendor, field = 7, 22, 4 if where == "path" else 1
        body = [_str(5, p.get("type")), _str(6, p.get("format"))]
        first = 9
    items = _msg(items_field, _primitives_items(p["items"])) if "items" in p else b""
    body += [items, _str(items_field + 1, p.get("collectionFormat")), _validations(p, first),
             _extensions(vendor, p)]
    return _msg(field, b"".join(head + body))


def encode_parameter(p: Json) -> bytes:
    """``ParametersItem``: a ``Parameter`` (1) or a ``JsonReference`` (2)."""
    if "$ref" in p:
        return _msg(2, _str(1, p["$ref"]) + _str(2, p.get("description")))
    return _msg(1, _parameter_value(p))


# --- operations and paths -----------------------------------------------------------------------
def _response(r: Json) -> bytes:
    if "$ref" in r:
        return _msg(2, _str(1, r["$ref"]) + _str(2, r.get("description")))
    body = [_str(1, r.get("description"))]
    if "schema" in r:
        body.append(_msg(2, _msg(1, encode_schema(r["schema"]))))
    body.append(_extensions(5, r))
    return _msg(1, b"".join(body))


def _responses(rs: Json) -> bytes:
    out = [_msg(1, _str(1, code) + _msg(2, _response(r))) for code, r in rs.items() if not code.startswith("x-")]
    out.append(_extensions(2, rs))
    return b"".join(out)


def encode_operation(op: Json) -> bytes:
    out = [
        _strs(1, op.get("tags")),
        _str(2, op.get("summary")),
        _str(3, op.get("description")),
        _str(5, op.get("operationId")),
        _strs(6, op.get("produces")),
        _strs(7, op.get("consumes")),
        b"".join(_msg(8, encode_parameter(p)) for p in op.get("parameters") or ()),
    ]
    if "responses" in op:
        out.append(_msg(9, _responses(op["responses"])))
    out += [_strs(10, op.get("schemes")), _bool(11, op.get("deprecated")), _extensions(13, op)]
    return b"".join(out)


_METHOD_FIELDS = (("get", 2), ("put", 3), ("post", 4), ("delete", 5), ("options", 6), ("head", 7), ("patch", 8))


def _path_item(item: Json) -> bytes:
    out = [_str(1, item.get("$ref"))]
    out.extend(_msg(field, encode_operation(item[method])) for method, field in _METHOD_FIELDS if method in item)
    out.extend(_msg(9, encode_parameter(p)) for p in item.get("parameters") or ())
    out.append(_extensions(10, item))
    return b"".join(out)


def _info(info: Json) -> bytes:
    return b"".join((_str(1, info.get("title")), _str(2, info.get("version")), _str(3, info.get("description")),
                     _extensions(7, info)))


def encode_document(doc: Json) -> bytes:
    """``openapi.v2.Document`` for a Swagger 2.0 document."""
    out = [_str(1, doc.get("swagger", "2.0"))]
    if "info" in doc:
        out.append(_msg(2, _info(doc["info"])))
    out += [_str(3, doc.get("host")), _str(4, doc.get("basePath")), _strs(5, doc.get("schemes")),
            _strs(6, doc.get("consumes")), _strs(7, doc.get("produces"))]
    if "paths" in doc:
        paths = doc["paths"]
        out.append(_msg(8, _extensions(1, paths) + b"".join(
            _msg(2, _str(1, path) + _msg(2, _path_item(item)))
            for path, item in paths.items() if not path.startswith("x-")
        )))
    if "definitions" in doc:
        out.append(_msg(9, _named_schemas(doc["definitions"])))
    if "parameters" in doc:
        out.append(_msg(10, b"".join(
            _msg(1, _str(1, name) + _msg(2, _parameter_value(p)))
            for name, p in doc["parameters"].items()
        )))
    out.append(_extensions(16, doc))
    return b"".join(out)


def _parameter_value(p: Json) -> bytes:
    """A bare ``Parameter`` (for ``ParameterDefinitions``)."""
    if p.get("in") == "body":
        return _msg(1, b"".join((
            _str(1, p.get("description")), _str(2, p.get("name")), _str(3, "body"), _bool(4, p.get("required")),
            _msg(5, encode_schema(p.get("schema") or {})), _extensions(6, p),
        )))
    return _msg(2, _non_body(p))
