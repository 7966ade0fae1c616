"""The ranking features of many (firm, tender) pairs at once: one row per tender, one column per feature.

``matcher.ranking.signals.compute_signals`` (recommend, firms-for) and ``matcher.evaluate`` (thousands of firms
against thousands of awards) both compute their numbers here, so what is measured is what ships. The
per-pair functions in ``matcher.ranking.signals`` word the reasons; ``tests/ranking/test_features.py`` holds them equal.
The features themselves (names, column order, kinds) are declared once, in ``matcher.feature_set``.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from cachetools import LRUCache, cached
from scipy import sparse

from matcher.feature_set import FEATURES as FEATURES
from matcher.feature_set import HISTORY_PARTS as HISTORY_PARTS
from matcher.feature_set import NEUTRAL as NEUTRAL
from matcher.feature_set import SIGNALS as SIGNALS
from matcher.normalize.codes import compare
from matcher.normalize.currencies import to_eur
from matcher.normalize.nature import design_contest_codes, firm_natures, main_natures, nature_fit, nature_of_code
from matcher.normalize.suppliers import name_key
from matcher.schema import FirmProfile, Tender, code_labels
from matcher.search.lexical import LexicalModel, TermGuard

#: An inferred code counts this much of its confidence against a confirmed code (which counts 1): a
#: suggestion the firm never saw must not outweigh a code it chose.
INFERRED_CODE_WEIGHT = 0.8
#: The least weight an inferred code needs for its label to extend the lexical query (``query_text``).
EXPANSION_MIN_WEIGHT = 0.5
_HIERARCHICAL = ("CPV:", "UNSPSC:")


# Code pairs a ranking run compares: firm codes x the candidates' codes in the same block. The codes grow with
# the store, so the cache is bounded; nothing invalidates it (the code lists ship with the package).
CODE_PAIRS_CACHED = 1 << 16
# Buyer names seen by ranking and the priors; they grow with the store. Pure function, nothing invalidates it.
BUYER_KEYS_CACHED = 1 << 16


@cached(LRUCache(maxsize=CODE_PAIRS_CACHED), lock=threading.Lock())
def code_similarity(firm_code: str, tender_code: str) -> float:
    """``matcher.normalize.codes.compare`` as a number (0 when the codes share no level), cached."""
    found = compare(firm_code, tender_code)
    return found.similarity if found is not None else 0.0


def code_block(code: str) -> str:
    """Codes that can match share the scheme and the first two digits (CPV division, UNSPSC segment)."""
    scheme, _, digits = code.partition(":")
    return f"{scheme}:{digits[:2]}" if code.startswith(_HIERARCHICAL) else code


@cached(LRUCache(maxsize=BUYER_KEYS_CACHED), lock=threading.Lock())
def buyer_key(buyer: str | None) -> str:
    """Buyers compared the way suppliers are (case, accents, punctuation, legal forms folded)."""
    return name_key(buyer) if buyer else ""


@dataclass
class CandidateBatch:
    """Tenders prepared once so that many firms can be scored against them cheaply."""

    tenders: Sequence[Tender]
    documents: list[str]
    doc_matrix: sparse.csr_matrix | None
    codes: list[str]
    code_table: np.ndarray  # (n tenders, most codes on one tender) positions in ``codes``, padded with -1
    code_blocks: dict[str, list[int]]
    countries: list[frozenset[str]]
    values_eur: np.ndarray  # NaN when unknown
    buyers: list[str] = field(default_factory=list)  # buyer_key per tender ('' when unknown)
    natures: list[str | None] = field(default_factory=list)  # contract nature per tender (None when unknown)
    contests: list[int] = field(default_factory=list)  # positions of the design contests (``matchable_codes``)

    def __len__(self) -> int:
        return len(self.tenders)

    @property
    def has_codes(self) -> np.ndarray:
        return np.asarray(self.code_table[:, 0] >= 0) if self.code_table.shape[1] else np.zeros(len(self), bool)


@dataclass(frozen=True)
class TenderFacts:
    """What ranking derives from one tender on its own, whichever firm it is scored for."""

    document: str
    countries: frozenset[str]
    value_eur: float  # NaN when unknown
    buyer: str


#: Tenders whose derived facts are kept: the store's tender cache holds as many (TENDERS_CACHED).
TENDER_FACTS_CACHED = 150_000


class _FactsMemo:
    """TenderFacts per tender object. The store's tender cache hands out the same object until the tender
    changes, so an identity check is what invalidates an entry, and a digest run derives each open notice's
    facts once."""

    def __init__(self, size: int = TENDER_FACTS_CACHED) -> None:
        self._items: LRUCache[str, tuple[Tender, TenderFacts]] = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def __call__(self, tender: Tender) -> TenderFacts:
        with self._lock:
            held = self._items.get(tender.tender_id)
        if held is not None and held[0] is tender:
            return held[1]
        value = _value_eur(tender)
        facts = TenderFacts(tender.text(), frozenset(tender.all_countries()),
                            np.nan if value is None else value, buyer_key(tender.buyer))
        with self._lock:
            self._items[tender.tender_id] = (tender, facts)
        return facts


tender_facts = _FactsMemo()


def prepare_candidates(tenders: Sequence[Tender], lexical: LexicalModel, labels: bool | None = None) -> CandidateBatch:
    """``labels`` overrides whether the documents include code labels (the judged "previous default")."""
    facts = [tender_facts(t) for t in tenders]
    documents = [f.document for f in facts] if labels is None else [t.text(labels=labels) for t in tenders]
    codes = sorted({c for t in tenders for c in t.codes})
    position = {c: j for j, c in enumerate(codes)}
    table = np.full((len(tenders), max((len(t.codes) for t in tenders), default=0)), -1, dtype=np.int64)
    for i, tender in enumerate(tenders):
        table[i, : len(tender.codes)] = [position[c] for c in tender.codes]
    blocks: dict[str, list[int]] = defaultdict(list)
    for j, code in enumerate(codes):
        blocks[code_block(code)].append(j)
    return CandidateBatch(
        tenders=tenders,
        documents=documents,
        doc_matrix=lexical.transform_documents(documents) if lexical.fitted and documents else None,
        codes=codes,
        code_table=table,
        code_blocks=dict(blocks),
        countries=[f.countries for f in facts],
        values_eur=np.array([f.value_eur for f in facts], dtype=np.float64),
        buyers=[f.buyer for f in facts],
        natures=[t.contract_nature for t in tenders],
        contests=[i for i, t in enumerate(tenders) if t.design_contest],
    )


def _value_eur(tender: Tender) -> float | None:
    if tender.value is None or tender.value <= 0:
        return None
    return to_eur(tender.value, tender.currency)


InferredRule = Literal["raw", "relative", "flat"]


def weigh_inferred(pairs: Sequence[tuple[str, float]], rule: InferredRule, k: int) -> list[tuple[str, float]]:
    """The first ``k`` suggested (code, confidence) pairs as ranking weighs them: ``raw`` keeps the
    confidence, ``relative`` divides by the best one, ``flat`` counts each as 1. A Korean profile's
    confidences are honestly low (0.01-0.1: the encoder places Korean far from the English labels), so the
    raw ones would leave its code signal silent; on the judged tuning half ``flat`` over the first 5 ranked
    best (scripts/tune_judged.py)."""
    top = max((c for _, c in pairs[:k]), default=0.0)
    if top <= 0:
        return []
    if rule == "raw":
        return list(pairs[:k])
    if rule == "relative":
        return [(code, conf / top) for code, conf in pairs[:k]]
    return [(code, 1.0) for code, _ in pairs[:k]]


def code_prefixes(codes: Sequence[str]) -> list[str]:
    """The product-class prefixes of hierarchical codes ('CPV:38421100' -> 'CPV:38421', 'UNSPSC:41111500' ->
    'UNSPSC:411115'; a coarser code keeps its own significant digits): notices under them are candidates."""
    found = []
    for code in codes:
        scheme, _, digits = code.partition(":")
        if scheme == "CPV":
            significant = digits.rstrip("0")
            found.append(f"CPV:{digits[:max(2, min(5, len(significant)))]}")
        elif scheme == "UNSPSC":
            significant = digits.rstrip("0")
            found.append(f"UNSPSC:{digits[:max(2, min(6, len(significant) + len(significant) % 2))]}")
    return list(dict.fromkeys(found))


def weighted_codes(firm_codes: Sequence[str], inferred: Sequence[tuple[str, float]] = ()) -> list[tuple[str, float]]:
    """The firm's codes with the weight each counts: 1 for a confirmed code, ``INFERRED_CODE_WEIGHT`` times
    its confidence for an inferred one (a code both confirmed and inferred counts as confirmed)."""
    confirmed = set(firm_codes)
    return [*((c, 1.0) for c in firm_codes),
            *((c, INFERRED_CODE_WEIGHT * conf) for c, conf in inferred if c not in confirmed and conf > 0)]


def is_designer(offers: Sequence[str]) -> bool:
    """Whether a firm that mostly sells ``offers`` (``main_natures``) may design: it provides services, or
    nothing says what it sells."""
    return not offers or "services" in offers


def matchable_codes(
    tender: Tender, inferred: Sequence[tuple[str, float]], designer: bool
) -> tuple[Sequence[str], Sequence[tuple[str, float]]]:
    """The notice's codes and the firm's suggested codes that may match each other. On a design contest
    (``Tender.design_contest``) only the codes of what it buys count (``design_contest_codes``), and a services
    code suggested to a firm that is no designer (``is_designer``) does not: a builder's suggested "Architects'
    services" made an architects' contest its first result (tests/services/test_near_neighbours.py)."""
    if not tender.design_contest:
        return tender.codes, inferred
    kept = inferred if designer else [(c, w) for c, w in inferred if nature_of_code(c) != "services"]
    return design_contest_codes(tender.codes), kept


def code_scores(
    firm_codes: Sequence[str], batch: CandidateBatch, inferred: Sequence[tuple[str, float]] = (),
    designer: bool = True,
) -> np.ndarray:
    """Best weighted code similarity per tender (see ``weighted_codes``); NEUTRAL when the firm has no codes,
    confirmed or inferred, or the tender has none. A design contest matches only its ``matchable_codes``
    (0 when none of them is left to match)."""
    out = np.full(len(batch), NEUTRAL)
    codes = weighted_codes(firm_codes, inferred)
    if not codes or not batch.codes:
        return out
    best = np.zeros(len(batch.codes), dtype=np.float32)
    for firm_code, weight in codes:
        for j in batch.code_blocks.get(code_block(firm_code), ()):
            best[j] = max(best[j], weight * code_similarity(firm_code, batch.codes[j]))
    # position -1 (padding) reads the appended 0
    per_tender = np.append(best, np.float32(0.0))[batch.code_table].max(axis=1)
    has_codes = batch.has_codes
    out[has_codes] = per_tender[has_codes]
    for i in batch.contests:
        if has_codes[i]:
            tender_codes, suggested = matchable_codes(batch.tenders[i], inferred, designer)
            out[i] = max((weight * code_similarity(firm_code, code) for firm_code, weight
                          in weighted_codes(firm_codes, suggested) for code in tender_codes), default=0.0)
    return out


def country_scores(firm: FirmProfile, batch: CandidateBatch) -> np.ndarray:
    """1 when a tender country is a target, 0 when none is, NEUTRAL when either side names none."""
    if not firm.target_countries:
        return np.full(len(batch), NEUTRAL)
    targets = set(firm.target_countries)
    return np.array([NEUTRAL if not c else (1.0 if c & targets else 0.0) for c in batch.countries])


def value_scores(firm: FirmProfile, batch: CandidateBatch) -> np.ndarray:
    """1 inside the firm's range, decaying with the log-distance outside it (0 at ten times off)."""
    out = np.full(len(batch), NEUTRAL)
    if firm.min_value is None and firm.max_value is None:
        return out
    low = to_eur(firm.min_value, firm.currency) if firm.min_value is not None else None
    high = to_eur(firm.max_value, firm.currency) if firm.max_value is not None else None
    values = batch.values_eur
    known = ~np.isnan(values)
    out[known] = 1.0
    if low is not None:
        below = known & (values < low)
        out[below] = np.maximum(0.0, 1.0 - np.log10(np.maximum(low / values[below], 1.0)))
    if high is not None:
        above = known & (values > high)
        out[above] = np.maximum(0.0, 1.0 - np.log10(np.maximum(values[above] / max(high, 1.0), 1.0)))
    return out


def nature_scores(natures: Mapping[str, float], batch: CandidateBatch) -> np.ndarray:
    """How well what each notice buys (supplies, services, works) fits what the firm sells, its
    ``firm_natures`` (``matcher.normalize.nature``); NEUTRAL when either side is unknown."""
    if not natures:
        return np.full(len(batch), NEUTRAL)
    return np.array([nature_fit(natures, nature, tender.codes)
                     for nature, tender in zip(batch.natures, batch.tenders, strict=True)], dtype=np.float64)


def query_text(firm: FirmProfile, inferred: Sequence[tuple[str, float]] = ()) -> str:
    """What a firm's profile is searched with: its own words, then the English labels of its confirmed codes
    and of the codes inferred from its description. A profile written in Korean shares no word with an
    English, French or Bulgarian notice; the labels it implies ("Water meters") are words those notices carry
    (in their English title or their own code labels, see ``Tender.text``)."""
    codes = [*firm.codes, *(c for c, w in inferred if w >= EXPANSION_MIN_WEIGHT and c not in firm.codes)]
    labels = code_labels(codes)
    return f"{firm.text()}\n{labels}" if labels else firm.text()


def lexical_scores(
    firm: FirmProfile, batch: CandidateBatch, lexical: LexicalModel, inferred: Sequence[tuple[str, float]] = ()
) -> np.ndarray:
    if batch.doc_matrix is None:
        return np.zeros(len(batch))
    query = lexical.transform_query(query_text(firm, inferred))
    return np.asarray((batch.doc_matrix @ query.T).toarray()).ravel().clip(0.0, 1.0).astype(np.float64)


def lexical_one_notice(
    firms: Sequence[FirmProfile], batch: CandidateBatch, lexical: LexicalModel,
    inferred: Sequence[Sequence[tuple[str, float]]],
) -> np.ndarray:
    """``lexical_scores`` of many firms, each with its ``inferred`` codes, against a batch of one notice, in one
    product: firms-for's first stage meets every firm, and one sparse product per firm cost 0.3 ms of overhead."""
    if batch.doc_matrix is None:
        return np.zeros(len(firms))
    queries = lexical.transform_queries([query_text(firm, c) for firm, c in zip(firms, inferred, strict=True)])
    return np.asarray((queries @ batch.doc_matrix[0].T).toarray()).ravel().clip(0.0, 1.0).astype(np.float64)


def term_guards(firm: FirmProfile, batch: CandidateBatch, lexical: LexicalModel) -> list[TermGuard]:
    if not firm.keywords or not lexical.fitted:
        return [TermGuard([], 1.0)] * len(batch)
    return lexical.term_guards(firm.keywords, batch.documents, [t.language for t in batch.tenders],
                               doc_matrix=batch.doc_matrix)


def candidate_columns(
    firm: FirmProfile,
    batch: CandidateBatch,
    dense: Sequence[float] | np.ndarray,
    lexical: LexicalModel,
    inferred: Sequence[tuple[str, float]] = (),
    lexical_column: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The features this room computes (``computed_by("candidates")`` in ``matcher.feature_set``), one
    array per feature over the batch; ``lexical_column``, when given, is the lexical one already computed."""
    natures = firm_natures(firm, inferred)
    return {
        "dense": np.clip(np.asarray(dense, dtype=np.float64), 0.0, 1.0),
        "lexical": lexical_scores(firm, batch, lexical, inferred) if lexical_column is None else lexical_column,
        "codes": code_scores(firm.codes, batch, inferred, is_designer(main_natures(natures))),
        "nature": nature_scores(natures, batch),
        "country": country_scores(firm, batch),
        "value": value_scores(firm, batch),
    }


def signal_matrix(
    firm: FirmProfile,
    batch: CandidateBatch,
    dense: Sequence[float] | np.ndarray,
    lexical: LexicalModel,
    extra: Mapping[str, np.ndarray] | None = None,
    inferred: Sequence[tuple[str, float]] = (),
    lexical_column: np.ndarray | None = None,
) -> np.ndarray:
    """(n tenders, len(FEATURES)) features in [0, 1], columns in ``FEATURES`` order; history and feedback
    columns come from ``extra`` (NEUTRAL when absent). ``inferred`` are (code, confidence) pairs suggested
    from the firm's description (``matcher.search.code_inference``): they feed the code and contract-nature columns
    below confirmed codes."""
    out = np.full((len(batch), len(FEATURES)), NEUTRAL, dtype=np.float64)
    column = {name: j for j, name in enumerate(FEATURES)}
    columns = candidate_columns(firm, batch, dense, lexical, inferred, lexical_column)
    for name, values in {**columns, **(extra or {})}.items():
        out[:, column[name]] = values
    return out
