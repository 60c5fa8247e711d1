"""Label and field selectors, parsed and matched as apimachinery's ``pkg/labels`` and
``pkg/fields`` do.

Label selector strings (``?labelSelector=``) support ``k=v``, ``k==v``, ``k!=v``,
``k in (a,b)``, ``k notin (a,b)``, ``k`` (exists), ``!k`` (does not exist), ``k>N``, ``k<N``,
comma-separated (AND). Keys and values are validated like upstream; errors are 400 BadRequest
worded as upstream's parser words them, e.g.
``unable to parse requirement: values[0][app]: Invalid value: "-bad": a valid label must be …``
or ``unable to parse requirement: <nil>: Invalid value: "-k": name part must consist of …``.

Field selector strings (``?fieldSelector=``) support ``f=v``, ``f==v``, ``f!=v``, comma AND,
with ``\\,``, ``\\=`` and ``\\\\`` escapes in values. Which fields are supported is the caller's
business (upstream answers others with 400 ``field label not supported: <name>``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from kapi.machinery.errors import FieldError, bad_request, format_value

__all__ = [
    "FieldRequirement",
    "FieldSelector",
    "LabelSelector",
    "Requirement",
    "escape_field_value",
    "label_value_errors",
    "parse_field_selector",
    "parse_label_selector",
    "qualified_name_errors",
    "selector_from_label_selector_obj",
    "selector_from_set",
]

# --- label key/value validation (apimachinery util/validation, as of Kubernetes 1.33) ----------

_QNAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QNAME_RE = re.compile(_QNAME_FMT)
_QNAME_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
              "an alphanumeric character")
_LABEL_VALUE_FMT = f"({_QNAME_FMT})?"
_LABEL_VALUE_RE = re.compile(_LABEL_VALUE_FMT)
_LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', "
                    "'_' or '.', and must start and end with an alphanumeric character")
_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_RE = re.compile(_DNS1123_SUBDOMAIN_FMT)
_DNS1123_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                          "characters, '-' or '.', and must start and end with an alphanumeric character")


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def _max_len_error(n: int) -> str:
    return f"must be no more than {n} characters"


def qualified_name_errors(value: str) -> list[str]:
    """Problems with a label key (a qualified name with an optional DNS-subdomain prefix)."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            if len(prefix) > 253:
                errs.append("prefix part " + _max_len_error(253))
            if not _DNS1123_SUBDOMAIN_RE.fullmatch(prefix):
                errs.append("prefix part " + _regex_error(_DNS1123_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT,
                                                          "example.com"))
    else:
        return ["a qualified name " + _regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part " + _max_len_error(63))
    if not _QNAME_RE.fullmatch(name):
        errs.append("name part " + _regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc"))
    return errs


def label_value_errors(value: str) -> list[str]:
    """Problems with a label value."""
    errs: list[str] = []
    if len(value) > 63:
        errs.append(_max_len_error(63))
    if not _LABEL_VALUE_RE.fullmatch(value):
        errs.append(_regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


# --- requirements ----------------------------------------------------------------------------

EQUALS = "="
DOUBLE_EQUALS = "=="
NOT_EQUALS = "!="
IN = "in"
NOT_IN = "notin"
EXISTS = "exists"
DOES_NOT_EXIST = "!"
GREATER_THAN = "gt"
LESS_THAN = "lt"

_BINARY_OPERATORS = (IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN)
_ALL_OPERATORS = (*_BINARY_OPERATORS, EXISTS, DOES_NOT_EXIST)
_INT64_RE = re.compile(r"[+-]?[0-9]+")


def _parse_int64(value: str) -> int | None:
    if not _INT64_RE.fullmatch(value):
        return None
    n = int(value)
    return n if -(2**63) <= n < 2**63 else None


class _RequirementError(Exception):
    pass


def _aggregate(errors: list[FieldError]) -> str:
    messages: list[str] = []
    for e in errors:
        text = str(e)
        if text not in messages:
            messages.append(text)
    return messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"


@dataclass(frozen=True, slots=True)
class Requirement:
    """One term of a label selector: ``key``, an operator (``=``, ``==``, ``!=``, ``in``,
    ``notin``, ``exists``, ``!``, ``gt``, ``lt``) and its values."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    @classmethod
    def create(cls, key: str, operator: str, values: Iterable[str] | None = (),
               *, path: str | None = None) -> Requirement:
        """Validate and build a requirement, as upstream ``labels.NewRequirement`` does.

        Raises ValueError with upstream's (aggregated field-error) message.
        """
        vals = list(values) if values is not None else None
        errs = _requirement_errors(key, operator, vals, path)
        if errs:
            raise ValueError(_aggregate(errs))
        return cls(key, operator, tuple(vals or ()))

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.operator
        if op in (IN, EQUALS, DOUBLE_EQUALS):
            return self.key in labels and labels[self.key] in self.values
        if op in (NOT_IN, NOT_EQUALS):
            return self.key not in labels or labels[self.key] not in self.values
        if op == EXISTS:
            return self.key in labels
        if op == DOES_NOT_EXIST:
            return self.key not in labels
        if op in (GREATER_THAN, LESS_THAN):
            if self.key not in labels or len(self.values) != 1:
                return False
            have = _parse_int64(labels[self.key])
            want = _parse_int64(self.values[0])
            if have is None or want is None:
                return False
            return have > want if op == GREATER_THAN else have < want
        return False

    def __str__(self) -> str:
        op = self.operator
        text = ("!" if op == DOES_NOT_EXIST else "") + self.key
        if op in (EXISTS, DOES_NOT_EXIST):
            return text
        text += {EQUALS: "=", DOUBLE_EQUALS: "==", NOT_EQUALS: "!=", IN: " in ", NOT_IN: " notin ",
                 GREATER_THAN: ">", LESS_THAN: "<"}.get(op, op)
        values = self.values[0] if len(self.values) == 1 else ",".join(sorted(self.values))
        if op in (IN, NOT_IN):
            return f"{text}({values})"
        return text + values


def _requirement_errors(key: str, op: str, values: list[str] | None,
                        path: str | None) -> list[FieldError]:
    def child(name: str) -> str:
        return f"{path}.{name}" if path else name

    errs: list[FieldError] = []
    key_problems = qualified_name_errors(key)
    if key_problems:
        errs.append(FieldError("Invalid", child("key"), "; ".join(key_problems), key))
    vals = values or []
    shown: Any = values if values is not None else None
    values_path = child("values")
    if op in (IN, NOT_IN):
        if not vals:
            errs.append(FieldError("Invalid", values_path,
                                   "for 'in', 'notin' operators, values set can't be empty", shown))
    elif op in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS):
        if len(vals) != 1:
            errs.append(FieldError("Invalid", values_path,
                                   "exact-match compatibility requires one single value", shown))
    elif op in (EXISTS, DOES_NOT_EXIST):
        if vals:
            errs.append(FieldError("Invalid", values_path,
                                   "values set must be empty for exists and does not exist", shown))
    elif op in (GREATER_THAN, LESS_THAN):
        if len(vals) != 1:
            errs.append(FieldError("Invalid", values_path,
                                   "for 'Gt', 'Lt' operators, exactly one value is required", shown))
        for i, v in enumerate(vals):
            if _parse_int64(v) is None:
                errs.append(FieldError("Invalid", f"{values_path}[{i}]",
                                       "for 'Gt', 'Lt' operators, the value must be an integer", v))
    else:
        errs.append(FieldError("NotSupported", child("operator"), value=op, supported=_ALL_OPERATORS))
    for i, v in enumerate(vals):
        if not isinstance(v, str):
            errs.append(FieldError("Invalid", f"{values_path}[{i}][{key}]", "must be a string", v))
            continue
        problems = label_value_errors(v)
        if problems:
            errs.append(FieldError("Invalid", f"{values_path}[{i}][{key}]", "; ".join(problems), v))
    return errs


# --- label selectors -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A parsed label selector: requirements ANDed, sorted by key; or the selector that matches
    nothing (from a missing ``metav1.LabelSelector``)."""

    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False

    @classmethod
    def everything(cls) -> LabelSelector:
        return cls()

    @classmethod
    def match_nothing(cls) -> LabelSelector:
        return cls(nothing=True)

    @property
    def empty(self) -> bool:
        """True when the selector matches everything."""
        return not self.nothing and not self.requirements

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self.nothing:
            return False
        have: Mapping[str, str] = labels or {}
        return all(r.matches(have) for r in self.requirements)

    def requires_exact_match(self, key: str) -> str | None:
        """The value ``key`` must have (``k=v``, ``k==v`` or ``k in (v)``), if the selector pins it."""
        for r in self.requirements:
            if r.key == key:
                if r.operator in (EQUALS, DOUBLE_EQUALS, IN) and len(r.values) == 1:
                    return r.values[0]
                return None
        return None

    def add(self, *requirements: Requirement) -> LabelSelector:
        merged = sorted((*self.requirements, *requirements), key=lambda r: r.key)
        return LabelSelector(tuple(merged), self.nothing)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


# lexer ----------------------------------------------------------------------------------------

_ERROR, _EOS, _CLOSE, _COMMA, _NOT, _DEQ, _EQ, _GT, _IDENT, _IN, _LT, _NEQ, _NOTIN, _OPEN = range(14)
_TOKENS = {")": _CLOSE, ",": _COMMA, "!": _NOT, "==": _DEQ, "=": _EQ, ">": _GT, "in": _IN, "<": _LT,
           "!=": _NEQ, "notin": _NOTIN, "(": _OPEN}
_SPECIAL = frozenset("=!(),><")
_WHITESPACE = frozenset(" \t\r\n")


def _lex(s: str) -> list[tuple[int, str]]:
    items: list[tuple[int, str]] = []
    pos, n = 0, len(s)
    while True:
        while pos < n and s[pos] in _WHITESPACE:
            pos += 1
        if pos >= n:
            items.append((_EOS, ""))
            return items
        if s[pos] in _SPECIAL:
            buf = ""
            last: tuple[int, str] | None = None
            while pos < n and s[pos] in _SPECIAL:
                buf += s[pos]
                tok = _TOKENS.get(buf)
                if tok is not None:
                    last = (tok, buf)
                    pos += 1
                elif last is not None:
                    break
                else:
                    pos += 1
            items.append(last if last is not None else (_ERROR, f"error expected: keyword found '{buf}'"))
        else:
            start = pos
            while pos < n and s[pos] not in _SPECIAL and s[pos] not in _WHITESPACE:
                pos += 1
            word = s[start:pos]
            tok = _TOKENS.get(word)
            items.append((tok, word) if tok is not None else (_IDENT, word))


class _Parser:
    def __init__(self, text: str) -> None:
        self.items = _lex(text)
        self.pos = 0

    def lookahead(self, values: bool) -> tuple[int, str]:
        tok, lit = self.items[self.pos]
        if values and tok in (_IN, _NOTIN):
            tok = _IDENT
        return tok, lit

    def consume(self, values: bool) -> tuple[int, str]:
        tok, lit = self.lookahead(values)
        self.pos += 1
        return tok, lit

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        while True:
            tok, lit = self.lookahead(True)
            if tok in (_IDENT, _NOT):
                try:
                    requirements.append(self.requirement())
                except _RequirementError as e:
                    raise ValueError(f"unable to parse requirement: {e}") from None
                tok, lit = self.consume(True)
                if tok == _EOS:
                    return requirements
                if tok == _COMMA:
                    tok2, lit2 = self.lookahead(True)
                    if tok2 not in (_IDENT, _NOT):
                        raise ValueError(f"found '{lit2}', expected: identifier after ','")
                else:
                    raise ValueError(f"found '{lit}', expected: ',' or 'end of string'")
            elif tok == _EOS:
                return requirements
            else:
                raise ValueError(f"found '{lit}', expected: !, identifier, or 'end of string'")

    def requirement(self) -> Requirement:
        key, op = self.key_and_operator()
        if op in (EXISTS, DOES_NOT_EXIST):
            return self.make(key, op, [])
        op = self.operator()
        values = self.values() if op in (IN, NOT_IN) else self.exact_value()
        return self.make(key, op, sorted(values))

    @staticmethod
    def make(key: str, op: str, values: list[str]) -> Requirement:
        errs = _requirement_errors(key, op, values, None)
        if errs:
            raise _RequirementError(_aggregate(errs))
        return Requirement(key, op, tuple(values))

    def key_and_operator(self) -> tuple[str, str]:
        op = ""
        tok, lit = self.consume(True)
        if tok == _NOT:
            op = DOES_NOT_EXIST
            tok, lit = self.consume(True)
        if tok != _IDENT:
            raise _RequirementError(f"found '{lit}', expected: identifier")
        problems = qualified_name_errors(lit)
        if problems:
            raise _RequirementError(f"<nil>: Invalid value: {format_value(lit)}: {'; '.join(problems)}")
        nxt, _ = self.lookahead(True)
        if nxt in (_EOS, _COMMA) and op != DOES_NOT_EXIST:
            op = EXISTS
        return lit, op

    def operator(self) -> str:
        tok, lit = self.consume(False)
        ops = {_IN: IN, _EQ: EQUALS, _DEQ: DOUBLE_EQUALS, _GT: GREATER_THAN, _LT: LESS_THAN,
               _NOTIN: NOT_IN, _NEQ: NOT_EQUALS}
        if tok not in ops:
            raise _RequirementError(f"found '{lit}', expected: {', '.join(_BINARY_OPERATORS)}")
        return ops[tok]

    def values(self) -> set[str]:
        tok, lit = self.consume(True)
        if tok != _OPEN:
            raise _RequirementError(f"found '{lit}' expected: '('")
        tok, lit = self.lookahead(True)
        if tok in (_IDENT, _COMMA):
            found = self.identifiers()
            if self.consume(True)[0] != _CLOSE:
                raise _RequirementError(f"found '{lit}', expected: ')'")
            return found
        if tok == _CLOSE:
            self.consume(True)
            return {""}
        raise _RequirementError(f"found '{lit}', expected: ',', ')' or identifier")

    def identifiers(self) -> set[str]:
        found: set[str] = set()
        while True:
            tok, lit = self.consume(True)
            if tok == _IDENT:
                found.add(lit)
                tok2, lit2 = self.lookahead(True)
                if tok2 == _COMMA:
                    continue
                if tok2 == _CLOSE:
                    return found
                raise _RequirementError(f"found '{lit2}', expected: ',' or ')'")
            if tok == _COMMA:
                if not found:
                    found.add("")
                tok2, _ = self.lookahead(True)
                if tok2 in (_CLOSE, _COMMA):
                    found.add("")
                if tok2 == _CLOSE:
                    return found
                continue
            raise _RequirementError(f"found '{lit}', expected: ',', or identifier")

    def exact_value(self) -> set[str]:
        tok, _ = self.lookahead(True)
        if tok in (_EOS, _COMMA):
            return {""}
        tok, lit = self.consume(True)
        if tok == _IDENT:
            return {lit}
        raise _RequirementError(f"found '{lit}', expected: identifier")


def parse_label_selector(s: str) -> LabelSelector:
    """Parse a label selector string; ``""`` selects everything.

    Raises :class:`~kapi.machinery.errors.StatusError` 400 BadRequest with upstream's message.
    """
    try:
        requirements = _Parser(s).parse()
    except ValueError as e:
        raise bad_request(str(e)) from None
    requirements.sort(key=lambda r: r.key)
    return LabelSelector(tuple(requirements))


def selector_from_set(labels: Mapping[str, str] | None) -> LabelSelector:
    """``k=v`` for every pair (values are trusted, as upstream's ``SelectorFromValidatedSet``)."""
    if not labels:
        return LabelSelector()
    return LabelSelector(tuple(Requirement(k, EQUALS, (v,)) for k, v in sorted(labels.items())))


_SELECTOR_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}


def selector_from_label_selector_obj(sel: Mapping[str, Any] | None) -> LabelSelector:
    """Convert a ``metav1.LabelSelector`` object, as upstream ``LabelSelectorAsSelector`` does.

    ``None`` matches nothing, ``{}`` (no labels, no expressions) matches everything. Raises
    ValueError (e.g. ``"Foo" is not a valid label selector operator``) for invalid selectors.
    """
    if sel is None:
        return LabelSelector.match_nothing()
    if not isinstance(sel, Mapping):
        raise ValueError("a label selector must be an object")
    match_labels = sel.get("matchLabels") or {}
    expressions = sel.get("matchExpressions") or []
    if not isinstance(match_labels, Mapping):
        raise ValueError("matchLabels must be an object")
    if not isinstance(expressions, list):
        raise ValueError("matchExpressions must be a list")
    if not match_labels and not expressions:
        return LabelSelector()
    requirements: list[Requirement] = []
    for key, value in match_labels.items():
        if not isinstance(value, str):
            raise ValueError(f"matchLabels[{key}]: Invalid value: {format_value(value)}: must be a string")
        requirements.append(Requirement.create(key, EQUALS, [value]))
    for expr in expressions:
        if not isinstance(expr, Mapping):
            raise ValueError("matchExpressions items must be objects")
        operator = expr.get("operator")
        op = _SELECTOR_OPERATORS.get(operator) if isinstance(operator, str) else None
        if op is None:
            raise ValueError(f"{format_value(operator if operator is not None else '')} is not a valid "
                             "label selector operator")
        key = expr.get("key")
        if not isinstance(key, str):
            raise ValueError(f"key: Invalid value: {format_value(key)}: must be a string")
        values = expr.get("values")
        if values is not None and not isinstance(values, list):
            raise ValueError(f"values: Invalid value: {format_value(values)}: must be a list")
        requirements.append(Requirement.create(key, op, values))
    requirements.sort(key=lambda r: r.key)
    return LabelSelector(tuple(requirements))


# --- field selectors -------------------------------------------------------------------------

class FieldRequirement(NamedTuple):
    """One term of a field selector; ``operator`` is ``=`` or ``!=`` (``==`` parses as ``=``)."""

    field: str
    operator: str
    value: str


def escape_field_value(value: str) -> str:
    """Escape ``\\``, ``,`` and ``=`` for use as a field selector value."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def _unescape_field_value(value: str) -> str:
    if not any(c in value for c in "\\,="):
        return value
    out: list[str] = []
    in_slash = False
    for c in value:
        if in_slash:
            if c not in "\\,=":
                raise ValueError(f"invalid field selector: invalid escape sequence: \\{c}")
            out.append(c)
            in_slash = False
        elif c == "\\":
            in_slash = True
        elif c in ",=":
            raise ValueError(f"invalid field selector: unescaped character in value: {ord(c)}")
        else:
            out.append(c)
    if in_slash:
        raise ValueError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def _split_terms(selector: str) -> list[str]:
    if not selector:
        return []
    terms: list[str] = []
    start = 0
    in_slash = False
    for i, c in enumerate(selector):
        if in_slash:
            in_slash = False
        elif c == "\\":
            in_slash = True
        elif c == ",":
            terms.append(selector[start:i])
            start = i + 1
    terms.append(selector[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    for i in range(len(term)):
        for op in ("!=", "==", "="):
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op):]
    return None


@dataclass(frozen=True, slots=True)
class FieldSelector:
    """A parsed field selector: terms ANDed (in upstream's order: sorted by their text)."""

    requirements: tuple[FieldRequirement, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.requirements

    def matches(self, fields: Mapping[str, str]) -> bool:
        """A field missing from ``fields`` compares as ``""``."""
        for f, op, value in self.requirements:
            have = fields.get(f, "")
            if (have == value) != (op == EQUALS):
                return False
        return True

    def exact_value(self, field_name: str) -> str | None:
        """The value ``field_name=…`` pins, if any term does."""
        for f, op, value in self.requirements:
            if f == field_name and op == EQUALS:
                return value
        return None

    def __str__(self) -> str:
        return ",".join(f"{f}{op}{escape_field_value(v)}" for f, op, v in self.requirements)


def parse_field_selector(s: str) -> FieldSelector:
    """Parse a field selector string; ``""`` selects everything.

    Raises :class:`~kapi.machinery.errors.StatusError` 400 BadRequest, worded like upstream
    (``invalid selector: 'x'; can't understand 'x'``, ``invalid field selector: …``).
    """
    requirements: list[FieldRequirement] = []
    for part in sorted(_split_terms(s)):
        if not part:
            continue
        split = _split_term(part)
        if split is None:
            raise bad_request(f"invalid selector: '{s}'; can't understand '{part}'")
        lhs, op, rhs = split
        try:
            value = _unescape_field_value(rhs)
        except ValueError as e:
            raise bad_request(str(e)) from None
        requirements.append(FieldRequirement(lhs, NOT_EQUALS if op == "!=" else EQUALS, value))
    return FieldSelector(tuple(requirements))
