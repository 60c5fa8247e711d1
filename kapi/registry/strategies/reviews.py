"""Reviews: create-only resources that answer a question instead of storing an object.

``SelfSubjectAccessReview`` (``kubectl auth can-i``), ``SubjectAccessReview``,
``LocalSubjectAccessReview``, ``SelfSubjectRulesReview``, ``SelfSubjectReview``
(``kubectl auth whoami``) and ``TokenReview``. kapi has no authentication or authorization yet
(every request is ``system:admin``), so the answers say exactly that: everything is allowed,
everyone is the admin. When authn/authz arrive, these are where their decisions show.
"""

from __future__ import annotations

import copy
from typing import Any

from kapi.machinery.errors import FieldError
from kapi.registry.strategy import RequestContext, Strategy

Obj = dict[str, Any]

ADMIN_GROUPS = ["system:masters", "system:authenticated"]
_ALLOWED_REASON = "kapi has no authorizer configured: every request is allowed"


class ReviewStrategy(Strategy):
    """Base: validate the spec, then ``review`` fills ``status``; nothing is stored."""

    stored = False

    def review(self, ctx: RequestContext, obj: Obj) -> Obj:
        out = copy.deepcopy(obj)
        out.setdefault("metadata", {}).setdefault("creationTimestamp", None)
        out["status"] = self.status(ctx, out)
        return out

    def status(self, ctx: RequestContext, obj: Obj) -> Obj:
        raise NotImplementedError


class AccessReviewStrategy(ReviewStrategy):
    """Subject access reviews: one attribute set, one decision."""

    def __init__(self, *, self_review: bool) -> None:
        self.self_review = self_review

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
        errs: list[FieldError] = []
        has_resource = isinstance(spec.get("resourceAttributes"), dict)
        has_non_resource = isinstance(spec.get("nonResourceAttributes"), dict)
        if has_resource == has_non_resource:
            errs.append(FieldError("Invalid", "spec.resourceAttributes", value=spec.get("resourceAttributes"),
                                   detail="exactly one of nonResourceAttributes or resourceAttributes must be "
                                          "specified"))
        if not self.self_review and not (spec.get("user") or spec.get("groups") or spec.get("uid")):
            errs.append(FieldError("Invalid", "spec.user", value=spec.get("user", ""),
                                   detail="at least one of user or group must be specified"))
        return errs

    def status(self, ctx: RequestContext, obj: Obj) -> Obj:
        return {"allowed": True, "reason": _ALLOWED_REASON}


class RulesReviewStrategy(ReviewStrategy):
    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
        if not spec.get("namespace"):
            return [FieldError("Required", "spec.namespace")]
        return []

    def status(self, ctx: RequestContext, obj: Obj) -> Obj:
        return {"resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
                "incomplete": False}


class SelfSubjectReviewStrategy(ReviewStrategy):
    def status(self, ctx: RequestContext, obj: Obj) -> Obj:
        return {"userInfo": {"username": ctx.user, "groups": list(ADMIN_GROUPS)}}


class TokenReviewStrategy(ReviewStrategy):
    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
        if not spec.get("token"):
            return [FieldError("Required", "spec.token")]
        return []

    def status(self, ctx: RequestContext, obj: Obj) -> Obj:
        spec = obj.get("spec") or {}
        out: Obj = {"authenticated": True, "user": {"username": ctx.user, "groups": list(ADMIN_GROUPS)}}
        if spec.get("audiences"):
            out["audiences"] = list(spec["audiences"])
        return out
