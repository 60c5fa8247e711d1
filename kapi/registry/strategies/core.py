"""The smaller core/v1 kinds: namespaces, config maps, secrets, nodes, volumes and claims,
endpoints, limit ranges, quotas, replication controllers and pod templates.

Pods, Services and Events live in :mod:`.pods`, :mod:`.services` and :mod:`.events`. Upstream:
``pkg/apis/core/v1/defaults.go``, ``pkg/registry/core/<kind>/strategy.go`` and
``pkg/apis/core/validation/validation.go``.
"""

from __future__ import annotations

import base64
import binascii
import copy
from typing import Any

from kapi.machinery import errors
from kapi.machinery.errors import FieldError
from kapi.machinery.names import (
    is_config_map_key,
    is_valid_ip,
    is_valid_port_name,
    is_valid_port_num,
)
from kapi.machinery.objectmeta import validate_kube_finalizer_name
from kapi.registry.strategies._util import (
    as_dict,
    as_list,
    ensure_dict,
    go_map,
    immutable,
    invalid,
    nonnegative,
    not_supported,
    parse_quantity,
    required,
    required_choice,
    selector_matches,
    set_default,
)
from kapi.registry.strategies.podspec import default_pod_template, default_pvc_spec
from kapi.registry.strategies.podvalidation import PORT_PROTOCOLS, TAINT_EFFECTS, validate_pod_template
from kapi.registry.strategy import RequestContext, Strategy

Obj = dict[str, Any]

__all__ = [
    "ConfigMapStrategy",
    "EndpointsStrategy",
    "LimitRangeStrategy",
    "NamespaceStrategy",
    "NodeStrategy",
    "PersistentVolumeClaimStrategy",
    "PersistentVolumeStrategy",
    "PodTemplateStrategy",
    "ReplicationControllerStrategy",
    "ResourceQuotaStrategy",
    "SecretStrategy",
    "ServiceAccountStrategy",
]

MAX_SECRET_SIZE = 1 << 20  # 1 MiB, for secrets and config maps alike
IMMUTABLE_WHEN_SET = "field is immutable when `immutable` is set"
NAME_LABEL = "kubernetes.io/metadata.name"


def _too_long_object(path: str) -> FieldError:
    return FieldError("TooLong", path, f"may not be more than {MAX_SECRET_SIZE} bytes")


def _b64_len(value: Any) -> int:
    if not isinstance(value, str):
        return 0
    try:
        return len(base64.b64decode(value, validate=False))
    except (binascii.Error, ValueError):
        return len(value)


# --- namespaces ------------------------------------------------------------------------------

IMMORTAL_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})


class NamespaceStrategy(Strategy):
    """``namespaces``: the ``kubernetes`` finalizer, the name label, phases."""

    returns_deleted_object = True

    def default(self, obj: Obj) -> None:
        meta = as_dict(obj.get("metadata"))
        if meta.get("name"):
            labels = ensure_dict(meta, "labels")
            labels[NAME_LABEL] = meta["name"]
        status = obj.get("status")
        if isinstance(status, dict):
            set_default(status, "phase", "Active")

    def canonicalize(self, obj: Obj) -> None:
        """After a generated name is known (upstream's ``Canonicalize``)."""
        self.default(obj)

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        obj["status"] = {"phase": "Active"}
        spec = ensure_dict(obj, "spec")
        finalizers = spec.get("finalizers")
        if not isinstance(finalizers, list):
            finalizers = spec["finalizers"] = []
        if "kubernetes" not in finalizers:
            finalizers.append("kubernetes")

    def prepare_for_update(self, ctx: RequestContext, new: Obj, old: Obj) -> None:
        if ctx.subresource in (None, ""):
            if "spec" in old:
                new["spec"] = copy.deepcopy(old["spec"])
            else:
                new.pop("spec", None)

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        for i, name in enumerate(as_list(as_dict(obj.get("spec")).get("finalizers"))):
            if isinstance(name, str):
                errs.extend(validate_kube_finalizer_name(name, f"spec.finalizers[{i}]"))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        errs = self.validate(ctx, new)
        if ctx.subresource == "status":
            phase = as_dict(new.get("status")).get("phase")
            if as_dict(new.get("metadata")).get("deletionTimestamp"):
                if phase != "Terminating":
                    errs.append(invalid("status.Phase", phase,
                                        "may only be 'Terminating' if `deletionTimestamp` is not empty"))
            elif phase != "Active":
                errs.append(invalid("status.Phase", phase, "may only be 'Active' if `deletionTimestamp` is empty"))
        return errs

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        return {"status.phase": as_dict(obj.get("status")).get("phase") or ""}

    def check_delete(self, ctx: RequestContext, obj: Obj) -> None:
        name = as_dict(obj.get("metadata")).get("name")
        if name in IMMORTAL_NAMESPACES:
            raise errors.forbidden("", "namespaces", str(name), "this namespace may not be deleted")

    def blocks_deletion(self, obj: Obj) -> bool:
        """A namespace stays until its ``spec.finalizers`` are cleared through ``/finalize``."""
        return bool(as_dict(obj.get("spec")).get("finalizers"))

    def on_terminate(self, obj: Obj) -> None:
        status = ensure_dict(obj, "status")
        status["phase"] = "Terminating"


# --- config maps and secrets -----------------------------------------------------------------

class ConfigMapStrategy(Strategy):
    """``configmaps``: key syntax, 1 MiB total, ``immutable``."""

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        data, binary = as_dict(obj.get("data")), as_dict(obj.get("binaryData"))
        total = 0
        for key, value in data.items():
            errs.extend(invalid(f"data[{key}]", key, m) for m in is_config_map_key(key))
            if key in binary:
                errs.append(invalid(f"data[{key}]", key, "duplicate of key present in binaryData"))
            total += len(value.encode()) if isinstance(value, str) else 0
        for key, value in binary.items():
            errs.extend(invalid(f"binaryData[{key}]", key, m) for m in is_config_map_key(key))
            if key in data:
                errs.append(invalid(f"binaryData[{key}]", key, "duplicate of key present in data"))
            total += _b64_len(value)
        if total > MAX_SECRET_SIZE:
            errs.append(_too_long_object(""))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        if old.get("immutable") is True:
            if new.get("immutable") is not True:
                errs.append(FieldError("Forbidden", "immutable", IMMUTABLE_WHEN_SET))
            if as_dict(new.get("data")) != as_dict(old.get("data")):
                errs.append(FieldError("Forbidden", "data", IMMUTABLE_WHEN_SET))
            if as_dict(new.get("binaryData")) != as_dict(old.get("binaryData")):
                errs.append(FieldError("Forbidden", "binaryData", IMMUTABLE_WHEN_SET))
        errs.extend(self.validate(ctx, new))
        return errs


_SECRET_REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
}


class SecretStrategy(Strategy):
    """``secrets``: ``type: Opaque``, ``stringData`` folded into ``data``, per-type keys."""

    def default(self, obj: Obj) -> None:
        set_default(obj, "type", "Opaque")
        string_data = obj.pop("stringData", None)
        if isinstance(string_data, dict) and string_data:
            data = ensure_dict(obj, "data")
            for key, value in string_data.items():
                if isinstance(value, str):
                    data[key] = base64.b64encode(value.encode()).decode()

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        data = as_dict(obj.get("data"))
        total = 0
        for key, value in data.items():
            errs.extend(invalid(f"data[{key}]", key, m) for m in is_config_map_key(key))
            total += _b64_len(value)
        if total > MAX_SECRET_SIZE:
            errs.append(_too_long_object("data"))
        secret_type = obj.get("type") or ""
        if secret_type == "kubernetes.io/service-account-token":
            annotations = as_dict(as_dict(obj.get("metadata")).get("annotations"))
            if not annotations.get("kubernetes.io/service-account.name"):
                errs.append(required("metadata.annotations[kubernetes.io/service-account.name]"))
        elif secret_type == "kubernetes.io/basic-auth" and "username" not in data and "password" not in data:
            errs.append(required("data[username]"))
            errs.append(required("data[password]"))
        for key in _SECRET_REQUIRED_KEYS.get(secret_type, ()):
            if key not in data:
                errs.append(required(f"data[{key}]"))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        errs = immutable(new.get("type") or "", old.get("type") or "", "type")
        if old.get("immutable") is True:
            if new.get("immutable") is not True:
                errs.append(FieldError("Forbidden", "immutable", IMMUTABLE_WHEN_SET))
            if as_dict(new.get("data")) != as_dict(old.get("data")):
                errs.append(FieldError("Forbidden", "data", IMMUTABLE_WHEN_SET))
        errs.extend(self.validate(ctx, new))
        return errs

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        return {"type": obj.get("type") or ""}


# --- nodes -------------------------------------------------------------------------------------

class NodeStrategy(Strategy):
    """``nodes``: kubelets register with their status, so it is kept on create."""

    reset_status_on_create = False

    def default(self, obj: Obj) -> None:
        status = obj.get("status")
        if isinstance(status, dict) and status.get("allocatable") is None and isinstance(status.get("capacity"), dict):
            status["allocatable"] = copy.deepcopy(status["capacity"])

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        spec = as_dict(obj.get("spec"))
        for i, taint in enumerate(as_list(spec.get("taints"))):
            taint = as_dict(taint)
            if not taint.get("key"):
                errs.append(required(f"spec.taints[{i}].key"))
            errs.extend(required_choice(taint.get("effect"), f"spec.taints[{i}].effect", TAINT_EFFECTS))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        errs = self.validate(ctx, new)
        old_cidr = as_dict(old.get("spec")).get("podCIDR") or ""
        if old_cidr and as_dict(new.get("spec")).get("podCIDR") != old_cidr:
            errs.append(FieldError("Forbidden", "spec.podCIDRs", "node updates may not change podCIDR except from "
                                                                 '"" to valid'))
        return errs

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        return {"spec.unschedulable": "true" if as_dict(obj.get("spec")).get("unschedulable") else "false"}


# --- persistent volumes and claims ---------------------------------------------------------------

_ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")


class PersistentVolumeStrategy(Strategy):
    """``persistentvolumes``: ``Retain``, ``Filesystem``, phase ``Pending`` with its transition time."""

    returns_deleted_object = True

    def default(self, obj: Obj) -> None:
        spec = ensure_dict(obj, "spec")
        set_default(spec, "persistentVolumeReclaimPolicy", "Retain")
        set_default(spec, "volumeMode", "Filesystem")
        host_path = spec.get("hostPath")
        if isinstance(host_path, dict) and host_path.get("type") is None:
            host_path["type"] = ""
        status = obj.get("status")
        if isinstance(status, dict):
            set_default(status, "phase", "Pending")

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        obj["status"] = {"phase": "Pending"}
        if ctx.now:
            obj["status"]["lastPhaseTransitionTime"] = ctx.now

    def prepare_for_update(self, ctx: RequestContext, new: Obj, old: Obj) -> None:
        if ctx.subresource == "status":
            status, old_status = as_dict(new.get("status")), as_dict(old.get("status"))
            if status.get("phase") != old_status.get("phase") and ctx.now and "status" in new:
                status["lastPhaseTransitionTime"] = ctx.now

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        spec = as_dict(obj.get("spec"))
        errs: list[FieldError] = []
        modes = as_list(spec.get("accessModes"))
        if not modes:
            errs.append(required("spec.accessModes"))
        for mode in modes:
            if mode not in _ACCESS_MODES:
                errs.append(not_supported("spec.accessModes", mode, _ACCESS_MODES))
        if "storage" not in as_dict(spec.get("capacity")):
            errs.append(required("spec.capacity"))
        policy = spec.get("persistentVolumeReclaimPolicy")
        if policy not in ("Delete", "Recycle", "Retain"):
            errs.append(not_supported("spec.persistentVolumeReclaimPolicy", policy, ("Delete", "Recycle", "Retain")))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        if ctx.subresource == "status":
            return []
        errs = self.validate(ctx, new)
        ns, os_ = as_dict(new.get("spec")), as_dict(old.get("spec"))
        errs.extend(immutable(ns.get("volumeMode"), os_.get("volumeMode"), "volumeMode"))
        return errs


class PersistentVolumeClaimStrategy(Strategy):
    """``persistentvolumeclaims``: ``Filesystem``, phase ``Pending``, a mostly immutable spec."""

    returns_deleted_object = True

    def default(self, obj: Obj) -> None:
        spec = ensure_dict(obj, "spec")
        default_pvc_spec(spec)
        status = ensure_dict(obj, "status")
        set_default(status, "phase", "Pending")

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        obj["status"] = {"phase": "Pending"}

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        spec = as_dict(obj.get("spec"))
        errs: list[FieldError] = []
        modes = as_list(spec.get("accessModes"))
        if not modes:
            errs.append(required("spec.accessModes", "at least 1 access mode is required"))
        for mode in modes:
            if mode not in _ACCESS_MODES:
                errs.append(not_supported("spec.accessModes", mode, _ACCESS_MODES))
        storage = as_dict(as_dict(spec.get("resources")).get("requests")).get("storage")
        if storage is None:
            errs.append(required("spec.resources[storage]"))
        else:
            n = parse_quantity(storage)
            if n is not None and n <= 0:
                errs.append(invalid("spec.resources.requests[storage]", storage, "must be greater than zero"))
        mode = spec.get("volumeMode")
        if mode not in (None, "Block", "Filesystem"):
            errs.append(not_supported("spec.volumeMode", mode, ("Block", "Filesystem")))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        if ctx.subresource == "status":
            return []
        errs = self.validate(ctx, new)
        ns, os_ = copy.deepcopy(as_dict(new.get("spec"))), copy.deepcopy(as_dict(old.get("spec")))
        if not os_.get("volumeName"):
            os_["volumeName"] = ns.get("volumeName")
        if os_.get("storageClassName") is None and "storageClassName" in ns:
            os_["storageClassName"] = ns["storageClassName"]
        for spec in (ns, os_):
            as_dict(spec.get("resources")).pop("requests", None)
            if not as_dict(spec.get("resources")):
                spec.pop("resources", None)
            if spec.get("volumeName") is None:
                spec.pop("volumeName", None)
        if ns != os_:
            errs.append(FieldError("Forbidden", "spec",
                                   "spec is immutable after creation except resources.requests for bound claims"))
        return errs


# --- endpoints, limit ranges, quotas -----------------------------------------------------------

class EndpointsStrategy(Strategy):
    """``endpoints``: ports default to TCP; addresses must be IPs."""

    allow_create_on_update = True

    def default(self, obj: Obj) -> None:
        for subset in as_list(obj.get("subsets")):
            for port in as_list(as_dict(subset).get("ports")):
                if isinstance(port, dict):
                    set_default(port, "protocol", "TCP")

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        for i, subset in enumerate(as_list(obj.get("subsets"))):
            subset = as_dict(subset)
            for key in ("addresses", "notReadyAddresses"):
                for j, addr in enumerate(as_list(subset.get(key))):
                    ip = as_dict(addr).get("ip") or ""
                    errs.extend(invalid(f"subsets[{i}].{key}[{j}].ip", ip, m) for m in is_valid_ip(ip))
            ports = as_list(subset.get("ports"))
            for j, port in enumerate(ports):
                port = as_dict(port)
                p = f"subsets[{i}].ports[{j}]"
                name = port.get("name") or ""
                if len(ports) > 1 and not name:
                    errs.append(required(p + ".name"))
                elif name:
                    errs.extend(invalid(p + ".name", name, m) for m in is_valid_port_name(name))
                number = port.get("port", 0)
                if isinstance(number, int):
                    errs.extend(invalid(p + ".port", number, m) for m in is_valid_port_num(number))
                proto = port.get("protocol") or ""
                if proto not in PORT_PROTOCOLS:
                    errs.append(not_supported(p + ".protocol", proto, PORT_PROTOCOLS))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return self.validate(ctx, new)


class LimitRangeStrategy(Strategy):
    """``limitranges``: container defaults derived from ``max``/``default``/``min``."""

    allow_create_on_update = True

    def default(self, obj: Obj) -> None:
        for item in as_list(as_dict(obj.get("spec")).get("limits")):
            if not isinstance(item, dict) or item.get("type") != "Container":
                continue
            default = dict(as_dict(item.get("default")))
            request = dict(as_dict(item.get("defaultRequest")))
            for key, value in as_dict(item.get("max")).items():
                default.setdefault(key, value)
            for key, value in default.items():
                request.setdefault(key, value)
            for key, value in as_dict(item.get("min")).items():
                request.setdefault(key, value)
            if default:
                item["default"] = default
            if request:
                item["defaultRequest"] = request

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        types = ("Container", "PersistentVolumeClaim", "Pod")
        for i, item in enumerate(as_list(as_dict(obj.get("spec")).get("limits"))):
            t = as_dict(item).get("type") or ""
            if t not in types:
                errs.append(not_supported(f"spec.limits[{i}].type", t, types))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return self.validate(ctx, new)


class ResourceQuotaStrategy(Strategy):
    """``resourcequotas``: non-negative hard limits."""

    returns_deleted_object = True

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        for key, value in as_dict(as_dict(obj.get("spec")).get("hard")).items():
            n = parse_quantity(value)
            if n is not None and n < 0:
                errs.append(invalid(f"spec.hard[{key}]", value, "must be greater than or equal to 0"))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return [] if ctx.subresource == "status" else self.validate(ctx, new)


# --- replication controllers and pod templates -----------------------------------------------------

class ReplicationControllerStrategy(Strategy):
    """``replicationcontrollers``: selector and labels default to the template's labels."""

    def default(self, obj: Obj) -> None:
        spec = ensure_dict(obj, "spec")
        template = spec.get("template")
        labels = as_dict(as_dict(template).get("metadata")).get("labels")
        if isinstance(labels, dict) and labels:
            if not spec.get("selector"):
                spec["selector"] = dict(labels)
            meta = obj.setdefault("metadata", {})
            if not meta.get("labels"):
                meta["labels"] = dict(labels)
        if spec.get("replicas") is None:
            spec["replicas"] = 1
        default_pod_template(template)

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        spec = as_dict(obj.get("spec"))
        errs = nonnegative(spec.get("replicas"), "spec.replicas")
        errs.extend(nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds"))
        selector = as_dict(spec.get("selector"))
        if not selector:
            errs.append(required("spec.selector"))
        template = spec.get("template")
        if not isinstance(template, dict):
            errs.append(required("spec.template"))
            return errs
        labels = as_dict(as_dict(template.get("metadata")).get("labels"))
        if selector and not selector_matches({"matchLabels": selector}, labels):
            errs.append(invalid("spec.template.metadata.labels", go_map(labels or None),
                                "`selector` does not match template `labels`"))
        errs.extend(validate_pod_template(template, "spec.template"))
        restart = as_dict(template.get("spec")).get("restartPolicy")
        if restart and restart != "Always":
            errs.append(not_supported("spec.template.spec.restartPolicy", restart, ("Always",)))
        if as_dict(template.get("spec")).get("activeDeadlineSeconds") is not None:
            errs.append(FieldError("Forbidden", "spec.template.spec.activeDeadlineSeconds",
                                   "activeDeadlineSeconds in ReplicationController is not Supported"))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return [] if ctx.subresource == "status" else self.validate(ctx, new)

    def selectable_fields(self, obj: Obj) -> dict[str, str]:
        return {"status.replicas": str(as_dict(obj.get("status")).get("replicas") or 0)}


class PodTemplateStrategy(Strategy):
    """``podtemplates``."""

    returns_deleted_object = True

    def default(self, obj: Obj) -> None:
        if obj.get("template") is None:
            obj["template"] = {}
        default_pod_template(obj["template"])

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        return validate_pod_template(obj.get("template"), "template")

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return self.validate(ctx, new)


class ServiceAccountStrategy(Strategy):
    """``serviceaccounts``: secret references keep only their names."""

    returns_deleted_object = True

    def default(self, obj: Obj) -> None:
        secrets = obj.get("secrets")
        if isinstance(secrets, list):
            obj["secrets"] = [{"name": as_dict(ref).get("name", "")} for ref in secrets]

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        errs: list[FieldError] = []
        for i, ref in enumerate(as_list(obj.get("imagePullSecrets"))):
            if not as_dict(ref).get("name"):
                errs.append(required(f"imagePullSecrets[{i}].name"))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return self.validate(ctx, new)
