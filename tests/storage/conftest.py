"""Fixtures for the storage tests: a store factory parametrised over file-backed and ephemeral."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.storage.helpers import StoreFactory


@pytest.fixture(params=["file", "ephemeral"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    return StoreFactory(request.param, str(tmp_path / "data" / "kapi.db"))


@pytest.fixture
def file_store(tmp_path: Path) -> StoreFactory:
    return StoreFactory("file", str(tmp_path / "data" / "kapi.db"))
