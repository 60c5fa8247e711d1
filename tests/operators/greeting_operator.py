"""A small kopf operator for the namespaced ``Greeting`` custom resource (group ``ops.kapi.test``).

Each handler records what it saw (thread-safe, for the test to read), patches ``status`` and keeps a
ConfigMap child ``<name>-greeting`` in step with ``spec.message``:

* create: creates the ConfigMap (owned by the Greeting), sets ``status.phase`` and returns a dict
  that kopf stores under ``status.greet``;
* update: rewrites the ConfigMap's data, sets ``status.phase``, returns into ``status.regreet``;
* delete: deletes the ConfigMap. Having a delete handler makes kopf put its finalizer on every
  Greeting and take it off once the handler succeeded.

The handlers live in a registry of their own (not kopf's global one), and kopf logs in with
``kopf.ConnectionInfo`` built from a kubeconfig file, so nothing leaks into other tests. The handlers
are closures, so they are given explicit ids (kopf would otherwise key ``status`` by their qualified names).
``run_in_thread`` starts ``kopf.operator`` on its own event loop in a daemon thread and returns a
handle that stops it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import kopf
import yaml

GROUP = "ops.kapi.test"
VERSION = "v1"
PLURAL = "greetings"
KIND = "Greeting"
CRD_NAME = f"{PLURAL}.{GROUP}"

CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": CRD_NAME},
    "spec": {
        "group": GROUP,
        "scope": "Namespaced",
        "names": {"plural": PLURAL, "singular": "greeting", "kind": KIND, "listKind": "GreetingList",
                  "shortNames": ["grt"]},
        "versions": [{
            "name": VERSION,
            "served": True,
            "storage": True,
            "subresources": {"status": {}},
            "additionalPrinterColumns": [
                {"name": "Message", "type": "string", "jsonPath": ".spec.message"},
                {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
            ],
            "schema": {"openAPIV3Schema": {
                "type": "object",
                "properties": {
                    "spec": {
                        "type": "object",
                        "required": ["message"],
                        "properties": {
                            "message": {"type": "string"},
                            "replicas": {"type": "integer", "minimum": 0, "default": 1},
                        },
                    },
                    # kopf keeps its progress and the handlers' results here
                    "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                },
            }},
        }],
    },
}


def greeting(namespace: str, name: str, message: str, replicas: int = 1) -> dict[str, Any]:
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": KIND,
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"message": message, "replicas": replicas}}


def server_from_kubeconfig(path: str) -> str:
    """The server URL of the current context of a kubeconfig (as ``kapi.cli.write_kubeconfig`` writes)."""
    with open(path) as f:
        cfg = yaml.safe_load(f)
    ctx_name = cfg.get("current-context")
    ctx = next(c["context"] for c in cfg["contexts"] if c["name"] == ctx_name)
    cluster = next(c["cluster"] for c in cfg["clusters"] if c["name"] == ctx["cluster"])
    return str(cluster["server"])


@dataclass
class Seen:
    """What the handlers saw, in order; safe to read from another thread."""

    events: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **event: Any) -> None:
        with self.lock:
            self.events.append(event)

    def of(self, handler: str, name: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.events if e["handler"] == handler and (name is None or e["name"] == name)]


def build_registry(kubeconfig: str, seen: Seen, *, server_timeout: float = 5.0) -> kopf.OperatorRegistry:
    registry = kopf.OperatorRegistry()
    server = server_from_kubeconfig(kubeconfig)
    cm_base = f"{server}/api/v1/namespaces"

    @kopf.on.startup(registry=registry)
    def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
        settings.watching.server_timeout = server_timeout  # kopf adds timeoutSeconds to its watches
        settings.watching.client_timeout = server_timeout + 5
        settings.watching.connect_timeout = 5
        settings.watching.reconnect_backoff = 0.1
        settings.networking.request_timeout = 10
        settings.batching.batch_window = 0.05
        settings.batching.exit_timeout = 2
        settings.scanning.disabled = False

    @kopf.on.login(registry=registry)
    def login(**_: Any) -> kopf.ConnectionInfo:
        return kopf.ConnectionInfo(server=server, insecure=True, scheme="Bearer", token="kopf-test")

    async def put_configmap(session: aiohttp.ClientSession, ns: str, owner: dict[str, Any], message: str,
                            create: bool) -> int:
        name = f"{owner['metadata']['name']}-greeting"
        cm: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap",
                              "metadata": {"name": name, "namespace": ns}, "data": {"message": message}}
        kopf.adopt(cm, owner=owner)  # ownerReferences to the Greeting, same namespace
        if create:
            async with session.post(f"{cm_base}/{ns}/configmaps", json=cm) as r:
                return r.status
        patch = {"data": {"message": message}}
        async with session.patch(f"{cm_base}/{ns}/configmaps/{name}", json=patch,
                                 headers={"Content-Type": "application/merge-patch+json"}) as r:
            return r.status

    @kopf.on.create(GROUP, VERSION, PLURAL, id="greet", registry=registry)
    async def greet(body: kopf.Body, spec: kopf.Spec, name: str, namespace: str, patch: kopf.Patch,
                    **_: Any) -> dict[str, Any]:
        async with aiohttp.ClientSession() as session:
            status = await put_configmap(session, namespace, dict(body), spec["message"], create=True)
        if status not in (200, 201, 409):
            raise kopf.TemporaryError(f"ConfigMap create answered {status}", delay=0.5)
        seen.add(handler="create", name=name, message=spec.get("message"), replicas=spec.get("replicas"),
                 finalizers=list(body.metadata.get("finalizers") or []))
        patch.status["phase"] = "Greeted"
        return {"message": spec["message"], "configmap": f"{name}-greeting"}

    @kopf.on.update(GROUP, VERSION, PLURAL, id="regreet", registry=registry)
    async def regreet(body: kopf.Body, spec: kopf.Spec, name: str, namespace: str, old: Any, new: Any,
                      diff: kopf.Diff, patch: kopf.Patch, **_: Any) -> dict[str, Any]:
        async with aiohttp.ClientSession() as session:
            status = await put_configmap(session, namespace, dict(body), spec["message"], create=False)
        if status != 200:
            raise kopf.TemporaryError(f"ConfigMap patch answered {status}", delay=0.5)
        seen.add(handler="update", name=name, old=(old or {}).get("spec", {}).get("message"),
                 new=(new or {}).get("spec", {}).get("message"),
                 diff=[(d[0], tuple(d[1]), d[2], d[3]) for d in diff])
        patch.status["phase"] = "Updated"
        return {"message": spec["message"]}

    @kopf.on.delete(GROUP, VERSION, PLURAL, id="farewell", registry=registry)
    async def farewell(body: kopf.Body, name: str, namespace: str, **_: Any) -> None:
        async with aiohttp.ClientSession() as session, \
                session.delete(f"{cm_base}/{namespace}/configmaps/{name}-greeting") as r:
            cm_status = r.status
        seen.add(handler="delete", name=name, configmap_delete=cm_status,
                 deletion_timestamp=body.metadata.get("deletionTimestamp"),
                 finalizers=list(body.metadata.get("finalizers") or []))

    return registry


class OperatorThread:
    """``kopf.operator`` on its own event loop in a daemon thread; ``stop()`` ends it (bounded)."""

    def __init__(self, registry: kopf.OperatorRegistry, namespace: str) -> None:
        self.registry = registry
        self.namespace = namespace
        self.stop_flag = threading.Event()
        self.ready_flag = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="kopf-operator", daemon=True)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(kopf.operator(
                registry=self.registry, standalone=True, clusterwide=False, namespaces=[self.namespace],
                stop_flag=self.stop_flag, ready_flag=self.ready_flag))
        except BaseException as exc:  # surfaced by start()/stop()
            self.error = exc
        finally:
            loop.close()

    def start(self, timeout: float = 20.0) -> OperatorThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.ready_flag.wait(0.05):
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"kopf operator did not get ready: {self.error!r}")
        return self

    def stop(self, timeout: float = 20.0) -> bool:
        """Set the stop flag and wait for the thread; True if it ended in time."""
        self.stop_flag.set()
        self.thread.join(timeout)
        return not self.thread.is_alive()
