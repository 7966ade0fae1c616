"""A stored record edited by hand to break a rule that has always held (``tests/store/hand_edits.py``) is named
whichever read meets it: one ``StoredRecordInvalid`` naming the table, the row's key, the field and the rule, never
pydantic's ValidationError (a 500 in the API, a traceback in the CLI). A read of one row and a read of many (a
page, a batch, every row) alike: a list does not leave the row out silently. The other rows read as before. On
SQLite and, when MATCHER_TEST_POSTGRES_URL is set, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from matcher.pipeline import Matcher
from matcher.schema import FirmProfile, Tender
from matcher.store import StoredRecordInvalid, TenderFilter
from tests.store.hand_edits import FIRM_EDITS, KEYS, TENDER_EDITS, Edit, hand_edit, shown_line

BAD_FIRM, GOOD_FIRM = "kr-bad-firm", "kr-good-firm"
BAD_TENDER, GOOD_TENDER = "api:bad-1", "api:good-1"


@pytest.fixture
def store(matcher_on_each_store: Matcher) -> Matcher:
    matcher = matcher_on_each_store
    matcher.upsert_firms([FirmProfile(firm_id=f, name=f"Firm {f}", description="Water pumps", keywords=["pumps"])
                          for f in (BAD_FIRM, GOOD_FIRM)])
    matcher.upsert_tenders([Tender(tender_id=t, source="api", title=f"Pumps {t}", value=1000.0, currency="EUR")
                            for t in (BAD_TENDER, GOOD_TENDER)], sync=False)
    return matcher


FIRM_READS: dict[str, Callable[[Matcher], Any]] = {
    "get": lambda m: m.get_firm(BAD_FIRM),
    "version": lambda m: m.firm_version(BAD_FIRM),
    "many": lambda m: m.get_firms([GOOD_FIRM, BAD_FIRM]),
    "list": lambda m: m.list_firms(),
    "list-assigned": lambda m: m.list_firms([BAD_FIRM]),
}
TENDER_READS: dict[str, Callable[[Matcher], Any]] = {
    "get": lambda m: m.get_tender(BAD_TENDER),
    "many": lambda m: m.fetch_tenders([GOOD_TENDER, BAD_TENDER]),
    "all": lambda m: list(m.all_tenders()),
    "search": lambda m: m.search_tenders(TenderFilter(text="pumps")),
}


#: Each table a test edits: the row edited, a check that the row beside it reads, the edits and the reads.
TABLES: dict[str, tuple[str, Callable[[Matcher], bool], dict[str, Edit], dict[str, Callable[[Matcher], Any]]]] = {
    "firms": (BAD_FIRM, lambda m: m.get_firm(GOOD_FIRM).name == f"Firm {GOOD_FIRM}", FIRM_EDITS, FIRM_READS),
    "tenders": (BAD_TENDER, lambda m: m.get_tender(GOOD_TENDER).value == 1000.0, TENDER_EDITS, TENDER_READS),
}
CASES = [(table, case, read) for table, (_, _, edits, reads) in TABLES.items() for case in edits for read in reads]


@pytest.mark.parametrize(("table", "case", "read"), CASES)
def test_a_record_edited_by_hand_is_named_by_every_read(store: Matcher, table: str, case: str, read: str) -> None:
    record_id, other_reads, edits, reads = TABLES[table]
    edit = edits[case]
    hand_edit(store.engine.db, table, record_id, edit)

    with pytest.raises(StoredRecordInvalid) as raised:
        reads[read](store)

    error = raised.value
    assert (error.table, error.key, error.problem) == (table, f"{KEYS[table]}={record_id!r}", edit.problem)
    assert str(error) == (f"stored record {shown_line(table, record_id, edit)}; run 'matcher store check' to "
                          "list every stored record that breaks a rule")
    assert "\n" not in str(error)
    assert other_reads(store)  # the rows beside it read as before


def test_a_read_that_does_not_reach_the_bad_row_is_answered(store: Matcher) -> None:
    """Only what meets the row names it: a page of firms before it, a tender filter that leaves it out."""
    hand_edit(store.engine.db, "firms", BAD_FIRM, FIRM_EDITS["negative-min-value"])
    hand_edit(store.engine.db, "tenders", BAD_TENDER, TENDER_EDITS["negative-value"])

    assert [f.firm_id for f in store.list_firms([GOOD_FIRM])[1]] == [GOOD_FIRM]
    assert [t.tender_id for t in store.search_tenders(TenderFilter(text="good"))[1]] == [GOOD_TENDER]
