"""The JSONPath subset CRD printer columns (and selectable fields) use, after client-go's
``util/jsonpath`` with ``AllowMissingKeys(true)``.

Supported: ``.a.b``, ``['a.b']`` / ``["a"]``, ``.*`` / ``[*]``, indices ``[0]`` / ``[-1]``, slices
``[1:3]`` / ``[::2]``, unions ``[0,2]`` / ``['a','b']``, recursive descent ``..a`` and filters
``[?(@.type=="Ready")]`` (``== != < <= > >=`` against a string, number, ``true``/``false`` or
another ``@`` path, or a bare ``[?(@.a)]`` existence test). A path may be wrapped in ``{}`` and
may start with ``$``. Missing keys, out-of-range indices and type mismatches yield no result
rather than an error; only a malformed expression raises ``JSONPathError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["JSONPath", "JSONPathError", "parse"]


class JSONPathError(ValueError):
    """A malformed JSONPath expression."""


# --- steps ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Field:
    names: tuple[str, ...]

    def apply(self, value: Any) -> Iterator[Any]:
        if isinstance(value, dict):
            for name in self.names:
                if name in value:
                    yield value[name]


@dataclass(frozen=True, slots=True)
class _Wildcard:
    def apply(self, value: Any) -> Iterator[Any]:
        if isinstance(value, dict):
            for key in sorted(value):
                yield value[key]
        elif isinstance(value, list):
            yield from value


@dataclass(frozen=True, slots=True)
class _Index:
    indices: tuple[int, ...]

    def apply(self, value: Any) -> Iterator[Any]:
        if not isinstance(value, list):
            return
        n = len(value)
        for i in self.indices:
            j = i + n if i < 0 else i
            if 0 <= j < n:
                yield value[j]


@dataclass(frozen=True, slots=True)
class _Slice:
    start: int | None
    end: int | None
    step: int | None

    def apply(self, value: Any) -> Iterator[Any]:
        if isinstance(value, list) and self.step != 0:
            yield from value[self.start:self.end:self.step]


@dataclass(frozen=True, slots=True)
class _Filter:
    left: JSONPath
    op: str | None  # None: existence test
    right: JSONPath | None  # an @ path ...
    literal: Any = None  # ... or a literal

    def _matches(self, item: Any) -> bool:
        lefts = self.left.find(item)
        if self.op is None:
            return bool(lefts)
        rights = self.right.find(item) if self.right is not None else [self.literal]
        if not lefts or not rights:
            return False
        return _compare(lefts[0], self.op, rights[0])

    def apply(self, value: Any) -> Iterator[Any]:
        if isinstance(value, list):
            for item in value:
                if self._matches(item):
                    yield item


@dataclass(frozen=True, slots=True)
class _Recursive:
    """``..``: the next step applied to the value and every value below it."""

    step: _Step

    def apply(self, value: Any) -> Iterator[Any]:
        for node in _descendants(value):
            yield from self.step.apply(node)


_Step = _Field | _Wildcard | _Index | _Slice | _Filter | _Recursive


def _descendants(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for key in sorted(value):
            yield from _descendants(value[key])
    elif isinstance(value, list):
        for item in value:
            yield from _descendants(item)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _compare(left: Any, op: str, right: Any) -> bool:
    if op in ("==", "!="):
        same_kind = (_is_number(left) and _is_number(right)) or type(left) is type(right)
        equal = same_kind and left == right
        return equal if op == "==" else not equal
    if not ((_is_number(left) and _is_number(right)) or (isinstance(left, str) and isinstance(right, str))):
        return False
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


# --- the path ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class JSONPath:
    """A parsed expression: ``find(obj)`` gives every match, in document order."""

    source: str
    steps: tuple[_Step, ...]

    def find(self, obj: Any) -> list[Any]:
        current = [obj]
        for step in self.steps:
            current = [out for value in current for out in step.apply(value)]
            if not current:
                break
        return current

    def first(self, obj: Any, default: Any = None) -> Any:
        found = self.find(obj)
        return found[0] if found else default


def parse(expr: str) -> JSONPath:
    """Parse ``expr`` (``.spec.replicas``, ``{.status.conditions[?(@.type=="Ready")].status}``)."""
    text = expr.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    parser = _Parser(text, expr)
    return JSONPath(expr, tuple(parser.steps()))


_NAME_END = re.compile(r"[.\[\s]")
_INT = re.compile(r"^\s*-?\d+\s*$")
_FILTER_OPS = ("==", "!=", "<=", ">=", "<", ">")


class _Parser:
    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.pos = 0

    def error(self, message: str) -> JSONPathError:
        return JSONPathError(f"invalid JSONPath {self.source!r}: {message}")

    def steps(self) -> Iterator[_Step]:
        text = self.text
        if text.startswith("$") or text.startswith("@"):
            self.pos = 1
        if self.pos >= len(text) and text in ("$", "@"):
            return
        if self.pos == 0 and text and text[0] not in ".[":
            raise self.error("must start with '.' or '['")
        while self.pos < len(text):
            ch = text[self.pos]
            if text.startswith("..", self.pos):
                self.pos += 2
                if self.pos < len(text) and text[self.pos] == "[":
                    yield _Recursive(self._bracket())
                else:
                    yield _Recursive(self._dotted())
            elif ch == ".":
                self.pos += 1
                yield self._dotted()
            elif ch == "[":
                yield self._bracket()
            else:
                raise self.error(f"unexpected {ch!r} at {self.pos}")

    def _dotted(self) -> _Step:
        if self.pos < len(self.text) and self.text[self.pos] == "*":
            self.pos += 1
            return _Wildcard()
        m = _NAME_END.search(self.text, self.pos)
        end = m.start() if m else len(self.text)
        name = self.text[self.pos:end]
        if not name:
            raise self.error(f"empty field name at {self.pos}")
        self.pos = end
        return _Field((name,))

    def _closing(self, start: int) -> int:
        """The index of the ``]`` closing the bracket opened at ``start`` (quotes and parens aware)."""
        depth = 0
        quote = ""
        i = start + 1
        while i < len(self.text):
            c = self.text[i]
            if quote:
                if c == "\\":
                    i += 1
                elif c == quote:
                    quote = ""
            elif c in "'\"":
                quote = c
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            elif c == "]" and depth == 0:
                return i
            i += 1
        raise self.error("unterminated '['")

    def _bracket(self) -> _Step:
        start = self.pos
        end = self._closing(start)
        inner = self.text[start + 1:end].strip()
        self.pos = end + 1
        if not inner:
            raise self.error("empty brackets")
        if inner == "*":
            return _Wildcard()
        if inner.startswith("?"):
            return self._filter(inner[1:].strip())
        parts = _split_top(inner, ",")
        if all(p.strip()[:1] in ("'", '"') for p in parts):
            return _Field(tuple(_unquote(p.strip(), self) for p in parts))
        if len(parts) == 1 and ":" in inner:
            return self._slice(inner)
        if all(_INT.match(p) for p in parts):
            return _Index(tuple(int(p) for p in parts))
        raise self.error(f"unsupported subscript [{inner}]")

    def _slice(self, inner: str) -> _Slice:
        pieces = inner.split(":")
        if len(pieces) > 3:
            raise self.error(f"bad slice [{inner}]")
        values: list[int | None] = []
        for piece in pieces:
            piece = piece.strip()
            if not piece:
                values.append(None)
            elif _INT.match(piece):
                values.append(int(piece))
            else:
                raise self.error(f"bad slice [{inner}]")
        values.extend([None] * (3 - len(values)))
        return _Slice(values[0], values[1], values[2])

    def _filter(self, body: str) -> _Filter:
        if not (body.startswith("(") and body.endswith(")")):
            raise self.error("a filter is written [?(...)]")
        body = body[1:-1].strip()
        op, left, right = _split_operator(body)
        left_path = self._operand_path(left)
        if left_path is None:
            raise self.error(f"a filter must test an @ path: {body!r}")
        if op is None:
            return _Filter(left_path, None, None)
        right_path = self._operand_path(right)
        if right_path is not None:
            return _Filter(left_path, op, right_path)
        return _Filter(left_path, op, None, _literal(right, self))

    def _operand_path(self, text: str) -> JSONPath | None:
        text = text.strip()
        if not text.startswith("@"):
            return None
        return JSONPath(text, tuple(_Parser(text, self.source).steps()))


def _split_top(text: str, sep: str) -> list[str]:
    """``text`` split on ``sep`` outside quotes."""
    out: list[str] = []
    quote = ""
    cur: list[str] = []
    for c in text:
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == sep:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(c)
    out.append("".join(cur))
    return out


def _split_operator(body: str) -> tuple[str | None, str, str]:
    quote = ""
    i = 0
    while i < len(body):
        c = body[i]
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        else:
            for op in _FILTER_OPS:
                if body.startswith(op, i):
                    return op, body[:i], body[i + len(op):]
        i += 1
    return None, body, ""


def _unquote(text: str, parser: _Parser) -> str:
    if len(text) < 2 or text[0] != text[-1] or text[0] not in "'\"":
        raise parser.error(f"bad quoted name {text}")
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def _literal(text: str, parser: _Parser) -> Any:
    text = text.strip()
    if text[:1] in ("'", '"'):
        return _unquote(text, parser)
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise parser.error(f"bad filter operand {text!r}") from None
