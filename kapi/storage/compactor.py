"""Background compaction of the change log, in bounded steps.

Every ``compact_interval`` seconds the compactor works out the newest revision it may forget
(retention bounds from :class:`StoreConfig`, never past a revision a running replay still needs)
and deletes up to it in transactions of at most ``compact_batch`` rows, releasing the database
lock between steps so writers are never held up for long. The in-memory compact revision is
raised *before* each delete is issued: any watch or snapshot read checked against the new bound
can no longer ask for the rows being deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from kapi.storage.config import StoreConfig
from kapi.storage.database import Database

log = logging.getLogger(__name__)


class Compactor:
    def __init__(
        self,
        db: Database,
        config: StoreConfig,
        revision: Callable[[], int],
        compacted: Callable[[], int],
        set_compacted: Callable[[int], None],
        min_pinned: Callable[[], int | None],
    ) -> None:
        self._db = db
        self._config = config
        self._revision = revision
        self._compacted = compacted
        self._set_compacted = set_compacted
        self._min_pinned = min_pinned
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="kapi-storage-compactor")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._config.compact_interval)
            if self._stop.is_set():
                return
            try:
                await self.compact()
            except Exception:
                log.exception("change log compaction failed")

    async def target(self) -> int:
        """The newest revision the retention bounds allow forgetting (may be <= compacted)."""
        cfg = self._config
        current = self._revision()
        target = current - cfg.compact_keep_revisions
        if cfg.compact_keep_seconds is not None:
            async with self._db.lock:
                first_young = await self._db.first_revision_since(time.time() - cfg.compact_keep_seconds)
                current = self._revision()
            target = max(target, current if first_young is None else first_young - 1)
        return target

    async def compact(self, upto: int | None = None) -> int:
        """Compact up to ``upto`` (default: what retention allows); returns the compact revision."""
        target = await self.target() if upto is None else upto
        while not self._stop.is_set() or upto is not None:
            async with self._db.lock:
                start = self._compacted()
                end = min(start + self._config.compact_batch, target, self._revision())
                pinned = self._min_pinned()
                if pinned is not None:
                    end = min(end, pinned)
                if end <= start:
                    break
                self._set_compacted(end)
                await self._db.compact(end)
            await asyncio.sleep(0)
        return self._compacted()
