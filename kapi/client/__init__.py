"""The client: the only way controllers, the scheduler and the kubelet see the cluster.

``Client`` is the interface; ``InProcessClient`` calls the registry directly, ``HttpClient``
talks to any API server. ``Informer`` keeps a watched cache; ``WorkQueue`` feeds workers.
"""

from kapi.client.errors import ApiError
from kapi.client.http import HttpClient, load_kubeconfig
from kapi.client.informer import Informer, index_by_namespace, index_by_node_name, object_key
from kapi.client.inprocess import InProcessClient
from kapi.client.interface import Client
from kapi.client.resources import (
    CONFIGMAPS,
    DAEMONSETS,
    DEPLOYMENTS,
    ENDPOINTS,
    ENDPOINTSLICES,
    EVENTS,
    EVENTS_V1,
    JOBS,
    LEASES,
    NAMESPACES,
    NODES,
    PERSISTENTVOLUMECLAIMS,
    PODS,
    REPLICASETS,
    SECRETS,
    SERVICEACCOUNTS,
    SERVICES,
    STATEFULSETS,
    Resource,
)
from kapi.client.workqueue import WorkQueue

__all__ = [
    "CONFIGMAPS", "DAEMONSETS", "DEPLOYMENTS", "ENDPOINTS", "ENDPOINTSLICES", "EVENTS", "EVENTS_V1", "JOBS",
    "LEASES", "NAMESPACES", "NODES", "PERSISTENTVOLUMECLAIMS", "PODS", "REPLICASETS", "SECRETS",
    "SERVICEACCOUNTS", "SERVICES", "STATEFULSETS", "ApiError", "Client", "HttpClient", "InProcessClient",
    "Informer", "Resource", "WorkQueue", "index_by_namespace", "index_by_node_name", "load_kubeconfig",
    "object_key",
]
