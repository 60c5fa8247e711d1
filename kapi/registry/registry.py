"""The registry: the catalog of types, their resource services, and cluster-wide admission.

One ``Registry`` per server. It owns the store handle and the allocators, answers "may this
namespace take new objects", bootstraps the default namespaces and the ``kubernetes`` Service,
and finishes namespace deletion (emptying a terminating namespace, then finalizing it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import orjson

from kapi.machinery import errors, meta
from kapi.machinery.errors import StatusError
from kapi.machinery.schema import Definitions, SchemaNode
from kapi.registry.allocators import ServiceAllocators
from kapi.registry.catalog import Catalog
from kapi.registry.crds import CLEANUP_FINALIZER, established_status, is_established, types_from_crd
from kapi.registry.options import DeleteOptions, ListOptions
from kapi.registry.service import ResourceService
from kapi.registry.strategy import RequestContext
from kapi.registry.types import ResourceType
from kapi.storage.interface import Store

log = logging.getLogger(__name__)

Obj = dict[str, Any]

DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
CRD_GROUP = "apiextensions.k8s.io"
CRD_KEY = "apiextensions.k8s.io/customresourcedefinitions"


class Registry:
    def __init__(self, *, store: Store, catalog: Catalog, definitions: Definitions,
                 service_cidr: str = "10.96.0.0/12", node_port_range: tuple[int, int] = (30000, 32767),
                 api_port: int = 6443) -> None:
        self.store = store
        self.catalog = catalog
        self.definitions = definitions
        self.allocators = ServiceAllocators.create(service_cidr=service_cidr, node_port_range=node_port_range)
        self.api_port = api_port
        self.garbage_collector_running = False
        self._services: dict[tuple[str, str, str], ResourceService] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._finalizing: set[str] = set()
        self._crd_types: dict[str, list[ResourceType]] = {}
        self._kind_index: dict[tuple[str, str | None, str | None], str] | None = None

    # --- lookups --------------------------------------------------------------------------------
    def service(self, rt: ResourceType) -> ResourceService:
        key = (rt.group, rt.version, rt.plural)
        svc = self._services.get(key)
        if svc is None or svc.rt is not rt:
            svc = ResourceService(rt, self)
            self._services[key] = svc
        return svc

    def service_for(self, group: str, version: str, plural: str) -> ResourceService | None:
        rt = self.catalog.get(group, version, plural)
        return self.service(rt) if rt is not None else None

    def core(self, plural: str) -> ResourceService:
        svc = self.service_for("", "v1", plural)
        assert svc is not None
        return svc

    def schema_for_kind(self, kind: str, api_version: str) -> SchemaNode | None:
        """The definition of a kind (e.g. autoscaling/v1 Scale), from an index built on first use."""
        if self._kind_index is None:
            self._kind_index = {
                (gvk.get("group", ""), gvk.get("version"), gvk.get("kind")): name
                for name, raw in self.definitions.defs.items()
                for gvk in raw.get("x-kubernetes-group-version-kind") or []}
        group, _, version = api_version.rpartition("/")
        name = self._kind_index.get((group, version, kind))
        return self.definitions.node(name) if name is not None else None

    def context(self, **kwargs: Any) -> RequestContext:
        ctx = RequestContext(**kwargs)
        if not ctx.now:
            ctx.now = meta.now_rfc3339()
        ctx.services = self.allocators
        return ctx

    # --- admission ------------------------------------------------------------------------------
    async def admit_namespace(self, namespace: str, *, creating: str, group: str = "", plural: str = "",
                              name: str = "") -> None:
        kv = await self.store.get(f"/core/namespaces/{namespace}")
        if kv is None:
            raise errors.not_found("", "namespaces", namespace)
        ns = orjson.loads(kv.value)
        terminating = (ns.get("status") or {}).get("phase") == "Terminating"
        if (ns.get("metadata") or {}).get("deletionTimestamp") or terminating:
            raise StatusError(
                403, "Forbidden",
                f"{creating} is forbidden: unable to create new content in namespace {namespace} because it is "
                f"being terminated",
                details={"kind": creating,
                         "causes": [{"reason": "NamespaceTerminating", "field": "metadata.namespace",
                                     "message": f"namespace {namespace} is being terminated"}]})

    async def after_write(self, svc: ResourceService, old: Obj | None, new: Obj | None) -> None:
        if svc.key_name == "core/namespaces" and new is not None and new["metadata"].get("deletionTimestamp"):
            self._spawn(self._finalize_namespace(new["metadata"]["name"]))
        elif svc.key_name == CRD_KEY:
            self._crd_changed(old, new)

    # --- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        await self._rebuild_allocators()
        res = await self.store.list("/apiextensions.k8s.io/customresourcedefinitions/")
        for kv in res.items:
            self._crd_changed(None, orjson.loads(kv.value))
        await self._bootstrap()
        # resume namespaces whose deletion was interrupted by a restart
        items, _, _, _ = await self.core("namespaces").list_items(None, ListOptions())
        for kv in items:
            ns = orjson.loads(kv.value)
            if ns["metadata"].get("deletionTimestamp"):
                self._spawn(self._finalize_namespace(ns["metadata"]["name"]))

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _rebuild_allocators(self) -> None:
        res = await self.store.list("/core/services/")
        self.allocators.rebuild(orjson.loads(kv.value) for kv in res.items)

    async def _bootstrap(self) -> None:
        namespaces = self.core("namespaces")
        for name in DEFAULT_NAMESPACES:
            if await self.store.get(f"/core/namespaces/{name}") is None:
                with contextlib.suppress(StatusError):
                    await namespaces.create(self.context(field_manager="kube-apiserver"),
                                            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        if await self.store.get("/core/services/default/kubernetes") is None:
            svc = {"apiVersion": "v1", "kind": "Service",
                   "metadata": {"name": "kubernetes", "namespace": "default",
                                "labels": {"component": "apiserver", "provider": "kubernetes"}},
                   "spec": {"clusterIP": self.allocators.first_service_ip(),
                            "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                       "targetPort": self.api_port}],
                            "sessionAffinity": "None", "type": "ClusterIP"}}
            with contextlib.suppress(StatusError):
                await self.core("services").create(
                    self.context(namespace="default", field_manager="kube-apiserver"), svc)

    # --- namespace deletion ---------------------------------------------------------------------
    async def _finalize_namespace(self, name: str) -> None:
        """Delete everything in a terminating namespace, then clear its ``kubernetes`` finalizer."""
        if name in self._finalizing:
            return
        self._finalizing.add(name)
        try:
            for _round in range(600):
                remaining = await self._delete_namespace_content(name)
                if remaining == 0:
                    break
                await asyncio.sleep(0.5)
            svc = self.core("namespaces")
            for _attempt in range(16):
                kv = await self.store.get(f"/core/namespaces/{name}")
                if kv is None:
                    return
                ns = orjson.loads(kv.value)
                spec = ns.get("spec") or {}
                if "kubernetes" not in (spec.get("finalizers") or []):
                    return
                spec["finalizers"] = [f for f in spec["finalizers"] if f != "kubernetes"]
                ns["spec"] = spec
                try:
                    await svc.update(self.context(subresource="finalize", field_manager="kube-apiserver"), name, ns)
                    return
                except StatusError as exc:
                    if exc.code != 409:
                        raise
        except Exception:  # a background task must not die silently
            log.exception("finalizing namespace %s failed", name)
        finally:
            self._finalizing.discard(name)

    async def _delete_namespace_content(self, namespace: str) -> int:
        remaining = 0
        seen: set[str] = set()
        for rt in self.catalog.all():
            if not rt.namespaced or rt.storage_prefix in seen:
                continue
            seen.add(rt.storage_prefix)
            svc = self.service(rt)
            ctx = self.context(namespace=namespace, field_manager="kube-apiserver")
            try:
                await svc.delete_collection(ctx, ListOptions(), DeleteOptions(propagation_policy="Background"))
            except StatusError as exc:
                log.warning("emptying namespace %s of %s: %s", namespace, rt.plural, exc.message)
            remaining += await self.store.count(rt.prefix(namespace))
        return remaining

    # --- CustomResourceDefinitions ---------------------------------------------------------------
    def _crd_changed(self, old: Obj | None, new: Obj | None) -> None:
        """Serve what a CRD defines now; establish it; clean up after it when it is being deleted."""
        name = (new or old or {}).get("metadata", {}).get("name", "")
        if not name:
            return
        wanted = types_from_crd(new) if new is not None else []
        keep = {(t.group, t.version, t.plural) for t in wanted}
        for rt in self._crd_types.get(name, []):
            if (rt.group, rt.version, rt.plural) not in keep:
                self.catalog.remove(rt.group, rt.version, rt.plural)
        for rt in wanted:
            self.catalog.add(rt)
        if wanted:
            self._crd_types[name] = wanted
        else:
            self._crd_types.pop(name, None)
        if new is None:
            return
        if new["metadata"].get("deletionTimestamp"):
            self._spawn(self._cleanup_crd(name))
        elif not is_established(new):
            self._spawn(self._establish_crd(name))

    def _crd_service(self) -> ResourceService:
        svc = self.service_for(CRD_GROUP, "v1", "customresourcedefinitions")
        assert svc is not None
        return svc

    async def _establish_crd(self, name: str) -> None:
        svc = self._crd_service()
        for _attempt in range(16):
            kv = await self.store.get(f"/apiextensions.k8s.io/customresourcedefinitions/{name}")
            if kv is None:
                return
            crd = orjson.loads(kv.value)
            if is_established(crd) or crd["metadata"].get("deletionTimestamp"):
                return
            ctx = self.context(subresource="status", field_manager="kube-apiserver")
            crd["status"] = established_status(crd, ctx.now)
            try:
                await svc.update(ctx, name, crd)
                return
            except StatusError as exc:
                if exc.code != 409:
                    log.warning("establishing CRD %s: %s", name, exc.message)
                    return

    async def _cleanup_crd(self, name: str) -> None:
        """Delete every custom resource of a terminating CRD, then let the CRD go."""
        if name in self._finalizing:
            return
        self._finalizing.add(name)
        try:
            types = self._crd_types.get(name, [])
            if types:
                svc = self.service(types[0])
                prefix = types[0].storage_prefix
                for _round in range(600):
                    ctx = self.context(field_manager="kube-apiserver")
                    await svc.delete_collection(ctx, ListOptions(), DeleteOptions(propagation_policy="Background"))
                    if await self.store.count(prefix) == 0:
                        break
                    await asyncio.sleep(0.5)
            crds = self._crd_service()
            for _attempt in range(16):
                kv = await self.store.get(f"/apiextensions.k8s.io/customresourcedefinitions/{name}")
                if kv is None:
                    return
                crd = orjson.loads(kv.value)
                finalizers = [f for f in crd["metadata"].get("finalizers") or [] if f != CLEANUP_FINALIZER]
                if len(finalizers) == len(crd["metadata"].get("finalizers") or []):
                    return
                crd["metadata"]["finalizers"] = finalizers
                try:
                    await crds.update(self.context(field_manager="kube-apiserver"), name, crd)
                    return
                except StatusError as exc:
                    if exc.code != 409:
                        raise
        except Exception:  # a background task must not die silently
            log.exception("cleaning up after CRD %s failed", name)
        finally:
            self._finalizing.discard(name)
