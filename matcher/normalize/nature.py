"""What a notice buys and what a firm sells: supplies, services or works, and how well the two fit.

Every TED notice states its contract nature, and so do OCDS 1.1 releases (``mainProcurementCategory``).
A firm may state what it sells (``FirmProfile.offers``); when it does not, its codes tell: CPV and UNSPSC
both keep goods, services and (CPV) construction work apart at their top level.

CPV 2008 divisions (the first two digits; checked against the CPV 2008 list, cpv2008_en.json: 45 divisions
and the catch-all 99999999 "Not reflected in other sections", which says nothing):

* 03-44 are products ("Agricultural, farming, fishing ... products" to "Construction structures and
  materials"), and 48 "Software package and information systems" is sold as a product: supplies.
* 45 "Construction work": works.
* 50-98 are services ("Repair and maintenance services" to "Other community, social and personal
  services"), including 71 "Architectural, construction, engineering and inspection services": designing a
  building is a service, not the building.

UNSPSC segments, grouped as UNGM groups them (unspsc_ungm_en.csv: groups A-I are equipment, materials and
supplies, group J "Services"):

* every segment of groups A-I (10-60, 95): supplies. 95 "Land and Buildings and Structures and
  Thoroughfares" sits in group D with construction equipment: buying a prefabricated or permanent
  structure is buying a thing, so it stays with UNGM, as supplies.
* every segment of group J (64, 70-94): services, except:
* 72 "Building and Facility Construction and Maintenance Services" is construction: the segment and its
  families 7211 residential, 7212 nonresidential, 7214 heavy and 7215 specialised trade construction are
  works (CPV puts the same activities, roofing and plumbing included, in 45); family 7210 "Building and
  facility maintenance and repair services" stays a service, as CPV 50 does.
* family 5702 "Services related to humanitarian relief actions" of segment 57 (group H) is a service.

Other schemes (GSIN, NAICS, OTHER) say nothing here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from matcher.schema import NATURES, FirmProfile, Nature

#: The fit when the firm's or the notice's nature is unknown: neither helps nor hurts.
NEUTRAL = 0.5
#: The fit when the notice buys what the firm clearly does not sell (share 0); kept above 0 so that a
#: product maker can still see a services notice that matches it on everything else.
MISMATCH = 0.1

_CPV_WORKS = "45"
_CPV_SOFTWARE = "48"
_UNSPSC_SERVICE_SEGMENTS = frozenset({"64", *(str(s) for s in range(70, 95))})  # UNGM group J
_UNSPSC_CONSTRUCTION = "72"
_UNSPSC_SERVICE_FAMILIES = frozenset({"7210", "5702"})

#: Words a source uses for a contract nature (OCDS mainProcurementCategory, World Bank and UNGM exports,
#: eForms contract-nature codes); matched case-insensitively with spaces, hyphens and underscores ignored.
_NATURE_WORDS: dict[str, Nature] = {
    "supplies": "supplies", "supply": "supplies", "goods": "supplies", "products": "supplies",
    "services": "services", "service": "services", "consultingservices": "services",
    "consultantservices": "services", "nonconsultingservices": "services", "consultancy": "services",
    "works": "works", "work": "works", "civilworks": "works", "construction": "works",
}  # fmt: skip


def parse_nature(value: object) -> Nature | None:
    """``'Goods'``, ``'supplies'``, ``'Non-consulting Services'``, ``'WORKS'`` -> the schema's word; anything
    else (``'combined'``, ``''``, None) -> None."""
    if not isinstance(value, str):
        return None
    word = "".join(ch for ch in value.casefold() if ch.isalnum())
    return _NATURE_WORDS.get(word)


def nature_of_code(code: str) -> Nature | None:
    """The nature a single scheme-prefixed code implies, or None (unknown scheme or division)."""
    scheme, _, digits = code.partition(":")
    if not digits[:2].isdigit():
        return None
    if scheme == "CPV":
        division = int(digits[:2])
        if digits[:2] == _CPV_WORKS:
            return "works"
        if 3 <= division <= 44 or digits[:2] == _CPV_SOFTWARE:
            return "supplies"
        return "services" if 50 <= division <= 98 else None
    if scheme == "UNSPSC":
        segment, family = digits[:2], digits[:4]
        if family in _UNSPSC_SERVICE_FAMILIES:
            return "services"
        if segment == _UNSPSC_CONSTRUCTION:
            return "works"
        if segment in _UNSPSC_SERVICE_SEGMENTS:
            return "services"
        return "supplies" if 10 <= int(segment) <= 60 or segment == "95" else None
    return None


def _shares(weighted: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Weight per nature over the codes whose nature is known, as shares summing to 1; {} if none."""
    totals = dict.fromkeys(NATURES, 0.0)
    for code, weight in weighted:
        nature = nature_of_code(code)
        if nature is not None and weight > 0:
            totals[nature] += weight
    whole = sum(totals.values())
    return {n: w / whole for n, w in totals.items()} if whole > 0 else {}


def nature_of_codes(codes: Sequence[str]) -> dict[str, float]:
    """The share of supplies, services and works among the codes with a known nature (each code counts
    once); {} when no code says. ``['CPV:33111000', 'CPV:50421000']`` -> supplies 0.5, services 0.5."""
    return _shares((code, 1.0) for code in codes)


#: Words by which a firm says what it sells, in the languages profiles are written in (Korean has no word
#: boundaries: its cues match inside words; the others match at the start of a word). A profile says "we
#: manufacture" or "시공" far more reliably than the codes inferred from it: a Korean ambulance maker's
#: inferred codes were ambulance *services*, its own words say 제작 (manufacture).
#:
#: Each cue must say what the firm itself sells, not what its customers do or where its products go. Read
#: against the 118 profiles of the judged sets (evaluation/RESULTS.md, "Nature cues that say something else"):
#: not "production" (a caterer's "production kitchens", an events agency's "on-site production"); not a bare "교육"
#: (a laptop maker's "교육용" and "교육부", a furniture maker's "KOICA 교육 사업" name customers: training offered
#: is "교육과정", "교육 프로그램"). A bare "contractor" stays a works cue, though asbestos, forestry and
#: arboricultural contractors sell services by their CPV codes: buyers let such work as works contracts too
#: (7 of the 48 stored notices with a CPV 77 code), and read as services the arborist and the timber harvester
#: of the judged sets lost (nDCG@10 0.950 -> 0.746 and 0.891 -> 0.887; evaluation/RESULTS.md).
_CUES: dict[Nature, tuple[str, ...]] = {
    "supplies": ("manufactur", "maker", "makes", "produce", "producer", "fabricat", "fabrica",
                 "hersteller", "herstell", "fabricant", "factory", "supplier", "we supply", "distributor",
                 "제조", "생산", "제작", "공장", "제품"),
    "works": ("construction company", "contractor", "civil works", "erection", "travaux", "obras",
              "bauunternehm", "시공", "공사", "건설사", "건설 기업", "종합건설", "전기공사"),
    # Not "services" or "설계" alone: a builder offers "building services", a maker designs its own product
    # (자체 설계); and not "builder", which names a maker's customers as often as the firm itself.
    "services": ("consult", "consultancy", "engineering design", "design services", "supervision", "training",
                 "we design and deliver", "penetration testing", "surveying", "conseil", "consultor",
                 "beratung", "컨설팅", "서비스를 제공", "설계 용역", "설계와", "감리", "교육과정", "교육 과정",
                 "교육 프로그램", "교육 서비스", "교육을 제공", "직업훈련", "직업 훈련", "용역", "자문", "타당성",
                 "측량"),
}  # fmt: skip
#: Words blanked before the cues are read: each holds a cue and means something else. 시공감리 is the
#: supervision of construction, an engineering service (its 감리 stays a services cue); a 공사장 is a
#: construction site, where a sign maker's products are used ("공사장용 임시 표지판"). 지도 제작 is map making,
#: a surveyor's service (CPV 71354000 Map production services), not the manufacture 제작 says elsewhere: a
#: land surveyor's "수치지도 제작과 GIS 구축 용역" read as selling goods (a user trial; no judged profile has it).
#: 측량기기 and 측량 장비 are surveying instruments, a maker's goods, not the surveying 측량 says elsewhere.
_NOT_CUES = re.compile(r"시공\s?(?=감리)|공사장|지도\s?제작|측량\s?(?=기기|장비)")
#: A cue counts this much against one confirmed code (which counts 1): what a firm says it does outweighs
#: what its codes imply.
CUE_WEIGHT = 2.0
#: Profile texts whose cues are remembered (``_text_natures``): a store's firms, with room to spare.
TEXTS_CACHED = 50_000


def text_natures(text: str) -> dict[str, float]:
    """What a profile's own words say it sells, as cue counts per nature ({} when no cue is found)."""
    return dict(_text_natures(text))


@lru_cache(maxsize=TEXTS_CACHED)
def _text_natures(text: str) -> tuple[tuple[str, float], ...]:
    """``text_natures``, remembered per text: firms-for reads every firm's profile for each notice, and the
    cues' regular expressions cost about 0.35 ms a profile (7 s of a 20 s firms-for call over 10,000 firms)."""
    folded = _NOT_CUES.sub(" ", text.casefold())
    found: list[tuple[str, float]] = []
    for nature, cues in _CUES.items():
        hits = sum(1 for cue in cues if _cue_in(cue, folded))
        if hits:
            found.append((nature, float(hits)))
    return tuple(found)


def _cue_in(cue: str, folded: str) -> bool:
    if not cue.isascii():
        return cue in folded
    return re.search(rf"(?<![a-z]){re.escape(cue)}", folded) is not None


def firm_natures(firm: FirmProfile, inferred: Sequence[tuple[str, float]] = ()) -> dict[str, float]:
    """What the firm sells, as shares. Stated ``offers`` win outright (equal shares); otherwise the cues
    in its own words (``text_natures``, ``CUE_WEIGHT`` in all), its confirmed codes (1 each) and inferred
    ``(code, weight)`` pairs (together at most 1) add up. {} when nothing is known."""
    if firm.offers:
        return {n: (1.0 / len(firm.offers) if n in firm.offers else 0.0) for n in NATURES}
    # Suggested codes together count as much as one confirmed code: five guesses are not five facts.
    guessed = sum(w for _, w in inferred)
    scaled = [(code, w / guessed) for code, w in inferred] if guessed > 1 else list(inferred)
    shares = _shares([*((code, 1.0) for code in firm.codes), *scaled])
    totals: dict[str, float] = {n: shares.get(n, 0.0) for n in NATURES}
    cues = text_natures(firm.text())
    whole = sum(cues.values())
    for nature, count in cues.items():
        totals[nature] += CUE_WEIGHT * count / whole
    grand = sum(totals.values())
    return {n: w / grand for n, w in totals.items()} if grand > 0 else {}


def main_natures(natures: Mapping[str, float]) -> tuple[str, ...]:
    """The natures a firm mostly sells (``firm_natures``): those with at least half the main one's share; ()
    when nothing is known."""
    top = max(natures.values(), default=0.0)
    return tuple(n for n, share in natures.items() if top > 0 and share >= top / 2)


def design_contest_codes(codes: Sequence[str]) -> list[str]:
    """The codes of a design contest that can say what it buys. A design contest acquires a plan or design
    chosen by a jury (Directive 2014/24/EU, art. 2(1)(21)); its construction codes (CPV 45, UNSPSC 72 works)
    name the building to be designed: "Construction work for school buildings" on an architects' contest."""
    return [code for code in codes if nature_of_code(code) != "works"]


def nature_fit(
    firm_natures: Mapping[str, float], tender_nature: str | None, tender_codes: Sequence[str] = ()
) -> float:
    """How well what a notice buys fits what the firm sells, in [0, 1].

    1 when the notice buys the firm's main nature (or any nature it states it offers), ``NEUTRAL`` when
    either side is unknown, ``MISMATCH`` when the firm shows no sign of selling it; in between in
    proportion to the nature's weight against the firm's main one. A notice without a stated nature is
    judged by its codes, each nature counting by its share."""
    top = max(firm_natures.values(), default=0.0)
    if top <= 0:
        return NEUTRAL
    wanted: Mapping[str, float] = {tender_nature: 1.0} if tender_nature in NATURES else nature_of_codes(
        tender_codes
    )
    if not wanted:
        return NEUTRAL
    return sum(
        share * (MISMATCH + (1 - MISMATCH) * firm_natures.get(nature, 0.0) / top)
        for nature, share in wanted.items()
    )

