"""Which words a reason may name: whole, meaningful words, as the notice writes them.

Ranking compares stems ("laboratorie", "ray"); a person reading a reason wants the words of the notice
("laboratories", "X-ray") and only words that say something about what is bought. Three filters decide:

1. Stop words of the notice's language, English (TED adds English titles) and the firm's languages, from
   the maintained ``stopwordsiso`` lists (ISO 639-1; Korean and every EU language but Maltese), minus a few
   English entries that name things firms sell (``KEEP``).
2. ``GENERIC``: words every procurement notice uses for the transaction, the procedure or a class of
   deliverable rather than for what is bought. Chosen from the commonest terms per language of the
   3,476-notice TED sample (share of that language's notices in brackets, measured with
   ``term_set(title + description)``; see BENCHMARKS.md "Reason terms").
3. An IDF floor: a term in more than ``IDF_FLOOR_SHARE`` of the collection's notices (and more than
   ``IDF_FLOOR_MIN_DOCS`` of them) is too common to be a reason, in whatever language.

Only the explanation side uses these filters; the TF-IDF features keep their analyzer, so ranking numbers
do not change.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import stopwordsiso
from cachetools import LRUCache, cached

from matcher.search.lexical import DISTINCTIVE_SHARE, LexicalModel, analyze, fold, term_set
from matcher.search.lexical import _term as lexical_term

#: A term in more than this share of the collection's notices is not named as a matched term: the share at
#: which the term guard stops counting a keyword as a firm's specialty (``lexical.DISTINCTIVE_SHARE``). On the
#: TED sample (3,476 notices, every one with an English title) that is 174 notices: "laboratories" (0.1 %),
#: "water" (2.4 %) and "software" (4.5 %) pass; "system" (7 %), "construction" (17 %) do not. At 2 % the
#: floor also dropped "water", "medical", "software", "security" and "training", which firms name themselves by.
IDF_FLOOR_SHARE = DISTINCTIVE_SHARE
#: ... but in a small collection (tests, a first import) any term in at most this many notices may be named.
IDF_FLOOR_MIN_DOCS = 5

# Entries of stopwordsiso's English list (1,298 words, merged from many sources) that are products or
# activities a firm may sell or a notice may buy: kept nameable.
KEEP = frozenset({"computer", "computers", "fire", "test", "tests", "research", "mill", "room", "website"})

GENERIC: dict[str, tuple[str, ...]] = {
    # service(s) 59 %, contract 44, procurement 29, tender 28, provision 26, support 26, system(s) 26,
    # agreement 22, requirement(s) 22, framework 20, provider 20, works 20, project 19, supply 18, development 15,
    # supplier 15, delivery 14, management 14, lot(s) 12, solution(s) 12, operation 12, quality 11,
    # equipment 10, product(s) 7, purchase 6, goods 5. Kept: maintenance, design, health (an activity or
    # sector a firm names itself by), and every word naming a thing.
    "en": (
        "service", "services", "contract", "contracts", "procurement", "tender", "tenders", "tendering",
        "provision", "support", "system", "systems", "agreement", "requirement", "requirements", "framework",
        "provider", "providers", "work", "works", "project", "projects", "development", "supply", "supplies",
        "supplier",
        "suppliers", "delivery", "management", "lot", "lots", "solution", "solutions", "operation",
        "operations", "quality", "equipment", "product", "products", "purchase", "goods", "item", "items",
        "material", "materials", "various", "specification", "specifications", "notice", "public",
    ),
    # marché 39, service 36, prestation 32, objet 29, travaux 29, cadre 25, mise (en œuvre) 22,
    # exploitation 21, consultation 20, œuvre 20, réalisation 19, gestion 19, contrat 18, fourniture 18,
    # commande 18, mission 18, lot 17, technique 17, accord 15, équipement 15, projet 15, matériel 8,
    # qualité 5, achat 4, livraison 4. Kept: maintenance, entretien (activities).
    "fr": (
        "marché", "marchés", "service", "services", "prestation", "prestations", "objet", "travaux", "cadre",
        "mise", "œuvre", "exploitation", "consultation", "réalisation", "gestion", "contrat", "fourniture",
        "fournitures", "commande", "mission", "lot", "lots", "technique", "accord", "équipement",
        "équipements", "projet", "matériel", "matériels", "qualité", "achat", "acquisition", "livraison",
        "système", "systèmes",
    ),
    # Leistungen 22, Betrieb 13, Gegenstand 13, Planung 12 (kept: an architect's trade), Lieferung 11,
    # Vergabe 11, Beschaffung 10, Durchführung 10, Ausschreibung 9, Auftrag 7, Vertrag 5, System 5,
    # Rahmenvereinbarung 4, Dienstleistungen 4, Erbringung 4, Ausstattung 3, Qualität 3, Geräte 2.
    "de": (
        "leistung", "leistungen", "betrieb", "gegenstand", "lieferung", "lieferungen", "vergabe", "beschaffung",
        "durchführung", "ausschreibung", "auftrag", "vertrag", "system", "systeme", "rahmenvereinbarung",
        "rahmenvertrag", "dienstleistung", "dienstleistungen", "erbringung", "ausstattung", "qualität",
        "gerät", "geräte", "los", "lose", "bauleistungen",
    ),
    # servicio(s) 66, contrato 21, gestión 20, contratación 13, suministro(s) 11, objeto 11, obra(s) 9,
    # lote(s) 9, prestación 9, acuerdo / marco 6, sistema 5, equipo(s) 2, calidad 2.
    "es": (
        "servicio", "servicios", "contrato", "gestión", "contratación", "suministro", "suministros", "objeto",
        "obra", "obras", "lote", "lotes", "prestación", "acuerdo", "marco", "sistema", "equipo", "equipos",
        "equipamiento", "calidad", "adquisición",
    ),
    # servizio 34, procedura 34, fornitura 32, servizi 31, gara 27, affidamento 22, oggetto 21, appalto 19,
    # gestione 19, sistema 17, contratto 12, lavori 10, quadro 10, lotto 9, accordo 7, qualità 4.
    "it": (
        "servizio", "servizi", "procedura", "fornitura", "forniture", "gara", "affidamento", "oggetto",
        "appalto", "gestione", "sistema", "contratto", "lavori", "quadro", "lotto", "lotti", "accordo",
        "qualità", "attrezzature", "apparecchiature",
    ),
    # zamówienia 74, przedmiotem 65, usług 28, umowy 25, wykonanie 24, usługi 23, części 22, realizacji
    # 22, świadczenie 22, dostawa 20, zamówienie 15, robót 11, sprzętu 6, jakości 5.
    "pl": (
        "zamówienia", "zamówienie", "przedmiotem", "przedmiot", "usługa", "usługi", "usług", "umowa", "umowy",
        "wykonanie", "części", "część", "realizacji", "świadczenie", "dostawa", "dostawy", "dostaw", "roboty",
        "robót", "sprzęt", "sprzętu", "jakość", "jakości",
    ),
    # opdracht 26, aanbesteding 21, diensten 18, overeenkomst 13, percelen 11, raamovereenkomst 9.
    "nl": (
        "opdracht", "aanbesteding", "diensten", "dienst", "overeenkomst", "raamovereenkomst", "perceel",
        "percelen", "levering", "leveringen", "werken", "kwaliteit", "uitvoering",
    ),
    # serviço(s) 53, aquisição 36, prestação 28, empreitada 17, fornecimento 11, contrato 8.
    "pt": (
        "serviço", "serviços", "aquisição", "prestação", "empreitada", "fornecimento", "contrato", "lote",
        "obras", "equipamento", "equipamentos", "qualidade",
    ),
    # The commonest procedure and contract-type words of the other sample languages (20-70 % each).
    "other": (
        "servicii", "furnizare", "cadru", "contract", "achiziție",  # ro
        "zakázky", "služeb", "služby", "dodávka", "dodávky", "plnění", "zajištění",  # cs
        "zákazky", "služieb", "predmetom",  # sk
        "доставка", "поръчка", "поръчката", "услуги", "изпълнение",  # bg
        "υπηρεσιών", "παροχή", "προμήθεια", "σύμβαση", "σύμβασης",  # el
        "hankinta", "hankinnan", "palvelut", "palvelun",  # fi
        "udbud", "udbuddet", "rammeaftale", "levering", "indkøb",  # da
        "upphandling", "upphandlingen", "ramavtal", "avtal",  # sv
        "szerződés", "beszerzése", "ajánlatkérő",  # hu
        "paslaugos", "paslaugų", "pirkimas", "pirkimo",  # lt
        "hange", "hanke",  # et
        "naročila", "storitve",  # sl
        # abbreviations and units every notice writes (art. 5, EUR, m2, GmbH, Dz. U., CIG, Nr.)
        "eur", "m2", "m3", "art", "article", "ca", "inkl", "bzw", "nr", "lgs", "cig", "dz", "poz", "ii", "iii",
        "gmbh", "oy", "ab", "ltd", "sa", "srl",
        # Korean profiles describe themselves with these (service, supply, delivery, product, quality,
        # equipment, contract, bid, procurement, manufacture, company): none says what is made.
        "서비스", "공급", "납품", "제품", "품질", "장비", "계약", "입찰", "조달", "제조", "생산", "기업", "회사",
    ),
}

_CHUNK = re.compile(r"[\w][\w\-]*[\w]|\w", re.UNICODE)
_WORD = re.compile(r"\w\w+", re.UNICODE)


def _terms_of(words: Iterable[str]) -> frozenset[str]:
    """The analyzer's terms for single words (multi-word or punctuation entries are skipped)."""
    found = set()
    for word in words:
        tokens = _WORD.findall(fold(word))
        if len(tokens) == 1 and (term := lexical_term(tokens[0])) is not None:
            found.add(term)
    return frozenset(found)


# Stop-word terms per language code: stopwordsiso has 58 languages, and codes it lacks map to an empty set,
# so 256 holds every code ranking meets. Nothing invalidates them (the lists ship with the package).
STOP_TERM_LANGUAGES_CACHED = 256
# Texts whose term positions are kept: the notices of one batch of explanations. Pure function of the text.
POSITIONS_CACHED = 256


@cached(LRUCache(maxsize=STOP_TERM_LANGUAGES_CACHED), lock=threading.Lock())
def stop_terms(language: str) -> frozenset[str]:
    """Stop words of one ISO 639-1 language as analyzer terms (empty for a language the lists lack)."""
    if not stopwordsiso.has_lang(language):
        return frozenset()
    return _terms_of(stopwordsiso.stopwords(language)) - _terms_of(KEEP)


@cached(LRUCache(maxsize=1), lock=threading.Lock())  # one value, from the shipped GENERIC lists
def generic_terms() -> frozenset[str]:
    return _terms_of(w for words in GENERIC.values() for w in words)


def unnamed_terms(languages: Iterable[str | None]) -> frozenset[str]:
    """Terms never named as reasons for texts in these languages (stop words and generic words)."""
    found = set(generic_terms())
    for language in dict.fromkeys(["en", *languages]):
        if language:
            found |= stop_terms(language)
    return frozenset(found)


def idf_floor(lexical: LexicalModel) -> float:
    """The smallest IDF a named term may have (smooth idf, as the vectorizer computes it)."""
    n = lexical.n_docs
    df = max(IDF_FLOOR_MIN_DOCS, IDF_FLOOR_SHARE * n)
    return math.log((1 + n) / (1 + df)) + 1


def _expand(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a token to the whole hyphenated word around it ("ray" in "X-ray" -> "X-ray")."""
    while start > 0 and (text[start - 1] == "-" or text[start - 1].isalnum()):
        start -= 1
    while end < len(text) and (text[end] == "-" or text[end].isalnum()):
        end += 1
    return start, end


@dataclass(frozen=True)
class _Token:
    term: str
    start: int
    end: int


@cached(LRUCache(maxsize=POSITIONS_CACHED), lock=threading.Lock())
def _positions(text: str) -> tuple[_Token, ...]:
    """The analyzer's terms of a text with where each was written (the text as given, not folded)."""
    found = []
    for match in _WORD.finditer(text):
        term = lexical_term(fold(match.group()))
        if term is not None:
            found.append(_Token(term, match.start(), match.end()))
    return tuple(found)


def _shown(forms: Counter[str], first: dict[str, int]) -> str:
    """The form to show: the commonest, preferring one not written in capitals (titles often are). A word
    capitalised only at its start (a title, a sentence) or shouted in full is shown in lower case; a short
    all-capital word (an acronym: MRI, LED) and mixed case (eForms) are kept as written."""
    best = min(forms, key=lambda f: (f != f.lower(), -forms[f], first[f]))
    shouted = best.isupper() and len(best) > 5
    capitalised = best[:1].isupper() and best[1:] == best[1:].lower()
    return best.lower() if shouted or capitalised else best


def surface_forms(text: str, terms: Iterable[str]) -> dict[str, str]:
    """term -> the whole word the text writes it as ("laboratorie" -> "laboratories")."""
    wanted = set(terms)
    forms: dict[str, Counter[str]] = {}
    first: dict[str, int] = {}
    for token in _positions(text):
        if token.term in wanted:
            start, end = _expand(text, token.start, token.end)
            word = text[start:end]
            forms.setdefault(token.term, Counter())[word] += 1
            first.setdefault(word, start)
    return {term: _shown(counts, first) for term, counts in forms.items()}


def phrase(text: str, terms: Sequence[str]) -> str | None:
    """The words of the text where ``terms`` occur in this order, consecutively, as written; else None."""
    tokens = _positions(text)
    n = len(terms)
    for i in range(len(tokens) - n + 1):
        if all(tokens[i + j].term == terms[j] for j in range(n)):
            start, end = _expand(text, tokens[i].start, tokens[i + n - 1].end)
            return text[start:end]
    return None


def meaningful_shared_terms(
    lexical: LexicalModel, query: str, document: str, languages: Iterable[str | None], limit: int = 8
) -> list[str]:
    """Whole words of ``document`` whose terms the query shares, that name something (not a stop word,
    not a generic procurement word, rarer than the IDF floor), most distinctive first."""
    if not lexical.fitted:
        return []
    terms = lexical.shared_terms(
        query, document, limit=limit, min_idf=idf_floor(lexical), exclude=unnamed_terms(languages)
    )
    forms = surface_forms(document, terms)
    return list(dict.fromkeys(forms.get(t, t) for t in terms))


def keyword_terms(keyword: str, languages: Iterable[str | None]) -> list[str]:
    """A keyword's terms, or [] when none of them names anything ("services", "high quality")."""
    terms = analyze(keyword)
    unnamed = unnamed_terms(languages)
    return terms if any(t not in unnamed for t in terms) else []


def keyword_found(keyword: str, text: str, languages: Iterable[str | None]) -> str | None:
    """How ``text`` writes a firm keyword (the phrase, else its words), or None when it does not contain it."""
    terms = keyword_terms(keyword, languages)
    if not terms or not set(terms) <= term_set(text):
        return None
    found = phrase(text, terms)
    if found is not None:
        return found
    forms = surface_forms(text, terms)
    return " ".join(dict.fromkeys(forms[t] for t in terms))
