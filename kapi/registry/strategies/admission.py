"""admissionregistration.k8s.io/v1: webhook configurations and validating admission policies.

Upstream: ``pkg/apis/admissionregistration/v1/defaults.go`` and
``pkg/apis/admissionregistration/validation/validation.go``. CEL expressions are not compiled
here; only their presence is checked.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from kapi.machinery.errors import FieldError
from kapi.machinery.names import is_dns1123_label, is_dns1123_subdomain, is_qualified_name, is_valid_port_num
from kapi.registry.strategies._util import (
    as_dict,
    as_list,
    go_string_slice,
    invalid,
    not_supported,
    required,
    validate_label_selector,
)
from kapi.registry.strategy import RequestContext, Strategy

Obj = dict[str, Any]

__all__ = [
    "MutatingWebhookConfigurationStrategy",
    "ValidatingAdmissionPolicyBindingStrategy",
    "ValidatingAdmissionPolicyStrategy",
    "ValidatingWebhookConfigurationStrategy",
]

FAILURE_POLICIES = ("Fail", "Ignore")
MATCH_POLICIES = ("Equivalent", "Exact")
SIDE_EFFECTS = ("None", "NoneOnDryRun")
SCOPES = ("*", "Cluster", "Namespaced")
OPERATIONS = ("*", "CONNECT", "CREATE", "DELETE", "UPDATE")
REVIEW_VERSIONS = ("v1", "v1beta1")
VALIDATION_ACTIONS = ("Audit", "Deny", "Warn")


def _default_rules(rules: Any) -> None:
    for rule in as_list(rules):
        if isinstance(rule, dict) and rule.get("scope") is None:
            rule["scope"] = "*"


def _default_match(match: Obj) -> None:
    if match.get("matchPolicy") is None:
        match["matchPolicy"] = "Equivalent"
    for key in ("namespaceSelector", "objectSelector"):
        if match.get(key) is None:
            match[key] = {}


def _default_match_resources(match: Any) -> None:
    """A policy's or binding's ``MatchResources`` (nothing when it is not an object)."""
    if isinstance(match, dict):
        _default_match(match)
        _default_rules(match.get("resourceRules"))
        _default_rules(match.get("excludeResourceRules"))


def _default_webhook(hook: Obj, *, mutating: bool) -> None:
    if hook.get("failurePolicy") is None:
        hook["failurePolicy"] = "Fail"
    _default_match(hook)
    if hook.get("timeoutSeconds") is None:
        hook["timeoutSeconds"] = 10
    if mutating and hook.get("reinvocationPolicy") is None:
        hook["reinvocationPolicy"] = "Never"
    _default_rules(hook.get("rules"))
    service = as_dict(hook.get("clientConfig")).get("service")
    if isinstance(service, dict) and service.get("port") is None:
        service["port"] = 443


def _validate_rules(rules: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, rule in enumerate(as_list(rules)):
        p = f"{path}[{i}]"
        rule = as_dict(rule)
        ops = as_list(rule.get("operations"))
        if not ops:
            errs.append(required(p + ".operations"))
        for j, op in enumerate(ops):
            if op not in OPERATIONS:
                errs.append(not_supported(f"{p}.operations[{j}]", op, OPERATIONS))
        for key in ("apiGroups", "apiVersions", "resources"):
            if not as_list(rule.get(key)):
                errs.append(required(f"{p}.{key}"))
        scope = rule.get("scope")
        if scope is not None and scope not in SCOPES:
            errs.append(not_supported(p + ".scope", scope, SCOPES))
    return errs


def _validate_client_config(cfg: Any, path: str) -> list[FieldError]:
    cfg = as_dict(cfg)
    url, service = cfg.get("url"), cfg.get("service")
    if (url is None) == (service is None):
        return [required(path, "exactly one of url or service is required")]
    errs: list[FieldError] = []
    if isinstance(url, str):
        parts = urlsplit(url)
        if parts.scheme != "https":
            errs.append(invalid(path + ".url", url, "'https' is the only allowed URL scheme"))
        if not parts.hostname:
            errs.append(invalid(path + ".url", url, "host must be specified"))
        if parts.fragment:
            errs.append(invalid(path + ".url", url, "fragments are not permitted"))
        if parts.query:
            errs.append(invalid(path + ".url", url, "query parameters are not allowed"))
    if isinstance(service, dict):
        for key, rule in (("name", is_dns1123_label), ("namespace", is_dns1123_label)):
            value = service.get(key) or ""
            if not value:
                errs.append(required(f"{path}.service.{key}", f"service {key} is required"))
            else:
                errs.extend(invalid(f"{path}.service.{key}", value, m) for m in rule(value))
        port = service.get("port")
        if isinstance(port, int):
            errs.extend(invalid(path + ".service.port", port, m) for m in is_valid_port_num(port))
        svc_path = service.get("path")
        if isinstance(svc_path, str) and svc_path and not svc_path.startswith("/"):
            errs.append(invalid(path + ".service.path", svc_path, "must start with a '/'"))
    return errs


def _validate_webhook(hook: Obj, path: str, *, mutating: bool) -> list[FieldError]:
    errs: list[FieldError] = []
    name = hook.get("name") or ""
    if not name:
        errs.append(required(path + ".name"))
    else:
        msgs = is_dns1123_subdomain(name)
        errs.extend(invalid(path + ".name", name, m) for m in msgs)
        if not msgs and len(name.split(".")) < 3:
            errs.append(invalid(path + ".name", name, "should be a domain with at least three segments separated by "
                                                      "dots"))
    errs.extend(_validate_rules(hook.get("rules"), path + ".rules"))
    for key, allowed in (("failurePolicy", FAILURE_POLICIES), ("matchPolicy", MATCH_POLICIES)):
        value = hook.get(key)
        if value is not None and value not in allowed:
            errs.append(not_supported(f"{path}.{key}", value, allowed))
    side = hook.get("sideEffects")
    if side is None:
        errs.append(required(path + ".sideEffects", "must specify one of None, NoneOnDryRun"))
    elif side not in SIDE_EFFECTS:
        errs.append(not_supported(path + ".sideEffects", side, SIDE_EFFECTS))
    versions = as_list(hook.get("admissionReviewVersions"))
    if not versions:
        errs.append(required(path + ".admissionReviewVersions", "must specify one of v1, v1beta1"))
    elif not any(v in REVIEW_VERSIONS for v in versions):
        errs.append(invalid(path + ".admissionReviewVersions", go_string_slice(versions),
                            "must include at least one of v1, v1beta1"))
    timeout = hook.get("timeoutSeconds")
    if isinstance(timeout, int) and not 1 <= timeout <= 30:
        errs.append(invalid(path + ".timeoutSeconds", timeout, "the timeout value must be between 1 and 30 seconds"))
    for key in ("namespaceSelector", "objectSelector"):
        errs.extend(validate_label_selector(hook.get(key), f"{path}.{key}"))
    errs.extend(_validate_client_config(hook.get("clientConfig"), path + ".clientConfig"))
    if mutating:
        reinvocation = hook.get("reinvocationPolicy")
        if reinvocation is not None and reinvocation not in ("IfNeeded", "Never"):
            errs.append(not_supported(path + ".reinvocationPolicy", reinvocation, ("IfNeeded", "Never")))
    for i, cond in enumerate(as_list(hook.get("matchConditions"))):
        cond = as_dict(cond)
        cname = cond.get("name") or ""
        if not cname:
            errs.append(required(f"{path}.matchConditions[{i}].name"))
        else:
            errs.extend(invalid(f"{path}.matchConditions[{i}].name", cname, m) for m in is_qualified_name(cname))
        if not cond.get("expression"):
            errs.append(required(f"{path}.matchConditions[{i}].expression"))
    return errs


class ValidatingWebhookConfigurationStrategy(Strategy):
    """``validatingwebhookconfigurations``."""

    mutating = False

    def default(self, obj: Obj) -> None:
        for hook in as_list(obj.get("webhooks")):
            if isinstance(hook, dict):
                _default_webhook(hook, mutating=self.mutating)

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        names: set[str] = set()
        for i, hook in enumerate(as_list(obj.get("webhooks"))):
            hook = as_dict(hook)
            errs.extend(_validate_webhook(hook, f"webhooks[{i}]", mutating=self.mutating))
            name = hook.get("name") or ""
            if name in names:
                errs.append(FieldError("Duplicate", f"webhooks[{i}].name", value=name))
            names.add(name)
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return self.validate(ctx, new)


class MutatingWebhookConfigurationStrategy(ValidatingWebhookConfigurationStrategy):
    """``mutatingwebhookconfigurations``: also ``reinvocationPolicy: Never``."""

    mutating = True


class ValidatingAdmissionPolicyStrategy(Strategy):
    """``validatingadmissionpolicies``."""

    def default(self, obj: Obj) -> None:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        if spec.get("failurePolicy") is None:
            spec["failurePolicy"] = "Fail"
        _default_match_resources(spec.get("matchConstraints"))

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        spec = as_dict(obj.get("spec"))
        errs: list[FieldError] = []
        if not as_list(spec.get("validations")) and not as_list(spec.get("auditAnnotations")):
            errs.append(required("spec.validations", "validations or auditAnnotations must contain at least one item"))
        for i, v in enumerate(as_list(spec.get("validations"))):
            if not as_dict(v).get("expression"):
                errs.append(required(f"spec.validations[{i}].expression"))
        policy = spec.get("failurePolicy")
        if policy is not None and policy not in FAILURE_POLICIES:
            errs.append(not_supported("spec.failurePolicy", policy, FAILURE_POLICIES))
        match = spec.get("matchConstraints")
        if isinstance(match, dict):
            errs.extend(_validate_rules(match.get("resourceRules"), "spec.matchConstraints.resourceRules"))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return [] if ctx.subresource == "status" else self.validate(ctx, new)


class ValidatingAdmissionPolicyBindingStrategy(Strategy):
    """``validatingadmissionpolicybindings``."""

    def default(self, obj: Obj) -> None:
        _default_match_resources(as_dict(obj.get("spec")).get("matchResources"))

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        spec = as_dict(obj.get("spec"))
        errs: list[FieldError] = []
        if not spec.get("policyName"):
            errs.append(required("spec.policyName"))
        actions = as_list(spec.get("validationActions"))
        if not actions:
            errs.append(required("spec.validationActions", "at least one validation action is required"))
        seen: set[str] = set()
        for i, action in enumerate(actions):
            if action not in VALIDATION_ACTIONS:
                errs.append(not_supported(f"spec.validationActions[{i}]", action, VALIDATION_ACTIONS))
            if action in seen:
                errs.append(FieldError("Duplicate", f"spec.validationActions[{i}]", value=action))
            seen.add(action)
        if "Deny" in seen and "Warn" in seen:
            errs.append(invalid("spec.validationActions", go_string_slice(actions),
                                "must not contain both Deny and Warn (repeating the same validation failure "
                                "information in the API response and headers serves no purpose)"))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return self.validate(ctx, new)
