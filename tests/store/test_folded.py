"""The literal search's pattern (``matcher.store._common.spelled``) finds a word however a text cases or accents
it, and reads the same on both stores: SQLite runs it with Python's ``re`` (SQLAlchemy's REGEXP), PostgreSQL
with its own ``~``, and a title found on one must be found on the other."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import literal, select

from matcher.store._common import spelled
from matcher.store.db import Database
from tests.conftest import postgres_schema_url

#: Titles as notices write them, and words that must find each (typed plain, capitalised, or with accents the title
#: lacks) or must not.
FOUND = [
    ("Distribution publique d'électricité", ["electricite", "ÉLECTRICITÉ", "Electricité", "publique", "d'électricité"]),
    ("RTE — Réseau Transport Electricité", ["électricité", "reseau", "RÉSEAU", "—"]),
    ("Dostawa wodomierzy dla Łodzi", ["lodzi", "ŁODZI", "łódzi", "wodomierzy"]),
    ("ΠΡΟΜΗΘΕΙΑ ΥΔΡΟΜΕΤΡΩΝ Ελλάδα", ["προμηθεια", "ελλαδα", "ΕΛΛΆΔΑ", "υδρομετρων"]),
    ("태양광 모듈 공급 (Solar)", ["태양광", "모듈", "(solar)", "SOLAR)"]),
    ("Rohrleitungsbau Straße 50% [Los 2]", ["straße", "STRAẞE", "50%", "[los", "2]", "strasse", "STRASSE"]),
    ("Hauptstrasse 12, Reinigung der Büros", ["hauptstraße", "HAUPTSTRASSE", "büros", "buros"]),
    ("Oﬃce supplies for the ﬁre brigade", ["office", "OFFICE", "fire", "ﬁre"]),
    ("Оборудование для воды", ["ВОДЫ", "оборудование"]),
]
MISSED = [
    ("Distribution publique d'électricité", ["electricitee", "5%", "publique_", "d.electricite"]),
    ("Rohrleitungsbau 50 Lose", ["50%", "lose]", "r.hr"]),
    ("Straße", ["strase", "strassse", "straßse"]),
    ("태양광 모듈", ["광모", "모듈공급"]),
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        yield Database(f"sqlite:///{tmp_path / 'folded.db'}")
    else:
        with postgres_schema_url() as url:
            yield Database(url)


def found_in(db: Database, text: str, word: str) -> bool:
    with db.engine.connect() as conn:
        return bool(conn.execute(select(literal(text).regexp_match(spelled(word)))).scalar_one())


@pytest.mark.parametrize(("text", "words"), FOUND)
def test_a_word_is_found_in_any_case_with_or_without_accents(db: Database, text: str, words: list[str]) -> None:
    for word in words:
        assert found_in(db, text, word), (text, word, spelled(word))
        assert re.search(spelled(word), text), (text, word)  # what SQLite's REGEXP runs


@pytest.mark.parametrize(("text", "words"), MISSED)
def test_other_words_and_pattern_characters_are_not_found(db: Database, text: str, words: list[str]) -> None:
    for word in words:
        assert not found_in(db, text, word), (text, word, spelled(word))
