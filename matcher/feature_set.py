"""The ranking features, declared once: adding a feature is one more ``Feature`` in ``FEATURE_SET``.

Everything else is derived from this tuple, in its order:

- the columns of the signal matrix (``matcher.ranking.features.FEATURES``, ``signal_matrix``) and the values
  a ``matcher.ranking.signals.Signals`` holds;
- the score parts the API serves (``matcher.schema.ScoreParts``: one field per signal, with its description);
- the default scorer's weights (``matcher.ranking.fusion.DEFAULT_WEIGHTS``);
- the feature names a saved re-ranker is checked against (``matcher.ranking.reranker``).

What a new feature still needs is its computation, in the room its ``source`` names (``tests/ranking/
test_feature_set.py`` fails until every declared feature is computed there, and only there).

This module sits at the bottom with ``matcher.schema`` (which derives ``ScoreParts`` from it), so it imports
nothing from ``matcher``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: Every feature lies in [0, 1]; this value means "no information", so a profile that leaves a field empty,
#: or a notice that does not state a fact, is neither rewarded nor punished for it.
NEUTRAL = 0.5

#: ``signal``: fused by the default weighted scorer, shown in the API's score parts, worded in the reasons.
#: ``history_part``: a part of the ``history`` signal, kept apart for the learned re-ranker only.
Kind = Literal["signal", "history_part"]
#: Where the feature is computed: ``candidates`` by ``matcher.ranking.features.signal_matrix`` (from the firm,
#: the candidate notices and their dense score), ``history`` by ``matcher.ranking.priors.history_parts`` (award
#: history and the market), ``feedback`` by ``matcher.ranking.feedback.feedback_signal`` (partner decisions).
Source = Literal["candidates", "history", "feedback"]


@dataclass(frozen=True)
class Feature:
    """One ranking feature: a column of the signal matrix."""

    name: str
    kind: Kind
    source: Source
    description: str
    #: Its weight in the default weighted scorer (normalised there; signals only).
    weight: float = 0.0
    #: The score part's default in the API schema (``ScoreParts``, signals only). The first seven parts were
    #: published with 0.0; parts added since default to NEUTRAL, so a match cached before they existed reads
    #: "no information". Kept as published so the API schema does not change.
    part_default: float = NEUTRAL


# The default weights were chosen on the judged tuning half (evaluation/judged.json, scripts/tune_judged.py):
# nDCG@10 0.528 against 0.339 for the weights before (dense 0.50, lexical 0.20, codes 0.15, feedback 0.03, no
# nature); the feedback weight by the decision protocol of ``matcher evaluate --judged --decisions`` on the
# same half.
FEATURE_SET: tuple[Feature, ...] = (
    Feature("dense", "signal", "candidates", weight=0.30, part_default=0.0, description=(
        "cosine of the profile's and the notice's text embeddings, clipped to [0, 1]")),
    Feature("lexical", "signal", "candidates", weight=0.35, part_default=0.0, description=(
        "TF-IDF similarity of the profile's words (and its codes' labels) to the notice's text")),
    Feature("codes", "signal", "candidates", weight=0.30, part_default=0.0, description=(
        "best match of the firm's codes (confirmed, else suggested from its description) with the notice's "
        "along the code hierarchy; 0.5 when either has none")),
    Feature("country", "signal", "candidates", weight=0.08, part_default=0.0, description=(
        "1 when a country of the notice is one the firm targets, 0 when none is; 0.5 when either names none")),
    Feature("value", "signal", "candidates", weight=0.04, part_default=0.0, description=(
        "1 inside the firm's value range, falling to 0 at ten times outside it; 0.5 when either is unknown")),
    Feature("history", "signal", "history", weight=0.0, part_default=0.0, description=(
        "how the notice compares with the contracts the firm has won; 0.5 without award history")),
    Feature("feedback", "signal", "feedback", weight=0.30, part_default=0.0, description=(
        "partner decisions: 1 approved, 0.75 on the shortlist, otherwise pulled towards approved and away "
        "from rejected notices; 0.5 without decisions")),
    Feature("nature", "signal", "candidates", weight=0.20, description=(
        "what the notice buys (supplies/services/works) against what the firm sells; 0.5 when either is "
        "unknown")),
    Feature("history_similarity", "history_part", "history", description=(
        "the best cosine between the notice and any past win")),
    Feature("code_affinity", "history_part", "history", description=(
        "the share of past wins whose codes match the notice's (hierarchy-weighted)")),
    Feature("buyer_affinity", "history_part", "history", description=(
        "past wins for the notice's buyer, 1 - 1/(1 + count)")),
    Feature("value_affinity", "history_part", "history", description=(
        "how typical the notice's value is of the firm's past values (log scale)")),
    Feature("pair_affinity", "history_part", "history", description=(
        "past wins for the same buyer and of the same kind (code or near-identical text)")),
    Feature("market_share", "history_part", "history", description=(
        "the firm's share of the earlier awards with the notice's buyer, code and exact title")),
    Feature("label_prior", "history_part", "history", description=(
        "the firm's recency-weighted share of the earlier awards of the buyer and exact title, shrunk towards "
        "its share of the title, then of the buyer")),
    Feature("family_prior", "history_part", "history", description=(
        "label_prior with the code family (scheme and first three characters) for the title")),
    Feature("recent_holder", "history_part", "history", description=(
        "the share of the last ten awards of the notice's buyer and title the firm won")),
    Feature("title_value_affinity", "history_part", "history", description=(
        "value_affinity against the firm's past wins with the notice's exact title")),
)

#: The feature names in matrix column order (what a saved re-ranker is checked against).
FEATURES: tuple[str, ...] = tuple(f.name for f in FEATURE_SET)
#: The signals, in column order: fused by default, shown in the score parts.
SIGNALS: tuple[str, ...] = tuple(f.name for f in FEATURE_SET if f.kind == "signal")
#: The parts of ``history``, seen by the re-ranker only.
HISTORY_PARTS: tuple[str, ...] = tuple(f.name for f in FEATURE_SET if f.kind == "history_part")


def computed_by(source: Source) -> tuple[str, ...]:
    """The names of the features the given room computes, in column order."""
    return tuple(f.name for f in FEATURE_SET if f.source == source)
