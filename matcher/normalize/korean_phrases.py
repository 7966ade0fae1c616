"""The product phrases of a Korean description, to suggest as the firm's keywords.

A Korean firm's keywords are what reaches notices: no notice is written in Korean, so each keyword is translated
into a CPV class (``matcher.search.code_inference``) and read against the Korean labels of a notice's codes
(``matcher.ranking.korean_labels``). A profile without keywords has only its whole description, which the
encoder reads by its longest sentences. On the development sets' Korean profiles, the same profiles with their
keywords taken away fell from nDCG@10 0.668 to 0.450 (tuning half), 0.794 to 0.715, 0.657 to 0.455 and 0.694 to
0.538 (evaluation/RESULTS.md, "Keywords read from a Korean description").

So a profile's description is read for the phrases that name what it sells: each run of nouns (Kiwi's
morphological analysis, ``kiwipiepy``: NNG, NNP, foreign words, and a noun suffix such as 용 or 형 kept on its
noun, "배전용 강관주"), two nouns joined by "·", "/" or "및" kept together ("학생용 책상·의자"), with the words
that name an activity, a buyer or a place (``GENERIC``: 당사, 제조, 시공, 병원, 공항, ...) taken off both ends,
and a phrase left with fewer than two Hangul syllables dropped. The first ``LIMIT`` in the text's order are the
suggestion: a Korean SME's description names its products first. A phrase is written as the text writes it
("디지털 X선 촬영장치", not the analyser's "디지털 X 선 촬영 장치"). Read as they are, in place of the taken-away
keywords, the phrases lifted the development sets to 0.623, 0.660, 0.471 and 0.644 (+0.056 per profile, the
second set 0.055 below none), and held out, read once (in the analyser's spacing), only +0.008 per profile (three
of six sets lower, by up to 0.023): some name a product, others a place or a part ("유럽", "챔버 용량"). So
they are shown for a person to pick from, not ranked on by themselves.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cachetools import LRUCache, cached

from matcher.schema import FirmProfile

#: How many phrases are suggested: the judged profiles name three to four keywords each.
LIMIT = 4
#: A phrase has at most this many words: a longer run is a list, not a product's name.
MAX_WORDS = 5
#: Descriptions whose phrases are kept (a profile page asks again on every view).
CACHED = 1024
#: Kiwi's part-of-speech tags of a phrase's words: common and proper nouns, foreign words (PACS, EPC), and a
#: noun-deriving suffix (트럭용, 이동형), which joins the noun before it.
_NOUNS = frozenset({"NNG", "NNP", "SL"})
_SUFFIX = "XSN"
#: Between two nouns these keep one phrase ("책상·의자", "튜브 및 플랩").
_JOINERS = frozenset({"·", "/", "및"})
_GLUE = ("·", "/")  # joiners written without a space: the two nouns are one word
#: Words that name the firm, what it does and its record, not what it sells.
_ACTIVITY = ("당사 저희 회사 기업 중소기업 업체 전문 전문업체 전문기업 제조기업 제조업체 제조 제작 생산 개발 "
             "설계 공급 판매 수출 실적 인증 보유 자체 연간 능력 국내 해외 경험 다수 기술 지원 연동 일괄 약 "
             "제품 장비 기기 시스템 솔루션 서비스 사업 분야 주력 고객 현지 납품 시장 품질 관리 운영 구축 수행 "
             "시공 시공사 건설사 조달 설치 원료 유지 보수 유지보수 운반 위탁 조성 확장 사용 적용 공법 제공 "
             "수립")
#: Words that name its buyers and places.
_BUYERS = ("공공기관 정부 기관 공공 병원 호텔 대학 연구소 학교 학과 지자체 공장 도시 국가 지역 현장 전국 "
           "보건소 발전소 공항 터미널 시설 주택 단지 건물 공공건물 학생 환자 역사 철도 교통 유틸리티 서버 실 "
           "동남아 아프리카 중동 베트남 필리핀")
#: Taken off a phrase's ends, and a phrase of them alone is none. "장비", "기기", "시스템", "솔루션" and "서비스" end
#: a product's name ("의료 기기"), so a phrase keeps them at its end (``_KEPT_AT_END``).
GENERIC = frozenset(_ACTIVITY.split() + _BUYERS.split())
_KEPT_AT_END = frozenset({"장비", "기기", "시스템", "솔루션", "서비스"})
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_PARTS = re.compile(r"[·/]")


@lru_cache(maxsize=1)
def _kiwi() -> Any:
    """The analyser, loaded once: only a profile's suggestions ask for it. Without its typo and multi-word
    dictionaries, which no phrase needs: it loads in 1.4 s into 313 MB resident, against 2.5 s and 494 MB with
    them, and gives the same phrases for every Korean description of the judged sets (136). Imported here, not
    with the module: every command imports the facade, and kiwipiepy alone takes 0.1 to 0.2 s to import."""
    from kiwipiepy import Kiwi  # type: ignore[import-untyped]

    return Kiwi(load_typo_dict=False, load_multi_dict=False)


_LOCK = threading.Lock()  # one Kiwi serves every thread; its analysis is not documented as thread-safe


def _generic(word: str) -> bool:
    """A word of ``GENERIC``, "및", or generic parts joined ("설계·제작")."""
    return word in GENERIC or word == "및" or all(part in GENERIC for part in _PARTS.split(word) if part)


@dataclass
class _Word:
    """A word of a phrase: its analysed form (generic or not) and where it stands in the text."""

    form: str
    start: int
    end: int


def _phrase(text: str, words: list[_Word]) -> str | None:
    """A run of words as a phrase, as the text writes it: generic words off its start, and off its end unless
    they end a product's name; None when nothing telling is left."""
    while words and _generic(words[0].form):
        words = words[1:]
    while len(words) > 1 and _generic(words[-1].form) and words[-1].form not in _KEPT_AT_END:
        words = words[:-1]
    if not words or (len(words) == 1 and _generic(words[0].form)) or len(words) > MAX_WORDS:
        return None
    phrase = " ".join(text[words[0].start:words[-1].end].split())
    return phrase if len(_HANGUL.findall(phrase)) >= 2 else None


def needs_keywords(firm: FirmProfile) -> bool:
    """True for a firm with no keywords whose description is Korean: it is found mostly through its keywords
    (evaluation/RESULTS.md, "Keywords read from a Korean description"), so it is told to name some."""
    return not firm.keywords and bool(_HANGUL.search(firm.description))


@cached(LRUCache(maxsize=CACHED), lock=threading.Lock())
def description_phrases(text: str, limit: int = LIMIT) -> tuple[str, ...]:
    """The first ``limit`` product phrases of a Korean description, in its order and as it writes them, each
    once (spaces and case ignored); none for a text without Hangul."""
    if not _HANGUL.search(text):
        return ()
    with _LOCK:
        tokens = _kiwi().tokenize(text)
    found: dict[str, str] = {}  # the phrase without spaces, casefolded -> as written
    words: list[_Word] = []

    def close() -> None:
        phrase = _phrase(text, words)
        if phrase is not None:
            found.setdefault("".join(phrase.casefold().split()), phrase)
        words.clear()

    for i, token in enumerate(tokens):
        end = token.start + token.len
        joined = bool(words) and words[-1].form.endswith(_GLUE)
        if (token.tag == _SUFFIX and words) or (joined and token.tag in _NOUNS):
            words[-1] = _Word(words[-1].form + token.form, words[-1].start, end)  # 트럭용, 책상·의자
        elif token.form in _JOINERS and words and i + 1 < len(tokens) and tokens[i + 1].tag in _NOUNS:
            if token.form in _GLUE:
                words[-1] = _Word(words[-1].form + token.form, words[-1].start, end)
            else:
                words.append(_Word(token.form, token.start, end))  # 및: a word of its own
        elif token.tag in _NOUNS:
            words.append(_Word(token.form, token.start, end))
        else:
            close()
    close()
    return tuple(found.values())[:limit]
