"""The batch features (what evaluation measures) equal the per-pair signals recommend explains."""

from __future__ import annotations

import numpy as np

from matcher.ranking.features import FEATURES, prepare_candidates, signal_matrix
from matcher.ranking.signals import compute_signals
from matcher.schema import FirmProfile, Tender
from matcher.search.lexical import LexicalModel

TENDERS = [
    Tender(tender_id="t:1", source="t", title="Ultrasound scanners", codes=["CPV:33112200"], buyer_country="KE",
           value=300_000, currency="EUR"),
    Tender(tender_id="t:2", source="t", title="Road works", codes=["CPV:45233223", "CPV:33100000"], value=5_000,
           currency="USD", countries=["FR"]),
    Tender(tender_id="t:3", source="t", title="Probes", value=2_000_000, currency="KRW"),
    Tender(tender_id="t:4", source="t", title="Unknown value notice", codes=["UNSPSC:42181500"]),
]
FIRMS = [
    FirmProfile(firm_id="a", name="A", description="ultrasound scanners and probes", codes=["CPV:33100000"],
                target_countries=["KE"], min_value=10_000, max_value=500_000, currency="EUR"),
    FirmProfile(firm_id="b", name="B", description="roads", codes=["UNSPSC:42180000", "CPV:45000000"]),
    FirmProfile(firm_id="c", name="C", description="nothing in common", max_value=1_000, currency="USD"),
]


# Worked by hand with matcher.normalize.currencies rates: 5,000 USD = 4,630 EUR; 2,000,000 KRW = 1,356 EUR;
# 1,000 USD = 926 EUR.
# Outside the range the value signal is 1 - log10(how many times off): a 10k minimum against 4,630 EUR is
# 1 - log10(2.16) = 0.666.
EXPECTED_COUNTRY = {"a": [1.0, 0.0, 0.5, 0.5], "b": [0.5] * 4, "c": [0.5] * 4}
EXPECTED_VALUE = {
    "a": [1.0, 0.666, 0.132, 0.5],
    "b": [0.5] * 4,
    "c": [0.0, 0.301, 0.834, 0.5],
}


def test_batch_features_equal_per_pair_signals() -> None:
    lexical = LexicalModel().fit([t.text() for t in TENDERS])
    batch = prepare_candidates(TENDERS, lexical)
    dense = [0.9, -0.2, 0.4, 1.3]
    for firm in FIRMS:
        matrix = signal_matrix(firm, batch, dense, lexical)
        signals = compute_signals(firm, TENDERS, dense, lexical)
        assert np.allclose(matrix, np.array([s.vector() for s in signals]))
        assert np.allclose(matrix[:, FEATURES.index("country")], EXPECTED_COUNTRY[firm.firm_id])
        assert np.allclose(matrix[:, FEATURES.index("value")], EXPECTED_VALUE[firm.firm_id], atol=1e-3)
    assert matrix[0, FEATURES.index("dense")] == 0.9 and matrix[1, FEATURES.index("dense")] == 0.0


def test_extra_columns_carry_history_parts() -> None:
    lexical = LexicalModel().fit([t.text() for t in TENDERS])
    extra = {"history": [(0.8, "won twice from this buyer")] * 4, "pair_affinity": [(0.3, "")] * 4}
    signals = compute_signals(FIRMS[0], TENDERS, [0.1] * 4, lexical, extra)
    assert signals[0]["history"] == 0.8 and signals[0].history_note == "won twice from this buyer"
    assert signals[0]["pair_affinity"] == 0.3 and signals[0]["buyer_affinity"] == 0.5


# A design contest buys a design (Directive 2014/24/EU, art. 2(1)(21)); its construction codes name the building.
CONTEST = Tender(tender_id="t:5", source="t", title="Design contest for a primary school", design_contest=True,
                 contract_nature="services", codes=["CPV:71221000", "CPV:45214200"])
# ted:121131-2017: a 150 kV line's construction published on the design-contest form F12
POWER_LINE_CONTEST = Tender(tender_id="t:6", source="t", title="150 kV overhead line", design_contest=True,
                            contract_nature="services", codes=["CPV:31321100"])
SCHOOL_WORKS = Tender(tender_id="t:7", source="t", title="New primary school building", contract_nature="works",
                      codes=["CPV:71221000", "CPV:45214200"])
ARCHITECTS_SERVICES = [("CPV:71221000", 1.0)]  # suggested from the description, as ranking weighs suggestions


def test_a_design_contest_matches_only_the_codes_of_what_it_buys() -> None:
    from matcher.ranking.signals import describe, score_candidates

    tenders = [CONTEST, POWER_LINE_CONTEST, SCHOOL_WORKS]
    lexical = LexicalModel().fit([t.text() for t in tenders])
    cases = [  # firm, code signal on: the contest, the power-line contest, the same codes on a works notice
        (FirmProfile(firm_id="builder", name="B", description="Building contractor for schools and hospitals",
                     codes=["CPV:45214200"]), [0.0, 0.0, 1.0]),
        (FirmProfile(firm_id="architect", name="A", description="Architectural design practice for schools; "
                     "design services and site supervision"), [0.8, 0.0, 0.8]),
        (FirmProfile(firm_id="lines", name="L", description="Electrical works contractor building overhead lines",
                     codes=["CPV:31321100"]), [0.0, 1.0, 0.8]),  # the suggestion counts off contests
    ]
    column = FEATURES.index("codes")
    for firm, expected in cases:
        scored = score_candidates(firm, tenders, [0.0] * 3, lexical, inferred=ARCHITECTS_SERVICES)
        assert np.allclose(scored.matrix[:, column], expected), firm.firm_id
        for i, value in enumerate(expected):  # the reasons name exactly the codes that counted
            assert bool(describe(scored, i, lexical).code_matches) == (value > 0), (firm.firm_id, i)
