"""CEL validation rules (``x-kubernetes-validations``) of custom resource schemas.

Upstream compiles each rule against the schema node it sits on and evaluates it with ``self``
bound to that node's value (and ``oldSelf`` to the correlated old value on updates, for
"transition rules"). The CEL runtime is Google's ``cel-expr-python`` (cel-cpp): no Python
dependencies, no I/O or threads at import, and it is imported lazily — only when a schema that
carries rules is compiled — so servers without such CRDs never load it.

Differences from upstream, all on the lenient side: ``self`` and ``oldSelf`` are dynamically
typed (upstream types them from the schema, so a rule naming a field the schema lacks compiles
there but fails at evaluation here); the Kubernetes CEL libraries (quantity, url, ip, cidr,
format, lists, regex extras) are absent; rules are not ratcheted on update; a transition rule
inside a list that is not ``x-kubernetes-list-type: map`` is accepted (upstream refuses the CRD)
and never runs, because the old item cannot be correlated.

Cost: cel-cpp caps comprehension iterations at 10,000 per evaluation (upstream would refuse the
CRD for rules that statically may cost too much); a request additionally has a budget of
evaluations and node visits, and a wall-clock deadline. Running out is reported as upstream does
("no further validation rules will be run"), never as a server error.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass, field
from typing import Any

from kapi.machinery.errors import FieldError

__all__ = ["CelRules", "check_rules", "compile", "has_rules"]

MAX_STEPS = 200_000  # rule evaluations + visited nodes per request
MAX_SECONDS = 2.0  # wall clock per request

_REASONS = {
    "FieldValueInvalid": "Invalid",
    "FieldValueForbidden": "Forbidden",
    "FieldValueRequired": "Required",
    "FieldValueDuplicate": "Duplicate",
}
_OLD_SELF = re.compile(r"\boldSelf\b")
_STATUS_PREFIX = re.compile(r"^[A-Z_]+: ")
_STATUS_SUFFIX = re.compile(r"\s*\[[A-Z_]+\]$")
_NO_KEY = re.compile(r'Key not found in map : "?(.*?)"?$')

_envs: dict[str, Any] = {}


def _cel() -> Any:
    from cel_expr_python import cel  # lazy: only schemas with rules pay for it

    return cel


def _env(kind: str) -> Any:
    """``plain`` (self), ``transition`` (self, oldSelf), ``optional`` (self, hidden old value)."""
    env = _envs.get(kind)
    if env is None:
        cel = _cel()
        from cel_expr_python.ext.ext_bindings import ExtBindings
        from cel_expr_python.ext.ext_optional import ExtOptional
        from cel_expr_python.ext.ext_strings import ExtStrings

        variables = {"self": cel.Type.DYN}
        if kind == "transition":
            variables["oldSelf"] = cel.Type.DYN
        elif kind == "optional":
            variables["__oldSelfPresent"] = cel.Type.BOOL
            variables["__oldSelf"] = cel.Type.DYN
        env = cel.NewEnv(variables=variables, extensions=[ExtStrings(), ExtOptional(), ExtBindings()])
        _envs[kind] = env
    return env


def _clean(message: str) -> str:
    """cel-cpp's ``absl::Status`` text, without the status code around it."""
    message = _STATUS_SUFFIX.sub("", message.strip())
    return _STATUS_PREFIX.sub("", message)


class CompileError(Exception):
    pass


def _compile_expr(src: str, env: Any, want: str) -> Any:
    cel = _cel()
    try:
        expr = env.compile(src)
    except Exception as e:  # cel-cpp raises RuntimeError with the checker's report
        raise CompileError(_clean(str(e))) from None
    rt = expr.return_type()
    if rt != cel.Type.DYN and rt.name() != want.upper():
        raise CompileError(f"cel expression must evaluate to a {want}")
    return expr


@dataclass(slots=True)
class _Rule:
    rule: str
    message: str
    reason: str
    field_path: str
    transition: bool = False
    optional_old: bool = False
    program: Any = None
    message_program: Any = None
    error: str = ""  # compilation error: reported at evaluation, as upstream


def _compile_rule(entry: dict[str, Any]) -> _Rule:
    """One ``x-kubernetes-validations`` entry; ``error`` set when it does not compile."""
    src = entry.get("rule") if isinstance(entry.get("rule"), str) else ""
    msg = entry.get("message") if isinstance(entry.get("message"), str) else ""
    reason = entry.get("reason") if isinstance(entry.get("reason"), str) else ""
    fpath = entry.get("fieldPath") if isinstance(entry.get("fieldPath"), str) else ""
    r = _Rule(src, msg.strip(), _REASONS.get(reason, "Invalid"), fpath,
              optional_old=entry.get("optionalOldSelf") is True)
    if not src.strip():
        r.error = "rule is not specified"
        return r
    try:
        try:
            r.program = _compile_expr(src, _env("plain"), "bool")
        except CompileError:
            if not _OLD_SELF.search(src):
                raise
            r.program = _compile_expr(src, _env("transition"), "bool")
            r.transition = True
            if r.optional_old:
                # oldSelf is an optional there: bind it from a hidden plain value
                wrapped = f"cel.bind(oldSelf, __oldSelfPresent ? optional.of(__oldSelf) : optional.none(), {src})"
                r.program = _compile_expr(wrapped, _env("optional"), "bool")
    except CompileError as e:
        r.error = str(e)
        r.program = None
        return r
    mexpr = entry.get("messageExpression")
    if isinstance(mexpr, str) and mexpr.strip():
        try:
            r.message_program = _compile_expr(mexpr, _env("plain"), "string")
        except CompileError as e:
            r.error = f"messageExpression compilation failed: {e}"
    return r


def check_rules(rules: Any, path: str) -> list[FieldError]:
    """CRD validation of one node's ``x-kubernetes-validations`` (``path`` names that list)."""
    errs: list[FieldError] = []
    if not isinstance(rules, list):
        return [FieldError("Invalid", path, "must be a list", "")]
    for i, entry in enumerate(rules):
        p = f"{path}[{i}]"
        if not isinstance(entry, dict):
            errs.append(FieldError("Invalid", p, "must be an object", ""))
            continue
        reason = entry.get("reason")
        if reason is not None and reason not in _REASONS:
            errs.append(FieldError("NotSupported", f"{p}.reason", value=reason, supported=tuple(_REASONS)))
        msg = entry.get("message")
        if isinstance(msg, str) and ("\n" in msg or "\r" in msg):
            errs.append(FieldError("Invalid", f"{p}.message", "message must not contain line breaks", msg))
        src = entry.get("rule")
        if not isinstance(src, str) or not src.strip():
            errs.append(FieldError("Required", f"{p}.rule", "rule is not specified"))
            continue
        r = _compile_rule(entry)
        if r.error.startswith("messageExpression compilation failed: "):
            errs.append(FieldError("Invalid", f"{p}.messageExpression", r.error, entry.get("messageExpression")))
        elif r.error:
            errs.append(FieldError("Invalid", f"{p}.rule", f"compilation failed: {r.error}", src))
    return errs


@dataclass(slots=True)
class _Node:
    type: str
    rules: list[_Rule] = field(default_factory=list)
    props: dict[str, _Node] = field(default_factory=dict)
    additional: _Node | None = None
    items: _Node | None = None
    map_keys: tuple[str, ...] = ()


def has_rules(schema: Any) -> bool:
    """Whether any node of ``schema`` carries ``x-kubernetes-validations`` (cheap; no CEL)."""
    if not isinstance(schema, dict):
        return False
    if schema.get("x-kubernetes-validations"):
        return True
    props = schema.get("properties")
    if isinstance(props, dict) and any(has_rules(v) for v in props.values()):
        return True
    return has_rules(schema.get("additionalProperties")) or has_rules(schema.get("items"))


def _build(s: dict[str, Any]) -> _Node | None:
    """The schema's nodes that lead to rules; ``None`` where none below."""
    node = _Node(s.get("type") if isinstance(s.get("type"), str) else "")
    for entry in s.get("x-kubernetes-validations") or []:
        if isinstance(entry, dict):
            node.rules.append(_compile_rule(entry))
    props = s.get("properties")
    if isinstance(props, dict):
        for name, sub in props.items():
            child = _build(sub) if isinstance(sub, dict) else None
            if child is not None:
                node.props[name] = child
    if isinstance(s.get("additionalProperties"), dict):
        node.additional = _build(s["additionalProperties"])
    if isinstance(s.get("items"), dict):
        node.items = _build(s["items"])
        keys = s.get("x-kubernetes-list-map-keys")
        if s.get("x-kubernetes-list-type") == "map" and isinstance(keys, list):
            node.map_keys = tuple(k for k in keys if isinstance(k, str))
    if not node.rules and not node.props and node.additional is None and node.items is None:
        return None
    return node


class _OutOfBudget(Exception):
    pass


class _Run:
    __slots__ = ("deadline", "errs", "steps")

    def __init__(self) -> None:
        self.errs: list[FieldError] = []
        self.steps = 0
        self.deadline = time.monotonic() + MAX_SECONDS

    def tick(self, path: str, node: _Node) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS or (self.steps % 256 == 0 and time.monotonic() > self.deadline):
            self.errs.append(FieldError("Invalid", path, "validation failed due to running out of cost budget, "
                                        "no further validation rules will be run", node.type))
            raise _OutOfBudget


def _fail(rule: _Rule, path: str, node: _Node, detail: str) -> FieldError:
    fp = rule.field_path
    if fp:
        path = (path + fp) if path else fp.lstrip(".")
    if rule.reason == "Required":
        return FieldError("Required", path, detail)
    if rule.reason == "Forbidden":
        return FieldError("Forbidden", path, detail)
    if rule.reason == "Duplicate":
        return FieldError("Duplicate", path, value=node.type)
    return FieldError("Invalid", path, detail, node.type)


def _error_text(rule: _Rule) -> str:
    return rule.message or rule.rule.strip()


def _eval_error(message: str, rule: _Rule) -> str:
    message = _clean(message)
    if message.startswith("No matching overloads") or "no matching overload" in message:
        return ("'no such overload': call arguments did not match a supported operator, function or macro "
                f"signature for rule: {_error_text(rule)}")
    m = _NO_KEY.search(message)
    if m:
        message = f"no such key: {m.group(1)}"
    return f"{message} evaluating rule: {_error_text(rule)}"


def _evaluate(rule: _Rule, node: _Node, value: Any, old: Any, has_old: bool, path: str, run: _Run) -> None:
    if rule.error:
        run.errs.append(FieldError("Invalid", path, f"rule compile error: {rule.error}", node.type))
        return
    if rule.transition and not has_old and not rule.optional_old:
        return
    run.tick(path, node)
    data: dict[str, Any] = {"self": value}
    if rule.transition:
        if rule.optional_old:
            data["__oldSelfPresent"] = has_old
            data["__oldSelf"] = old if has_old else None
        else:
            data["oldSelf"] = old
    cel = _cel()
    try:
        result = rule.program.eval(data=data)
        failed_with = _clean(str(result.value())) if result.type() == cel.Type.ERROR else None
        outcome = None if failed_with else result.plain_value()
    except Exception as e:  # conversion errors, iteration budget
        text = _clean(str(e))
        if "budget" in text:
            run.errs.append(FieldError("Invalid", path, f"'{text}': no further validation rules will be run due to "
                                       f"call cost exceeds limit for rule: {_error_text(rule)}", node.type))
            raise _OutOfBudget from None
        failed_with, outcome = text, None
    if failed_with is not None:
        run.errs.append(FieldError("Invalid", path, _eval_error(failed_with, rule), node.type))
        return
    if outcome is True:
        return
    if outcome is not False:
        run.errs.append(FieldError("Invalid", path, f"rule did not evaluate to a bool evaluating rule: "
                                   f"{_error_text(rule)}", node.type))
        return
    detail = f"failed rule: {rule.rule.strip()}" if not rule.message else rule.message
    if rule.message_program is not None:
        try:
            m = rule.message_program.eval(data={"self": value})
            if m.type() != cel.Type.ERROR and isinstance(m.plain_value(), str) and m.plain_value().strip():
                detail = m.plain_value().strip()
        except Exception:  # upstream falls back to the message
            pass
    run.errs.append(_fail(rule, path, node, detail))


def _list_key(item: Any, keys: tuple[str, ...]) -> tuple[Any, ...] | None:
    if not isinstance(item, dict):
        return None
    try:
        return tuple(_hashable(item.get(k)) for k in keys)
    except TypeError:
        return None


def _hashable(v: Any) -> Any:
    if isinstance(v, (dict, list)):
        raise TypeError
    return (type(v).__name__, v)


def _walk(node: _Node, value: Any, old: Any, has_old: bool, path: str, run: _Run) -> None:
    if value is None:
        return  # upstream validates non-null values only
    run.tick(path, node)
    for rule in node.rules:
        _evaluate(rule, node, value, old, has_old, path, run)
    if isinstance(value, dict):
        old_map = old if has_old and isinstance(old, dict) else None
        for name, child in node.props.items():
            if name in value:
                _walk(child, value[name], old_map.get(name) if old_map else None,
                      old_map is not None and name in old_map, f"{path}.{name}" if path else name, run)
        if node.additional is not None:
            for k, v in value.items():
                if k not in node.props:
                    _walk(node.additional, v, old_map.get(k) if old_map else None,
                          old_map is not None and k in old_map, f"{path}[{k}]", run)
    elif isinstance(value, list) and node.items is not None:
        olds: dict[tuple[Any, ...], Any] = {}
        if node.map_keys and has_old and isinstance(old, list):
            for item in old:
                key = _list_key(item, node.map_keys)
                if key is not None:
                    olds.setdefault(key, item)
        for i, item in enumerate(value):
            key = _list_key(item, node.map_keys) if olds else None
            _walk(node.items, item, olds.get(key) if key is not None else None,
                  key is not None and key in olds, f"{path}[{i}]", run)


class CelRules:
    """The compiled rules of one ``openAPIV3Schema``; build once per CRD version, reuse per request."""

    __slots__ = ("_root",)

    def __init__(self, root: _Node) -> None:
        self._root = root

    def validate(self, obj: Any, old: Any = None, *, has_old: bool = False) -> list[FieldError]:
        """Field errors of ``obj``; pass ``old`` with ``has_old=True`` on updates (transition rules)."""
        run = _Run()
        with contextlib.suppress(_OutOfBudget):
            _walk(self._root, obj, old, has_old, "", run)
        return run.errs


def compile(schema: dict[str, Any]) -> CelRules | None:
    """``None`` when the schema has no rules (then CEL is never imported)."""
    if not has_rules(schema):
        return None
    root = _build(schema)
    return CelRules(root) if root is not None else None
