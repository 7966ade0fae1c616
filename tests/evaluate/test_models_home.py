"""Where models are written and read: MATCHER_MODELS_DIR when set, alone; else the home's ``models/`` once it
exists (``train-ranker`` and ``calibrate`` make it, starting from a copy of the shipped models), else the shipped
``models/``. ``train-ranker`` and ``calibrate`` without ``--models-dir`` replaced the shipped models in the
repository whatever MATCHER_HOME said."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from matcher.cli.evaluate import _models_folder
from matcher.config import SHIPPED_MODELS, Settings
from matcher.ranking.judged_reranker import load_judged_reranker
from matcher.ranking.reranker import load_reranker, save_reranker
from tests.ranking.test_trees_file import stump


def shipped_digest() -> str:
    files = sorted(p for p in SHIPPED_MODELS.rglob("*") if p.is_file())
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


@pytest.fixture(autouse=True)
def no_models_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MATCHER_MODELS_DIR", raising=False)


def test_a_home_without_models_reads_the_shipped_ones(tmp_path: Path) -> None:
    assert Settings(home=tmp_path / "home").models_dir == SHIPPED_MODELS


def test_a_model_saved_without_models_dir_goes_into_the_home_not_the_repository(tmp_path: Path) -> None:
    home = tmp_path / "home"
    before = shipped_digest()
    folder = _models_folder(None, home, "reranker")
    assert folder == home / "models"
    save_reranker(stump(2.0), folder, {})
    assert shipped_digest() == before
    # the home's models are read from now on: the one just saved, and a copy of each shipped one beside it
    settings = Settings(home=home)
    assert settings.models_dir == home / "models"
    assert load_reranker(settings.models_dir) is not None
    assert load_judged_reranker(settings.models_dir) is not None
    assert (home / "models" / "judged_reranker" / "manifest.json").read_bytes() == \
        (SHIPPED_MODELS / "judged_reranker" / "manifest.json").read_bytes()


def test_models_dir_when_set_is_where_models_are_read_and_written_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, models = tmp_path / "home", tmp_path / "models"
    (home / "models").mkdir(parents=True)
    monkeypatch.setenv("MATCHER_MODELS_DIR", str(models))
    assert Settings(home=home).models_dir == models
    assert _models_folder(None, home, "calibration") == models
    assert sorted(p.name for p in models.iterdir()) == ["calibration"]  # no shipped copy: this folder alone
    assert _models_folder(tmp_path / "given", home, "reranker") == tmp_path / "given"
