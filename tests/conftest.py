"""Shared fixtures: a live kapi server per test module, and clients pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kapi.testing import ServerThread


@pytest.fixture(scope="module")
def kapi_server() -> Iterator[ServerThread]:
    with ServerThread() as server:
        yield server


@pytest.fixture(scope="module")
def api_client(kapi_server: ServerThread):  # type: ignore[no-untyped-def]
    from kubernetes import client

    configuration = client.Configuration()
    configuration.host = kapi_server.url
    with client.ApiClient(configuration) as api:
        yield api
