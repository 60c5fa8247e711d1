"""What the OpenAPI schemas do not say about the built-in resources of Kubernetes 1.33.

One row per resource of the group-versions kapi serves: plural, kind, scope, verbs, short
names, categories, subresources and ``metadata.generation`` behaviour, as kube-apiserver 1.33
reports them in discovery (``pkg/registry/**/storage/storage.go`` for short names and
categories, the per-kind ``strategy.go`` for generation). ``catalog.builtin_types`` joins these
rows with the schemas; a row whose kind has no schema is an error.

Rows are grouped by group-version, resources in upstream's alphabetical discovery order.
"""

from __future__ import annotations

from dataclasses import dataclass

#: the group-versions kapi serves, core first, then upstream's ``/apis`` order
SERVED_GROUP_VERSIONS: tuple[str, ...] = (
    "v1",
    "apps/v1",
    "events.k8s.io/v1",
    "authentication.k8s.io/v1",
    "authorization.k8s.io/v1",
    "autoscaling/v2",
    "autoscaling/v1",
    "batch/v1",
    "certificates.k8s.io/v1",
    "networking.k8s.io/v1",
    "policy/v1",
    "rbac.authorization.k8s.io/v1",
    "storage.k8s.io/v1",
    "admissionregistration.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "coordination.k8s.io/v1",
    "node.k8s.io/v1",
    "discovery.k8s.io/v1",
)

STANDARD_VERBS: tuple[str, ...] = (
    "create", "delete", "deletecollection", "get", "list", "patch", "update", "watch",
)
#: status, scale, ephemeralcontainers, resize, approval
READ_WRITE: tuple[str, ...] = ("get", "patch", "update")
#: connect subresources (proxy) accept every HTTP method; discovery lists these
PROXY_VERBS: tuple[str, ...] = ("create", "delete", "get", "patch", "update")
#: streaming connect subresources (exec, attach, portforward): GET (websocket) or POST
STREAM_VERBS: tuple[str, ...] = ("create", "get")
CREATE_ONLY: tuple[str, ...] = ("create",)


@dataclass(frozen=True, slots=True)
class SubFact:
    """A subresource. ``kind``/``group_version`` default to the parent's."""

    name: str
    kind: str = ""
    group_version: str | None = None
    verbs: tuple[str, ...] = READ_WRITE


@dataclass(frozen=True, slots=True)
class Fact:
    """One built-in resource in one group-version."""

    group_version: str
    plural: str
    kind: str
    namespaced: bool
    verbs: tuple[str, ...] = STANDARD_VERBS
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[SubFact, ...] = ()
    #: ``None``: the server never sets ``metadata.generation``. Otherwise it is set to 1 on
    #: create and bumped when any of these fields changes (top-level names, or
    #: ``metadata.<field>``); an empty tuple means set on create and never bumped.
    generation: tuple[str, ...] | None = None
    #: ``<group>/<plural>`` when several group-versions share one storage
    storage_resource: str = ""

    @property
    def group(self) -> str:
        return self.group_version.rpartition("/")[0]

    @property
    def version(self) -> str:
        return self.group_version.rpartition("/")[2]


STATUS = SubFact("status")
SCALE = SubFact("scale", "Scale", "autoscaling/v1")
SPEC: tuple[str, ...] = ("spec",)
ALL: tuple[str, ...] = ("all",)
API_EXTENSIONS: tuple[str, ...] = ("api-extensions",)
#: autoscaling/v1 and v2 serve one set of objects (upstream converts between them)
_HPA_STORAGE = "autoscaling/horizontalpodautoscalers"

_CORE: tuple[Fact, ...] = (
    Fact("v1", "bindings", "Binding", True, CREATE_ONLY),
    # reviews: create-only, answered and never stored (kapi/registry/strategies/reviews.py)
    Fact("authentication.k8s.io/v1", "selfsubjectreviews", "SelfSubjectReview", False, CREATE_ONLY),
    Fact("authentication.k8s.io/v1", "tokenreviews", "TokenReview", False, CREATE_ONLY),
    Fact("authorization.k8s.io/v1", "localsubjectaccessreviews", "LocalSubjectAccessReview", True, CREATE_ONLY),
    Fact("authorization.k8s.io/v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", False, CREATE_ONLY),
    Fact("authorization.k8s.io/v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", False, CREATE_ONLY),
    Fact("authorization.k8s.io/v1", "subjectaccessreviews", "SubjectAccessReview", False, CREATE_ONLY),
    Fact("v1", "componentstatuses", "ComponentStatus", False, ("get", "list"), ("cs",)),
    Fact("v1", "configmaps", "ConfigMap", True, short_names=("cm",)),
    Fact("v1", "endpoints", "Endpoints", True, short_names=("ep",)),
    # Upstream stores core/v1 and events.k8s.io/v1 events together; their shapes differ
    # (involvedObject/message vs regarding/note), so kapi keeps them apart for now.
    Fact("v1", "events", "Event", True, short_names=("ev",), storage_resource="core/events"),
    Fact("v1", "limitranges", "LimitRange", True, short_names=("limits",)),
    Fact(
        "v1", "namespaces", "Namespace", False,
        ("create", "delete", "get", "list", "patch", "update", "watch"),  # no deletecollection
        ("ns",),
        subresources=(SubFact("finalize", verbs=("update",)), STATUS),
    ),
    Fact(
        "v1", "nodes", "Node", False, short_names=("no",),
        subresources=(SubFact("proxy", "NodeProxyOptions", verbs=PROXY_VERBS), STATUS),
    ),
    Fact("v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, short_names=("pvc",),
         subresources=(STATUS,)),
    Fact("v1", "persistentvolumes", "PersistentVolume", False, short_names=("pv",),
         subresources=(STATUS,)),
    Fact(
        "v1", "pods", "Pod", True, short_names=("po",), categories=ALL,
        subresources=(
            SubFact("attach", "PodAttachOptions", verbs=STREAM_VERBS),
            SubFact("binding", "Binding", verbs=CREATE_ONLY),
            SubFact("ephemeralcontainers"),
            SubFact("eviction", "Eviction", "policy/v1", CREATE_ONLY),
            SubFact("exec", "PodExecOptions", verbs=STREAM_VERBS),
            SubFact("log", verbs=("get",)),
            SubFact("portforward", "PodPortForwardOptions", verbs=STREAM_VERBS),
            SubFact("proxy", "PodProxyOptions", verbs=PROXY_VERBS),
            SubFact("resize"),  # InPlacePodVerticalScaling, beta and on by default in 1.33
            STATUS,
        ),
        # KEP-5067 (1.33): generation is set and bumped on spec changes without a feature gate
        generation=SPEC,
    ),
    Fact("v1", "podtemplates", "PodTemplate", True, generation=("template",)),
    Fact("v1", "replicationcontrollers", "ReplicationController", True, short_names=("rc",),
         categories=ALL, subresources=(SCALE, STATUS), generation=SPEC),
    Fact("v1", "resourcequotas", "ResourceQuota", True, short_names=("quota",),
         subresources=(STATUS,)),
    Fact("v1", "secrets", "Secret", True),
    Fact(
        "v1", "serviceaccounts", "ServiceAccount", True, short_names=("sa",),
        subresources=(SubFact("token", "TokenRequest", "authentication.k8s.io/v1", CREATE_ONLY),),
    ),
    Fact(
        "v1", "services", "Service", True, short_names=("svc",), categories=ALL,
        subresources=(SubFact("proxy", "ServiceProxyOptions", verbs=PROXY_VERBS), STATUS),
    ),
)

_APPS: tuple[Fact, ...] = (
    Fact("apps/v1", "controllerrevisions", "ControllerRevision", True),
    Fact("apps/v1", "daemonsets", "DaemonSet", True, short_names=("ds",), categories=ALL,
         subresources=(STATUS,), generation=SPEC),
    # annotations bump too: they are copied to the ReplicaSets
    Fact("apps/v1", "deployments", "Deployment", True, short_names=("deploy",), categories=ALL,
         subresources=(SCALE, STATUS), generation=("spec", "metadata.annotations")),
    Fact("apps/v1", "replicasets", "ReplicaSet", True, short_names=("rs",), categories=ALL,
         subresources=(SCALE, STATUS), generation=SPEC),
    Fact("apps/v1", "statefulsets", "StatefulSet", True, short_names=("sts",), categories=ALL,
         subresources=(SCALE, STATUS), generation=SPEC),
)

_BATCH_AUTOSCALING_POLICY: tuple[Fact, ...] = (
    # HPAs gained metadata.generation only after 1.33 (feature gate HPAGeneration)
    Fact("autoscaling/v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True,
         short_names=("hpa",), categories=ALL, subresources=(STATUS,),
         storage_resource=_HPA_STORAGE),
    Fact("autoscaling/v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True,
         short_names=("hpa",), categories=ALL, subresources=(STATUS,),
         storage_resource=_HPA_STORAGE),
    Fact("batch/v1", "cronjobs", "CronJob", True, short_names=("cj",), categories=ALL,
         subresources=(STATUS,), generation=SPEC),
    Fact("batch/v1", "jobs", "Job", True, categories=ALL, subresources=(STATUS,), generation=SPEC),
    Fact("policy/v1", "poddisruptionbudgets", "PodDisruptionBudget", True, short_names=("pdb",),
         subresources=(STATUS,), generation=SPEC),
)

_NETWORKING_DISCOVERY: tuple[Fact, ...] = (
    Fact("networking.k8s.io/v1", "ingressclasses", "IngressClass", False, generation=SPEC),
    Fact("networking.k8s.io/v1", "ingresses", "Ingress", True, short_names=("ing",),
         subresources=(STATUS,), generation=SPEC),
    # MultiCIDRServiceAllocator went GA in 1.33: IPAddress and ServiceCIDR are served in v1
    Fact("networking.k8s.io/v1", "ipaddresses", "IPAddress", False, short_names=("ip",)),
    Fact("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", True, short_names=("netpol",),
         generation=SPEC),
    Fact("networking.k8s.io/v1", "servicecidrs", "ServiceCIDR", False, subresources=(STATUS,)),
    # every change outside metadata bumps, and so do label changes
    Fact("discovery.k8s.io/v1", "endpointslices", "EndpointSlice", True,
         generation=("addressType", "endpoints", "ports", "metadata.labels")),
)

_RBAC: tuple[Fact, ...] = (
    Fact("rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding", False),
    Fact("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", False),
    Fact("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding", True),
    Fact("rbac.authorization.k8s.io/v1", "roles", "Role", True),
)

_CLUSTER_MISC: tuple[Fact, ...] = (
    Fact("certificates.k8s.io/v1", "certificatesigningrequests", "CertificateSigningRequest", False,
         short_names=("csr",), subresources=(SubFact("approval"), STATUS)),
    Fact("coordination.k8s.io/v1", "leases", "Lease", True),
    Fact("events.k8s.io/v1", "events", "Event", True, short_names=("ev",), storage_resource="core/events"),
    Fact("node.k8s.io/v1", "runtimeclasses", "RuntimeClass", False),
    # set to 1 on create; a PriorityClass has no spec, so it never changes
    Fact("scheduling.k8s.io/v1", "priorityclasses", "PriorityClass", False, short_names=("pc",),
         generation=()),
    Fact("storage.k8s.io/v1", "csidrivers", "CSIDriver", False, generation=SPEC),
    Fact("storage.k8s.io/v1", "csinodes", "CSINode", False),
    Fact("storage.k8s.io/v1", "csistoragecapacities", "CSIStorageCapacity", True),
    Fact("storage.k8s.io/v1", "storageclasses", "StorageClass", False, short_names=("sc",)),
    Fact("storage.k8s.io/v1", "volumeattachments", "VolumeAttachment", False, subresources=(STATUS,)),
)

_EXTENSIONS: tuple[Fact, ...] = (
    Fact("admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations",
         "MutatingWebhookConfiguration", False, categories=API_EXTENSIONS, generation=("webhooks",)),
    Fact("admissionregistration.k8s.io/v1", "validatingadmissionpolicies",
         "ValidatingAdmissionPolicy", False, categories=API_EXTENSIONS, subresources=(STATUS,),
         generation=SPEC),
    Fact("admissionregistration.k8s.io/v1", "validatingadmissionpolicybindings",
         "ValidatingAdmissionPolicyBinding", False, categories=API_EXTENSIONS, generation=SPEC),
    Fact("admissionregistration.k8s.io/v1", "validatingwebhookconfigurations",
         "ValidatingWebhookConfiguration", False, categories=API_EXTENSIONS, generation=("webhooks",)),
    Fact("apiextensions.k8s.io/v1", "customresourcedefinitions", "CustomResourceDefinition", False,
         short_names=("crd", "crds"), categories=API_EXTENSIONS, subresources=(STATUS,),
         generation=SPEC),
)

FACTS: tuple[Fact, ...] = (
    _CORE + _APPS + _BATCH_AUTOSCALING_POLICY + _NETWORKING_DISCOVERY + _RBAC + _CLUSTER_MISC
    + _EXTENSIONS
)

#: kinds that are not resources but whose schemas the server needs (request/response bodies)
AUXILIARY_KINDS: tuple[tuple[str, str], ...] = (
    ("autoscaling/v1", "Scale"),
    ("policy/v1", "Eviction"),
    ("v1", "Binding"),
    ("authentication.k8s.io/v1", "TokenRequest"),
)
