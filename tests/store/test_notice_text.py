"""The literal search with its index (``matcher.store.notice_text``) finds exactly what the words' patterns alone
found (``spelled`` read on every title and buyer, the search before the index), on real notices: the demo's and
the shared TED sample's, 20+ languages, some given Korean titles; words as written, in capitals, without their
accents, cut to a part of a word, too short for trigrams, and several at once. On SQLite the index also narrows
(a word no notice writes reads no notice), stays exact while it lags writes, and an existing store gets it."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    delete,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)

from matcher.demo import demo_data
from matcher.ingest.detect import read_tenders
from matcher.normalize.openness import OpenRule
from matcher.normalize.text import fold
from matcher.schema import Tender
from matcher.store import notice_text
from matcher.store._common import spelled
from matcher.store.db import Database
from matcher.store.tenders import TenderRepository, tenders
from tests.conftest import postgres_schema_url, ted_sample

#: Korean titles and buyers (in the words of the Korean firms of tests/fixtures/firms), given to some demo notices:
#: the demo and the TED sample have none.
KOREAN = [("정수장 여과 설비 개선 공사", "청수환경공단"),
          ("희석 냉동기와 연구용 크라이오스탯 구매", "한빛극저온연구원"),
          ("상하수도 정수 설비 시공", "서울특별시 상수도사업본부")]
REPOSITORY = TenderRepository(OpenRule(open_call_days=30, prior_information_days=90))


def demo_notices() -> list[Tender]:
    return list(_demo_notices())


@cache
def _demo_notices() -> tuple[Tender, ...]:
    """Read once per worker (a few seconds on a busy machine)."""
    notices = [t for t in read_tenders(demo_data().tenders) if isinstance(t, Tender)]
    korean = [t.model_copy(update={"tender_id": f"{t.tender_id}-ko", "title": title, "buyer": buyer})
              for t, (title, buyer) in zip(notices[::40], KOREAN, strict=False)]
    return (*notices, *korean)


def patterns(words: list[str]) -> ColumnElement[bool]:
    """The search before the index (matcher/store/tenders.py, ``TenderRepository._conditions``)."""
    return and_(*[or_(tenders.c.title.regexp_match(spelled(w)), tenders.c.buyer.regexp_match(spelled(w)))
                  for w in words]) if words else false()


def found(conn: Connection, condition: ColumnElement[bool]) -> list[str]:
    return list(conn.execute(select(tenders.c.tender_id).where(condition).order_by(tenders.c.tender_id)).scalars())


def searches(notices: list[Tender], every: int) -> list[list[str]]:
    """Words as an officer types them, from the notices' own titles and buyers: as written, in capitals,
    without accents, a part of a word (a substring), two letters (too short for trigrams), two words at once."""
    out: list[list[str]] = [["zz-no-such-word"], ["정수"], ["정수장"], ["크라이오스탯", "구매"], ["ss"], ["strasse"]]
    for notice in notices[::every]:
        words = [w for w in f"{notice.title} {notice.buyer or ''}".split() if len(w) > 1]
        for word in words[:3]:
            out += [[word], [word.upper()], [fold(word)], [word[1:5]], [word[:2]]]
        out.append(words[-2:])
    return out


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'store.db'}")
        db.create_all()
        yield db
        db.engine.dispose()
        return
    with postgres_schema_url() as url:
        db = Database(url)
        db.create_all()
        try:
            yield db
        finally:
            db.engine.dispose()


def stored(db: Database, notices: list[Tender]) -> None:
    with db.begin() as conn:
        REPOSITORY.upsert(conn, notices)
        notice_text.refresh(conn)


def test_the_index_finds_what_the_patterns_find_in_demo_notices(store: Database) -> None:
    notices = demo_notices()
    stored(store, notices)
    with store.connect() as conn:
        results = {tuple(words): found(conn, notice_text.literal(tenders, words)) for words in searches(notices, 8)}
        for words, ids in results.items():
            assert ids == found(conn, patterns(list(words))), words
    assert results[("정수장",)] == [t.tender_id for t in notices if "정수장" in t.title]
    assert sum(1 for ids in results.values() if ids) > len(results) / 2  # most words find notices


@pytest.mark.slow  # reads the shared TED sample (9 s on an idle machine)
@pytest.mark.shared
def test_the_index_finds_what_the_patterns_find_in_the_ted_sample(tmp_path: Path) -> None:
    notices = [t for t in ted_sample() if isinstance(t, Tender)][::12]  # 289 notices, 20+ languages
    db = Database(f"sqlite:///{tmp_path / 'store.db'}")
    db.create_all()
    stored(db, notices)
    with db.connect() as conn:
        for words in searches(notices, 24):
            assert found(conn, notice_text.literal(tenders, words)) == found(conn, patterns(words)), words


def candidates(conn: Connection, words: list[str]) -> int:
    return int(conn.execute(select(func.count()).select_from(tenders)
                            .where(notice_text.candidates(tenders.c.tender_id, words))).scalar_one())


def test_on_sqlite_the_index_narrows_the_notices_the_patterns_read(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'store.db'}")
    db.create_all()
    notices = demo_notices()
    stored(db, notices)
    with db.connect() as conn:
        assert candidates(conn, ["zz-no-such-word"]) == 0
        assert candidates(conn, ["정수장"]) == 1  # the one Korean notice whose title writes it
        assert candidates(conn, ["de"]) == len(notices)  # two letters: no trigram, every notice is read


def stale(conn: Connection) -> int:
    return int(conn.execute(text("SELECT count(*) FROM notice_text_rows WHERE stale = 1")).scalar_one())


def test_on_sqlite_a_lagging_index_still_finds_every_change(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'store.db'}")
    db.create_all()
    notices = demo_notices()
    stored(db, notices)
    first, second = notices[0], notices[1]
    with db.begin() as conn:  # a writer that does not refresh the index: the sqlite3 shell, an older version
        conn.execute(update(tenders).where(tenders.c.tender_id == first.tender_id)
                     .values(title="Réfection de la STRAẞE des Écoles"))
        copied = {c.name: c for c in tenders.c} | {"tender_id": literal("ted:new-1"),
                                                   "buyer": literal("Zakład Łódźkiewicz")}
        conn.execute(insert(tenders).from_select(list(copied), select(*copied.values())
                                                 .where(tenders.c.tender_id == second.tender_id)))
        conn.execute(delete(tenders).where(tenders.c.tender_id == notices[2].tender_id))
    with db.connect() as conn:
        assert stale(conn) == 3
        assert found(conn, notice_text.literal(tenders, ["strasse", "ecoles"])) == [first.tender_id]
        assert found(conn, notice_text.literal(tenders, ["LODZKIEWICZ"])) == ["ted:new-1"]
        for words in searches(notices, 16):
            assert found(conn, notice_text.literal(tenders, words)) == found(conn, patterns(words)), words
    with db.begin() as conn:
        assert notice_text.refresh(conn) == 3
    with db.connect() as conn:
        assert stale(conn) == 0
        assert found(conn, notice_text.literal(tenders, ["strasse", "ecoles"])) == [first.tender_id]
        assert candidates(conn, [notices[0].title.split()[0]]) < len(notices)
        kept = conn.execute(text("SELECT count(*) FROM notice_text_rows")).scalar_one()
        assert kept == len(notices)  # one more, one deleted


def test_on_sqlite_a_store_made_before_the_index_gets_it_when_opened(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'store.db'}")
    db.create_all()
    notices = demo_notices()
    stored(db, notices)
    with db.begin() as conn:  # the store as an older version left it: no index, no triggers
        for name in ("notice_text_inserted", "notice_text_updated", "notice_text_deleted"):
            conn.execute(text(f"DROP TRIGGER {name}"))
        conn.execute(text("DROP TABLE notice_text"))
        conn.execute(text("DROP TABLE notice_text_rows"))
    Database(db.url).create_all()  # what every start does
    with db.connect() as conn:
        assert stale(conn) == 0
        assert conn.execute(text("SELECT count(*) FROM notice_text")).scalar_one() == len(notices)
        assert candidates(conn, ["zz-no-such-word"]) == 0
        for words in searches(notices, 16):
            assert found(conn, notice_text.literal(tenders, words)) == found(conn, patterns(words)), words


def test_a_word_whose_fold_folds_again_finds_what_its_pattern_finds(tmp_path: Path) -> None:
    # '㎁' folds to 'nA' (case is folded before the compatibility letters appear), and its pattern takes 'n' then
    # 'A' as written: a title writing 'nAtional' is found by '㎁tional', whose fold 'nAtional' is no part of the
    # title's fold 'national'. The index must fold both until nothing changes.
    db = Database(f"sqlite:///{tmp_path / 'store.db'}")
    db.create_all()
    notices = demo_notices()
    stored(db, [*notices, notices[0].model_copy(update={"tender_id": "ted:na-1", "title": "Réseau nAtional"})])
    with db.connect() as conn:
        assert found(conn, patterns(["㎁tional"])) == ["ted:na-1"]
        assert found(conn, notice_text.literal(tenders, ["㎁tional"])) == ["ted:na-1"]
