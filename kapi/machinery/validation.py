"""Schema-driven checks on decoded request bodies of built-in kinds.

Upstream decodes a built-in object into its Go struct before anything else looks at it, so what
the Go JSON decoder (``sigs.k8s.io/json``, a fork of ``encoding/json``) refuses is a 400
BadRequest, and what it silently drops (unknown fields) is either dropped or, with
``fieldValidation=Strict``, reported. This module reproduces that decode step from the OpenAPI
schema:

* :func:`check_types` — the type errors, worded as the Go decoder words them.
* :func:`unknown_fields` / :func:`strip_unknown_fields` — strict-decoding field paths, and the
  drop that non-strict decoding amounts to.
* :func:`required_fields` — fields a schema marks required that are missing or null.
* :func:`check_depth` — a nesting guard run before the (recursive) walks.

Walks follow the schema lazily through compiled :class:`_Plan` objects (one per schema position,
cached), so a check costs a few dict lookups per value. Nothing here raises for bad input.
"""

from __future__ import annotations

import re
from typing import Any

from kapi.machinery.errors import FieldError
from kapi.machinery.schema import SchemaNode

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "check_depth",
    "check_types",
    "decode_error_message",
    "quantity_error",
    "required_fields",
    "strip_unknown_fields",
    "time_error",
    "unknown_fields",
]

# --- compiled schema positions ---------------------------------------------------------------

_ANY = 0  # anything goes (RawExtension, FieldsV1, apiextensions JSON, untyped)
_OBJECT = 1  # a Go struct
_MAP = 2  # map[string]T
_ARRAY = 3  # []T
_STRING = 4
_BYTES = 5  # []byte: a base64 string
_INT = 6
_FLOAT = 7
_BOOL = 8
_INTSTR = 9  # intstr.IntOrString
_QUANTITY = 10  # resource.Quantity
_TIME = 11  # metav1.Time / metav1.MicroTime

_INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
_QUANTITY_NAME = "io.k8s.apimachinery.pkg.api.resource.Quantity"
_TIME_NAME = "io.k8s.apimachinery.pkg.apis.meta.v1.Time"
_MICRO_TIME_NAME = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"

_RFC3339 = "2006-01-02T15:04:05Z07:00"
_RFC3339_MICRO = "2006-01-02T15:04:05.000000Z07:00"

_ELEMENT_KINDS = frozenset({_ARRAY, _MAP})
_CONTAINERS = frozenset({_OBJECT, _ARRAY, _MAP})

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


class _Plan:
    """How one schema position decodes; children are compiled on first use."""

    __slots__ = (
        "_elem",
        "_go_type",
        "bounds",
        "fields",
        "kind",
        "layout",
        "node",
        "open",
        "required",
        "struct",
    )

    def __init__(self, node: SchemaNode) -> None:
        self.node = node
        self.fields: dict[str, _Plan] = {}
        self._elem: _Plan | bool | None = False
        self._go_type: str | None = None
        self.struct = ""
        self.layout = ""
        self.bounds = _INT64
        self.open = False
        self.required: tuple[str, ...] = ()
        self.kind = self._classify(node)

    def _classify(self, node: SchemaNode) -> int:
        name = node.name
        if name == _QUANTITY_NAME:
            return _QUANTITY
        if name == _INT_OR_STRING or node.int_or_string or node.raw.get("format") == "int-or-string":
            return _INTSTR
        if name == _TIME_NAME:
            self.layout = _RFC3339
            return _TIME
        if name == _MICRO_TIME_NAME:
            self.layout = _RFC3339_MICRO
            return _TIME
        raw = node.raw
        types = node.types
        if "properties" in raw and (not types or "object" in types):
            self.struct = name.rsplit(".", 1)[-1] if name else ""
            self.open = node.preserve_unknown_fields
            self.required = tuple(node.required)
            return _OBJECT
        if node.preserve_unknown_fields or len(types) != 1:
            return _ANY
        (t,) = types
        if t == "object":
            return _MAP if isinstance(raw.get("additionalProperties"), dict) else _ANY
        if t == "array":
            return _ARRAY
        fmt = raw.get("format")
        if t == "string":
            if fmt == "byte":
                return _BYTES
            if fmt == "date-time":
                self.layout = _RFC3339
                return _TIME
            return _STRING
        if t == "integer":
            self.bounds = _INT32 if fmt == "int32" else _INT64
            return _INT
        if t == "number":
            return _FLOAT
        if t == "boolean":
            return _BOOL
        return _ANY

    # children
    def field(self, key: str) -> _Plan | None:
        """The plan of struct field (or map value) ``key``; None when the key is unknown."""
        found = self.fields.get(key)
        if found is not None:
            return found
        node = self.node
        if key not in node.properties and not isinstance(node.raw.get("additionalProperties"), dict):
            return None  # unknown: not cached, so junk keys cannot grow any cache
        child = node.prop(key)
        if child is None:
            return None
        plan = _plan(child)
        self.fields[key] = plan
        return plan

    def elem(self) -> _Plan | None:
        """Items of an array, values of a map (None: anything)."""
        if self._elem is False:
            node = self.node
            child = node.items() if self.kind == _ARRAY else node.additional()
            self._elem = _plan(child) if child is not None else None
        return self._elem  # type: ignore[return-value]

    @property
    def go_type(self) -> str:
        """The Go type's ``reflect.Type.String()`` (``v1.PodSpec``, ``[]v1.Container``, ``int32``)."""
        if self._go_type is None:
            self._go_type = self._compute_go_type()
        return self._go_type

    def _compute_go_type(self) -> str:
        kind = self.kind
        if kind in (_OBJECT, _ANY):
            name = self.node.name
            if name:
                parts = name.split(".")
                return f"{parts[-2]}.{parts[-1]}" if len(parts) > 1 else name
            return "struct {...}" if kind == _OBJECT else "interface {}"
        if kind in (_MAP, _ARRAY):
            elem = self.elem()
            inner = elem.go_type if elem is not None else "interface {}"
            return ("map[string]" if kind == _MAP else "[]") + inner
        return {
            _STRING: "string",
            _BYTES: "[]uint8",
            _INT: "int32" if self.bounds is _INT32 else "int64",
            _FLOAT: "float64",
            _BOOL: "bool",
            _INTSTR: "intstr.IntOrString",
            _QUANTITY: "resource.Quantity",
            _TIME: "v1.MicroTime" if self.layout == _RFC3339_MICRO else "v1.Time",
        }.get(kind, "interface {}")


_PLANS: dict[int, tuple[SchemaNode, _Plan]] = {}
_NAMED_PLANS: dict[tuple[int, str], _Plan] = {}


def _plan(node: SchemaNode) -> _Plan:
    """The (cached) plan of a schema node; plain references to one definition share a plan."""
    name = node.name
    if name is not None and node.defs.defs.get(name) is node.raw:
        key = (id(node.defs), name)
        found = _NAMED_PLANS.get(key)
        if found is None:
            found = _Plan(node)
            _NAMED_PLANS[key] = found
        return found
    entry = _PLANS.get(id(node))
    if entry is None or entry[0] is not node:
        entry = (node, _Plan(node))
        _PLANS[id(node)] = entry  # holding the node keeps its id from being reused
    return entry[1]


# --- decode-time type check -------------------------------------------------------------------


def _json_kind(value: Any) -> str:
    """encoding/json's name for a JSON value's type."""
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "number"


def _number_text(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _type_error(what: str, go_type: str, struct: str, field: str) -> str:
    if struct or field:
        return f"json: cannot unmarshal {what} into Go struct field {struct}.{field} of type {go_type}"
    return f"json: cannot unmarshal {what} into Go value of type {go_type}"


def decode_error_message(kind: str, api_version: str, error: str) -> str:
    """How the apiserver wraps a decode error of a body that named its kind."""
    version = api_version.rsplit("/", 1)[-1] if api_version else ""
    return f'{kind} in version "{version}" cannot be handled as a {kind}: {error}'


def check_types(obj: Any, node: SchemaNode, *, kind: str, api_version: str) -> str | None:
    """The error upstream's decoder would give for ``obj`` as the Go type of ``node``, or None.

    The message reads ``<Kind> in version "<v>" cannot be handled as a <Kind>: json: cannot
    unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`` and goes
    back as a 400 BadRequest. As in Go, a plain type mismatch is remembered while decoding goes
    on and the first one is reported, but a value with its own decoder (Quantity, IntOrString,
    Time) that fails stops decoding and wins. ``null`` is accepted everywhere (it means unset);
    unknown fields are not looked into (see :func:`unknown_fields`).
    """
    saved: list[str] = []
    aborted = _check(obj, _plan(node), "", "", saved)
    error = aborted if aborted is not None else (saved[0] if saved else None)
    if error is None:
        return None
    return decode_error_message(kind, api_version, error)


def _check(value: Any, plan: _Plan, struct: str, field: str, saved: list[str]) -> str | None:
    """Walk ``value``; type errors go to ``saved`` (first one counts), fatal ones are returned."""
    kind = plan.kind
    if kind == _OBJECT:
        if type(value) is not dict:
            if not saved:
                saved.append(_type_error(_json_kind(value), plan.go_type, struct, field))
            return None
        fields = plan.fields
        name = plan.struct
        for key, item in value.items():
            if item is None:
                continue
            child = fields.get(key) or plan.field(key)
            if child is None:
                continue
            ckind = child.kind
            if ckind == _STRING:
                if type(item) is not str and not saved:
                    saved.append(
                        _type_error(_json_kind(item), "string", name, f"{field}.{key}" if field else str(key))
                    )
                continue
            if ckind == _ANY:
                continue
            fatal = _check(item, child, name, f"{field}.{key}" if field else str(key), saved)
            if fatal is not None:
                return fatal
        return None
    if kind in _ELEMENT_KINDS:  # an array's items or a map's values
        items: Any
        if kind == _ARRAY:
            items = value if type(value) is list else None
        else:
            items = value.values() if type(value) is dict else None
        if items is None:
            if not saved:
                saved.append(_type_error(_json_kind(value), plan.go_type, struct, field))
            return None
        elem = plan.elem()
        if elem is None or elem.kind == _ANY:
            return None
        if elem.kind == _STRING:
            if not saved:
                for item in items:
                    if item is not None and type(item) is not str:
                        saved.append(_type_error(_json_kind(item), "string", struct, field))
                        break
            return None
        for item in items:
            if item is not None:
                fatal = _check(item, elem, struct, field, saved)
                if fatal is not None:
                    return fatal
        return None
    return _check_scalar(value, plan, struct, field, saved)


def _check_scalar(value: Any, plan: _Plan, struct: str, field: str, saved: list[str]) -> str | None:
    kind = plan.kind
    vtype = type(value)
    if kind == _STRING:
        if vtype is not str and not saved:
            saved.append(_type_error(_json_kind(value), "string", struct, field))
    elif kind == _INT:
        if vtype is int:
            lo, hi = plan.bounds
            if not lo <= value <= hi and not saved:
                saved.append(_type_error(f"number {value}", plan.go_type, struct, field))
        elif vtype is float:
            if not saved:
                saved.append(_type_error(f"number {_number_text(value)}", plan.go_type, struct, field))
        elif not saved:
            saved.append(_type_error(_json_kind(value), plan.go_type, struct, field))
    elif kind == _BOOL:
        if vtype is not bool and not saved:
            saved.append(_type_error(_json_kind(value), "bool", struct, field))
    elif kind == _FLOAT:
        if vtype is not int and vtype is not float and not saved:
            saved.append(_type_error(_json_kind(value), "float64", struct, field))
    elif kind == _INTSTR:
        # IntOrString.UnmarshalJSON: a quoted value is a string, anything else goes to int32
        # through encoding/json, whose errors carry no field context and stop decoding.
        if vtype is str:
            return None
        if vtype is int:
            if _INT32[0] <= value <= _INT32[1]:
                return None
            return _type_error(f"number {value}", "int32", "", "")
        if vtype is float:
            return _type_error(f"number {_number_text(value)}", "int32", "", "")
        return _type_error(_json_kind(value), "int32", "", "")
    elif kind == _QUANTITY:
        if vtype is str:
            return quantity_error(value.strip())
        if vtype is int or vtype is float:
            return quantity_error(_number_text(value))
        return _QUANTITY_FORMAT_WRONG
    elif kind == _TIME:
        if vtype is not str:
            return _type_error(_json_kind(value), "string", "", "")
        return time_error(value, plan.layout)
    elif kind == _BYTES:
        if vtype is str:
            if not saved:
                problem = _base64_error(value)
                if problem is not None:
                    saved.append(problem)
        elif not saved:
            saved.append(_type_error(_json_kind(value), "[]uint8", struct, field))
    return None


# --- resource.Quantity syntax (ParseQuantity) ---------------------------------------------------

_QUANTITY_FORMAT_WRONG = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
_QUANTITY_NUMERIC = "unable to parse numeric part of quantity"
_QUANTITY_SUFFIX = "unable to parse quantity's suffix"
_DIGITS = frozenset("0123456789")
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DEC_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")
_EXP_RE = re.compile(r"[+-]?[0-9]+")


def quantity_error(text: str) -> str | None:
    """``resource.ParseQuantity``'s error for ``text`` (None if it parses)."""
    if not text:
        return _QUANTITY_FORMAT_WRONG
    if text == "0":
        return None
    end = len(text)
    pos = 1 if text[0] in "+-" else 0
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return None
    i = pos
    while i < end and text[i] in _DIGITS:
        i += 1
    if i >= end:
        return None
    num = text[pos:i] or "0"
    pos = i
    denom = ""
    if text[pos] == ".":
        pos += 1
        i = pos
        while i < end and text[i] in _DIGITS:
            i += 1
        denom = text[pos:i]
        if i >= end:
            return None
        pos = i
    value = text[:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end:
        if text[pos] not in _DIGITS:
            return _QUANTITY_FORMAT_WRONG
        pos += 1
    suffix = text[suffix_start:]

    # suffix interpretation
    binary = False
    if suffix in _DECIMAL_SUFFIXES:
        exponent = _DECIMAL_SUFFIXES[suffix]
    elif suffix in _BINARY_SUFFIXES:
        exponent, binary = _BINARY_SUFFIXES[suffix], True
    elif len(suffix) > 1 and suffix[0] in "eE" and _EXP_RE.fullmatch(suffix[1:]) is not None:
        exponent = int(suffix[1:])
        if not _INT64[0] <= exponent <= _INT64[1]:
            return _QUANTITY_SUFFIX
        exponent = (exponent + 2**31) % 2**32 - 2**31  # Go truncates to int32
    else:
        return _QUANTITY_SUFFIX

    # fast path (int64 amount) or the arbitrary-precision one
    mantissa = 1
    if binary:
        scale = 0
        if exponent >= 0 and not denom:
            mantissa = 1 << exponent
            precision = 15 - len(num) - int(exponent * 3 / 10) - 1
        else:
            precision = -1
    else:
        scale = exponent
        precision = 18 - len(num) - len(denom)
    if precision >= 0:
        scale -= len(denom)
        if scale >= -9 and int(num + denom) * mantissa <= _INT64[1]:
            return None
    if _DEC_RE.fullmatch(value) is None:
        return _QUANTITY_NUMERIC
    return None


# --- metav1.Time syntax (time.Parse with RFC 3339 layouts) ---------------------------------------

# (literal prefix, standard element) pairs of the two layouts, as Go's nextStdChunk splits them
_LAYOUT_CHUNKS: dict[str, tuple[tuple[str, str], ...]] = {
    _RFC3339: (("", "2006"), ("-", "01"), ("-", "02"), ("T", "15"), (":", "04"), (":", "05"), ("", "Z07:00")),
    _RFC3339_MICRO: (
        ("", "2006"),
        ("-", "01"),
        ("-", "02"),
        ("T", "15"),
        (":", "04"),
        (":", "05"),
        ("", ".000000"),
        ("", "Z07:00"),
    ),
}


def _go_time_quote(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch >= "\x80" or ch < " ":
            for byte in ch.encode("utf-8", "surrogatepass"):
                out.append(f"\\x{byte:02x}")
        else:
            if ch in '"\\':
                out.append("\\")
            out.append(ch)
    out.append('"')
    return "".join(out)


def _is_digit(text: str, i: int) -> bool:
    return i < len(text) and "0" <= text[i] <= "9"


def _getnum(text: str, fixed: bool) -> tuple[int, str] | None:
    if not _is_digit(text, 0):
        return None
    if not _is_digit(text, 1):
        if fixed:
            return None
        return int(text[0]), text[1:]
    return int(text[:2]), text[2:]


def _atoi(text: str) -> int | None:
    neg = False
    if text and text[0] in "+-":
        neg = text[0] == "-"
        text = text[1:]
    if not text:
        return 0  # Go's leadingInt accepts the empty string
    if not (text.isascii() and text.isdigit()):
        return None
    n = int(text)
    return -n if neg else n


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def time_error(value: str, layout: str = _RFC3339) -> str | None:
    """``time.Parse(layout, value)``'s error (None if it parses), for the RFC 3339 layouts."""
    quoted = _go_time_quote(value)

    def cannot(value_elem: str, layout_elem: str) -> str:
        return (
            f"parsing time {quoted} as {_go_time_quote(layout)}: cannot parse "
            f"{_go_time_quote(value_elem)} as {_go_time_quote(layout_elem)}"
        )

    rest = value
    year = month = day = 0
    for prefix, std in _LAYOUT_CHUNKS[layout]:
        for ch in prefix:
            if not rest or rest[0] != ch:
                return cannot(rest, prefix)
            rest = rest[1:]
        hold = rest
        bad = False
        out_of_range = ""
        if std == "2006":
            got = _atoi(rest[:4]) if len(rest) >= 4 else None
            if got is None:
                bad = True
            else:
                year, rest = got, rest[4:]
        elif std in ("01", "02", "15", "04", "05"):
            num = _getnum(rest, std != "15")
            if num is None:
                bad = True
            else:
                n, rest = num
                if std == "01":
                    month = n
                    if not 1 <= n <= 12:
                        out_of_range = "month"
                elif std == "02":
                    day = n
                elif std == "15" and n >= 24:
                    out_of_range = "hour"
                elif std == "04" and n >= 60:
                    out_of_range = "minute"
                elif std == "05":
                    if n >= 60:
                        out_of_range = "second"
                    elif layout == _RFC3339 and len(rest) >= 2 and rest[0] in ".," and _is_digit(rest, 1):
                        # a fractional second the layout does not mention is accepted
                        j = 2
                        while _is_digit(rest, j):
                            j += 1
                        rest = rest[j:]
        elif std == ".000000":
            if len(rest) < 7 or rest[0] not in ".," or _atoi(rest[1:7]) is None:
                bad = True
            else:
                rest = rest[7:]
        else:  # Z07:00
            if rest[:1] == "Z":
                rest = rest[1:]
            elif len(rest) < 6 or rest[3] != ":":
                bad = True
            else:
                sign, hh, mm, rest = rest[0], rest[1:3], rest[4:6], rest[6:]
                hour_num, minute_num = _getnum(hh, True), _getnum(mm, True)
                if hour_num is None or minute_num is None:
                    bad = True
                else:
                    if hour_num[0] > 24:
                        out_of_range = "time zone offset hour"
                    if minute_num[0] > 60:
                        out_of_range = "time zone offset minute"
                    if sign not in "+-":
                        bad = True
        if out_of_range:
            return f"parsing time {quoted}: {out_of_range} out of range"
        if bad:
            return cannot(hold, std)
    if rest:
        return f"parsing time {quoted}: extra text: {_go_time_quote(rest)}"
    if not 1 <= day <= _days_in(month, year):
        return f"parsing time {quoted}: day out of range"
    return None


# --- []byte (encoding/base64 StdEncoding) --------------------------------------------------------

_B64_CANONICAL = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_B64_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def _base64_error(text: str) -> str | None:
    """``base64.StdEncoding.Decode``'s error (None if it decodes)."""
    if _B64_CANONICAL.fullmatch(text) is not None:
        return None
    src = text.encode("utf-8", "surrogatepass")
    n = len(src)
    si = 0
    while si < n:
        j = 0
        while j < 4:
            if si == n:
                if j == 0:
                    return None
                return f"illegal base64 data at input byte {si - j}"
            ch = src[si]
            si += 1
            if ch in _B64_ALPHABET:
                j += 1
                continue
            if ch in (10, 13):
                continue
            if ch != 61 or j < 2:  # not '=', or padding too early
                return f"illegal base64 data at input byte {si - 1}"
            if j == 2:  # a second '=' must follow (newlines allowed between)
                while si < n and src[si] in (10, 13):
                    si += 1
                if si == n:
                    return f"illegal base64 data at input byte {n}"
                if src[si] != 61:
                    return f"illegal base64 data at input byte {si - 1}"
                si += 1
            while si < n and src[si] in (10, 13):
                si += 1
            if si < n:
                return f"illegal base64 data at input byte {si}"
            return None
    return None


# --- unknown fields -------------------------------------------------------------------------------


def unknown_fields(obj: Any, node: SchemaNode) -> list[str]:
    """Paths of fields the schema does not know, as strict decoding reports them.

    Paths read ``spec.foo``, ``spec.containers[0].foo``, ``metadata.labels`` keys are not fields;
    struct fields inside map values read ``spec.someMap.key.foo`` (map keys join with a dot, as
    in ``sigs.k8s.io/json``). Upstream's message for each is ``unknown field "<path>"``. The walk
    does not go into values with their own decoders (Quantity, IntOrString, Time, RawExtension,
    FieldsV1), preserve-unknown-fields objects, nor into values of the wrong type.
    """
    found: list[str] = []
    _unknown(obj, _plan(node), "", found, False)
    return found


def strip_unknown_fields(obj: Any, node: SchemaNode) -> None:
    """Drop, in place, every field :func:`unknown_fields` would name (non-strict decoding)."""
    _unknown(obj, _plan(node), "", None, True)


def _unknown(value: Any, plan: _Plan, path: str, found: list[str] | None, strip: bool) -> None:
    kind = plan.kind
    if kind == _OBJECT:
        if type(value) is not dict:
            return
        drop: list[str] | None = None
        for key, item in value.items():
            child = plan.fields.get(key) or plan.field(key)
            if child is None:
                if plan.open:
                    continue
                if found is not None:
                    found.append(f"{path}.{key}" if path else str(key))
                if strip:
                    if drop is None:
                        drop = []
                    drop.append(key)
                continue
            if item is None or child.kind not in _CONTAINERS:
                continue
            _unknown(item, child, f"{path}.{key}" if path else str(key), found, strip)
        if drop:
            for key in drop:
                del value[key]
    elif kind in _ELEMENT_KINDS:
        elem = _fields_elem(value, plan)
        if elem is None:
            return
        if kind == _ARRAY:
            for i, item in enumerate(value):
                if item is not None:
                    _unknown(item, elem, f"{path}[{i}]", found, strip)
        else:  # map values read like struct fields
            for key, item in value.items():
                if item is not None:
                    _unknown(item, elem, f"{path}.{key}" if path else str(key), found, strip)


def _fields_elem(value: Any, plan: _Plan) -> _Plan | None:
    """For the field walks: the element plan of an array or map ``value``; None when ``value``
    has the wrong type or its elements cannot hold fields (nothing to walk into)."""
    if type(value) is not (list if plan.kind == _ARRAY else dict):
        return None
    elem = plan.elem()
    if elem is None or elem.kind not in _CONTAINERS:
        return None
    return elem


# --- required fields ------------------------------------------------------------------------------


def required_fields(obj: Any, node: SchemaNode, path: str = "") -> list[FieldError]:
    """``Required`` errors for fields in the schema's ``required`` lists that are missing or null.

    Paths are written like upstream's ``field.Path``: ``spec.containers[0].name``, and map values
    ``spec.nodeSelector[key]``. Objects of the wrong type are skipped (``check_types`` reports them).
    """
    errs: list[FieldError] = []
    _required(obj, _plan(node), path, errs)
    return errs


def _required(value: Any, plan: _Plan, path: str, errs: list[FieldError]) -> None:
    kind = plan.kind
    if kind == _OBJECT:
        if type(value) is not dict:
            return
        for name in plan.required:
            if value.get(name) is None:
                errs.append(FieldError("Required", f"{path}.{name}" if path else name))
        for key, item in value.items():
            if item is None:
                continue
            child = plan.fields.get(key) or plan.field(key)
            if child is not None and child.kind in _CONTAINERS:
                _required(item, child, f"{path}.{key}" if path else str(key), errs)
    elif kind in _ELEMENT_KINDS:
        elem = _fields_elem(value, plan)
        if elem is not None:
            for key, item in enumerate(value) if kind == _ARRAY else value.items():
                if item is not None:  # array items and map values alike read path[key]
                    _required(item, elem, f"{path}[{key}]", errs)


# --- nesting guard --------------------------------------------------------------------------------

DEFAULT_MAX_DEPTH = 256
"""Deepest nesting of objects/arrays accepted in a body.

Go's JSON scanner stops at 10000 levels ("exceeded max depth"), but the walks in this module (and
elsewhere in kapi) recurse once per level and Python's default recursion limit is 1000 frames,
so kapi refuses much earlier. No built-in kind nests anywhere near this: a Pod is about 12 levels
deep; the deepest legitimate bodies are CustomResourceDefinitions, whose OpenAPI schemas add two
levels per nested property (``properties`` → name) and whose ``managedFields`` mirror that, and
even large real-world CRDs stay under ~100. 256 leaves them headroom while keeping every
recursive walk far from the interpreter's limit.
"""


def check_depth(obj: Any, max_depth: int = DEFAULT_MAX_DEPTH) -> str | None:
    """An error message if objects/arrays nest more than ``max_depth`` levels, else None.

    Iterative (never recurses itself). The top-level object is level 1, as in Go's scanner,
    whose wording the message follows (``invalid character '{' exceeded max depth``).
    """
    if not isinstance(obj, dict | list):
        return None
    stack: list[tuple[Any, int]] = [(obj, 1)]
    pop = stack.pop
    push = stack.append
    while stack:
        value, depth = pop()
        if depth > max_depth:
            return f"invalid character '{'{' if isinstance(value, dict) else '['}' exceeded max depth"
        children = value.values() if isinstance(value, dict) else value
        deeper = depth + 1
        for child in children:
            if isinstance(child, dict | list):
                push((child, deeper))
    return None
