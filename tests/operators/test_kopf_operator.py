"""kopf end to end against kapi: a CRD becomes a served type, and an operator reconciles its objects.

The CRD and the objects go through the official client; the operator (tests/operators/greeting_operator.py)
runs ``kopf.operator`` in a thread, logged in from a kubeconfig written by ``kapi.cli.write_kubeconfig``.
Every wait is bounded (20 s at most) and the operator is always stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

pytest.importorskip("kopf")

from kubernetes import client
from kubernetes.client.rest import ApiException

from kapi.cli import write_kubeconfig
from kapi.testing import ServerThread
from tests.operators import greeting_operator as op

NS = "kopf-e2e"
KOPF_FINALIZER = "kopf.zalando.org/KopfFinalizerMarker"
T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 20.0, every: float = 0.05) -> T:
    """Poll ``probe`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = probe()
        except ApiException as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(every)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}; last: {last!r}")


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with ServerThread() as s:
        yield s


@pytest.fixture(scope="module")
def api(server: ServerThread) -> Iterator[client.ApiClient]:
    configuration = client.Configuration()
    configuration.host = server.url
    with client.ApiClient(configuration) as a:
        yield a


@pytest.fixture(scope="module")
def crd(api: client.ApiClient) -> dict[str, Any]:
    ext = client.ApiextensionsV1Api(api)
    ext.create_custom_resource_definition(op.CRD)

    def established() -> Any:
        obj = ext.read_custom_resource_definition(op.CRD_NAME)
        conds = {c.type: c.status for c in (obj.status.conditions or [])} if obj.status else {}
        return obj if conds.get("Established") == "True" and conds.get("NamesAccepted") == "True" else None

    obj = wait_for("the CRD to be Established", established)
    # the type is served: discovery lists it (what kopf's scan reads) before anything is created
    resources = client.CustomObjectsApi(api).get_api_resources(op.GROUP, op.VERSION)
    names = {r.name for r in resources.resources}
    assert {op.PLURAL, f"{op.PLURAL}/status"} <= names, names
    client.CoreV1Api(api).create_namespace({"metadata": {"name": NS}})
    return api.sanitize_for_serialization(obj)


def test_crd_status_names(crd: dict[str, Any]) -> None:
    accepted = crd["status"]["acceptedNames"]
    assert accepted["kind"] == op.KIND and accepted["plural"] == op.PLURAL
    assert accepted["singular"] == "greeting" and accepted["listKind"] == "GreetingList"
    assert crd["status"]["storedVersions"] == [op.VERSION]


def test_operator_create_update_delete(server: ServerThread, api: client.ApiClient, crd: dict[str, Any],
                                       tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    write_kubeconfig(str(kubeconfig), server.url)
    seen = op.Seen()
    operator = op.OperatorThread(op.build_registry(str(kubeconfig), seen, server_timeout=3), NS)
    objects = client.CustomObjectsApi(api)
    core = client.CoreV1Api(api)
    coords = (op.GROUP, op.VERSION, NS, op.PLURAL)
    operator.start(timeout=20)
    try:
        # ---- create: the handler runs, its result lands in status, the child ConfigMap exists
        objects.create_namespaced_custom_object(*coords, op.greeting(NS, "hello", "hi there", replicas=2))
        created = wait_for("the create handler", lambda: seen.of("create", "hello"))
        assert created[0]["message"] == "hi there" and created[0]["replicas"] == 2

        def status_of(name: str, key: str) -> Any:
            obj = objects.get_namespaced_custom_object(*coords, name)
            return obj if (obj.get("status") or {}).get(key) else None

        obj = wait_for("status.greet", lambda: status_of("hello", "greet"))
        assert obj["status"]["greet"] == {"message": "hi there", "configmap": "hello-greeting"}
        assert obj["status"]["phase"] == "Greeted"
        assert KOPF_FINALIZER in obj["metadata"]["finalizers"]
        cm = core.read_namespaced_config_map("hello-greeting", NS)
        assert cm.data == {"message": "hi there"}
        owner = cm.metadata.owner_references[0]
        assert (owner.kind, owner.name, owner.uid) == (op.KIND, "hello", obj["metadata"]["uid"])
        # status went through the status subresource: the spec's generation did not move
        assert obj["metadata"]["generation"] == 1

        # ---- update: a spec change runs the update handler with the diff
        objects.patch_namespaced_custom_object(*coords, "hello", {"spec": {"message": "hello again"}})
        updated = wait_for("the update handler", lambda: seen.of("update", "hello"))
        assert updated[0]["old"] == "hi there" and updated[0]["new"] == "hello again"
        assert ("change", ("spec", "message"), "hi there", "hello again") in updated[0]["diff"]
        obj = wait_for("status.regreet", lambda: status_of("hello", "regreet"))
        assert obj["status"]["regreet"] == {"message": "hello again"}
        assert obj["status"]["phase"] == "Updated"
        assert obj["metadata"]["generation"] == 2
        assert core.read_namespaced_config_map("hello-greeting", NS).data == {"message": "hello again"}

        # ---- delete: the finalizer holds the object until the delete handler ran, then it is gone
        objects.delete_namespaced_custom_object(*coords, "hello")
        deleted = wait_for("the delete handler", lambda: seen.of("delete", "hello"))
        assert deleted[0]["deletion_timestamp"]
        assert KOPF_FINALIZER in deleted[0]["finalizers"]
        assert deleted[0]["configmap_delete"] == 200

        def gone() -> bool:
            try:
                objects.get_namespaced_custom_object(*coords, "hello")
            except ApiException as exc:
                if exc.status == 404:
                    return True
                raise
            return False

        wait_for("the Greeting to be gone (finalizer removed)", gone)
        listed = objects.list_namespaced_custom_object(*coords)
        assert listed["items"] == []
        assert [e["handler"] for e in seen.events] == ["create", "update", "delete"]
    finally:
        stopped = operator.stop(timeout=20)
    assert stopped, "the kopf operator did not stop within 20 s"
    assert operator.error is None, repr(operator.error)
