"""Pool candidate notices for the judged relevance set (evaluation/judged.json).

For every profile in the judged file, each method proposes its top ``--depth`` (10; ``--aux-depth``, 5, for the
auxiliary methods) opportunity notices (open calls and prior information notices) of the store in ``--home``;
the union, minus the notices already judged for that profile, is written one (profile, notice) per line with
everything a judge needs to grade it.

Methods (see evaluation/JUDGING.md for why each is there):

- ``product``: ``Matcher.recommend`` as the product ranks today (closed notices included).
- ``shipped`` (or any name starting with ``shipped``): the same call under a new name, for a later run that
  pools what a changed ranker returns; only unjudged candidates come out.
- ``dense-use``: cosine of the profile text and notice text with the multilingual encoder.
- ``dense-minilm`` / ``dense-minilm-gloss``: cosine with the English encoder, profile text / English gloss.
- ``tfidf`` / ``tfidf-gloss``: TF-IDF cosine (``LexicalModel`` fitted on the notices), profile text / gloss.
- ``cpv``: notices whose CPV codes are closest to the profile's codes (profiles with codes only).
- ``gloss-codes``: the 5 CPV labels nearest the gloss (English encoder), then notices carrying those codes or
  their descendants.
- ``decided``: the product's list after the approval and the rejection that ``matcher evaluate --judged
  --decisions`` makes for the profile (the decided notices left out), so the decision effect is measured on
  judged notices.

Usage::

    .venv/bin/python scripts/pool_judged.py                      # all base methods
    .venv/bin/python scripts/pool_judged.py --method shipped --out /work/pool/pool-shipped.jsonl
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from matcher.config import get_settings
from matcher.evaluate.judged import DEPTH
from matcher.evaluate.judged_decisions import pick_decisions
from matcher.normalize.codes import code_overlap, codebook
from matcher.pipeline import Matcher
from matcher.schema import OPPORTUNITY_TYPES, FirmProfile, Tender
from matcher.search.encoders import Embedder, EmbeddingCache, make_encoder
from matcher.search.lexical import LexicalModel
from matcher.search.retrieve import MatchQuery
from matcher.store.shortlists import Status

log = logging.getLogger("pool_judged")

BASE_METHODS = ("product", "dense-use", "dense-minilm", "dense-minilm-gloss", "tfidf", "tfidf-gloss", "cpv",
                "gloss-codes")
#: Methods that widen the pool rather than mirror a ranker the product could ship; they pool fewer each (the
#: full top 10 of all eight gave 41.5 candidates per profile, 228 of them unique to minilm reading Korean text).
AUX_METHODS = frozenset({"dense-minilm", "dense-minilm-gloss", "tfidf-gloss", "gloss-codes"})
GLOSS_LABELS = 5  # CPV labels the gloss-codes method expands into notices
DESCRIPTION_CHARS = 1500


@dataclass(frozen=True)
class Entry:
    """One profile of the judged file, with what pooling needs besides the FirmProfile."""

    profile: FirmProfile
    gloss_en: str
    judged: frozenset[str]
    grades: dict[str, int] = field(default_factory=dict)


@dataclass
class Corpus:
    """The opportunity notices, and the models and vectors over them built on first use."""

    matcher: Matcher
    home: Path
    tenders: list[Tender]
    _embedders: dict[str, Embedder] = field(default_factory=dict)
    _doc_vectors: dict[str, np.ndarray] = field(default_factory=dict)
    _lexical: LexicalModel | None = None
    _labels: tuple[list[str], np.ndarray] | None = None

    def ids(self) -> frozenset[str]:
        return frozenset(t.tender_id for t in self.tenders)

    def embedder(self, name: str) -> Embedder:
        if name not in self._embedders:
            if self.matcher.settings.encoder == name:  # the product's own embedder: one model in memory
                self._embedders[name] = self.matcher.embedder
            else:
                cache = EmbeddingCache(self.home / "cache" / "embeddings.sqlite")
                encoder = make_encoder(name, self.matcher.settings.cache_dir / "onnx")  # type: ignore[arg-type]
                self._embedders[name] = Embedder(encoder, cache)
        return self._embedders[name]

    def doc_vectors(self, name: str) -> np.ndarray:
        if name not in self._doc_vectors:
            texts = [t.text() for t in self.tenders]
            self._doc_vectors[name] = self.embedder(name).encode_documents(texts, progress=True)
        return self._doc_vectors[name]

    def dense(self, name: str, query: str) -> np.ndarray:
        vector = self.embedder(name).encode_queries([query])[0]
        return np.asarray(self.doc_vectors(name) @ vector)

    def lexical(self) -> LexicalModel:
        if self._lexical is None:
            self._lexical = LexicalModel().fit([t.text() for t in self.tenders])
        return self._lexical

    def tfidf(self, query: str) -> np.ndarray:
        model = self.lexical()
        documents = model.transform_documents([t.text() for t in self.tenders])
        return np.asarray((documents @ model.transform_query(query).T).toarray()).ravel()

    def cpv_labels(self) -> tuple[list[str], np.ndarray]:
        """CPV codes that some notice carries (itself or a descendant), with minilm vectors of their labels."""
        if self._labels is None:
            prefixes = {_significant(c) for t in self.tenders for c in t.codes if c.startswith("CPV:")}
            book = codebook()
            codes = sorted(
                code for code in book.labels
                if code.startswith("CPV:") and any(p.startswith(_significant(code)) for p in prefixes)
            )
            vectors = self.embedder("minilm").encode_documents([book.labels[c] for c in codes])
            self._labels = (codes, vectors)
        return self._labels


def _significant(code: str) -> str:
    """The meaningful CPV digits: 'CPV:45210000' -> '4521' (at least the two division digits)."""
    digits = code.partition(":")[2]
    return digits[: max(len(digits.rstrip("0")), 2)]


def _top(scores: np.ndarray, tenders: Sequence[Tender], depth: int) -> list[str]:
    """Ids of the ``depth`` best positive scores; ties broken by tender id so runs are repeatable."""
    order = sorted(range(len(tenders)), key=lambda i: (-float(scores[i]), tenders[i].tender_id))
    return [tenders[i].tender_id for i in order[:depth] if scores[i] > 0]


def _recommend(corpus: Corpus, entry: Entry, depth: int) -> list[str]:
    matches = corpus.matcher.recommend(entry.profile, MatchQuery(k=depth, include_closed=True))
    pooled = corpus.ids()
    return [m.tender_id for m in matches if m.tender_id in pooled]


def _decided(corpus: Corpus, entry: Entry, depth: int) -> list[str]:
    """The product's list after the two decisions ``matcher evaluate --judged --decisions`` makes for this
    profile (``judged_decisions.pick_decisions``): decisions bring up notices no other method surfaced."""
    ranking = _recommend(corpus, entry, DEPTH + 2)
    approve, reject = pick_decisions(ranking, entry.grades)
    if approve is None or reject is None:
        return []
    decisions: dict[str, Status] = {approve: "approved", reject: "rejected"}
    query = MatchQuery(k=depth + 2, include_closed=True)
    found = corpus.matcher.recommend_many([entry.profile], query, decisions={entry.profile.firm_id: decisions})[0]
    return [m.tender_id for m in found if m.tender_id not in decisions][:depth]


def _cpv(corpus: Corpus, entry: Entry, depth: int) -> list[str]:
    codes = [c for c in entry.profile.codes if c.startswith("CPV:")]
    if not codes:
        return []
    overlap = np.array([code_overlap(codes, t.codes)[0] for t in corpus.tenders])
    # Many notices share a level; among equals the multilingual cosine decides, as it is the product's base.
    tie_break = corpus.dense("use-multilingual", entry.profile.text())
    return _top(np.where(overlap > 0, overlap + 0.01 * tie_break, 0.0), corpus.tenders, depth)


def _gloss_codes(corpus: Corpus, entry: Entry, depth: int) -> list[str]:
    codes, vectors = corpus.cpv_labels()
    query = corpus.embedder("minilm").encode_queries([entry.gloss_en])[0]
    best = np.argsort(-(vectors @ query), kind="stable")[:GLOSS_LABELS]
    chosen = [_significant(codes[i]) for i in best]
    # Notices under a nearer label first; within a label, the gloss's English cosine orders them.
    label_rank = np.array([
        min((r for r, p in enumerate(chosen) for c in t.codes if c.startswith("CPV:")
             and _significant(c).startswith(p)), default=GLOSS_LABELS)
        for t in corpus.tenders
    ])
    cosine = corpus.dense("minilm", entry.gloss_en)
    scores = np.where(label_rank < GLOSS_LABELS, (GLOSS_LABELS - label_rank) + 0.5 * (cosine + 1), 0.0)
    return _top(scores, corpus.tenders, depth)


def _scored(score: Callable[[Corpus, Entry], np.ndarray]) -> Callable[[Corpus, Entry, int], list[str]]:
    return lambda corpus, entry, depth: _top(score(corpus, entry), corpus.tenders, depth)


METHODS: dict[str, Callable[[Corpus, Entry, int], list[str]]] = {
    "product": _recommend,
    "dense-use": _scored(lambda c, e: c.dense("use-multilingual", e.profile.text())),
    "dense-minilm": _scored(lambda c, e: c.dense("minilm", e.profile.text())),
    "dense-minilm-gloss": _scored(lambda c, e: c.dense("minilm", e.gloss_en)),
    "tfidf": _scored(lambda c, e: c.tfidf(e.profile.text())),
    "tfidf-gloss": _scored(lambda c, e: c.tfidf(e.gloss_en)),
    "cpv": _cpv,
    "gloss-codes": _gloss_codes,
    "decided": _decided,
}


def method_function(name: str) -> Callable[[Corpus, Entry, int], list[str]]:
    if name.startswith("shipped"):
        return _recommend
    if name not in METHODS:
        raise SystemExit(f"unknown method {name!r} (expected one of {', '.join(METHODS)} or shipped[-label])")
    return METHODS[name]


def load_entries(judged_path: Path) -> tuple[list[dict[str, Any]], list[Entry]]:
    raw = json.loads(judged_path.read_text(encoding="utf-8"))
    items: list[dict[str, Any]] = raw["profiles"]
    entries = [
        Entry(FirmProfile.model_validate(item["profile"]), item["gloss_en"], frozenset(item.get("judgments", {})),
              dict(item.get("judgments", {})))
        for item in items
    ]
    return items, entries


def pool(
    corpus: Corpus, entries: Sequence[Entry], methods: Sequence[str], depth: int, aux_depth: int
) -> list[dict[str, Any]]:
    """Per profile, the union of every method's top ``depth`` (``aux_depth`` for the auxiliary methods) minus
    what is already judged."""
    rows: list[dict[str, Any]] = []
    for entry in entries:
        found: dict[str, dict[str, int]] = {}
        for name in methods:
            found_by = method_function(name)(corpus, entry, aux_depth if name in AUX_METHODS else depth)
            for rank, tender_id in enumerate(found_by, start=1):
                found.setdefault(tender_id, {})[name] = rank
        for tender_id, ranks in found.items():
            if tender_id not in entry.judged:
                rows.append({"firm_id": entry.profile.firm_id, "tender_id": tender_id,
                             "methods": list(ranks), "ranks": ranks})
        log.info("%s: %d candidates", entry.profile.firm_id, sum(r["firm_id"] == entry.profile.firm_id
                                                                for r in rows))
    return rows


def notice(tender: Tender) -> dict[str, Any]:
    """The notice as a judge reads it."""
    book = codebook()
    out: dict[str, Any] = {
        "title": tender.title,
        "title_en": tender.titles.get("en"),
        "language": tender.language,
        "notice_type": tender.notice_type,
        "buyer": tender.buyer,
        "countries": tender.all_countries(),
        "codes": [{"code": c, "label": book.label(c)} for c in tender.codes],
        "description": tender.description[:DESCRIPTION_CHARS],
    }
    nature = getattr(tender, "contract_nature", None)  # a newer schema may say supplies / services / works
    if nature is not None:
        out["contract_nature"] = nature
    return out


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--judged", type=Path, default=Path("evaluation/judged.json"))
    parser.add_argument("--home", type=Path, default=Path("/work/jhome"))
    parser.add_argument("--out", type=Path, default=Path("/work/pool/pool.jsonl"))
    parser.add_argument("--profiles-out", type=Path, default=Path("/work/pool/profiles.json"))
    parser.add_argument("--method", action="append", dest="methods",
                        help=f"repeatable; default: {', '.join(BASE_METHODS)}")
    parser.add_argument("--depth", type=int, default=10, help="candidates per method")
    parser.add_argument("--aux-depth", type=int, default=5,
                        help=f"candidates per auxiliary method ({', '.join(sorted(AUX_METHODS))})")
    parser.add_argument("--firm", action="append", dest="firms", help="only these firm ids (repeatable)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args(argv)
    methods: list[str] = args.methods or list(BASE_METHODS)
    for name in methods:
        method_function(name)  # fail before loading models
    items, entries = load_entries(args.judged)
    if args.firms:
        entries = [e for e in entries if e.profile.firm_id in set(args.firms)]
    matcher = Matcher(get_settings(home=args.home))
    tenders = sorted((t for t in matcher.all_tenders() if t.notice_type in OPPORTUNITY_TYPES),
                     key=lambda t: t.tender_id)
    corpus = Corpus(matcher, args.home, tenders)
    rows = pool(corpus, entries, methods, args.depth, args.aux_depth)
    by_id = {t.tender_id: t for t in tenders}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row | notice(by_id[row["tender_id"]]), ensure_ascii=False) + "\n")
    profiles = [{k: v for k, v in item.items() if k != "judgments"} for item in items]
    args.profiles_out.write_text(json.dumps(profiles, ensure_ascii=False, indent=1), encoding="utf-8")
    log.info("%d candidates for %d profiles -> %s", len(rows), len(entries), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
