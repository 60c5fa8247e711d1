"""The in-memory copy of the current state: key -> KeyValue plus sorted keys for prefix scans.

Why in memory: every ``get``/``list``/``count`` would otherwise pay aiosqlite's thread hop
(~50 us a call) and row decoding, which alone would eat most of the latency budget for GET and
LIST. Like kube-apiserver's watch cache, the whole current state is loaded at start and kept in
step by the single writer *after* each commit, so reads see exactly the committed state and
SQLite stays the durable source of truth. The cost is memory proportional to the live objects,
which the server holds anyway to serve lists.

Snapshot reads at an older revision R are answered here too: the caller supplies, for each key
changed after R, its state as of R (from the event ring or the SQLite change log), and this
module merges that with the current keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kapi.storage.interface import KeyValue
from kapi.storage.keyindex import SortedKeys, prefix_end

Page = tuple[list[KeyValue], bool, int]  # items, more, remaining


def key_range(prefix: str, start_after: str | None) -> tuple[str, bool, str | None]:
    """(lo, lo_after, hi) for keys with ``prefix`` that sort after ``start_after``."""
    if start_after is not None and start_after >= prefix:
        return start_after, True, prefix_end(prefix)
    return prefix, False, prefix_end(prefix)


def in_range(key: str, lo: str, lo_after: bool, hi: str | None) -> bool:
    if key < lo or (lo_after and key == lo):
        return False
    return hi is None or key < hi


class StateIndex:
    __slots__ = ("_items", "_keys")

    def __init__(self, items: Iterable[KeyValue] = ()) -> None:
        self._items: dict[str, KeyValue] = {kv.key: kv for kv in items}
        self._keys = SortedKeys(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> KeyValue | None:
        return self._items.get(key)

    def put(self, kv: KeyValue) -> None:
        if kv.key not in self._items:
            self._keys.add(kv.key)
        self._items[kv.key] = kv

    def remove(self, key: str) -> None:
        if self._items.pop(key, None) is not None:
            self._keys.discard(key)

    def count(self, prefix: str) -> int:
        if not prefix:
            return len(self._items)
        return self._keys.count(prefix, False, prefix_end(prefix))

    def page(self, prefix: str, start_after: str | None, limit: int | None) -> Page:
        """Current items under ``prefix`` after ``start_after``, at most ``limit``."""
        lo, lo_after, hi = key_range(prefix, start_after)
        if hi is not None and lo >= hi:
            return [], False, 0
        keys = self._keys.slice(lo, lo_after, hi, None if limit is None else limit + 1)
        more = limit is not None and len(keys) > limit
        remaining = 0
        if more:
            del keys[limit:]
            remaining = self._keys.count(keys[-1], True, hi)
        items = self._items
        return [items[k] for k in keys], more, remaining

    def page_at(
        self,
        prefix: str,
        start_after: str | None,
        limit: int | None,
        changed: dict[str, KeyValue | None],
    ) -> Page:
        """Like :meth:`page`, as of a past revision R.

        ``changed`` maps every key in range that changed after R to its state at R (None: did
        not exist). Every other current key is unchanged since R, so is part of the snapshot.
        """
        if not changed:
            return self.page(prefix, start_after, limit)
        lo, lo_after, hi = key_range(prefix, start_after)
        if hi is not None and lo >= hi:
            return [], False, 0
        old = sorted(k for k, v in changed.items() if v is not None and in_range(k, lo, lo_after, hi))
        want = None if limit is None else limit + 1
        out = list(self._merge(self._keys.iter_range(lo, lo_after, hi), old, changed, want))
        more = limit is not None and len(out) > limit
        remaining = 0
        if more:
            del out[limit:]
            last = out[-1].key
            remaining = self._keys.count(last, True, hi)
            for k, v in changed.items():
                if k > last and (hi is None or k < hi):
                    remaining += (v is not None) - (k in self._items)
        return out, more, remaining

    def _merge(
        self,
        current: Iterator[str],
        old: list[str],
        changed: dict[str, KeyValue | None],
        want: int | None,
    ) -> Iterator[KeyValue]:
        items = self._items
        n = 0
        oi = 0
        for key in current:
            if key in changed:
                continue
            while oi < len(old) and old[oi] < key:
                if want is not None and n >= want:
                    return
                kv = changed[old[oi]]
                assert kv is not None
                yield kv
                n += 1
                oi += 1
            if want is not None and n >= want:
                return
            yield items[key]
            n += 1
        while oi < len(old):
            if want is not None and n >= want:
                return
            kv = changed[old[oi]]
            assert kv is not None
            yield kv
            n += 1
            oi += 1
