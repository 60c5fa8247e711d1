"""Tuning knobs of the store (``open_store(**tuning)``), with defaults sized for one server.

Kept in one frozen dataclass so an unknown knob fails loudly (TypeError) instead of being
silently ignored, and so the defaults and their reasons live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StoreConfig:
    # Event ring (watch replay without SQLite). Bounded by count and by payload bytes.
    ring_events: int = 10_000
    ring_bytes: int = 64 << 20
    # Change-log retention: entries more than ``compact_keep_revisions`` behind the head are
    # compacted, and, if ``compact_keep_seconds`` is set, so are entries older than that. The
    # revision bound alone already bounds the table; a time bound only makes clients relist
    # sooner, so it is off by default.
    compact_keep_revisions: int = 10_000
    compact_keep_seconds: float | None = None
    compact_interval: float = 1.0  # seconds between compaction passes
    compact_batch: int = 1000  # log rows deleted per transaction
    # Group commit: at most this many writes in one transaction.
    max_batch: int = 1000
    # SQLite page cache per connection, KiB.
    cache_kib: int = 8192

    def __post_init__(self) -> None:
        if self.compact_keep_revisions < 1:
            raise ValueError("compact_keep_revisions must be >= 1")
        if not 1 <= self.compact_batch <= 100_000:
            raise ValueError("compact_batch must be in 1..100000")
        if self.max_batch < 1 or self.ring_events < 1:
            raise ValueError("max_batch and ring_events must be >= 1")
        if self.compact_interval <= 0:
            raise ValueError("compact_interval must be > 0")
        if self.compact_keep_seconds is not None and self.compact_keep_seconds < 0:
            raise ValueError("compact_keep_seconds must be >= 0")
