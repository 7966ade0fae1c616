"""Finding notices by meaning: words in any language, embedded with the notices' encoder and looked up in the
serving index (``Matcher.search_notices``), so Korean words find a French notice. ``GET /tenders?q=`` is
the other search: the words as typed, in titles and buyers.

Under ``/search`` rather than ``/tenders/...``, where a path segment would be read as a tender id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CuratorDep, KeyFirstRoute, MatcherDep
from api.errors import ERRORS, responses
from api.schemas import SearchWords, TenderPublic
from matcher.schema import STORED
from matcher.services.notice_search import MAX_RESULTS

router = APIRouter(prefix="/search", tags=["tenders"], responses=ERRORS, route_class=KeyFirstRoute)


class NoticeSearchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    q: SearchWords = Field(description=(
        "words in any language, e.g. '정수장 여과 설비' (a visible character, no control characters)"))
    k: int = Field(default=20, ge=1, le=MAX_RESULTS, description="how many notices")
    open_only: bool = Field(default=False, description=(
        "only notices open now (README, 'Open'); otherwise every notice published by now, awards included"))


class NoticeHitPublic(BaseModel):
    similarity: float = Field(description="cosine similarity of the words and the notice's text: orders the hits, "
                                          "means little alone")
    by_id: bool = Field(default=False, description=(
        "the words are this notice's id, with or without its source's prefix ('ted:074220-2017' or "
        "'074220-2017'): listed first, whatever its similarity"))
    tender: TenderPublic


@router.get(
    "/tenders", summary="Find notices by meaning, from words in any language (officers, partners)",
    responses=responses(503),
)
def search_tenders(
    query: Annotated[NoticeSearchQuery, Query()], matcher: MatcherDep, _: CuratorDep
) -> list[NoticeHitPublic]:
    return [
        NoticeHitPublic(
            similarity=hit.similarity, by_id=hit.by_id,
            tender=TenderPublic.model_validate(hit.tender.model_dump(), context=STORED),
        )
        for hit in matcher.search_notices(query.q, query.k, query.open_only)
    ]
