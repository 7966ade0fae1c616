"""Part 1: ingest + embed through the pipeline vs the raw encoder, and re-ingesting an unchanged feed.

    .venv/bin/python -m benchmarks --only embed

For each encoder backend, the same real TED notices (the first N of the shared sample, else the bundled demo)
are written to a feed archive. "Ours" is ``Matcher.ingest_tenders`` on that archive plus ``build_index``
into an empty home: parse XML, normalise, store, embed every notice text (cold cache), build the FAISS index.
"Raw" is the encoder library's own ``encode`` on the very texts the pipeline embedded (``Tender.text()``
truncated to ``MAX_CHARS``), in one call. The re-ingest row times ``ingest_tenders`` on the unchanged archive
again (with index sync), against the first ingest.
"""

from __future__ import annotations

import io
import tarfile
import tempfile
from pathlib import Path

from benchmarks.report import SHARED_DATA, Part, Row, timer
from matcher.config import EncoderName, Settings
from matcher.ingest.base import iter_members
from matcher.pipeline import Matcher
from matcher.search.encoders import MAX_CHARS, make_encoder

SHARED = SHARED_DATA / "ted_xml_sample" / "ted_xml_notices_3476.tar.gz"
DEMO = Path(__file__).resolve().parents[1] / "matcher" / "data" / "demo" / "tenders.tar.gz"
COMMAND = ".venv/bin/python -m benchmarks --only embed"
ENCODERS: tuple[EncoderName, ...] = ("use-multilingual", "minilm", "minilm-bf16", "minilm-int8")


def feed_archive(folder: Path, limit: int) -> Path:
    """A .tar.gz of the first ``limit`` real notice files, as a feed would deliver them."""
    source = SHARED if SHARED.exists() else DEMO
    path = folder / "feed.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for member in list(iter_members(source, (".xml",)))[:limit]:
            info = tarfile.TarInfo(member.name.rsplit(":", 1)[-1])
            info.size = len(member.data)
            archive.addfile(info, io.BytesIO(member.data))
    return path


def measure(part: Part, name: EncoderName, feed: Path, work: Path) -> None:
    encoder = make_encoder(name, Settings().cache_dir / "onnx")  # the user's built models, not the run's
    settings = Settings(home=work / name, encoder=name)
    matcher = Matcher(settings, encoder=encoder)
    with timer() as first:
        ingested = matcher.ingest_tenders([feed])
        matcher.build_index()
    texts = [t.text()[:MAX_CHARS] for t in matcher.all_tenders()]
    encoder.encode(texts[:8])  # the pipeline's encoder was warm too (it ran first); keep it fair
    with timer() as raw:
        encoder.encode(texts)
    with timer() as again:
        repeat = matcher.ingest_tenders([feed])
    matcher.close()
    n = len(texts)
    ours, reference = n / first[0], n / raw[0]
    part.add(Row(
        f"{name}: ingest + embed + index, {n} real notices", f"{ours:.1f} notices/s",
        f"{reference:.1f} texts/s ({encoder.encoder_id} encode)", ours / reference, "≥ 0.9×",
        ours / reference >= 0.9, COMMAND,
    ))
    part.add(Row(
        f"{name}: re-ingest the unchanged feed ({repeat.report.unchanged} unchanged)",
        f"{again[0] * 1000:.0f} ms", f"first ingest {first[0]:.1f} s", first[0] / again[0], "≥ 50×",
        first[0] / again[0] >= 50, COMMAND,
    ))
    if ingested.report.rejected:
        part.note(f"{name}: {len(ingested.report.rejected)} feed records rejected (reported, not embedded)")


def run(smoke: bool = False) -> Part:
    part = Part("embed", "1. Embedding through the pipeline vs the raw encoder; re-ingest")
    limit = 24 if smoke else 1000
    encoders: tuple[EncoderName, ...] = ("fake",) if smoke else ENCODERS
    with tempfile.TemporaryDirectory() as tmp:
        feed = feed_archive(Path(tmp), limit)
        part.note(f"data: the first {limit} notices of {SHARED.name if SHARED.exists() else DEMO.name} "
                  "(real TED XML, many languages), as one .tar.gz feed")
        for name in encoders:
            measure(part, name, feed, Path(tmp))
    return part
