"""Helpers shared by the storage tests: running coroutines, encoders, the store factory.

Tests are plain functions that drive their coroutine with :func:`run` (``asyncio.run`` with a
time limit), so no pytest asyncio plugin is needed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson

from kapi.storage import Encoder, SQLiteStore, open_store

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T], timeout: float = 20.0) -> T:
    """Run ``coro`` on a fresh event loop, failing (not hanging) after ``timeout`` seconds."""

    async def limited() -> T:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(limited())


def enc(**fields: Any) -> Encoder:
    """An encoder like the API layer's: the object with its revision stamped in."""
    return lambda revision: orjson.dumps({**fields, "rv": revision})


def rv(value: bytes) -> int:
    """The revision an :func:`enc` encoder stamped into ``value``."""
    return int(orjson.loads(value)["rv"])


@dataclass
class StoreFactory:
    kind: str  # "file" or "ephemeral"
    path: str

    @property
    def durable(self) -> bool:
        return self.kind == "file"

    def __call__(self, **tuning: Any) -> SQLiteStore:
        return open_store(self.path, ephemeral=self.kind == "ephemeral", **tuning)
