"""The line ``matcher firms-for`` prints first: whether the notice is open at now, and why not, in the words of
the product's one open rule (``matcher.normalize.openness``), in English or Korean (``--lang``)."""

from __future__ import annotations

from datetime import timedelta

from matcher.normalize.openness import OpenAt
from matcher.ranking.reasons import ReasonLanguage
from matcher.schema import Tender

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "open_until": "OPEN: closes {deadline}, {left}",
        "days_left": "{days} days left",
        "hours_left": "less than a day left",
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
        "days_left": "{days}일 남음",
        "hours_left": "1일 미만 남음",
        "open_window": "접수 중: 마감 일시가 없어 공고일 {published}부터 {days}일, {last}까지 접수 중으로 봅니다",
        "open_undated": "접수 중: 마감 일시와 공고일이 모두 없습니다",
        "passed": "마감됨: 마감 일시 {deadline}가 지났습니다",
        "window_ended": "마감됨: 마감 일시가 없어 공고일 {published}부터 {days}일, {last}까지만 접수 중으로 봅니다",
        "cancelled": "마감됨: 이후 공고가 낙찰 없이 절차를 종료했습니다(취소)",
        "award": "마감됨: 입찰 공고가 아닌 낙찰 공고입니다",
        "other": "마감됨: 입찰 공고나 사전 안내 공고가 아닙니다",
        "unpublished": "아직 공고되지 않음: 기준 시각 이후에 공고됩니다",
        "as_of": "{status} (기준 시각 {now})",
    },
}

_MOMENT = "%Y-%m-%d %H:%M UTC"


def notice_status(tender: Tender, at: OpenAt, language: ReasonLanguage = "en") -> str:
    """One line: open or closed at ``at.now`` and why, with the moment it is judged at (in UTC)."""
    words = _WORDS[language]
    return words["as_of"].format(status=_status(tender, at, words), now=at.now.strftime(_MOMENT))


def _status(tender: Tender, at: OpenAt, words: dict[str, str]) -> str:
    closure = at.closure(tender)
    if closure in ("cancelled", "award", "other", "unpublished"):
        return words[closure]
    if tender.deadline is not None:
        deadline = tender.deadline.strftime(_MOMENT)
        if closure is not None:
            return words["passed"].format(deadline=deadline)
        days = int((tender.deadline - at.now) / timedelta(days=1))
        left = words["days_left"].format(days=days) if days else words["hours_left"]
        return words["open_until"].format(deadline=deadline, left=left)
    window = at.rule.window(tender.notice_type)
    if tender.published is None or window is None:
        return words["open_undated"]
    dates = {"last": tender.published + timedelta(days=window), "days": window, "published": tender.published}
    return words["window_ended" if closure is not None else "open_window"].format(**dates)
