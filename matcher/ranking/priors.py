"""History signals: how a candidate tender compares with what the firm has already won.

Pure functions, no I/O: the caller supplies the firm's past wins (``WinHistory``) and the cosine similarity
between each past win and each candidate. Parts, each in [0, 1] (NEUTRAL when there is nothing to compare):

- ``history_similarity``: the best cosine between the candidate and any past win;
- ``code_affinity``: the share of past wins whose codes match the candidate's (hierarchy-weighted);
- ``buyer_affinity``: the share of past wins for the candidate's buyer (1 - 1/(1+count) shaped);
- ``value_affinity``: how typical the candidate's value is of the firm's past values (log scale);
- ``pair_affinity``: past wins for the same buyer *and* of the same kind (code or near-identical text);
- ``market_share``: the firm's share of the earlier awards with the candidate's buyer, code and exact title
  (``Market``: every award before "now", not only the firm's), a prior of who wins such contracts;
- ``label_prior``: the firm's recency-weighted share of the earlier awards of the candidate's buyer and exact
  title, shrunk towards its share of that title, which is shrunk towards its share of that buyer
  (``market_priors``; a hierarchical estimate of who wins this buyer's contracts of this kind);
- ``family_prior``: the same with the code family (scheme and first three characters) for the title, so a
  firm that won a neighbouring code from this buyer still scores;
- ``recent_holder``: the share of the last ten awards of the candidate's buyer and title the firm won;
- ``title_value_affinity``: ``value_affinity`` against the firm's past wins with the candidate's exact title.

``history`` is the weighted mean of the first five: the one history number the weighted scorer and the reasons
use.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from matcher.normalize.currencies import to_eur
from matcher.ranking.features import HISTORY_PARTS, NEUTRAL, CandidateBatch, buyer_key, code_scores
from matcher.schema import STORED, Award, FirmProfile, Tender

#: How much each part counts in the single ``history`` signal.
HISTORY_WEIGHTS = {"history_similarity": 0.3, "code_affinity": 0.2, "buyer_affinity": 0.2,
                   "value_affinity": 0.1, "pair_affinity": 0.2}
MIN_VALUE_SPREAD = 0.35  # log10 units: a firm with identical past values still tolerates about x2
HALF_LIFE_DAYS = 365.0  # a win from a year ago counts half as much as one from today
KIND_POWER = 4  # cosine**4 keeps near-identical texts (0.95 -> 0.81) and drops loose ones (0.6 -> 0.13)
#: What the market priors count awards by (``prior_keys``).
PRIOR_KEYS = ("buyer", "title", "pair", "family", "buyer_family")
LATEST = 10  # recent_holder: the share of the last ten awards of the same buyer and title
FAMILY_CHARS = 3  # a code family: the scheme and the first three characters of the code
# How many awards' worth of weight each prior level has against the firm's own counts.
SMOOTH_BUYER, SMOOTH_LABEL, SMOOTH_PAIR = 1.0, 5.0, 5.0
#: The parts that come from the whole market rather than the firm's wins alone.
MARKET_PARTS = ("market_share", "label_prior", "family_prior", "recent_holder")


def award_tender(award: Award, tender_id: str) -> Tender:
    """An award as the tender it was (the product ranks tenders; award notices are past tenders)."""
    title = award.title or award.description[:2000] or "(untitled)"
    return Tender(
        tender_id=tender_id, source="award", notice_type="award", title=title,
        description=award.description if award.title else "", language=award.language, buyer=award.buyer,
        buyer_country=award.buyer_country, codes=award.codes,
        value=award.value if award.value is None or award.value >= 0 else None,  # stored before values were checked
        currency=award.currency,
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
    title_values: dict[str, np.ndarray] = field(default_factory=dict)  # log10 EUR of the wins per exact title

    @classmethod
    def from_awards(cls, wins: Sequence[Award], as_of: date | None = None) -> WinHistory:
        """``as_of`` is "now" (the evaluation cut); wins count less the older they are."""
        values = [to_eur(w.value, w.currency) for w in wins if w.value and w.value > 0]
        by_title: dict[str, list[float]] = defaultdict(list)
        for win in wins:
            value = to_eur(win.value, win.currency) if win.value and win.value > 0 else None
            if value and win.title:
                by_title[win.title].append(float(np.log10(value)))
        reference = as_of or max((w.date for w in wins), default=date.today())
        ages = np.array([max(0, (reference - w.date).days) for w in wins], dtype=np.float64)
        return cls(
            titles=[w.title for w in wins],
            codes=[tuple(w.codes) for w in wins],
            buyers=[buyer_key(w.buyer) for w in wins],
            log_values=np.log10(np.array([v for v in values if v], dtype=np.float64)),
            weights=0.5 ** (ages / HALF_LIFE_DAYS),
            title_values={t: np.array(v) for t, v in by_title.items()},
        )

    def __len__(self) -> int:
        return len(self.titles)


@dataclass(frozen=True)
class Market:
    """Every award before "now" (any supplier), reduced to what the market priors need.

    ``buyers``, ``codes``, ``titles``: distinct awards per buyer, code and exact title (``market_share``).
    ``recent``: recency-weighted distinct awards (half life ``HALF_LIFE_DAYS`` before ``as_of``) per key of
    each ``PRIOR_KEYS`` kind; ``total`` their sum. ``latest``: the ids of the last ``LATEST`` awards per
    (buyer, title), newest first."""

    buyers: Counter[str]
    codes: Counter[str]
    titles: Counter[str]
    as_of: date | None = None
    recent: dict[str, dict[Hashable, float]] = field(default_factory=dict)
    total: float = 0.0
    latest: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    @classmethod
    def from_awards(cls, awards: Sequence[Award], as_of: date | None = None) -> Market:
        """``awards``: every award row dated before ``as_of``, "now" (rows sharing an award id count once;
        ``as_of`` defaults to the day after the last award)."""
        distinct = sorted({a.award_id: a for a in awards}.values(), key=lambda a: (a.date, a.award_id))
        as_of = as_of or (distinct[-1].date + timedelta(days=1) if distinct else date.today())
        recent: dict[str, dict[Hashable, float]] = {kind: defaultdict(float) for kind in PRIOR_KEYS}
        latest: dict[tuple[str, str], list[str]] = defaultdict(list)
        for award in reversed(distinct):
            for kind, key in prior_keys(award).items():
                recent[kind][key] += _decay(award.date, as_of)
            pair = (buyer_key(award.buyer), award.title)
            if len(latest[pair]) < LATEST:
                latest[pair].append(award.award_id)
        return cls(
            buyers=Counter(buyer_key(a.buyer) for a in distinct if a.buyer),
            codes=Counter(c for a in distinct for c in a.codes),
            titles=Counter(a.title for a in distinct if a.title),
            as_of=as_of, recent={k: dict(v) for k, v in recent.items()},
            total=sum(recent["buyer"].values()), latest=dict(latest),
        )


def _decay(day: date, as_of: date) -> float:
    return float(0.5 ** (max(0, (as_of - day).days) / HALF_LIFE_DAYS))


def code_family(codes: Sequence[str]) -> str:
    """The family of the first code: its scheme and first three characters ("GSIN:N7030" -> "GSIN:N70",
    a CPV group, a UNSPSC family's first digits); '' without codes."""
    if not codes:
        return ""
    scheme, _, value = codes[0].partition(":")
    return f"{scheme}:{value[:FAMILY_CHARS]}"


def prior_keys(item: Award | Tender) -> dict[str, Hashable]:
    """The keys an award or tender is counted under for each kind of ``PRIOR_KEYS``."""
    buyer, family = buyer_key(item.buyer), code_family(item.codes)
    return {"buyer": buyer, "title": item.title, "pair": (buyer, item.title), "family": family,
            "buyer_family": (buyer, family)}


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


@dataclass(frozen=True)
class MarketView:
    """A market against one candidate batch, prepared once for many firms: for each ``PRIOR_KEYS`` kind,
    the candidates under each key and the market's recency-weighted count of every candidate's key."""

    market: Market
    positions: dict[str, dict[Hashable, np.ndarray]]
    counts: dict[str, np.ndarray]

    @classmethod
    def build(cls, market: Market, batch: CandidateBatch) -> MarketView:
        keys = [prior_keys(t) for t in batch.tenders]
        positions: dict[str, dict[Hashable, np.ndarray]] = {}
        counts: dict[str, np.ndarray] = {}
        for kind in PRIOR_KEYS:
            where: dict[Hashable, list[int]] = defaultdict(list)
            for i, k in enumerate(keys):
                where[k[kind]].append(i)
            positions[kind] = {k: np.array(v, dtype=np.int64) for k, v in where.items()}
            seen = market.recent.get(kind, {})
            counts[kind] = np.array([seen.get(k[kind], 0.0) for k in keys], dtype=np.float64)
        return cls(market, positions, counts)


def market_parts(wins: Sequence[Award], view: MarketView, batch: CandidateBatch) -> dict[str, np.ndarray]:
    """Every part of ``MARKET_PARTS`` for every candidate of ``batch`` (the batch ``view`` was built on)."""
    return {"market_share": market_share(wins, view.market, batch), **market_priors(wins, view)}


def market_priors(wins: Sequence[Award], view: MarketView) -> dict[str, np.ndarray]:
    """``label_prior``, ``family_prior`` and ``recent_holder`` of every candidate (see the module notes).
    Only wins before the market's ``as_of`` count."""
    market = view.market
    as_of = market.as_of or date.today()
    mine: dict[str, dict[Hashable, float]] = {kind: defaultdict(float) for kind in PRIOR_KEYS}
    for win in {w.award_id: w for w in wins}.values():
        if win.date < as_of:
            for kind, key in prior_keys(win).items():
                mine[kind][key] += _decay(win.date, as_of)
    firm = {kind: _scatter(mine[kind], view.positions[kind], len(view.counts[kind])) for kind in PRIOR_KEYS}
    overall = sum(mine["buyer"].values()) / market.total if market.total else 0.0
    by_buyer = _smooth(firm["buyer"], view.counts["buyer"], overall, SMOOTH_BUYER)
    label = _smooth(firm["title"], view.counts["title"], by_buyer, SMOOTH_LABEL)
    family = _smooth(firm["family"], view.counts["family"], by_buyer, SMOOTH_LABEL)
    won = {w.award_id for w in wins if w.date < as_of}
    recent = np.zeros(len(view.counts["pair"]))
    for pair in mine["pair"]:
        latest = market.latest.get(pair, [])  # type: ignore[call-overload]
        if pair in view.positions["pair"] and latest:
            recent[view.positions["pair"][pair]] = sum(a in won for a in latest) / LATEST
    return {
        "label_prior": _smooth(firm["pair"], view.counts["pair"], label, SMOOTH_PAIR),
        "family_prior": _smooth(firm["buyer_family"], view.counts["buyer_family"], family, SMOOTH_PAIR),
        "recent_holder": recent,
    }


def _scatter(weights: dict[Hashable, float], positions: dict[Hashable, np.ndarray], n: int) -> np.ndarray:
    out = np.zeros(n)
    for key, weight in weights.items():
        if key in positions:
            out[positions[key]] = weight
    return out


def _smooth(mine: np.ndarray, market: np.ndarray, prior: np.ndarray | float, strength: float) -> np.ndarray:
    """The firm's share of the market's weighted awards under a key, shrunk towards ``prior`` as if
    ``strength`` more awards had gone the prior's way."""
    return np.asarray((mine + strength * prior) / (market + strength), dtype=np.float64)


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
    return FirmProfile.model_validate({**profile.model_dump(), **update}, context=STORED)


def win_similarity(win_vectors: np.ndarray, candidate_vectors: np.ndarray) -> np.ndarray:
    """(wins, candidates) cosine similarity of unit vectors, clipped to [0, 1]."""
    return np.asarray(np.clip(win_vectors @ candidate_vectors.T, 0.0, 1.0), dtype=np.float64)


def history_parts(
    history: WinHistory, batch: CandidateBatch, similarity: np.ndarray,
    market: Mapping[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Each part of ``HISTORY_PARTS`` for every candidate, plus the combined ``history``. ``market`` holds the
    market parts (``market_share`` and ``market_priors``); those it lacks are NEUTRAL."""
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
    parts["title_value_affinity"] = _title_value_affinity(history, batch)
    for name in MARKET_PARTS:
        parts[name] = np.asarray(market[name]) if market and name in market else np.full(n, NEUTRAL)
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


def _title_value_affinity(history: WinHistory, batch: CandidateBatch) -> np.ndarray:
    """``_value_affinity`` against the firm's past wins with the candidate's exact title only (NEUTRAL when
    it has none with a value, or the candidate's value is unknown)."""
    out = np.full(len(batch), NEUTRAL)
    stats = {t: (float(np.median(v)), max(MIN_VALUE_SPREAD, float(np.std(v))))
             for t, v in history.title_values.items() if len(v)}
    if not stats:
        return out
    for i, (tender, value) in enumerate(zip(batch.tenders, batch.values_eur, strict=True)):
        found = stats.get(tender.title)
        if found is not None and value > 0:  # NaN > 0 is False
            out[i] = np.exp(-0.5 * ((np.log10(value) - found[0]) / found[1]) ** 2)
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
