"""A build folder damaged on disk (truncated, emptied, edited, swapped for a directory) is refused by name.

The index is derived state: a build that cannot be read is never half-used, its loader raises IndexNotReady
naming the file and the command that makes a new one (the API answers 503, the CLI one line and exit 2).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import pytest

from matcher.errors import IndexNotReady
from matcher.pipeline import Matcher
from matcher.schema import Tender
from matcher.search.encoders import Embedder, FakeEncoder
from matcher.search.index_folder import IndexFolder
from matcher.search.index_sync import IndexService

TENDERS = [Tender(tender_id=f"t:{i}", source="test", title=f"pump station {i} water meters lot {i % 3}")
           for i in range(12)]


def _service(root: Path) -> IndexService:
    return IndexService(IndexFolder(root / "tenders"), Embedder(FakeEncoder(), None), exact_max=1000)


def _built(tmp_path: Path) -> tuple[IndexService, Path]:
    service = _service(tmp_path)
    service.build(TENDERS)
    folder = service.folder.current()
    assert folder is not None
    return _service(tmp_path), folder  # a fresh service, as a new process would load the build


def _edit_json(name: str, change: Callable[[dict[str, Any]], object]) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        raw = json.loads((folder / name).read_text())
        change(raw)
        (folder / name).write_text(json.dumps(raw))
    return damage


def _as_directory(name: str) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).mkdir()
    return damage


def _symlink(name: str, target: str) -> Callable[[Path], None]:
    """The file replaced by a symlink to ``target`` beside it (itself: a loop; a missing file: dangling)."""
    def damage(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).symlink_to(target)
    return damage


def _other_dimension(folder: Path) -> None:
    """index.faiss swapped for one of another build: same ids, vectors of 32 dimensions instead of 64."""
    index = faiss.IndexIDMap2(faiss.IndexFlatIP(32))
    ids = np.array(json.loads((folder / "ids.json").read_text())["faiss_ids"], dtype=np.int64)
    index.add_with_ids(np.zeros((len(ids), 32), dtype=np.float32), ids)
    faiss.write_index(index, str(folder / "index.faiss"))


DAMAGES: dict[str, tuple[str, Callable[[Path], object]]] = {
    "faiss-empty": ("index.faiss", lambda f: (f / "index.faiss").write_bytes(b"")),
    "faiss-truncated": ("index.faiss", lambda f: (f / "index.faiss").write_bytes(
        (f / "index.faiss").read_bytes()[:300])),
    "faiss-directory": ("index.faiss", _as_directory("index.faiss")),
    "faiss-other-dimension": ("index.faiss", _other_dimension),
    "ids-not-json": ("ids.json", lambda f: (f / "ids.json").write_bytes(b"\xff{")),
    "ids-a-list": ("ids.json", lambda f: (f / "ids.json").write_text("[1, 2]")),
    "ids-one-short": ("ids.json", _edit_json("ids.json", lambda raw: raw["tender_ids"].pop())),
    "ids-not-the-index": ("ids.json", _edit_json("ids.json", lambda raw: raw.update(
        faiss_ids=[i + 1 for i in raw["faiss_ids"]]))),
    "ids-not-strings": ("ids.json", _edit_json("ids.json", lambda raw: raw.update(
        tender_ids=list(range(len(raw["tender_ids"])))))),
    "ids-too-large": ("ids.json", _edit_json("ids.json", lambda raw: raw["faiss_ids"].__setitem__(0, 2**70))),
    # valid JSON grown far past what its ids can take (blanks here; gigabytes on a disk, read whole before)
    "ids-grown": ("ids.json", lambda f: (f / "ids.json").write_text((f / "ids.json").read_text() + " " * 10**6)),
    "manifest-nprobe-text": ("manifest.json", _edit_json("manifest.json", lambda raw: raw.update(
        index_type="ivf", nprobe="many"))),
    "lexical-no-vocabulary": ("lexical.json", _edit_json("lexical.json", lambda raw: raw.pop("vocabulary"))),
    "lexical-column-out-of-range": ("lexical.json", _edit_json("lexical.json", lambda raw: raw["vocabulary"].update(
        pump=10**6))),
    "lexical-idf-garbage": ("lexical_idf.npy", lambda f: (f / "lexical_idf.npy").write_bytes(b"\x93NUMPY garbage")),
    "lexical-languages-short": ("lexical_languages.npy", lambda f: np.save(
        f / "lexical_languages.npy", np.zeros(2, dtype=np.int64), allow_pickle=False)),
    "faiss-zeros": ("index.faiss", lambda f: (f / "index.faiss").write_bytes(bytes(4096))),
    "lexical-symlink-loop": ("lexical.json", _symlink("lexical.json", "lexical.json")),
    "lexical-languages-dangling": ("lexical_languages.npy", _symlink("lexical_languages.npy", "gone.npy")),
    "hashes-empty": ("hashes.json", lambda f: (f / "hashes.json").write_bytes(b"")),
    "hashes-a-list": ("hashes.json", lambda f: (f / "hashes.json").write_text('["t:1"]')),
    "hashes-deep": ("hashes.json", lambda f: (f / "hashes.json").write_text("[" * 100_000)),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_build_file_is_refused_naming_it_and_the_rebuild(tmp_path: Path, damage: str) -> None:
    name, apply = DAMAGES[damage]
    service, folder = _built(tmp_path)
    apply(folder)
    with pytest.raises(IndexNotReady) as caught:
        service.current()
    message = str(caught.value)
    assert str(folder / name) in message and "matcher index build --rebuild" in message
    assert len(message.splitlines()) == 1 and len(message) < 600 and "Error in" not in message  # no C++ location


@pytest.mark.parametrize("pointer", [b"\xff\xfe\n", b"", b"..\n", b"../../elsewhere\n", b".tmp-build\n", None],
                         ids=["binary", "empty", "parent", "outside", "hidden", "directory"])
def test_a_damaged_current_pointer_is_refused_naming_it(tmp_path: Path, pointer: bytes | None) -> None:
    service, folder = _built(tmp_path)
    current = folder.parent / "CURRENT"
    (folder.parent / ".tmp-build").mkdir()
    (tmp_path / "elsewhere").mkdir()
    if pointer is None:
        current.unlink()
        current.mkdir()
    else:
        current.write_bytes(pointer)
    with pytest.raises(IndexNotReady, match=f"{current}.*matcher index build --rebuild"):
        service.current()


@pytest.mark.parametrize("damaged_file", ["hashes.json", "CURRENT"])
def test_normalising_ids_over_a_damaged_build_names_it_and_still_finishes(
    matcher: Matcher, damaged_file: str
) -> None:
    """``normalize_ids`` reports an unreadable build beside its finished work (the store's part is done)."""
    matcher.upsert_tenders(TENDERS[:2], sync=False)
    matcher.build_index()
    folder = matcher.index.folder.current()
    assert folder is not None
    path = folder / "hashes.json" if damaged_file == "hashes.json" else folder.parent / "CURRENT"
    path.write_bytes(b"\xff")
    result = matcher.normalize_ids()
    assert result.index_unreadable is not None and result.index_unreadable.startswith(f"{path}: ")


@pytest.mark.parametrize("damage", ["faiss-truncated", "ids-not-the-index", "hashes-a-list", "current", "current-dir"])
def test_a_sync_over_a_damaged_build_builds_anew_from_the_store_and_says_so(tmp_path: Path, damage: str) -> None:
    """The index is derived from the store, so a sync (``matcher index build``, the catch-up after an import)
    that cannot read the serving build makes a new one from every stored notice instead of failing; the
    damaged build is left where it is (pruned later like any old build)."""
    service, folder = _built(tmp_path)
    if damage.startswith("current"):
        path = folder.parent / "CURRENT"
        path.unlink()
        path.mkdir() if damage == "current-dir" else path.write_bytes(b"\xff")
    else:
        name, apply = DAMAGES[damage]
        path = folder / name
        apply(folder)
    stored = {t.tender_id: t.content_hash() for t in TENDERS}
    report = service.sync(stored, lambda ids: {t.tender_id: t for t in TENDERS if t.tender_id in ids},
                          lambda: iter(TENDERS))
    assert report.rebuilt and report.added == len(TENDERS) and report.build_id != folder.name
    assert f"could not be read ({path}: " in report.summary()
    assert sorted(service.current().hashes) == sorted(stored) and len(service.current().vectors) == len(TENDERS)
    assert folder.is_dir()


@pytest.mark.parametrize("pointer", [b"\xff", None], ids=["binary", "directory"])
def test_storing_notices_over_a_damaged_pointer_stores_them_and_builds_anew(
    matcher: Matcher, pointer: bytes | None
) -> None:
    """A write syncs an existing index after it is stored; a damaged ``CURRENT`` no longer fails the write's
    caller (the API's import, ``matcher ingest``), and ``matcher index build`` repairs it the same way."""
    matcher.upsert_tenders(TENDERS[:2], sync=False)
    matcher.build_index()
    current = matcher.index.folder.root / "CURRENT"
    current.unlink()
    current.mkdir() if pointer is None else current.write_bytes(pointer)
    matcher.upsert_tenders(TENDERS[2:4])
    assert sorted(matcher.index.current().hashes) == [t.tender_id for t in TENDERS[:4]]
    current.write_bytes(b"\xff")
    report = matcher.build_index()
    assert report.rebuilt and report.unreadable is not None and len(matcher.index.current().vectors) == 4
