"""HTTP-only: kubeconfig loading, bearer token, transport failures as ApiError."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from kapi.client import NAMESPACES, ApiError, HttpClient, load_kubeconfig
from kapi.testing import ServerThread, free_port

KUBECONFIG = """
apiVersion: v1
kind: Config
current-context: main
clusters:
- name: other
  cluster: {{server: "http://127.0.0.1:1"}}
- name: kapi
  cluster: {{server: "{url}"}}
contexts:
- name: main
  context: {{cluster: kapi, user: admin}}
users:
- name: admin
  user: {{token: s3cret}}
"""


def test_kubeconfig(tmp_path: Path) -> None:
    with ServerThread() as server:
        path = tmp_path / "config"
        path.write_text(KUBECONFIG.format(url=server.url))
        cfg = load_kubeconfig(str(path))
        assert cfg["server"] == server.url and cfg["token"] == "s3cret"

        async def main() -> None:
            client = HttpClient(kubeconfig=str(path))
            try:
                assert client.base_url == server.url
                assert client.session.headers["Authorization"] == "Bearer s3cret"
                ns = await client.get(NAMESPACES, "default")
                assert ns["metadata"]["name"] == "default"
            finally:
                await client.close()
        asyncio.run(asyncio.wait_for(main(), 10))


def test_connection_refused_is_api_error() -> None:
    async def main() -> None:
        client = HttpClient(f"http://127.0.0.1:{free_port()}", timeout=2)
        try:
            with pytest.raises(ApiError) as ei:
                await client.get(NAMESPACES, "default")
            assert ei.value.code == 503
            with pytest.raises(ApiError):
                async for _ in client.watch(NAMESPACES, timeout_seconds=1):
                    pass
        finally:
            await client.close()
    asyncio.run(asyncio.wait_for(main(), 10))
