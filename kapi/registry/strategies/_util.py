"""Small helpers shared by the per-group strategy modules.

Field-error shortcuts, Go-style renderings of values (upstream's ``field.Error`` prints
non-scalar values with ``%#v``), label-selector validation and matching, and quantity
parsing for the checks that compare resource amounts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from kapi.machinery.errors import FieldError
from kapi.machinery.names import IS_NEGATIVE_ERROR_MSG, is_qualified_name, is_valid_label_value
from kapi.machinery.objectmeta import (
    FIELD_IMMUTABLE_ERROR_MSG,
    GoValue,
    go_quote,
    go_string_slice,
    validate_labels,
)

Obj = dict[str, Any]

__all__ = [
    "FIELD_IMMUTABLE_ERROR_MSG",
    "IS_NEGATIVE_ERROR_MSG",
    "GoValue",
    "as_dict",
    "as_list",
    "ensure_dict",
    "go_int_or_string",
    "go_label_selector",
    "go_map",
    "go_quote",
    "go_string_slice",
    "immutable",
    "invalid",
    "nonnegative",
    "not_supported",
    "parse_quantity",
    "required",
    "required_choice",
    "selector_matches",
    "set_default",
    "validate_label_selector",
]


# --- structure -------------------------------------------------------------------------------

def as_dict(value: Any) -> Obj:
    """``value`` if it is a dict, else an empty dict (never stored)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def set_default(obj: Obj, key: str, value: Any) -> None:
    """Set ``obj[key]`` when missing or null (Go's zero-value test for pointers and strings)."""
    if obj.get(key) is None or obj.get(key) == "":
        obj[key] = value


def ensure_dict(obj: Obj, key: str) -> Obj:
    """``obj[key]``, replaced by a new ``{}`` first when it is missing or not an object (defaulting)."""
    value = obj.get(key)
    if not isinstance(value, dict):
        value = obj[key] = {}
    return value


# --- errors ----------------------------------------------------------------------------------

def required(path: str, detail: str = "") -> FieldError:
    return FieldError("Required", path, detail)


def invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError("Invalid", path, detail, value)


def not_supported(path: str, value: Any, supported: Iterable[str]) -> FieldError:
    return FieldError("NotSupported", path, "", value, tuple(supported))


def required_choice(value: Any, path: str, allowed: tuple[str, ...], detail: str = "") -> list[FieldError]:
    """``Required`` (with ``detail``) when ``value`` is empty, ``NotSupported`` when not in ``allowed``."""
    if not value:
        return [required(path, detail)]
    if value not in allowed:
        return [not_supported(path, value, allowed)]
    return []


def nonnegative(value: Any, path: str) -> list[FieldError]:
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return [invalid(path, value, IS_NEGATIVE_ERROR_MSG)]
    return []


def immutable(new: Any, old: Any, path: str, shown: Any = None) -> list[FieldError]:
    """``field is immutable`` when the values differ; ``shown`` is what the message prints."""
    if new != old:
        return [invalid(path, new if shown is None else shown, FIELD_IMMUTABLE_ERROR_MSG)]
    return []


# --- Go renderings (go_quote and go_string_slice come from kapi.machinery.objectmeta) ----------

def _map_text(value: Any) -> str:
    if not isinstance(value, dict):
        return "map[string]string(nil)"
    items = ", ".join(f"{go_quote(str(k))}:{go_quote(str(v))}" for k, v in sorted(value.items()))
    return "map[string]string{" + items + "}"


def go_map(value: Any) -> GoValue:
    """``map[string]string{"a":"b", "c":"d"}`` (keys sorted, as ``fmt`` prints maps)."""
    return GoValue(_map_text(value))


def go_int_or_string(value: Any) -> GoValue:
    """An ``intstr.IntOrString`` as ``%#v`` prints it (deployment strategy and PDB messages)."""
    if isinstance(value, str):
        return GoValue(f"intstr.IntOrString{{Type:1, IntVal:0, StrVal:{go_quote(value)}}}")
    number = value if isinstance(value, int) and not isinstance(value, bool) else 0
    return GoValue(f'intstr.IntOrString{{Type:0, IntVal:{number}, StrVal:""}}')


def go_label_selector(selector: Any, pkg: str = "v1") -> GoValue:
    """A ``metav1.LabelSelector`` the way ``%#v`` prints it (``field is immutable`` messages)."""
    if not isinstance(selector, dict):
        return GoValue(f"(*{pkg}.LabelSelector)(nil)")
    exprs = selector.get("matchExpressions")
    if isinstance(exprs, list):
        parts = []
        for e in exprs:
            e = as_dict(e)
            parts.append(f"{pkg}.LabelSelectorRequirement{{Key:{go_quote(str(e.get('key', '')))}, "
                         f"Operator:{go_quote(str(e.get('operator', '')))}, "
                         f"Values:{go_string_slice(e.get('values')).text}}}")
        expr_text = f"[]{pkg}.LabelSelectorRequirement{{" + ", ".join(parts) + "}"
    else:
        expr_text = f"[]{pkg}.LabelSelectorRequirement(nil)"
    return GoValue(f"{pkg}.LabelSelector{{MatchLabels:{_map_text(selector.get('matchLabels'))}, "
                   f"MatchExpressions:{expr_text}}}")


# --- label selectors -------------------------------------------------------------------------

_SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def validate_label_selector(selector: Any, path: str) -> list[FieldError]:
    """``metav1validation.ValidateLabelSelector``: requirement operators/values, label syntax."""
    errs: list[FieldError] = []
    if not isinstance(selector, dict):
        return errs
    for i, expr in enumerate(as_list(selector.get("matchExpressions"))):
        epath = f"{path}.matchExpressions[{i}]"
        expr = as_dict(expr)
        op = expr.get("operator", "")
        values = as_list(expr.get("values"))
        if op in ("In", "NotIn"):
            if not values:
                errs.append(required(epath + ".values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif op in ("Exists", "DoesNotExist"):
            if values:
                errs.append(FieldError("Forbidden", epath + ".values",
                                       "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        else:
            errs.append(invalid(epath + ".operator", op, "not a valid selector operator"))
        key = expr.get("key", "")
        errs.extend(invalid(epath + ".key", key, msg) for msg in is_qualified_name(str(key)))
        for j, value in enumerate(values):
            if isinstance(value, str):
                errs.extend(invalid(f"{epath}.values[{j}]", value, msg) for msg in is_valid_label_value(value))
    errs.extend(validate_labels(selector.get("matchLabels"), path + ".matchLabels"))
    return errs


def selector_is_empty(selector: Any) -> bool:
    s = as_dict(selector)
    return not s.get("matchLabels") and not s.get("matchExpressions")


def selector_matches(selector: Any, labels: Any) -> bool:
    """Does a ``metav1.LabelSelector`` select these labels? (An empty selector selects everything.)"""
    s = as_dict(selector)
    lbls = as_dict(labels)
    for k, v in as_dict(s.get("matchLabels")).items():
        if lbls.get(k) != v:
            return False
    for expr in as_list(s.get("matchExpressions")):
        expr = as_dict(expr)
        key, op, values = expr.get("key"), expr.get("operator"), as_list(expr.get("values"))
        if op == "In" and (key not in lbls or lbls[key] not in values):
            return False
        if op == "NotIn" and key in lbls and lbls[key] in values:
            return False
        if op == "Exists" and key not in lbls:
            return False
        if op == "DoesNotExist" and key in lbls:
            return False
        if op not in _SELECTOR_OPERATORS:
            return False
    return True


# --- quantities ------------------------------------------------------------------------------

_QUANTITY_RE = re.compile(r"^([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+|[numkMGTPE]?)$")
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}


def parse_quantity(value: Any) -> Fraction | None:
    """A ``resource.Quantity`` as an exact number, or None when it does not parse."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(value)
    if not isinstance(value, str):
        return None
    m = _QUANTITY_RE.match(value.strip())
    if m is None:
        return None
    number = Fraction(m.group(1))
    suffix = m.group(2)
    if suffix in _BINARY:
        return number * (2 ** _BINARY[suffix])
    if suffix and suffix[0] in "eE":
        return number * Fraction(10) ** int(suffix[1:])
    return number * Fraction(10) ** _DECIMAL[suffix]
