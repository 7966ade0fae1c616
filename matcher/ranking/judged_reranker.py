"""Ranking for firms without award history, learned from judged relevance.

The weighted scorer (``matcher.ranking.fusion``) orders a firm's candidates; gradient-boosted trees learned
from the judged development sets (evaluation/JUDGING.md) re-order its first ``DEPTH``. The trees read
``COLUMNS``: the ranking features, the term guard and the weighted score, and what tells when the code signal
can be trusted:

- **breadth**: the log of the CPV groups a notice spans. A catch-all listing hundreds of codes (a mining
  group's yearly materials plan) matches some code of almost every goods maker;
- **the profile's facts**: whether it has confirmed codes, whether it is written in a script no notice uses
  (Korean), and how confident its best suggested code is;
- **where a code match comes from** (``SOURCES``): a notice's closest match with the suggested codes that
  translate one of the firm's keywords, and with the other suggested codes ranking reads. The code column
  mixes them with the confirmed codes, while a keyword's translation names the product line far more often
  than a suggestion from the whole description (evaluation/CODE_INFERENCE.md). Told apart, the trees gained
  on each of the four development sets (nDCG@10 +0.012 to +0.023, leave one set out) and on three of the four
  held-out sets (evaluation/RESULTS.md, "Where a code match comes from");
- **the Korean labels read in Korean** (``korean_label_match``): the BM25 of a Korean firm's keywords against
  the Korean labels of a notice's codes, in character bigrams (``matcher.ranking.korean_labels``). It reaches
  the notices a keyword's one translation misses. Leave one development set out, nDCG@10 per profile +0.024
  (95% interval +0.006 to +0.042), gaining on each of the four; held out +0.025 (+0.006 to +0.046)
  (evaluation/RESULTS.md, "Korean labels read in Korean").

Hand-set weights could not say when to trust a suggested code: every rule screened for it won on the sets
where suggestions are right and lost where they are wrong (evaluation/RESULTS.md). Trees trained on three
development sets beat the weighted scorer on the fourth, for each of the four (leave one set out), and on the
two held-out sets: reported half nDCG@10 0.626 -> 0.668, p@5 0.409 -> 0.443; first fresh set 0.598 ->
0.645, 0.333 -> 0.358 (``scripts/screen_judged.py loso``).

**What judged profiles cannot teach keeps its hand-set weight.** No judged profile names target countries or
a value range, and none has partner decisions, so the country, value and feedback columns never moved in
training and the trees ignore them. The trees read them at NEUTRAL (and a weighted score computed so), and
each one's weighted-scorer contribution is added to the trees' output (``HAND_SET``): an approved notice's
neighbours still rise, a notice outside the firm's countries still falls.

The trees learned the dense column of one encoder (the default, ``use-multilingual``) and the lexical column
of a store of thousands of notices; with another encoder, or over a store of fewer than ``MIN_DOCUMENTS``
notices, the weighted scorer ranks alone (``JudgedReranker.applies_to``).

Saved by ``scripts/train_judged_reranker.py`` as ``models/judged_reranker/manifest.json`` and the trees file it
names (``trees-<sha256[:16]>.npz``, or ``trees.npz`` in models saved before; plain arrays, checked by sha256;
nothing is unpickled, see ``matcher.ranking.trees``), with its own fit-score
calibration in ``models/judged_reranker/calibration/`` (its scores are probabilities, on another scale than the
weighted scorer's, whose calibration in ``models/calibration/`` still serves where the weighted scorer ranks).
A manifest whose columns differ from ``COLUMNS`` is refused with a clear error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from matcher.errors import MatcherError
from matcher.ranking.calibration import Calibration, load_calibration
from matcher.ranking.features import FEATURES, code_similarity
from matcher.ranking.fusion import WeightedScorer, fuse_matrix
from matcher.ranking.korean_labels import korean_label_match, query_bigrams
from matcher.ranking.reranker import TreesGone, checked_trees, read_manifest, save_model
from matcher.ranking.signals import NEUTRAL
from matcher.ranking.trees import TreeScorer, load_trees
from matcher.schema import FirmProfile, Tender
from matcher.search.code_inference import foreign_script

KIND = "judged-reranker"
FORMAT = 1
FOLDER = "judged_reranker"
#: How many of the weighted scorer's first candidates the trees re-order (what they were trained on).
DEPTH = 100
#: Features no judged profile moves; they keep their weighted-scorer contribution (module docstring).
HAND_SET = ("country", "value", "feedback")
#: The fewest notices a store's lexical model must be fitted on for the trees to rank it. They learned lexical
#: cosines over the judged store (4,063 notices); over a few hundred notices IDF flattens and cosines run higher
#: than anything they saw. On the 12 notices of tests/fixtures/ted_cases an architects' design contest reached
#: a lexical cosine of 0.56 and the trees put it first for a builder (on the judged store no contest is in the
#: builder's top 100). The bundled demo (125 notices) is ranked by the weighted scorer.
MIN_DOCUMENTS = 1000
#: Profile facts, in column order.
FACTS = ("has_codes", "foreign_script", "best_suggestion_confidence")
#: Where a candidate's code match comes from, in column order (``code_sources``).
SOURCES = ("codes_via_keywords", "codes_via_description")
#: What the trees read, in order.
COLUMNS = (*FEATURES, "term_guard", "weighted_score", "breadth", *FACTS, *SOURCES, "korean_label_match")
#: The trees' hyper-parameters (the screen's "trees depth 2", RESULTS.md).
PARAMS: dict[str, Any] = {"max_depth": 2, "max_iter": 150, "learning_rate": 0.05, "min_samples_leaf": 40,
                          "early_stopping": False, "random_state": 0}


def profile_facts(firm: FirmProfile, best_confidence: float) -> np.ndarray:
    """The profile's facts (``FACTS``): confirmed codes, a script no notice uses, its best suggestion's
    confidence."""
    return np.array([float(bool(firm.codes)), float(foreign_script(firm.text())), float(best_confidence)])


@dataclass(frozen=True)
class Suggested:
    """The suggested codes ranking reads for a firm, by where they come from."""

    translated: tuple[str, ...] = ()  # each translates one of the firm's keywords
    described: tuple[str, ...] = ()  # inferred from its whole description

    @classmethod
    def of(cls, inferred: Sequence[tuple[str, float]], keywords: Mapping[str, str]) -> Suggested:
        """From ranking's (code, weight) pairs and the codes among them that translate a keyword."""
        return cls(tuple(c for c, _ in inferred if c in keywords), tuple(c for c, _ in inferred if c not in keywords))


@dataclass(frozen=True, eq=False)  # an array field: no value equality
class ProfileView:
    """What the trees read of the firm, the same for each of its candidates."""

    facts: np.ndarray  # ``profile_facts``
    suggested: Suggested = Suggested()
    korean: tuple[str, ...] = ()  # ``korean_labels.query_bigrams``

    @classmethod
    def of(cls, firm: FirmProfile, best_confidence: float, suggested: Suggested) -> ProfileView:
        return cls(profile_facts(firm, best_confidence), suggested, query_bigrams(firm))


def code_sources(tenders: Sequence[Tender], suggested: Suggested) -> np.ndarray:
    """(n, len(SOURCES)): per notice, its closest code match (``code_similarity``: 1 the same code, less for a
    sibling, the class, the group...) through the keywords' translations, and through the description's
    suggestions; 0 where there is none."""
    out = np.zeros((len(tenders), len(SOURCES)))
    for column, codes in enumerate((suggested.translated, suggested.described)):
        if codes:
            out[:, column] = [max((code_similarity(mine, theirs) for mine in codes for theirs in t.codes),
                                  default=0.0) for t in tenders]
    return out


def breadth(tenders: Sequence[Tender]) -> np.ndarray:
    """log(number of CPV groups a notice's codes span), 0 for one group or none."""
    return np.log(np.array([max(1, len({c[:7] for c in t.codes if c.startswith("CPV:")})) for t in tenders],
                           dtype=np.float64))


def neutral_hand_set(matrix: np.ndarray) -> np.ndarray:
    """The feature matrix as the trees saw it in training: ``HAND_SET`` columns at NEUTRAL (a copy)."""
    out = matrix.copy()
    for name in HAND_SET:
        out[:, FEATURES.index(name)] = NEUTRAL
    return out


def rerank_columns(
    matrix: np.ndarray, guards: np.ndarray, tenders: Sequence[Tender], profile: ProfileView, scorer: WeightedScorer,
) -> np.ndarray:
    """(n, len(COLUMNS)): what the trees read for each candidate. ``matrix`` must already have its
    ``HAND_SET`` columns at NEUTRAL (``neutral_hand_set``)."""
    weighted = fuse_matrix(matrix, guards, scorer)
    return np.column_stack([matrix, guards, weighted, breadth(tenders), np.tile(profile.facts, (len(matrix), 1)),
                            code_sources(tenders, profile.suggested), korean_label_match(profile.korean, tenders)])


def hand_set_shift(matrix: np.ndarray, scorer: WeightedScorer) -> np.ndarray:
    """Per candidate, the weighted scorer's contribution of the ``HAND_SET`` columns away from NEUTRAL."""
    weights = scorer.weights()
    return sum((weights.get(name, 0.0) * (matrix[:, FEATURES.index(name)] - NEUTRAL) for name in HAND_SET),
               start=np.zeros(len(matrix)))


@dataclass
class JudgedReranker:
    trees: TreeScorer
    manifest: dict[str, Any] = field(default_factory=dict)
    #: Its own score -> fit calibration (``judged_reranker/calibration/``): the weighted scorer's calibration
    #: maps another scale, and still serves where the weighted scorer ranks.
    calibration: Calibration | None = None

    def applies_to(self, encoder: str, documents: int) -> bool:
        """Whether the trees may rank a store searched with ``encoder`` whose lexical model was fitted on
        ``documents`` notices: only with the encoder they were trained with (another encoder's cosines have
        another spread), and over at least ``MIN_DOCUMENTS`` notices. Elsewhere the weighted scorer ranks."""
        return bool(self.manifest.get("training", {}).get("encoder") == encoder) and documents >= MIN_DOCUMENTS

    def scores(
        self, matrix: np.ndarray, guards: np.ndarray, tenders: Sequence[Tender], profile: ProfileView,
        scorer: WeightedScorer,
    ) -> np.ndarray:
        """Final scores in [0, 1]: the weighted scorer's first ``DEPTH`` re-ordered by the trees (their
        probability plus ``hand_set_shift``), the rest after them in the weighted order."""
        weighted = fuse_matrix(matrix, guards, scorer)
        if not len(weighted):
            return weighted
        top = np.argsort(-weighted, kind="stable")[:DEPTH]
        neutral = neutral_hand_set(matrix[top])
        learned = self.trees.score(rerank_columns(neutral, guards[top], [tenders[i] for i in top], profile, scorer))
        final = np.clip(learned + hand_set_shift(matrix[top], scorer), 0.0, 1.0)
        out = np.zeros(len(weighted))
        out[top] = final
        rest = np.ones(len(weighted), dtype=bool)
        rest[top] = False
        if rest.any():  # below every re-ordered candidate, in the weighted order
            floor = float(final.min())
            out[rest] = 0.999 * floor * weighted[rest] / max(float(weighted[rest].max()), 1e-12)
        return out


def save_judged_reranker(trees: TreeScorer, models_dir: Path, training: dict[str, Any]) -> Path:
    """Write ``<models_dir>/judged_reranker/`` (trees, then the manifest naming them: ``save_model``) and return
    the manifest."""
    folder = models_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return save_model(folder, {
        "kind": KIND, "format": FORMAT, "columns": list(COLUMNS), "depth": DEPTH, "hand_set": list(HAND_SET),
        "model": {"type": "trees", "params": PARAMS, "trees": len(trees.roots)}, "training": training,
    }, trees)


def load_judged_reranker(models_dir: Path) -> JudgedReranker | None:
    """The saved judged re-ranker, or None when there is none. One that does not fit this code raises."""
    try:
        return _load_judged_reranker(models_dir)
    except TreesGone:  # a save came between reading the manifest and its trees: read the new pair
        return _load_judged_reranker(models_dir)


def _load_judged_reranker(models_dir: Path) -> JudgedReranker | None:
    path = models_dir / FOLDER / "manifest.json"
    manifest = read_manifest(path, "judged re-ranker")
    if manifest is None:
        return None
    retrain = "retrain with scripts/train_judged_reranker.py"
    if manifest.get("kind") != KIND or manifest.get("format") != FORMAT:
        raise MatcherError(f"judged re-ranker {path} is not {KIND!r} format {FORMAT}; {retrain}")
    if manifest.get("columns") != list(COLUMNS) or manifest.get("depth") != DEPTH \
            or manifest.get("hand_set") != list(HAND_SET):
        raise MatcherError(f"judged re-ranker {path} was trained on other columns than this version ranks with; "
                           f"{retrain}")
    model = manifest.get("model", {})
    if not isinstance(model, dict):
        raise MatcherError(f"judged re-ranker {path} has no model object; {retrain}")
    trees, data = checked_trees(path, model, "judged re-ranker", retrain)
    scorer = load_trees(trees, len(COLUMNS), KIND, data)
    if scorer.prior is not None:
        raise MatcherError(f"judged re-ranker {trees} carries a prior column; {retrain}")
    return JudgedReranker(scorer, manifest, load_calibration(models_dir / FOLDER, retrain))
