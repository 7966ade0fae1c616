"""``matcher store check`` lists every stored record that breaks a rule (one line each: table, key, problem), and
every row whose JSON column outside any model (a subscription's countries, a feed's cursor, an ingest ledger entry)
does, and
a summary, exit code 1, or says every record keeps its rules, exit code 0; and a command that reads such a record
(recommend, firms-for, firms suggest-codes) says one line naming it with exit code 2, where it was pydantic's
traceback. The records are the demo's, edited by hand (``tests/store/hand_edits.py``). On SQLite and, when
MATCHER_TEST_POSTGRES_URL is set, on PostgreSQL (MATCHER_DATABASE_URL)."""

# The API tests' demo fixture is imported by name, which pyflakes reads as a redefinition where a test takes it.
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.config import Settings
from matcher.demo import demo_data
from matcher.pipeline import Matcher
from matcher.schema import Award, Correction, Tender
from matcher.search.encoders import FakeEncoder
from matcher.store.awards import AwardRepository
from matcher.store.feeds import FeedSpec
from matcher.store.subscriptions import SubscriptionSpec
from tests.api.conftest import OWN, DemoTemplate, demo_template, load_demo_fast  # noqa: F401
from tests.conftest import postgres_schema_url
from tests.store.hand_edits import FIRM_EDITS, JSON_EDITS, TENDER_EDITS, Edit, Key, hand_edit, shown_line

runner = CliRunner()
ADVICE = "run 'matcher store check' to list every stored record that breaks a rule"
FIX = "api:corrigendum-1"
AWARD = {"award_id": "A1", "supplier": "ACME PUMPS"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo_home(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              demo_template: DemoTemplate) -> Iterator[Matcher]:
    """The demo in the environment's home and database, open for the test to write to (each command the test runs
    opens the store again)."""
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    monkeypatch.setenv("MATCHER_CLOCK", demo_data().as_of.isoformat())
    if request.param == "postgresql":
        with postgres_schema_url() as url:
            monkeypatch.setenv("MATCHER_DATABASE_URL", url)
            yield from _loaded(demo_template)
        return
    yield from _loaded(demo_template)


def _loaded(template: DemoTemplate) -> Iterator[Matcher]:
    matcher = Matcher(Settings(), encoder=FakeEncoder())
    try:
        load_demo_fast(matcher, template)
        yield matcher
    finally:
        matcher.close()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_clean_demo_store_keeps_every_rule(demo_home: Matcher) -> None:
    code, out, _ = run("store", "check")

    assert (code, out) == (0, "checked 131 records (firms 6, tenders 125, tender_as_published 0, tender_corrections 0, "
                              "awards 0, subscriptions 0, feeds 0, ingested_files 0): every one keeps its rules\n")


def test_each_bad_row_of_each_record_table_is_listed(demo_home: Matcher) -> None:
    """One bad row in each table whose rows hold a record (a firm, a notice, a notice as published before its
    correction, the correction, an award), each named by its key; the rows around them read."""
    db = demo_home.engine.db
    bad_notice, corrected = (t.tender_id for t in list(demo_home.all_tenders())[:2])
    demo_home.upsert_tenders([Tender(tender_id=FIX, source="api", title="Corrigendum",
                                     corrects=[Correction(notice=corrected, title="Corrected title")])], sync=False)
    with db.begin() as conn:
        AwardRepository().upsert(conn, [Award(**AWARD, date=date(2020, 5, 1), title="Pumps")])
    correction = {"notice": corrected, "corrected_by": FIX, "seq": 0}
    edits: list[tuple[str, Key, Edit]] = [
        ("firms", OWN, FIRM_EDITS["negative-min-value"]),
        ("tenders", bad_notice, TENDER_EDITS["malformed-date"]),
        ("tender_as_published", corrected, TENDER_EDITS["negative-value"]),
        ("tender_corrections", correction, Edit(lambda r: "", "not valid JSON: EOF while parsing a value at line 1 "
                                                               "column 0")),
        ("awards", AWARD, Edit(lambda r: '{"award_id": "A1"}', "date: Field required (and 1 more)")),
    ]
    for table, key, edit in edits:
        hand_edit(db, table, key, edit)

    code, out, err = run("store", "check")

    assert code == 1, err
    assert out.splitlines() == [
        *(shown_line(table, key, edit) for table, key, edit in edits),
        # 6 + 126 (the demo's 125 and the corrigendum) + 1 + 1 + 1
        "checked 135 records (firms 6, tenders 126, tender_as_published 1, tender_corrections 1, awards 1, "
        "subscriptions 0, feeds 0, ingested_files 0): 5 break a rule (firms 1, tenders 1, tender_as_published 1, "
        "tender_corrections 1, awards 1)",
    ]


def test_each_bad_json_column_is_listed(demo_home: Matcher, tmp_path: Path) -> None:
    """One bad row in each table with a column of JSON outside any model (a subscription's countries, a feed's
    cursor, an ingest ledger entry's notices), each named by its key and column; the rows beside them read."""
    subscription = demo_home.subscribe(SubscriptionSpec(OWN, "bids@hanbit.example", countries=("KE",)), "officer-1")
    demo_home.subscribe(SubscriptionSpec(OWN, "ceo@hanbit.example"), "officer-1")
    for name in ("ted-water", "ted-meters"):
        demo_home.add_feed(FeedSpec(name, "ted"), "officer-1")
    notices = tmp_path / "notices.csv"
    notices.write_text("tender_id,source,title\napi:meter-1,api,Smart water meters\n", encoding="utf-8")
    demo_home.ingest_tenders([notices], sync=False)
    with demo_home.engine.db.connect() as conn:
        digest = conn.exec_driver_sql("SELECT digest FROM ingested_files").scalar_one()
    edits: list[tuple[str, str, str]] = [("subscriptions", subscription.subscription_id, "countries"),
                                         ("feeds", "ted-meters", "cursor"), ("ingested_files", digest, "tenders")]
    for table, key, column in edits:
        hand_edit(demo_home.engine.db, table, key, JSON_EDITS[(table, column)], column)

    code, out, err = run("store", "check")

    assert code == 1, err
    assert out.splitlines() == [
        *(shown_line(table, key, JSON_EDITS[(table, column)]) for table, key, column in edits),
        "checked 137 records (firms 6, tenders 126, tender_as_published 0, tender_corrections 0, awards 0, "
        "subscriptions 2, feeds 2, ingested_files 1): 3 break a rule (subscriptions 1, feeds 1, ingested_files 1)",
    ]


def test_commands_that_read_a_bad_record_say_one_line(demo_home: Matcher) -> None:
    firm_edit, notice_edit = FIRM_EDITS["keywords-not-a-list"], TENDER_EDITS["negative-value"]
    notice = next(iter(demo_home.all_tenders())).tender_id
    hand_edit(demo_home.engine.db, "firms", OWN, firm_edit)
    hand_edit(demo_home.engine.db, "tenders", notice, notice_edit)

    for args, table, key, edit in [(("recommend", OWN), "firms", OWN, firm_edit),
                                   (("firms", "suggest-codes", OWN), "firms", OWN, firm_edit),
                                   (("firms-for", notice), "tenders", notice, notice_edit)]:
        code, out, err = run(*args)
        assert (code, out) == (2, ""), (args, out, err)
        assert err == f"error: stored record {shown_line(table, key, edit)}; {ADVICE}\n", args


def test_a_command_that_reads_a_bad_json_column_says_one_line(demo_home: Matcher) -> None:
    demo_home.add_feed(FeedSpec("ted-water", "ted"), "officer-1")
    edit = JSON_EDITS[("feeds", "cursor")]
    hand_edit(demo_home.engine.db, "feeds", "ted-water", edit, "cursor")
    for args in (("feeds", "list"), ("feeds", "list", "--json")):
        code, out, err = run(*args)
        assert (code, out) == (2, ""), (args, out, err)
        assert err == f"error: stored record {shown_line('feeds', 'ted-water', edit)}; {ADVICE}\n", args
