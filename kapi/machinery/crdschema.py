"""Custom objects against their CRD's ``openAPIV3Schema``: validation, defaulting and pruning.

Upstream (Kubernetes 1.33) validates custom resources with kube-openapi's fork of go-openapi's
``validate`` package and converts its errors to field errors in apiextensions-apiserver's
``validation.go``; defaulting and pruning follow ``pkg/apiserver/schema/{defaulting,pruning}``.
The messages here are those the apiserver returns, e.g.
``spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"``.

Schemas are compiled once (:func:`compile`) into a tree of :class:`_Node` with regexes, enum
sets and per-kind flags precomputed, so that validating a typical object touches only the checks
its schema declares. Paths use upstream's spelling: ``spec.items[0].name``.
"""

from __future__ import annotations

import base64
import binascii
import copy
import ipaddress
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

from kapi.machinery.errors import FieldError
from kapi.machinery.names import is_dns1035_label, name_is_path_segment
from kapi.machinery.objectmeta import validate_object_meta

__all__ = ["CompiledSchema", "apply_defaults", "check_format", "compile", "go_float", "prune", "validate"]

_KIND: dict[type, str] = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer",
                          float: "number"}
_META_FIELDS = frozenset({"apiVersion", "kind", "metadata"})


def go_float(value: float | int) -> str:
    """A float64 as Go's ``%v`` prints it (``1e+06``, ``0.5``, ``3``)."""
    f = float(value)
    if f != f or f in (float("inf"), float("-inf")):
        return {"inf": "+Inf", "-inf": "-Inf"}.get(repr(f), "NaN")
    if f == 0:
        return "0"
    sign, digits, exponent = Decimal(repr(f)).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    exp10 = exponent + len(text) - 1
    prefix = "-" if sign else ""
    if exp10 < -4 or exp10 >= 6:
        mant = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{prefix}{mant}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
    return prefix + format(Decimal(repr(abs(f))).normalize(), "f")


# --- formats (strfmt's, as far as they are cheap to check) -----------------------------------

_UUID_RE = re.compile(r"(?i)[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
_UUID_V_RE = {v: re.compile(rf"(?i)[0-9a-f]{{8}}-[0-9a-f]{{4}}-{v}[0-9a-f]{{3}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}")
              for v in "345"}
_EMAIL_RE = re.compile(r"[^@\s<>]+@[^@\s<>]+")
_HOSTNAME_RE = re.compile(
    r"(?i)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*\.?"
)
_DATETIME_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?"
)
_DURATION_RE = re.compile(r"[-+]?((\d+(\.\d*)?|\.\d+)\s*(ns|us|µs|ms|s|m|h|d|w)\s*)+|0")
_MAC_RE = re.compile(r"(?i)([0-9a-f]{2}[:-]){5}[0-9a-f]{2}|([0-9a-f]{4}\.){2}[0-9a-f]{4}")
_HEXCOLOR_RE = re.compile(r"#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})")
_BSON_RE = re.compile(r"[0-9a-fA-F]{24}")
_URI_BAD_RE = re.compile(r"[\s\x00-\x1f]|%(?![0-9A-Fa-f]{2})")


def _is_date(v: str) -> bool:
    try:
        date.fromisoformat(v)
    except ValueError:
        return False
    return len(v) == 10


def _is_datetime(v: str) -> bool:
    m = _DATETIME_RE.fullmatch(v)
    if m is None:
        return False
    if v.isascii():
        # what constructing the datetime checks, cheaper: the text starts with YYYY-MM-DD, which
        # date.fromisoformat validates, and two-digit ASCII strings compare as their numbers
        if not (m.group(4) < "24" and m.group(5) < "60" and m.group(6) < "60"):
            return False
        try:
            date.fromisoformat(v[:10])
        except ValueError:
            return False
        return True
    try:  # \d also matches non-ASCII digits, which int() reads
        datetime(*map(int, m.group(1, 2, 3, 4, 5, 6)))
    except ValueError:
        return False
    return True


def _is_byte(v: str) -> bool:
    try:
        base64.b64decode(v, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _is_ip(v: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(v).version == version
    except ValueError:
        return False


def _is_cidr(v: str) -> bool:
    try:
        ipaddress.ip_network(v, strict=False)
    except ValueError:
        return False
    return "/" in v


_FORMATS = {
    "uuid": lambda v: _UUID_RE.fullmatch(v) is not None,
    "uuid3": lambda v: _UUID_V_RE["3"].fullmatch(v) is not None,
    "uuid4": lambda v: _UUID_V_RE["4"].fullmatch(v) is not None,
    "uuid5": lambda v: _UUID_V_RE["5"].fullmatch(v) is not None,
    "email": lambda v: _EMAIL_RE.fullmatch(v) is not None,
    "hostname": lambda v: len(v) <= 255 and _HOSTNAME_RE.fullmatch(v) is not None,
    "ipv4": lambda v: _is_ip(v, 4),
    "ipv6": lambda v: _is_ip(v, 6),
    "cidr": _is_cidr,
    "mac": lambda v: _MAC_RE.fullmatch(v) is not None,
    "uri": lambda v: bool(v) and _URI_BAD_RE.search(v) is None,
    "date": _is_date,
    "datetime": _is_datetime,
    "byte": _is_byte,
    "duration": lambda v: _DURATION_RE.fullmatch(v) is not None,
    "hexcolor": lambda v: _HEXCOLOR_RE.fullmatch(v) is not None,
    "bsonobjectid": lambda v: _BSON_RE.fullmatch(v) is not None,
}


def check_format(name: str, value: str) -> bool:
    """Whether ``value`` is a valid string of format ``name`` (unknown formats always are)."""
    check = _FORMATS.get(name.lower().replace("-", "").replace("_", ""))
    return True if check is None else check(value)


def _go_regex(pattern: str) -> re.Pattern[str] | None:
    """Compile an RE2 pattern with Python's engine (``\\z`` becomes ``\\Z``); None if invalid."""
    try:
        return re.compile(pattern.replace(r"\z", r"\Z"))
    except (re.error, TypeError):
        return None


def _key(value: Any) -> Any:
    """A hashable identity for a JSON value that keeps 1, 1.0 and true apart as Go does."""
    t = type(value)
    if t is dict or t is list:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    if t is float and value.is_integer():
        return ("n", int(value))
    if t is int:
        return ("n", value)
    return (t.__name__, value)


def _type_error(path: str, types: str, actual: str, value: Any = None) -> FieldError:
    shown = actual if value is None else value
    return FieldError("Invalid", path, f'{path} in body must be of type {types}: "{shown}"', shown)


class _Node:
    """One compiled schema node."""

    __slots__ = (
        "accept", "additional", "all_of", "any_of", "comp", "default", "defaulted", "defaults_below", "embedded",
        "enum", "enum_keys", "enum_shown", "exclusive_max", "exclusive_min", "format", "has_default", "int_ok",
        "items", "list_type", "map_keys", "max_items", "max_length", "max_props", "maximum", "min_items",
        "min_length", "min_props", "minimum", "multiple_of", "not_", "nullable", "num_checks", "obj_checks",
        "one_of", "pattern", "pattern_src", "plain_object", "preserve", "properties", "required", "required_set",
        "str_checks", "str_ok", "trivial", "type_name", "types", "unique",
    )

    def __init__(self, s: dict[str, Any]) -> None:
        if not isinstance(s, dict):
            s = {}
        int_or_string = bool(s.get("x-kubernetes-int-or-string"))
        t = s.get("type")
        if int_or_string:
            self.types: frozenset[str] | None = frozenset({"integer", "string"})
            self.type_name = "integer,string"
        elif isinstance(t, str) and t:
            self.types = frozenset({t, "integer"}) if t == "number" else frozenset({t})
            self.type_name = t
        else:
            self.types, self.type_name = None, ""
        self.nullable = bool(s.get("nullable"))
        fmt = s.get("format")
        self.format = fmt if isinstance(fmt, str) and fmt else None
        enum = s.get("enum")
        self.enum = list(enum) if isinstance(enum, list) and enum else None
        self.enum_keys = frozenset(_key(e) for e in self.enum) if self.enum else frozenset()
        self.enum_shown = tuple(e if isinstance(e, str) else orjson.dumps(e).decode() for e in self.enum or ())
        pattern = s.get("pattern")
        self.pattern_src = pattern if isinstance(pattern, str) else None
        self.pattern = _go_regex(pattern) if isinstance(pattern, str) else None
        self.minimum = _num(s.get("minimum"))
        self.maximum = _num(s.get("maximum"))
        self.exclusive_min = bool(s.get("exclusiveMinimum"))
        self.exclusive_max = bool(s.get("exclusiveMaximum"))
        self.multiple_of = _num(s.get("multipleOf"))
        self.min_length, self.max_length = _int(s.get("minLength")), _int(s.get("maxLength"))
        self.min_items, self.max_items = _int(s.get("minItems")), _int(s.get("maxItems"))
        self.unique = bool(s.get("uniqueItems"))
        self.min_props, self.max_props = _int(s.get("minProperties")), _int(s.get("maxProperties"))
        req = s.get("required")
        self.required = tuple(r for r in req if isinstance(r, str)) if isinstance(req, list) else ()
        props = s.get("properties")
        self.properties: dict[str, _Node] = (
            {k: _Node(v) for k, v in props.items()} if isinstance(props, dict) else {}
        )
        add = s.get("additionalProperties")
        self.additional: _Node | None = _Node(add) if isinstance(add, dict) else None
        items = s.get("items")
        self.items: _Node | None = _Node(items) if isinstance(items, dict) else None
        self.all_of = _nodes(s.get("allOf"))
        self.any_of = _nodes(s.get("anyOf"))
        self.one_of = _nodes(s.get("oneOf"))
        self.not_: _Node | None = _Node(s["not"]) if isinstance(s.get("not"), dict) else None
        self.preserve = bool(s.get("x-kubernetes-preserve-unknown-fields"))
        self.embedded = bool(s.get("x-kubernetes-embedded-resource"))
        lt = s.get("x-kubernetes-list-type")
        self.list_type = lt if lt in ("set", "map") else None
        keys = s.get("x-kubernetes-list-map-keys")
        self.map_keys = tuple(k for k in keys if isinstance(k, str)) if isinstance(keys, list) else ()
        self.has_default = "default" in s and s["default"] is not None
        self.default = s.get("default")
        self.str_checks = (self.min_length is not None or self.max_length is not None
                           or self.pattern_src is not None or self.format is not None)
        self.num_checks = (self.minimum is not None or self.maximum is not None or self.multiple_of is not None)
        self.comp = bool(self.all_of or self.any_of or self.one_of or self.not_ is not None)
        # properties with a default, so that defaulting an object does not scan every property
        self.defaulted = tuple((k, p) for k, p in self.properties.items() if p.has_default)
        # Python types of scalar values for which validate() provably adds no error: a plain
        # ``type: string|integer|number|boolean`` leaf without enum, composition or bounds. Callers test
        # ``type(v) in node.trivial`` to skip the call entirely (most fields of a typical object).
        trivial: set[type] = set()
        if self.types is not None and self.enum is None and not self.comp:
            if "string" in self.types and not self.str_checks:
                trivial.add(str)
            if "integer" in self.types and not self.num_checks:
                trivial.add(int)
            if "number" in self.types and not self.num_checks:
                trivial.add(float)
            if "boolean" in self.types:
                trivial.add(bool)
        self.trivial = frozenset(trivial)
        self.accept = self._accept()
        # accept() for str values only; a C-level callable where the node checks only a pattern or
        # only string enum members (pattern.search returns a match, always truthy, or None)
        self.str_ok: Callable[[str], Any] | None = self.accept
        if self.accept is not None and self.types == frozenset({"string"}) and self.format is None \
                and self.min_length is None and self.max_length is None:
            if self.enum is None and self.pattern is not None:
                self.str_ok = self.pattern.search
            elif self.pattern_src is None and self.enum is not None:
                self.str_ok = frozenset(e for e in self.enum if type(e) is str).__contains__
        # likewise for int values: integer bounds as a range (a huge int outside the stand-in bounds
        # is merely not accepted here, and validate() then judges it)
        self.int_ok: Callable[[int], Any] | None = self.accept
        if self.accept is not None and self.types == frozenset({"integer"}) and all(
                b is None or type(b) is int for b in (self.minimum, self.maximum)):
            lo = -(2 ** 63) if self.minimum is None else self.minimum + (1 if self.exclusive_min else 0)
            hi = 2 ** 63 if self.maximum is None else self.maximum - (1 if self.exclusive_max else 0)
            self.int_ok = range(lo, hi + 1).__contains__
        # whether apply_defaults can change anything at or below this node: only defaults assign
        self.defaults_below = (
            bool(self.defaulted) or any(p.defaults_below for p in self.properties.values())
            or (self.additional is not None and (self.additional.has_default or self.additional.defaults_below))
            or (self.items is not None and (self.items.has_default or self.items.defaults_below))
        )
        # a dict under a plain object node needs only _object (validate's other checks cannot fire)
        self.plain_object = self.types == frozenset({"object"}) and not self.comp and self.enum is None
        self.obj_checks = self.max_props is not None or self.min_props is not None
        self.required_set = frozenset(self.required)

    def _accept(self) -> Callable[[Any], bool] | None:
        """A cheap predicate that is true only of values :meth:`validate` finds no error in, for
        string and integer leaves with bounds, patterns or enums; callers try it first and validate
        (which builds the error messages) only when it says no. None where no shortcut applies."""
        if self.comp or self.types is None:
            return None
        if self.types == frozenset({"string"}):
            if self.pattern_src is not None and self.pattern is None:
                return None
            search = self.pattern.search if self.pattern is not None else None
            enum = frozenset(e for e in self.enum if type(e) is str) if self.enum is not None else None
            mn, mx = self.min_length, self.max_length
            fmt = _FORMATS.get(self.format.lower().replace("-", "").replace("_", "")) if self.format else None

            def accept_str(v: Any) -> bool:
                return (type(v) is str and (enum is None or v in enum) and (search is None or search(v) is not None)
                        and (mn is None or len(v) >= mn) and (mx is None or len(v) <= mx)
                        and (fmt is None or fmt(v)))
            return accept_str
        if self.types == frozenset({"integer"}) and self.enum is None and self.multiple_of is None:
            lo, hi, ex_lo, ex_hi = self.minimum, self.maximum, self.exclusive_min, self.exclusive_max

            def accept_int(v: Any) -> bool:
                return (type(v) is int and (lo is None or (v > lo if ex_lo else v >= lo))
                        and (hi is None or (v < hi if ex_hi else v <= hi)))
            return accept_int
        return None

    # --- validation ----------------------------------------------------------------------------

    def validate(self, v: Any, path: str, errs: list[FieldError], root: bool = False) -> None:
        if type(v) in self.trivial:
            return
        if v is None:
            if self.types is not None and not self.nullable:
                errs.append(_type_error(path, self.type_name, "null"))
            return
        kind = _KIND.get(type(v))
        if kind is None:
            kind = "object" if isinstance(v, dict) else "array" if isinstance(v, list) else "string"
        types = self.types
        if types is not None and kind not in types and not (
            kind == "number" and "integer" in types and v.is_integer()
        ):
            errs.append(_type_error(path, self.type_name, kind))
        if self.comp:
            self._composition(v, path, errs)
        if kind == "string":
            if self.str_checks:
                self._string(v, path, errs)
        elif kind == "integer" or kind == "number":
            if self.num_checks:
                self._number(v, path, errs)
        elif kind == "array":
            self._array(v, path, errs)
        if self.enum is not None and (("str", v) if kind == "string" and type(v) is str else _key(v)) \
                not in self.enum_keys:
            errs.append(FieldError("NotSupported", path, value=v, supported=self.enum_shown))
        if kind == "object":
            self._object(v, path, errs, root)

    def _composition(self, v: Any, path: str, errs: list[FieldError]) -> None:
        for sub in self.all_of:
            sub_errs: list[FieldError] = []
            sub.validate(v, path, sub_errs)
            if sub_errs:
                errs.extend(sub_errs)
                errs.append(FieldError("Invalid", path, f"{path} must validate all the schemas (allOf)", ""))
        if self.any_of:
            best: list[FieldError] | None = None
            for sub in self.any_of:
                sub_errs = []
                sub.validate(v, path, sub_errs)
                if not sub_errs:
                    best = None
                    break
                if best is None or len(sub_errs) < len(best):
                    best = sub_errs
            if best is not None:
                errs.append(FieldError("Invalid", path, f"{path} must validate at least one schema (anyOf)", ""))
                errs.extend(best)
        if self.one_of:
            valid, best = 0, None
            for sub in self.one_of:
                sub_errs = []
                sub.validate(v, path, sub_errs)
                if not sub_errs:
                    valid += 1
                elif best is None or len(sub_errs) < len(best):
                    best = sub_errs
            if valid == 0:
                errs.append(FieldError("Invalid", path, f"{path} must validate one and only one schema (oneOf)", ""))
                errs.extend(best or ())
            elif valid > 1:
                errs.append(FieldError("Invalid", path, f"{path} must validate one and only one schema (oneOf). "
                                                        f"Found {valid} valid alternatives", ""))
        if self.not_ is not None:
            sub_errs = []
            self.not_.validate(v, path, sub_errs)
            if not sub_errs:
                errs.append(FieldError("Invalid", path, f"{path} must not validate the schema (not)", ""))

    def _string(self, v: str, path: str, errs: list[FieldError]) -> None:
        if self.max_length is not None or self.min_length is not None:
            n = len(v)
            if self.max_length is not None and n > self.max_length:
                unit = "byte" if self.max_length == 1 else "bytes"
                errs.append(FieldError("TooLong", path, f"may not be more than {self.max_length} {unit}", v))
            if self.min_length is not None and n < self.min_length:
                errs.append(FieldError("Invalid", path, f"{path} in body should be at least {self.min_length} "
                                                        "chars long", v))
        if self.pattern_src is not None and (self.pattern is None or self.pattern.search(v) is None):
            errs.append(FieldError("Invalid", path, f"{path} in body should match '{self.pattern_src}'", v))
        if self.format is not None and not check_format(self.format, v):
            errs.append(_type_error(path, self.format, "", v))

    def _number(self, v: float, path: str, errs: list[FieldError]) -> None:
        if self.multiple_of is not None and self.multiple_of > 0:
            q = v / self.multiple_of
            if not float(q).is_integer():
                errs.append(FieldError("Invalid", path, f"{path} in body should be a multiple of "
                                                        f"{go_float(self.multiple_of)}", v))
        mx = self.maximum
        if mx is not None and (v >= mx if self.exclusive_max else v > mx):
            word = "less than" if self.exclusive_max else "less than or equal to"
            errs.append(FieldError("Invalid", path, f"{path} in body should be {word} {go_float(mx)}", v))
        mn = self.minimum
        if mn is not None and (v <= mn if self.exclusive_min else v < mn):
            word = "greater than" if self.exclusive_min else "greater than or equal to"
            errs.append(FieldError("Invalid", path, f"{path} in body should be {word} {go_float(mn)}", v))

    def _array(self, v: list[Any], path: str, errs: list[FieldError]) -> None:
        n = len(v)
        if self.min_items is not None and n < self.min_items:
            errs.append(FieldError("Invalid", path, f"{path} in body should have at least {self.min_items} items", n))
        if self.max_items is not None and n > self.max_items:
            errs.append(FieldError("TooMany", path, f"{n}: must have at most {self.max_items} items"))
        if self.unique and n > 1 and len({_key(x) for x in v}) != n:
            errs.append(FieldError("Invalid", path, f"{path} in body shouldn't contain duplicates", ""))
        items = self.items
        if items is not None:
            trivial, accept, str_ok = items.trivial, items.accept, items.str_ok
            for i, x in enumerate(v):
                t = type(x)
                if t in trivial:
                    continue
                if t is dict and items.plain_object:
                    items._object(x, f"{path}[{i}]", errs, False)
                    continue
                ok = str_ok if t is str else accept
                if ok is None or not ok(x):
                    items.validate(x, f"{path}[{i}]", errs)
        if self.list_type == "set":
            seen: set[Any] = set()
            for i, x in enumerate(v):
                k = _key(x)
                if k in seen:
                    errs.append(FieldError("Duplicate", f"{path}[{i}]", value=x))
                seen.add(k)
        elif self.list_type == "map" and self.map_keys:
            self._list_map(v, path, errs)

    def _list_map(self, v: list[Any], path: str, errs: list[FieldError]) -> None:
        seen_keys: set[Any] = set()
        item_props = self.items.properties if self.items is not None else {}
        for i, x in enumerate(v):
            if not isinstance(x, dict):
                continue
            values: dict[str, Any] = {}
            missing = False
            for k in self.map_keys:
                if k in x:
                    values[k] = x[k]
                elif k in item_props and item_props[k].has_default:
                    values[k] = item_props[k].default
                else:
                    errs.append(FieldError("Required", f"{path}[{i}].{k}"))
                    missing = True
            if missing:
                continue
            key = tuple(_key(values[k]) for k in self.map_keys)
            if key in seen_keys:
                errs.append(FieldError("Duplicate", f"{path}[{i}]", value=values))
            seen_keys.add(key)

    def _object(self, v: dict[str, Any], path: str, errs: list[FieldError], root: bool) -> None:
        prefix = path + "." if path else ""
        if self.obj_checks:
            self._object_counts(v, path, errs)
        if self.required and not v.keys() >= self.required_set:  # a C-level test for the common case
            for r in self.required:
                if r not in v:
                    errs.append(FieldError("Required", prefix + r))
        props, additional = self.properties, self.additional
        for k, x in v.items():
            if root and k in _META_FIELDS:
                want = "object" if k == "metadata" else "string"
                if x is not None and _KIND.get(type(x)) != want:
                    errs.append(_type_error(prefix + k, want, _KIND.get(type(x), "string")))
                continue
            sub = props.get(k, additional)
            if sub is None:
                continue
            t = type(x)
            if t in sub.trivial:
                continue
            if t is str:
                if sub.str_ok is None or not sub.str_ok(x):
                    sub.validate(x, prefix + k, errs)
            elif t is dict and sub.plain_object:
                sub._object(x, prefix + k, errs, False)
            elif t is int:
                if sub.int_ok is None or not sub.int_ok(x):
                    sub.validate(x, prefix + k, errs)
            elif sub.accept is None or not sub.accept(x):
                sub.validate(x, prefix + k, errs)
        if self.embedded:
            _validate_embedded(v, path, errs)

    def _object_counts(self, v: dict[str, Any], path: str, errs: list[FieldError]) -> None:
        if self.max_props is not None and len(v) > self.max_props:
            errs.append(FieldError("TooMany", path, f"{len(v)}: must have at most {self.max_props} items"))
        if self.min_props is not None and len(v) < self.min_props:
            errs.append(FieldError("Invalid", path, f"{path} in body should have at least {self.min_props} "
                                                    "properties", len(v)))

    # --- defaulting and pruning ----------------------------------------------------------------

    def apply_defaults(self, x: Any) -> None:
        if not self.defaults_below:
            return
        if type(x) is dict:
            for k, prop in self.defaulted:
                if k not in x or (x[k] is None and not prop.nullable):
                    x[k] = copy.deepcopy(prop.default)
            props, additional = self.properties, self.additional
            for k, v in x.items():
                sub = props.get(k)
                if sub is not None:
                    # scalars and default-free subtrees have nothing to default: skip the call
                    if sub.defaults_below and (type(v) is dict or type(v) is list):
                        sub.apply_defaults(v)
                elif additional is not None:
                    if v is None and additional.has_default and not additional.nullable:
                        x[k] = v = copy.deepcopy(additional.default)
                    additional.apply_defaults(v)
        elif type(x) is list and self.items is not None:
            items = self.items
            for i, v in enumerate(x):
                if v is None and items.has_default and not items.nullable:
                    x[i] = v = copy.deepcopy(items.default)
                items.apply_defaults(v)

    def prune(self, x: Any, path: str, pruned: list[str], resource_root: bool = False) -> None:
        if self.preserve:
            self._skip_prune(x, path, pruned)
            return
        if type(x) is dict:
            prefix = path + "." if path else ""
            props, additional = self.properties, self.additional
            skip_meta = self.embedded or resource_root
            unknown = None
            for k, v in x.items():
                if skip_meta and k in _META_FIELDS:
                    continue
                sub = props.get(k, additional)
                if sub is not None:
                    # pruning a scalar is a no-op (whatever the schema): skip the call and its path
                    t = type(v)
                    if t is dict or t is list:
                        sub.prune(v, prefix + k, pruned, sub.embedded)
                else:
                    pruned.append(prefix + k)
                    if unknown is None:
                        unknown = []
                    unknown.append(k)
            if unknown is not None:  # deleted after the loop, which iterates x itself
                for k in unknown:
                    del x[k]
        elif type(x) is list:
            items = self.items
            for i, v in enumerate(x):
                if type(v) is not dict and type(v) is not list:
                    continue  # scalars: nothing to prune (as in _prune_all)
                if items is None:
                    _prune_all(v, f"{path}[{i}]", pruned)
                else:
                    items.prune(v, f"{path}[{i}]", pruned, items.embedded)

    def _skip_prune(self, x: Any, path: str, pruned: list[str]) -> None:
        if type(x) is dict:
            prefix = path + "." if path else ""
            for k, v in x.items():
                if self.embedded and k in _META_FIELDS:
                    continue
                sub = self.properties.get(k)
                if sub is not None:
                    sub.prune(v, prefix + k, pruned, sub.embedded)
                elif self.additional is not None:
                    self.additional.prune(v, prefix + k, pruned, self.additional.embedded)
        elif type(x) is list and self.items is not None:
            for i, v in enumerate(x):
                self.items._skip_prune(v, f"{path}[{i}]", pruned)


def _prune_all(x: Any, path: str, pruned: list[str]) -> None:
    """Pruning without a schema: every field of every object goes."""
    if type(x) is dict:
        prefix = path + "." if path else ""
        for k in list(x):
            pruned.append(prefix + k)
            del x[k]
    elif type(x) is list:
        for i, v in enumerate(x):
            _prune_all(v, f"{path}[{i}]", pruned)


def _num(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _nodes(value: Any) -> tuple[_Node, ...]:
    return tuple(_Node(s) for s in value if isinstance(s, dict)) if isinstance(value, list) else ()


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _validate_embedded(x: dict[str, Any], path: str, errs: list[FieldError]) -> None:
    """``x-kubernetes-embedded-resource``: apiVersion and kind required, metadata an ObjectMeta."""
    if "apiVersion" not in x:
        errs.append(FieldError("Required", _child(path, "apiVersion"), "must not be empty"))
    if "kind" not in x:
        errs.append(FieldError("Required", _child(path, "kind"), "must not be empty"))
    for k, v in x.items():
        if k == "apiVersion":
            p = _child(path, k)
            if not isinstance(v, str):
                errs.append(FieldError("Invalid", p, "must be a string", v))
            elif not v:
                errs.append(FieldError("Invalid", p, "must not be empty", v))
            elif v.count("/") > 1:
                errs.append(FieldError("Invalid", p, f"unexpected GroupVersion string: {v}", v))
        elif k == "kind":
            p = _child(path, k)
            if not isinstance(v, str):
                errs.append(FieldError("Invalid", p, "must be a string", v))
            elif not v:
                errs.append(FieldError("Invalid", p, "must not be empty", v))
            else:
                problems = is_dns1035_label(v.lower())
                if problems:
                    errs.append(FieldError("Invalid", p, "may have mixed case, but should otherwise match: "
                                           + ",".join(problems), v))
        elif k == "metadata":
            p = _child(path, k)
            if not isinstance(v, dict):
                errs.append(FieldError("Invalid", p, "must be an object", v))
                continue
            meta = dict(v)
            if not meta.get("name"):
                meta["name"] = "fakename"
            errs.extend(validate_object_meta(meta, namespaced=bool(meta.get("namespace")),
                                             name_rule=name_is_path_segment, path=p, kube_finalizers=False))


class CompiledSchema:
    """A compiled ``openAPIV3Schema`` for one CRD version (build it once, reuse it per request)."""

    __slots__ = ("_root", "schema")

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._root = _Node(schema)

    def validate(self, obj: Any) -> list[FieldError]:
        """Field errors of ``obj`` (the whole custom resource) against the schema."""
        errs: list[FieldError] = []
        self._root.validate(obj, "", errs, root=True)
        return errs

    def default(self, obj: Any) -> None:
        """Fill in ``default`` values in place (upstream's structural defaulting)."""
        self._root.apply_defaults(obj)

    def prune(self, obj: Any) -> list[str]:
        """Drop fields the schema does not specify, in place; returns their paths."""
        pruned: list[str] = []
        self._root.prune(obj, "", pruned, True)
        return pruned


def compile(schema: dict[str, Any]) -> CompiledSchema:
    return CompiledSchema(schema)


def validate(obj: Any, schema: dict[str, Any]) -> list[FieldError]:
    return CompiledSchema(schema).validate(obj)


def apply_defaults(obj: Any, schema: dict[str, Any]) -> None:
    CompiledSchema(schema).default(obj)


def prune(obj: Any, schema: dict[str, Any]) -> list[str]:
    return CompiledSchema(schema).prune(obj)
