"""The literal search (``GET /tenders?q=``, the workspace's notice list) on SQLite: the words' patterns read on every
title and buyer (``matcher.store._common.spelled``, the search before the index) against the same patterns read on
the notices the trigram index of folded text finds (``matcher.store.notice_text``), on one store, side by side.

    .venv/bin/python -m benchmarks.literal_search               # 100,000 notices (the store is kept in .work)
    .venv/bin/python -m benchmarks.literal_search --n 5000      # a quick look

The notices are the real ones of the shared TED sample (the demo's without it), 20+ languages, ids renumbered,
and one in twenty given a Korean title and buyer. A search is what the notice list asks: the count and the first
page of 50, newest first. Both paths must return the same notices (checked for every word); ratio = before / after.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from sqlalchemy import ColumnElement, and_, func, or_, select, text

from benchmarks.corpus import DEMO, SHARED, WORK
from matcher.ingest.ted import read_ted
from matcher.normalize.openness import OpenRule
from matcher.schema import Tender
from matcher.store import notice_text
from matcher.store._common import spelled
from matcher.store.db import Database
from matcher.store.tenders import TenderRepository, tenders

WORDS = ["travaux", "electricite", "Électricité", "WASSER", "szpital", "строителство", "ΥΠΗΡΕΣΙΕΣ", "정수장",
         "maintenance framework", "de", "zz-no-such-word"]
KOREAN = [("정수장 여과 설비 개선 공사", "청수환경공단"), ("희석 냉동기 구매", "한빛연구원"),
          ("상수도 관로 정비 공사", "서울특별시 상수도사업본부")]
PAGE = 50


def _notices() -> list[Tender]:
    path = SHARED if SHARED.exists() else DEMO
    return [t for t in read_ted(path) if isinstance(t, Tender)]


def build(path: Path, n: int) -> Database:
    """A store of ``n`` notices: the real ones stored by the repository (one in twenty with a Korean title and
    buyer), then copied in SQL under new ids up to ``n`` (their JSON keeps the original id: only the columns
    the search reads matter here), indexed in the copying transaction as the upsert's would."""
    fresh = not path.exists()
    db = Database(f"sqlite:///{path}")
    db.create_all()
    if not fresh:
        return db
    seed = _notices()
    korean = [t.model_copy(update={"tender_id": f"{t.tender_id}-ko", "title": title, "buyer": buyer})
              for i, t in enumerate(seed[::20]) for title, buyer in [KOREAN[i % len(KOREAN)]]]
    repository = TenderRepository(OpenRule(open_call_days=30, prior_information_days=90))
    with db.begin() as conn:
        repository.upsert(conn, seed + korean)
        stored = conn.execute(select(func.count()).select_from(tenders)).scalar_one()
        columns = ", ".join(c.name for c in tenders.c if c.name != "tender_id")
        for copy in range(1, -(-n // stored)):
            conn.execute(text(f"INSERT INTO tenders (tender_id, {columns}) SELECT 'bench:{copy}:' || tender_id, "
                              f"{columns} FROM tenders WHERE tender_id NOT LIKE 'bench:%' LIMIT :left"),
                         {"left": n - stored * copy})
        start = time.perf_counter()
        notice_text.refresh(conn)
        print(f"stored {n} notices; indexed them in {time.perf_counter() - start:.1f} s", flush=True)
    return db


def before(words: list[str]) -> ColumnElement[bool]:
    """The condition of the search before the index (matcher/store/tenders.py, ``_conditions``)."""
    return and_(*[or_(tenders.c.title.regexp_match(spelled(w)), tenders.c.buyer.regexp_match(spelled(w)))
                  for w in words])


def after(words: list[str]) -> ColumnElement[bool]:
    return notice_text.literal(tenders, words)


def _run(db: Database, condition: ColumnElement[bool]) -> tuple[int, list[str]]:
    with db.connect() as conn:
        count = conn.execute(select(func.count()).select_from(tenders).where(condition)).scalar_one()
        page = conn.execute(select(tenders.c.tender_id).where(condition)
                            .order_by(tenders.c.published.desc(), tenders.c.tender_id).limit(PAGE)).scalars().all()
    return count, list(page)


def _timed(call: Callable[[], tuple[int, list[str]]], rounds: int) -> tuple[float, tuple[int, list[str]]]:
    times, result = [], call()
    for _ in range(rounds):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def reindex(db: Database) -> float:
    """Seconds an existing store takes to get its index (the upgrade: every notice folded and indexed)."""
    with db.begin() as conn:
        for name in ("notice_text_inserted", "notice_text_updated", "notice_text_deleted"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        conn.execute(text("DROP TABLE IF EXISTS notice_text"))
        conn.execute(text("DROP TABLE IF EXISTS notice_text_rows"))
    start = time.perf_counter()
    db.create_all()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reindex", action="store_true", help="also time indexing the existing store anew")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    db = build(WORK / f"literal-{args.n}.db", args.n)
    if args.reindex:
        print(f"indexing {args.n} stored notices (the upgrade): {reindex(db):.1f} s")
    print(f"{'words':<24}{'found':>8}{'before s':>10}{'after s':>10}{'ratio':>8}")
    for words in WORDS:
        split = words.split()
        old_s, old = _timed(partial(_run, db, before(split)), args.rounds)
        new_s, new = _timed(partial(_run, db, after(split)), args.rounds)
        if old != new:
            raise SystemExit(f"{words!r}: the index path found {new[0]} notices, the patterns {old[0]}")
        print(f"{words:<24}{old[0]:>8}{old_s:>10.3f}{new_s:>10.3f}{old_s / new_s:>8.1f}")
    db.engine.dispose()


if __name__ == "__main__":
    main()
