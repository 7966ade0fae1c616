"""The time split follows the protocol and leaks nothing from after the cut."""

from __future__ import annotations

from datetime import date

import numpy as np

from matcher.evaluate.context import EvalContext
from matcher.evaluate.split import cutoff_at_quantile, time_split
from matcher.evaluate.train import training_set
from matcher.ranking.features import FEATURES
from matcher.schema import Award
from matcher.search.encoders import Embedder, FakeEncoder

CUT = date(2013, 6, 1)


def test_protocol(awards: list[Award]) -> None:
    split = time_split(awards, CUT)
    # The three repeat suppliers (two spellings each) qualify; one-off suppliers never do.
    assert len(split.firms) == 3
    assert all(a.date < CUT for wins in split.profiles.values() for a in wins)
    assert all(a.date >= CUT for a in split.candidates)
    assert len({a.award_id for a in split.candidates}) == len(split.candidates)
    getinge = split.resolver.resolve("Getinge Canada Ltd.")
    assert getinge is not None
    assert {split.candidates[i].title for i in split.relevant[getinge]} == {"STERILIZER"}
    assert split.positives == sum(1 for a in awards if a.date >= CUT and "One-off" not in a.supplier)


def test_cutoff_quantile(awards: list[Award]) -> None:
    cut = cutoff_at_quantile(awards, 0.7)
    before = sum(a.date < cut for a in awards) / len(awards)
    assert 0.65 <= before <= 0.72


def _planted(awards: list[Award]) -> tuple[list[Award], Award]:
    future = Award(award_id="PLANTED", date=date(2013, 9, 1), title="Zyxquux cryostat refurbishment",
                   buyer="Planted Future Buyer", buyer_country="CA", codes=["GSIN:N9999"],
                   supplier="Version Plus", value=1.0, currency="CAD")
    return [*awards, future], future


def test_planted_future_record_does_not_leak(awards: list[Award]) -> None:
    rows, future = _planted(awards)
    split = time_split(rows, CUT)
    identity = split.resolver.resolve(future.supplier)
    assert identity is not None
    assert future not in split.history
    assert all(a.award_id != "PLANTED" for a in split.profiles[identity])
    context = EvalContext.build(split, {"fake": Embedder(FakeEncoder(), None)}, "fake")
    assert context.lexical.idf("zyxquux") is None  # IDF fitted before the cut only
    assert "GSIN:N9999" not in context.profiles[identity].codes
    assert "zyxquux" not in context.profiles[identity].text().lower()
    # History features for the planted award know nothing about its buyer or code.
    planted = next(i for i, a in enumerate(split.candidates) if a.award_id == "PLANTED")
    features = context.firm(identity).features[planted]
    assert features[FEATURES.index("buyer_affinity")] == 0.0
    assert features[FEATURES.index("code_affinity")] == 0.0
    assert features[FEATURES.index("pair_affinity")] == 0.0
    # ...and the features of every other candidate are exactly what they are without the planted record.
    clean = EvalContext.build(time_split(awards, CUT), {"fake": Embedder(FakeEncoder(), None)}, "fake")
    others = [i for i in range(len(split.candidates)) if i != planted]
    assert np.allclose(context.firm(identity).features[others], clean.firm(identity).features)


def test_training_sees_nothing_from_the_cut_on(awards: list[Award]) -> None:
    rows, _ = _planted(awards)
    training = training_set(rows, CUT, {"fake": Embedder(FakeEncoder(), None)}, "fake")
    assert training.span["to"] < CUT.isoformat()
    assert date.fromisoformat(training.span["inner_cut"]) < CUT
