"""The bundled demo: real TED notices and a few firm profiles (some in Korean) shipped in the package."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from matcher.ingest.base import collect
from matcher.ingest.detect import read_tenders
from matcher.ingest.firms import read_firms
from matcher.pipeline import IngestResult, Matcher
from matcher.schema import FirmProfile, Tender


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
    """Load what of the demo is missing from the store, then bring the index up to date. What is stored is never
    overwritten: a re-run (``matcher demo`` again, ``matcher serve --demo`` at every start) used to ingest the demo
    files over the store, and a demo firm's profile as its partner had edited it (its codes accepted and declined)
    or a demo notice an officer had changed went back to the files'. Decisions, notes and keys are not the demo's
    to touch. A demo record no longer stored (a deleted notice) is loaded again; the reports count what was
    already stored as unchanged."""
    data = demo_data()
    notices, rejected_notices = collect(read_tenders(data.tenders), Tender)
    stored_notices = matcher.fetch_tenders([t.tender_id for t in notices])
    tenders = matcher.upsert_tenders([t for t in notices if t.tender_id not in stored_notices], sync=False)
    profiles, rejected_firms = collect(read_firms(data.firms), FirmProfile)
    stored_firms = matcher.get_firms([f.firm_id for f in profiles])
    firms = IngestResult(matcher.upsert_firms([f for f in profiles if f.firm_id not in stored_firms]))
    for result, kept, rejected in ((tenders, stored_notices, rejected_notices), (firms, stored_firms, rejected_firms)):
        result.report.unchanged += len(kept)
        result.report.rejected = [(r.record, r.reason) for r in rejected]
    tenders.index = matcher.build_index(progress=progress)
    if firms.report.new:
        matcher.refresh_kept_suggestions()  # as a firms file does: a register above firms-for's depth keeps them
    return tenders, firms


def demo_firms(matcher: Matcher) -> list[FirmProfile]:
    ids = [f["firm_id"] for f in json.loads(demo_data().firms.read_text())]
    found = matcher.get_firms(ids)
    return [found[i] for i in ids if i in found]
