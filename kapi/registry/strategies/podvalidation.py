"""Validation of pod specs and pod templates (upstream's ``ValidatePodSpec`` and friends).

Covers what users commonly get wrong, with upstream's field paths and messages: containers
(names, images, ports, env, volume mounts, probes, resources), volumes, restart and DNS
policies, tolerations and the scalar fields. Paths are built from a prefix so the same code
serves ``spec`` (pods) and ``spec.template.spec`` (workloads).
"""

from __future__ import annotations

from typing import Any

from kapi.machinery.errors import FieldError
from kapi.machinery.names import (
    is_dns1123_label,
    is_dns1123_subdomain,
    is_env_var_name,
    is_qualified_name,
    is_valid_label_value,
    is_valid_port_name,
    is_valid_port_num,
)
from kapi.machinery.objectmeta import validate_annotations, validate_labels
from kapi.registry.strategies._util import (
    as_dict,
    as_list,
    invalid,
    nonnegative,
    not_supported,
    parse_quantity,
    required,
    required_choice,
)

Obj = dict[str, Any]

__all__ = [
    "PORT_PROTOCOLS",
    "TAINT_EFFECTS",
    "validate_container_ports",
    "validate_pod_spec",
    "validate_pod_template",
    "validate_toleration",
]

PORT_PROTOCOLS = ("SCTP", "TCP", "UDP")
RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
TERMINATION_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
TAINT_EFFECTS = ("NoExecute", "NoSchedule", "PreferNoSchedule")
_MAX_INT32 = 2**31 - 1
_PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
_VOLUME_SOURCES_REQUIRED = {
    "configMap": "name",
    "secret": "secretName",
    "hostPath": "path",
    "persistentVolumeClaim": "claimName",
    "nfs": "server",
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_container_ports(ports: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, port in enumerate(as_list(ports)):
        p = f"{path}[{i}]"
        port = as_dict(port)
        name = port.get("name") or ""
        if name:
            msgs = is_valid_port_name(name)
            if msgs:
                errs.extend(invalid(p + ".name", name, m) for m in msgs)
            elif name in names:
                errs.append(FieldError("Duplicate", p + ".name", value=name))
            else:
                names.add(name)
        cp = port.get("containerPort") or 0
        if cp == 0:
            errs.append(required(p + ".containerPort"))
        elif _is_int(cp):
            errs.extend(invalid(p + ".containerPort", cp, m) for m in is_valid_port_num(cp))
        hp = port.get("hostPort") or 0
        if hp and _is_int(hp):
            errs.extend(invalid(p + ".hostPort", hp, m) for m in is_valid_port_num(hp))
        errs.extend(required_choice(port.get("protocol"), p + ".protocol", PORT_PROTOCOLS))
    return errs


def _port_num_or_name(value: Any, path: str) -> list[FieldError]:
    if _is_int(value):
        return [invalid(path, value, m) for m in is_valid_port_num(value)]
    if isinstance(value, str):
        if not value:
            return [required(path)]
        return [invalid(path, value, m) for m in is_valid_port_name(value)]
    return []


def _validate_handler(handler: Obj, path: str, *, kinds: tuple[str, ...]) -> list[FieldError]:
    errs: list[FieldError] = []
    present = [k for k in kinds if handler.get(k) is not None]
    if not present:
        errs.append(required(path, "must specify a handler type"))
    elif len(present) > 1:
        errs.append(FieldError("Forbidden", f"{path}.{present[1]}", "may not specify more than 1 handler type"))
    http = handler.get("httpGet")
    if isinstance(http, dict):
        errs.extend(_port_num_or_name(http.get("port"), f"{path}.httpGet.port"))
        scheme = http.get("scheme")
        if scheme not in (None, "HTTP", "HTTPS"):
            errs.append(not_supported(f"{path}.httpGet.scheme", scheme, ("HTTP", "HTTPS")))
    tcp = handler.get("tcpSocket")
    if isinstance(tcp, dict):
        errs.extend(_port_num_or_name(tcp.get("port"), f"{path}.tcpSocket.port"))
    exe = handler.get("exec")
    if isinstance(exe, dict) and not exe.get("command"):
        errs.append(required(f"{path}.exec.command"))
    grpc = handler.get("grpc")
    if isinstance(grpc, dict):
        port = grpc.get("port", 0)
        if _is_int(port):
            errs.extend(invalid(f"{path}.grpc.port", port, m) for m in is_valid_port_num(port))
    return errs


def _validate_probe(probe: Any, path: str, *, must_succeed_once: bool) -> list[FieldError]:
    if not isinstance(probe, dict):
        return []
    errs = _validate_handler(probe, path, kinds=_PROBE_HANDLERS)
    for key in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
                "failureThreshold", "terminationGracePeriodSeconds"):
        errs.extend(nonnegative(probe.get(key), f"{path}.{key}"))
    if must_succeed_once and probe.get("successThreshold") not in (None, 1):
        errs.append(invalid(f"{path}.successThreshold", probe["successThreshold"], "must be 1"))
    return errs


def _validate_env(env: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, var in enumerate(as_list(env)):
        p = f"{path}[{i}]"
        var = as_dict(var)
        name = var.get("name") or ""
        if not name:
            errs.append(required(p + ".name"))
        else:
            errs.extend(invalid(p + ".name", name, m) for m in is_env_var_name(name))
        source = var.get("valueFrom")
        if isinstance(source, dict):
            kinds = [k for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
                     if source.get(k) is not None]
            if not kinds:
                errs.append(invalid(p + ".valueFrom", "", "must specify one of: `fieldRef`, `resourceFieldRef`, "
                                                          "`configMapKeyRef` or `secretKeyRef`"))
            elif len(kinds) > 1:
                errs.append(invalid(p + ".valueFrom", "", "may not have more than one field specified at a time"))
            if var.get("value"):
                errs.append(invalid(p + ".valueFrom", "", "may not be specified when `value` is not empty"))
            for key in ("configMapKeyRef", "secretKeyRef"):
                ref = source.get(key)
                if isinstance(ref, dict) and not ref.get("key"):
                    errs.append(required(f"{p}.valueFrom.{key}.key"))
            field_ref = source.get("fieldRef")
            if isinstance(field_ref, dict) and not field_ref.get("fieldPath"):
                errs.append(required(f"{p}.valueFrom.fieldRef.fieldPath"))
    return errs


def _validate_env_from(env_from: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, src in enumerate(as_list(env_from)):
        p = f"{path}[{i}]"
        src = as_dict(src)
        prefix = src.get("prefix")
        if prefix:
            errs.extend(invalid(p + ".prefix", prefix, m) for m in is_env_var_name(prefix))
        kinds = [k for k in ("configMapRef", "secretRef") if src.get(k) is not None]
        if not kinds:
            errs.append(invalid(p, "", "must specify one of: `configMapRef` or `secretRef`"))
        elif len(kinds) > 1:
            errs.append(invalid(p, "", "may not have more than one field specified at a time"))
        for key in kinds:
            name = as_dict(src.get(key)).get("name") or ""
            if name:
                errs.extend(invalid(f"{p}.{key}.name", name, m) for m in is_dns1123_subdomain(name))
    return errs


def _validate_resources(res: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    res = as_dict(res)
    limits = as_dict(res.get("limits"))
    requests = as_dict(res.get("requests"))
    for kind, values in (("limits", limits), ("requests", requests)):
        for name, qty in values.items():
            p = f"{path}.{kind}[{name}]"
            if "/" not in name and name not in ("cpu", "memory", "ephemeral-storage") \
                    and not name.startswith("hugepages-"):
                errs.append(FieldError("Invalid", p, "must be a standard resource for containers", name))
                continue
            for m in is_qualified_name(name):
                errs.append(invalid(p, name, m))
            n = parse_quantity(qty)
            if n is not None and n < 0:
                errs.append(invalid(p, str(qty), "must be greater than or equal to 0"))
    for name, qty in requests.items():
        if name not in limits:
            continue
        req, lim = parse_quantity(qty), parse_quantity(limits[name])
        if req is None or lim is None:
            continue
        overcommit = name in ("cpu", "memory", "ephemeral-storage")
        if not overcommit and req != lim:
            errs.append(invalid(f"{path}.requests[{name}]", str(qty),
                                f"must be equal to {name} limit of {limits[name]}"))
        elif req > lim:
            errs.append(invalid(f"{path}.requests[{name}]", str(qty),
                                f"must be less than or equal to {name} limit of {limits[name]}"))
    return errs


def _validate_container(c: Obj, path: str, volumes: set[str], *, init: bool, for_pod: bool) -> list[FieldError]:
    errs: list[FieldError] = []
    image = c.get("image") or ""
    if not image:
        errs.append(required(path + ".image"))
    elif for_pod and image != image.strip():
        errs.append(invalid(path + ".image", image, "must not have leading or trailing whitespace"))
    errs.extend(required_choice(c.get("imagePullPolicy"), path + ".imagePullPolicy", PULL_POLICIES))
    errs.extend(required_choice(c.get("terminationMessagePolicy"), path + ".terminationMessagePolicy",
                                TERMINATION_MESSAGE_POLICIES))
    errs.extend(validate_container_ports(c.get("ports"), path + ".ports"))
    errs.extend(_validate_env(c.get("env"), path + ".env"))
    errs.extend(_validate_env_from(c.get("envFrom"), path + ".envFrom"))
    mount_paths: set[str] = set()
    for i, mount in enumerate(as_list(c.get("volumeMounts"))):
        p = f"{path}.volumeMounts[{i}]"
        mount = as_dict(mount)
        name = mount.get("name") or ""
        if not name:
            errs.append(required(p + ".name"))
        elif name not in volumes:
            errs.append(FieldError("NotFound", p + ".name", value=name))
        mpath = mount.get("mountPath") or ""
        if not mpath:
            errs.append(required(p + ".mountPath"))
        elif mpath in mount_paths:
            errs.append(invalid(p + ".mountPath", mpath, "must be unique"))
        else:
            mount_paths.add(mpath)
    restart = c.get("restartPolicy")
    sidecar = init and restart == "Always"
    if restart is not None:
        if not init:
            errs.append(FieldError("Forbidden", path + ".restartPolicy", "may not be set for non-init containers"))
        elif restart != "Always":
            errs.append(not_supported(path + ".restartPolicy", restart, ("Always",)))
    if init and not sidecar:
        for key in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
            if c.get(key) is not None:
                errs.append(FieldError("Forbidden", f"{path}.{key}",
                                       "may not be set for init containers without restartPolicy=Always"))
    else:
        errs.extend(_validate_probe(c.get("livenessProbe"), path + ".livenessProbe", must_succeed_once=True))
        errs.extend(_validate_probe(c.get("startupProbe"), path + ".startupProbe", must_succeed_once=True))
        errs.extend(_validate_probe(c.get("readinessProbe"), path + ".readinessProbe", must_succeed_once=False))
        lifecycle = as_dict(c.get("lifecycle"))
        for key in ("postStart", "preStop"):
            if isinstance(lifecycle.get(key), dict):
                errs.extend(_validate_handler(lifecycle[key], f"{path}.lifecycle.{key}",
                                              kinds=("exec", "httpGet", "tcpSocket", "sleep")))
    errs.extend(_validate_resources(c.get("resources"), path + ".resources"))
    return errs


_EPHEMERAL_FORBIDDEN = ("ports", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "resizePolicy",
                        "restartPolicy")


def _validate_ephemeral_container(c: Obj, path: str, *, for_pod: bool) -> list[FieldError]:
    """Debug containers: an image, and none of the fields that only make sense for services."""
    errs: list[FieldError] = []
    if not c.get("image"):
        errs.append(required(path + ".image"))
    for key in _EPHEMERAL_FORBIDDEN:
        if c.get(key) is not None:
            errs.append(FieldError("Forbidden", f"{path}.{key}", "cannot be set for an Ephemeral Container"))
    if as_dict(c.get("resources")):
        errs.append(FieldError("Forbidden", path + ".resources", "cannot be set for an Ephemeral Container"))
    errs.extend(_validate_env(c.get("env"), path + ".env"))
    return errs


def _unique_name(name: str, path: str, seen: set[str]) -> list[FieldError]:
    """A required DNS label not already in ``seen`` (volume and container names); adds it to ``seen``."""
    if not name:
        return [required(path)]
    errs = [invalid(path, name, m) for m in is_dns1123_label(name)]
    if not errs and name in seen:
        errs.append(FieldError("Duplicate", path, value=name))
    seen.add(name)
    return errs


def _validate_volumes(volumes: Any, path: str) -> tuple[list[FieldError], set[str]]:
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, vol in enumerate(as_list(volumes)):
        p = f"{path}[{i}]"
        vol = as_dict(vol)
        errs.extend(_unique_name(vol.get("name") or "", p + ".name", names))
        sources = [k for k in vol if k != "name" and vol[k] is not None]
        if len(sources) > 1:
            errs.append(FieldError("Forbidden", f"{p}.{sources[1]}", "may not specify more than 1 volume type"))
        for src, key in _VOLUME_SOURCES_REQUIRED.items():
            body = vol.get(src)
            if isinstance(body, dict) and not body.get(key):
                errs.append(required(f"{p}.{src}.{key}"))
    return errs, names


def validate_toleration(t: Any, path: str) -> list[FieldError]:
    t = as_dict(t)
    errs: list[FieldError] = []
    key = t.get("key") or ""
    if key:
        errs.extend(invalid(path + ".key", key, m) for m in is_qualified_name(key))
    op = t.get("operator") or ""
    if not key and op != "Exists":
        errs.append(invalid(path + ".operator", op, 'operator must be Exists when `key` is empty, which means '
                                                     '"match all values and all keys"'))
    if t.get("tolerationSeconds") is not None and t.get("effect") != "NoExecute":
        errs.append(invalid(path + ".effect", t.get("effect") or "",
                            "effect must be 'NoExecute' when `tolerationSeconds` is set"))
    if op in ("", "Equal"):
        value = t.get("value") or ""
        if value:
            errs.extend(invalid(path + ".value", value, m) for m in is_valid_label_value(value))
    elif op == "Exists":
        if t.get("value"):
            errs.append(invalid(path + ".operator", t, "value must be empty when `operator` is 'Exists'"))
    else:
        errs.append(not_supported(path + ".operator", op, ("Equal", "Exists")))
    effect = t.get("effect") or ""
    if effect and effect not in TAINT_EFFECTS:
        errs.append(not_supported(path + ".effect", effect, TAINT_EFFECTS))
    return errs


def _validate_host_ports(ports: Any, path: str, *, host_network: bool,
                         taken: set[str] | None) -> list[FieldError]:
    """With ``hostNetwork`` a ``hostPort`` must equal its ``containerPort``; with ``taken`` (regular
    containers) each hostPort/protocol pair may appear once in the pod."""
    errs: list[FieldError] = []
    ports = [as_dict(port) for port in as_list(ports)]
    if host_network:
        for j, port in enumerate(ports):
            hp = port.get("hostPort") or 0
            if hp and hp != port.get("containerPort"):
                errs.append(invalid(f"{path}[{j}].hostPort", hp,
                                    "must match `containerPort` when `hostNetwork` is true"))
    if taken is not None:
        for j, port in enumerate(ports):
            hp = port.get("hostPort") or 0
            if hp:
                ident = f"{hp}/{port.get('protocol') or 'TCP'}"
                if ident in taken:
                    errs.append(FieldError("Duplicate", f"{path}[{j}].hostPort", value=ident))
                taken.add(ident)
    return errs


def _validate_containers(spec: Obj, path: str, volumes: set[str], *, for_pod: bool) -> list[FieldError]:
    """Init, regular and ephemeral containers; names are unique across all three."""
    errs: list[FieldError] = []
    if not as_list(spec.get("containers")):
        errs.append(required(path + ".containers"))
    names: set[str] = set()
    host_ports: set[str] = set()
    for key, init in (("initContainers", True), ("containers", False), ("ephemeralContainers", False)):
        for i, c in enumerate(as_list(spec.get(key))):
            p = f"{path}.{key}[{i}]"
            c = as_dict(c)
            errs.extend(_unique_name(c.get("name") or "", p + ".name", names))
            if key == "ephemeralContainers":
                errs.extend(_validate_ephemeral_container(c, p, for_pod=for_pod))
                continue
            errs.extend(_validate_container(c, p, volumes, init=init, for_pod=for_pod))
            errs.extend(_validate_host_ports(c.get("ports"), p + ".ports", host_network=bool(spec.get("hostNetwork")),
                                             taken=host_ports if key == "containers" else None))
    return errs


def validate_pod_spec(spec: Any, path: str, *, for_pod: bool) -> list[FieldError]:
    """``ValidatePodSpec`` (plus the pod-only container checks, e.g. image whitespace, when ``for_pod``)."""
    spec = as_dict(spec)
    errs, volume_names = _validate_volumes(spec.get("volumes"), path + ".volumes")
    errs.extend(_validate_containers(spec, path, volume_names, for_pod=for_pod))
    errs.extend(required_choice(spec.get("restartPolicy"), path + ".restartPolicy", RESTART_POLICIES))
    dns = spec.get("dnsPolicy")
    errs.extend(required_choice(dns, path + ".dnsPolicy", DNS_POLICIES))
    if dns == "None" and not spec.get("dnsConfig"):
        errs.append(required(path + ".dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None"))
    ads = spec.get("activeDeadlineSeconds")
    if _is_int(ads) and not 1 <= ads <= _MAX_INT32:
        errs.append(invalid(path + ".activeDeadlineSeconds", ads, f"must be between 1 and {_MAX_INT32}, inclusive"))
    for key, rule in (("nodeName", is_dns1123_subdomain), ("serviceAccountName", is_dns1123_subdomain),
                      ("hostname", is_dns1123_label), ("subdomain", is_dns1123_label),
                      ("priorityClassName", is_dns1123_subdomain), ("schedulerName", is_dns1123_subdomain)):
        value = spec.get(key) or ""
        if value:
            errs.extend(invalid(f"{path}.{key}", value, m) for m in rule(value))
    errs.extend(validate_labels(spec.get("nodeSelector"), path + ".nodeSelector"))
    for i, t in enumerate(as_list(spec.get("tolerations"))):
        errs.extend(validate_toleration(t, f"{path}.tolerations[{i}]"))
    for i, secret in enumerate(as_list(spec.get("imagePullSecrets"))):
        name = as_dict(secret).get("name") or ""
        if name:
            errs.extend(invalid(f"{path}.imagePullSecrets[{i}].name", name, m) for m in is_dns1123_subdomain(name))
    for i, alias in enumerate(as_list(spec.get("hostAliases"))):
        if not as_dict(alias).get("ip"):
            errs.append(required(f"{path}.hostAliases[{i}].ip"))
    for i, gate in enumerate(as_list(spec.get("schedulingGates"))):
        name = as_dict(gate).get("name") or ""
        errs.extend(invalid(f"{path}.schedulingGates[{i}].name", name, m) for m in is_qualified_name(name))
    for i, sysctl in enumerate(as_list(as_dict(spec.get("securityContext")).get("sysctls"))):
        name = as_dict(sysctl).get("name") or ""
        if not name:
            errs.append(required(f"{path}.securityContext.sysctls[{i}].name"))
    return errs


def validate_pod_template(template: Any, path: str) -> list[FieldError]:
    """``ValidatePodTemplateSpec``: template metadata labels/annotations and the spec."""
    if not isinstance(template, dict):
        return [required(path)]
    meta = as_dict(template.get("metadata"))
    errs = validate_labels(meta.get("labels"), path + ".metadata.labels")
    errs.extend(validate_annotations(meta.get("annotations"), path + ".metadata.annotations"))
    errs.extend(validate_pod_spec(template.get("spec"), path + ".spec", for_pod=False))
    return errs
