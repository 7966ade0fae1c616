"""Digest emails word the core's reason codes in the subscription's language, concerns apart from reasons."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from matcher.config import Settings
from matcher.digest.build import DigestItem, DigestPlan
from matcher.digest.render import render_digest
from matcher.schema import Explanation, Match, Reason, ScoreParts
from matcher.store.subscriptions import Subscription

AS_OF = datetime(2021, 6, 1, tzinfo=UTC)
REASONS = [
    Reason(kind="code_match", params={"level": "exact", "label": "Water meters", "code": "CPV 38421100",
                                      "firm_code": "CPV:38421100", "origin": "inferred"}),
    Reason(kind="keyword_match", params={"keyword": "water meters", "found": "Water meters", "via": "label"}),
    Reason(kind="similar_text", params={"strength": "good", "similarity": 0.46}),
]
CONCERNS = [
    Reason(kind="closing_soon", params={"days": 3, "deadline": "2021-06-04 12:00 UTC"}),
    Reason(kind="language_not_listed", params={"language": "bg", "languages": ["ko", "en"]}),
]


def plan(language: str) -> DigestPlan:
    explanation = Explanation(reasons=REASONS, concerns=CONCERNS, summary=["English only"])
    match = Match(tender_id="ted:1", firm_id="f", rank=1, score=0.8, parts=ScoreParts(), reasons=explanation,
                  title="Доставка на водомери")
    subscription = Subscription(firm_id="f", email="a@example.org", subscription_id="s1",
                                language=language)  # type: ignore[arg-type]
    return DigestPlan(subscription, "Hanbit", AS_OF, (DigestItem(match, approved=False),))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ko", ["같은 품목: 수도 계량기 / Water meters (CPV 38421100) (회사 소개에서 추정한 코드)",
                "회사 키워드 \u2018water meters\u2019: 공고 분류 이름과 일치 (\u2018Water meters\u2019)",
                "공고 내용이 회사 소개와 비슷함", "확인할 점", "3일 후 마감 (2021-06-04 12:00 UTC)",
                "공고 언어 불가리아어: 회사가 쓰는 언어(한국어, 영어)가 아님"]),
        ("en", ["same product: Water meters (CPV 38421100) (suggested from the description)",
                "the notice's text is close to the profile's description", "Check before bidding",
                "closes in 3 days (2021-06-04 12:00 UTC)",
                "the notice is in Bulgarian, not a language the firm lists (Korean, English)"]),
    ],
)
def test_reasons_and_concerns_in_the_subscriptions_language(
    tmp_path: Path, language: str, expected: list[str]
) -> None:
    rendered = render_digest(plan(language), Settings(home=tmp_path, public_url="https://matcher.test"))
    for line in expected:
        assert line in rendered.text
    assert "English only" not in rendered.text  # the summary is not re-parsed: the codes are worded
    # Concerns come after the reasons, in their own list (text: "!", HTML: a second <ul>).
    assert rendered.text.index(expected[2 if language == "ko" else 1]) < rendered.text.index(expected[-1])
    assert "! " + expected[-1] in rendered.text
    assert rendered.html.count("<ul") == 2 and expected[-1] in rendered.html


@pytest.mark.parametrize(("hours", "language", "left"), [
    (30, "en", "(1 day left)"), (50, "en", "(2 days left)"), (12, "en", "(less than a day left)"),
    (30, "ko", "(1일 남음)"), (12, "ko", "(1일 미만 남음)"), (50, "ko", "(2일 남음)"),
])
def test_the_days_left_are_counted_in_words(tmp_path: Path, hours: int, language: str, left: str) -> None:
    """A deadline one whole day away read "(1 days left)"."""
    digest = plan(language)
    item = digest.items[0]
    dated = replace(item, match=item.match.model_copy(update={"deadline": AS_OF + timedelta(hours=hours)}))
    rendered = render_digest(replace(digest, items=(dated,)), Settings(home=tmp_path, public_url="https://matcher.test"))
    assert left in rendered.text
