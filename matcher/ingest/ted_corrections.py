"""TED-XML corrigenda (form F14, TD_DOCUMENT_TYPE "2" "Additional information"): what they change in the
notice they correct.

An F14 names the corrected notice by its OJ S number (COMPLEMENTARY_INFO/NOTICE_NUMBER_OJ, TED's coded
REF_NOTICE as a fallback), read as ``matcher.ingest.ted_cancel`` reads a cancelled notice's, and lists its
changes as CHANGES/CHANGE: WHERE (SECTION, an optional LOT_NO and LABEL) then OLD_VALUE and NEW_VALUE, each
holding TEXT, DATE (+ TIME), CPV_MAIN, CPV_ADDITIONAL or NOTHING. The section number is the reliable key: the
LABEL is in the notice's language and often absent, and the SECTION is written "IV.2.2", "IV.2.2)" or with
spaces. Two kinds of change are taken, the ones the sample shows to be unambiguous:

* IV.2.2, the time limit for receipt of tenders (or of requests to participate, expressions of interest or
  projects: the same section in every 2014 form that has a deadline), with a DATE in NEW_VALUE: the new
  deadline, read in the buyer's local time as ``ted_common.local_deadline`` reads every TED deadline (a day
  alone is 23:59). A LOT_NO on it ("Lot 1 and 2") is ignored: section IV is the procedure's, and the notice's
  one deadline is the latest that any change sets. IV.2.7 (the opening of tenders) also holds a DATE and
  TIME and is not a deadline.
* II.1.2, the main CPV code, without a LOT_NO: the old code is replaced by the new one, and TED's translated
  headings (``Tender.titles``), which TED derives from the main code, are replaced by the corrigendum's own,
  which name the new code (in the sample "Orthopaedic implants" for 33183100, "Guard services" for
  79713000). Additional codes (II.2.2) are changed per lot, and the stored notice's codes are the union over
  its lots, so the old code may still be another lot's: those are left alone, as are texts (II.1.1 title,
  II.1.4 description: free text over a notice the F14 does not restate) and TED's headings written as
  a TEXT change ("Titel", "Nagłówek").

In the TED sample 12 notices are F14 corrigenda (every TD_DOCUMENT_TYPE "2"): 4 change the deadline
(IV.2.2; each new value equals the corrigendum's coded DT_DATE_FOR_SUBMISSION), one of which names a notice in
the sample (218017-2021 extends 189849-2021 from 17 to 21 May 2021); 2 change the main CPV code, neither
naming a notice in the sample. The rest change texts only (additional information, review body, lot titles).
The sample's files are TED's later exports, whose coded data TED keeps current: 189849-2021's coded deadline
already says 21 May while its form says 17 May, and of the 1,131 notices with both, 93 have a coded deadline
later than their form's (one earlier). A feed that fetches a notice when it is published gets the first
deadline, and the corrigendum is what moves it.
"""

from __future__ import annotations

import re
from datetime import datetime

from matcher.ingest.ted_cancel import ojs_tender_id
from matcher.ingest.ted_common import Element, local_deadline
from matcher.schema import Correction

DEADLINE_SECTION = "IV.2.2"
MAIN_CODE_SECTION = "II.1.2"
_SECTION_NOISE = re.compile(r"^[\s(]+|[\s).]+$|\s+")
_CPV = re.compile(r"\d{8}")


def ted_corrections(form: Element, notice_data: Element, titles: dict[str, str], country: str | None
                    ) -> list[Correction]:
    """What the corrigendum ``form`` changes in each notice it names; [] when it is not a corrigendum or
    changes nothing taken here. ``notice_data`` is CODED_DATA_SECTION/NOTICE_DATA, ``titles`` the
    corrigendum's translated headings, ``country`` the buyer's (for the deadline's time zone)."""
    changes = list(form.iterfind(".//{*}CHANGES/{*}CHANGE"))
    if not changes:
        return []
    deadlines = [d for change in changes if (d := _deadline(change, country)) is not None]
    replaced = dict(pair for change in changes if (pair := _main_code(change)) is not None)
    if not deadlines and not replaced:
        return []
    fields = {
        "deadline": max(deadlines) if deadlines else None,
        "replaced_codes": replaced,
        "titles": titles if replaced and titles else None,
    }
    return [Correction(notice=notice, **fields) for notice in corrected_notices(form, notice_data)]


def corrected_notices(form: Element, notice_data: Element) -> list[str]:
    """Ids of the notices the corrigendum names: NOTICE_NUMBER_OJ in the form, else TED's REF_NOTICE."""
    numbers = [e.text for e in form.iterfind(".//{*}NOTICE_NUMBER_OJ")]
    if not any(n and n.strip() for n in numbers):
        numbers = [e.text for e in notice_data.iterfind("{*}REF_NOTICE/{*}NO_DOC_OJS")]
    return list(dict.fromkeys(tid for n in numbers if (tid := ojs_tender_id(n)) is not None))


def section(change: Element) -> str:
    """WHERE/SECTION as a bare number: 'IV.2.2)', 'IV.2.2.' and ' IV. 2.2 ' are all 'IV.2.2'."""
    return _SECTION_NOISE.sub("", str(change.findtext("{*}WHERE/{*}SECTION") or "")).upper()


def _deadline(change: Element, country: str | None) -> datetime | None:
    if section(change) != DEADLINE_SECTION:
        return None
    day = change.findtext("{*}NEW_VALUE/{*}DATE")
    return local_deadline(day, change.findtext("{*}NEW_VALUE/{*}TIME"), country) if day else None


def _main_code(change: Element) -> tuple[str, str] | None:
    """('CPV:old', 'CPV:new') for a change of the notice's main CPV code."""
    if section(change) != MAIN_CODE_SECTION or (change.findtext("{*}WHERE/{*}LOT_NO") or "").strip():
        return None
    old, new = (_cpv(change.find(f"{{*}}{value}/{{*}}CPV_MAIN/{{*}}CPV_CODE")) for value in ("OLD_VALUE", "NEW_VALUE"))
    return (old, new) if old and new else None


def _cpv(element: Element | None) -> str | None:
    """'CPV:33183100' from a CPV_CODE element; None unless its CODE is eight digits."""
    code = (element.get("CODE") or "").strip() if element is not None else ""
    return f"CPV:{code}" if _CPV.fullmatch(code) else None
