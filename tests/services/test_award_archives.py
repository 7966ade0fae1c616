"""``ingest awards`` reads OCDS archives as its README line says ("award-history JSONL(.gz) or OCDS"): a .tar.gz
or .zip of OCDS releases was refused as "unknown table format (expected .csv, .json or .jsonl)" before the OCDS
reader was tried."""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.ingest.awards import awards_from_ocds
from matcher.schema import Award
from matcher.services.awards import read_award_file
from tests.conftest import FIXTURES

PARAGUAY = FIXTURES / "ocds" / "paraguay_277004"


def _archive(tmp_path: Path, kind: str) -> Path:
    files = sorted(PARAGUAY.glob("*.json"))
    if kind == "zip":
        path = tmp_path / "ocds.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for file in files:
                archive.write(file, file.name)
    else:
        path = tmp_path / f"ocds.{kind}"
        with tarfile.open(path, "w:gz") as archive:
            for file in files:
                archive.add(file, file.name)
    return path


@pytest.mark.parametrize("kind", ["tar.gz", "tgz", "zip"])
def test_an_ocds_archive_gives_its_awards(tmp_path: Path, kind: str) -> None:
    expected = [a for a in awards_from_ocds(PARAGUAY) if isinstance(a, Award)]
    assert expected  # the fixture's award release names a supplier
    read = [a for a in read_award_file(_archive(tmp_path, kind)) if isinstance(a, Award)]
    assert [(a.award_id, a.supplier) for a in read] == [(a.award_id, a.supplier) for a in expected]


def test_the_command_stores_them(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["ingest", "awards", str(_archive(tmp_path, "tar.gz")),
                                    "--home", str(tmp_path / "home")])
    assert done.exit_code == 0, done.output
    distinct = {(a.award_id, a.supplier) for a in awards_from_ocds(PARAGUAY) if isinstance(a, Award)}
    assert f"awards: {len(distinct)} new" in done.output  # one row per (award, supplier): a supplier listed twice
