"""Suggested CPV (and UNSPSC) codes for a firm from its description, in any language, with a confidence.

Two kinds of evidence, both in the encoder's space (``use-multilingual`` puts a Korean sentence near the
English label that says the same):

- **labels**: the cosine between the profile and each code's label (``matcher.search.code_labels``), taken per
  class as the best label of the class, and used as its gap to the profile's best class (``label_gap`` <= 0):
  absolute cosines depend on the text's length (a short profile sits nearer short labels than a long
  notice does), so a confidence fitted on notices would not carry over to profiles;
- **notices**: the profile's nearest stored notices vote for the codes they carry (a k-nearest-neighbour
  classifier over the search index): a class's share is the weighted share of neighbours carrying a code of
  that class, a group's share likewise one level up. Weights fall off with similarity:
  ``w = exp((sim - best_sim) / KNN_TEMPERATURE)``.

Combination, per candidate class (the label top ``LABEL_TOP`` classes and every class a neighbour voted for):

    confidence = sigmoid(b0 + b_label * label_gap + b_class * class_share + b_group * group_share)

with the coefficients of a logistic regression fitted on stored TED notices whose codes were hidden
(``scripts/measure_code_inference.py``, evaluation/CODE_INFERENCE.md): the confidence estimates the chance
that the suggestion's CPV class is among the notice's classes (on held-out notices: 0.88 of those above 0.8
were, 0.65 between 0.6 and 0.8, 0.02 below 0.2). A class-level target, not the group: at group level any class
of the right group counts, so a class's own notice support got no weight and an unvoted sibling with a closer
label outranked the class the neighbours carry. Label evidence alone rarely reaches 0.2: a profile that only
resembles labels gets low confidences, honestly, though its top 5 often holds the right group. The
coefficients are for the default encoder; other encoders get ranked lists whose confidences are not
calibrated.

One suggestion per class (its best-labelled code), so the list is not five siblings of one code.

**Keywords no notice could contain** are translated. A keyword written in a script that no notice language
uses (``foreign_script``: Korean "구급차", not "ambulance") reaches notices through nothing else: the lexical
signal and the term guard match words, and the whole profile's label and notice evidence above is dominated by
its longest sentences (a Korean ambulance maker got CPV 85143000 ambulance *services*). So each such keyword is
translated on its own into one CPV class (``keyword_suggestions``). A Korean keyword goes through the shipped
Korean labels (``matcher.search.code_labels``): the label that has it as a term ("구급차" is a term of
"구급차, 앰뷸런스", 34114121 Ambulances), else the nearest Korean label at a cosine of at least
``KEYWORD_MIN_COSINE_OWN``, where among the nearest ``KEYWORD_CANDIDATES`` the characters a label shares with
the keyword count too (``shared_bigrams``: the encoder reads a compound by its head, "전자칠판" interactive
whiteboard nearest "전자 게시판" electronic bulletin board; the shared "칠판" keeps it a board), and a compound
whose last word (the head of a Korean compound) is a label's term goes to that label unless the one chosen has
the same head (``head_row``: "강철 방화문" steel fire door is Fire doors, not Steel), also when no label is near
enough ("PE 볼밸브" -> Ball valves); a keyword in another foreign script goes through the English labels (at
least ``KEYWORD_MIN_COSINE``). Keywords in the notices' script are translated through the English labels, at
least ``KEYWORD_MIN_COSINE_NOTICE_SCRIPT``, and only into a label that has the keyword's last word
(``names_head``: "aerial mapping" -> Aerial mapping services, while a drone-survey firm's whole text sits
nearest aircraft labels); ranking reads them while the firm has no confirmed codes (``ranked_keywords``). Each
names its keyword and joins the list shown by its confidence, the same formula's with the keyword's label (gap
0 to its own best) and the profile's notice votes; a class with a translation is shown by it, at the class's
best confidence (``Inferred.shown``).

Ranking reads the translations first, then the description's suggestions (``Inferred.ranked``): a keyword
names the product line. Through the English labels only about a third of the judged set's translations were
right ("페이스실드" face shield -> Spoons) and ranking did not use them; through the Korean labels 20 of 23 on
the judged tuning half are, and ranked on they lift it (nDCG@10 0.547 -> 0.585; evaluation/CODE_INFERENCE.md).
Only CPV: the notices that keywords must reach (TED) carry CPV.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, computed_field

from matcher.errors import InvalidInput
from matcher.normalize.codes import codebook
from matcher.reference.hierarchy import covers
from matcher.schema import Code
from matcher.search.code_labels import (
    LabelSpace,
    Scheme,
    class_key,
    group_key,
    keyword_language,
    label_languages,
    label_space,
    label_terms,
    term_key,
)
from matcher.search.encoders import Embedder
from matcher.search.lexical import analyze, term_set

#: Neighbours that vote, and how fast their weight falls with similarity (measured, CODE_INFERENCE.md).
KNN_K = 10
KNN_TEMPERATURE = 0.05
#: A neighbour votes only if it is at least this near (cosine). Weights are relative to the nearest voter, so
#: without a floor the nearest notice of a store holding nothing like the profile votes with full weight: over
#: the 12 notices of tests/fixtures/ted_cases a rolling-stock parts maker's nearest was a cultural centre's
#: works (0.24), and it was suggested works codes. Measured on the judged store (TED sample and OCDS examples,
#: use-multilingual; ``scripts/screen_judged.py floor``): 0.3 is the 97th percentile of the cosines
#: between the 46 judged profiles and the 4,065 indexed notices, and every judged profile's 10 nearest are above
#: it (least 0.302), so the floor changes nothing there and only silences unrelated neighbours.
KNN_MIN_COSINE = 0.3
#: Classes taken from the label evidence alone.
LABEL_TOP = 20
#: A vote share at or above this counts the notices as supporting a suggestion.
MIN_SHARE = 0.1
#: The least cosine between a keyword and the label it is translated to (keyword_suggestions). Ranked on, 0.5
#: and 0.6 did alike on the judged tuning half (nDCG@10 0.597 / 0.595 for Korean profiles without codes).
KEYWORD_MIN_COSINE = 0.5
#: The same against labels in the keyword's own language (Korean against the shipped Korean labels), where
#: unrelated short terms already sit at 0.6-0.8 ("감리" supervision -> "귀리" oats 0.82); chosen on the
#: judged tuning half's translations (evaluation/CODE_INFERENCE.md).
KEYWORD_MIN_COSINE_OWN = 0.75
#: A keyword without an exact term goes to the label, among its ``KEYWORD_CANDIDATES`` nearest classes, with the
#: best cosine plus ``KEYWORD_BIGRAM_WEIGHT`` times the share of character bigrams the two have in common
#: (``shared_bigrams``): the encoder reads a Korean compound by its head ("수질 측정기" water-quality meter sits
#: as near "골밀도 측정기" bone densitometers as any other meter), while the characters keep its modifier
#: ("전자칠판" interactive whiteboard: "칠판" blackboards, not "전자 게시판"). On the development sets' Korean
#: keywords, read one by one, 68 of 103 translations were right by the cosine alone and 74 with the bigrams
#: (evaluation/CODE_INFERENCE.md).
KEYWORD_CANDIDATES = 20
KEYWORD_BIGRAM_WEIGHT = 0.5
#: The least cosine for a keyword in a script the notices use (an English firm's "submersible pump"), translated
#: only to a label that names its head (``names_head``) and ranked on only for a firm without confirmed codes
#: (``ranked_keywords``). Screened at 0.5, 0.55 and 0.6 with the head rule on the four development sets, trees
#: retrained, leave one set out: nDCG@10 per profile +0.012, +0.015, +0.004 (evaluation/RESULTS.md).
KEYWORD_MIN_COSINE_NOTICE_SCRIPT = 0.55
#: Scripts the notices' languages are written in (every EU language, English, French, Spanish, Russian...).
NOTICE_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")
#: How many profiles' lists of suggestions (``MAX_SUGGESTIONS`` each, callers take the first k) a process keeps.
SUGGESTION_CACHE_SIZE = 1024
# A list depends only on the text and the index build (both in its key); the age bound only lets an idle
# entry go.
SUGGESTION_MAX_AGE = timedelta(days=1)


@dataclass(frozen=True)
class Calibration:
    """Logistic coefficients turning the evidence into a confidence."""

    intercept: float
    label: float
    class_share: float
    group_share: float

    def confidence(self, label_gap: float, class_share: float, group_share: float) -> float:
        z = (self.intercept + self.label * label_gap + self.class_share * class_share
             + self.group_share * group_share)
        return 1.0 / (1.0 + math.exp(-z))


#: Fitted (scikit-learn LogisticRegression) on the tuning half of 1,128 sampled TED notices with their codes
#: hidden, use-multilingual; see evaluation/CODE_INFERENCE.md.
CALIBRATION = Calibration(intercept=-3.501, label=10.972, class_share=4.739, group_share=1.819)

Source = Literal["labels", "notices", "labels+notices", "keyword"]


class SuggestedCode(BaseModel):
    """A code inferred from a firm's description: not the firm's until someone accepts it into ``codes``."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="scheme-prefixed code, e.g. 'CPV:33111000'")
    label: str = Field(description="the code's English label from the shipped code list")
    confidence: float = Field(ge=0.0, le=1.0, description="estimated chance that the code's class fits the firm")
    source: Source = Field(
        description="the evidence behind it: the code's label, similar stored notices carrying it, or both; "
        "'keyword' when the label is the translation of one of the firm's keywords (named in 'keyword')"
    )
    keyword: str | None = Field(
        default=None, description="the firm's keyword this code translates (source 'keyword'), else null"
    )

    # pydantic's documented form for a derived field; mypy does not follow a decorator over a property
    @computed_field(description="the code's Korean label (shipped with the code lists; CPV only), else null")  # type: ignore[prop-decorator]
    @property
    def label_ko(self) -> str | None:
        return codebook().label_in(self.code, "ko")

Neighbours = list[tuple[str, float]]  # (tender_id, cosine), best first
CodesOf = Callable[[list[str]], dict[str, list[str]]]
Search = Callable[[np.ndarray, int], list[Neighbours]]
_CODE: TypeAdapter[str] = TypeAdapter(Code)


@dataclass(frozen=True)
class Votes:
    """Weighted vote shares of a profile's nearest notices, per class and per group key."""

    classes: dict[str, float]
    groups: dict[str, float]

    @classmethod
    def empty(cls) -> Votes:
        return cls({}, {})


def knn_votes(
    neighbours: Neighbours, codes_of: dict[str, list[str]], temperature: float = KNN_TEMPERATURE,
    min_cosine: float = KNN_MIN_COSINE,
) -> Votes:
    """Each neighbour at least ``min_cosine`` near votes once for every class and group among its codes,
    weighted by similarity."""
    voters = [(tid, sim) for tid, sim in neighbours if sim >= min_cosine and codes_of.get(tid)]
    if not voters:
        return Votes.empty()
    best = max(sim for _, sim in voters)
    classes: dict[str, float] = {}
    groups: dict[str, float] = {}
    total = 0.0
    for tid, sim in voters:
        weight = math.exp((sim - best) / temperature)
        total += weight
        codes = codes_of[tid]
        for key in {k for c in codes if (k := class_key(c))}:
            classes[key] = classes.get(key, 0.0) + weight
        for key in {k for c in codes if (k := group_key(c))}:
            groups[key] = groups.get(key, 0.0) + weight
    return Votes({k: v / total for k, v in classes.items()}, {k: v / total for k, v in groups.items()})


@dataclass(frozen=True)
class Candidate:
    """One class's evidence and the code that stands for it."""

    code: str
    label: str
    label_cosine: float
    label_gap: float  # label_cosine minus the best class's (<= 0)
    class_share: float
    group_share: float
    in_label_top: bool

    @property
    def source(self) -> Source:
        # A class outside the label top is a candidate only because a neighbour voted for it.
        notices = self.class_share >= MIN_SHARE or not self.in_label_top
        if self.in_label_top and notices:
            return "labels+notices"
        return "notices" if notices else "labels"


def candidates(
    query: np.ndarray, space: LabelSpace, votes: Votes, languages: Collection[str] = ("en",),
) -> list[Candidate]:
    """The label top classes plus every class the notices voted for, each with its evidence; label
    evidence from the labels in ``languages``."""
    best_cosines, best_rows = space.class_scores(query, languages)
    top = set(np.argsort(-best_cosines)[:LABEL_TOP].tolist())
    best = float(best_cosines.max())
    position = {key: i for i, key in enumerate(space.classes)}
    voted = {position[k] for k in votes.classes if k in position}
    out: list[Candidate] = []
    for i in sorted(top | voted):
        row = int(best_rows[i])
        code = space.codes[row]
        out.append(Candidate(
            code=code, label=space.labels[row], label_cosine=float(best_cosines[i]),
            label_gap=float(best_cosines[i]) - best,
            class_share=votes.classes.get(space.classes[i], 0.0),
            group_share=votes.groups.get(group_key(code) or "", 0.0), in_label_top=i in top,
        ))
    return out


def suggest(
    query: np.ndarray, spaces: Iterable[LabelSpace], votes: Votes, k: int,
    calibration: Calibration = CALIBRATION, languages: Collection[str] = ("en",),
) -> list[SuggestedCode]:
    """The ``k`` most confident suggestions over these schemes, most confident first (ties by code)."""
    scored = [
        (calibration.confidence(c.label_gap, c.class_share, c.group_share), c)
        for space in spaces for c in candidates(query, space, votes, languages)
    ]
    scored.sort(key=lambda item: (-item[0], item[1].code))
    return [
        SuggestedCode(code=c.code, label=c.label, confidence=round(conf, 4), source=c.source)
        for conf, c in scored[:k]
    ]


def shared_bigrams(keyword: str, label: str) -> float:
    """The Dice share of character bigrams between a keyword and the closest term of a label (its terms split at
    ", ", spaces ignored): "전자칠판" and "전자 복사 칠판" share 전자 and 칠판 (0.5), "전자 게시판" only 전자."""
    def grams(text: str) -> set[str]:
        key = term_key(text)
        return {key[i:i + 2] for i in range(len(key) - 1)} or {key}

    mine = grams(keyword)
    return max((2 * len(mine & theirs) / (len(mine) + len(theirs))
                for theirs in (grams(term) for term in label.split(", ") if term.strip())), default=0.0)


def foreign_script(keyword: str) -> bool:
    """True when a keyword has a letter of a script no notice language is written in ("구급차", "DR 시스템"):
    no notice can contain it, so only its translation reaches them."""
    return any(ch.isalpha() and not unicodedata.name(ch, "").startswith(NOTICE_SCRIPTS) for ch in keyword)


def ranked_keywords(keywords: Sequence[str], has_codes: bool) -> list[str]:
    """The keywords whose translations ranking reads (``keyword_suggestions``; every one is shown): those in a
    script no notice uses always, since nothing else reaches notices for them; every keyword for a firm without
    codes of its own (``has_codes`` false; codes accepted from the suggestions do not count), whose
    description's suggestions are otherwise all the code evidence it has. A drone-survey firm's whole text sits
    nearest Helicopters and military aircraft, its keyword "aerial mapping" nearest Aerial mapping services. A
    firm that named its codes has named its product lines, and its words in the notices' script reach notices
    directly: ranking on their translations too cost English profiles with codes about 0.02 nDCG@10 on the
    development sets. A firm that accepted one suggested code keeps the others: counted as its own, accepting
    one right code cost English profiles without codes 0.036 nDCG@10 on the tuning half (evaluation/RESULTS.md,
    "A code accepted from the suggestions")."""
    return [keyword for keyword in keywords if not has_codes or foreign_script(keyword)]


def names_head(keyword: str, label: str) -> bool:
    """True when the label has the keyword's last word, its head in English, as a word (plurals folded as the
    lexical signal folds them, ``matcher.search.lexical.analyze``): "submersible pump" names Submersible pumps,
    "ring main unit" does not name Ring binders, nor "sawmill" Treadmills, the nearest labels by cosine."""
    terms = analyze(keyword)
    return bool(terms) and terms[-1] in term_set(label)


def head_row(keyword: str, row: int, space: LabelSpace, language: str) -> int:
    """``row``, unless it names something else than the keyword's head and the head is a label's term.

    A Korean compound names its product by its last word and narrows it with the words before ("강철 방화문"
    steel fire door, "알루미늄 창호" aluminium windows, "메쉬 펜스" mesh fence). The nearest label sometimes reads
    a modifier (강철 -> 14622000 Steel) or a word that only sounds alike (펜스 fence -> 30192123 "파이버 펜"
    fibre pens). When no term of the chosen label ends with the keyword's last word and that word is itself a
    label's term, the keyword goes to that label (방화문 -> 44221220 Fire doors); a chosen label with the same
    head stays, being the narrower ("전자동 생화학 분석기" keeps 38434500 Biochemical analysers over 38434000
    Analysers). On the development sets' Korean keywords it changes 8 of 103 translations, read one by one: 6
    wrong -> right, 1 wrong -> wrong, 1 right -> right (evaluation/CODE_INFERENCE.md)."""
    head = head_term(keyword, space, language)
    key = term_key(keyword.split()[-1])
    if head is None or any(term_key(term).endswith(key) for term in label_terms(space.text(row))):
        return row
    return head


def head_term(keyword: str, space: LabelSpace, language: str) -> int | None:
    """The row of the label that has a compound keyword's last word, its head, as a term ("방화문" of "강철
    방화문"); None for a single word or a head no label names."""
    words = keyword.split()
    return space.exact_row(words[-1], language) if len(words) > 1 else None


def synonym_only(keywords: Sequence[str], space: LabelSpace) -> bool:
    """True when some keyword is a code's synonym and no label's term (``LabelSpace.synonym_row``): only then do
    a firm's translations with synonyms differ from those without."""
    return any(_synonym_only_row(keyword, space) is not None for keyword in keywords)


def keyword_suggestions(
    keywords: Sequence[str], queries: np.ndarray, space: LabelSpace, votes: Votes,
    calibration: Calibration = CALIBRATION, min_cosine: float = KEYWORD_MIN_COSINE,
    min_cosine_own: float = KEYWORD_MIN_COSINE_OWN, min_cosine_notice_script: float = KEYWORD_MIN_COSINE_NOTICE_SCRIPT,
    synonyms: bool = False,
) -> list[SuggestedCode]:
    """Each keyword's class, in the keywords' order, one per class; confident as a label at gap 0 with the
    profile's notice ``votes``. A keyword with labels in its own language (Korean) takes the label that has
    it as a term, else the nearest of those labels (at least ``min_cosine_own``, shared characters counting,
    then held to the compound's head by ``head_row``), else, with none that near, its head's label
    (``head_term``); another takes the nearest English label (at least ``min_cosine``; a keyword in a script the
    notices use at least ``min_cosine_notice_script``, and only a label that names its head, ``names_head``).

    With ``synonyms``, a keyword that is a code's synonym and no label's term (``LabelSpace.synonym_row``) also
    names that code, after every other translation, so that what ranking reads (without) is all there.
    Synonyms serve what a person is shown, not ranking: ranked on, they lowered held-out nDCG@10 by 0.003 per
    profile and one set by 0.030 (evaluation/RESULTS.md, "Korean synonyms for the CPV labels")."""
    found: list[tuple[str, int]] = []  # (keyword, label row), in the keywords' order
    for keyword, query in zip(keywords, queries, strict=True):
        language = keyword_language(keyword)
        notice_script = not foreign_script(keyword)
        if language != "en":
            floor = min_cosine_own
        elif notice_script:
            floor = min_cosine_notice_script
        else:
            floor = min_cosine
        exact = space.exact_row(keyword, language)  # only translated labels have terms: None for English
        if exact is not None:
            row = exact
        else:
            cosines, rows = space.class_scores(query, (language,))
            nearest = np.argsort(-cosines, kind="stable")[:KEYWORD_CANDIDATES]
            if cosines[nearest[0]] >= floor:
                scores = [cosines[i] + KEYWORD_BIGRAM_WEIGHT * shared_bigrams(keyword, space.text(int(rows[i])))
                          for i in nearest]
                row = head_row(keyword, int(rows[int(nearest[int(np.argmax(scores))])]), space, language)
            elif (head := head_term(keyword, space, language)) is not None:
                row = head  # no label near enough: a compound still names its head ("PE 볼밸브" -> Ball valves)
            else:
                continue
        if notice_script and not names_head(keyword, space.labels[row]):
            continue
        found.append((keyword, row))
    if synonyms:  # after every other translation: what ranking reads is all shown, whatever the synonyms add
        found += [(k, named) for k in keywords if (named := _synonym_only_row(k, space)) is not None]
    out: list[SuggestedCode] = []
    seen: set[str] = set()
    for keyword, row in found:
        index = int(space.class_of[row])
        code = space.codes[row]
        if space.classes[index] in seen:
            continue
        seen.add(space.classes[index])
        confidence = calibration.confidence(
            0.0, votes.classes.get(space.classes[index], 0.0), votes.groups.get(group_key(code) or "", 0.0))
        out.append(SuggestedCode(code=code, label=space.labels[row], confidence=round(confidence, 4),
                                 source="keyword", keyword=keyword))
    return out


def _synonym_only_row(keyword: str, space: LabelSpace) -> int | None:
    """The row of the code that has the keyword as a synonym, when no label has it as a term."""
    language = keyword_language(keyword)
    if language == "en" or space.exact_row(keyword, language) is not None:
        return None
    return space.synonym_row(keyword, language)


@dataclass(frozen=True)
class Inferred:
    """One profile's suggestions: from its whole text (what ranking uses) and its keywords' translations."""

    described: tuple[SuggestedCode, ...]
    translated: tuple[SuggestedCode, ...] = ()

    def ranked(self) -> list[SuggestedCode]:
        """What ranking reads: the translations first (a keyword names the product line; the whole text is
        dominated by its longest sentences), then the description's suggestions of a class not already there.
        Screened on the judged tuning half (evaluation/CODE_INFERENCE.md)."""
        taken = {class_key(s.code) or s.code for s in self.translated}
        return [*self.translated, *(s for s in self.described if (class_key(s.code) or s.code) not in taken)]

    def without(self, declined: Collection[str]) -> Inferred:
        """These suggestions less every code a person declined for the firm, and every code under one of them
        (declining "Security services" 79710000 also declines "Guard services" 79713000)."""
        if not declined:
            return self

        def kept(items: tuple[SuggestedCode, ...]) -> tuple[SuggestedCode, ...]:
            return tuple(s for s in items if not any(covers(d, s.code) for d in declined))

        return Inferred(kept(self.described), kept(self.translated))

    def shown(self) -> list[SuggestedCode]:
        """Both together, one per class at the class's best confidence, most confident first (ties by code).
        A class with a keyword's translation is shown by it: the translation names the firm's own word and is
        the code a person should accept. The description's code of the same class is often a broader sibling
        (전차선로 공사 -> 45234160 "Catenary's construction works"; the description's 45234110 "Intercity
        railway works" had the same confidence and won the tie); a partner who accepts the first right code
        among the first five shown does better with the keyword's code (``matcher evaluate --judged --accept``,
        evaluation/RESULTS.md)."""
        merged = sorted([*self.translated, *self.described], key=lambda s: (-s.confidence, s.code))
        translations: dict[str, SuggestedCode] = {}
        for item in self.translated:
            translations.setdefault(class_key(item.code) or item.code, item)
        seen: set[str] = set()
        out = []
        for item in merged:
            key = class_key(item.code) or item.code
            if key in seen:
                continue
            seen.add(key)
            # ``item`` is the class's most confident (``merged`` is sorted); its translation stands for it
            out.append(translations.get(key, item).model_copy(update={"confidence": item.confidence}))
        return out


def nearest_notices(
    search: Search, queries: np.ndarray,
    exclude: Sequence[frozenset[str]] | None = None, k: int = KNN_K,
) -> list[Neighbours]:
    """The ``k`` nearest stored notices of each query, leaving out the ids in ``exclude`` (per query): a
    notice whose codes are being inferred must not vote for them itself."""
    skip = list(exclude) if exclude is not None else [frozenset()] * len(queries)
    extra = max((len(s) for s in skip), default=0)
    found = search(queries, k + extra)
    return [[(tid, sim) for tid, sim in row if tid not in s][:k] for row, s in zip(found, skip, strict=True)]


def infer_codes(
    embedder: Embedder, texts: Sequence[str], search: Search | None, codes_of: CodesOf,
    schemes: Sequence[Scheme], k: int, exclude: Sequence[frozenset[str]] | None = None,
    keywords: Sequence[Sequence[str]] | None = None, synonyms: bool = False,
) -> list[Inferred]:
    """Suggestions for each text: labels always, notices when there is an index to ``search``; with
    ``keywords`` (one list per text, those to translate), their translations beside them, through the codes'
    synonyms too with ``synonyms`` (``keyword_suggestions``)."""
    queries = embedder.encode_queries(list(texts))
    spaces = [label_space(embedder, scheme) for scheme in schemes]
    neighbours = nearest_notices(search, queries, exclude) if search else [[] for _ in texts]
    codes = codes_of(list(dict.fromkeys(tid for row in neighbours for tid, _ in row)))
    out = []
    for i, (text, query, near) in enumerate(zip(texts, queries, neighbours, strict=True)):
        votes = knn_votes(near, codes)
        words = list(keywords[i]) if keywords else []
        translated = keyword_suggestions(words, embedder.encode_queries(words), label_space(embedder, "CPV"),
                                         votes, synonyms=synonyms) if words else []
        described = suggest(query, spaces, votes, k, languages=label_languages(text))
        out.append(Inferred(tuple(described), tuple(translated)))
    return out


def parse_codes(values: Iterable[str]) -> list[str]:
    """Codes as the profile stores them ('cpv:33111000-6' -> 'CPV:33111000'), each checked against the
    shipped code lists; InvalidInput names the first one that is malformed or unknown."""
    out: list[str] = []
    for value in values:
        try:
            code = _CODE.validate_python(value)
        except ValidationError as exc:
            raise InvalidInput(f"bad code {value!r}: {exc.errors()[0]['msg']}") from exc
        if code not in codebook():
            raise InvalidInput(f"unknown code {value!r} (expected a code of the CPV 2008 or UNGM UNSPSC list, "
                               "e.g. 'CPV:33111000')")
        out.append(code)
    return list(dict.fromkeys(out))
