"""Kubernetes protobuf request bodies into the JSON form the REST API uses.

A body is the 4 magic bytes ``k8s\\x00`` followed by a ``runtime.Unknown`` message: ``typeMeta``
(apiVersion, kind), ``raw`` (the object's own message), ``contentEncoding`` and ``contentType``.
The object is decoded by walking the protobuf wire format with a field table (message name ->
field number -> name/type/label, as extracted from upstream's ``generated.proto`` files) and, when
given, the Go JSON facts of those messages (which zero scalars Go's encoding/json still writes,
which embedded structs are inlined, JSON names that differ from the proto names, slice types).

Upstream's Go encoder writes every non-pointer field unconditionally, so a zero scalar on the wire
usually means "unset": it is kept only for fields the facts list as ``keepZero`` (pointers, and
tags without ``omitempty``). Without facts every zero scalar is dropped.

Pure: the caller loads the tables; nothing here reads files. Malformed input raises a 400
``StatusError``; decoding is linear in the input and nesting is bounded.
"""

from __future__ import annotations

import base64
import datetime
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from kapi.machinery import errors

MAGIC = b"k8s\x00"
MAX_DEPTH = 100

UNKNOWN = "k8s.io.apimachinery.pkg.runtime.Unknown"
META = "k8s.io.apimachinery.pkg.apis.meta.v1"
TIME = f"{META}.Time"
MICRO_TIME = f"{META}.MicroTime"
DURATION = f"{META}.Duration"
FIELDS_V1 = f"{META}.FieldsV1"
QUANTITY = "k8s.io.apimachinery.pkg.api.resource.Quantity"
INT_OR_STRING = "k8s.io.apimachinery.pkg.util.intstr.IntOrString"
RAW_EXTENSION = "k8s.io.apimachinery.pkg.runtime.RawExtension"

_VARINT_TYPES = {"int32", "int64", "uint32", "uint64", "sint32", "sint64", "bool", "enum"}
_FIXED64_TYPES = {"double", "fixed64", "sfixed64"}
_FIXED32_TYPES = {"float", "fixed32", "sfixed32"}
_SCALARS = _VARINT_TYPES | _FIXED64_TYPES | _FIXED32_TYPES | {"string", "bytes"}
_U64 = (1 << 64) - 1
_ZERO_TIME_SECONDS = -62135596800  # 0001-01-01T00:00:00Z, Go's zero time.Time
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def bad(message: str) -> errors.StatusError:
    return errors.bad_request(f"error decoding protobuf body: {message}")


@dataclass(frozen=True, slots=True)
class Field:
    number: int
    name: str  # the JSON name
    type: str  # a scalar type, "message" or "map"
    message: str = ""  # resolved message name (for "message", or the value of a map)
    key: str = ""  # map key scalar type
    value: str = ""  # map value scalar type, or "message"
    repeated: bool = False
    keep_zero: bool = False
    inline: bool = False
    skip: bool = False


class Schema:
    """The field table plus the Go JSON facts, compiled lazily per message."""

    def __init__(self, table: Mapping[str, Any], gojson: Mapping[str, Any] | None = None) -> None:
        self._table = table
        self._facts = gojson or {}
        self._compiled: dict[str, dict[int, Field]] = {}

    def has(self, message: str) -> bool:
        return message in self._table and not message.startswith("_")

    def is_list(self, message: str) -> bool:
        return bool(self._facts.get(message, {}).get("list"))

    def fields(self, message: str) -> dict[int, Field]:
        compiled = self._compiled.get(message)
        if compiled is None:
            compiled = self._compile(message)
            self._compiled[message] = compiled
        return compiled

    def _compile(self, message: str) -> dict[int, Field]:
        spec = self._table.get(message)
        if not isinstance(spec, Mapping):
            raise bad(f"no protobuf message {message}")
        facts = self._facts.get(message, {})
        keep = set(facts.get("keepZero", ()))
        inline = set(facts.get("inline", ()))
        names = facts.get("json", {})
        out: dict[int, Field] = {}
        for num_text, entry in spec.items():
            num = int(num_text)
            name = names.get(num_text, entry["name"])
            ftype = entry["type"]
            repeated = entry.get("label") == "repeated"
            common: dict[str, Any] = {"number": num, "name": name, "repeated": repeated, "keep_zero": num in keep,
                                      "inline": num in inline, "skip": name == "-"}
            if ftype == "map":
                value = entry["value"]
                if value in _SCALARS:
                    out[num] = Field(type="map", key=entry["key"], value=value, **common)
                else:
                    out[num] = Field(type="map", key=entry["key"], value="message",
                                     message=self.resolve(value, message), **common)
            elif ftype in _SCALARS:
                out[num] = Field(type=ftype, **common)
            else:
                out[num] = Field(type="message", message=self.resolve(ftype, message), **common)
        return out

    def resolve(self, name: str, scope: str) -> str:
        """A type name as written in a .proto file, resolved from the scope of ``scope`` outward."""
        if name.startswith("."):
            return name[1:]
        parts = scope.split(".")
        while parts:
            parts.pop()
            candidate = ".".join([*parts, name])
            if candidate in self._table:
                return candidate
        return name  # unknown: decoding it fails with a clear message

    def message_for(self, api_version: str, kind: str) -> str | None:
        """``apps/v1``, ``Deployment`` -> ``k8s.io.api.apps.v1.Deployment``; None when unknown."""
        group, _, version = api_version.rpartition("/")
        candidates: list[str] = []
        if group == "":
            candidates.append(f"k8s.io.api.core.{version}.{kind}")
        elif group == "meta.k8s.io":
            candidates.append(f"k8s.io.apimachinery.pkg.apis.meta.{version}.{kind}")
        else:
            first = group.split(".", 1)[0]
            if group == "internal.apiserver.k8s.io":
                first = "apiserverinternal"
            if group == first or group.endswith(".k8s.io"):
                candidates.append(f"k8s.io.api.{first}.{version}.{kind}")
        # the option types (DeleteOptions, CreateOptions, ...) are registered in every group version
        candidates.append(f"{META}.{kind}")
        for candidate in candidates:
            if self.has(candidate):
                return candidate
        return None


# --- the wire format ---------------------------------------------------------------------------


def _varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= end:
            raise bad("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result & _U64, pos
        shift += 7
        if shift >= 70:
            raise bad("varint longer than 10 bytes")


def _length(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    n, pos = _varint(buf, pos, end)
    if n > end - pos:
        raise bad(f"length {n} at offset {pos} runs past the end of its message")
    return pos + n, pos


def _skip(buf: bytes, pos: int, end: int, wire: int, num: int) -> int:
    if wire == 0:
        return _varint(buf, pos, end)[1]
    if wire == 1:
        pos += 8
    elif wire == 5:
        pos += 4
    elif wire == 2:
        stop, _ = _length(buf, pos, end)
        return stop
    else:
        raise bad(f"unsupported wire type {wire} for field {num}")
    if pos > end:
        raise bad(f"truncated fixed-width field {num}")
    return pos


def _signed(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def _scalar_from_varint(ftype: str, v: int) -> Any:
    if ftype == "bool":
        return v != 0
    if ftype in ("int32", "enum"):
        return _signed(v, 32)
    if ftype == "int64":
        return _signed(v, 64)
    if ftype == "uint32":
        return v & 0xFFFFFFFF
    if ftype == "uint64":
        return v
    if ftype == "sint32":
        v &= 0xFFFFFFFF
        return (v >> 1) ^ -(v & 1)
    return (v >> 1) ^ -(v & 1)  # sint64


def _fixed(ftype: str, chunk: bytes) -> Any:
    fmt = {"double": "<d", "fixed64": "<Q", "sfixed64": "<q", "float": "<f", "fixed32": "<I", "sfixed32": "<i"}[ftype]
    value = struct.unpack(fmt, chunk)[0]
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise bad(f"{ftype} value {value} cannot be represented in JSON")
    return value


def _wire_of(ftype: str) -> int:
    if ftype in _VARINT_TYPES:
        return 0
    if ftype in _FIXED64_TYPES:
        return 1
    if ftype in _FIXED32_TYPES:
        return 5
    return 2


def _is_zero(value: Any) -> bool:
    return value is None or value == "" or value is False or (type(value) in (int, float) and value == 0)


class _Decoder:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.special: dict[str, Callable[[bytes, int, int, int], Any]] = {
            TIME: self._time,
            MICRO_TIME: self._micro_time,
            DURATION: self._duration,
            QUANTITY: self._quantity,
            INT_OR_STRING: self._int_or_string,
            RAW_EXTENSION: self._raw_json,
            FIELDS_V1: self._raw_json,
        }

    # -- scalars

    def _read_scalar(self, ftype: str, buf: bytes, pos: int, end: int, num: int) -> tuple[Any, int]:
        if ftype in _VARINT_TYPES:
            v, pos = _varint(buf, pos, end)
            return _scalar_from_varint(ftype, v), pos
        if ftype in _FIXED64_TYPES or ftype in _FIXED32_TYPES:
            width = 8 if ftype in _FIXED64_TYPES else 4
            if pos + width > end:
                raise bad(f"truncated fixed-width field {num}")
            return _fixed(ftype, buf[pos:pos + width]), pos + width
        stop, start = _length(buf, pos, end)
        data = buf[start:stop]
        if ftype == "string":
            return data.decode("utf-8", errors="replace"), stop
        return base64.b64encode(data).decode("ascii"), stop  # bytes: base64 in JSON

    def _scalar_values(self, f: Field, ftype: str, wire: int, buf: bytes, pos: int, end: int) -> tuple[list[Any], int]:
        """One value, or several from a packed repeated field."""
        expected = _wire_of(ftype)
        if wire == expected:
            value, pos = self._read_scalar(ftype, buf, pos, end, f.number)
            return [value], pos
        if wire == 2 and f.repeated and expected != 2:
            stop, start = _length(buf, pos, end)
            values: list[Any] = []
            while start < stop:
                value, start = self._read_scalar(ftype, buf, start, stop, f.number)
                values.append(value)
            return values, stop
        raise bad(f"field {f.name} ({f.number}) has wire type {wire}, expected {expected}")

    # -- messages

    def message(self, name: str, buf: bytes, start: int, end: int, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise bad(f"messages nested deeper than {MAX_DEPTH}")
        special = self.special.get(name)
        if special is not None:
            return special(buf, start, end, depth)
        if not self.schema.has(name):
            raise bad(f"no protobuf message {name}")
        fields = self.schema.fields(name)
        out: dict[str, Any] = {}
        pos = start
        while pos < end:
            tag, pos = _varint(buf, pos, end)
            num, wire = tag >> 3, tag & 7
            if num == 0:
                raise bad(f"invalid field number 0 in {name}")
            f = fields.get(num)
            if f is None:
                pos = _skip(buf, pos, end, wire, num)
                continue
            if f.type == "message" or f.type == "map":
                if wire != 2:
                    raise bad(f"field {f.name} ({f.number}) has wire type {wire}, expected 2")
                stop, sub = _length(buf, pos, end)
                if f.type == "map":
                    key, value = self._map_entry(f, buf, sub, stop, depth + 1)
                    if not f.skip:
                        out.setdefault(f.name, {})[key] = value
                else:
                    value = self.message(f.message, buf, sub, stop, depth + 1)
                    if f.skip:
                        pass
                    elif f.inline and isinstance(value, dict):
                        out.update(value)
                    elif f.repeated:
                        out.setdefault(f.name, []).append(value)
                    elif isinstance(value, dict) and isinstance(out.get(f.name), dict):
                        out[f.name].update(value)  # a repeated singular message merges
                    else:
                        out[f.name] = value
                pos = stop
                continue
            values, pos = self._scalar_values(f, f.type, wire, buf, pos, end)
            if f.skip:
                continue
            if f.repeated:
                out.setdefault(f.name, []).extend(values)
            elif not _is_zero(values[-1]) or f.keep_zero:
                out[f.name] = values[-1]
            else:
                out.pop(f.name, None)
        if self.schema.is_list(name):
            return next(iter(out.values()), [])
        return out

    def _map_entry(self, f: Field, buf: bytes, pos: int, end: int, depth: int) -> tuple[str, Any]:
        key: Any = None
        value: Any = None
        while pos < end:
            tag, pos = _varint(buf, pos, end)
            num, wire = tag >> 3, tag & 7
            if num == 1:
                values, pos = self._scalar_values(Field(1, f"{f.name} key", f.key), f.key, wire, buf, pos, end)
                key = values[-1]
            elif num == 2 and f.value == "message":
                if wire != 2:
                    raise bad(f"value of map {f.name} has wire type {wire}, expected 2")
                stop, sub = _length(buf, pos, end)
                value = self.message(f.message, buf, sub, stop, depth + 1)
                pos = stop
            elif num == 2:
                values, pos = self._scalar_values(Field(2, f"{f.name} value", f.value), f.value, wire, buf, pos, end)
                value = values[-1]
            else:
                pos = _skip(buf, pos, end, wire, num)
        if key is None:
            key = "" if f.key == "string" else 0
        if value is None:
            value = self.message(f.message, buf, 0, 0, depth + 1) if f.value == "message" else (
                "" if f.value in ("string", "bytes") else False if f.value == "bool" else 0)
        return (key if isinstance(key, str) else str(key).lower() if isinstance(key, bool) else str(key)), value

    def _ints(self, buf: bytes, start: int, end: int, types: Mapping[int, str]) -> dict[int, Any]:
        """The scalar fields of a small well-known message (Time, Duration, IntOrString...)."""
        out: dict[int, Any] = {}
        pos = start
        while pos < end:
            tag, pos = _varint(buf, pos, end)
            num, wire = tag >> 3, tag & 7
            ftype = types.get(num)
            if ftype is None:
                pos = _skip(buf, pos, end, wire, num)
                continue
            values, pos = self._scalar_values(Field(num, f"field {num}", ftype), ftype, wire, buf, pos, end)
            out[num] = values[-1]
        return out

    # -- well-known types

    def _instant(self, buf: bytes, start: int, end: int, micro: bool) -> str | None:
        if start == end:
            return None  # Go's zero time.Time, which encoding/json writes as null
        got = self._ints(buf, start, end, {1: "int64", 2: "int32"})
        seconds, nanos = int(got.get(1, 0)), int(got.get(2, 0))
        if not micro:
            nanos = 0  # metav1.Time keeps whole seconds only
        extra, nanos = divmod(nanos, 1_000_000_000)
        seconds += extra
        if seconds == _ZERO_TIME_SECONDS and nanos == 0:
            return None
        try:
            when = _EPOCH + datetime.timedelta(seconds=seconds, microseconds=nanos // 1000)
        except OverflowError:
            raise bad(f"timestamp {seconds} is out of range") from None
        if micro:
            return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond:06d}Z"
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _time(self, buf: bytes, start: int, end: int, depth: int) -> str | None:
        return self._instant(buf, start, end, micro=False)

    def _micro_time(self, buf: bytes, start: int, end: int, depth: int) -> str | None:
        return self._instant(buf, start, end, micro=True)

    def _duration(self, buf: bytes, start: int, end: int, depth: int) -> str:
        return go_duration(int(self._ints(buf, start, end, {1: "int64"}).get(1, 0)))

    def _quantity(self, buf: bytes, start: int, end: int, depth: int) -> str:
        value = self._ints(buf, start, end, {1: "string"}).get(1, "")
        return str(value) or "0"

    def _int_or_string(self, buf: bytes, start: int, end: int, depth: int) -> int | str:
        got = self._ints(buf, start, end, {1: "int64", 2: "int32", 3: "string"})
        if got.get(1, 0) == 1:
            return str(got.get(3, ""))
        return int(got.get(2, 0))

    def _raw_json(self, buf: bytes, start: int, end: int, depth: int) -> Any:
        pos = start
        raw = b""
        while pos < end:
            tag, pos = _varint(buf, pos, end)
            num, wire = tag >> 3, tag & 7
            if num == 1 and wire == 2:
                stop, sub = _length(buf, pos, end)
                raw = bytes(buf[sub:stop])
                pos = stop
            else:
                pos = _skip(buf, pos, end, wire, num)
        if not raw:
            return None
        if raw.startswith(MAGIC):
            return self.object(raw, depth + 1)
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise bad("embedded object is neither JSON nor protobuf") from None

    # -- the envelope

    def object(self, data: bytes, depth: int = 0) -> dict[str, Any]:
        if not data.startswith(MAGIC):
            raise bad("the body does not start with the protobuf magic 'k8s\\x00'")
        api_version = kind = encoding = content_type = ""
        raw: tuple[int, int] | None = None
        end = len(data)
        pos = len(MAGIC)
        while pos < end:
            tag, pos = _varint(data, pos, end)
            num, wire = tag >> 3, tag & 7
            if num in (1, 2, 3, 4) and wire != 2:
                raise bad(f"runtime.Unknown field {num} has wire type {wire}, expected 2")
            if num == 1:
                stop, sub = _length(data, pos, end)
                meta = self._ints(data, sub, stop, {1: "string", 2: "string"})
                api_version, kind = str(meta.get(1, "")), str(meta.get(2, ""))
                pos = stop
            elif num == 2:
                stop, sub = _length(data, pos, end)
                raw = (sub, stop)
                pos = stop
            elif num in (3, 4):
                stop, sub = _length(data, pos, end)
                text = data[sub:stop].decode("utf-8", errors="replace")
                if num == 3:
                    encoding = text
                else:
                    content_type = text
                pos = stop
            else:
                pos = _skip(data, pos, end, wire, num)
        if encoding:
            raise bad(f"unsupported content encoding {encoding!r}")
        if content_type and content_type.split(";", 1)[0].strip() != "application/vnd.kubernetes.protobuf":
            raise bad(f"unsupported embedded content type {content_type!r}")
        if not kind:
            raise bad("Object 'Kind' is missing")
        if not api_version:
            raise bad("Object 'apiVersion' is missing")
        name = self.schema.message_for(api_version, kind)
        if name is None:
            raise bad(f'no kind "{kind}" is registered for version "{api_version}"')
        start, stop = raw if raw is not None else (0, 0)
        body = self.message(name, data, start, stop, depth + 1)
        if not isinstance(body, dict):
            raise bad(f"{kind} is not an object")
        return {"kind": kind, "apiVersion": api_version, **body}


def decode(data: bytes, schema: Schema) -> dict[str, Any]:
    """A ``k8s\\x00``-prefixed protobuf body into its JSON form (``kind`` and ``apiVersion`` included)."""
    try:
        return _Decoder(schema).object(bytes(data))
    except RecursionError:
        raise bad("messages nested too deeply") from None


def decode_message(data: bytes, message: str, schema: Schema) -> Any:
    """One message (no envelope) into its JSON form."""
    try:
        return _Decoder(schema).message(message, bytes(data), 0, len(data), 0)
    except RecursionError:
        raise bad("messages nested too deeply") from None


def go_duration(nanoseconds: int) -> str:
    """Go's ``time.Duration.String``: ``1h0m0s``, ``1m30s``, ``1.5s``, ``300ms``, ``0s``."""
    if nanoseconds == 0:
        return "0s"
    sign = "-" if nanoseconds < 0 else ""
    u = abs(nanoseconds)
    if u < 1_000_000_000:
        if u < 1_000:
            return f"{sign}{u}ns"
        if u < 1_000_000:
            return f"{sign}{_frac(u, 3)}µs"
        return f"{sign}{_frac(u, 6)}ms"
    seconds, rest = divmod(u, 1_000_000_000)
    text = _frac(seconds * 1_000_000_000 % 60_000_000_000 + rest, 9) + "s"
    minutes = seconds // 60
    if minutes:
        text = f"{minutes % 60}m{text}"
        hours = minutes // 60
        if hours:
            text = f"{hours}h{text}"
    return sign + text


def _frac(value: int, digits: int) -> str:
    whole, frac = divmod(value, 10**digits)
    if not frac:
        return str(whole)
    return f"{whole}." + f"{frac:0{digits}d}".rstrip("0")
