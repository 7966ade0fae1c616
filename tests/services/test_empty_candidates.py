"""A query whose filters leave no candidate gives an empty result, on every path through ranking (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from matcher.pipeline import Matcher
from matcher.schema import FirmProfile
from matcher.search.lexical import LexicalModel
from matcher.search.retrieve import MatchQuery
from tests.search.test_lexical import CORPUS
from tests.services.test_pipeline import FIRM, loaded  # noqa: F401  (the fixture)

#: Antarctica: a valid ISO 3166 code that no notice in the fixtures carries.
NOWHERE = MatchQuery(k=10, countries=("AQ",))
#: "probes" and "thermostat" are each in one notice of six, so both are distinctive and the term guard has
#: work to do; with two or more, an empty candidate set used to be a broadcasting error in ``term_guards``.
GUARDED = FirmProfile(firm_id="probes", name="Probes", description="ultrasound probes",
                      keywords=["probes", "thermostat"])


def test_term_guards_of_no_notices_are_empty() -> None:
    model = LexicalModel().fit(CORPUS)
    keywords = ["cryostat", "thermostat", "resurfacing"]
    assert model.term_guards(keywords, [], []) == []
    assert model.term_guards(keywords, [], [], doc_matrix=model.transform_documents([])) == []


@pytest.mark.parametrize("firm", [FIRM, GUARDED, FirmProfile(firm_id="plain", name="P", description="scanners")],
                         ids=["codes-and-keywords", "distinctive-keyword", "no-keywords"])
def test_a_country_no_notice_has_gives_an_empty_list(loaded: Matcher, firm: FirmProfile) -> None:  # noqa: F811
    assert loaded.recommend(firm, NOWHERE) == []
    assert loaded.recommend_many([firm, "roads"], [NOWHERE, MatchQuery(k=1)])[0] == []


def test_a_stored_firm_with_partner_decisions_and_no_candidates(loaded: Matcher) -> None:  # noqa: F811
    loaded.propose("medi", "test:1", "partner")
    loaded.decide("medi", "test:1", "approved", "partner")
    loaded.propose("medi", "test:6", "partner")
    assert loaded.recommend("medi", NOWHERE) == []
    ranked = {m.tender_id: m for m in loaded.recommend("medi", MatchQuery(k=10))}  # the same firm still ranks
    assert ranked["test:1"].parts.feedback == 1.0


def test_nothing_open_gives_an_empty_list_for_a_guarded_firm(loaded: Matcher) -> None:  # noqa: F811
    loaded.settings.clock = datetime(2030, 1, 1, tzinfo=UTC)  # every fixture notice has closed
    assert loaded.recommend(GUARDED) == []
    assert loaded.recommend_many([GUARDED, "medi"]) == [[], []]


def test_firms_for_with_no_firms_to_rank(loaded: Matcher) -> None:  # noqa: F811
    assert loaded.firms_for("test:2", firm_ids=[]) == []
    assert [m.firm_id for m in loaded.firms_for("test:2", firm_ids=["probes-none", "roads"])] == ["roads"]
