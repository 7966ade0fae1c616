"""The words of a digest email in Korean and English, and Korean wording for the core's reasons.

The core explains matches in English sentences of a few fixed shapes; the common ones are rephrased in
Korean here, and anything unrecognised is shown as written (English), never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from matcher.store.subscriptions import DigestLanguage

LABELS: dict[DigestLanguage, dict[str, str]] = {
    "en": {
        "subject": "{count} new tender{plural} for {firm}",
        "heading": "New tenders for {firm}",
        "intro": "{count} open tender{plural} that fit {firm}, as of {date}.",
        "approved_note": "Items marked ★ were recommended by your partner.",
        "approved": "★ Recommended by your partner",
        "buyer": "Buyer",
        "country": "Country",
        "deadline": "Deadline",
        "value": "Value",
        "score": "Match score",
        "reasons": "Why it matched",
        "link": "View notice",
        "days_left": "{days} days left",
        "today": "less than a day left",
        "no_deadline": "no deadline given",
        "no_value": "not given",
        "no_buyer": "not given",
        "no_country": "not given",
        "footer": "You receive this {frequency} digest at {email}.",
        "unsubscribe": "Unsubscribe",
        "daily": "daily",
        "weekly": "weekly",
    },
    "ko": {
        "subject": "[해외입찰 알림] {firm} 맞춤 신규 입찰 {count}건",
        "heading": "{firm} 맞춤 신규 해외 공공입찰",
        "intro": "{date} 기준으로 {firm}에 맞는 진행 중인 입찰 {count}건을 골랐습니다.",
        "approved_note": "★ 표시는 담당 파트너가 추천한 입찰입니다.",
        "approved": "★ 담당 파트너 추천",
        "buyer": "발주기관",
        "country": "국가",
        "deadline": "마감",
        "value": "추정 금액",
        "score": "적합도",
        "reasons": "추천 이유",
        "link": "공고 보기",
        "days_left": "{days}일 남음",
        "today": "24시간 이내 마감",
        "no_deadline": "마감일 미정",
        "no_value": "미공개",
        "no_buyer": "미상",
        "no_country": "미상",
        "footer": "이 메일은 {email} 주소로 {frequency} 발송되는 입찰 알림입니다.",
        "unsubscribe": "수신 거부",
        "daily": "매일",
        "weekly": "매주",
    },
}


_LEVELS = {"exact": "일치", "within": "하위 분류 일치", "category": "같은 상위 분류", "class": "같은 상위 분류",
           "group": "같은 상위 분류", "division": "같은 대분류", "family": "같은 상위 분류", "segment": "같은 대분류"}
_KO_REASONS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^text is semantically similar to the profile \(([\d.]+)\)$"),
     lambda m: f"공고 내용이 회사 소개와 의미상 유사함 ({m.group(1)})"),
    (re.compile(r"^shares the terms (.+)$"), lambda m: f"공통 핵심어: {m.group(1)}"),
    (re.compile(r"^code (\S+)(?: \((.+)\))?: (\w+) match with (\S+)$"),
     lambda m: f"분류 코드 {_LEVELS.get(m.group(3), m.group(3))}: 공고 {m.group(1)}"
               f"{f' ({m.group(2)})' if m.group(2) else ''} ↔ 회사 {m.group(4)}"),
    (re.compile(r"^lacks the profile's distinctive terms (.+)$"), lambda m: f"회사 핵심어 없음: {m.group(1)}"),
    (re.compile(r"^(.+) is a target country$"), lambda m: f"{m.group(1)}: 목표 진출 국가"),
    (re.compile(r"^(.+) is not among the target countries \((.*)\)$"),
     lambda m: f"{m.group(1)}: 목표 국가({m.group(2)})가 아님"),
    (re.compile(r"^(.+) is within the firm's range$"), lambda m: f"{m.group(1)}: 회사의 사업 규모 범위 안"),
    (re.compile(r"^(.+) is below the firm's minimum$"), lambda m: f"{m.group(1)}: 회사 최소 규모보다 작음"),
    (re.compile(r"^(.+) is above the firm's maximum$"), lambda m: f"{m.group(1)}: 회사 최대 규모보다 큼"),
    (re.compile(r"^approved for this firm by its partner$"), lambda m: "담당 파트너가 승인한 입찰"),
    (re.compile(r"^on the firm's shortlist, awaiting the partner's decision$"),
     lambda m: "관심 목록에 있음 (파트너 검토 중)"),
    (re.compile(r"^resembles tenders the partner approved$"), lambda m: "파트너가 승인한 입찰과 비슷함"),
]


def reason(text: str, language: DigestLanguage) -> str:
    """One reason in the email's language (Korean wording for the known shapes, else as written)."""
    if language == "ko":
        for pattern, build in _KO_REASONS:
            found = pattern.match(text)
            if found:
                return build(found)
    return text
