"""Printers of the kinds outside ``v1``, ``apps`` and ``batch``, after upstream ``printers.go``."""

from __future__ import annotations

from typing import Any

from kapi.registry.printers._base import (
    Cell,
    Column,
    Obj,
    Printer,
    age,
    age_column,
    format_label_selector,
    get,
    human_duration,
    int_of,
    int_or_string,
    items,
    list_with_more,
    mapping,
    name_column,
    name_of,
    quantity,
    selector_string,
)
from kapi.registry.printers.core import EVENT_COLUMNS, _lb_ingress, event_row

# --- networking.k8s.io ---------------------------------------------------------------------------------


def _hosts(rules: list[Any]) -> str:
    found: list[str] = []
    limit, more = 3, False
    for rule in rules:
        if len(found) == limit:
            more = True
        if not more and isinstance(rule, dict) and rule.get("host"):
            found.append(str(rule["host"]))
    if not found:
        return "*"
    text = ",".join(found)
    return f"{text} + {len(rules) - limit} more..." if more else text


def _ingress_row(o: Obj, now: float) -> list[Cell]:
    spec = mapping(o, "spec")
    return [name_of(o), str(spec.get("ingressClassName") or "<none>"), _hosts(items(spec, "rules")),
            _lb_ingress(items(o, "status", "loadBalancer", "ingress")),
            "80, 443" if items(spec, "tls") else "80", age(o, now)]


INGRESSES = Printer((
    name_column(),
    Column("Class", description="The name of the IngressClass resource that should be used for additional "
                                "configuration"),
    Column("Hosts", description="Hosts that incoming requests are matched against before the ingress rule"),
    Column("Address", description="Address is a list containing ingress points for the load-balancer"),
    Column("Ports", description="Ports of TLS configurations that open"),
    age_column(),
), _ingress_row)


def _ingressclass_row(o: Obj, now: float) -> list[Cell]:
    params = get(o, "spec", "parameters")
    text = "<none>"
    if isinstance(params, dict):
        text = str(params.get("kind") or "")
        if params.get("apiGroup") is not None:
            text += "." + str(params["apiGroup"])
        text += "/" + str(params.get("name") or "")
    return [name_of(o), str(get(o, "spec", "controller") or ""), text, age(o, now)]


INGRESSCLASSES = Printer((
    name_column(),
    Column("Controller", description="Controller that is responsible for handling this class"),
    Column("Parameters", description="A reference to a resource with additional parameters"),
    age_column(),
), _ingressclass_row)

NETWORKPOLICIES = Printer((
    name_column(),
    Column("Pod-Selector", ref=("networking.v1.NetworkPolicySpec", "podSelector")),
    age_column(),
), lambda o, now: [name_of(o), format_label_selector(mapping(o, "spec", "podSelector")), age(o, now)])

SERVICECIDRS = Printer((
    name_column(),
    Column("CIDRs", ref=("networking.v1.ServiceCIDRSpec", "cidrs")),
    age_column(),
), lambda o, now: [name_of(o), ",".join(str(c) for c in items(o, "spec", "cidrs")), age(o, now)])


def _ipaddress_row(o: Obj, now: float) -> list[Cell]:
    ref = get(o, "spec", "parentRef")
    parent = "<none>"
    if isinstance(ref, dict):
        resource, group = str(ref.get("resource") or ""), str(ref.get("group") or "")
        parent = (f"{resource}.{group}" if group else resource).lower()
        if ref.get("namespace"):
            parent += "/" + str(ref["namespace"])
        parent += "/" + str(ref.get("name") or "")
    return [name_of(o), parent, age(o, now)]


# upstream defines only Name and ParentRef as columns but prints the age as a third cell
IPADDRESSES = Printer((
    name_column(),
    Column("ParentRef", ref=("networking.v1.IPAddressSpec", "parentRef")),
), _ipaddress_row)

NETWORKING: dict[str, Printer] = {
    "Ingress": INGRESSES, "IngressClass": INGRESSCLASSES, "NetworkPolicy": NETWORKPOLICIES,
    "ServiceCIDR": SERVICECIDRS, "IPAddress": IPADDRESSES,
}


# --- discovery.k8s.io ------------------------------------------------------------------------------------
def _slice_ports(ports: list[Any]) -> str:
    out: list[str] = []
    for p in ports:
        if not isinstance(p, dict):
            continue
        if p.get("port") is not None:
            out.append(str(int_of(p["port"])))
        elif p.get("name") is not None:
            out.append(str(p["name"]))
        else:
            out.append("*")
    return list_with_more(out, len(out), 3)


def _slice_endpoints(endpoints: list[Any]) -> str:
    addresses = [str(a) for e in endpoints if isinstance(e, dict) for a in items(e, "addresses")]
    return list_with_more(addresses, len(addresses), 3)


ENDPOINTSLICES = Printer((
    name_column(),
    Column("AddressType", ref=("discovery.v1.EndpointSlice", "addressType")),
    Column("Ports", ref=("discovery.v1.EndpointSlice", "ports")),
    Column("Endpoints", ref=("discovery.v1.EndpointSlice", "endpoints")),
    age_column(),
), lambda o, now: [name_of(o), str(o.get("addressType") or ""), _slice_ports(items(o, "ports")),
                   _slice_endpoints(items(o, "endpoints")), age(o, now)])


# --- policy ------------------------------------------------------------------------------------------------
def _pdb_row(o: Obj, now: float) -> list[Cell]:
    spec = mapping(o, "spec")
    lo = spec.get("minAvailable")
    hi = spec.get("maxUnavailable")
    return [name_of(o), int_or_string(lo) if lo is not None else "N/A",
            int_or_string(hi) if hi is not None else "N/A",
            int_of(get(o, "status", "disruptionsAllowed")), age(o, now)]


PODDISRUPTIONBUDGETS = Printer((
    name_column(),
    Column("Min Available", description="The minimum number of pods that must be available."),
    Column("Max Unavailable", description="The maximum number of pods that may be unavailable."),
    Column("Allowed Disruptions", "integer",
           description="Calculated number of pods that may be disrupted at this time."),
    age_column(),
), _pdb_row)


# --- rbac.authorization.k8s.io ----------------------------------------------------------------------------------
def _subjects(o: Obj) -> tuple[str, str, str]:
    users: list[str] = []
    groups: list[str] = []
    sas: list[str] = []
    for s in items(o, "subjects"):
        if not isinstance(s, dict):
            continue
        kind = s.get("kind")
        if kind == "ServiceAccount":
            sas.append(f"{s.get('namespace') or ''}/{s.get('name') or ''}")
        elif kind == "User":
            users.append(str(s.get("name") or ""))
        elif kind == "Group":
            groups.append(str(s.get("name") or ""))
    return ", ".join(users), ", ".join(groups), ", ".join(sas)


def _binding_row(o: Obj, now: float) -> list[Cell]:
    ref = mapping(o, "roleRef")
    return [name_of(o), f"{ref.get('kind') or ''}/{ref.get('name') or ''}", age(o, now), *_subjects(o)]


def _binding_printer(what: str) -> Printer:
    return Printer((
        name_column(),
        Column("Role", ref=(f"rbac.v1.{what[0].upper()}{what[1:]}", "roleRef")),
        age_column(),
        Column("Users", priority=1, description=f"Users in the {what}"),
        Column("Groups", priority=1, description=f"Groups in the {what}"),
        Column("ServiceAccounts", priority=1, description=f"ServiceAccounts in the {what}"),
    ), _binding_row)


RBAC: dict[str, Printer] = {
    "RoleBinding": _binding_printer("roleBinding"),
    "ClusterRoleBinding": _binding_printer("clusterRoleBinding"),
}


# --- storage.k8s.io ------------------------------------------------------------------------------------------
def _storageclass_row(o: Obj, now: float) -> list[Cell]:
    annotations = mapping(o, "metadata", "annotations")
    name = name_of(o)
    if annotations.get("storageclass.kubernetes.io/is-default-class") == "true" or \
            annotations.get("storageclass.beta.kubernetes.io/is-default-class") == "true":
        name += " (default)"
    return [name, str(o.get("provisioner") or ""), str(o.get("reclaimPolicy") or "Delete"),
            str(o.get("volumeBindingMode") or "Immediate"), bool(o.get("allowVolumeExpansion")), age(o, now)]


STORAGECLASSES = Printer((
    name_column(),
    Column("Provisioner", ref=("storage.v1.StorageClass", "provisioner")),
    Column("ReclaimPolicy", ref=("storage.v1.StorageClass", "reclaimPolicy")),
    Column("VolumeBindingMode", ref=("storage.v1.StorageClass", "volumeBindingMode")),
    Column("AllowVolumeExpansion", ref=("storage.v1.StorageClass", "allowVolumeExpansion")),
    age_column(),
), _storageclass_row)


def _csidriver_row(o: Obj, now: float) -> list[Cell]:
    spec = mapping(o, "spec")
    attach = spec.get("attachRequired")
    tokens = spec.get("tokenRequests")
    audiences = "<unset>" if tokens is None else ",".join(
        str(t.get("audience") or "") for t in tokens if isinstance(t, dict))
    modes = ",".join(str(m) for m in items(spec, "volumeLifecycleModes")) or "<none>"
    return [name_of(o), True if attach is None else bool(attach), bool(spec.get("podInfoOnMount")),
            bool(spec.get("storageCapacity")), audiences, bool(spec.get("requiresRepublish")), modes, age(o, now)]


CSIDRIVERS = Printer((
    name_column(),
    Column("AttachRequired", "boolean", ref=("storage.v1.CSIDriverSpec", "attachRequired")),
    Column("PodInfoOnMount", "boolean", ref=("storage.v1.CSIDriverSpec", "podInfoOnMount")),
    Column("StorageCapacity", "boolean", ref=("storage.v1.CSIDriverSpec", "storageCapacity")),
    Column("TokenRequests", ref=("storage.v1.CSIDriverSpec", "tokenRequests")),
    Column("RequiresRepublish", "boolean", ref=("storage.v1.CSIDriverSpec", "requiresRepublish")),
    Column("Modes", ref=("storage.v1.CSIDriverSpec", "volumeLifecycleModes")),
    age_column(),
), _csidriver_row)

CSINODES = Printer((
    name_column(),
    Column("Drivers", "integer", description="Drivers indicates the number of CSI drivers registered on the node"),
    age_column(),
), lambda o, now: [name_of(o), len(items(o, "spec", "drivers")), age(o, now)])

CSISTORAGECAPACITIES = Printer((
    name_column(),
    Column("StorageClassName", ref=("storage.v1.CSIStorageCapacity", "storageClassName")),
    Column("Capacity", ref=("storage.v1.CSIStorageCapacity", "capacity")),
), lambda o, now: [name_of(o), str(o.get("storageClassName") or ""),
                   quantity(o["capacity"]) if o.get("capacity") is not None else "<unset>"])

VOLUMEATTACHMENTS = Printer((
    name_column(),
    Column("Attacher", format="name", ref=("storage.v1.VolumeAttachmentSpec", "attacher")),
    Column("PV", ref=("storage.v1.VolumeAttachmentSource", "persistentVolumeName")),
    Column("Node", ref=("storage.v1.VolumeAttachmentSpec", "nodeName")),
    Column("Attached", "boolean", ref=("storage.v1.VolumeAttachmentStatus", "attached")),
    age_column(),
), lambda o, now: [name_of(o), str(get(o, "spec", "attacher") or ""),
                   str(get(o, "spec", "source", "persistentVolumeName") or ""),
                   str(get(o, "spec", "nodeName") or ""), bool(get(o, "status", "attached")), age(o, now)])

VOLUMEATTRIBUTESCLASSES = Printer((
    name_column(),
    Column("DriverName", ref=("storage.v1beta1.VolumeAttributesClass", "driverName")),
    age_column(),
), lambda o, now: [name_of(o), str(o.get("driverName") or ""), age(o, now)])

STORAGE: dict[str, Printer] = {
    "StorageClass": STORAGECLASSES, "CSIDriver": CSIDRIVERS, "CSINode": CSINODES,
    "CSIStorageCapacity": CSISTORAGECAPACITIES, "VolumeAttachment": VOLUMEATTACHMENTS,
    "VolumeAttributesClass": VOLUMEATTRIBUTESCLASSES,
}


# --- autoscaling ---------------------------------------------------------------------------------------------
def _v1_metrics(o: Obj) -> tuple[list[Any], list[Any]]:
    """autoscaling/v1's CPU target and current value as v2 metric specs and statuses."""
    target = get(o, "spec", "targetCPUUtilizationPercentage")
    if target is None:
        return [], []
    spec = {"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": target}}}
    current = get(o, "status", "currentCPUUtilizationPercentage")
    statuses = [] if current is None else [{"type": "Resource", "resource": {
        "name": "cpu", "current": {"averageUtilization": current}}}]
    return [spec], statuses


def _metric_text(spec: dict[str, Any], status: dict[str, Any] | None) -> str:
    stype = spec.get("type")
    if stype in ("External", "Object"):
        key = "external" if stype == "External" else "object"
        target = mapping(spec, key, "target")
        cur = mapping(status, key, "current") if status and isinstance(status.get(key), dict) else None
        if target.get("averageValue") is not None:
            current = quantity(cur["averageValue"]) if cur and cur.get("averageValue") is not None else "<unknown>"
            return f"{current}/{quantity(target['averageValue'])} (avg)"
        current = quantity(cur.get("value")) if cur is not None else "<unknown>"
        return f"{current}/{quantity(target.get('value'))}"
    if stype == "Pods":
        cur = mapping(status, "pods", "current") if status and isinstance(status.get("pods"), dict) else None
        current = quantity(cur.get("averageValue")) if cur is not None else "<unknown>"
        return f"{current}/{quantity(get(spec, 'pods', 'target', 'averageValue'))}"
    if stype in ("Resource", "ContainerResource"):
        key = "resource" if stype == "Resource" else "containerResource"
        src = mapping(spec, key)
        target = mapping(src, "target")
        cur = mapping(status, key, "current") if status and isinstance(status.get(key), dict) else None
        name = str(src.get("name") or "")
        if target.get("averageValue") is not None:
            current = quantity(cur.get("averageValue")) if cur is not None else "<unknown>"
            return f"{name}: {current}/{quantity(target['averageValue'])}"
        current = "<unknown>"
        if cur is not None and cur.get("averageUtilization") is not None:
            current = f"{int_of(cur['averageUtilization'])}%"
        goal = f"{int_of(target['averageUtilization'])}%" if target.get("averageUtilization") is not None \
            else "<auto>"
        return f"{name}: {current}/{goal}"
    return "<unknown type>"


def format_hpa_metrics(specs: list[Any], statuses: list[Any]) -> str:
    if not specs:
        return "<none>"
    texts = [_metric_text(s if isinstance(s, dict) else {},
                          statuses[i] if i < len(statuses) and isinstance(statuses[i], dict) else None)
             for i, s in enumerate(specs)]
    if len(texts) > 2:
        return f"{', '.join(texts[:2])} + {len(texts) - 2} more..."
    return ", ".join(texts)


def _hpa_row(o: Obj, now: float) -> list[Cell]:
    spec = mapping(o, "spec")
    if "targetCPUUtilizationPercentage" in spec or o.get("apiVersion") == "autoscaling/v1":
        specs, statuses = _v1_metrics(o)
    else:
        specs, statuses = items(spec, "metrics"), items(o, "status", "currentMetrics")
    ref = mapping(spec, "scaleTargetRef")
    low = spec.get("minReplicas")
    return [name_of(o), f"{ref.get('kind') or ''}/{ref.get('name') or ''}", format_hpa_metrics(specs, statuses),
            str(int_of(low)) if low is not None else "<unset>", int_of(spec.get("maxReplicas")),
            int_of(get(o, "status", "currentReplicas")), age(o, now)]


HORIZONTALPODAUTOSCALERS = Printer((
    name_column(),
    Column("Reference", ref=("autoscaling.v2.HorizontalPodAutoscalerSpec", "scaleTargetRef")),
    Column("Targets", ref=("autoscaling.v2.HorizontalPodAutoscalerSpec", "metrics")),
    Column("MinPods", ref=("autoscaling.v2.HorizontalPodAutoscalerSpec", "minReplicas")),
    Column("MaxPods", ref=("autoscaling.v2.HorizontalPodAutoscalerSpec", "maxReplicas")),
    Column("Replicas", ref=("autoscaling.v2.HorizontalPodAutoscalerStatus", "currentReplicas")),
    age_column(),
), _hpa_row)


# --- coordination, scheduling, node ----------------------------------------------------------------------------
LEASES = Printer((
    name_column(),
    Column("Holder", ref=("coordination.v1.LeaseSpec", "holderIdentity")),
    age_column(),
), lambda o, now: [name_of(o), str(get(o, "spec", "holderIdentity") or ""), age(o, now)])

PRIORITYCLASSES = Printer((
    name_column(),
    Column("Value", "integer", ref=("scheduling.v1.PriorityClass", "value")),
    Column("Global-Default", "boolean", ref=("scheduling.v1.PriorityClass", "globalDefault")),
    age_column(),
    Column("PreemptionPolicy", ref=("scheduling.v1.PriorityClass", "preemptionPolicy")),
), lambda o, now: [name_of(o), int_of(o.get("value")), bool(o.get("globalDefault")), age(o, now),
                   str(o.get("preemptionPolicy") or "")])

RUNTIMECLASSES = Printer((
    name_column(),
    Column("Handler", ref=("node.v1.RuntimeClass", "handler")),
    age_column(),
), lambda o, now: [name_of(o), str(o.get("handler") or ""), age(o, now)])


# --- admissionregistration.k8s.io ------------------------------------------------------------------------------
def _webhooks_printer() -> Printer:
    return Printer((
        name_column(),
        Column("Webhooks", "integer",
               description="Webhooks indicates the number of webhooks registered in this configuration"),
        age_column(),
    ), lambda o, now: [name_of(o), len(items(o, "webhooks")), age(o, now)])


def _policy_row(o: Obj, now: float) -> list[Cell]:
    kind = get(o, "spec", "paramKind")
    param = "<unset>" if not isinstance(kind, dict) else f"{kind.get('apiVersion') or ''}/{kind.get('kind') or ''}"
    return [name_of(o), len(items(o, "spec", "validations")), param, age(o, now)]


def _policy_binding_row(o: Obj, now: float) -> list[Cell]:
    ref = get(o, "spec", "paramRef")
    param = "<unset>"
    if isinstance(ref, dict):
        if ref.get("name"):
            param = f"{ref.get('namespace') or '*'}/{ref['name']}"
        elif ref.get("selector") is not None:
            param = selector_string(ref["selector"])
    return [name_of(o), str(get(o, "spec", "policyName") or ""), param, age(o, now)]


ADMISSION: dict[str, Printer] = {
    "MutatingWebhookConfiguration": _webhooks_printer(),
    "ValidatingWebhookConfiguration": _webhooks_printer(),
    "ValidatingAdmissionPolicy": Printer((
        name_column(),
        Column("Validations", "integer",
               description="Validations indicates the number of validation rules defined in this configuration"),
        Column("ParamKind", description="ParamKind specifies the kind of resources used to parameterize this "
                                        "policy"),
        age_column(),
    ), _policy_row),
    "ValidatingAdmissionPolicyBinding": Printer((
        name_column(),
        Column("PolicyName", description="PolicyName indicates the policy definition which the policy binding "
                                         "binded to"),
        Column("ParamRef", description="ParamRef indicates the param resource which sets the configration param"),
        age_column(),
    ), _policy_binding_row),
}


# --- certificates.k8s.io ------------------------------------------------------------------------------------
def csr_condition(o: Obj) -> str:
    types = {c.get("type") for c in items(o, "status", "conditions") if isinstance(c, dict)}
    text = "Denied" if "Denied" in types else "Approved" if "Approved" in types else "Pending"
    if "Failed" in types:
        text += ",Failed"
    if get(o, "status", "certificate"):
        text += ",Issued"
    return text


def _csr_row(o: Obj, now: float) -> list[Cell]:
    spec = mapping(o, "spec")
    seconds = spec.get("expirationSeconds")
    return [name_of(o), age(o, now), str(spec.get("signerName") or "") or "<none>", str(spec.get("username") or ""),
            human_duration(int_of(seconds)) if seconds is not None else "<none>", csr_condition(o)]


CERTIFICATESIGNINGREQUESTS = Printer((
    name_column(),
    age_column(),
    Column("SignerName", ref=("certificates.v1.CertificateSigningRequestSpec", "signerName")),
    Column("Requestor", ref=("certificates.v1.CertificateSigningRequestSpec", "request")),
    Column("RequestedDuration", ref=("certificates.v1.CertificateSigningRequestSpec", "expirationSeconds")),
    Column("Condition", ref=("certificates.v1.CertificateSigningRequestStatus", "conditions")),
), _csr_row)


# --- events.k8s.io -------------------------------------------------------------------------------------------
def core_event(o: Obj) -> Obj:
    """An events.k8s.io/v1 Event in the core/v1 shape the event printer reads."""
    return {
        "metadata": o.get("metadata"), "type": o.get("type"), "reason": o.get("reason"),
        "message": o.get("note"), "involvedObject": o.get("regarding") or {},
        "source": o.get("deprecatedSource") or {}, "reportingComponent": o.get("reportingController"),
        "reportingInstance": o.get("reportingInstance"), "firstTimestamp": o.get("deprecatedFirstTimestamp"),
        "lastTimestamp": o.get("deprecatedLastTimestamp"), "count": o.get("deprecatedCount"),
        "eventTime": o.get("eventTime"), "series": o.get("series"),
    }


EVENTS_V1 = Printer(EVENT_COLUMNS, lambda o, now: event_row(core_event(o), now))
