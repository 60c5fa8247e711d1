"""A sorted set of keys split into chunks, for prefix scans over the in-memory state.

A plain sorted ``list`` with ``bisect.insort`` costs a memmove of the whole list per insert,
which grows with the number of objects; chunks of a few hundred keys keep inserts and deletes
cheap at any size while ranges stay a bisect plus a few list slices. No third-party sorted
container is a dependency of kapi, hence this small one.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator

_LOAD = 512  # target chunk size; chunks split at 2x and merge below 1/4


def prefix_end(prefix: str) -> str | None:
    """The smallest string greater than every string starting with ``prefix`` (None: no bound)."""
    while prefix:
        last = ord(prefix[-1])
        if last < 0x10FFFF:
            nxt = last + 1
            if 0xD800 <= nxt <= 0xDFFF:  # skip surrogates: they cannot be encoded to UTF-8
                nxt = 0xE000
            return prefix[:-1] + chr(nxt)
        prefix = prefix[:-1]
    return None


class SortedKeys:
    """Sorted, duplicate-free strings with range slicing and range counting."""

    __slots__ = ("_chunks", "_len", "_maxes")

    def __init__(self, keys: Iterable[str] = ()) -> None:
        ordered = sorted(set(keys))
        self._chunks: list[list[str]] = [ordered[i:i + _LOAD] for i in range(0, len(ordered), _LOAD)]
        self._maxes: list[str] = [c[-1] for c in self._chunks]
        self._len = len(ordered)

    def __len__(self) -> int:
        return self._len

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        i = bisect_left(self._maxes, key)
        if i == len(self._maxes):
            return False
        chunk = self._chunks[i]
        j = bisect_left(chunk, key)
        return chunk[j] == key

    def __iter__(self) -> Iterator[str]:
        for chunk in self._chunks:
            yield from chunk

    def add(self, key: str) -> None:
        """Insert ``key`` (no-op if present)."""
        maxes = self._maxes
        if not maxes:
            self._chunks.append([key])
            maxes.append(key)
            self._len = 1
            return
        i = bisect_left(maxes, key)
        if i == len(maxes):
            i -= 1
            chunk = self._chunks[i]
            chunk.append(key)
            maxes[i] = key
        else:
            chunk = self._chunks[i]
            j = bisect_left(chunk, key)
            if chunk[j] == key:
                return
            chunk.insert(j, key)
        self._len += 1
        if len(chunk) > 2 * _LOAD:
            self._chunks[i:i + 1] = [chunk[:_LOAD], chunk[_LOAD:]]
            maxes[i:i + 1] = [chunk[_LOAD - 1], chunk[-1]]

    def discard(self, key: str) -> None:
        """Remove ``key`` if present."""
        maxes = self._maxes
        i = bisect_left(maxes, key)
        if i == len(maxes):
            return
        chunk = self._chunks[i]
        j = bisect_left(chunk, key)
        if chunk[j] != key:
            return
        del chunk[j]
        self._len -= 1
        if not chunk:
            del self._chunks[i]
            del maxes[i]
            return
        maxes[i] = chunk[-1]
        if len(chunk) < _LOAD // 4 and len(self._chunks) > 1:
            # Fold a small chunk into a neighbour so that mass deletes leave no dust behind.
            k = i if i + 1 < len(self._chunks) else i - 1
            merged = self._chunks[k] + self._chunks[k + 1]
            if len(merged) > 2 * _LOAD:
                half = len(merged) // 2
                self._chunks[k:k + 2] = [merged[:half], merged[half:]]
                maxes[k:k + 2] = [merged[half - 1], merged[-1]]
            else:
                self._chunks[k:k + 2] = [merged]
                maxes[k:k + 2] = [merged[-1]]

    def _locate(self, key: str, after: bool) -> tuple[int, int]:
        """Position (chunk, offset) of the first key ``>= key`` (``> key`` if ``after``)."""
        maxes = self._maxes
        i = bisect_right(maxes, key) if after else bisect_left(maxes, key)
        if i == len(maxes):
            return i, 0
        chunk = self._chunks[i]
        return i, (bisect_right(chunk, key) if after else bisect_left(chunk, key))

    def _bounds(self, lo: str, lo_after: bool, hi: str | None) -> tuple[int, int, int, int]:
        i, j = self._locate(lo, lo_after)
        if hi is None:
            return i, j, len(self._chunks), 0
        hi_i, hi_j = self._locate(hi, False)
        return i, j, hi_i, hi_j

    def slice(self, lo: str, lo_after: bool, hi: str | None, limit: int | None = None) -> list[str]:
        """Keys ``k`` with ``lo <= k`` (``lo < k`` if ``lo_after``) and ``k < hi``, at most ``limit``."""
        i, j, hi_i, hi_j = self._bounds(lo, lo_after, hi)
        out: list[str] = []
        chunks = self._chunks
        while i < hi_i or (i == hi_i and j < hi_j):
            chunk = chunks[i]
            end = hi_j if i == hi_i else len(chunk)
            if limit is not None and end - j > limit - len(out):
                end = j + limit - len(out)
            out.extend(chunk[j:end])
            if limit is not None and len(out) >= limit:
                break
            i, j = i + 1, 0
        return out

    def iter_range(self, lo: str, lo_after: bool, hi: str | None) -> Iterator[str]:
        """Like :meth:`slice` without a limit, lazily (the set must not change meanwhile)."""
        i, j, hi_i, hi_j = self._bounds(lo, lo_after, hi)
        chunks = self._chunks
        while i < hi_i or (i == hi_i and j < hi_j):
            chunk = chunks[i]
            end = hi_j if i == hi_i else len(chunk)
            yield from chunk[j:end]
            i, j = i + 1, 0

    def count(self, lo: str, lo_after: bool, hi: str | None) -> int:
        """How many keys :meth:`slice` would return without a limit."""
        i, j, hi_i, hi_j = self._bounds(lo, lo_after, hi)
        if (i, j) >= (hi_i, hi_j):
            return 0
        if i == hi_i:
            return hi_j - j
        total = len(self._chunks[i]) - j + hi_j
        for k in range(i + 1, hi_i):
            total += len(self._chunks[k])
        return total
