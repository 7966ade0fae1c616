"""label_prior within a buyer x title by value (``VALUE_BAND``, ``SMOOTH_VALUE``): hand-computed values, and
nothing dated on or after "now" / the cut moves it."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from matcher.embed import Embedder, FakeEncoder
from matcher.evaluate.context import EvalContext
from matcher.evaluate.split import time_split
from matcher.features import FEATURES, prepare_candidates
from matcher.history import VALUE_BAND, Market, MarketView, market_priors
from matcher.lexical import LexicalModel
from matcher.schema import Award, Tender

AS_OF = date(2014, 1, 1)
YEAR_AGO = date(2013, 1, 1)  # 365 days before AS_OF: weight 1/2 (half life one year)


def _award(award_id: str, day: date, title: str, supplier: str, value: float | None) -> Award:
    return Award(award_id=award_id, date=day, title=title, buyer="Dept X", codes=["GSIN:R109D"], supplier=supplier,
                 value=value, currency="EUR" if value else None)


MARKET = [
    _award("A1", YEAR_AGO, "Translation Services", "Firm F", 10_000.0),  # log10 4
    _award("A2", YEAR_AGO, "Translation Services", "Firm G", 1_000_000.0),  # log10 6
]
CANDIDATES = [
    Tender(tender_id="small", source="t", title="Translation Services", buyer="Dept X", codes=["GSIN:R109D"],
           value=10_000.0, currency="EUR"),
    Tender(tender_id="large", source="t", title="Translation Services", buyer="Dept X", codes=["GSIN:R109D"],
           value=1_000_000.0, currency="EUR"),
    Tender(tender_id="unknown", source="t", title="Translation Services", buyer="Dept X", codes=["GSIN:R109D"]),
    Tender(tender_id="other", source="t", title="Interpretation Services", buyer="Dept X", codes=["GSIN:R109D"],
           value=10_000.0, currency="EUR"),
]


def _label(market_rows: list[Award], wins: list[Award]) -> np.ndarray:
    batch = prepare_candidates(CANDIDATES, LexicalModel())
    return market_priors(wins, MarketView.build(Market.from_awards(market_rows, as_of=AS_OF), batch))["label_prior"]


def test_label_prior_by_value_hand_computed() -> None:
    label = _label(MARKET, [MARKET[0]])
    # Weights 1/2 each, Firm F holds 1/2 of 1: overall, buyer, title and pair shares are all 1/2, so the pair
    # share is 1/2 and the candidate without a value keeps it.
    pair = 0.5
    # The small candidate is 0 decades from A1 (kernel 1) and 2 from A2 (kernel exp(-(2/0.5)^2/2) = exp(-8)).
    far = np.exp(-0.5 * (2.0 / VALUE_BAND) ** 2)
    assert np.isclose(far, np.exp(-8.0))
    small = (0.5 * 1.0 + 1.0 * pair) / (0.5 * 1.0 + 0.5 * far + 1.0)
    large = (0.5 * far + 1.0 * pair) / (0.5 * 1.0 + 0.5 * far + 1.0)
    # "other" is a title nobody won from Dept X: the buyer share (1/2) at the title and pair levels.
    assert np.allclose(label, [small, large, pair, 0.5])
    assert label[0] > label[2] > label[1]


def test_label_prior_by_value_only_for_pairs_the_firm_won() -> None:
    # Firm H won nothing of the pair (only another buyer's award): no value re-estimate, plain hierarchy.
    other = Award(award_id="B1", date=YEAR_AGO, title="Office Furniture", buyer="Dept Y", supplier="Firm H",
                  value=10_000.0, currency="EUR")
    label = _label([*MARKET, other], [other])
    assert np.isclose(label[0], label[2]) and np.isclose(label[1], label[2])


def test_label_prior_by_value_ignores_wins_from_now_on() -> None:
    clean = _label(MARKET, [MARKET[0]])
    later = _award("F1", AS_OF + timedelta(days=10), "Translation Services", "Firm F", 1_000_000.0)
    # the caller's market holds only rows before "now"; a future win of the firm is ignored
    assert np.allclose(clean, _label(MARKET, [MARKET[0], later]))


def test_planted_future_award_of_a_contested_pair_moves_no_label_prior(awards: list[Award]) -> None:
    """Version Plus wins the small translation contracts, Big Translation Corp the large ones (before and after
    the cut). A future large award planted as won by Version Plus must not move any other candidate."""
    cut = date(2013, 6, 1)
    buyer = "Public Works & Government Services Canada"
    contested = [
        Award(award_id=f"BIG-{m}", date=date(2012, 1, 15) + timedelta(days=30 * m), title="Translation Services",
              buyer=buyer, buyer_country="CA", codes=["GSIN:R109D"], supplier="Big Translation Corp",
              value=3_000_000.0, currency="CAD")
        for m in range(24)
    ]
    future = Award(award_id="PLANTED", date=cut + timedelta(days=3), title="Translation Services", buyer=buyer,
                   buyer_country="CA", codes=["GSIN:R109D"], supplier="Version Plus", value=3_000_000.0,
                   currency="CAD")
    encoders = {"fake": Embedder(FakeEncoder(), None)}
    rows = [*awards, *contested]
    split = time_split([*rows, future], cut)
    assert all(a.date < cut for a in split.history)
    context = EvalContext.build(split, encoders, "fake")
    clean = EvalContext.build(time_split(rows, cut), encoders, "fake")
    identity = split.resolver.resolve("Version Plus")
    assert identity is not None
    planted = next(i for i, a in enumerate(split.candidates) if a.award_id == "PLANTED")
    others = [i for i in range(len(split.candidates)) if i != planted]
    label = FEATURES.index("label_prior")
    with_plant, without = context.firm(identity).features, clean.firm(identity).features
    assert np.allclose(with_plant[others], without)
    # The value band separates the pair's candidates: the small ones are Version Plus's, the large ones not;
    # the planted one scores like the large ones of its kind.
    small = [i for i in others if split.candidates[i].title == "Translation Services"
             and split.candidates[i].value == 30_000.0]
    large = [i for i in others if split.candidates[i].title == "Translation Services"
             and split.candidates[i].value == 3_000_000.0]
    assert small and large
    assert with_plant[small, label].min() > 0.9 > 0.1 > with_plant[large, label].max()
    assert np.isclose(with_plant[planted, label], with_plant[large[0], label])
    # the market holds no award dated on or after the cut
    assert context.market is not None
    assert "PLANTED" not in {i for ids, _, _ in context.market.market.pair_values.values() for i in ids}
