"""One notice once: the same content under two ids shares a duplicate key and is recommended once."""

from __future__ import annotations

from datetime import date

from matcher.ingest.ted import parse_ted_document, read_ted
from matcher.pipeline import Matcher
from matcher.schema import FirmProfile, Tender
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
