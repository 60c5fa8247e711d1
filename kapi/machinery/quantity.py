"""Kubernetes ``resource.Quantity`` values as exact numbers (for resource accounting: scheduler, kubelet)."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

_QUANTITY_RE = re.compile(
    r"^([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+|[numkMGTPE]?)$"
)
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}


def parse_quantity(value: Any) -> Fraction:
    """A quantity as an exact number; raises ValueError when it does not parse."""
    if isinstance(value, bool):
        raise ValueError(f"invalid quantity {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(value)
    if not isinstance(value, str):
        raise ValueError(f"invalid quantity {value!r}")
    m = _QUANTITY_RE.match(value.strip())
    if m is None:
        raise ValueError(f"invalid quantity {value!r}")
    number = Fraction(m.group(1))
    suffix = m.group(2)
    if suffix in _BINARY:
        return number * (2 ** _BINARY[suffix])
    if suffix and suffix[0] in "eE":
        return number * Fraction(10) ** int(suffix[1:])
    return number * Fraction(10) ** _DECIMAL[suffix]


def milli_value(value: Any) -> int:
    """``Quantity.MilliValue()``: thousandths, rounded up."""
    return math.ceil(parse_quantity(value) * 1000)


def int_value(value: Any) -> int:
    """``Quantity.Value()``: whole units, rounded up."""
    return math.ceil(parse_quantity(value))


def resource_amount(name: str, value: Any) -> int:
    """The scheduler's integer for a resource: millicores for cpu, whole units otherwise."""
    return milli_value(value) if name == "cpu" else int_value(value)
