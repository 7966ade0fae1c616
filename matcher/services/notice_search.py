"""Finding notices by what they say, in any language.

The words are embedded as a query by the encoder that embedded the notices and looked up in the serving
vector index, the same two the recommendations use, so a Korean query finds a French notice about the same
thing (a SQL LIKE finds only the words typed, in the language typed). Words that are a notice's id, with or
without its source's prefix ('ted:074220-2017' or '074220-2017'), list that notice first: an officer pastes
the number a buyer or a colleague gave, and no encoder places a number near its notice. The hard filters are retrieval's
(``matcher.search.retrieve``): a notice published after the clock is never found, and ``open_only`` keeps
the notices open at the clock by the one open rule (``matcher.normalize.openness``), cancellations included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from matcher.characters import shown_text
from matcher.errors import InvalidInput
from matcher.schema import Tender, draws
from matcher.search.open_now import OpenNow
from matcher.search.retrieve import MatchQuery, passes, retrieve
from matcher.services.catalog import Catalog

#: Most results one search returns (pages and the API ask for fewer).
MAX_RESULTS = 100
#: The sources' id prefixes (``Tender.tender_id``: 'ted:<number>', 'ocds:<ocid>', 'wb:<id>', 'ungm:<reference>'),
#: tried before words typed without one.
ID_PREFIXES = ("ted", "ocds", "wb", "ungm")
#: Longest words read as an id (the store's ``Identifier``).
MAX_ID = 200


@dataclass(frozen=True)
class NoticeHit:
    """A notice found by a search, with the cosine similarity of its text to the query (orders hits only)."""

    tender: Tender
    similarity: float
    by_id: bool = False  # the words are its id: listed first, whatever its similarity


class NoticeSearch:
    def __init__(self, catalog: Catalog, open_now: OpenNow) -> None:
        self.catalog = catalog
        self.engine = catalog.engine
        self.open_now = open_now  # shared with the recommender: one cache of what is open and cancelled

    def search(self, text: str, k: int = 20, open_only: bool = False, now: datetime | None = None) -> list[NoticeHit]:
        """The ``k`` notices whose text is nearest to ``text``, nearest first; one per duplicate pair (the
        same notice under two ids). IndexNotReady before an index is built. The words are read as a notice's text
        is stored and embedded (``shown_text``: composed, without the format characters that draw nothing), so
        'e' and U+0301 typed on a Mac, or a soft hyphen pasted inside a word, find what 'é' and the word find."""
        words = shown_text(text).strip()
        if not draws(words):
            raise InvalidInput("empty search text (expected some words, in any language)")
        if not 1 <= k <= MAX_RESULTS:
            raise InvalidInput(f"k={k} is out of range (expected 1 to {MAX_RESULTS})")
        at = now or self.engine.now()
        loaded = self.engine.index.current()
        vector = self.engine.embedder.encode_queries([words])[0]
        # Open only: retrieval's default query (open opportunities). Otherwise every notice published by now,
        # award notices and closed calls included: a partner looks up past notices too.
        query = MatchQuery(k=k) if open_only else MatchQuery(k=k, include_closed=True, any_notice_type=True)
        subset = self.open_now.subset(loaded, at) if open_only else None
        rule = self.open_now.at(at)
        named = [t for t in self._named(words) if passes(t, query, rule)][:1]
        # No pool beyond k: nothing is re-ranked after retrieval, so k filtered hits are the answer.
        found = retrieve(loaded.vectors, vector, self.catalog.fetch_tenders, query, rule,
                         min_candidates=k, open_now=subset)
        first = [NoticeHit(t, float(self.engine.embedder.encode_documents([t.text()])[0] @ vector), by_id=True)
                 for t in named]
        listed = {t.tender_id for t in named}
        return (first + [NoticeHit(t, similarity) for t, similarity in found if t.tender_id not in listed])[:k]

    def _named(self, words: str) -> list[Tender]:
        """The stored notice whose id the words are, as typed or after a source's prefix; none for words with
        a space in them or longer than an id."""
        if len(words) > MAX_ID or any(c.isspace() for c in words):
            return []
        ids = [words, *(f"{prefix}:{words}" for prefix in ID_PREFIXES)]
        fetched = self.catalog.fetch_tenders(ids)
        return [fetched[i] for i in ids if i in fetched]
