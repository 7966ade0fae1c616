"""What the firm page and the home page show, gathered from the facade (no HTML here).

The firm page's filters are GET parameters: country and value range are the ranking's own hard filters
(``MatchQuery``); "closing within N days" and the keyword are applied to the ranked list afterwards, over a
larger pool (``FILTERED_POOL``) so that a narrow filter still fills the page.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.datastructures import QueryParams

from api import actions
from api.deps import not_utf8
from api.web.form_fields import SHOWN_VALUE, whole_number
from api.web.i18n import calendar_days
from matcher.normalize.currencies import to_eur
from matcher.normalize.openness import OpenAt
from matcher.pipeline import Matcher
from matcher.ranking.calibration import DEFAULT_MIN_BAND, at_least
from matcher.ranking.reasons import markup_lines
from matcher.reference.codebook import CodeBook
from matcher.reference.countries import ISO_COUNTRIES
from matcher.schema import BandName, FirmProfile, Match, Tender, code_labels
from matcher.search.retrieve import MatchQuery
from matcher.services.access import Principal
from matcher.services.code_suggestions import CodeSuggestion
from matcher.store.shortlists import STATUSES, ShortlistItem, Status

#: Matches a firm page shows.
FIRM_PAGE_MATCHES = 20
#: Matches ranked when a filter the ranking cannot apply is set; the page keeps the first that pass.
FILTERED_POOL = 100
#: Matches per firm the home page looks at for new strong ones and deadlines.
HOME_MATCHES = 20
#: Deadlines per firm on the home page.
NEAREST_DEADLINES = 3
#: Firms per home page (an officer sees them all, a page at a time).
HOME_PAGE_SIZE = 25
#: The API's limit for a shortlist note (api.schemas.Note).
NOTE_MAX = 2000
#: Languages every reader of the workspace reads; a notice in another gets an English label.
READABLE = frozenset({"en", "ko"})
#: The firm page's filters typed in its form (with the fit, chosen from a list).
FILTER_FIELDS = ("country", "min_value", "max_value", "closing_within", "q")
#: Longest keyword filter (the search page's and the API's limit for words searched).
MAX_KEYWORD = 200
#: Longest closing-within filter that means anything (the open-call window is 60 days, PINs 180).
MAX_CLOSING_DAYS = 3650
#: Suggested codes the profile page offers (the API's default ``k``), and the firm page reads for advice.
SUGGESTIONS = 10

#: The fit filter's choices, each with the lowest band it keeps (None: every band, weak ones too). The default
#: keeps what a digest sends by default and the home page counts as new: about one weak fit in eighteen was
#: judged relevant (evaluation/RESULTS.md, the calibration's bands), so listing them, each under "why it fits",
#: costs a reader's trust more than it finds.
FIT_CHOICES: dict[str, BandName | None] = {"possible": "possible", "good": "good", "strong": "strong", "all": None}
DEFAULT_FIT: str = DEFAULT_MIN_BAND


def worth_listing(match: Match) -> bool:
    """A possible fit or better (``DEFAULT_MIN_BAND``), or one without a band: what a digest sends by default, the
    home page counts as new and takes deadlines from, and the firm and tender pages list unless asked for more."""
    return at_least(match.fit_band, DEFAULT_MIN_BAND)

LabelKind = Literal["english_title", "categories"]


@dataclass(frozen=True)
class Filters:
    country: str | None = None
    min_value: float | None = None
    max_value: float | None = None
    closing_within: int | None = None
    keyword: str = ""
    fit: str = DEFAULT_FIT  # a key of FIT_CHOICES
    #: What was typed, to fill the form again, and the message key of each field that could not be read.
    typed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def narrowing(self) -> bool:
        """A filter the ranking cannot apply itself is set."""
        return self.closing_within is not None or bool(self.keyword)

    @property
    def active(self) -> bool:
        return (self.narrowing or self.country is not None or self.min_value is not None
                or self.max_value is not None or self.fit != DEFAULT_FIT)

    def fits(self, match: Match) -> bool:
        """The match's band is the chosen one or better (a match without a band, before any calibration, is
        always kept: nothing says it is weak)."""
        return at_least(match.fit_band, FIT_CHOICES[self.fit])

    def match_query(self) -> MatchQuery:
        return MatchQuery(
            k=FILTERED_POOL if self.narrowing else FIRM_PAGE_MATCHES,
            countries=(self.country,) if self.country else (), min_value=self.min_value,
            max_value=self.max_value, value_currency="EUR",
        )

    def keep(self, tender: Tender | None, match: Match, now: datetime) -> bool:
        if self.closing_within is not None and (
            match.deadline is None or calendar_days(now, match.deadline) > self.closing_within
        ):
            return False
        if self.keyword:
            return self.keyword.casefold() in searchable(tender, match)
        return True

    def query_string(self) -> str:
        """The readable filters as a query string (for links and for coming back after a decision)."""
        values = {
            "country": self.country, "min_value": _plain(self.min_value), "max_value": _plain(self.max_value),
            "closing_within": self.closing_within, "q": self.keyword or None,
            "fit": self.fit if self.fit != DEFAULT_FIT else None,
        }
        return urlencode({k: v for k, v in values.items() if v is not None})


def _plain(value: float | None) -> str | None:
    return None if value is None else f"{value:g}"


def searchable(tender: Tender | None, match: Match) -> str:
    if tender is None:
        return " ".join(p for p in (match.title, match.buyer or "") if p).casefold()
    parts = [tender.title, *tender.titles.values(), tender.buyer or "", code_labels(tender.codes), tender.description]
    return "\n".join(parts).casefold()


def parse_filters(params: QueryParams, raw_query: bytes = b"") -> Filters:
    """Filters from GET parameters (``raw_query``: the query string as sent); a value that cannot be read is named in
    ``errors`` and not applied: a country no list offers, a fit that is none of the choices, a keyword longer than
    ``MAX_KEYWORD`` or not sent as UTF-8, a filter sent twice, a minimum above the maximum (neither applied). Each
    of them was once applied as no filter, or cut, without a word."""
    typed = {k: params.get(k, "").strip() for k in (*FILTER_FIELDS, "fit")}
    errors: dict[str, str] = {}
    country = typed["country"].upper() or None
    if country is not None and country not in ISO_COUNTRIES:
        country, errors["country"] = None, "filter_unknown_country"
    amounts: dict[str, float | None] = {}
    for name in ("min_value", "max_value"):
        amounts[name] = _amount(typed[name])
        if typed[name] and amounts[name] is None:
            errors[name] = "invalid_amount"
    low, high = amounts["min_value"], amounts["max_value"]
    if low is not None and high is not None and low > high:  # applied, it listed only notices without a value
        errors["max_value"] = "expect_min_below_max"
    closing = _days(typed["closing_within"])
    if typed["closing_within"] and closing is None:
        errors["closing_within"] = "invalid_number"
    fit = typed["fit"] or DEFAULT_FIT
    if fit not in FIT_CHOICES:
        fit, errors["fit"] = DEFAULT_FIT, "filter_unknown_fit"
    keyword = typed["q"]
    if len(keyword) > MAX_KEYWORD:
        errors["q"] = "filter_keyword_too_long"
    if (bad := not_utf8(raw_query)) is not None and bad.name in typed:
        errors[bad.name] = "search_not_utf8"
    for name in typed:
        if len(sent := params.getlist(name)) > 1:
            typed[name], errors[name] = ", ".join(v[:SHOWN_VALUE] for v in sent[:5]), "filter_repeated"
    unread = set(errors) | ({"min_value"} if errors.get("max_value") == "expect_min_below_max" else set())
    return Filters(
        None if "country" in unread else country, None if "min_value" in unread else amounts["min_value"],
        None if "max_value" in unread else amounts["max_value"], None if "closing_within" in unread else closing,
        "" if "q" in unread else keyword, DEFAULT_FIT if "fit" in unread else fit, typed, errors,
    )


def _amount(text: str) -> float | None:
    try:
        value = float(text.replace(",", "").replace("_", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _days(text: str) -> int | None:
    days = whole_number(text)
    return days if days is not None and days <= MAX_CLOSING_DAYS else None


def bid_refusal(matcher: Matcher, tender: Tender, at: OpenAt | None = None) -> str | None:
    """Why no firm can bid on the notice now (a message key), or None while it is open: the product's one rule
    (``OpenAt.closure``, with the notices the store knows to be cancelled; ``at``, else the rule at the clock),
    as the API's shortlists read it. A notice that fails it is never put on a shortlist; one listed before it
    closed stays decidable. Only an officer is told of a notice published after now (``actions.known_tender``
    hides it from others)."""
    closure = (at or matcher.open_at()).closure(tender)
    if closure is None:
        return None
    return f"not_biddable_{closure if closure in ('cancelled', 'award', 'other', 'unpublished') else 'closed'}"


@dataclass(frozen=True)
class Row:
    """One recommendation as the firm page shows it."""

    match: Match
    tender: Tender | None
    label: str | None
    label_kind: LabelKind | None
    value_eur: float | None
    reasons: list[Markup]  # each line escaped, the text people or feeds wrote in it isolated
    concerns: list[Markup]
    item: ShortlistItem | None
    new: bool

    @property
    def language(self) -> str | None:
        return self.tender.language if self.tender is not None else None


def english_label(tender: Tender | None) -> tuple[str | None, LabelKind | None]:
    """For a notice in neither English nor Korean: TED's English title, else its codes' English labels."""
    if tender is None or tender.language is None or tender.language in READABLE:
        return None, None
    english = tender.titles.get("en", "").strip()
    if english and english != tender.title:
        return english, "english_title"
    labels = code_labels(tender.codes)
    return (labels, "categories") if labels else (None, None)


def row(match: Match, tender: Tender | None, item: ShortlistItem | None, new: bool, language: str) -> Row:
    label, kind = english_label(tender)
    euros = None if (match.currency or "").upper() == "EUR" or match.value is None else to_eur(
        match.value, match.currency
    )
    reasons, concerns = markup_lines(match.reasons, language)
    return Row(match, tender, label, kind, euros, reasons, concerns, item, new)


@dataclass(frozen=True)
class FirmList:
    """The firm page's list: its rows, and how many of the first ``FIRM_PAGE_MATCHES`` the other filters kept
    the fit filter left out (the page says so, with a link that shows them)."""

    rows: list[Row]
    below_fit: int


def firm_rows(matcher: Matcher, principal: Principal, firm_id: str, filters: Filters, language: str) -> FirmList:
    """The firm's recommendations through ``filters``, with their shortlist state (a firm key sees only the
    items its partner approved, as in the API) and which are new to this person."""
    now = matcher.settings.now()
    query = filters.match_query()
    own = principal.role == "firm"
    matches = matcher.recommend_as_firm(firm_id, query) if own else matcher.recommend(firm_id, query)
    tenders = matcher.fetch_tenders([m.tender_id for m in matches])
    passing = [m for m in matches if filters.keep(tenders.get(m.tender_id), m, now)]
    kept = [m for m in passing if filters.fits(m)][:FIRM_PAGE_MATCHES]
    status: Status | None = "approved" if own else None
    items = {i.tender_id: i for i in matcher.shortlist(firm_id, status)}
    new = matcher.unseen_tenders(principal.name, firm_id, [m.tender_id for m in kept])
    if not filters.active:  # only the whole list counts as seen
        matcher.record_visit(principal.name, firm_id)
    rows = [row(m, tenders.get(m.tender_id), items.get(m.tender_id), m.tender_id in new, language) for m in kept]
    return FirmList(rows, sum(1 for m in passing[:FIRM_PAGE_MATCHES] if not filters.fits(m)))


@dataclass(frozen=True)
class Deadline:
    """One of a firm's nearest deadlines on the home page: a match worth sending or a shortlisted notice."""

    tender_id: str
    title: str
    language: str | None
    deadline: datetime
    status: Status | None  # its shortlist status, None for a match not on the shortlist


@dataclass(frozen=True)
class FirmSummary:
    """One firm on the home page."""

    firm: FirmProfile
    new_strong: int
    counts: dict[Status, int]
    deadlines: list[Deadline]


def home_rows(matcher: Matcher, principal: Principal, page: int,
              text: str | None = None) -> tuple[int, list[FirmSummary]]:
    """(how many firms this person sees, the summaries of those on ``page``); ``text``: only the firms whose name
    or id holds its words (``Matcher.list_firms``)."""
    total, firms = matcher.list_firms(
        matcher.access.visible_firm_ids(principal), (page - 1) * HOME_PAGE_SIZE, HOME_PAGE_SIZE, text or None
    )
    return total, summaries(matcher, principal, firms)


def summaries(matcher: Matcher, principal: Principal, firms: list[FirmProfile]) -> list[FirmSummary]:
    now = matcher.settings.now()
    # The items the shortlist page shows this person: a firm its approved ones, never its partner's proposals;
    # a firm or partner none whose notice is published after now.
    decisions = actions.visible_decisions(matcher, principal, [f.firm_id for f in firms])
    own = principal.role == "firm"
    found = []
    for firm in firms:
        query = MatchQuery(k=HOME_MATCHES)
        matches = matcher.recommend_as_firm(firm.firm_id, query) if own else matcher.recommend(firm.firm_id, query)
        worth = [m.tender_id for m in matches if worth_listing(m)]
        new = matcher.unseen_tenders(principal.name, firm.firm_id, worth) if worth else set()
        statuses = decisions.get(firm.firm_id, {})
        counted = Counter(statuses.values())
        found.append(FirmSummary(
            firm, len(new), {s: counted.get(s, 0) for s in STATUSES},
            nearest(matcher, worth, statuses, now),
        ))
    return found


def nearest(matcher: Matcher, worth: list[str], statuses: Mapping[str, Status], now: datetime) -> list[Deadline]:
    """The soonest open deadlines among the firm's matches worth sending (those counted as new matches: a weak
    one is no deadline to watch, an optics maker's partner was shown a nursery service closing today) and its
    shortlist (rejected ones aside)."""
    listed = {t: s for t, s in statuses.items() if s != "rejected"}
    upcoming = [
        Deadline(t.tender_id, t.title, t.language, t.deadline, listed.get(t.tender_id))
        for t in matcher.fetch_tenders([*dict.fromkeys([*worth, *listed])]).values()
        if t.deadline is not None and t.deadline > now
    ]
    return sorted(upcoming, key=lambda d: (d.deadline, d.tender_id))[:NEAREST_DEADLINES]


def codes_to_decline(matcher: Matcher, firm: FirmProfile) -> list[CodeSuggestion]:
    """The suggested codes the partner's rejections say the firm does not do (``worth_declining``), for the firm
    page to point the partner to the profile page, where they are declined."""
    return [s for s in matcher.suggest_codes(firm, SUGGESTIONS) if s.worth_declining and s.code not in firm.codes]


def meanings(book: CodeBook, codes: Sequence[str], language: str) -> list[tuple[str, str | None, str | None]]:
    """(code, English label, label in the viewer's language) for each code, as the page lists them."""
    return [(code, book.label(code), local_label(book, code, language)) for code in codes]


def local_label(book: CodeBook, code: str, language: str) -> str | None:
    """The code's label in the viewer's language when it is not English and one ships ("수도 계량기")."""
    return None if language == "en" else book.label_in(code, language)
