"""Lexical signal: TF-IDF (scikit-learn) fitted on the tender collection, saved without pickle.

It also supplies the terms behind explanations (which words a profile and a notice share, ranked by how
distinctive they are) and the exact-term guard: a distinctive profile keyword must appear as a term in the
notice, so "cryostat" does not pass for "thermostat" merely because their vectors are close.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from cachetools import LRUCache, cached
from scipy import sparse

from matcher.errors import IndexNotReady
from matcher.search.build_files import damaged, read_array, read_json

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

_WORD = re.compile(r"\w\w+", re.UNICODE)
_ACCENTS = re.compile(r"[\u0300-\u036f]")
# Texts whose analysis is kept (``analyze``, ``term_set``): enough for the open candidates of a batch of firms,
# bounded in memory. The analysis is a pure function of the text: nothing invalidates it.
ANALYZE_CACHE = 20_000
# The caches below belong to one model and are dropped with its vocabulary when it is fitted or loaded
# (``LexicalModel._use``); least recently used entries make room.
QUERY_CACHE = 4_096  # TF-IDF rows of query texts (firm profiles) kept
# TF-IDF rows of candidate notices kept (a few hundred bytes each): enough for every open notice of a year.
ROW_CACHE = 200_000
MAX_FEATURES = 300_000
# Distinct tokens whose column is remembered (a collection's vocabulary before pruning, in tens of MB).
TOKEN_CACHE = 2_000_000
# A keyword found in at most this share of notices counts as a firm's specialty in the exact-term guard.
DISTINCTIVE_SHARE = 0.05


# The commonest function words of the languages notices and profiles come in. On a real collection max_df
# prunes these anyway; the list keeps small collections and explanations free of "and" and "for".
STOPWORDS = frozenset(
    [
        "of", "to", "in", "on", "at", "by", "as", "is", "be", "it", "or", "an", "we", "us", "our", "you", "your",
        "can", "may", "any", "per", "etc", "and", "the", "for", "with", "from", "into", "this", "that", "are",
        "was", "were", "will", "shall", "been", "being", "have", "has", "not", "all", "any", "its", "our", "their",
        "other", "such", "which", "who", "whom", "whose", "when", "where", "while", "than", "then", "also", "per",
        "via", "under", "over", "within", "without", "de", "la", "le", "du", "et", "en", "un", "au", "ou", "les",
        "des", "une", "pour", "par", "sur", "dans", "avec", "aux", "est", "sont", "qui", "que", "ces", "ses",
        "leur", "elle", "ils", "nous", "vous", "pas", "el", "lo", "se", "los", "las", "del", "por", "para", "con",
        "una", "uno", "sus", "que", "como", "mas", "sobre", "entre", "sin", "im", "zu", "an", "am", "auf", "der",
        "die", "das", "und", "den", "dem", "des", "ein", "eine", "einer", "eines", "fur", "mit", "von", "auf",
        "bei", "aus", "zur", "zum", "nach", "sich", "ist", "sind", "og", "och", "av", "til", "fra", "med", "het",
        "een", "van", "voor", "met", "zijn", "aan", "bij", "ook", "als", "door", "naar", "di", "il", "da", "della",
        "delle", "dei", "degli", "per", "con", "una", "uno", "che", "gli", "nel", "nella", "sul", "sulla", "alla",
        "alle", "dos", "das", "uma", "para", "com", "pelo", "pela", "nos", "nas",
    ]
)


def fold(text: str) -> str:
    """Lowercase without accents ('Réfrigérateur' -> 'refrigerateur'). Only combining accents are dropped
    and the rest is recomposed, so Korean syllables come back whole."""
    lowered = text.casefold()
    if lowered.isascii():
        return lowered
    return unicodedata.normalize("NFC", _ACCENTS.sub("", unicodedata.normalize("NFKD", lowered)))


def _tokens(text: str) -> list[str]:
    """Word tokens of the folded text, before stopwords and plurals (``_term``)."""
    return _WORD.findall(fold(text))


def _term(token: str) -> str | None:
    """The term a token counts as: None for numbers and stopwords, plurals folded ('pumps' -> 'pump')."""
    if token.isdigit() or token in STOPWORDS:
        return None
    if len(token) > 4 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


@cached(LRUCache(maxsize=ANALYZE_CACHE), lock=threading.Lock())
def _analyze(text: str) -> tuple[str, ...]:
    return tuple(term for term in map(_term, _tokens(text)) if term is not None)


@cached(LRUCache(maxsize=ANALYZE_CACHE), lock=threading.Lock())
def term_set(text: str) -> frozenset[str]:
    """The distinct terms of a text (cached like ``analyze``)."""
    return frozenset(_analyze(text))


def analyze(text: str) -> list[str]:
    """Lowercase, accent-folded word tokens with a light plural fold ('pumps' -> 'pump').

    Ranking analyses the same candidate notices for every firm (TF-IDF, shared terms, the term guard), so
    results are cached by text."""
    return list(_analyze(text))


@dataclass(frozen=True)
class TermGuard:
    """Distinctive profile terms absent from a notice, and the multiplier that follows."""

    missing: list[str]
    multiplier: float


class LexicalModel:
    """TF-IDF over tenders. ``fit`` on the collection, or ``load`` a saved one."""

    def __init__(self, max_df: float = 0.5, min_df: int = 1) -> None:
        self.max_df = max_df
        self.min_df = min_df
        self.n_docs = 0
        self.collection_size = 0  # notices the fit stands for (n_docs when fitted on all of them)
        self.languages: list[str] = []
        self.term_languages: np.ndarray | None = None
        self._lock = threading.Lock()  # API threads share a model; it guards the row caches
        self._vectorizer: TfidfVectorizer | None
        self._vocabulary: dict[str, int]
        self._idf: np.ndarray
        self._rows: LRUCache[str, tuple[np.ndarray, np.ndarray]]
        self._queries: LRUCache[str, sparse.csr_matrix]
        # token -> column (-1 when not a vocabulary term). A plain dict, started over at TOKEN_CACHE entries:
        # it is read once per token in the innermost loop of ``_tfidf_arrays``, where a cachetools lookup
        # made that function a third to a half slower (3,000 TED sample notices).
        self._token_columns: dict[str, int]
        self._use(None)

    def _use(self, vectorizer: TfidfVectorizer | None) -> None:
        """Serve from ``vectorizer`` (None: not fitted), dropping every row, query and token column derived
        from the previous one: they are in another vocabulary."""
        self._vectorizer = vectorizer
        self._vocabulary, self._idf = {}, np.zeros(0)
        if self.fitted and vectorizer is not None:
            self._vocabulary = vectorizer.vocabulary_
            self._idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self._rows = LRUCache(maxsize=ROW_CACHE)
        self._queries = LRUCache(maxsize=QUERY_CACHE)
        self._token_columns = {}

    def _make(self, vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
        # Imported here: scikit-learn takes about a second to load, which every command and the code lists'
        # readers (``analyze``, ``term_set``) paid before they started (`matcher --help` took 4.6 s).
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            analyzer=analyze, max_df=self.max_df, min_df=self.min_df, sublinear_tf=True,
            max_features=MAX_FEATURES, vocabulary=vocabulary, dtype=np.float32,
        )

    def fit(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None,
        native: Sequence[str] | None = None,
    ) -> LexicalModel:
        """Fit on the collection. ``languages`` (one per text) and ``native`` (the text as its buyer wrote
        it, without added translations) let the term guard know which languages use which terms."""
        # With a handful of documents max_df would drop every shared term; only prune in a real collection.
        self.max_df = self.max_df if len(texts) >= 50 else 1.0
        vectorizer = self._make()
        try:
            vectorizer.fit(texts)
        except ValueError:  # no texts, or no terms in them: the lexical signal stays silent
            self._use(None)
            return self
        self._use(vectorizer)
        self.n_docs = len(texts)
        self.collection_size = max(self.collection_size, len(texts))
        if languages is not None:
            self._fit_term_languages(native if native is not None else texts, languages)
        return self

    def _fit_term_languages(self, texts: Sequence[str], languages: Sequence[str | None]) -> None:
        """For each term, a bit per language whose notices use it (built from a binary term matrix)."""
        codes = sorted({lang for lang in languages if lang})[:63]
        self.languages = codes
        present = (self.vectorizer.transform(texts) > 0).astype(np.int8).tocsc()
        masks = np.zeros(present.shape[1], dtype=np.int64)
        for bit, code in enumerate(codes):
            rows = np.array([i for i, lang in enumerate(languages) if lang == code])
            used = np.asarray(present[rows].sum(axis=0)).ravel() > 0
            masks[used] |= np.int64(1) << bit
        self.term_languages = masks

    def _known_in(self, term: str, language: str | None) -> bool:
        """Whether notices in ``language`` use ``term`` (True when languages were not recorded)."""
        if language is None or self.term_languages is None or language not in self.languages:
            return True
        column = self.vectorizer.vocabulary_[term]
        return bool(self.term_languages[column] >> self.languages.index(language) & 1)

    def _distinctive_idf(self) -> float:
        # smooth idf = ln((1 + n) / (1 + df)) + 1, at the largest df that still counts as distinctive
        df = max(1.0, DISTINCTIVE_SHARE * self.n_docs)
        return float(np.log((1 + self.n_docs) / (1 + df)) + 1)

    @property
    def fitted(self) -> bool:
        return self._vectorizer is not None and hasattr(self._vectorizer, "idf_")

    @property
    def vectorizer(self) -> TfidfVectorizer:
        if not self.fitted or self._vectorizer is None:
            raise IndexNotReady("the lexical model is not fitted; build the index first")
        return self._vectorizer

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.vectorizer.transform(texts)

    def transform_query(self, text: str) -> sparse.csr_matrix:
        """``transform`` of one query text, cached: the same firm profiles are scored request after request.
        Computed directly (sublinear tf x idf, l2-normalised, as the fitted vectorizer does) because the
        vectorizer's own one-row ``transform`` costs milliseconds of validation, and a digest meets every
        firm once."""
        with self._lock:
            row = self._queries.get(text)
        if row is None:
            row = self._tfidf_row(text)
            with self._lock:
                self._queries[text] = row
        return row

    def transform_queries(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """``transform_query`` of many texts, stacked in one step from their cached rows."""
        return self._stacked([(row.indices, row.data) for row in map(self.transform_query, texts)])

    def _stacked(self, rows: Sequence[tuple[np.ndarray, np.ndarray]]) -> sparse.csr_matrix:
        """One matrix of rows given as (columns, weights) arrays, built in one step (``sparse.vstack`` of
        hundreds of one-row matrices cost more than computing them)."""
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(columns) for columns, _ in rows], out=indptr[1:])
        columns = np.concatenate([c for c, _ in rows]) if rows else np.zeros(0, dtype=np.int32)
        weights = np.concatenate([w for _, w in rows]) if rows else np.zeros(0, dtype=np.float32)
        return sparse.csr_matrix((weights, columns, indptr), shape=(len(rows), self._width()))

    def _tfidf_row(self, text: str) -> sparse.csr_matrix:
        columns, weights = self._tfidf_arrays(text)
        return sparse.csr_matrix((weights, columns, np.array([0, len(columns)])), shape=(1, self._width()))

    def _tfidf_arrays(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """One text's TF-IDF row as (sorted columns, weights): sublinear tf x idf, l2-normalised. Tokens are
        counted first and each distinct token mapped to its column once per model (``_token_columns``):
        a notice repeats most of its words, and a collection most of its tokens."""
        vocabulary, idf = self._lookup()
        token_columns = self._token_columns
        if len(token_columns) > TOKEN_CACHE:
            token_columns.clear()
        counts: dict[int, int] = {}
        for token, n in Counter(_tokens(text)).items():
            column = token_columns.get(token)
            if column is None:
                term = _term(token)
                column = token_columns[token] = -1 if term is None else vocabulary.get(term, -1)
            if column >= 0:
                counts[column] = counts.get(column, 0) + n
        columns = np.array(sorted(counts), dtype=np.int32)
        tf = np.array([counts[c] for c in columns.tolist()], dtype=np.float64)
        weights = ((1.0 + np.log(tf)) * idf[columns]).astype(np.float32)
        norm = float(np.linalg.norm(weights))
        if norm > 0:
            weights /= norm
        return columns, weights

    def _lookup(self) -> tuple[dict[str, int], np.ndarray]:
        """The fitted vocabulary and idf (as float64), derived once per fit or load (``_use``)."""
        if not self.fitted:
            raise IndexNotReady("the lexical model is not fitted; build the index first")
        return self._vocabulary, self._idf

    def _width(self) -> int:
        return len(self._lookup()[0])

    def transform_documents(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """``transform`` for candidate notices, with rows cached by text: every firm of a digest run scores
        mostly the same open notices, so each is vectorised once. Rows are kept as (columns, weights) arrays
        and stacked in one step (``_stacked``)."""
        unique = list(dict.fromkeys(texts))
        with self._lock:
            held = {t: row for t in unique if (row := self._rows.get(t)) is not None}
        made = {t: self._tfidf_arrays(t) for t in unique if t not in held}
        with self._lock:
            self._rows.update(made)
        held.update(made)  # this call's rows, whatever the cache had to let go
        return self._stacked([held[t] for t in texts])

    def scores(self, query: str, documents: Sequence[str]) -> np.ndarray:
        """Cosine between the query and each document, in [0, 1]."""
        if not self.fitted or not documents:
            return np.zeros(len(documents), dtype=np.float32)
        matrix = self.transform([query, *documents])
        return np.asarray((matrix[1:] @ matrix[0].T).toarray()).ravel().clip(0.0, 1.0)

    def idf(self, term: str) -> float | None:
        vocabulary, idf = self._lookup()
        column = vocabulary.get(term)
        return float(idf[column]) if column is not None else None

    def shared_terms(
        self, query: str, document: str, limit: int = 8, min_idf: float | None = None,
        exclude: frozenset[str] = frozenset(),
    ) -> list[str]:
        """Terms in both texts, most distinctive first. With ``min_idf`` only vocabulary terms at least that
        rare count (a term outside the vocabulary was pruned as too common, or is unknown to the fit)."""
        shared = (term_set(query) & term_set(document)) - exclude
        if min_idf is not None and self.fitted:
            shared = frozenset(t for t in shared if (self.idf(t) or 0.0) >= min_idf)
        ranked = sorted(shared, key=lambda t: (-(self.idf(t) or 0.0), t) if self.fitted else (0.0, t))
        return ranked[:limit]

    def term_guard(
        self, keywords: Sequence[str], document: str, language: str | None = None, penalty: float = 0.75
    ) -> TermGuard:
        """If the firm lists distinctive keywords and the notice contains none of them, damp the score.

        Only keywords used in the notice's language take part: a Korean keyword against European notices,
        or "railway" against a Lithuanian notice, says nothing about the notice, so it can neither match
        nor penalise.
        """
        return self.term_guards(keywords, [document], [language], penalty)[0]

    def term_guards(
        self, keywords: Sequence[str], documents: Sequence[str], languages: Sequence[str | None],
        penalty: float = 0.75, doc_matrix: sparse.csr_matrix | None = None,
    ) -> list[TermGuard]:
        """``term_guard`` for many notices: the keywords are analysed once, and per language once. With the
        notices' TF-IDF rows (``doc_matrix``, from ``transform_documents``) the presence of every keyword
        term is read from the matrix instead of each notice's term set."""
        none = TermGuard([], 1.0)
        if not documents:  # filters that leave no notice: the arrays below would have no rows to broadcast
            return []
        distinctive = self._distinctive_keywords(keywords) if self.fitted else []
        if not distinctive:
            return [none] * len(documents)
        usable_by_language = {
            language: np.array([all(self._known_in(t, language) for t in terms) for _, terms in distinctive])
            for language in dict.fromkeys(languages)
        }
        usable = np.array([usable_by_language[language] for language in languages], dtype=bool).reshape(
            len(documents), len(distinctive))
        if doc_matrix is not None:
            columns = sorted({self.vectorizer.vocabulary_[t] for _, terms in distinctive for t in terms})
            where = {c: j for j, c in enumerate(columns)}
            if doc_matrix.shape[0] == 1:  # one notice, many firms (firms-for): slicing cost 0.1 ms a call
                held = set(doc_matrix.indices.tolist())
                present = np.array([[c in held for c in columns]], dtype=bool)
            else:
                present = doc_matrix[:, columns].toarray() > 0
            matched = np.column_stack([
                present[:, [where[self.vectorizer.vocabulary_[t]] for t in terms]].all(axis=1)
                for _, terms in distinctive
            ])
        else:
            sets = [term_set(d) for d in documents]
            matched = np.array([[all(t in s for t in terms) for _, terms in distinctive] for s in sets], dtype=bool)
        guarded = np.asarray(usable.any(axis=1) & ~(usable & matched).any(axis=1), dtype=bool)
        names = [k for k, _ in distinctive]
        by_row: dict[tuple[bool, ...], TermGuard] = {}  # rows differ only by language: a handful per call
        out = []
        for g, row in zip(guarded.tolist(), map(tuple, usable.tolist()), strict=True):
            guard = by_row.get(row) if g else none
            if guard is None:
                guard = by_row[row] = TermGuard([n for n, ok in zip(names, row, strict=True) if ok], penalty)
            out.append(guard)
        return out

    def _distinctive_keywords(self, keywords: Sequence[str]) -> list[tuple[str, list[str]]]:
        """Keywords whose terms are all in the vocabulary, one of them distinctive, with those terms."""
        threshold = self._distinctive_idf()
        found = []
        for keyword in keywords:
            terms = list(analyze(keyword))
            idfs = [self.idf(t) for t in terms]
            known = [i for i in idfs if i is not None]
            if terms and len(known) == len(terms) and max(known) >= threshold:
                found.append((keyword, terms))
        return found

    # -------------------------------------------------------------- persistence (JSON + npy, no pickle)
    def save(self, folder: Path) -> None:
        if not self.fitted:
            return
        vectorizer = self.vectorizer
        vocabulary = {term: int(col) for term, col in vectorizer.vocabulary_.items()}
        (folder / "lexical.json").write_text(json.dumps(
            {"max_df": self.max_df, "n_docs": self.n_docs, "collection_size": self.collection_size,
             "languages": self.languages, "vocabulary": vocabulary}
        ))
        np.save(folder / "lexical_idf.npy", vectorizer.idf_.astype(np.float32), allow_pickle=False)
        if self.term_languages is not None:
            np.save(folder / "lexical_languages.npy", self.term_languages, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalModel:
        """The model ``save`` wrote into ``folder``, checked whole: a file damaged on disk raises IndexNotReady
        naming it (``matcher.search.build_files``) instead of mis-scoring or failing in a later request."""
        path = folder / "lexical.json"
        if not path.exists() and not path.is_symlink():  # (a symlink to nowhere is a damaged file, not no file)
            return cls()  # the collection had no terms when the index was built
        raw = read_json(path)
        idf = read_array(folder / "lexical_idf.npy")
        vocabulary = raw.get("vocabulary")
        try:
            model = cls(max_df=float(raw["max_df"]))
            model.n_docs = int(raw["n_docs"])
            model.collection_size = int(raw.get("collection_size", model.n_docs))
            model.languages = [str(language) for language in raw.get("languages", [])]
        except (KeyError, TypeError, ValueError) as exc:
            raise damaged(path, f"field {exc}") from exc
        if not isinstance(vocabulary, dict) or sorted(vocabulary.values()) != list(range(len(idf))) \
                or not all(type(column) is int for column in vocabulary.values()):
            raise damaged(path, f"its vocabulary does not name the {len(idf)} columns of lexical_idf.npy once each")
        if not np.isfinite(idf).all():
            raise damaged(folder / "lexical_idf.npy", "weights that are not finite")
        languages = folder / "lexical_languages.npy"
        if languages.exists() or languages.is_symlink():
            model.term_languages = read_array(languages)
            if len(model.term_languages) != len(idf) or model.term_languages.dtype.kind not in "iu":
                raise damaged(languages, f"expected {len(idf)} integer masks, got {model.term_languages.shape}")
        vectorizer = model._make(vocabulary=vocabulary)
        vectorizer.idf_ = idf
        model._use(vectorizer)
        return model
