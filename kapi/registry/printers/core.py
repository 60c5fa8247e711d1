"""Printers of the core (``v1``) kinds, after upstream ``pkg/printers/internalversion/printers.go``."""

from __future__ import annotations

from typing import Any

from kapi.registry.printers._base import (
    CONTAINERS,
    IMAGES,
    Cell,
    Column,
    Obj,
    Printer,
    age,
    age_column,
    container_cells,
    format_labels,
    get,
    human_duration,
    int_of,
    items,
    join_host_port,
    mapping,
    meta,
    name_column,
    name_of,
    quantity,
    since,
    timestamp,
)

_NODE_UNREACHABLE_REASON = "NodeLost"


# --- pods ------------------------------------------------------------------------------------------
def _restartable(container: Any) -> bool:
    """``IsRestartableInitContainer``: a sidecar (init container with ``restartPolicy: Always``)."""
    return isinstance(container, dict) and container.get("restartPolicy") == "Always"


def _condition_true(conditions: list[Any], ctype: str) -> bool:
    for c in conditions:
        if isinstance(c, dict) and c.get("type") == ctype:
            return c.get("status") == "True"
    return False


def _last_termination(status: Obj) -> float | None:
    return timestamp(get(status, "lastState", "terminated", "finishedAt"))


def _later(a: float | None, b: float | None) -> float | None:
    if b is None:
        return a
    return b if a is None or b > a else a


def pod_status(pod: Obj, now: float) -> tuple[str, str, str]:
    """READY, STATUS and RESTARTS of a pod, computed as upstream ``printPod``."""
    spec = mapping(pod, "spec")
    status = mapping(pod, "status")
    conditions = items(status, "conditions")
    phase = str(status.get("phase") or "")
    reason = str(status.get("reason") or "") or phase
    for c in conditions:
        if isinstance(c, dict) and c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    init_specs = {c.get("name"): c for c in items(spec, "initContainers") if isinstance(c, dict)}
    total = len(items(spec, "containers")) + sum(1 for c in init_specs.values() if _restartable(c))
    ready = 0
    restarts = 0
    sidecar_restarts = 0
    last_restart: float | None = None
    last_sidecar_restart: float | None = None

    initializing = False
    n_init = len(items(spec, "initContainers"))
    for i, cs in enumerate(items(status, "initContainerStatuses")):
        if not isinstance(cs, dict):
            continue
        count = int_of(cs.get("restartCount"))
        restarts += count
        finished = _last_termination(cs)
        last_restart = _later(last_restart, finished)
        sidecar = _restartable(init_specs.get(cs.get("name")))
        if sidecar:
            sidecar_restarts += count
            last_sidecar_restart = _later(last_sidecar_restart, finished)
        terminated = get(cs, "state", "terminated")
        waiting = get(cs, "state", "waiting")
        if isinstance(terminated, dict) and int_of(terminated.get("exitCode")) == 0:
            continue
        if sidecar and cs.get("started") is True:
            if cs.get("ready"):
                ready += 1
            continue
        if isinstance(terminated, dict):
            if not terminated.get("reason"):
                signal = int_of(terminated.get("signal"))
                reason = (f"Init:Signal:{signal}" if signal != 0
                          else f"Init:ExitCode:{int_of(terminated.get('exitCode'))}")
            else:
                reason = f"Init:{terminated['reason']}"
        elif isinstance(waiting, dict) and waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            reason = f"Init:{waiting['reason']}"
        else:
            reason = f"Init:{i}/{n_init}"
        initializing = True
        break

    if not initializing or _condition_true(conditions, "Initialized"):
        restarts = sidecar_restarts
        last_restart = last_sidecar_restart
        has_running = False
        error_reason = ""
        for cs in reversed(items(status, "containerStatuses")):
            if not isinstance(cs, dict):
                continue
            restarts += int_of(cs.get("restartCount"))
            last_restart = _later(last_restart, _last_termination(cs))
            waiting = get(cs, "state", "waiting")
            terminated = get(cs, "state", "terminated")
            if isinstance(waiting, dict) and waiting.get("reason"):
                reason = str(waiting["reason"])
            elif isinstance(terminated, dict):
                if terminated.get("reason"):
                    reason = str(terminated["reason"])
                elif int_of(terminated.get("signal")) != 0:
                    reason = f"Signal:{int_of(terminated.get('signal'))}"
                else:
                    reason = f"ExitCode:{int_of(terminated.get('exitCode'))}"
                if int_of(terminated.get("exitCode")) != 0:
                    error_reason = reason
            elif cs.get("ready") and isinstance(get(cs, "state", "running"), dict):
                has_running = True
                ready += 1
        if reason == "Completed":
            if has_running and _condition_true(conditions, "Ready"):
                reason = "Running"
            elif error_reason:
                reason = error_reason
            elif has_running:
                reason = "NotReady"

    deleting = meta(pod).get("deletionTimestamp") is not None
    if deleting and status.get("reason") == _NODE_UNREACHABLE_REASON:
        reason = "Unknown"
    elif deleting and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"

    restarts_text = str(restarts)
    if restarts != 0 and last_restart is not None:
        restarts_text = f"{restarts} ({human_duration(now - last_restart)} ago)"
    return f"{ready}/{total}", reason, restarts_text


def _pod_row(pod: Obj, now: float) -> list[Cell]:
    ready, reason, restarts = pod_status(pod, now)
    spec = mapping(pod, "spec")
    status = mapping(pod, "status")
    ips = items(status, "podIPs")
    ip = str(get(ips[0], "ip") or "") if ips else ""
    gates = items(spec, "readinessGates")
    gates_text = "<none>"
    if gates:
        conditions = [c for c in items(status, "conditions") if isinstance(c, dict)]
        true = 0
        for gate in gates:
            ctype = get(gate, "conditionType")
            for c in conditions:
                if c.get("type") == ctype:
                    true += c.get("status") == "True"
                    break
        gates_text = f"{true}/{len(gates)}"
    return [name_of(pod), ready, reason, restarts, age(pod, now), ip or "<none>",
            str(spec.get("nodeName") or "") or "<none>",
            str(status.get("nominatedNodeName") or "") or "<none>", gates_text]


def _pod_conditions(pod: Obj) -> list[dict[str, str]]:
    phase = get(pod, "status", "phase")
    if phase == "Succeeded":
        return [{"type": "Completed", "status": "True", "reason": "Succeeded",
                 "message": "The pod has completed successfully."}]
    if phase == "Failed":
        return [{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}]
    return []


PODS = Printer((
    name_column(),
    Column("Ready", description="The aggregate readiness state of this pod for accepting traffic."),
    Column("Status", description="The aggregate status of the containers in this pod."),
    Column("Restarts", description="The number of times the containers in this pod have been restarted "
                                   "and when the last container in this pod has restarted."),
    age_column(),
    Column("IP", priority=1, ref=("core.v1.PodStatus", "podIP")),
    Column("Node", priority=1, ref=("core.v1.PodSpec", "nodeName")),
    Column("Nominated Node", priority=1, ref=("core.v1.PodStatus", "nominatedNodeName")),
    Column("Readiness Gates", priority=1, ref=("core.v1.PodSpec", "readinessGates")),
), _pod_row, _pod_conditions)


PODTEMPLATES = Printer((
    name_column(),
    Column("Containers", description="Names of each container in the template."),
    Column("Images", description="Images referenced by each container in the template."),
    Column("Pod Labels", description="The labels for the pod template."),
), lambda o, now: [name_of(o), *container_cells(items(o, "template", "spec", "containers")),
                   format_labels(mapping(o, "template", "metadata", "labels"))])


def _rc_row(o: Obj, now: float) -> list[Cell]:
    names, images = container_cells(items(o, "spec", "template", "spec", "containers"))
    return [name_of(o), int_of(get(o, "spec", "replicas"), 1), int_of(get(o, "status", "replicas")),
            int_of(get(o, "status", "readyReplicas")), age(o, now), names, images,
            format_labels(mapping(o, "spec", "selector"))]


REPLICATIONCONTROLLERS = Printer((
    name_column(),
    Column("Desired", "integer", ref=("core.v1.ReplicationControllerSpec", "replicas")),
    Column("Current", "integer", ref=("core.v1.ReplicationControllerStatus", "replicas")),
    Column("Ready", "integer", ref=("core.v1.ReplicationControllerStatus", "readyReplicas")),
    age_column(), CONTAINERS, IMAGES,
    Column("Selector", priority=1, ref=("core.v1.ReplicationControllerSpec", "selector")),
), _rc_row)


# --- services and endpoints ------------------------------------------------------------------------
_LB_WIDTH = 16


def _lb_ingress(ingress: list[Any], wide: bool = True) -> str:
    found = sorted({str(i.get("ip") or i.get("hostname")) for i in ingress
                    if isinstance(i, dict) and (i.get("ip") or i.get("hostname"))})
    text = ",".join(found)
    if not wide and len(text) > _LB_WIDTH:
        text = text[:_LB_WIDTH - 3] + "..."
    return text


def _external_ip(svc: Obj) -> str:
    spec = mapping(svc, "spec")
    stype = spec.get("type") or "ClusterIP"
    external = [str(x) for x in items(spec, "externalIPs")]
    if stype in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if stype == "LoadBalancer":
        lb = _lb_ingress(items(svc, "status", "loadBalancer", "ingress"))
        if external:
            return ",".join([*(lb.split(",") if lb else []), *external])
        return lb or "<pending>"
    if stype == "ExternalName":
        return str(spec.get("externalName") or "")
    return "<unknown>"


def _ports(ports: list[Any]) -> str:
    out = []
    for p in ports:
        if not isinstance(p, dict):
            continue
        proto = p.get("protocol") or "TCP"
        node_port = int_of(p.get("nodePort"))
        out.append(f"{int_of(p.get('port'))}:{node_port}/{proto}" if node_port > 0
                   else f"{int_of(p.get('port'))}/{proto}")
    return ",".join(out)


def _service_row(o: Obj, now: float) -> list[Cell]:
    spec = mapping(o, "spec")
    ips = items(spec, "clusterIPs")
    return [name_of(o), str(spec.get("type") or ""), str(ips[0]) if ips else "<none>", _external_ip(o),
            _ports(items(spec, "ports")) or "<none>", age(o, now), format_labels(mapping(spec, "selector"))]


SERVICES = Printer((
    name_column(),
    Column("Type", ref=("core.v1.ServiceSpec", "type")),
    Column("Cluster-IP", ref=("core.v1.ServiceSpec", "clusterIP")),
    Column("External-IP", ref=("core.v1.ServiceSpec", "externalIPs")),
    Column("Port(s)", ref=("core.v1.ServiceSpec", "ports")),
    age_column(),
    Column("Selector", priority=1, ref=("core.v1.ServiceSpec", "selector")),
), _service_row)


def format_endpoints(o: Obj) -> str:
    """``formatEndpoints`` with all ports: up to three ``ip:port``, then `` + N more...``."""
    subsets = [s for s in items(o, "subsets") if isinstance(s, dict)]
    if not subsets:
        return "<none>"
    out: list[str] = []
    limit, more, count = 3, False, 0
    for ss in subsets:
        addresses = [a for a in items(ss, "addresses") if isinstance(a, dict)]
        ports = [p for p in items(ss, "ports") if isinstance(p, dict)]
        if not ports:
            count += len(addresses)
            for a in addresses:
                if len(out) == limit:
                    more = True
                    break
                out.append(str(a.get("ip") or ""))
            continue
        for p in ports:
            count += len(addresses)
            for a in addresses:
                if len(out) == limit:
                    more = True
                    break
                out.append(join_host_port(str(a.get("ip") or ""), int_of(p.get("port"))))
    text = ",".join(out)
    return f"{text} + {count - limit} more..." if more else text


ENDPOINTS = Printer((
    name_column(),
    Column("Endpoints", ref=("core.v1.Endpoints", "subsets")),
    age_column(),
), lambda o, now: [name_of(o), format_endpoints(o), age(o, now)])


# --- nodes and namespaces ----------------------------------------------------------------------------
def _node_roles(o: Obj) -> str:
    roles: set[str] = set()
    for k, v in mapping(o, "metadata", "labels").items():
        if k.startswith("node-role.kubernetes.io/"):
            role = k[len("node-role.kubernetes.io/"):]
            if role:
                roles.add(role)
        elif k == "kubernetes.io/role" and v:
            roles.add(str(v))
    return ",".join(sorted(roles)) or "<none>"


def _node_address(o: Obj, kind: str) -> str:
    for a in items(o, "status", "addresses"):
        if isinstance(a, dict) and a.get("type") == kind:
            return str(a.get("address") or "")
    return "<none>"


def _node_row(o: Obj, now: float) -> list[Cell]:
    status: list[str] = []
    for c in items(o, "status", "conditions"):
        if isinstance(c, dict) and c.get("type") == "Ready":
            status = ["Ready" if c.get("status") == "True" else "NotReady"]
    if not status:
        status = ["Unknown"]
    if get(o, "spec", "unschedulable"):
        status.append("SchedulingDisabled")
    info = mapping(o, "status", "nodeInfo")
    return [name_of(o), ",".join(status), _node_roles(o), age(o, now), str(info.get("kubeletVersion") or ""),
            _node_address(o, "InternalIP"), _node_address(o, "ExternalIP"),
            str(info.get("osImage") or "") or "<unknown>", str(info.get("kernelVersion") or "") or "<unknown>",
            str(info.get("containerRuntimeVersion") or "") or "<unknown>"]


NODES = Printer((
    name_column(),
    Column("Status", description="The status of the node"),
    Column("Roles", description="The roles of the node"),
    age_column(),
    Column("Version", ref=("core.v1.NodeSystemInfo", "kubeletVersion")),
    Column("Internal-IP", priority=1, ref=("core.v1.NodeStatus", "addresses")),
    Column("External-IP", priority=1, ref=("core.v1.NodeStatus", "addresses")),
    Column("OS-Image", priority=1, ref=("core.v1.NodeSystemInfo", "osImage")),
    Column("Kernel-Version", priority=1, ref=("core.v1.NodeSystemInfo", "kernelVersion")),
    Column("Container-Runtime", priority=1, ref=("core.v1.NodeSystemInfo", "containerRuntimeVersion")),
), _node_row)


NAMESPACES = Printer((
    name_column(),
    Column("Status", description="The status of the namespace"),
    age_column(),
), lambda o, now: [name_of(o), str(get(o, "status", "phase") or ""), age(o, now)])


# --- events ------------------------------------------------------------------------------------------
def _event_source(o: Obj) -> str:
    component = str(get(o, "source", "component") or "") or str(o.get("reportingComponent") or "")
    host = str(get(o, "source", "host") or "") or str(o.get("reportingInstance") or "")
    return f"{component}, {host}" if host else component


def event_row(o: Obj, now: float) -> list[Cell]:
    """``printEvent`` over a core/v1 Event (events.k8s.io/v1 ones are mapped to it first)."""
    first = since(o.get("firstTimestamp"), now) if timestamp(o.get("firstTimestamp")) is not None \
        else since(o.get("eventTime"), now)
    last = since(o.get("lastTimestamp"), now) if timestamp(o.get("lastTimestamp")) is not None else first
    count = int_of(o.get("count"))
    series = o.get("series")
    if isinstance(series, dict):
        last = since(series.get("lastObservedTime"), now)
        count = int_of(series.get("count"))
    elif count == 0:
        count = 1
    involved = mapping(o, "involvedObject")
    kind = str(involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    return [last, str(o.get("type") or ""), str(o.get("reason") or ""), target,
            str(involved.get("fieldPath") or ""), _event_source(o), str(o.get("message") or "").strip(),
            first, count, name_of(o)]


EVENT_COLUMNS = (
    Column("Last Seen", ref=("core.v1.Event", "lastTimestamp")),
    Column("Type", ref=("core.v1.Event", "type")),
    Column("Reason", ref=("core.v1.Event", "reason")),
    Column("Object", ref=("core.v1.Event", "involvedObject")),
    Column("Subobject", priority=1, ref=("core.v1.ObjectReference", "fieldPath")),
    Column("Source", priority=1, ref=("core.v1.Event", "source")),
    Column("Message", ref=("core.v1.Event", "message")),
    Column("First Seen", priority=1, ref=("core.v1.Event", "firstTimestamp")),
    Column("Count", priority=1, ref=("core.v1.Event", "count")),
    name_column(priority=1),
)
EVENTS = Printer(EVENT_COLUMNS, event_row)


# --- config and identity -------------------------------------------------------------------------------
CONFIGMAPS = Printer((
    name_column(),
    Column("Data", ref=("core.v1.ConfigMap", "data")),
    age_column(),
), lambda o, now: [name_of(o), len(mapping(o, "data")) + len(mapping(o, "binaryData")), age(o, now)])

SECRETS = Printer((
    name_column(),
    Column("Type", ref=("core.v1.Secret", "type")),
    Column("Data", ref=("core.v1.Secret", "data")),
    age_column(),
), lambda o, now: [name_of(o), str(o.get("type") or ""), len(mapping(o, "data")), age(o, now)])

# 1.33 still prints the count of ``secrets`` (the column went away in 1.34)
SERVICEACCOUNTS = Printer((
    name_column(),
    Column("Secrets", ref=("core.v1.ServiceAccount", "secrets")),
    age_column(),
), lambda o, now: [name_of(o), len(items(o, "secrets")), age(o, now)])


# --- storage -----------------------------------------------------------------------------------------
def access_modes(modes: list[Any]) -> str:
    """``GetAccessModesAsString``: RWO, ROX, RWX, RWOP in that order, each once."""
    short = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"),
             ("ReadWriteOncePod", "RWOP"))
    return ",".join(s for mode, s in short if mode in modes)


_BETA_CLASS = "volume.beta.kubernetes.io/storage-class"


def _class(o: Obj) -> str:
    annotations = mapping(o, "metadata", "annotations")
    if _BETA_CLASS in annotations:
        return str(annotations[_BETA_CLASS])
    return str(get(o, "spec", "storageClassName") or "")


def _pv_row(o: Obj, now: float) -> list[Cell]:
    spec = mapping(o, "spec")
    claim = ""
    ref = spec.get("claimRef")
    if isinstance(ref, dict):
        claim = f"{ref.get('namespace') or ''}/{ref.get('name') or ''}"
    phase = str(get(o, "status", "phase") or "")
    if meta(o).get("deletionTimestamp") is not None:
        phase = "Terminating"
    return [name_of(o), quantity(get(spec, "capacity", "storage")), access_modes(items(spec, "accessModes")),
            str(spec.get("persistentVolumeReclaimPolicy") or ""), phase, claim, _class(o),
            str(spec.get("volumeAttributesClassName") or "") or "<unset>", str(get(o, "status", "reason") or ""),
            age(o, now), str(spec.get("volumeMode") or "") or "<unset>"]


PERSISTENTVOLUMES = Printer((
    name_column(),
    Column("Capacity", ref=("core.v1.PersistentVolumeSpec", "capacity")),
    Column("Access Modes", ref=("core.v1.PersistentVolumeSpec", "accessModes")),
    Column("Reclaim Policy", ref=("core.v1.PersistentVolumeSpec", "persistentVolumeReclaimPolicy")),
    Column("Status", ref=("core.v1.PersistentVolumeStatus", "phase")),
    Column("Claim", ref=("core.v1.PersistentVolumeSpec", "claimRef")),
    Column("StorageClass", description="StorageClass of the pv"),
    Column("VolumeAttributesClass", description="VolumeAttributesClass of the pv"),
    Column("Reason", ref=("core.v1.PersistentVolumeStatus", "reason")),
    age_column(),
    Column("VolumeMode", priority=1, ref=("core.v1.PersistentVolumeSpec", "volumeMode")),
), _pv_row)


def _pvc_row(o: Obj, now: float) -> list[Cell]:
    spec = mapping(o, "spec")
    phase = str(get(o, "status", "phase") or "")
    if meta(o).get("deletionTimestamp") is not None:
        phase = "Terminating"
    capacity = modes = ""
    if spec.get("volumeName"):
        modes = access_modes(items(o, "status", "accessModes"))
        capacity = quantity(get(o, "status", "capacity", "storage"))
    return [name_of(o), phase, str(spec.get("volumeName") or ""), capacity, modes, _class(o),
            str(spec.get("volumeAttributesClassName") or "") or "<unset>", age(o, now),
            str(spec.get("volumeMode") or "") or "<unset>"]


PERSISTENTVOLUMECLAIMS = Printer((
    name_column(),
    Column("Status", ref=("core.v1.PersistentVolumeClaimStatus", "phase")),
    Column("Volume", ref=("core.v1.PersistentVolumeClaimSpec", "volumeName")),
    Column("Capacity", ref=("core.v1.PersistentVolumeClaimStatus", "capacity")),
    Column("Access Modes", ref=("core.v1.PersistentVolumeClaimStatus", "accessModes")),
    Column("StorageClass", description="StorageClass of the pvc"),
    Column("VolumeAttributesClass", description="VolumeAttributesClass of the pvc"),
    age_column(),
    Column("VolumeMode", priority=1, ref=("core.v1.PersistentVolumeClaimSpec", "volumeMode")),
), _pvc_row)


# --- quota and component status --------------------------------------------------------------------------
def _quota_row(o: Obj, now: float) -> list[Cell]:
    hard = mapping(o, "status", "hard")
    used = mapping(o, "status", "used")
    requests: list[str] = []
    limits: list[str] = []
    for resource in sorted(hard):
        target = limits if resource.split(".")[0] == "limits" and "." in resource else requests
        target.append(f"{resource}: {quantity(used.get(resource))}/{quantity(hard.get(resource))}")
    return [name_of(o), ", ".join(requests), ", ".join(limits), age(o, now)]


RESOURCEQUOTAS = Printer((
    name_column(),
    Column("Request", description="Request represents a minimum amount of cpu/memory that a container may "
                                  "consume."),
    Column("Limit", description="Limits control the maximum amount of cpu/memory that a container may use "
                                "independent of contention on the node."),
    age_column(),
), _quota_row)


def _component_row(o: Obj, now: float) -> list[Cell]:
    status, message, error = "Unknown", "", ""
    for c in items(o, "conditions"):
        if isinstance(c, dict) and c.get("type") == "Healthy":
            status = "Healthy" if c.get("status") == "True" else "Unhealthy"
            message, error = str(c.get("message") or ""), str(c.get("error") or "")
            break
    return [name_of(o), status, message, error]


COMPONENTSTATUSES = Printer((
    name_column(),
    Column("Status", description="Status of the component conditions"),
    Column("Message", description="Message of the component conditions"),
    Column("Error", description="Error of the component conditions"),
), _component_row)


PRINTERS: dict[str, Printer] = {
    "Pod": PODS,
    "PodTemplate": PODTEMPLATES,
    "ReplicationController": REPLICATIONCONTROLLERS,
    "Service": SERVICES,
    "Endpoints": ENDPOINTS,
    "Node": NODES,
    "Namespace": NAMESPACES,
    "Event": EVENTS,
    "ConfigMap": CONFIGMAPS,
    "Secret": SECRETS,
    "ServiceAccount": SERVICEACCOUNTS,
    "PersistentVolume": PERSISTENTVOLUMES,
    "PersistentVolumeClaim": PERSISTENTVOLUMECLAIMS,
    "ResourceQuota": RESOURCEQUOTAS,
    "ComponentStatus": COMPONENTSTATUSES,
}
