"""Defaults for pod specs, wherever they appear (pods and every workload's pod template).

Upstream's ``pkg/apis/core/v1/defaults.go`` (``SetDefaults_PodSpec``, ``SetDefaults_Container``,
``SetDefaults_Probe``, ``SetDefaults_Volume`` and friends), plus the zero values Go prints for
non-pointer structs that clients expect to see (``resources: {}``, ``divisor: "0"``). Every
function is idempotent: defaults run again on each update.
"""

from __future__ import annotations

from typing import Any

from kapi.registry.strategies._util import as_dict, as_list, set_default

Obj = dict[str, Any]

__all__ = [
    "default_container",
    "default_pod_spec",
    "default_pod_template",
    "default_pvc_spec",
    "default_volume",
    "image_pull_policy",
    "sync_deprecated_pod_fields",
]

_FILE_MODE = 420  # 0644
_VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs",
    "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker",
    "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk",
    "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral",
    "image",
)


def image_pull_policy(image: str) -> str:
    """``Always`` for a ``:latest`` or untagged image, else ``IfNotPresent`` (digests included)."""
    if not image or image != image.strip():
        return "IfNotPresent"
    if "@" in image:
        name, _, _digest = image.partition("@")
        last = name.rsplit("/", 1)[-1]
        return "Always" if ":" in last and last.rsplit(":", 1)[1] == "latest" else "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "Always"
    return "Always" if last.rsplit(":", 1)[1] == "latest" else "IfNotPresent"


def _default_field_ref(holder: Obj) -> None:
    ref = holder.get("fieldRef")
    if isinstance(ref, dict):
        set_default(ref, "apiVersion", "v1")
    res = holder.get("resourceFieldRef")
    if isinstance(res, dict) and res.get("divisor") is None:
        res["divisor"] = "0"


def _default_http_get(handler: Any) -> None:
    handler = as_dict(handler)
    http = handler.get("httpGet")
    if isinstance(http, dict):
        set_default(http, "path", "/")
        set_default(http, "scheme", "HTTP")


def _default_probe(probe: Any) -> None:
    if not isinstance(probe, dict):
        return
    for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                       ("failureThreshold", 3)):
        if not probe.get(key):  # Go zero means unset for these int32 fields
            probe[key] = value
    _default_http_get(probe)
    grpc = probe.get("grpc")
    if isinstance(grpc, dict) and grpc.get("service") is None:
        grpc["service"] = ""


def default_container(c: Any) -> None:
    """``SetDefaults_Container`` (also used for init and ephemeral containers)."""
    if not isinstance(c, dict):
        return
    if not c.get("imagePullPolicy"):
        c["imagePullPolicy"] = image_pull_policy(c.get("image") or "")
    set_default(c, "terminationMessagePath", "/dev/termination-log")
    set_default(c, "terminationMessagePolicy", "File")
    if c.get("resources") is None:
        c["resources"] = {}
    for port in as_list(c.get("ports")):
        if isinstance(port, dict):
            set_default(port, "protocol", "TCP")
    for env in as_list(c.get("env")):
        if isinstance(env, dict) and isinstance(env.get("valueFrom"), dict):
            _default_field_ref(env["valueFrom"])
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        _default_probe(c.get(key))
    lifecycle = as_dict(c.get("lifecycle"))
    for key in ("postStart", "preStop"):
        _default_http_get(lifecycle.get(key))


def _default_items(items: Any) -> None:
    for item in as_list(items):
        if isinstance(item, dict):
            _default_field_ref(item)


def default_pvc_spec(spec: Any) -> None:
    """``SetDefaults_PersistentVolumeClaimSpec``: ``volumeMode: Filesystem``."""
    if isinstance(spec, dict):
        set_default(spec, "volumeMode", "Filesystem")


def default_volume(v: Any) -> None:
    """``SetDefaults_Volume`` and the per-source defaults."""
    if not isinstance(v, dict):
        return
    if not any(v.get(src) is not None for src in _VOLUME_SOURCES):
        v["emptyDir"] = {}
    for key in ("configMap", "secret", "downwardAPI", "projected"):
        src = v.get(key)
        if isinstance(src, dict) and src.get("defaultMode") is None:
            src["defaultMode"] = _FILE_MODE
    _default_items(as_dict(v.get("downwardAPI")).get("items"))
    for source in as_list(as_dict(v.get("projected")).get("sources")):
        source = as_dict(source)
        _default_items(as_dict(source.get("downwardAPI")).get("items"))
        token = source.get("serviceAccountToken")
        if isinstance(token, dict) and token.get("expirationSeconds") is None:
            token["expirationSeconds"] = 3600
    host_path = v.get("hostPath")
    if isinstance(host_path, dict) and host_path.get("type") is None:
        host_path["type"] = ""
    iscsi = v.get("iscsi")
    if isinstance(iscsi, dict):
        set_default(iscsi, "iscsiInterface", "default")
    rbd = v.get("rbd")
    if isinstance(rbd, dict):
        set_default(rbd, "pool", "rbd")
        set_default(rbd, "user", "admin")
        set_default(rbd, "keyring", "/etc/ceph/keyring")
    azure = v.get("azureDisk")
    if isinstance(azure, dict):
        set_default(azure, "cachingMode", "ReadWrite")
        set_default(azure, "fsType", "ext4")
        if azure.get("readOnly") is None:
            azure["readOnly"] = False
        set_default(azure, "kind", "Shared")
    scale_io = v.get("scaleIO")
    if isinstance(scale_io, dict):
        set_default(scale_io, "storageMode", "ThinProvisioned")
        set_default(scale_io, "fsType", "xfs")
    claim_template = as_dict(as_dict(v.get("ephemeral")).get("volumeClaimTemplate"))
    default_pvc_spec(claim_template.get("spec"))


def sync_deprecated_pod_fields(spec: Obj) -> None:
    """``serviceAccount`` mirrors ``serviceAccountName`` (the v1 conversion does this)."""
    name = spec.get("serviceAccountName") or ""
    if not name and spec.get("serviceAccount"):
        spec["serviceAccountName"] = name = spec["serviceAccount"]
    if name:
        spec["serviceAccount"] = name
    else:
        spec.pop("serviceAccount", None)


def default_pod_spec(spec: Any) -> None:
    """``SetDefaults_PodSpec`` and everything nested in it."""
    if not isinstance(spec, dict):
        return
    set_default(spec, "dnsPolicy", "ClusterFirst")
    set_default(spec, "restartPolicy", "Always")
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = 30
    set_default(spec, "schedulerName", "default-scheduler")
    sync_deprecated_pod_fields(spec)
    for key in ("containers", "initContainers", "ephemeralContainers"):
        for c in as_list(spec.get(key)):
            default_container(c)
    for v in as_list(spec.get("volumes")):
        default_volume(v)


def default_pod_template(template: Any) -> None:
    """A ``PodTemplateSpec``: pod-spec defaults for its ``spec`` (created if missing)."""
    if not isinstance(template, dict):
        return
    if template.get("spec") is None:
        template["spec"] = {}
    default_pod_spec(template["spec"])
