"""Reasons and concerns in words: one template per reason kind and language.

The core explains a match with ``Reason`` codes and parameters (``matcher.ranking.explain``); this module is the one
place that words them. Every face (CLI, API summary, digests, pages) calls ``render`` with the reader's
language, so adding a language means adding one column here, and ``tests/ranking/test_reasons.py`` checks that
every kind is worded in every language with its parameters filled in.

A few parameters hold text people or feeds wrote (``PEOPLES_PARAMS``: a firm's keyword, a notice's words), which each
face shows as it shows such text elsewhere: ``render`` as stored (the JSON summary: data, for the client to show),
``render_shown`` without the format characters that draw nothing (the terminal, a digest's text part: a keyword stored
with an override before keywords were refused one reverses the rest of its line in a terminal or mail client that runs
the bidirectional algorithm; FSI/PDI around it would show as nothing, or as boxes, in the many terminals that run
none, and a keyword copied out of the line would carry them, and be refused as input), and ``render_markup`` with
each such value isolated in a ``<bdi>`` (the workspace, a digest's HTML part: ``matcher.bidi``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Literal, TypeVar, get_args

from babel import Locale
from markupsafe import Markup, escape

from matcher.bidi import filled, isolated
from matcher.characters import shown_text
from matcher.reference.codebook import codebook
from matcher.schema import Explanation, Reason, ReasonKind

ReasonLanguage = Literal["en", "ko"]
LANGUAGES: tuple[ReasonLanguage, ...] = get_args(ReasonLanguage)
KINDS: tuple[str, ...] = get_args(ReasonKind)
#: Put before a concern in ``Explanation.summary`` so that consumers reading only the summary can tell.
CONCERN_PREFIX = "concern: "
#: Put before a concern in a summary worded in that language.
CONCERN_PREFIXES: dict[ReasonLanguage, str] = {"en": CONCERN_PREFIX, "ko": "확인할 점: "}

# Template keys are a kind, or "kind.variant" where the wording differs with the parameters (see _variant).
# Korean templates put no particle right after a placeholder (‘{found}’와, {value}을): its form depends on the word
# filled in, and a keyword in Latin letters has no form a reader takes as right; so they word around it (: , 의, 에).
TEMPLATES: dict[ReasonLanguage, dict[str, str]] = {
    "en": {
        "similar_text": "the notice's text is {strength} the profile's description",
        "shared_terms": "both mention {terms}",
        "keyword_match": "the firm's keyword \u201c{keyword}\u201d is in the notice (\u201c{found}\u201d)",
        "keyword_match.label": (
            "the firm's keyword \u201c{keyword}\u201d names the notice's category \u201c{found}\u201d"
        ),
        "keyword_match.korean_label": (
            "the firm's keyword \u201c{keyword}\u201d shares \u201c{found}\u201d with the notice's category "
            "\u201c{label}\u201d ({code}, in Korean \u201c{label_ko}\u201d)"
        ),
        "code_match": "{level}: {label} ({code}){origin}",
        "code_match.nolabel": "{level}: {code}{origin}",
        "code_match.keyword": "{level}: {label} ({code}), the code of the firm's keyword \u201c{keyword}\u201d",
        # A match above "exact" names the firm's own code too: the notice's code is a sibling or a child of it,
        # not the firm's (a bed maker's "same product class: Medical clothing" must not read as its own product).
        "code_match.near": "{level}: {label} ({code}); the firm's code is {firm_label} ({firm_code})",
        "code_match.near_inferred": (
            "{level}: {label} ({code}); the code suggested from the firm's description is {firm_label} ({firm_code})"
        ),
        "code_match.near_keyword": (
            "{level}: {label} ({code}); the code of the firm's keyword \u201c{keyword}\u201d is {firm_label} "
            "({firm_code})"
        ),
        "code_named": "the notice's text in {language} names \u201c{found}\u201d: {label} ({code}){origin}",
        "code_named.keyword": (
            "the notice's text in {language} names \u201c{found}\u201d: {label} ({code}), the code of the firm's "
            "keyword \u201c{keyword}\u201d"
        ),
        "country_target": "a target country: {countries}",
        "value_in_range": "value {value:,.0f} {currency} is within the firm's range",
        "history": "past wins: {detail}",
        "approved_by_partner": "approved for this firm by its partner",
        "on_shortlist": "on the firm's shortlist, awaiting the partner's decision",
        "like_approved": "resembles tenders the partner approved",
        "contract_nature_fit": "{nature}, and the firm {offers}",
        "value_above_range": (
            "value {value:,.0f} {currency} is above the firm's maximum ({limit:,.0f} {limit_currency})"
        ),
        "value_below_range": (
            "value {value:,.0f} {currency} is below the firm's minimum ({limit:,.0f} {limit_currency})"
        ),
        "closing_soon": "closes in {days} days ({deadline})",
        "closing_soon.one": "closes in 1 day ({deadline})",
        "closing_soon.today": "closes within 24 hours ({deadline})",
        "language_not_listed": "the notice is in {language}, not a language the firm lists ({languages})",
        "country_not_target": "not a target country: {countries} (targets: {targets})",
        "contract_nature_mismatch": "{nature}; the firm {offers}",
        "missing_distinctive_terms": "does not mention the firm's distinctive terms {terms}",
        "design_contest": (
            "published as a design contest: the buyer acquires a plan or design chosen by a jury, not the goods or "
            "works it names; the firm {offers}"
        ),
    },
    "ko": {
        "similar_text": "공고 내용이 회사 소개와 {strength}",
        "shared_terms": "공고와 회사 소개에 함께 나오는 단어: {terms}",
        "keyword_match": "회사 키워드 \u2018{keyword}\u2019: 공고에 있음 (\u2018{found}\u2019)",
        "keyword_match.label": "회사 키워드 \u2018{keyword}\u2019: 공고 분류 이름과 일치 (\u2018{found}\u2019)",
        "keyword_match.korean_label": (
            "회사 키워드 \u2018{keyword}\u2019의 \u2018{found}\u2019: 공고 분류 \u2018{label_ko}\u2019"
            "({label}, {code})에도 있음"
        ),
        "code_match": "{level}: {label} ({code}){origin}",
        "code_match.nolabel": "{level}: {code}{origin}",
        "code_match.keyword": "{level}: {label} ({code}), 회사 키워드 \u2018{keyword}\u2019의 코드",
        "code_match.near": "{level}: {label} ({code}); 회사 코드는 {firm_label} ({firm_code})",
        "code_match.near_inferred": "{level}: {label} ({code}); 회사 소개에서 추정한 코드는 {firm_label} ({firm_code})",
        "code_match.near_keyword": (
            "{level}: {label} ({code}); 회사 키워드 \u2018{keyword}\u2019의 코드는 {firm_label} ({firm_code})"
        ),
        "code_named": "공고 본문({language})에 나온 \u2018{found}\u2019: {label} ({code}){origin}",
        "code_named.keyword": (
            "공고 본문({language})에 나온 \u2018{found}\u2019: {label} ({code}), "
            "회사 키워드 \u2018{keyword}\u2019의 코드"
        ),
        "country_target": "목표 국가: {countries}",
        "value_in_range": "추정 금액 {value:,.0f} {currency}: 회사 계약 금액 범위 안",
        "history": "과거 수주 실적: {detail}",
        "approved_by_partner": "담당 파트너가 승인한 입찰",
        "on_shortlist": "관심 목록에 있음 (파트너 검토 중)",
        "like_approved": "파트너가 승인한 입찰과 비슷함",
        "contract_nature_fit": "{nature} 계약이며, 회사는 {offers}함",
        "value_above_range": (
            "추정 금액 {value:,.0f} {currency}: 회사 최대 계약 금액({limit:,.0f} {limit_currency})보다 큼"
        ),
        "value_below_range": (
            "추정 금액 {value:,.0f} {currency}: 회사 최소 계약 금액({limit:,.0f} {limit_currency})보다 작음"
        ),
        "closing_soon": "{days}일 후 마감 ({deadline})",
        "closing_soon.one": "1일 후 마감 ({deadline})",
        "closing_soon.today": "24시간 이내 마감 ({deadline})",
        "language_not_listed": "공고 언어 {language}: 회사가 쓰는 언어({languages})가 아님",
        "country_not_target": "목표 국가가 아님: {countries} (목표 국가: {targets})",
        "contract_nature_mismatch": "{nature} 계약이나, 회사는 {offers}함",
        "missing_distinctive_terms": "회사 소개의 핵심 용어가 공고에 없음: {terms}",
        "design_contest": (
            "설계 공모: 심사위원단이 고른 설계안을 구매하는 공고로, 공고에 나오는 물품이나 공사를 발주하지 않음. "
            "회사는 {offers}함"
        ),
    },
}

# Parameters whose values are codes, worded per language (the rest are shown as given).
WORDS: dict[ReasonLanguage, dict[str, dict[str, str]]] = {
    "en": {
        "strength": {"strong": "very close to", "good": "close to", "fair": "related to",
                     "weak": "only loosely related to"},
        # CPV levels (category > class > group > division) and UNSPSC (class > family > segment).
        "level": {
            "exact": "same product", "within": "in the firm's product line", "category": "same product category",
            "class": "same product class", "group": "same product group", "division": "same sector",
            "family": "same product family", "segment": "same sector",
        },
        "origin": {"confirmed": "", "inferred": " (suggested from the description)",
                   "keyword": " (suggested from the firm's keywords)"},
        "nature": {"supplies": "a supply contract", "services": "a services contract", "works": "a works contract"},
        "offers": {"supplies": "sells goods", "services": "provides services", "works": "builds (works)"},
    },
    "ko": {
        "strength": {"strong": "매우 비슷함", "good": "비슷함", "fair": "관련 있음", "weak": "약간 관련 있음"},
        "level": {
            "exact": "같은 품목", "within": "회사 분류에 속하는 품목", "category": "같은 세분류",
            "class": "같은 소분류", "group": "같은 중분류", "division": "같은 업종",
            "family": "같은 중분류", "segment": "같은 업종",
        },
        "origin": {"confirmed": "", "inferred": " (회사 소개에서 추정한 코드)",
                   "keyword": " (회사 키워드에서 찾은 코드)"},
        "nature": {"supplies": "물품 구매", "services": "용역", "works": "공사"},
        "offers": {"supplies": "물품을 공급", "services": "용역을 제공", "works": "공사를 수행"},
    },
}
# Language names for ``language_not_listed`` (the EU's 24, Korean and the other languages feeds come in);
# a code without a name is shown as the code.
_LANGUAGE_NAMES: dict[ReasonLanguage, dict[str, str]] = {
    "en": {
        "bg": "Bulgarian", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek", "en": "English",
        "es": "Spanish", "et": "Estonian", "fi": "Finnish", "fr": "French", "ga": "Irish", "hr": "Croatian",
        "hu": "Hungarian", "it": "Italian", "lt": "Lithuanian", "lv": "Latvian", "mt": "Maltese", "nl": "Dutch",
        "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "sk": "Slovak", "sl": "Slovenian", "sv": "Swedish",
        "ko": "Korean", "ja": "Japanese", "zh": "Chinese", "ru": "Russian", "uk": "Ukrainian", "ar": "Arabic",
        "tr": "Turkish", "vi": "Vietnamese", "id": "Indonesian", "no": "Norwegian",
    },
    "ko": {
        "bg": "불가리아어", "cs": "체코어", "da": "덴마크어", "de": "독일어", "el": "그리스어", "en": "영어",
        "es": "스페인어", "et": "에스토니아어", "fi": "핀란드어", "fr": "프랑스어", "ga": "아일랜드어",
        "hr": "크로아티아어", "hu": "헝가리어", "it": "이탈리아어", "lt": "리투아니아어", "lv": "라트비아어",
        "mt": "몰타어", "nl": "네덜란드어", "pl": "폴란드어", "pt": "포르투갈어", "ro": "루마니아어",
        "sk": "슬로바키아어", "sl": "슬로베니아어", "sv": "스웨덴어", "ko": "한국어", "ja": "일본어", "zh": "중국어",
        "ru": "러시아어", "uk": "우크라이나어", "ar": "아랍어", "tr": "터키어", "vi": "베트남어", "id": "인도네시아어",
        "no": "노르웨이어",
    },
}
for _lang in LANGUAGES:
    WORDS[_lang]["language"] = WORDS[_lang]["languages"] = _LANGUAGE_NAMES[_lang]
# Korean joins what a firm offers as verb stems, the template adding the ending: "물품을 공급하고 용역을 제공함"
# (a comma between finished verbs, "공급함, 제공함", reads as two notes, not one sentence).
_JOIN: dict[ReasonLanguage, dict[str, str]] = {"en": {"offers": " and "}, "ko": {"offers": "하고 "}}


def _variant(reason: Reason) -> str:
    """The template key: most kinds have one wording, a few depend on their parameters."""
    params = reason.params
    if reason.kind == "code_match" and not params.get("label"):
        return "code_match.nolabel"
    if reason.kind == "code_match" and params.get("level") != "exact" and _firm_label(reason):
        if params.get("origin") == "keyword" and params.get("keyword"):
            return "code_match.near_keyword"
        return "code_match.near_inferred" if params.get("origin") == "inferred" else "code_match.near"
    if reason.kind in ("code_match", "code_named") and params.get("origin") == "keyword" and params.get("keyword"):
        return f"{reason.kind}.keyword"
    if reason.kind == "keyword_match" and params.get("via") in ("label", "korean_label"):
        return f"keyword_match.{params['via']}"
    if reason.kind == "closing_soon":
        days = params.get("days", 0)
        if isinstance(days, int | float) and days < 1:
            return "closing_soon.today"
        if days == 1:
            return "closing_soon.one"
    return reason.kind


#: Reason parameters that hold ISO 3166 country codes, shown as the country's name in the reader's language.
COUNTRY_PARAMS = frozenset({"countries", "targets"})


@cache
def country_name(code: str, language: ReasonLanguage) -> str:
    """'KE' -> 'Kenya' (en) or '케냐' (ko), from CLDR through babel; the code itself when CLDR has no name."""
    return str(Locale.parse(language).territories.get(code, code))


def _word(language: ReasonLanguage, name: str, value: str) -> str:
    if name in COUNTRY_PARAMS:
        return country_name(value, language)
    return WORDS[language].get(name, {}).get(value, value)


def _value(language: ReasonLanguage, name: str, value: str | int | float | list[str]) -> str | int | float:
    if isinstance(value, list):
        words = [_word(language, name, v) for v in value]
        return _JOIN[language].get(name, ", ").join(words)
    if isinstance(value, str):
        return _word(language, name, value)
    return value


def _firm_label(reason: Reason) -> str | None:
    """The label of the firm's code that a code match matched through (``firm_code``, "CPV:33192120")."""
    code = reason.params.get("firm_code")
    return codebook().label(code) if isinstance(code, str) else None


def _code_label(lang: ReasonLanguage, code: object, label: str | int | float) -> str | int | float:
    """A code's label as a reader of ``lang`` is shown it: a Korean reader gets the code's shipped Korean label
    before the English one ("수도 계량기 / Water meters"), where one ships. ``code`` as shown ("CPV 38421100")."""
    if lang == "en" or not label or not isinstance(code, str):
        return label
    translated = codebook().label_in(code.replace(" ", ":", 1), lang)
    return f"{translated} / {label}" if translated else label


#: Reason parameters that hold text people or feeds wrote: a firm's keyword, the words of the notice (or of a code's
#: label) it was found as, the terms a profile and a notice share or the profile's terms the notice lacks. The others
#: are the core's words, codes, names and numbers.
PEOPLES_PARAMS = frozenset({"keyword", "found", "terms"})


def _worded(reason: Reason, language: str) -> tuple[ReasonLanguage, str, dict[str, str | int | float]]:
    """The reader's language, the template of ``reason`` and its filled parameters, as stored."""
    lang: ReasonLanguage = "ko" if language == "ko" else "en"
    variant = _variant(reason)
    template = TEMPLATES[lang][variant]
    params = {name: _value(lang, name, value) for name, value in reason.params.items()}
    if reason.kind in ("code_match", "code_named") and "label" in params:
        params["label"] = _code_label(lang, params.get("code"), params["label"])
    if variant.startswith("code_match.near"):
        firm_code = str(reason.params["firm_code"]).replace(":", " ", 1)
        params["firm_code"] = firm_code
        params["firm_label"] = _code_label(lang, firm_code, _firm_label(reason) or "")
    return lang, template, params


def _peoples(reason: Reason, lang: ReasonLanguage) -> dict[str, tuple[str, list[str]]]:
    """Each parameter of ``PEOPLES_PARAMS`` that ``reason`` has: the separator of its list, and its values."""
    found: dict[str, tuple[str, list[str]]] = {}
    for name in PEOPLES_PARAMS & reason.params.keys():
        value = reason.params[name]
        values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        found[name] = (_JOIN[lang].get(name, ", "), values)
    return found


def render(reason: Reason, language: str = "en") -> str:
    """One reason or concern as a phrase in ``language`` (English for a language without templates), the text people
    or feeds wrote as stored (the JSON summary)."""
    _, template, params = _worded(reason, language)
    return template.format(**params)


def render_shown(reason: Reason, language: str = "en") -> str:
    """``render`` for a plain-text face (the terminal, a digest's text part): the text people or feeds wrote without
    the format characters that draw nothing (``shown_text``: a bidirectional override, a zero-width space)."""
    lang, template, params = _worded(reason, language)
    for name, (separator, values) in _peoples(reason, lang).items():
        params[name] = separator.join(shown_text(value) for value in values)
    return template.format(**params)


def render_markup(reason: Reason, language: str = "en") -> Markup:
    """``render`` for HTML (the workspace, a digest's HTML part), escaped, each value people or feeds wrote isolated
    in a ``<bdi>`` of its own (``matcher.bidi``), a list's values one by one."""
    lang, template, params = _worded(reason, language)
    peoples = _peoples(reason, lang)
    lists = {name: Markup(escape(separator)).join(isolated(value) for value in values)
             for name, (separator, values) in peoples.items() if isinstance(reason.params[name], list)}
    return filled(template, peoples.keys() - lists.keys(), **{**params, **lists})


def render_all(reasons: Iterable[Reason], language: str = "en") -> list[str]:
    return [render(r, language) for r in reasons]


def summary(reasons: Sequence[Reason], concerns: Sequence[Reason]) -> list[str]:
    """The English sentences of ``Explanation.summary``: the reasons, then the concerns, prefixed."""
    return render_all(reasons) + [CONCERN_PREFIX + text for text in render_all(concerns)]


Line = TypeVar("Line", bound=str)


def _lines(explanation: Explanation, language: str, word: Callable[[Reason, str], Line],
           old: Callable[[str], Line]) -> tuple[list[Line], list[Line]]:
    """(reasons, concerns) worded by ``word``; an explanation without structured reasons (made by an older version
    and read back from a cache or log) by its English summary, each line as ``old`` shows it."""
    if not explanation.reasons and not explanation.concerns:
        return [old(line) for line in explanation.summary], []
    return [word(r, language) for r in explanation.reasons], [word(r, language) for r in explanation.concerns]


def explanation_lines(explanation: Explanation, language: str = "en") -> tuple[list[str], list[str]]:
    """(reasons, concerns) of a match in ``language``, as stored (``render``)."""
    return _lines(explanation, language, render, str)


def shown_lines(explanation: Explanation, language: str = "en") -> tuple[list[str], list[str]]:
    """``explanation_lines`` for a plain-text face (``render_shown``)."""
    return _lines(explanation, language, render_shown, shown_text)


def markup_lines(explanation: Explanation, language: str = "en") -> tuple[list[Markup], list[Markup]]:
    """``explanation_lines`` for HTML (``render_markup``); an old summary's lines escaped."""
    return _lines(explanation, language, render_markup, escape)


def summary_in(explanation: Explanation, language: ReasonLanguage = "en") -> list[str]:
    """``Explanation.summary`` worded in ``language``: the reasons, then the concerns, prefixed."""
    reasons, concerns = explanation_lines(explanation, language)
    return reasons + [CONCERN_PREFIXES[language] + text for text in concerns]


#: How ``deadline_note`` begins for a notice a later one cancelled, in English (``Explanation.deadline``).
CANCELLED = "cancelled by a later notice"
_DEADLINE_WORDS: dict[ReasonLanguage, dict[str, str]] = {
    "en": {"cancelled": CANCELLED, "cancelled_at": CANCELLED + " (its deadline was {when})",
           "none": "no deadline given", "closed": "closed on {when}", "open": "closes {when} ({left})",
           "hours": "less than a day left", "day": "1 day left", "days": "{days} days left"},
    "ko": {"cancelled": "이후 공고로 취소됨", "cancelled_at": "이후 공고로 취소됨 (원래 마감 {when})",
           "none": "마감 일시 미기재", "closed": "{when} 마감됨", "open": "{when} 마감 ({left})",
           "hours": "1일 미만 남음", "day": "1일 남음", "days": "{days}일 남음"},
}


def days_left(deadline: datetime, now: datetime, language: ReasonLanguage = "en") -> str:
    """The whole days from ``now`` to an open ``deadline`` in words ("less than a day left", "1 day left",
    "12 days left"): the one wording the reasons, ``matcher firms-for``'s status line and the digests share."""
    words = _DEADLINE_WORDS[language]
    days = int((deadline - now).total_seconds() // 86400)
    return words["hours"] if days < 1 else words["day"] if days == 1 else words["days"].format(days=days)


def deadline_note(deadline: datetime | None, now: datetime, cancelled: bool = False,
                  language: ReasonLanguage = "en") -> str:
    """The deadline in words at ``now``; a notice a later one ``cancelled`` (only the store knows) says so."""
    words = _DEADLINE_WORDS[language]
    when = deadline.strftime("%Y-%m-%d %H:%M UTC") if deadline is not None else None
    if cancelled:
        return words["cancelled_at"].format(when=when) if when else words["cancelled"]
    if deadline is None or when is None:
        return words["none"]
    if deadline < now:
        return words["closed"].format(when=when)
    return words["open"].format(when=when, left=days_left(deadline, now, language))
