"""Per-kind strategies, name rules and field selectors for the built-in resources.

The generic resource service (:mod:`kapi.registry.service`) asks this package three things about
a resource, by ``(group, plural)``:

* :func:`strategy_for` -- the kind's :class:`~kapi.registry.strategy.Strategy` (defaults,
  preparation, validation, selectable fields, allocation), or a plain ``Strategy()``;
* :func:`name_rule` -- upstream's ``ValidateNameFunc`` for ``metadata.name``/``generateName``;
* :func:`supported_field_selectors` -- the field labels a list/watch may select on.

Strategies are stateless and shared; one instance per kind.
"""

from __future__ import annotations

from collections.abc import Callable

from kapi.machinery.names import (
    is_valid_ip,
    name_is_dns1035_label,
    name_is_dns_label,
    name_is_dns_subdomain,
    name_is_path_segment,
)
from kapi.registry.strategies import (
    admission,
    apps,
    autoscaling,
    batch,
    certificates,
    coordination,
    core,
    custom,
    events,
    networking,
    pods,
    policy,
    rbac,
    reviews,
    scheduling,
    services,
    storage,
)
from kapi.registry.strategy import Strategy

__all__ = ["NameRule", "name_rule", "strategy_for", "supported_field_selectors"]

NameRule = Callable[[str, bool], list[str]]

_RBAC = "rbac.authorization.k8s.io"

_STRATEGIES: dict[tuple[str, str], Strategy] = {
    ("apiextensions.k8s.io", "customresourcedefinitions"): custom.CustomResourceDefinitionStrategy(),
    # reviews: answered, never stored
    ("authorization.k8s.io", "selfsubjectaccessreviews"): reviews.AccessReviewStrategy(self_review=True),
    ("authorization.k8s.io", "subjectaccessreviews"): reviews.AccessReviewStrategy(self_review=False),
    ("authorization.k8s.io", "localsubjectaccessreviews"): reviews.AccessReviewStrategy(self_review=False),
    ("authorization.k8s.io", "selfsubjectrulesreviews"): reviews.RulesReviewStrategy(),
    ("authentication.k8s.io", "selfsubjectreviews"): reviews.SelfSubjectReviewStrategy(),
    ("authentication.k8s.io", "tokenreviews"): reviews.TokenReviewStrategy(),
    # core/v1
    ("", "pods"): pods.PodStrategy(),
    ("", "services"): services.ServiceStrategy(),
    ("", "namespaces"): core.NamespaceStrategy(),
    ("", "configmaps"): core.ConfigMapStrategy(),
    ("", "secrets"): core.SecretStrategy(),
    ("", "nodes"): core.NodeStrategy(),
    ("", "persistentvolumes"): core.PersistentVolumeStrategy(),
    ("", "persistentvolumeclaims"): core.PersistentVolumeClaimStrategy(),
    ("", "events"): events.EventStrategy(),
    ("", "endpoints"): core.EndpointsStrategy(),
    ("", "limitranges"): core.LimitRangeStrategy(),
    ("", "resourcequotas"): core.ResourceQuotaStrategy(),
    ("", "replicationcontrollers"): core.ReplicationControllerStrategy(),
    ("", "podtemplates"): core.PodTemplateStrategy(),
    ("", "serviceaccounts"): core.ServiceAccountStrategy(),
    # apps/v1
    ("apps", "deployments"): apps.DeploymentStrategy(),
    ("apps", "replicasets"): apps.ReplicaSetStrategy(),
    ("apps", "statefulsets"): apps.StatefulSetStrategy(),
    ("apps", "daemonsets"): apps.DaemonSetStrategy(),
    ("apps", "controllerrevisions"): apps.ControllerRevisionStrategy(),
    # batch/v1
    ("batch", "jobs"): batch.JobStrategy(),
    ("batch", "cronjobs"): batch.CronJobStrategy(),
    # rbac
    (_RBAC, "roles"): rbac.RoleStrategy(),
    (_RBAC, "clusterroles"): rbac.ClusterRoleStrategy(),
    (_RBAC, "rolebindings"): rbac.RoleBindingStrategy(),
    (_RBAC, "clusterrolebindings"): rbac.ClusterRoleBindingStrategy(),
    # networking, discovery
    ("networking.k8s.io", "networkpolicies"): networking.NetworkPolicyStrategy(),
    ("networking.k8s.io", "ingresses"): networking.IngressStrategy(),
    ("networking.k8s.io", "ingressclasses"): networking.IngressClassStrategy(),
    ("networking.k8s.io", "ipaddresses"): networking.IPAddressStrategy(),
    ("networking.k8s.io", "servicecidrs"): networking.ServiceCIDRStrategy(),
    ("discovery.k8s.io", "endpointslices"): networking.EndpointSliceStrategy(),
    # admissionregistration
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"):
        admission.ValidatingWebhookConfigurationStrategy(),
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"):
        admission.MutatingWebhookConfigurationStrategy(),
    ("admissionregistration.k8s.io", "validatingadmissionpolicies"): admission.ValidatingAdmissionPolicyStrategy(),
    ("admissionregistration.k8s.io", "validatingadmissionpolicybindings"):
        admission.ValidatingAdmissionPolicyBindingStrategy(),
    # the rest: storage, scheduling, policy, autoscaling, certificates, coordination, node, events
    ("storage.k8s.io", "storageclasses"): storage.StorageClassStrategy(),
    ("storage.k8s.io", "csidrivers"): storage.CSIDriverStrategy(),
    ("storage.k8s.io", "volumeattachments"): storage.VolumeAttachmentStrategy(),
    ("storage.k8s.io", "csinodes"): storage.CSINodeStrategy(),
    ("storage.k8s.io", "volumeattributesclasses"): storage.VolumeAttributesClassStrategy(),
    ("scheduling.k8s.io", "priorityclasses"): scheduling.PriorityClassStrategy(),
    ("policy", "poddisruptionbudgets"): policy.PodDisruptionBudgetStrategy(),
    ("autoscaling", "horizontalpodautoscalers"): autoscaling.HorizontalPodAutoscalerStrategy(),
    ("certificates.k8s.io", "certificatesigningrequests"): certificates.CertificateSigningRequestStrategy(),
    ("coordination.k8s.io", "leases"): coordination.LeaseStrategy(),
    ("node.k8s.io", "runtimeclasses"): coordination.RuntimeClassStrategy(),
    ("events.k8s.io", "events"): events.EventsV1Strategy(),
}

_DEFAULT = Strategy()


def strategy_for(group: str, plural: str) -> Strategy:
    """The kind's strategy; a do-nothing ``Strategy()`` for kinds without special behaviour."""
    return _STRATEGIES.get((group, plural), _DEFAULT)


# --- names ---------------------------------------------------------------------------------------

def _any_name(name: str, prefix: bool) -> list[str]:
    """CertificateSigningRequests: upstream does not care what they are called."""
    return []


def _ip_address_name(name: str, prefix: bool) -> list[str]:
    """IPAddress objects are named by the address, in canonical form."""
    if prefix:
        return ["name is not a valid IP address"]  # generateName cannot make an address
    return is_valid_ip(name, strict=True, canonical=True)


_NAME_RULES: dict[tuple[str, str], NameRule] = {
    ("", "namespaces"): name_is_dns_label,
    ("", "services"): name_is_dns1035_label,
    (_RBAC, "roles"): name_is_path_segment,
    (_RBAC, "clusterroles"): name_is_path_segment,
    (_RBAC, "rolebindings"): name_is_path_segment,
    (_RBAC, "clusterrolebindings"): name_is_path_segment,
    ("certificates.k8s.io", "certificatesigningrequests"): _any_name,
    ("networking.k8s.io", "ipaddresses"): _ip_address_name,
}


def name_rule(group: str, plural: str) -> NameRule:
    """Upstream's name validation for the kind (DNS-1123 subdomain unless listed otherwise).

    The returned function takes ``(name, prefix)``; ``prefix`` is True when checking a
    ``generateName`` prefix (a trailing dash is then tolerated).
    """
    return _NAME_RULES.get((group, plural), name_is_dns_subdomain)


# --- field selectors -------------------------------------------------------------------------------

_BASE_FIELDS = frozenset({"metadata.name", "metadata.namespace"})

_FIELD_SELECTORS: dict[tuple[str, str], frozenset[str]] = {
    ("", "pods"): frozenset({
        "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
        "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName",
    }),
    ("", "events"): frozenset({
        "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
        "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
        "reason", "reportingComponent", "source", "type",
    }),
    ("events.k8s.io", "events"): frozenset({
        "regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "regarding.apiVersion",
        "regarding.resourceVersion", "regarding.fieldPath", "reason", "reportingController", "type",
    }),
    ("", "services"): frozenset({"spec.clusterIP", "spec.type"}),
    ("", "secrets"): frozenset({"type"}),
    ("", "namespaces"): frozenset({"status.phase"}),
    ("", "nodes"): frozenset({"spec.unschedulable"}),
    ("", "replicationcontrollers"): frozenset({"status.replicas"}),
    ("apps", "replicasets"): frozenset({"status.replicas"}),
    ("batch", "jobs"): frozenset({"status.successful"}),
    ("certificates.k8s.io", "certificatesigningrequests"): frozenset({"spec.signerName"}),
}


def supported_field_selectors(group: str, plural: str) -> frozenset[str]:
    """Field labels usable in ``fieldSelector`` for this resource (always name and namespace)."""
    return _BASE_FIELDS | _FIELD_SELECTORS.get((group, plural), frozenset())
