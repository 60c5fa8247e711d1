"""certificates.k8s.io/v1: CertificateSigningRequests.

Upstream: ``pkg/registry/certificates/certificates/strategy.go`` (the requester's identity is
recorded on create; the spec never changes) and ``pkg/apis/certificates/validation``.
"""

from __future__ import annotations

import copy
from typing import Any

from kapi.machinery.errors import FieldError
from kapi.machinery.names import is_qualified_name
from kapi.registry.strategies._util import as_dict, as_list, ensure_dict, invalid, not_supported, required
from kapi.registry.strategy import RequestContext, Strategy

Obj = dict[str, Any]

__all__ = ["CertificateSigningRequestStrategy"]

KEY_USAGES = (
    "signing", "digital signature", "content commitment", "key encipherment", "key agreement",
    "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any", "server auth",
    "client auth", "code signing", "email protection", "s/mime", "ipsec end system", "ipsec tunnel",
    "ipsec user", "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc",
)


class CertificateSigningRequestStrategy(Strategy):
    """``certificatesigningrequests``."""

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        spec = ensure_dict(obj, "spec")
        spec["username"] = ctx.user
        spec["groups"] = ["system:masters", "system:authenticated"] if ctx.user == "system:admin" \
            else ["system:authenticated"]
        spec.pop("uid", None)
        spec.pop("extra", None)

    def prepare_for_update(self, ctx: RequestContext, new: Obj, old: Obj) -> None:
        if "spec" in old:
            new["spec"] = copy.deepcopy(old["spec"])

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        spec = as_dict(obj.get("spec"))
        errs: list[FieldError] = []
        if not spec.get("request"):
            errs.append(invalid("spec.request", None, "PEM block type must be CERTIFICATE REQUEST"))
        signer = spec.get("signerName") or ""
        if not signer:
            errs.append(required("spec.signerName"))
        elif "/" not in signer:
            errs.append(invalid("spec.signerName", signer, "must be a fully qualified domain and path of the form "
                                                            "'example.com/signer-name'"))
        else:
            domain = signer.split("/", 1)[0]
            errs.extend(invalid("spec.signerName", signer, m) for m in is_qualified_name(domain) if domain)
        usages = as_list(spec.get("usages"))
        if not usages:
            errs.append(required("spec.usages"))
        for i, usage in enumerate(usages):
            if usage not in KEY_USAGES:
                errs.append(not_supported(f"spec.usages[{i}]", usage, KEY_USAGES))
        seconds = spec.get("expirationSeconds")
        if isinstance(seconds, int) and seconds < 600:
            errs.append(invalid("spec.expirationSeconds", seconds, "may not specify a duration less than 600 seconds "
                                                                  "(10 minutes)"))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        seen: dict[str, int] = {}
        for i, cond in enumerate(as_list(as_dict(new.get("status")).get("conditions"))):
            ctype = as_dict(cond).get("type") or ""
            if ctype in seen:
                errs.append(FieldError("Duplicate", f"status.conditions[{i}].type", value=ctype))
            seen[ctype] = i
        if "Approved" in seen and "Denied" in seen:
            i = max(seen["Approved"], seen["Denied"])
            ctype = "Denied" if i == seen["Denied"] else "Approved"
            errs.append(invalid(f"status.conditions[{i}].type", ctype,
                                "Approved and Denied conditions are mutually exclusive"))
        return errs

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        return {"spec.signerName": as_dict(obj.get("spec")).get("signerName") or ""}
