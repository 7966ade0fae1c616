"""Shared fixtures: an isolated MATCHER_HOME per test and a fast deterministic encoder."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from matcher.config import Settings
from matcher.search.encoders import FakeEncoder

if TYPE_CHECKING:
    from matcher.pipeline import Matcher

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOW = datetime(2021, 6, 1, tzinfo=UTC)


def shared_path(*parts: str) -> Path:
    """A file under ../shared/data, or a skip naming what is missing (users' clones do not have it)."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the shared data folder beside the project), which is absent")
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", encoder="fake", clock=NOW, min_candidates=50)


@pytest.fixture
def matcher(settings: Settings) -> Iterator[Matcher]:
    from matcher.pipeline import Matcher

    instance = Matcher(settings, encoder=FakeEncoder())
    yield instance
    instance.close()
