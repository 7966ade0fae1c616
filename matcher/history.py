"""History signals: how a candidate tender compares with what the firm has already won.

Pure functions, no I/O: the caller supplies the firm's past wins (``WinHistory``) and the cosine similarity
between each past win and each candidate. Parts, each in [0, 1] (NEUTRAL when there is nothing to compare):

- ``history_similarity``: the best cosine between the candidate and any past win;
- ``code_affinity``: the share of past wins whose codes match the candidate's (hierarchy-weighted);
- ``buyer_affinity``: the share of past wins for the candidate's buyer (1 - 1/(1+count) shaped);
- ``value_affinity``: how typical the candidate's value is of the firm's past values (log scale);
- ``pair_affinity``: past wins for the same buyer *and* of the same kind (code or near-identical text);
- ``market_share``: the firm's share of the earlier awards with the candidate's buyer, code and exact title
  (``Market``: every award before "now", not only the firm's), a prior of who wins such contracts.

``history`` is the weighted mean of the first five: the one history number the weighted scorer and the reasons
use.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from matcher.features import HISTORY_PARTS, NEUTRAL, CandidateBatch, buyer_key, code_scores
from matcher.fx import to_eur
from matcher.schema import Award, FirmProfile, Tender

#: How much each part counts in the single ``history`` signal.
HISTORY_WEIGHTS = {"history_similarity": 0.3, "code_affinity": 0.2, "buyer_affinity": 0.2,
                   "value_affinity": 0.1, "pair_affinity": 0.2}
MIN_VALUE_SPREAD = 0.35  # log10 units: a firm with identical past values still tolerates about x2
HALF_LIFE_DAYS = 365.0  # a win from a year ago counts half as much as one from today
KIND_POWER = 4  # cosine**4 keeps near-identical texts (0.95 -> 0.81) and drops loose ones (0.6 -> 0.13)


def award_tender(award: Award, tender_id: str) -> Tender:
    """An award as the tender it was (the product ranks tenders; award notices are past tenders)."""
    title = award.title or award.description[:2000] or "(untitled)"
    return Tender(
        tender_id=tender_id, source="award", notice_type="award", title=title,
        description=award.description if award.title else "", language=award.language, buyer=award.buyer,
        buyer_country=award.buyer_country, codes=award.codes, value=award.value, currency=award.currency,
        published=award.date,
    )


@dataclass(frozen=True)
class WinHistory:
    """A firm's past wins, reduced to what the history signals need."""

    titles: list[str]
    codes: list[tuple[str, ...]]
    buyers: list[str]
    log_values: np.ndarray  # log10 EUR of the wins with a known value
    weights: np.ndarray  # recency: 1 for a win on the reference day, 1/2 one half-life earlier

    @classmethod
    def from_awards(cls, wins: Sequence[Award], as_of: date | None = None) -> WinHistory:
        """``as_of`` is "now" (the evaluation cut); wins count less the older they are."""
        values = [to_eur(w.value, w.currency) for w in wins if w.value and w.value > 0]
        reference = as_of or max((w.date for w in wins), default=date.today())
        ages = np.array([max(0, (reference - w.date).days) for w in wins], dtype=np.float64)
        return cls(
            titles=[w.title for w in wins],
            codes=[tuple(w.codes) for w in wins],
            buyers=[buyer_key(w.buyer) for w in wins],
            log_values=np.log10(np.array([v for v in values if v], dtype=np.float64)),
            weights=0.5 ** (ages / HALF_LIFE_DAYS),
        )

    def __len__(self) -> int:
        return len(self.titles)


@dataclass(frozen=True)
class Market:
    """How many distinct earlier awards (any supplier) each buyer, code and exact title had."""

    buyers: Counter[str]
    codes: Counter[str]
    titles: Counter[str]

    @classmethod
    def from_awards(cls, awards: Sequence[Award]) -> Market:
        """``awards``: every award row dated before "now" (rows sharing an award id count once)."""
        distinct = {a.award_id: a for a in awards}.values()
        return cls(
            buyers=Counter(buyer_key(a.buyer) for a in distinct if a.buyer),
            codes=Counter(c for a in distinct for c in a.codes),
            titles=Counter(a.title for a in distinct if a.title),
        )


def market_share(wins: Sequence[Award], market: Market, batch: CandidateBatch) -> np.ndarray:
    """Mean of the firm's share of the candidate's buyer, best code and exact title among earlier awards."""
    buyers = Counter(buyer_key(w.buyer) for w in wins if w.buyer)
    codes = Counter(c for w in wins for c in w.codes)
    titles = Counter(w.title for w in wins if w.title)
    out = np.zeros(len(batch))
    for i, (tender, buyer) in enumerate(zip(batch.tenders, batch.buyers, strict=True)):
        by_buyer = buyers[buyer] / (market.buyers[buyer] + 1) if buyer else 0.0
        by_code = max((codes[c] / (market.codes[c] + 1) for c in tender.codes), default=0.0)
        by_title = titles[tender.title] / (market.titles[tender.title] + 1)
        out[i] = (by_buyer + by_code + by_title) / 3.0
    return out


def profile_with_history(profile: FirmProfile, wins: Sequence[Award], titles: int = 20) -> FirmProfile:
    """The profile with its past wins folded in: their commonest titles join the description, their codes
    and buyer countries join the codes and target countries, and (when the profile sets none) the range of
    their values becomes the value range (10th to 90th percentile, in EUR)."""
    common = [t for t, _ in Counter(w.title for w in wins if w.title).most_common(titles)]
    description = "\n".join(p for p in [profile.description.strip(), "; ".join(common)] if p)
    codes = [c for c, _ in Counter(c for w in wins for c in w.codes).most_common()]
    countries = [c for c, _ in Counter(w.buyer_country for w in wins if w.buyer_country).most_common()]
    update: dict[str, object] = {
        "description": description[:20_000] or profile.name,
        "codes": list(dict.fromkeys([*profile.codes, *codes]))[:200],
        "target_countries": list(dict.fromkeys([*profile.target_countries, *countries])),
    }
    values = WinHistory.from_awards(wins).log_values
    if profile.min_value is None and profile.max_value is None and len(values):
        low, high = np.percentile(values, [10, 90])
        update |= {"min_value": float(10**low), "max_value": float(10**high), "currency": "EUR"}
    return FirmProfile.model_validate({**profile.model_dump(), **update})


def win_similarity(win_vectors: np.ndarray, candidate_vectors: np.ndarray) -> np.ndarray:
    """(wins, candidates) cosine similarity of unit vectors, clipped to [0, 1]."""
    return np.asarray(np.clip(win_vectors @ candidate_vectors.T, 0.0, 1.0), dtype=np.float64)


def history_parts(
    history: WinHistory, batch: CandidateBatch, similarity: np.ndarray, share: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Each part of ``HISTORY_PARTS`` for every candidate, plus the combined ``history``. ``share`` is
    ``market_share`` (NEUTRAL when not given)."""
    n = len(batch)
    if not len(history):
        return {name: np.full(n, NEUTRAL) for name in (*HISTORY_PARTS, "history")}
    vocabulary = {b: i for i, b in enumerate(dict.fromkeys(batch.buyers))}
    candidate_buyers = np.array([vocabulary[b] for b in batch.buyers], dtype=np.int64)
    past_buyers = np.array([vocabulary.get(b, -1) if b else -1 for b in history.buyers], dtype=np.int64)
    known = np.array([b != "" for b in batch.buyers])
    same_buyer = (past_buyers[:, None] == candidate_buyers[None, :]) & known[None, :]
    kind = similarity**KIND_POWER
    code_match = _code_matrix(history, batch)
    if code_match is not None:
        kind = np.maximum(kind, code_match)
    parts = {
        "history_similarity": similarity.max(axis=0),
        "code_affinity": _code_affinity(history, batch),
        "buyer_affinity": _share(history.weights @ same_buyer, known),
        "value_affinity": _value_affinity(history, batch),
        "pair_affinity": _share(history.weights @ (same_buyer * kind), known),
    }
    parts["history"] = sum(HISTORY_WEIGHTS[k] * v for k, v in parts.items()) / sum(HISTORY_WEIGHTS.values())
    parts["market_share"] = share if share is not None else np.full(n, NEUTRAL)
    return parts


def _share(counts: np.ndarray, known: np.ndarray) -> np.ndarray:
    """A count of matching past wins as a score: 0 -> 0, 1 -> 0.5, 3 -> 0.75 (NEUTRAL when unknown)."""
    return np.where(known, 1.0 - 1.0 / (1.0 + counts), NEUTRAL)


def _code_affinity(history: WinHistory, batch: CandidateBatch) -> np.ndarray:
    weight: dict[tuple[str, ...], float] = defaultdict(float)
    for codes, w in zip(history.codes, history.weights, strict=True):
        if codes:
            weight[codes] += float(w)
    if not weight or not batch.codes:
        return np.full(len(batch), NEUTRAL)
    total = np.zeros(len(batch))
    for codes, count in weight.items():
        total += count * code_scores(codes, batch)
    has_codes = batch.has_codes
    return np.where(has_codes, _share(total, has_codes), NEUTRAL)


def _code_matrix(history: WinHistory, batch: CandidateBatch) -> np.ndarray | None:
    """(wins, candidates) code similarity, or None when neither side has codes."""
    if not batch.codes or not any(history.codes):
        return None
    rows = {codes: code_scores(codes, batch) if codes else np.zeros(len(batch)) for codes in set(history.codes)}
    matrix = np.array([rows[codes] for codes in history.codes])
    return np.where(matrix == NEUTRAL, 0.0, matrix)


def _value_affinity(history: WinHistory, batch: CandidateBatch) -> np.ndarray:
    out = np.full(len(batch), NEUTRAL)
    if not len(history.log_values):
        return out
    known = ~np.isnan(batch.values_eur) & (np.nan_to_num(batch.values_eur) > 0)
    centre = float(np.median(history.log_values))
    spread = max(MIN_VALUE_SPREAD, float(np.std(history.log_values)))
    distance = (np.log10(batch.values_eur[known]) - centre) / spread
    out[known] = np.exp(-0.5 * distance**2)
    return out


def history_notes(history: WinHistory, batch: CandidateBatch, parts: dict[str, np.ndarray]) -> list[str]:
    """One reason per candidate, e.g. "won 4 of 12 past contracts from this buyer"."""
    notes: list[str] = []
    for i, tender in enumerate(batch.tenders):
        said: list[str] = []
        same = sum(1 for b in history.buyers if b and b == buyer_key(tender.buyer))
        if same:
            said.append(f"won {same} of {len(history)} past contracts from this buyer")
        if parts["history_similarity"][i] >= 0.6:
            said.append(f"close to past wins ({parts['history_similarity'][i]:.2f})")
        notes.append("; ".join(said))
    return notes
