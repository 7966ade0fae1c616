"""The words of a digest email in Korean and English. The reasons of each match come from the core as codes
with parameters and are worded by ``matcher.ranking.reasons`` in the email's language."""

from __future__ import annotations

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
        "score": "Fit",
        "band_strong": "strong fit ({fit})", "band_good": "good fit ({fit})", "band_possible": "possible fit ({fit})",
        "band_weak": "weak fit ({fit})", "band_evidence": ": {tenths} in 10 such matches were judged relevant",
        "reasons": "Why it matched",
        "concerns": "Check before bidding",
        "link": "View notice",
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
        "band_strong": "매우 적합 ({fit})", "band_good": "적합 ({fit})", "band_possible": "검토 가능 ({fit})",
        "band_weak": "낮음 ({fit})", "band_evidence": ", 이런 추천 10건 중 {tenths}건이 적합으로 판정됨",
        "reasons": "추천 이유",
        "concerns": "확인할 점",
        "link": "공고 보기",
        "no_deadline": "마감일 미기재",
        "no_value": "미기재",
        "no_buyer": "미기재",
        "no_country": "미기재",
        "footer": "이 메일은 {email} 주소로 {frequency} 발송되는 입찰 알림입니다.",
        "unsubscribe": "수신 거부",
        "daily": "매일",
        "weekly": "매주",
    },
}
