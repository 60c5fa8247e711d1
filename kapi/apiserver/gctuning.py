"""Keep Python's cyclic garbage collector away from the long-lived object cache.

The store keeps every live object (and recent events) in memory, so a full collection walks
tens of thousands of long-lived objects: 20-25 ms pauses, several a second under write load,
which is what the CREATE/PUT p99 tails were made of. Objects that survived a while are moved
to the permanent generation (``gc.freeze``) so collections skip them; reference counting still
frees them as usual. Once in a long while everything is thawed and collected in full, so that
reference cycles frozen by mistake cannot accumulate.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator

from aiohttp import web

FREEZE_EVERY = 10.0  # seconds
FULL_COLLECT_EVERY = 60  # freezes


async def _loop() -> None:
    count = 0
    while True:
        await asyncio.sleep(FREEZE_EVERY)
        count += 1
        if count % FULL_COLLECT_EVERY == 0:
            gc.unfreeze()
            gc.collect()
        gc.freeze()


async def gc_ctx(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.ensure_future(_loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
