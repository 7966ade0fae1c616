"""Market priors (label_prior, family_prior, recent_holder) and title_value_affinity: hand-computed values,
and nothing dated on or after "now" / the cut changes them."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from matcher.evaluate.context import EvalContext
from matcher.evaluate.split import time_split
from matcher.ranking.features import FEATURES, prepare_candidates
from matcher.ranking.priors import Market, MarketView, WinHistory, code_family, history_parts, market_priors
from matcher.schema import Award, Tender
from matcher.search.encoders import Embedder, FakeEncoder
from matcher.search.lexical import LexicalModel

AS_OF = date(2014, 1, 1)
YEAR_AGO = date(2013, 1, 1)  # 365 days before AS_OF: weight 1/2 (half life one year)
TWO_YEARS_AGO = date(2012, 1, 2)  # 730 days before AS_OF: weight 1/4


def _award(award_id: str, day: date, buyer: str, title: str, code: str, supplier: str) -> Award:
    return Award(award_id=award_id, date=day, title=title, buyer=buyer, codes=[code], supplier=supplier)


MARKET = [
    _award("A1", YEAR_AGO, "Dept X", "Translation Services", "GSIN:R109D", "Firm F"),
    _award("A2", TWO_YEARS_AGO, "Dept X", "Translation Services", "GSIN:R109D", "Firm G"),
    _award("A3", YEAR_AGO, "Dept Y", "Interpretation Services", "GSIN:R109E", "Firm F"),
    _award("A4", YEAR_AGO, "Dept Z", "Office Furniture", "GSIN:N7110", "Firm G"),
]
WINS = [MARKET[0], MARKET[2]]  # Firm F
CANDIDATES = [
    Tender(tender_id="c1", source="t", title="Translation Services", buyer="Dept X", codes=["GSIN:R109D"]),
    Tender(tender_id="c2", source="t", title="Office Furniture", buyer="Dept Z", codes=["GSIN:N7110"]),
    Tender(tender_id="c3", source="t", title="Simultaneous Interpretation", buyer="Dept X", codes=["GSIN:R109F"]),
]


def _priors(market_rows: list[Award], wins: list[Award]) -> dict[str, np.ndarray]:
    batch = prepare_candidates(CANDIDATES, LexicalModel())
    return market_priors(wins, MarketView.build(Market.from_awards(market_rows, as_of=AS_OF), batch))


def test_code_family_is_scheme_and_three_characters() -> None:
    assert code_family(["GSIN:R109D", "GSIN:N7110"]) == "GSIN:R10"
    assert code_family(["CPV:33112200"]) == "CPV:331"
    assert code_family([]) == ""


def test_market_priors_hand_computed() -> None:
    priors = _priors(MARKET, WINS)
    # Weights: A1 1/2, A2 1/4, A3 1/2, A4 1/2; the market total is 7/4 and Firm F holds 1, so its overall
    # share is 4/7. Smoothing strengths: buyer 1, title and family 5, pair 5.
    overall = 1.0 / 1.75
    x_buyer = (0.5 + overall) / (0.75 + 1)  # Firm F won 1/2 of Dept X's 3/4
    x_title = (0.5 + 5 * x_buyer) / (0.75 + 5)  # ... and 1/2 of the 3/4 of "Translation Services"
    c1 = (0.5 + 5 * x_title) / (0.75 + 5)  # ... and 1/2 of the 3/4 of that pair
    z_buyer = (0.0 + overall) / (0.5 + 1)  # nothing of Dept Z's 1/2
    z_title = 5 * z_buyer / (0.5 + 5)
    c2 = 5 * z_title / (0.5 + 5)
    c3 = x_buyer  # a title nobody won, from Dept X: title and pair levels have no data
    assert np.allclose(priors["label_prior"], [c1, c2, c3])
    assert priors["label_prior"][0] > priors["label_prior"][2] > priors["label_prior"][1]
    # Family GSIN:R10: Firm F holds A1 and A3 (1 of 5/4); Dept X x R10 holds A1 and A2 (F: 1/2 of 3/4).
    r10 = (1.0 + 5 * x_buyer) / (1.25 + 5)
    n71 = (0.0 + 5 * z_buyer) / (0.5 + 5)
    assert np.allclose(priors["family_prior"], [(0.5 + 5 * r10) / (0.75 + 5), 5 * n71 / (0.5 + 5),
                                                (0.5 + 5 * r10) / (0.75 + 5)])
    # Of the last (up to ten) awards of Dept X x "Translation Services", Firm F won one.
    assert np.allclose(priors["recent_holder"], [0.1, 0.0, 0.0])


def test_market_priors_ignore_records_dated_from_now_on() -> None:
    clean = _priors(MARKET, WINS)
    later = [
        _award("F1", AS_OF, "Dept X", "Translation Services", "GSIN:R109D", "Firm G"),
        _award("F2", AS_OF + timedelta(days=30), "Dept X", "Translation Services", "GSIN:R109D", "Firm F"),
    ]
    # A market built only from rows before "now" is what the callers pass; wins on or after it are ignored.
    planted = _priors(MARKET, [*WINS, later[1]])
    for name, values in clean.items():
        assert np.allclose(values, planted[name]), name


def test_title_value_affinity_hand_computed() -> None:
    wins = [
        Award(award_id="W1", date=YEAR_AGO, title="Sterilizer", supplier="F", value=10_000.0, currency="EUR"),
        Award(award_id="W2", date=YEAR_AGO, title="Sterilizer", supplier="F", value=1_000_000.0, currency="EUR"),
        Award(award_id="W3", date=YEAR_AGO, title="Autoclave", supplier="F"),  # no value
    ]
    tenders = [
        Tender(tender_id="t1", source="t", title="Sterilizer", value=100_000.0, currency="EUR"),
        Tender(tender_id="t2", source="t", title="Sterilizer", value=1_000_000.0, currency="EUR"),
        Tender(tender_id="t3", source="t", title="Autoclave", value=100_000.0, currency="EUR"),
        Tender(tender_id="t4", source="t", title="Sterilizer"),
    ]
    batch = prepare_candidates(tenders, LexicalModel())
    history = WinHistory.from_awards(wins, AS_OF)
    parts = history_parts(history, batch, np.zeros((len(wins), len(tenders))))
    # log10 values 4 and 6: median 5, spread (standard deviation) 1; 10^5 is typical, 10^6 one spread off.
    assert np.allclose(parts["title_value_affinity"], [1.0, np.exp(-0.5), 0.5, 0.5])


@pytest.mark.parametrize("winner", ["Version Plus", "Getinge Canada Ltd."])
def test_planted_future_award_of_a_known_kind_changes_no_prior(awards: list[Award], winner: str) -> None:
    """A future award with the buyer, title and code of past ones (won by the firm or by another) must not
    move any feature of the other candidates: the market counts only awards before the cut."""
    cut = date(2013, 6, 1)
    future = Award(award_id="PLANTED", date=cut + timedelta(days=3), title="Translation Services",
                   buyer="Public Works & Government Services Canada", buyer_country="CA", codes=["GSIN:R109D"],
                   supplier=winner, value=30_000.0, currency="CAD")
    encoders = {"fake": Embedder(FakeEncoder(), None)}
    split = time_split([*awards, future], cut)
    context = EvalContext.build(split, encoders, "fake")
    clean = EvalContext.build(time_split(awards, cut), encoders, "fake")
    identity = split.resolver.resolve("Version Plus")
    assert identity is not None
    planted = next(i for i, a in enumerate(split.candidates) if a.award_id == "PLANTED")
    others = [i for i in range(len(split.candidates)) if i != planted]
    with_plant, without = context.firm(identity).features, clean.firm(identity).features
    assert np.allclose(with_plant[others], without)
    for name in ("label_prior", "family_prior", "recent_holder", "title_value_affinity"):
        assert np.allclose(with_plant[others, FEATURES.index(name)], without[:, FEATURES.index(name)])
    # The planted award scores like the identical awards of its kind after the cut.
    twin = next(i for i in others if split.candidates[i].title == "Translation Services")
    label = FEATURES.index("label_prior")
    assert np.isclose(with_plant[planted, label], with_plant[twin, label])
