"""TED-XML award notices that end a procedure without an award, and the earlier notice they end.

In the 2014 forms (R2.0.9: F03, F06, F21, F22, F23, F25, ...) an award notice has one AWARD_CONTRACT per lot,
each either AWARDED_CONTRACT or NO_AWARDED_CONTRACT with the reason PROCUREMENT_DISCONTINUED (the buyer
stopped the procedure) or PROCUREMENT_UNSUCCESSFUL (no tender, or none acceptable). When every lot has no
award, the call the notice refers to can no longer be answered: PROCEDURE/NOTICE_NUMBER_OJ (TED's coded
REF_NOTICE as a fallback) names it as an OJ S number, ``2022/S 108-306344``, which is the document
``306344-2022`` and so our ``ted:306344-2022``. An award notice that awards any lot ends nothing here (the
other lots may follow). In the TED sample 70 award notices have every lot discontinued and 47 every lot
unsuccessful; 95 of the 117 name the earlier notice, and 11 of those are in the sample themselves.
"""

from __future__ import annotations

import re
from typing import Any

#: lxml elements (lxml ships no type information).
_Element = Any

_NO_AWARD_REASONS = ("PROCUREMENT_DISCONTINUED", "PROCUREMENT_UNSUCCESSFUL")
#: An Official Journal S number: year, issue, document number ("2021/S 005-004358").
_OJS_NUMBER = re.compile(r"(\d{4})\s*/\s*S\s*\d+\s*-\s*(\d+)")


def ted_cancels(form: _Element, notice_data: _Element) -> list[str]:
    """Ids of the notices this one ends without an award; [] unless every AWARD_CONTRACT of ``form`` has no
    award for one of the reasons above. ``notice_data`` is CODED_DATA_SECTION/NOTICE_DATA."""
    awards = list(form.iter("{*}AWARD_CONTRACT"))
    if not awards or not all(_no_award(award) for award in awards):
        return []
    numbers = [e.text for e in form.iterfind(".//{*}PROCEDURE/{*}NOTICE_NUMBER_OJ")]
    if not any(n and n.strip() for n in numbers):
        numbers = [e.text for e in notice_data.iterfind("{*}REF_NOTICE/{*}NO_DOC_OJS")]
    return list(dict.fromkeys(tid for n in numbers if (tid := ojs_tender_id(n)) is not None))


def ojs_tender_id(number: str | None) -> str | None:
    """``'2021/S 005-004358'`` -> ``'ted:004358-2021'`` (TED's DOC_ID pads the number to six digits)."""
    match = _OJS_NUMBER.search(number or "")
    return f"ted:{int(match[2]):06d}-{match[1]}" if match else None


def _no_award(award: _Element) -> bool:
    reasons = award.find("{*}NO_AWARDED_CONTRACT")
    return reasons is not None and any(reasons.find(f"{{*}}{r}") is not None for r in _NO_AWARD_REASONS)
