"""Expired resourceVersions: 410 inside a 200 watch stream, HTTP 410 for lists, client recovery.

The server runs with a short change log (50 revisions) so that compaction is reachable in a test.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import requests
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from kapi.testing import ServerThread


@pytest.fixture(scope="module")
def short_log_server() -> Iterator[ServerThread]:
    with ServerThread(store_tuning={"compact_keep_revisions": 50, "compact_interval": 0.05}) as server:
        base = f"{server.url}/api/v1/namespaces/default/configmaps"
        session = requests.Session()
        for i in range(200):
            assert session.post(base, json={"metadata": {"name": f"cm-{i}"}}).status_code == 201
        time.sleep(0.5)  # let compaction catch up
        yield server


def test_watch_from_compacted_revision_is_an_error_event_in_a_200_stream(short_log_server: ServerThread) -> None:
    url = f"{short_log_server.url}/api/v1/namespaces/default/configmaps"
    with requests.get(url, params={"watch": "true", "resourceVersion": "3"}, stream=True, timeout=10) as resp:
        assert resp.status_code == 200
        assert resp.headers["Content-Type"] == "application/json"
        lines = [line for line in resp.iter_lines() if line]
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert event["type"] == "ERROR"
    status = event["object"]
    assert (status["kind"], status["apiVersion"], status["code"], status["reason"]) == ("Status", "v1", 410, "Expired")
    assert status["message"].startswith("too old resource version: 3 (")


def test_exact_list_at_compacted_revision_is_http_410(short_log_server: ServerThread) -> None:
    url = f"{short_log_server.url}/api/v1/namespaces/default/configmaps"
    resp = requests.get(url, params={"resourceVersion": "3", "resourceVersionMatch": "Exact"}, timeout=10)
    assert resp.status_code == 410
    assert resp.json()["reason"] == "Expired"


def test_python_client_watch_raises_410_after_its_one_retry(short_log_server: ServerThread) -> None:
    configuration = client.Configuration()
    configuration.host = short_log_server.url
    with client.ApiClient(configuration) as api:
        v1 = client.CoreV1Api(api)
        w = watch.Watch()
        with pytest.raises(ApiException) as info:
            for _event in w.stream(v1.list_namespaced_config_map, "default", resource_version="3"):
                pass
        assert info.value.status == 410


def test_python_client_watch_resumes_from_a_recent_revision(short_log_server: ServerThread) -> None:
    configuration = client.Configuration()
    configuration.host = short_log_server.url
    with client.ApiClient(configuration) as api:
        v1 = client.CoreV1Api(api)
        listed = v1.list_namespaced_config_map("default")
        rv = listed.metadata.resource_version
        v1.create_namespaced_config_map("default", {"metadata": {"name": "fresh"}})
        v1.delete_namespaced_config_map("cm-7", "default")
        events = []
        for event in watch.Watch().stream(v1.list_namespaced_config_map, "default", resource_version=rv,
                                          timeout_seconds=1):
            events.append((event["type"], event["object"].metadata.name))
        assert events == [("ADDED", "fresh"), ("DELETED", "cm-7")]
