"""Errors about an uploaded file name it as the client sent it, never by the server's temporary path
(issue 15, item 9): a 400 body once showed ``/tmp/matcher-upload-.../notice.xml``, telling a client where
uploads land on the server."""

from __future__ import annotations

import gzip
import io
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest

from api.uploads import as_uploaded
from tests.api.conftest import World


def tar_gz(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


BROKEN_XML = b"<TED_EXPORT><CODED_DATA_SECTION>"
DEEP = b"[" * 100_000 + b"]" * 100_000
UPLOADS = [
    ("/tenders/import", "notice.xml", BROKEN_XML),
    ("/tenders/import", "notice.xml", b"\xff\xfe<a/>"),
    ("/tenders/import", "ocds.json", b'{"releases": ['),
    ("/tenders/import", "table.json", DEEP),
    ("/tenders/import", "lines.jsonl", DEEP + b"\n"),
    ("/tenders/import", "table.csv", b"\xff\xfe\x00garbage"),
    ("/tenders/import", "t.xml.gz", gzip.compress(BROKEN_XML)[:-9]),
    ("/tenders/import", "t.json.gz", gzip.compress(b'{"releases": [')),
    ("/tenders/import", "t.csv.gz", b"not gzip at all"),
    ("/tenders/import", "bundle.tar.gz", b"not an archive"),
    ("/tenders/import", "bundle.tar.gz", tar_gz({"a/notice.xml": BROKEN_XML})),
    ("/tenders/import", "bundle.zip", b"PK\x03\x04 truncated"),
    ("/tenders/import", "bundle.zip", zipped({"ocds.json": b'{"releases": ['})),
    ("/tenders/import", "empty.xml", b""),
    ("/firms/import", "firms.json", b"[{"),
    ("/firms/import", "firms.json", DEEP),
    ("/firms/import", "firms.jsonl", b'{"firm_id": \n'),
    ("/firms/import", "firms.csv", b"\xff\xfe\x00garbage"),
    ("/firms/import", "firms.csv", b"name\nno id column\n"),
]


@pytest.mark.parametrize(("path", "filename", "data"), [
    pytest.param(path, name, data, id=f"{path.split('/')[1]}-{name}-{number}")
    for number, (path, name, data) in enumerate(UPLOADS)
])
def test_upload_errors_name_the_client_file_not_a_server_path(
    world: World, path: str, filename: str, data: bytes
) -> None:
    response = world.client.post(path, files={"file": (filename, data)}, headers=world.auth("officer"))
    text = response.text
    assert "matcher-upload-" not in text and tempfile.gettempdir() not in text, text
    if response.status_code >= 400:
        assert 400 <= response.status_code < 500, text
        assert filename in response.json()["detail"], text
    else:  # read, its bad records (an archive's members) rejected
        assert response.json()["rejected"], text


def test_rejected_records_name_the_client_file(world: World) -> None:
    """A record's name holds the file's (an archive member's: the archive's, then the member)."""
    bundle = tar_gz({"a/notice.xml": BROKEN_XML})
    response = world.client.post("/tenders/import", files={"file": ("my bundle.tar.gz", bundle)},
                                 headers=world.auth("officer"))
    assert response.status_code == 200, response.text
    (rejected,) = response.json()["rejected"]
    assert rejected["record"] == "my bundle.tar.gz:a/notice.xml"  # the client's name, not the saved one


def test_error_names_the_client_file_as_sent(world: World) -> None:
    response = world.client.post("/firms/import", files={"file": ("../Firms (2024).json", b"[{")},
                                 headers=world.auth("officer"))
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Firms (2024).json: not valid JSON")


def test_a_saved_path_inside_its_resolved_form_is_hidden_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On macOS temporary files live under /var/folders, a link to /private/var/folders: the path a reader
    prints may be either, and the shorter one is inside the longer. (A relative path stands for /var here.)"""
    (tmp_path / "private" / "var" / "matcher-upload-abc").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "private")
    saved = Path("var/matcher-upload-abc/notice.xml")
    saved.touch()
    assert str(saved) in str(saved.resolve())
    for named in (saved, saved.resolve()):
        assert as_uploaded(f"{named}: not well-formed XML", saved, "Notice.xml") == "Notice.xml: not well-formed XML"
    assert as_uploaded(f"cannot list {saved.resolve().parent}", saved, "n.xml") == "cannot list the upload"
