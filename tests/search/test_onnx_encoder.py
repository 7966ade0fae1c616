"""The int8 ONNX MiniLM encoder: its model cache (fast, with a stand-in build) and the real model (slow)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import matcher
from matcher.ingest.ted import read_ted
from matcher.schema import Tender
from matcher.search import onnx_encoder
from matcher.search.encoders import MAX_CHARS, MiniLMEncoder, make_encoder
from matcher.search.onnx_encoder import MANIFEST_FILE, MODEL_FILE, OnnxMiniLMEncoder, ensure_model, read_manifest

DEMO_TENDERS = Path(matcher.__file__).resolve().parent / "data" / "demo" / "tenders.tar.gz"


# ---------------------------------------------------------------- the cache, with a stand-in build


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Replace the real export with one that writes a small file and its manifest; records each build."""
    calls: list[Path] = []
    real_build = onnx_encoder._build

    def fake_export(target: Path) -> int:
        calls.append(target)
        target.write_bytes(b"model bytes %d" % len(calls))
        return 256

    def copy(source: Path, target: Path) -> None:
        target.write_bytes(source.read_bytes())

    monkeypatch.setattr(onnx_encoder, "_export", fake_export)
    monkeypatch.setattr(onnx_encoder, "_fuse", copy)
    monkeypatch.setattr(onnx_encoder, "_quantize", copy)
    assert onnx_encoder._build is real_build  # the real build logic runs (temp folder, rename, manifest)
    return calls


def test_model_is_built_once_then_reused(tmp_path: Path, builds: list[Path]) -> None:
    path, manifest = ensure_model(tmp_path)
    mtime = path.stat().st_mtime_ns
    again, manifest_again = ensure_model(tmp_path)
    assert len(builds) == 1 and again == path and path.stat().st_mtime_ns == mtime
    assert manifest == manifest_again and manifest["max_seq_length"] == 256
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [MANIFEST_FILE, MODEL_FILE]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".build-")]  # no temp leftovers


def test_corrupt_model_is_rebuilt(tmp_path: Path, builds: list[Path]) -> None:
    path, _ = ensure_model(tmp_path)
    path.write_bytes(b"truncated")
    assert read_manifest(tmp_path) is None
    _, manifest = ensure_model(tmp_path)
    assert len(builds) == 2 and path.read_bytes() == b"model bytes 2"
    assert read_manifest(tmp_path) == manifest


@pytest.mark.parametrize("damage", ["missing model", "garbage manifest", "other torch", "other recipe"])
def test_stale_or_unreadable_cache_is_rebuilt(tmp_path: Path, builds: list[Path], damage: str) -> None:
    path, manifest = ensure_model(tmp_path)
    if damage == "missing model":
        path.unlink()
    elif damage == "garbage manifest":
        (tmp_path / MANIFEST_FILE).write_text("{not json")
    elif damage == "other torch":
        manifest["versions"]["torch"] = "0.0.1"
        (tmp_path / MANIFEST_FILE).write_text(json.dumps(manifest))
    else:
        manifest["recipe"] = "an older recipe"
        (tmp_path / MANIFEST_FILE).write_text(json.dumps(manifest))
    ensure_model(tmp_path)
    assert len(builds) == 2 and read_manifest(tmp_path) is not None


# ---------------------------------------------------------------- the real model (export, quantize, encode)


def english_notice_texts(limit: int) -> list[str]:
    tenders = [t for t in read_ted(DEMO_TENDERS) if isinstance(t, Tender)]
    english = [t for t in tenders if t.language == "en"] + [t for t in tenders if t.language != "en"]
    return [t.text()[:MAX_CHARS] for t in english[:limit]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, OnnxMiniLMEncoder]]:
    folder = tmp_path_factory.mktemp("onnx")
    yield folder, OnnxMiniLMEncoder(folder)


@pytest.mark.slow
def test_int8_vectors_follow_fp32_on_real_notices(built: tuple[Path, OnnxMiniLMEncoder]) -> None:
    _, encoder = built
    texts = english_notice_texts(8)
    assert len(texts) == 8 and all(len(t) > 40 for t in texts)
    int8 = encoder.encode(texts)
    fp32 = MiniLMEncoder().encode(texts)
    assert int8.dtype == np.float32 and int8.shape == (8, 384) == fp32.shape
    assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)
    cosines = (int8 * fp32).sum(axis=1)
    assert cosines.min() >= 0.98, cosines
    # Order of the input does not matter (batches are sorted by length inside).
    assert np.allclose(encoder.encode(texts[::-1])[::-1], int8, atol=1e-5)


@pytest.mark.slow
def test_encoder_id_keeps_int8_vectors_apart(built: tuple[Path, OnnxMiniLMEncoder]) -> None:
    folder, encoder = built
    assert encoder.encoder_id.startswith("minilm-int8@")
    assert make_encoder("minilm-int8", cache_dir=folder).encoder_id == encoder.encoder_id
    assert encoder.encoder_id != MiniLMEncoder().encoder_id


@pytest.mark.slow
def test_second_encoder_reuses_the_cached_model(
    built: tuple[Path, OnnxMiniLMEncoder], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, first = built
    mtime = (folder / MODEL_FILE).stat().st_mtime_ns

    def no_build(_: Path) -> None:
        raise AssertionError("the cached model should have been reused")

    monkeypatch.setattr(onnx_encoder, "_build", no_build)
    second = OnnxMiniLMEncoder(folder, threads=1)
    assert (folder / MODEL_FILE).stat().st_mtime_ns == mtime
    texts = ["Supply of motorcycles", "Cleaning services for public buildings", ""]
    assert np.allclose(second.encode(texts), first.encode(texts), atol=1e-4)


@pytest.mark.slow
def test_corrupt_real_model_is_rebuilt_and_works(tmp_path: Path, built: tuple[Path, OnnxMiniLMEncoder]) -> None:
    folder, first = built
    for name in (MODEL_FILE, MANIFEST_FILE):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    model = tmp_path / MODEL_FILE
    model.write_bytes(model.read_bytes()[: model.stat().st_size // 2])  # a half-written copy
    rebuilt = OnnxMiniLMEncoder(tmp_path)
    assert read_manifest(tmp_path) is not None
    texts = ["Supply of motorcycles", "Road maintenance works"]
    assert np.allclose(rebuilt.encode(texts), first.encode(texts), atol=1e-4)


@pytest.mark.slow
def test_encoders_benchmark_smoke(
    tmp_path: Path, built: tuple[Path, OnnxMiniLMEncoder], monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks.encoders import run

    folder, _ = built
    cache = tmp_path / "cache" / "onnx"
    cache.mkdir(parents=True)
    for name in (MODEL_FILE, MANIFEST_FILE):  # the benchmark finds the model already built in its home
        (cache / name).write_bytes((folder / name).read_bytes())
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path))
    part = run(smoke=True)
    figures = {row.figure: row for row in part.rows}
    assert part.key == "encoders" and len(figures) == 10
    cosine = figures["minilm-int8 (ONNX) cosine to fp32 vectors, mean (min)"]
    assert cosine.ratio is not None and cosine.ratio >= 0.98 and cosine.met
    assert all(row.command == ".venv/bin/python -m benchmarks --only encoders" for row in part.rows)
    assert any("bf16 on this CPU" in note for note in part.notes)
