"""The bundled demo: real TED notices and a few firm profiles (some in Korean) shipped in the package."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from matcher.pipeline import IngestResult, Matcher
from matcher.schema import FirmProfile


@dataclass(frozen=True)
class DemoData:
    tenders: Path
    firms: Path
    as_of: datetime
    description: str


def demo_data() -> DemoData:
    """Where the demo files are, and the moment the demo treats as "now" (its notices are real, so their
    deadlines are in the past; the demo replays the day they were open)."""
    root = Path(str(resources.files("matcher.data").joinpath("demo")))
    manifest = json.loads((root / "manifest.json").read_text())
    return DemoData(
        tenders=root / manifest["tenders"],
        firms=root / manifest["firms"],
        as_of=datetime.fromisoformat(manifest["as_of"]),
        description=manifest["description"],
    )


def load_demo(matcher: Matcher, progress: bool = False) -> tuple[IngestResult, IngestResult]:
    """Ingest the demo notices and firms (idempotent) and bring the index up to date."""
    data = demo_data()
    tenders = matcher.ingest_tenders([data.tenders], sync=False)
    firms = matcher.ingest_firms([data.firms])
    tenders.index = matcher.build_index(progress=progress)
    return tenders, firms


def demo_firms(matcher: Matcher) -> list[FirmProfile]:
    ids = [f["firm_id"] for f in json.loads(demo_data().firms.read_text())]
    found = matcher.get_firms(ids)
    return [found[i] for i in ids if i in found]
