"""How well a Korean profile's words match the Korean labels of a notice's codes (character bigrams, BM25).

No notice is written in Korean, so a Korean firm's keywords reach a notice only through a translation: the
keyword's nearest code (``matcher.search.code_inference``) and that code's closeness to the notice's codes. One
wrong translation and the keyword reaches nothing. Every CPV code has a Korean label
(``cpv2008_ko.json.gz``), so a notice can be read in Korean through its codes: a notice coded 38434000 (Analysers)
reads "분석기", and a firm whose keyword is "수질 분석기" shares that with it whichever single code
its keyword was translated into.

Words are compared as character bigrams: Korean compounds are written with and without spaces ("수질분석기",
"수질 분석기") and a label's term seldom equals a firm's word, while bigrams keep the parts they share (the
modifier as well as the head, which the encoder reads a compound by). Scored with BM25 (k1 1.2, b 0.75), IDF
over the Korean labels of the whole CPV list, so a score depends on the shipped list alone and not on the
store: "장비" (equipment) in a thousand labels weighs little, "계량" (metering) in a few weighs much.

The query is the firm's Korean keywords (spaces ignored), or its whole text's Hangul when it has none; an
English profile has no Hangul and scores 0 everywhere. The judged re-ranker reads the score as a column: on the
four development sets, leave one set out, nDCG@10 per profile +0.024 (95% interval +0.006 to +0.042), Korean
profiles without codes 0.612 -> 0.666; held out +0.025 (+0.006 to +0.046) (evaluation/RESULTS.md, "Korean labels
read in Korean").
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Sequence

import numpy as np
from cachetools import LRUCache, cached

from matcher.reference.codebook import codebook
from matcher.schema import FirmProfile, Tender
from matcher.search.code_labels import term_key

#: A run of Hangul syllables: bigrams never cross a space, a digit or a Latin letter.
HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+")
#: BM25's term-frequency saturation and length normalisation (the usual defaults; not tuned).
K1, B = 1.2, 0.75
#: A notice's mean number of Korean label bigrams, the BM25 length unit: the mean over the 1,979 opportunity
#: notices of the judged store (14.2), fixed so that a score does not move with the store.
AVERAGE_BIGRAMS = 14.2
#: The one scheme with Korean labels.
LANGUAGE, SCHEME = "ko", "CPV:"


def bigrams(text: str) -> list[str]:
    """The character bigrams of each Hangul run of ``text``, in order ("수질 분석기" -> 수질, 분석, 석기)."""
    return [run[i:i + 2] for run in HANGUL_RUN.findall(text) for i in range(len(run) - 1)]


def query_bigrams(firm: FirmProfile) -> tuple[str, ...]:
    """What a firm's notices are matched on: its Korean keywords' bigrams (spaces ignored, so "수질 분석기" also
    gives 질분), or its whole text's when no keyword is Korean; empty for a profile without Hangul."""
    found = [gram for keyword in firm.keywords for gram in bigrams(term_key(keyword))]
    return tuple(found or bigrams(firm.text()))


def notice_bigrams(tender: Tender) -> Counter[str]:
    """The bigrams of the Korean labels of a notice's CPV codes, each counted as often as it occurs."""
    book = codebook()
    return Counter(gram for code in tender.codes if code.startswith(SCHEME)
                   for gram in bigrams(book.label_in(code, LANGUAGE) or ""))


@cached(LRUCache(maxsize=1), lock=threading.Lock())
def label_idf() -> dict[str, float]:
    """BM25's IDF of each bigram over the Korean labels of the CPV list (one document per label)."""
    book = codebook()
    labels = [set(bigrams(label)) for label in book.translations.get(LANGUAGE, {}).values()]
    frequency = Counter(gram for grams in labels for gram in grams)
    n = len(labels)
    return {gram: math.log(1 + (n - f + 0.5) / (f + 0.5)) for gram, f in frequency.items()}


def bm25(query: Sequence[str], document: Counter[str], idf: dict[str, float]) -> float:
    """BM25 of one document for a query (each distinct query bigram counted once)."""
    if not document:
        return 0.0
    norm = K1 * (1 - B + B * sum(document.values()) / AVERAGE_BIGRAMS)
    return sum(idf.get(gram, 0.0) * f * (K1 + 1) / (f + norm)
               for gram in set(query) if (f := document.get(gram, 0)))


def korean_label_match(query: Sequence[str], tenders: Sequence[Tender]) -> np.ndarray:
    """(n,): per notice, the BM25 of ``query`` (``query_bigrams``) against its codes' Korean labels; zeros for
    an empty query."""
    if not query:
        return np.zeros(len(tenders))
    idf = label_idf()
    return np.array([bm25(query, notice_bigrams(t), idf) for t in tenders], dtype=np.float64)


#: What a shared part must weigh to be named as a reason: the IDF of its bigrams at least this in sum, and on
#: average at least ``REASON_MEAN_IDF``. "분석기" (analyser, 11.5 / 5.8) and "칠판" (blackboard, 7.3) are named;
#: "장비" (equipment, 3.0), "서비스" (service) and "시스템" (system, 8.0 / 4.0) are not.
REASON_MIN_IDF, REASON_MEAN_IDF = 6.0, 5.0
#: A part this short (in syllables) is named only when it is a whole word of the label: a two-syllable piece
#: of a longer word is most often a fragment across its parts ("전소" of 충전소 and 변전소, charging station
#: and substation; "소용" of 업소용 and 청소용), while "칠판" in "칠판" or "세탁" in "세탁 및 드라이클리닝
#: 서비스" is a word.
SHORT_PART = 2


def shared_part(keyword: str, label: str) -> str | None:
    """The longest part a Korean keyword shares with one term of a Korean label (spaces ignored), when it
    weighs enough to name (``REASON_MIN_IDF``) and, if short (``SHORT_PART``), is a word of the label; a whole
    term is given as the label writes it."""
    idf = label_idf()
    mine = term_key(keyword)
    best, longest = None, 0
    for term in label.split(", "):
        theirs = term_key(term)
        part = _longest_common(mine, theirs)
        weights = [idf.get(gram, 0.0) for gram in bigrams(part)]
        if not weights or sum(weights) < REASON_MIN_IDF or sum(weights) / len(weights) < REASON_MEAN_IDF:
            continue
        if len(part) <= SHORT_PART and part not in term.split():
            continue
        if len(part) > longest:
            best, longest = (term.strip() if part == theirs else part), len(part)
    return best


def _longest_common(a: str, b: str) -> str:
    """The longest common substring of two short strings (the first found at that length)."""
    best = ""
    for i in range(len(a)):
        for j in range(i + len(best) + 1, len(a) + 1):
            if a[i:j] in b:
                best = a[i:j]
            else:
                break
    return best
