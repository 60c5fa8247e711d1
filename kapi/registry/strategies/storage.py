"""storage.k8s.io/v1: StorageClasses, CSIDrivers and VolumeAttachments.

Upstream: ``pkg/apis/storage/v1/defaults.go`` and ``pkg/apis/storage/validation/validation.go``.
"""

from __future__ import annotations

from typing import Any

from kapi.machinery.errors import FieldError
from kapi.machinery.names import is_dns1123_subdomain, is_qualified_name
from kapi.registry.strategies._util import (
    as_dict,
    as_list,
    ensure_dict,
    immutable,
    not_supported,
    required,
    set_default,
)
from kapi.registry.strategy import RequestContext, Strategy

Obj = dict[str, Any]

__all__ = ["CSIDriverStrategy", "StorageClassStrategy", "VolumeAttachmentStrategy"]

RECLAIM_POLICIES = ("Delete", "Retain")
BINDING_MODES = ("Immediate", "WaitForFirstConsumer")
FS_GROUP_POLICIES = ("File", "None", "ReadWriteOnceWithFSType")
LIFECYCLE_MODES = ("Ephemeral", "Persistent")


class StorageClassStrategy(Strategy):
    """``storageclasses``: ``Delete`` and ``Immediate`` by default; most fields immutable."""

    returns_deleted_object = True

    def default(self, obj: Obj) -> None:
        set_default(obj, "reclaimPolicy", "Delete")
        set_default(obj, "volumeBindingMode", "Immediate")

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        provisioner = obj.get("provisioner") or ""
        if not provisioner:
            errs.append(required("provisioner"))
        else:
            errs.extend(FieldError("Invalid", "provisioner", m, provisioner)
                        for m in is_qualified_name(provisioner.lower()))
        policy = obj.get("reclaimPolicy")
        if policy not in RECLAIM_POLICIES:
            errs.append(not_supported("reclaimPolicy", policy, RECLAIM_POLICIES))
        mode = obj.get("volumeBindingMode")
        if mode not in BINDING_MODES:
            errs.append(not_supported("volumeBindingMode", mode, BINDING_MODES))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        errs = self.validate(ctx, new)
        for key in ("parameters", "provisioner", "reclaimPolicy"):
            if new.get(key) != old.get(key):
                errs.append(FieldError("Forbidden", key, f"updates to {key} are forbidden."))
        errs.extend(immutable(new.get("volumeBindingMode"), old.get("volumeBindingMode"), "volumeBindingMode"))
        return errs


class CSIDriverStrategy(Strategy):
    """``csidrivers``."""

    returns_deleted_object = True

    def default(self, obj: Obj) -> None:
        spec = ensure_dict(obj, "spec")
        for key, value in (("attachRequired", True), ("podInfoOnMount", False), ("storageCapacity", False),
                           ("requiresRepublish", False)):
            if spec.get(key) is None:
                spec[key] = value
        set_default(spec, "fsGroupPolicy", "ReadWriteOnceWithFSType")
        if not spec.get("volumeLifecycleModes"):
            spec["volumeLifecycleModes"] = ["Persistent"]

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        spec = as_dict(obj.get("spec"))
        errs: list[FieldError] = []
        policy = spec.get("fsGroupPolicy")
        if policy is not None and policy not in FS_GROUP_POLICIES:
            errs.append(not_supported("spec.fsGroupPolicy", policy, FS_GROUP_POLICIES))
        for i, mode in enumerate(as_list(spec.get("volumeLifecycleModes"))):
            if mode not in LIFECYCLE_MODES:
                errs.append(not_supported(f"spec.volumeLifecycleModes[{i}]", mode, LIFECYCLE_MODES))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        errs = self.validate(ctx, new)
        ns, os_ = as_dict(new.get("spec")), as_dict(old.get("spec"))
        for key in ("attachRequired", "volumeLifecycleModes"):
            errs.extend(immutable(ns.get(key), os_.get(key), f"spec.{key}"))
        return errs


class VolumeAttachmentStrategy(Strategy):
    """``volumeattachments``: an attacher, a node and exactly one source; the spec is immutable."""

    returns_deleted_object = True

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        spec = as_dict(obj.get("spec"))
        errs: list[FieldError] = []
        attacher = spec.get("attacher") or ""
        if not attacher:
            errs.append(required("spec.attacher"))
        node = spec.get("nodeName") or ""
        if not node:
            errs.append(required("spec.nodeName"))
        else:
            errs.extend(FieldError("Invalid", "spec.nodeName", m, node) for m in is_dns1123_subdomain(node))
        source = as_dict(spec.get("source"))
        present = [k for k in ("persistentVolumeName", "inlineVolumeSpec") if source.get(k) is not None]
        if len(present) != 1:
            errs.append(FieldError("Required", "spec.source", "must specify exactly one of persistentVolumeName and "
                                                              "inlineVolumeSpec"))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        if ctx.subresource == "status":
            return []
        errs = self.validate(ctx, new)
        errs.extend(immutable(new.get("spec"), old.get("spec"), "spec"))
        return errs


class CSINodeStrategy(Strategy):
    returns_deleted_object = True


class VolumeAttributesClassStrategy(Strategy):
    returns_deleted_object = True
