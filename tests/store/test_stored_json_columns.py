"""A column holding JSON outside any model, edited by hand to break JSON or its shape (``hand_edits.JSON_EDITS``:
a subscription's countries, a feed's cursor and kept rejections, an ingest ledger entry's notices and rejections),
or a subscription's column holding a value the digests cannot read, is named by every read that meets it: one
``StoredRecordInvalid`` naming the table, the row's key, the column and the rule, where it was Python's
JSONDecodeError or a TypeError (a bare 500 in the API, a traceback in the CLI), or read as it was.
``matcher store check`` lists such rows too (tests/cli/test_store_check_cli.py). The other rows read as before.
On SQLite and, when MATCHER_TEST_POSTGRES_URL is set, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from matcher.ingest.base import Rejected
from matcher.pipeline import Matcher
from matcher.schema import FirmProfile
from matcher.store import StoredRecordInvalid
from matcher.store.feeds import FeedSpec
from matcher.store.subscriptions import SubscriptionSpec
from tests.store.hand_edits import JSON_EDITS, Edit, hand_edit, shown_line

FIRM = "kr-water-meters"
FEED, OTHER_FEED = "ted-meters", "ted-pumps"
NOTICES = "tender_id,source,title\napi:meter-1,api,Smart water meters\napi:meter-2,api,Bulk water meters\n"


@pytest.fixture
def store(matcher_on_each_store: Matcher, tmp_path: Path) -> tuple[Matcher, dict[str, str]]:
    """A firm with a subscription, two feeds (the first past a page, with a kept rejection), a file ingested:
    one row of each table with JSON columns, and the key of each."""
    matcher = matcher_on_each_store
    matcher.upsert_firms([FirmProfile(firm_id=FIRM, name="Hanbit Meters", description="Water meters")])
    subscription = matcher.subscribe(SubscriptionSpec(FIRM, "bids@meters.example", countries=("KR",),
                                                      max_value=1e6), "officer-1")
    for name in (FEED, OTHER_FEED):
        matcher.add_feed(FeedSpec(name, "ted", query="classification-cpv=38421100"), "officer-1")
    matcher.start_feed_run(FEED)
    matcher.commit_feed_page(FEED, [], [Rejected("record 3", "no title")], {"page": 2})
    notices = tmp_path / "notices.csv"
    notices.write_text(NOTICES, encoding="utf-8")
    assert matcher.ingest_tenders([notices], sync=False).report.new == 2
    with matcher.engine.db.connect() as conn:
        digest = conn.exec_driver_sql("SELECT digest FROM ingested_files").scalar_one()
    return matcher, {"subscriptions": subscription.subscription_id, "feeds": FEED, "ingested_files": digest,
                     "file": str(notices)}


READS: dict[str, list[Callable[[Matcher, dict[str, str]], Any]]] = {
    "subscriptions": [lambda m, k: m.subscription(k["subscriptions"]), lambda m, k: m.firm_subscriptions(FIRM)],
    "feeds": [lambda m, k: m.feed(FEED), lambda m, k: m.all_feeds()],
    # The ledger is read when the same file comes again: its notices count as unchanged unless changed since.
    "ingested_files": [lambda m, k: m.ingest_tenders([Path(k["file"])], sync=False)],
}


@pytest.mark.parametrize(("table", "column"), list(JSON_EDITS))
def test_a_json_column_edited_by_hand_is_named_by_every_read(
    store: tuple[Matcher, dict[str, str]], table: str, column: str
) -> None:
    matcher, keys = store
    for read in READS[table]:
        read(matcher, keys)  # each reads the row before the edit
    edit = JSON_EDITS[(table, column)]
    hand_edit(matcher.engine.db, table, keys[table], edit, column)
    for read in READS[table]:
        with pytest.raises(StoredRecordInvalid) as raised:
            read(matcher, keys)
        assert raised.value.line == shown_line(table, keys[table], edit)


def test_the_rows_beside_a_bad_one_read_as_before(store: tuple[Matcher, dict[str, str]]) -> None:
    matcher = store[0]
    hand_edit(matcher.engine.db, "feeds", FEED, JSON_EDITS[("feeds", "cursor")], "cursor")
    other = matcher.feed(OTHER_FEED)
    assert (other.spec.name, other.cursor, other.last_run.rejections) == (OTHER_FEED, {}, [])


def test_a_feed_page_after_a_bad_rejections_column_is_refused_whole(store: tuple[Matcher, dict[str, str]]) -> None:
    """The next page of a run adds to the kept rejections: it is refused, naming the row, and nothing of it is
    stored (the cursor stays where it was)."""
    matcher = store[0]
    edit = JSON_EDITS[("feeds", "run_rejections")]
    hand_edit(matcher.engine.db, "feeds", FEED, edit, "run_rejections")
    with pytest.raises(StoredRecordInvalid, match=r"run_rejections\.0\.1: Field required"):
        matcher.commit_feed_page(FEED, [], [], {"page": 3})
    hand_edit(matcher.engine.db, "feeds", FEED, Edit(lambda kept: "[]", ""), "run_rejections")
    assert matcher.feed(FEED).cursor == {"page": 2}


@pytest.mark.parametrize(("column", "value", "problem"), [
    ("language", "xx", "language: Input should be 'ko' or 'en' (stored: 'xx')"),
    ("frequency", "hourly", "frequency: Input should be 'daily' or 'weekly' (stored: 'hourly')"),
    ("email", "bids at meters.example", "email: not an email address (expected name@example.org) "
                                        "(stored: 'bids at meters.example')"),
    ("email", "bids@meters@example.org", "email: not an email address (expected name@example.org) "
                                         "(stored: 'bids@meters@example.org')"),
    ("max_items", 0, "max_items: Input should be greater than or equal to 1 (stored: 0)"),
    ("min_score", 7.5, "min_score: Input should be less than or equal to 1 (stored: 7.5)"),
    ("min_value", -5.0, "min_value: Input should be greater than or equal to 0 (stored: -5.0)"),
    ("min_value", 2e6, "record: min_value 2000000 is greater than max_value 1000000"),
])
def test_a_subscription_column_the_digests_cannot_read_is_named(
    store: tuple[Matcher, dict[str, str]], column: str, value: str, problem: str
) -> None:
    """A subscription's plain columns make one model with its countries: a language or frequency the digests do
    not know, an address the API and the CLI refuse, a count or fit out of range, written by hand, is named where it
    was read as it was (a digest in no known language, to an address no server takes)."""
    matcher, keys = store
    with matcher.engine.db.begin() as conn:
        conn.execute(text(f"UPDATE subscriptions SET {column} = :value"), {"value": value})
    with pytest.raises(StoredRecordInvalid) as raised:
        matcher.firm_subscriptions(FIRM)
    assert raised.value.line == f"subscriptions subscription_id={keys['subscriptions']!r}: {problem}"
