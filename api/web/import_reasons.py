"""Why an uploaded file's record was rejected, in the page's language.

The core words its reasons in English (``matcher.ingest``: ``describe_validation_error`` joins one
``field: message`` per bad field with '; ', and a few reasons are about the whole record: a duplicate, a line that
is no JSON, a test notice). The import page shows them to an officer who may read it in Korean: each reason the
core can give a tender table's record is matched here by its English pattern and said again in Korean, with the
field names, ids and values it quotes kept exactly as written. A reason with any part this table does not know
is shown as the core said it, marked English (half a sentence translated would read as a different reason).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from api.web.messages import Language

Words = Callable[[re.Match[str]], str]


@dataclass(frozen=True)
class Said:
    """One English reason (``pattern``, matched whole) and its Korean words (``korean``: a template of the
    pattern's named groups, or a function of the match)."""

    pattern: re.Pattern[str]
    korean: str | Words

    def say(self, text: str) -> str | None:
        found = self.pattern.fullmatch(text)
        if found is None:
            return None
        return self.korean(found) if callable(self.korean) else self.korean.format(**found.groupdict())


def _said(pattern: str, korean: str | Words) -> Said:
    return Said(re.compile(pattern, re.DOTALL), korean)


def _choices(found: re.Match[str]) -> str:
    # "'a', 'b' or 'c'": the values as written, without the English "or".
    return "다음 중 하나여야 합니다: " + re.sub(r"' or '", "', '", found["v"])


def _duplicate(found: re.Match[str]) -> str:
    head = f"이 파일에 {found['what']}이(가) 두 번 나옵니다: {found['first']}의 첫 레코드를 남겼고, 이 레코드는 "
    return head + (f"{found['d']} 값이 다릅니다" if found["d"] else "똑같은 사본입니다")


#: Reasons about a whole record (matched before a reason is split into its fields' parts: some hold '; ').
WHOLE = (
    _said(r"test notice", "시험용 공고입니다"),
    _said(r"duplicate (?P<what>.+?) in this file: the first, at (?P<first>.+?), is kept; this one "
          r"(?:differs in (?P<d>.+)|is an identical copy)", _duplicate),
    _said(r"not valid JSON at column (?P<c>\d+) \((?P<m>.+)\)", "{c}번째 글자에서 JSON으로 읽을 수 없습니다 ({m})"),
    _said(r"expected a JSON object, got (?P<t>\w+)", "JSON 객체여야 합니다 (받은 것: {t})"),
    _said(r"(?P<n>\d+) values but the header has (?P<m>\d+) columns", "값이 {n}개인데 머리글의 열은 {m}개입니다"),
    _said(r"names (?P<k>.+) more than once: give each key once \(which value was meant is unknown\)",
          "{k} 키가 여러 번 나옵니다. 키마다 한 번만 쓰세요 (어느 값을 뜻했는지 알 수 없습니다)"),
    _said(r"record is not a JSON object", "레코드가 JSON 객체가 아닙니다"),
    _said(r"release without an 'ocid' \(expected an OCDS release\)",
          "'ocid'가 없는 릴리스입니다 (OCDS 릴리스여야 합니다)"),
    _said(r"record without an 'ocid'", "'ocid'가 없는 레코드입니다"),
    _said(r"no usable release", "쓸 수 있는 릴리스가 없습니다"),
)

#: What one field's part says (after ``field: ``).
PARTS = (
    _said(r"Field required", "값이 없습니다 (필수 항목)"),
    _said(r"unknown country (?P<v>.+) \(expected ISO 3166 alpha-2, e\.g\. 'KR'\)",
          "알 수 없는 국가 {v} (ISO 3166 두 글자 코드여야 합니다. 예: 'KR')"),
    _said(r"unknown currency (?P<v>.+) \(expected ISO 4217, e\.g\. 'EUR'\)",
          "알 수 없는 통화 {v} (ISO 4217 코드여야 합니다. 예: 'EUR')"),
    _said(r"unknown language (?P<v>.+) \(expected ISO 639-1, e\.g\. 'ko'\)",
          "알 수 없는 언어 {v} (ISO 639-1 코드여야 합니다. 예: 'ko')"),
    _said(r"bad CPV code (?P<v>.+) \(expected 8 digits, e\.g\. 'CPV:71320000'\)",
          "잘못된 CPV 코드 {v} (숫자 8자리여야 합니다. 예: 'CPV:71320000')"),
    _said(r"bad UNSPSC code (?P<v>.+) \(expected 2-8 digits, e\.g\. 'UNSPSC:43211500'\)",
          "잘못된 UNSPSC 코드 {v} (숫자 2~8자리여야 합니다. 예: 'UNSPSC:43211500')"),
    _said(r"unknown classification code (?P<v>.+) \(expected a scheme prefix, e\.g\. 'CPV:71320000' or "
          r"'UNSPSC:43211500'\)",
          "알 수 없는 분류 코드 {v} (체계 접두어가 있어야 합니다. 예: 'CPV:71320000', 'UNSPSC:43211500')"),
    _said(r"expected an ISO 8601 date \(YYYY-MM-DD\), not the number (?P<v>\S+)",
          "ISO 8601 날짜(YYYY-MM-DD)여야 합니다. 받은 값: 숫자 {v}"),
    _said(r"expected an ISO 8601 date \(YYYY-MM-DD\), not (?P<v>.+)",
          "ISO 8601 날짜(YYYY-MM-DD)여야 합니다. 받은 값: {v}"),
    _said(r"expected an ISO 8601 date-time \(YYYY-MM-DDTHH:MM:SS\), in UTC unless it names an offset, not the "
          r"number (?P<v>\S+)",
          "ISO 8601 날짜·시각(YYYY-MM-DDTHH:MM:SS, 시간대가 없으면 UTC)이어야 합니다. 받은 값: 숫자 {v}"),
    _said(r"expected an ISO 8601 date-time \(YYYY-MM-DDTHH:MM:SS\), in UTC unless it names an offset, not (?P<v>.+)",
          "ISO 8601 날짜·시각(YYYY-MM-DDTHH:MM:SS, 시간대가 없으면 UTC)이어야 합니다. 받은 값: {v}"),
    _said(r"deadline (?P<d>\S+) is before the publication date (?P<p>\S+) \(a call cannot close before it is "
          r"published\)", "마감 {d}이(가) 공고일 {p}보다 앞섭니다 (공고되기 전에 마감될 수 없습니다)"),
    _said(r"a negative value (?P<v>\S+) \(expected an amount of 0 or more\)", "음수 {v} (0 이상의 금액이어야 합니다)"),
    _said(r"Input should be greater than or equal to (?P<n>\S+)", "{n} 이상이어야 합니다"),
    _said(r"Input should be less than or equal to (?P<n>\S+)", "{n} 이하여야 합니다"),
    _said(r"String should have at most (?P<n>[\d,]+) characters?", "최대 {n}자까지 쓸 수 있습니다"),
    _said(r"String should have at least (?P<n>[\d,]+) characters?", "최소 {n}자여야 합니다"),
    _said(r"Input should be a valid number(?:, unable to parse string as a number)?", "숫자여야 합니다"),
    _said(r"Input should be a valid integer(?:, unable to parse string as an integer)?", "정수여야 합니다"),
    _said(r"Input should be a valid boolean(?:, unable to interpret input)?", "참/거짓(true/false) 값이어야 합니다"),
    _said(r"Input should be a valid string", "텍스트여야 합니다"),
    _said(r"Input should be a valid list", "목록이어야 합니다"),
    _said(r"Input should be (?P<v>'.+')", _choices),
    _said(r"url (?P<v>.+) is not an http\(s\) address", "url {v}은(는) http(s) 주소가 아닙니다"),
    _said(r"must contain a visible character, not only spaces or control characters",
          "보이는 문자가 있어야 합니다 (공백이나 제어 문자만으로는 안 됩니다)"),
    _said(r"(?P<v>.+) contains a NUL character \(\\x00\), which text may not",
          "{v}에 NUL 문자(\\x00)가 있습니다. 텍스트에는 쓸 수 없습니다"),
    _said(r"bad id (?P<v>.+) \(expected 1-200 characters without spaces, '/', '\?', '#', control or invisible "
          r"characters, and not '\.' or '\.\.'\)",
          "잘못된 id {v} (공백, '/', '?', '#', 제어 문자나 보이지 않는 문자 없이 1~200자여야 하며 '.'이나 '..'은 "
          "안 됩니다)"),
)

#: ``field: message``, the field as ``describe_validation_error`` names it ('countries.0', 'record').
_PART = re.compile(r"(?P<where>[\w.]+): (?P<why>.+)", re.DOTALL)


def _first(table: tuple[Said, ...], text: str) -> str | None:
    return next((words for said in table if (words := said.say(text)) is not None), None)


def _korean(reason: str) -> str | None:
    whole = _first(WHOLE, reason)
    if whole is not None:
        return whole
    parts = []
    for part in reason.split("; "):
        found = _PART.fullmatch(part)
        words = _first(PARTS, found["why"]) if found else None
        if found is None or words is None:
            return None
        parts.append(f"{found['where']}: {words}")
    return "; ".join(parts)


def said(reason: str, language: Language) -> tuple[str, Language]:
    """``reason`` in ``language`` when it has words for it there, and the language it is said in."""
    if language == "ko" and (korean := _korean(reason)) is not None:
        return korean, "ko"
    return reason, "en"
