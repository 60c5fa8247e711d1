"""rbac.authorization.k8s.io/v1: Roles, ClusterRoles, RoleBindings, ClusterRoleBindings.

Upstream: ``pkg/apis/rbac/v1/defaults.go`` (subject and roleRef API groups),
``pkg/registry/rbac/<kind>/strategy.go`` (create-on-update) and
``pkg/apis/rbac/validation/validation.go``.
"""

from __future__ import annotations

from typing import Any

from kapi.machinery.errors import FieldError
from kapi.machinery.names import is_dns1123_subdomain, path_segment_name_errors
from kapi.registry.strategies._util import (
    GoValue,
    as_dict,
    as_list,
    go_quote,
    go_string_slice,
    invalid,
    not_supported,
    required,
    validate_label_selector,
)
from kapi.registry.strategy import RequestContext, Strategy

Obj = dict[str, Any]

__all__ = [
    "ClusterRoleBindingStrategy",
    "ClusterRoleStrategy",
    "RoleBindingStrategy",
    "RoleStrategy",
    "validate_policy_rule",
]

GROUP = "rbac.authorization.k8s.io"


def validate_policy_rule(rule: Any, path: str, *, namespaced: bool) -> list[FieldError]:
    """``ValidatePolicyRule``."""
    rule = as_dict(rule)
    errs: list[FieldError] = []
    if not as_list(rule.get("verbs")):
        errs.append(required(path + ".verbs", "verbs must contain at least one value"))
    urls = as_list(rule.get("nonResourceURLs"))
    if urls:
        if namespaced:
            errs.append(invalid(path + ".nonResourceURLs", go_string_slice(urls),
                                "namespaced rules cannot apply to non-resource URLs"))
        if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
            errs.append(invalid(path + ".nonResourceURLs", go_string_slice(urls),
                                "rules cannot apply to both regular resources and non-resource URLs"))
        return errs
    if not as_list(rule.get("apiGroups")):
        errs.append(required(path + ".apiGroups", "resource rules must supply at least one api group"))
    if not as_list(rule.get("resources")):
        errs.append(required(path + ".resources", "resource rules must supply at least one resource"))
    return errs


def _default_subjects(obj: Obj) -> None:
    for subject in as_list(obj.get("subjects")):
        if isinstance(subject, dict) and not subject.get("apiGroup"):
            if subject.get("kind") == "ServiceAccount":
                subject["apiGroup"] = ""
            elif subject.get("kind") in ("User", "Group"):
                subject["apiGroup"] = GROUP


def _validate_subject(subject: Any, path: str, *, namespaced: bool) -> list[FieldError]:
    subject = as_dict(subject)
    errs: list[FieldError] = []
    name = subject.get("name") or ""
    if not name:
        errs.append(required(path + ".name"))
    kind = subject.get("kind") or ""
    group = subject.get("apiGroup") or ""
    if kind == "ServiceAccount":
        if name:
            errs.extend(invalid(path + ".name", name, m) for m in is_dns1123_subdomain(name))
        if group:
            errs.append(not_supported(path + ".apiGroup", group, ("",)))
        if not namespaced and not subject.get("namespace"):
            errs.append(required(path + ".namespace"))
    elif kind in ("User", "Group"):
        if group != GROUP:
            errs.append(not_supported(path + ".apiGroup", group, (GROUP,)))
    else:
        errs.append(not_supported(path + ".kind", kind, ("ServiceAccount", "User", "Group")))
    return errs


def _go_role_ref(ref: Any) -> GoValue:
    ref = as_dict(ref)
    return GoValue(f"rbac.RoleRef{{APIGroup:{go_quote(str(ref.get('apiGroup') or ''))}, "
                   f"Kind:{go_quote(str(ref.get('kind') or ''))}, Name:{go_quote(str(ref.get('name') or ''))}}}")


class RoleStrategy(Strategy):
    """``roles``."""

    allow_create_on_update = True
    namespaced = True

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        for i, rule in enumerate(as_list(obj.get("rules"))):
            errs.extend(validate_policy_rule(rule, f"rules[{i}]", namespaced=self.namespaced))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return self.validate(ctx, new)


class ClusterRoleStrategy(RoleStrategy):
    """``clusterroles``: rules of aggregated roles are filled by the aggregation controller."""

    namespaced = False

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        errs = super().validate(ctx, obj)
        aggregation = obj.get("aggregationRule")
        if isinstance(aggregation, dict):
            selectors = as_list(aggregation.get("clusterRoleSelectors"))
            if not selectors:
                errs.append(required("aggregationRule.clusterRoleSelectors",
                                     "at least one clusterRoleSelector required if aggregationRule is non-nil"))
            for i, sel in enumerate(selectors):
                errs.extend(validate_label_selector(sel, f"aggregationRule.clusterRoleSelectors[{i}]"))
        return errs


class RoleBindingStrategy(Strategy):
    """``rolebindings``: an immutable ``roleRef`` to a Role or ClusterRole."""

    allow_create_on_update = True
    namespaced = True
    ref_kinds: tuple[str, ...] = ("Role", "ClusterRole")

    def default(self, obj: Obj) -> None:
        ref = obj.get("roleRef")
        if isinstance(ref, dict) and not ref.get("apiGroup"):
            ref["apiGroup"] = GROUP
        _default_subjects(obj)

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        ref = as_dict(obj.get("roleRef"))
        group = ref.get("apiGroup") or ""
        if group != GROUP:
            errs.append(not_supported("roleRef.apiGroup", group, (GROUP,)))
        kind = ref.get("kind") or ""
        if kind not in self.ref_kinds:
            errs.append(not_supported("roleRef.kind", kind, self.ref_kinds))
        name = ref.get("name") or ""
        if not name:
            errs.append(required("roleRef.name"))
        else:
            errs.extend(invalid("roleRef.name", name, m) for m in path_segment_name_errors(name))
        for i, subject in enumerate(as_list(obj.get("subjects"))):
            errs.extend(_validate_subject(subject, f"subjects[{i}]", namespaced=self.namespaced))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        errs = self.validate(ctx, new)
        if as_dict(new.get("roleRef")) != as_dict(old.get("roleRef")):
            errs.append(invalid("roleRef", _go_role_ref(new.get("roleRef")), "cannot change roleRef"))
        return errs


class ClusterRoleBindingStrategy(RoleBindingStrategy):
    """``clusterrolebindings``: only ClusterRoles; ServiceAccount subjects need a namespace."""

    namespaced = False
    ref_kinds = ("ClusterRole",)
