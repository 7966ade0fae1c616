"""One notice once: the same content under two ids shares a duplicate key and is recommended once."""

from __future__ import annotations

from datetime import date

from matcher.ingest.ted import parse_ted_document, read_ted
from matcher.pipeline import Matcher
from matcher.schema import STORED, FirmProfile, Tender
from matcher.search.retrieve import MatchQuery, collapse_duplicates
from tests.conftest import FIXTURES

CASES = FIXTURES / "ted_cases"
OLD, NEW = "republished_fr_358055-2020.xml", "republished_fr_226574-2021.xml"


def ted(name: str) -> Tender:
    result = parse_ted_document((CASES / name).read_bytes(), name)
    assert isinstance(result, Tender)
    return result


def test_a_republished_notice_shares_its_key() -> None:
    old, new = ted(OLD), ted(NEW)
    assert old.tender_id != new.tender_id and old.published != new.published
    assert (old.buyer, new.buyer) == ("SNCF voyageurs", "SNCF Voyageurs")  # case does not matter
    assert old.duplicate_key() == new.duplicate_key()


def test_what_keeps_two_notices_apart() -> None:
    call = ted(NEW)
    lot = call.model_copy(update={"tender_id": "ted:lot-2", "description": call.description + " Lot 2: Lyon."})
    assert lot.duplicate_key() != call.duplicate_key()  # lots of one procedure whose text differs
    other_buyer = call.model_copy(update={"buyer": "RATP"})
    assert other_buyer.duplicate_key() != call.duplicate_key()
    other_code = call.model_copy(update={"codes": ["CPV:90910000"]})
    assert other_code.duplicate_key() != call.duplicate_key()
    award = call.model_copy(update={"notice_type": "award"})
    assert award.duplicate_key() != call.duplicate_key()  # history is not the same opportunity
    announced = call.model_copy(update={"notice_type": "prior_information", "deadline": None, "value": 1e6})
    assert announced.duplicate_key() == call.duplicate_key()  # the call after its prior information notice
    spaced = call.model_copy(update={"title": "  SERVICE de nettoyage  de matériel roulant!"})
    assert spaced.duplicate_key() == call.duplicate_key()


def _tender(tender_id: str, published: date | None, title: str = "Pumps") -> Tender:
    return Tender(tender_id=tender_id, source="x", title=title, buyer="B", published=published)


def test_collapse_keeps_the_one_published_last_in_place() -> None:
    a, b, c = _tender("x:a", date(2020, 1, 1)), _tender("x:b", date(2021, 1, 1)), _tender("x:c", None, "Valves")
    assert collapse_duplicates([(a, 0.9), (c, 0.8), (b, 0.7)]) == [(c, 0.8), (b, 0.7)]


def test_collapse_ties_go_to_the_higher_score_then_the_smaller_id() -> None:
    a, b, c = (_tender(f"x:{n}", date(2021, 1, 1)) for n in "abc")
    assert collapse_duplicates([(c, 0.5), (b, 0.9), (a, 0.5)]) == [(b, 0.9)]
    assert collapse_duplicates([(c, 0.5), (a, 0.5)]) == [(a, 0.5)]
    undated = _tender("x:d", None)
    assert collapse_duplicates([(undated, 0.99), (a, 0.1)]) == [(a, 0.1)]  # a date beats none


def test_recommendations_list_a_republished_notice_once(matcher: Matcher) -> None:
    notices = [t for t in read_ted(FIXTURES / "ted") if isinstance(t, Tender)] + [ted(OLD), ted(NEW)]
    matcher.upsert_tenders(notices)
    firm = FirmProfile(firm_id="clean", name="Clean Co", description="nettoyage de matériel roulant, trains")
    matcher.upsert_firms([firm])
    matcher.build_index()
    query = MatchQuery(k=10, include_closed=True)
    ids = [m.tender_id for m in matcher.recommend("clean", query)]
    assert ted(NEW).tender_id in ids and ted(OLD).tender_id not in ids
    [batched] = matcher.recommend_many(["clean"], query)
    assert [m.tender_id for m in batched] == ids
    for tender in (ted(OLD), ted(NEW)):  # firms-for ranks firms for one notice: nothing to collapse
        assert [m.firm_id for m in matcher.firms_for(tender.tender_id)] == ["clean"]
    matcher.delete_tenders([ted(OLD).tender_id])
    matcher.build_index()
    assert {m.tender_id for m in matcher.recommend("clean", query)} == set(ids)  # as if published once


def test_the_key_sees_through_format_characters_that_draw_nothing() -> None:
    """The same notice under two ids, one copy with a zero-width space inside a word, a soft hyphen, a word joiner,
    a byte order mark, a right-to-left override, or a joiner between Latin letters in its title, description or
    buyer: new notices lose them when read (``matcher.characters.shown_text``), and a notice stored before that
    (read back as stored, ``STORED``) still shares its key; "wa\\u200bter" was "wa ter" in the key, another word."""
    call = ted(NEW)
    for spoofed in ("SERVICE de net\u200btoyage de mat\u00e9\u00adriel roulant", "\ufeff\u202eSERVICE\u202c de "
                    "nettoyage de mat\u00e9riel rou\u2060lant", "SERVICE de net\u200ctoyage de mat\u00e9riel roulant"):
        data = {**call.model_dump(), "tender_id": "ted:copy", "title": spoofed,
                "buyer": "SNCF \u200bVoya\u00adgeurs", "description": call.description.replace("e", "e\u200b", 3)}
        assert Tender.model_validate(data).duplicate_key() == call.duplicate_key()
        stored = Tender.model_validate(data, context=STORED)
        assert stored.title == spoofed  # what an older store holds is loaded as it is
        assert stored.duplicate_key() == call.duplicate_key()
        assert collapse_duplicates([(stored, 0.4), (call, 0.5)]) == [(call, 0.5)]  # one of the two, same day
    other = call.model_copy(update={"title": "SERVICE de nettoyage de mat\u00e9riel roulant ferroviaire"})
    assert other.duplicate_key() != call.duplicate_key()  # a word more is another notice
