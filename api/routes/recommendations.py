"""Ranked open tenders for a firm, each with its score, score parts and reasons (as the CLI prints them).

The hottest route: partners and dashboards re-open the same firms all day. A repeat whose inputs have not
changed (``Matcher.recommendation_key``, one database read) is answered on the event loop with the bytes
serialised the first time; only a ranking goes to the threadpool, at most ``RANKING_THREADS`` at once
per process (ranking is mostly Python under the GIL: more threads only share one core's worth of time,
measured 12% fewer requests per second at 40 than at 2).

The reasons' summary is worded in the reader's language (``lang``, else Accept-Language), so the language is
part of the cache key and the response varies with the header.

A firm key sees the items its partner approved, not those still proposed (the shortlist's rule): its list is
ranked as if proposed items were not on the shortlist, so no "awaiting the partner's decision" note, feedback
part or boost shows one. The view is part of the cache key too.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from functools import partial
from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Request, Response
from pydantic import TypeAdapter

from api import actions
from api.deps import FirmAccess, KeyFirstRoute, MatcherDep, PrincipalDep
from api.errors import ERRORS, responses
from api.schemas import AcceptLanguage, MatchPublic, RecommendQuery
from api.single_flight import SingleFlight
from matcher.pipeline import Matcher
from matcher.ranking.calibration import at_least
from matcher.ranking.reasons import ReasonLanguage
from matcher.schema import BandName, Match
from matcher.search.retrieve import MatchQuery
from matcher.services.result_cache import ResultCache

router = APIRouter(tags=["recommendations"], responses=ERRORS, route_class=KeyFirstRoute)
_MATCHES = TypeAdapter(list[MatchPublic])


@router.get(
    "/firms/{firm_id}/recommendations", summary="Tenders that fit a firm, best first", responses=responses(503),
    response_model=list[MatchPublic],
)
async def recommendations(
    firm_id: FirmAccess, query: Annotated[RecommendQuery, Query()], matcher: MatcherDep, request: Request,
    principal: PrincipalDep, accept_language: AcceptLanguage = None,
) -> Response:
    match_query = MatchQuery(
        k=query.k, include_closed=query.include_closed, countries=tuple(query.country),
        min_value=query.min_value, max_value=query.max_value, value_currency=query.currency,
    )
    language = actions.reader_language(query.lang, accept_language)
    cache: ResultCache[bytes] = request.app.state.responses
    inputs = matcher.recommendation_key(firm_id, match_query)
    firm_view = principal.role == "firm"
    key = (inputs, language, firm_view, query.min_fit_band) if inputs is not None else None
    now = matcher.settings.now()
    body = cache.get(key, now) if key is not None else None
    if body is None:
        rank = partial(_rank, request, matcher, firm_id, match_query, firm_view, query.min_fit_band, language, key,
                       now)
        # Requests that miss together (every key changes at once after an import) share one ranking.
        flights: SingleFlight[bytes] = request.app.state.flights
        body = await (flights.run(key, rank) if key is not None else rank())
    return Response(body, media_type="application/json", headers=actions.language_headers(language))


async def _rank(
    request: Request, matcher: Matcher, firm_id: str, query: MatchQuery, firm_view: bool,
    min_fit_band: BandName | None, language: ReasonLanguage, key: Hashable | None, now: datetime,
) -> bytes:
    """Rank in the threadpool (at most ``RANKING_THREADS`` at once), serialise once, keep it for repeats.
    Ranked afresh, not through the core's own cache, which keys the same inputs: one key read, one copy.
    The fit filter keeps the first k at ``min_fit_band`` or better (``at_least``: the list is in fit order)."""
    ranking: anyio.CapacityLimiter = request.app.state.ranking
    matches = await anyio.to_thread.run_sync(partial(_ranked, matcher, firm_id, query, firm_view), limiter=ranking)
    kept = [m for m in matches if at_least(m.fit_band, min_fit_band)]
    body = _MATCHES.dump_json(actions.public(kept, language))
    if key is not None:
        cache: ResultCache[bytes] = request.app.state.responses
        cache.put(key, body, matcher.fresh_until(matches, now), since=now)
    return body


def _ranked(matcher: Matcher, firm_id: str, query: MatchQuery, firm_view: bool) -> list[Match]:
    """The firm's ranking; for its own key without the items its partner only proposed."""
    if firm_view:
        return matcher.recommend_as_firm(firm_id, query)
    return matcher.recommend_many([firm_id], query)[0]
