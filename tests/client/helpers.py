"""Shared helpers: an in-process registry, clients for both transports, bounded waits."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from kapi.client import NAMESPACES, Client, HttpClient, InProcessClient
from kapi.registry.catalog import Catalog, load_definitions
from kapi.registry.registry import Registry
from kapi.storage import open_store

TIMEOUT = 5.0


@contextlib.asynccontextmanager
async def inprocess_client(**tuning: Any) -> AsyncIterator[InProcessClient]:
    store = open_store(None, ephemeral=True, **tuning)
    await store.start()
    try:
        registry = Registry(store=store, catalog=Catalog.builtin(), definitions=load_definitions())
        await registry.start()
        try:
            yield InProcessClient(registry)
        finally:
            await registry.stop()
    finally:
        await store.close()


@contextlib.asynccontextmanager
async def http_client(url: str) -> AsyncIterator[HttpClient]:
    client = HttpClient(url)
    try:
        yield client
    finally:
        await client.close()


@contextlib.asynccontextmanager
async def make_client(transport: str, url: str) -> AsyncIterator[Client]:
    if transport == "http":
        async with http_client(url) as c:
            yield c
    else:
        async with inprocess_client() as c:
            yield c


async def new_namespace(client: Client) -> str:
    name = "t-" + uuid.uuid4().hex[:10]
    await client.create(NAMESPACES, {"metadata": {"name": name}})
    return name


async def eventually(cond: Callable[[], bool | Awaitable[bool]], within: float = TIMEOUT) -> None:
    """Wait (bounded) until ``cond()`` holds; fail the test otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        res = cond()
        if not isinstance(res, bool):
            res = await res
        if res:
            return
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def pod(name: str, labels: dict[str, str] | None = None, node: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "busybox"}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {}}, "spec": spec}
