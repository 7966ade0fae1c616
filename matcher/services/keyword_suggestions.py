"""Keywords for Korean firms that wrote only a description: its product phrases
(``matcher.normalize.korean_phrases``), suggested for the firm or its partner to accept into the profile.

Suggested, not ranked on by themselves: accepted all as they came, in place of the judged Korean profiles'
keywords, they lifted nDCG@10 by 0.064 per profile on the development sets but only 0.008 held out
(evaluation/RESULTS.md, "Keywords read from a Korean description"), so a person picks the right ones: once
accepted they are the firm's keywords, translated and ranked on as any keyword is.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from pydantic import ValidationError

from matcher.errors import InvalidInput
from matcher.normalize.korean_phrases import description_phrases
from matcher.schema import MAX_ITEM, STORED, FirmProfile, bidi_problem, draws, line_control_problem
from matcher.search.code_labels import term_key
from matcher.services.catalog import Catalog

log = logging.getLogger(__name__)

#: The longest keyword taken: a product's name, not a description (the API's schema reads it too).
MAX_KEYWORD = MAX_ITEM  # the profile's own rule for an item


def suggested_keywords(firm: FirmProfile) -> list[str]:
    """The product phrases of the firm's description that are not already its keywords (spaces and case
    ignored: "수질 분석기" is "수질분석기"); none for a description without Hangul."""
    have = {term_key(k) for k in firm.keywords}
    return [p for p in description_phrases(firm.description) if term_key(p) not in have]


def keyword_problem(keyword: str) -> str | None:
    """What keeps ``keyword`` (its spaces already collapsed) from being a keyword, as the API's ``KeywordsIn``
    has it: a visible character, no control character (an ESC stored here reached every terminal that printed
    the profile; ``matcher.schema.typed_item``'s rule and words), no bidirectional control
    (``matcher.schema.typed_text``), at most ``MAX_KEYWORD`` characters; else None."""
    if not draws(keyword):
        return "is blank"
    if problem := line_control_problem(keyword):  # the profile's own rule for an item (typed_item)
        return problem
    if problem := bidi_problem(keyword):
        return problem
    if len(keyword) > MAX_KEYWORD:
        return f"is longer than {MAX_KEYWORD} characters ({len(keyword)})"
    return None


class KeywordSuggestions:
    """Suggest keywords from a firm's description, and add those a person accepts."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def suggest(self, firm: str | FirmProfile) -> list[str]:
        """``suggested_keywords`` of a stored firm (by id) or of a profile."""
        return suggested_keywords(self.catalog.get_firm(firm) if isinstance(firm, str) else firm)

    def accept(
        self, firm_id: str, keywords: list[str], actor: str, if_version: Collection[str] | None = None,
    ) -> tuple[FirmProfile, str]:
        """Add keywords (suggested or not) to the firm's keywords, after those it has; one it already has
        (spaces and case ignored) is not added twice. A keyword that is blank, holds a control character or a
        bidirectional control, or is too long (``keyword_problem``), or a list past the profile's limit, is refused
        naming the problem, and nothing is stored. With ``if_version``, only while the stored profile is one of
        those versions (``Catalog.change_firm_version``). Returns the profile and its stored version."""
        if not keywords:
            raise InvalidInput("no keyword given to accept")
        lines = [" ".join(k.split()) for k in keywords]  # a tab or line break is a space
        for position, keyword in enumerate(lines, 1):
            if problem := keyword_problem(keyword):
                raise InvalidInput(f"keyword {position} of {len(lines)} {problem}")
        added: list[str] = []

        def with_keywords(firm: FirmProfile) -> FirmProfile:
            have = {term_key(k) for k in firm.keywords}
            added.clear()
            for keyword in lines:
                if term_key(keyword) not in have:
                    have.add(term_key(keyword))
                    added.append(keyword)
            if not added:
                return firm
            try:
                return FirmProfile.model_validate({**firm.model_dump(), "keywords": [*firm.keywords, *added]},
                                                  context=STORED)
            except ValidationError as exc:
                raise InvalidInput(f"firm {firm_id!r}: keywords: {exc.errors()[0]['msg']}") from exc

        stored = self.catalog.change_firm_version(firm_id, with_keywords, if_version)
        if added:
            log.info("%s accepted keywords %s for firm %s", actor, ", ".join(added), firm_id)
        return stored
