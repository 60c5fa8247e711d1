"""The chunked sorted key set and prefix bounds, checked against plain sorted lists."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kapi.storage import keyindex
from kapi.storage.keyindex import SortedKeys, prefix_end

KEYS = st.text(alphabet="ab/c\U0010ffff", max_size=4)


@pytest.fixture(autouse=True)
def tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(keyindex, "_LOAD", 4)  # split and merge chunks all the time
    yield


def test_prefix_end() -> None:
    assert prefix_end("/core/pods/") == "/core/pods0"
    assert prefix_end("") is None
    assert prefix_end("a\U0010ffff") == "b"
    assert prefix_end("\U0010ffff") is None
    assert prefix_end("\ud7ff") == "\ue000"


@given(st.text(max_size=3), st.lists(st.text(max_size=5)))
def test_prefix_end_bounds_exactly_the_prefixed(prefix: str, keys: list[str]) -> None:
    hi = prefix_end(prefix)
    for k in [*keys, prefix + "x", prefix + "\U0010ffff\U0010ffff"]:
        inside = k >= prefix and (hi is None or k < hi)
        assert inside == k.startswith(prefix)


@settings(max_examples=200)
@given(st.lists(st.tuples(st.booleans(), KEYS), max_size=200), KEYS, st.booleans(),
       st.one_of(st.none(), KEYS), st.one_of(st.none(), st.integers(0, 10)))
def test_matches_sorted_list(
    ops: list[tuple[bool, str]], lo: str, lo_after: bool, hi: str | None, limit: int | None
) -> None:
    sk = SortedKeys(k for add, k in ops[:20] if add)
    model = sorted({k for add, k in ops[:20] if add})
    for add, k in ops[20:]:
        if add:
            sk.add(k)
            if k not in model:
                model.append(k)
                model.sort()
        else:
            sk.discard(k)
            if k in model:
                model.remove(k)
        assert len(sk) == len(model)
    assert list(sk) == model
    assert all(k in sk for k in model)
    want = [k for k in model if (k > lo if lo_after else k >= lo) and (hi is None or k < hi)]
    assert sk.slice(lo, lo_after, hi) == want
    assert list(sk.iter_range(lo, lo_after, hi)) == want
    assert sk.count(lo, lo_after, hi) == len(want)
    if limit is not None:
        assert sk.slice(lo, lo_after, hi, limit) == want[:limit]
