"""Codes for firms that have none: CPV (and UNSPSC) codes inferred from a profile's text in any language
(``matcher.search.code_inference``), suggested to people and, the first few, used by ranking.

Each suggestion shown carries what the firm's partner decided about the shortlisted notices under it: a
suggested code that brought notices the partner rejected, and none approved, is likely one the firm does not
do (a cybersecurity firm's "Security services", whose notices are guarding contracts), and the people who
review the firm are told so where they decide: declining it takes it out of the firm's ranking.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from pydantic import Field, ValidationError, computed_field

from matcher.errors import Conflict, IndexNotReady, InvalidInput
from matcher.ranking.features import InferredRule, weigh_inferred
from matcher.ranking.judged_reranker import Suggested
from matcher.reference.hierarchy import covers
from matcher.schema import MAX_SUGGESTIONS, STORED, FirmProfile
from matcher.search.code_inference import (
    SUGGESTION_CACHE_SIZE,
    SUGGESTION_MAX_AGE,
    Inferred,
    SuggestedCode,
    infer_codes,
    parse_codes,
    ranked_keywords,
    synonym_only,
)
from matcher.search.code_labels import Scheme, class_key, label_space
from matcher.search.index_sync import LoadedIndex
from matcher.services.catalog import Catalog
from matcher.services.result_cache import ResultCache
from matcher.services.shortlists import Shortlists
from matcher.store.firm_suggestions import KeptSuggestions

log = logging.getLogger(__name__)

#: How the suggested codes feed a firm's code, contract-nature and lexical signals (``weigh_inferred``; chosen
#: on the judged tuning half with scripts/tune_judged.py).
INFERRED_RULE: InferredRule = "flat"
INFERRED_FOR_RANKING = 5
#: Index builds whose "does any stored notice use UNSPSC" answer is kept (a new build asks again).
SCHEME_CACHE_SIZE = 4
#: Rejected notices under a suggested code (with none approved) from which declining it is advised: one
#: rejection may be about the buyer, the deadline or the size; two under one code, none approved, are a pattern.
DECLINE_AFTER_REJECTIONS = 2
#: Firms whose kept codes one transaction writes when ``refresh_kept`` refreshes every firm's.
KEEP_BATCH = 500
#: Firms-for scores at most this many firms (or k) as their own lists would (``Recommender.firms_for``): the
#: first that a first stage ranks on description, confirmed codes and the suggested codes kept in the store
#: (benchmark part 8: a call takes 1.4 s over 10,214 firms; computing every firm's suggestions at each call
#: would take 49 s). On the judged sets (214 firms, scripts/measure_firms_for.py --depth), held-out MRR 0.696
#: with every firm scored, 0.693 with the first 100, 0.669 with the first 50 (evaluation/RESULTS.md, "Firms
#: for a tender"). A register this size or smaller is scored in full, so codes are kept ahead of a call (index
#: build, morning tick, a firms file) only for a register above it: below, nothing would read them.
FIRMS_FOR_DEPTH = 200


def _changed(firm: FirmProfile, **changes: list[str]) -> FirmProfile:
    """``firm`` with ``changes``, validated as a stored profile."""
    try:
        return FirmProfile.model_validate({**firm.model_dump(), **changes}, context=STORED)
    except ValidationError as exc:
        raise InvalidInput(f"firm {firm.firm_id!r}: {exc.errors()[0]['msg']}") from exc


@dataclass(frozen=True)
class KeptRefresh:
    """What ``refresh_kept`` did: how many firms the register holds, and whose kept codes it computed again."""

    firms: int
    refreshed: int

    @property
    def needed(self) -> bool:
        return self.firms > FIRMS_FOR_DEPTH

    def line(self) -> str:
        if not self.needed:
            return (f"suggested codes not kept: {self.firms} firm(s), firms-for scores up to {FIRMS_FOR_DEPTH} "
                    "in full")
        return f"suggested codes kept for firms-for: {self.refreshed} of {self.firms} firm(s) refreshed"


class CodeSuggestion(SuggestedCode):
    """A suggested code, with the partner's decisions on the firm's shortlisted notices under it."""

    approved: int = Field(
        default=0, ge=0,
        description="notices on the firm's shortlist that its partner approved and that carry a code of this "
        "code's class or under it (the notices this suggestion brings to the firm's ranking)",
    )
    rejected: int = Field(
        default=0, ge=0, description="the same notices, rejected by the partner",
    )
    ranked: bool = Field(
        default=False, description="true when ranking reads this code for the firm now: one of the first "
        "suggestions it adds to the confirmed codes (keywords' translations first; an English keyword's only while "
        "the firm has no confirmed codes)",
    )

    # pydantic's documented form for a derived field; mypy does not follow a decorator over a property
    @computed_field(description=(  # type: ignore[prop-decorator]
        f"true when the partner rejected at least {DECLINE_AFTER_REJECTIONS} notices under this code and approved "
        "none: the firm probably does not do it, and declining it keeps such notices out of its ranking"))
    @property
    def worth_declining(self) -> bool:
        return self.rejected >= DECLINE_AFTER_REJECTIONS and self.approved == 0


def brings(suggested: str, code: str) -> bool:
    """Whether a notice carrying ``code`` is one the suggested code matches: ``code`` is in its class (one code
    is shown per class, standing for it: the code signal credits the class) or under it."""
    key = class_key(suggested)
    return covers(suggested, code) or (key is not None and class_key(code) == key)


class CodeSuggestions:
    def __init__(self, catalog: Catalog, shortlists: Shortlists) -> None:
        self.catalog = catalog
        self.shortlists = shortlists
        self.engine = catalog.engine
        # Keyed by (profile text, keywords translated, index build, schemes): a new build or text gives a new key;
        # bounded LRU. One entry serves both the suggestions shown and those ranking reads.
        self._suggestions: ResultCache[Inferred] = ResultCache(SUGGESTION_CACHE_SIZE)
        self._unspsc_in_use: ResultCache[bool] = ResultCache(SCHEME_CACHE_SIZE)

    def suggest(self, firm: str | FirmProfile, k: int = 10, translate: bool = True) -> list[CodeSuggestion]:
        """CPV codes (UNSPSC too where stored notices use it) inferred from the profile's description and
        keywords in any language, for a person to accept, most confident first: from the codes' labels and the
        codes of the nearest stored notices (labels alone before an index is built), and the translations of
        its keywords, each naming its keyword (Korean "구급차" -> "Ambulances", "aerial mapping" -> "Aerial mapping
        services"; "자동심장충격기" -> Defibrillator through a synonym of its Korean label). Every keyword's translation
        is shown, so a partner can accept the right ones; ranking reads those ``ranked_keywords`` gives, without
        synonyms (``inferred``): a firm with codes of its own (not accepted from these suggestions) is ranked on its
        Korean keywords' translations only. Each with the partner's decisions on the firm's notices under it
        (``CodeSuggestion``). ``translate=False``: the whole description's suggestions alone."""
        if not 1 <= k <= MAX_SUGGESTIONS:
            raise InvalidInput(f"k must be between 1 and {MAX_SUGGESTIONS}, got {k}")
        profile = self.catalog.get_firm(firm) if isinstance(firm, str) else firm
        inferred = self.shown_inferred(profile)
        ranked = {code for code, _ in self.for_ranking(profile)}
        return self._with_decisions(profile, (inferred.shown() if translate else list(inferred.described))[:k],
                                    ranked)

    def _with_decisions(self, firm: FirmProfile, found: list[SuggestedCode],
                        ranked: set[str]) -> list[CodeSuggestion]:
        """Each suggestion with the approved and rejected notices of the firm's shortlist that carry a code of its
        class or under it (``brings``; a notice deleted since its decision no longer counts: its codes are gone),
        and whether ranking reads it (``ranked``: the codes ``for_ranking`` gives)."""
        statuses = self.shortlists.decisions([firm.firm_id]).get(firm.firm_id, {})
        decided = {tid: status for tid, status in statuses.items() if status in ("approved", "rejected")}
        notices = self.catalog.fetch_tenders(list(decided)) if decided else {}
        out: list[CodeSuggestion] = []
        for suggestion in found:
            under = [decided[tid] for tid, notice in notices.items()
                     if any(brings(suggestion.code, code) for code in notice.codes)]
            out.append(CodeSuggestion(**dict(suggestion), approved=under.count("approved"),
                                      rejected=under.count("rejected"), ranked=suggestion.code in ranked))
        return out

    def inferred(self, profile: FirmProfile) -> Inferred:
        """What ranking reads: both kinds of suggestion, with the translations of the keywords ``ranked_keywords``
        gives (every keyword while the firm has no codes of its own, ``FirmProfile.own_codes``: a code accepted
        from these suggestions does not end ranking on the others; else those in a script no notice uses), less
        the codes declined for the firm (``decline``)."""
        return self._inferred(profile, ranked_keywords(profile.keywords, bool(profile.own_codes())))

    def shown_inferred(self, profile: FirmProfile) -> Inferred:
        """What a person is shown (``suggest``): both kinds of suggestion, with every keyword's translation, also
        through the codes' synonyms (a Korean AED maker's "자동심장충격기" is shown as Defibrillator, whose label
        reads 제세동기), less the codes declined for the firm. Ranking reads neither the synonyms nor, for a firm
        with codes of its own, the translations of its keywords in the notices' script (``inferred``); each
        suggestion shown says whether ranking reads it (``CodeSuggestion.ranked``), and one a person accepts is
        ranked on as a confirmed code."""
        return self._inferred(profile, profile.keywords, synonyms=True)

    def _inferred(self, profile: FirmProfile, keywords: Sequence[str], synonyms: bool = False) -> Inferred:
        """Both kinds of suggestion, with these keywords' translations (through the codes' synonyms too with
        ``synonyms``), computed once per (text, keywords translated, synonyms, index build, schemes), less the
        codes declined for the firm."""
        try:
            loaded: LoadedIndex | None = self.engine.index.current()
        except IndexNotReady:
            loaded = None
        build = loaded.build_id if loaded is not None else None
        schemes = self._schemes_in_use(profile, build)
        words = tuple(keywords)
        # one entry for both readings unless a keyword is only a synonym (most firms: one computation, not two)
        synonyms = synonyms and bool(words) and synonym_only(words, label_space(self.engine.embedder, "CPV"))
        key = (profile.text(), words, synonyms, build, schemes)
        now = self.engine.now()
        found = self._suggestions.get(key, now)
        if found is None:
            search = loaded.vectors.search if loaded is not None else None
            found = infer_codes(self.engine.embedder, [profile.text()], search, self._codes_of, schemes,
                                MAX_SUGGESTIONS, keywords=[list(words)], synonyms=synonyms)[0]
            self._suggestions.put(key, found, now + SUGGESTION_MAX_AGE)
        return found.without(profile.declined_codes)

    def accept(
        self, firm_id: str, codes: list[str], actor: str, if_version: Collection[str] | None = None,
    ) -> tuple[FirmProfile, str]:
        """Add codes (suggested or not) to a firm's confirmed ``codes``, marked as accepted (``accepted_codes``):
        unlike codes the firm named itself, they leave ranking on its keywords' translations as it was. Each must
        be in the shipped CPV or UNSPSC list, and one already there is not added twice. A code declined before is
        no longer declined, nor is one covering it (the person says the firm does it). With ``if_version``, only
        while the stored profile is one of those versions (``Catalog.change_firm_version``). Returns the profile
        and its stored version."""
        accepted = parse_codes(codes)
        added: list[str] = []

        def with_codes(firm: FirmProfile) -> FirmProfile:
            added[:] = [c for c in accepted if c not in firm.codes]
            if not added:
                return firm
            declined = [d for d in firm.declined_codes if not any(covers(d, c) for c in added)]
            return _changed(firm, codes=[*firm.codes, *added], accepted_codes=[*firm.accepted_codes, *added],
                            declined_codes=declined)

        stored = self.catalog.change_firm_version(firm_id, with_codes, if_version)
        if added:
            log.info("%s accepted codes %s for firm %s", actor, ", ".join(added), firm_id)
        return stored

    def decline(
        self, firm_id: str, codes: list[str], actor: str, if_version: Collection[str] | None = None,
    ) -> tuple[FirmProfile, str]:
        """Say the firm does not do these codes: they, and the codes under them, are no longer suggested for
        it nor read by its ranking (a cybersecurity firm declines "Security services", the guarding code its
        words sit near). Each must be in the shipped lists; a code among the firm's own ``codes``, or one covering
        one of them, is refused (Conflict: take it out of the profile first): the firm's ranking would go on reading
        the code under it. ``if_version`` and the answer as ``accept``'s."""
        refused = parse_codes(codes)
        added: list[str] = []

        def with_declined(firm: FirmProfile) -> FirmProfile:
            own = [c for c in refused if c in firm.codes]
            if own:
                raise Conflict(f"{own[0]} is one of the codes of firm {firm_id!r}; take it out of the profile's "
                               "codes before declining it")
            covering = [(d, c) for d in refused for c in firm.codes if covers(d, c)]
            if covering:
                declined, code = covering[0]
                raise Conflict(f"{declined} covers {code}, one of the codes of firm {firm_id!r}; take {code} out "
                               "of the profile's codes before declining it")
            added[:] = [c for c in refused if c not in firm.declined_codes]
            return _changed(firm, declined_codes=[*firm.declined_codes, *added]) if added else firm

        stored = self.catalog.change_firm_version(firm_id, with_declined, if_version)
        if added:
            log.info("%s declined codes %s for firm %s", actor, ", ".join(added), firm_id)
        return stored

    def for_ranking(self, firm: FirmProfile) -> list[tuple[str, float]]:
        """The (code, confidence) pairs ranking adds to a firm's confirmed codes: its keywords' translations,
        then the codes inferred from the whole description (``Inferred.ranked``)."""
        return weigh_inferred([(s.code, s.confidence) for s in self._ranked(firm)], INFERRED_RULE,
                              INFERRED_FOR_RANKING)

    def kept_for_ranking(self, firms: Sequence[FirmProfile]) -> list[list[tuple[str, float]]]:
        """Each firm's ``for_ranking`` codes as kept in the store (``matcher.store.firm_suggestions``), in one read:
        firms-for's first stage meets every firm of a register, and computing them took 49 s over 10,214 firms
        (benchmark part 8). A firm whose profile changed since its codes were kept, whose codes were never
        kept, or were kept before any index existed (labels alone) has them computed and kept now. Codes kept
        under an earlier index build are read as they are: the first stage only chooses the firms scored in
        full, each then with its codes of now; ``matcher index build`` refreshes them (``refresh_kept``)."""
        kept = self.catalog.kept_suggestions([f.firm_id for f in firms])
        build = self._build()
        stale = [f for f in firms
                 if (k := kept.get(f.firm_id)) is None or (k.build_id is None and build is not None)]
        if stale:
            kept.update(self.keep_for_ranking(stale))
        return [list(kept[f.firm_id].codes) for f in firms]

    def keep_for_ranking(self, firms: Sequence[FirmProfile]) -> dict[str, KeptSuggestions]:
        """Compute these firms' ``for_ranking`` codes (with their keywords' translations and best confidence)
        under the current index build and keep them in the store."""
        build = self._build()
        fresh = {f.firm_id: self._computed(f, build) for f in firms}
        self.catalog.keep_suggestions(fresh)
        return fresh

    def for_scoring(self, firms: Sequence[FirmProfile]) -> list[KeptSuggestions]:
        """What scoring each firm's list reads of its suggestions (``for_ranking``, ``translated_keywords``,
        ``best_confidence``): as kept when kept under the current index build for the profile as it is,
        otherwise computed (not kept: the index build and the morning tick keep them). Firms-for scores up to
        200 firms of a register in full, most beyond the 1,024 whose suggestions a process remembers; reading
        theirs cut a call over 10,214 firms from p50 1.72 s / p90 2.08 s to 1.37 s / 1.65 s (benchmark part 8)."""
        build = self._build()
        kept = self.catalog.kept_suggestions([f.firm_id for f in firms])
        return [row if (row := kept.get(f.firm_id)) is not None and row.current(build) else self._computed(f, build)
                for f in firms]

    def _computed(self, firm: FirmProfile, build: str | None) -> KeptSuggestions:
        return KeptSuggestions(firm.content_hash(), build, tuple(self.for_ranking(firm)),
                               tuple(self.translated_keywords(firm).items()), self.best_confidence(firm))

    def keep_new(self) -> None:
        """Keep the codes of the firms that have none kept (new, changed, or kept before any index), when the
        register is above ``FIRMS_FOR_DEPTH`` (after a firms file: a register of 10,000 imported at once would
        otherwise have them computed in an officer's first firms-for call)."""
        firms = self.catalog.all_firms()
        if len(firms) > FIRMS_FOR_DEPTH:
            self.kept_for_ranking(firms)

    def refresh_kept(self) -> KeptRefresh:
        """Compute again every stored firm's kept codes that an earlier index build gave (after a build), or that a
        row of the first format holds without keywords, when the register is above ``FIRMS_FOR_DEPTH``."""
        firms = self.catalog.all_firms()
        if len(firms) <= FIRMS_FOR_DEPTH:
            return KeptRefresh(len(firms), 0)
        build = self._build()
        kept = self.catalog.kept_suggestions()
        stale = [f for f in firms if (k := kept.get(f.firm_id)) is None or not k.current(build)]
        for start in range(0, len(stale), KEEP_BATCH):
            self.keep_for_ranking(stale[start : start + KEEP_BATCH])
        return KeptRefresh(len(firms), len(stale))

    def _build(self) -> str | None:
        try:
            return self.engine.index.current().build_id
        except IndexNotReady:
            return None

    def best_confidence(self, firm: FirmProfile) -> float:
        """The highest confidence among the suggestions ranking reads (0 when there are none): the judged
        re-ranker reads it to tell how far the code signal can be trusted."""
        return max((s.confidence for s in self._ranked(firm)), default=0.0)

    def translated_keywords(self, firm: FirmProfile) -> dict[str, str]:
        """The codes ranking reads that translate one of the firm's keywords, and that keyword (the reasons
        name it: "the code of the firm's keyword 구급차")."""
        return {s.code: s.keyword for s in self._ranked(firm) if s.keyword}

    def by_source(self, firm: FirmProfile) -> Suggested:
        """The codes ranking reads, split into its keywords' translations and the description's suggestions (what
        the judged re-ranker reads, ``judged_reranker.code_sources``)."""
        return Suggested.of(self.for_ranking(firm), self.translated_keywords(firm))

    def _ranked(self, firm: FirmProfile) -> list[SuggestedCode]:
        return self.inferred(firm).ranked()[:INFERRED_FOR_RANKING]

    def _codes_of(self, tender_ids: list[str]) -> dict[str, list[str]]:
        return {tid: t.codes for tid, t in self.catalog.fetch_tenders(tender_ids).items()}

    def _schemes_in_use(self, firm: FirmProfile, build: str | None) -> tuple[Scheme, ...]:
        """CPV always; UNSPSC when the firm or any stored notice uses it (looked up once per index build)."""
        now = self.engine.now()
        used = self._unspsc_in_use.get(build, now)
        if used is None:
            used = self.catalog.uses_scheme("UNSPSC:")
            self._unspsc_in_use.put(build, used, now + SUGGESTION_MAX_AGE)
        if used or any(c.startswith("UNSPSC:") for c in firm.codes):
            return ("CPV", "UNSPSC")
        return ("CPV",)
