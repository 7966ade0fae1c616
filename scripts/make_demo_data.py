"""Rebuild the bundled demo notices from the shared TED sample (run from the project root).

Picks every opportunity notice of the sample that was open on the demo day (2021-04-28: the day on which the
most notices of the sample were open at once) plus the award notices published in the month before it, and
writes them, unmodified, into matcher/data/demo/tenders.tar.gz.
"""

from __future__ import annotations

import io
import sys
import tarfile
from datetime import UTC, date, datetime, time
from pathlib import Path

from matcher.ingest.ted import parse_ted_document
from matcher.schema import Tender

SAMPLE = Path("../shared/data/ted_xml_sample/ted_xml_notices_3476.tar.gz")
OUT = Path("matcher/data/demo/tenders.tar.gz")
DEMO_DAY = datetime(2021, 4, 28, 12, tzinfo=UTC)


def wanted(tender: Tender) -> bool:
    if tender.published is None:
        return False
    published = datetime.combine(tender.published, time(12), tzinfo=UTC)
    if tender.notice_type in ("open_call", "prior_information"):
        return tender.deadline is not None and published <= DEMO_DAY < tender.deadline
    return tender.notice_type == "award" and date(2021, 3, 28) <= tender.published <= DEMO_DAY.date()


def main() -> int:
    seen: set[str] = set()
    with tarfile.open(SAMPLE) as source, tarfile.open(OUT, "w:gz", compresslevel=9) as target:
        for info in sorted(source.getmembers(), key=lambda i: i.name):
            if not info.isfile() or not info.name.endswith(".xml"):
                continue
            handle = source.extractfile(info)
            data = handle.read() if handle else b""
            tender = parse_ted_document(data, info.name)
            if isinstance(tender, Tender) and tender.tender_id not in seen and wanted(tender):
                seen.add(tender.tender_id)
                member = tarfile.TarInfo("ted/" + Path(info.name).name)
                member.size = len(data)
                target.addfile(member, io.BytesIO(data))
    print(f"wrote {len(seen)} notices to {OUT} ({OUT.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
