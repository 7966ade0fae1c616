"""Whether a notice is open at now, and why not, read once from the product's one open rule
(``OpenAt.closure``): the code and, worded in English or Korean, the line ``matcher firms-for`` prints first.
Its ``--json`` and the API's firms for a tender carry the same ``NoticeStatus`` on each match."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from matcher.normalize.openness import Closure, OpenAt
from matcher.ranking.reasons import ReasonLanguage, days_left
from matcher.schema import Tender

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "open_until": "OPEN: closes {deadline}, {left}",
        "open_window": "OPEN: no deadline given; counted open through {last}, {days} days after its publication on "
                       "{published}",
        "open_undated": "OPEN: neither a deadline nor a publication date given",
        "passed": "CLOSED: the deadline passed on {deadline}",
        "window_ended": "CLOSED: no deadline given, and it was counted open only through {last}, {days} days after "
                        "its publication on {published}",
        "cancelled": "CLOSED: cancelled: a later notice ended its procedure without an award",
        "award": "CLOSED: an award notice, not a call for bids",
        "other": "CLOSED: not a call for bids or a prior information notice",
        "unpublished": "NOT PUBLISHED YET: it is published after now",
        "as_of": "{status} (as of {now})",
    },
    "ko": {
        "open_until": "접수 중: {deadline} 마감, {left}",
        "open_window": "접수 중: 마감 일시가 없어 게시일 {published}부터 {days}일, {last}까지 접수 중으로 봅니다",
        "open_undated": "접수 중: 마감 일시와 게시일이 모두 없습니다",
        "passed": "마감됨: 마감 일시({deadline})가 지났습니다",
        "window_ended": "마감됨: 마감 일시가 없어 게시일 {published}부터 {days}일, {last}까지만 접수 중으로 봅니다",
        "cancelled": "마감됨: 이후 공고가 낙찰 없이 절차를 종료했습니다(취소)",
        "award": "마감됨: 입찰 공고가 아닌 낙찰 공고입니다",
        "other": "마감됨: 입찰 공고나 사전 정보 공고가 아닙니다",
        "unpublished": "아직 게시되지 않음: 기준 시각 이후에 게시됩니다",
        "as_of": "{status} (기준 시각 {now})",
    },
}

_MOMENT = "%Y-%m-%d %H:%M UTC"


class NoticeStatus(BaseModel):
    """Whether a notice is open at ``as_of`` (README, "Open"), and why not."""

    open: bool = Field(description="open at as_of: a firm can bid on it")
    closure: Closure | None = Field(description=(
        "why it is not open, null while it is: cancelled (a later notice ended its procedure without an award), "
        "award (an award notice), other (not a call for bids or a prior information notice), unpublished "
        "(published after as_of), deadline (its deadline passed), window (without a deadline, its days after "
        "publication ended)"))
    as_of: datetime = Field(description="the moment it is judged at: the clock, MATCHER_CLOCK or --as-of (UTC)")
    detail: str = Field(description=(
        "the same in one line, in the reader's language, as matcher firms-for prints it first"))


def notice_status(tender: Tender, at: OpenAt, language: ReasonLanguage = "en") -> NoticeStatus:
    """Open or closed at ``at.now`` and why: the closure's code, and one line with the moment it is judged at
    (in UTC)."""
    closure = at.closure(tender)
    words = _WORDS[language]
    status = _status(tender, at, closure, words, language)
    line = words["as_of"].format(status=status, now=at.now.strftime(_MOMENT))
    return NoticeStatus(open=closure is None, closure=closure, as_of=at.now, detail=line)


def _status(tender: Tender, at: OpenAt, closure: Closure | None, words: dict[str, str],
            language: ReasonLanguage) -> str:
    if closure in ("cancelled", "award", "other", "unpublished"):
        return words[closure]
    if tender.deadline is not None:
        deadline = tender.deadline.strftime(_MOMENT)
        if closure is not None:
            return words["passed"].format(deadline=deadline)
        return words["open_until"].format(deadline=deadline, left=days_left(tender.deadline, at.now, language))
    window = at.rule.window(tender.notice_type)
    if tender.published is None or window is None:
        return words["open_undated"]
    dates = {"last": tender.published + timedelta(days=window), "days": window, "published": tender.published}
    return words["window_ended" if closure is not None else "open_window"].format(**dates)
