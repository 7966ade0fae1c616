"""Finding notices by their words through the encoder and the vector index (``Matcher.search_notices``).

Fast tests use the fake encoder (a hashed bag of words: texts sharing words are near); the slow test loads
the multilingual encoder and finds French and English notices of the bundled demo from Korean words.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from matcher.config import Settings
from matcher.demo import demo_data, load_demo
from matcher.errors import IndexNotReady, InvalidInput
from matcher.pipeline import Matcher
from matcher.schema import Tender
from tests.conftest import NOW

PUMPS = Tender(
    tender_id="test:pumps", source="test", title="Supply of borehole pumps", buyer="Nairobi Water",
    buyer_country="KE", deadline=NOW + timedelta(days=20), published=(NOW - timedelta(days=3)).date(),
    description="Submersible pumps for rural boreholes, with installation.",
)
METERS = Tender(
    tender_id="test:meters", source="test", title="Water meters", buyer_country="TZ",
    deadline=NOW + timedelta(days=9), published=(NOW - timedelta(days=5)).date(),
    description="Ultrasonic domestic water meters, 4000 units.",
)
# Closed: its deadline passed a week ago.
OLD_PUMPS = Tender(
    tender_id="test:old-pumps", source="test", title="Borehole pumps and spare parts", buyer_country="UG",
    deadline=NOW - timedelta(days=7), published=(NOW - timedelta(days=60)).date(),
)
# History, not an opportunity.
AWARDED = Tender(
    tender_id="test:awarded-pumps", source="test", notice_type="award", title="Award: borehole pumps",
    buyer_country="KE", published=(NOW - timedelta(days=30)).date(),
)
# Published after the clock: no search may see it, open or not.
FUTURE = Tender(
    tender_id="test:future-pumps", source="test", title="Borehole pumps framework", buyer_country="KE",
    deadline=NOW + timedelta(days=60), published=(NOW + timedelta(days=2)).date(),
)
ALL = [PUMPS, METERS, OLD_PUMPS, AWARDED, FUTURE]


@pytest.fixture
def stocked(matcher: Matcher) -> Matcher:
    matcher.upsert_tenders(ALL, sync=False)
    matcher.build_index()
    return matcher


def ids(matcher: Matcher, text: str, k: int = 10, open_only: bool = False) -> list[str]:
    return [h.tender.tender_id for h in matcher.search_notices(text, k, open_only)]


def test_words_find_the_notice_that_says_them(stocked: Matcher) -> None:
    assert ids(stocked, "water meters")[0] == METERS.tender_id
    # Words of the description alone (not in the title or buyer) are found too: the notice's whole text is
    # embedded.
    assert ids(stocked, "ultrasonic domestic units")[0] == METERS.tender_id
    hits = stocked.search_notices("borehole pumps", 10)
    assert [h.similarity for h in hits] == sorted((h.similarity for h in hits), reverse=True)
    assert hits[0].tender.tender_id in {PUMPS.tender_id, OLD_PUMPS.tender_id, AWARDED.tender_id}


def test_every_published_notice_unless_open_only(stocked: Matcher) -> None:
    everything = ids(stocked, "borehole pumps")
    assert set(everything) == {PUMPS.tender_id, METERS.tender_id, OLD_PUMPS.tender_id, AWARDED.tender_id}
    assert FUTURE.tender_id not in everything  # published after the clock
    assert ids(stocked, "borehole pumps", open_only=True) == [PUMPS.tender_id, METERS.tender_id]
    assert ids(stocked, "borehole pumps", k=1, open_only=True) == [PUMPS.tender_id]


def test_a_notice_cancelled_by_a_later_one_is_not_open(stocked: Matcher) -> None:
    ended = Tender(
        tender_id="test:pumps-ended", source="test", notice_type="award", title="Procedure discontinued",
        buyer_country="KE", published=(NOW - timedelta(days=1)).date(), cancels=[PUMPS.tender_id],
    )
    stocked.upsert_tenders([ended])
    assert PUMPS.tender_id not in ids(stocked, "borehole pumps", open_only=True)
    assert PUMPS.tender_id in ids(stocked, "borehole pumps")  # still found as a past notice


def test_a_cancelled_notice_in_a_list_says_it_was_cancelled_not_how_many_days_are_left(stocked: Matcher) -> None:
    """Shown with closed ones (``include_closed``), a notice a later one cancelled read "closes ... (20 days
    left)": a firm could start a bid for a procedure that has ended."""
    from matcher.schema import FirmProfile
    from matcher.search.retrieve import MatchQuery

    firm = FirmProfile(firm_id="f", name="F", description="borehole pumps, submersible pumps for boreholes")
    stocked.upsert_firms([firm])
    before = {m.tender_id: m.reasons.deadline for m in stocked.recommend("f", MatchQuery(k=10, include_closed=True))}
    assert before[PUMPS.tender_id].endswith("(20 days left)")
    stocked.upsert_tenders([Tender(
        tender_id="test:pumps-ended", source="test", notice_type="award", title="Procedure discontinued",
        buyer_country="KE", published=(NOW - timedelta(days=1)).date(), cancels=[PUMPS.tender_id],
    )])
    after = {m.tender_id: m.reasons.deadline for m in stocked.recommend("f", MatchQuery(k=10, include_closed=True))}
    assert after[PUMPS.tender_id] == "cancelled by a later notice (its deadline was 2021-06-21 00:00 UTC)"
    assert after[METERS.tender_id] == before[METERS.tender_id]


def test_a_notice_id_lists_that_notice_first_with_or_without_its_prefix(stocked: Matcher) -> None:
    """An officer pasted a TED number into the search: the notice was not among the results (no encoder places
    a number near its notice's words)."""
    numbered = Tender(
        tender_id="ted:123456-2021", source="ted", title="Laboratory centrifuges", buyer_country="DE",
        deadline=NOW + timedelta(days=30), published=(NOW - timedelta(days=1)).date())
    stocked.upsert_tenders([numbered])
    for words in ("ted:123456-2021", "123456-2021", " 123456-2021 "):
        hits = stocked.search_notices(words, 3)
        assert hits[0].tender.tender_id == "ted:123456-2021" and hits[0].by_id, words
        assert not any(h.by_id for h in hits[1:]) and len(hits) == 3
        assert [h.tender.tender_id for h in hits].count("ted:123456-2021") == 1
    assert ids(stocked, METERS.tender_id, k=1) == [METERS.tender_id]
    assert not any(h.by_id for h in stocked.search_notices("123456", 5))  # a part of an id is words


def test_a_notice_id_is_found_only_where_its_words_would_be(stocked: Matcher) -> None:
    """The filters hold for an id as for words: a closed notice is not listed as open, and a notice published
    after the clock is not found at all."""
    assert not any(h.by_id for h in stocked.search_notices(OLD_PUMPS.tender_id, 5, open_only=True))
    assert stocked.search_notices(OLD_PUMPS.tender_id, 5)[0].by_id
    assert FUTURE.tender_id not in ids(stocked, FUTURE.tender_id)


def test_the_clock_decides_what_is_open(stocked: Matcher) -> None:
    # Ten days on, the meters' deadline has passed, the pumps' has not, and the future notice is published.
    later = NOW + timedelta(days=10)
    found = stocked.notices.search("water meters borehole pumps", 10, open_only=True, now=later)
    assert {h.tender.tender_id for h in found} == {PUMPS.tender_id, FUTURE.tender_id}


def test_bad_requests(stocked: Matcher) -> None:
    for text in ("", "   "):
        with pytest.raises(InvalidInput, match="empty search text"):
            stocked.search_notices(text)
    for k in (0, 101):
        with pytest.raises(InvalidInput, match="out of range"):
            stocked.search_notices("pumps", k)


def test_the_words_are_read_as_the_notices_are_stored(stocked: Matcher) -> None:
    """A notice's text is stored composed (NFC) and without the format characters that draw nothing
    (``matcher.characters.shown_text``), and embedded so. Words typed decomposed (NFD, as a Mac may send
    'é': 'e' and U+0301), or pasted with a soft hyphen or zero-width space inside, found nothing like the same
    words typed plainly; text of such characters alone was searched (twenty unrelated notices) instead of
    refused as empty."""
    meters = stocked.upsert_tenders([METERS.model_copy(update={"tender_id": "test:compteurs",
                                                               "title": "Compteurs d'eau à ultrasons"})])
    assert meters.report.new == 1
    stocked.build_index()
    plain = ids(stocked, "compteurs d'eau à ultrasons")
    assert plain[0] == "test:compteurs"
    for typed in ("compteurs d'eau a\u0300 ultrasons", "comp\u00adteurs d'eau \u200bà ultra\ufeffsons"):
        assert ids(stocked, typed) == plain, ascii(typed)
    for text in ("\u200b", "\ufeff \u00ad", "\u200b\u2060\u3164"):
        with pytest.raises(InvalidInput, match="empty search text"):
            stocked.search_notices(text)


def test_before_an_index_is_built(matcher: Matcher) -> None:
    matcher.upsert_tenders([PUMPS], sync=False)
    with pytest.raises(IndexNotReady):
        matcher.search_notices("pumps")


# ----------------------------------------------------------------------------- the real encoder
@pytest.fixture(scope="module")
def multilingual(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matcher]:
    home: Path = tmp_path_factory.mktemp("notice-search")
    matcher = Matcher(Settings(home=home, encoder="use-multilingual", clock=demo_data().as_of))
    load_demo(matcher)
    yield matcher
    matcher.close()


@pytest.mark.slow
@pytest.mark.parametrize(("query", "expected"), [
    # "Replacing the ultrafiltration membranes of a water treatment plant" finds the French notice
    # "Renouvellement de l'unité d'ultrafiltration de l'usine d'eau potable".
    ("정수장 한외여과 막 설비 교체", "ted:023838-2021"),
    # "Delivery and operation of digital signage" finds "The Delivery and Operation of Digital Signs" (EN).
    ("디지털 사이니지 납품 및 운영", "ted:199065-2018"),
])
def test_korean_words_find_notices_in_other_languages(multilingual: Matcher, query: str, expected: str) -> None:
    found = [h.tender for h in multilingual.search_notices(query, 3)]
    assert found[0].tender_id == expected
    assert found[0].language != "ko"
