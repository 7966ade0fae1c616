"""Decompression bombs uploaded to the API (issue 15 item 2): a small upload that expands past the app's
decompression limits is a 400 naming the file and the limit, and nothing is stored.

The app's settings decide (the fixtures' upload limit is UPLOAD_LIMIT, so the default member limit is 10 x
that), not the environment's; files under the limits load."""

from __future__ import annotations

import gzip
import tarfile
from pathlib import Path

import pytest

from matcher.ingest.base import Rejected
from matcher.ingest.bounded import MAX_ARCHIVE_ENTRIES
from matcher.ingest.firms import read_firms
from matcher.schema import FirmProfile
from tests.api.conftest import UPLOAD_LIMIT, World
from tests.api.test_bad_input import snapshot
from tests.conftest import FIXTURES
from tests.ingest import bomb_files
from tests.ingest.bomb_files import crowded_zip

bombs = bomb_files.bombs
#: The default limit for one file or member: 10 x the app's upload limit (matcher.config).
APP_MEMBER_LIMIT = 10 * UPLOAD_LIMIT


@pytest.mark.parametrize(("route", "name"), [
    ("/tenders/import", "bomb.xml.gz"), ("/tenders/import", "bomb.json.gz"), ("/tenders/import", "bomb.jsonl.gz"),
    ("/tenders/import", "bomb.csv.gz"), ("/tenders/import", "notice-xml.zip"),
    ("/tenders/import", "notice-xml.tar.gz"), ("/tenders/import", "releases-json-gz.zip"),
    ("/firms/import", "bomb.csv.gz"), ("/firms/import", "bomb.json.gz"), ("/firms/import", "bomb.jsonl.gz"),
])
def test_an_uploaded_bomb_is_a_400_naming_it_and_the_limit_and_stores_nothing(
    world: World, bombs: dict[str, Path], route: str, name: str,
) -> None:
    before = snapshot(world)
    upload = (name, bombs[name].read_bytes())
    assert len(upload[1]) < UPLOAD_LIMIT  # small enough to pass the upload limit: only expanding it is refused
    response = world.client.post(route, files={"file": upload}, headers=world.auth("officer"))
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "unreadable_file" and name in body["detail"], body
    assert "MATCHER_MAX_DECOMPRESSED_MEMBER_BYTES" in body["detail"] and str(APP_MEMBER_LIMIT) in body["detail"]
    assert snapshot(world) == before


def test_the_app_settings_limits_win_over_the_environment(
    world: World, bombs: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An environment allowing far more changes nothing: the app was made with its own settings."""
    monkeypatch.setenv("MATCHER_MAX_DECOMPRESSED_MEMBER_BYTES", str(1 << 40))
    monkeypatch.setenv("MATCHER_MAX_DECOMPRESSED_BYTES", str(1 << 40))
    response = world.client.post("/tenders/import", files={"file": ("bomb.xml.gz", bombs["bomb.xml.gz"].read_bytes())},
                                 headers=world.auth("officer"))
    assert response.status_code == 400 and str(APP_MEMBER_LIMIT) in response.json()["detail"]


def test_compressed_uploads_under_the_limits_load(world: World, tmp_path: Path) -> None:
    ted = FIXTURES / "ted"
    archive = tmp_path / "ted.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(ted, "ted")
    officer = world.auth("officer")
    response = world.client.post("/tenders/import", files={"file": ("ted.tar.gz", archive.read_bytes())},
                                 headers=officer)
    assert response.status_code == 200, response.text
    assert response.json()["new"] + response.json()["updated"] + response.json()["unchanged"] == 6
    firms = FIXTURES / "firms" / "firms.json"
    plain = list(read_firms(firms))  # one record has a field firms do not have: rejected either way
    response = world.client.post("/firms/import", files={"file": ("firms.json.gz", gzip.compress(firms.read_bytes()))},
                                 headers=officer)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["new"] + summary["updated"] + summary["unchanged"] == sum(isinstance(r, FirmProfile) for r in plain)
    assert len(summary["rejected"]) == sum(isinstance(r, Rejected) for r in plain) == 1


def test_an_uploaded_archive_of_too_many_entries_is_a_400_naming_it(world: World, tmp_path: Path) -> None:
    """An archive of MAX_ARCHIVE_ENTRIES entries is over the upload limit, so this zip's end record declares
    one more than the limit: it is refused from that count, as an archive truly that long is (the import
    worker is another process, which a lowered limit would not reach)."""
    before = snapshot(world)
    upload = ("crowded.zip", crowded_zip(tmp_path / "crowded.zip", 11, declared=MAX_ARCHIVE_ENTRIES + 1).read_bytes())
    response = world.client.post("/tenders/import", files={"file": upload}, headers=world.auth("officer"))
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "unreadable_file", body
    assert body["detail"].endswith(
        f"crowded.zip: the archive holds more than {MAX_ARCHIVE_ENTRIES} entries (the limit for one archive)"), body
    assert snapshot(world) == before
