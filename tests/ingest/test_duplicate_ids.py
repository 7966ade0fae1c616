"""One id twice in one file (``matcher.ingest.base.FirstOfEach``): the first record loads, each later one is rejected
with its own line or entry and the first's, and counted in the summary. What is not a duplicate stays as it was:
releases of one OCDS process (each updates it), a TED corrigendum or cancellation (its own notice, naming another),
and one id in two files given together (the later file updates it).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.config import Settings
from matcher.ingest.base import Rejected
from matcher.ingest.detect import read_tenders
from matcher.ingest.firms import read_firms
from matcher.ingest.ocds import read_ocds
from matcher.ingest.ted import read_ted
from matcher.ingest.worldbank import read_worldbank
from matcher.pipeline import Matcher
from matcher.schema import FirmProfile, Tender
from tests.conftest import FIXTURES, ted_sample

runner = CliRunner()


def split(read: Iterable[object]) -> tuple[list[str], list[tuple[str, str]]]:
    records = list(read)
    ids = [r.tender_id if isinstance(r, Tender) else r.firm_id for r in records if isinstance(r, Tender | FirmProfile)]
    return ids, [(r.record, r.reason) for r in records if isinstance(r, Rejected)]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    return tmp_path / "home"


# ----------------------------------------------------------------------------- tables


def test_a_tender_table_keeps_the_first_row_of_an_id_and_rejects_the_later_ones(home: Path, tmp_path: Path) -> None:
    table = tmp_path / "calls.csv"
    table.write_text("tender_id,title,published\n"
                     "a,Water meters,2024-05-01\n"
                     "b,Pumps,2024-05-01\n"
                     "a,Water meters (again),2024-05-02\n"
                     "csv:a,Water meters,2024-05-01\n")  # 'a' gets the source prefix: the same id
    result = runner.invoke(app, ["ingest", "tenders", str(table), "--no-index"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "tenders: 2 new, 0 updated, 0 unchanged, 2 rejected\n"
    assert result.stderr == (
        "  rejected calls.csv:4: duplicate tender_id 'csv:a' in this file: the first, at calls.csv:2, is kept; "
        "this one differs in title, published\n"
        "  rejected calls.csv:5: duplicate tender_id 'csv:a' in this file: the first, at calls.csv:2, is kept; "
        "this one is an identical copy\n")
    matcher = Matcher(Settings(home=home, encoder="fake"))
    assert matcher.get_tender("csv:a").title == "Water meters"  # the first row's
    matcher.close()


@pytest.mark.parametrize(("name", "text", "later", "first"), [
    ("calls.jsonl", '{"tender_id": "a", "title": "One"}\n\n{"tender_id": "a", "title": "Two"}\n', "calls.jsonl:3",
     "calls.jsonl:1"),
    ("calls.json", '[{"tender_id": "a", "title": "One"}, {"tender_id": "b", "title": "B"}, '
                   '{"tender_id": "a", "title": "Two"}]', "calls.json#3", "calls.json#1"),
])
def test_json_tables_name_the_line_or_entry(tmp_path: Path, name: str, text: str, later: str, first: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    ids, rejected = split(read_tenders(path))
    assert "csv:a" in ids and ids.count("csv:a") == 1
    assert rejected == [(later, f"duplicate tender_id 'csv:a' in this file: the first, at {first}, is kept; "
                                "this one differs in title")]


def test_a_firms_file_keeps_the_first_profile_of_an_id(home: Path, tmp_path: Path) -> None:
    firms = tmp_path / "firms.csv"
    firms.write_text("firm_id,name,description\n"
                     "acme,Acme,water meters\n"
                     "acme,Acme Ltd,water meters and pumps\n"
                     "beta,Beta,valves\n")
    result = runner.invoke(app, ["ingest", "firms", str(firms)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "firms: 2 new, 0 updated, 0 unchanged, 1 rejected\n"
    assert result.stderr == ("  rejected firms.csv:3: duplicate firm_id 'acme' in this file: the first, at "
                             "firms.csv:2, is kept; this one differs in name, description\n")
    jsonl = tmp_path / "firms.jsonl"
    jsonl.write_text('{"firm_id": "acme", "name": "A", "description": "d"}\n'
                     '{"firm_id": "acme", "name": "A", "description": "d"}\n')
    assert split(read_firms(jsonl)) == (["acme"], [("firms.jsonl:2", "duplicate firm_id 'acme' in this file: the "
                                                    "first, at firms.jsonl:1, is kept; this one is an identical copy")])


def test_the_same_id_in_two_files_given_together_is_an_update(home: Path, tmp_path: Path) -> None:
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old.write_text("tender_id,title\na,Water meters\n")
    new.write_text("tender_id,title\na,Smart water meters\n")
    result = runner.invoke(app, ["ingest", "tenders", str(old), str(new), "--no-index"])
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout == "tenders: 1 new, 0 updated, 0 unchanged, 0 rejected\n"


# ----------------------------------------------------------------------------- TED


def test_a_ted_folder_holding_one_notice_twice_loads_it_once(tmp_path: Path) -> None:
    folder = tmp_path / "notices"
    folder.mkdir()
    notice = FIXTURES / "ted" / "pin_pt_629765-2021.xml"
    shutil.copy(notice, folder / "a_629765-2021.xml")
    shutil.copy(notice, folder / "b_629765-2021.xml")
    ids, rejected = split(read_ted(folder))
    assert ids == ["ted:629765-2021"]
    assert rejected == [(str(folder / "b_629765-2021.xml"), "duplicate tender_id 'ted:629765-2021' in this file: "
                         f"the first, at {folder / 'a_629765-2021.xml'}, is kept; this one is an identical copy")]


def test_corrigenda_and_cancellations_are_their_own_notices(tmp_path: Path) -> None:
    folder = tmp_path / "notices"
    shutil.copytree(FIXTURES / "ted_corrections", folder)
    shutil.copy(FIXTURES / "ted_cancellation" / "award_discontinued_ro_430877-2022.xml", folder)
    shutil.copy(FIXTURES / "ted" / "contract_notice_ro_306344-2022.xml", folder)  # the one it cancels
    ids, rejected = split(read_ted(folder))
    assert rejected == [] and len(ids) == len(set(ids)) == 9


# ----------------------------------------------------------------------------- OCDS


def release(rid: str, date: str, tag: str = "tender", **extra: object) -> dict[str, object]:
    return {"ocid": "ocds-x-1", "id": rid, "date": date, "tag": [tag],
            "tender": {"title": "Water meters", "status": "active"}, **extra}


def test_ocds_releases_of_one_process_update_it(tmp_path: Path) -> None:
    path = tmp_path / "package.json"
    path.write_text(json.dumps({"releases": [
        release("1", "2024-05-01T00:00:00Z"),
        release("2", "2024-05-10T00:00:00Z", tender={"title": "Smart water meters", "status": "active"}),
    ]}))
    ids, rejected = split(read_ocds(path))
    assert ids == ["ocds:ocds-x-1"] and rejected == []
    (tender,) = [t for t in read_ocds(path) if isinstance(t, Tender)]
    assert tender.title == "Smart water meters"


def test_the_same_ocds_release_twice_is_a_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "package.json"
    path.write_text(json.dumps({"releases": [
        release("1", "2024-05-01T00:00:00Z"),
        release("2", "2024-05-10T00:00:00Z"),
        release("1", "2024-05-01T00:00:00Z"),
        release("1", "2024-05-01T00:00:00Z", buyer={"name": "City of Springfield"}),
    ]}))
    ids, rejected = split(read_ocds(path))
    assert ids == ["ocds:ocds-x-1"]
    first = "package.json#/releases/0"
    assert rejected == [
        ("package.json#/releases/2", "duplicate release '1' of ocds-x-1 dated 2024-05-01T00:00:00Z in this file: "
                                     f"the first, at {first}, is kept; this one is an identical copy"),
        ("package.json#/releases/3", "duplicate release '1' of ocds-x-1 dated 2024-05-01T00:00:00Z in this file: "
                                     f"the first, at {first}, is kept; this one differs in buyer"),
    ]


def test_one_process_twice_in_a_record_package_is_a_duplicate(tmp_path: Path) -> None:
    record = {"ocid": "ocds-x-1", "compiledRelease": release("1", "2024-05-01T00:00:00Z")}
    path = tmp_path / "records.json"
    path.write_text(json.dumps({"records": [record, {"ocid": "ocds-x-2", "compiledRelease": {
        **release("9", "2024-05-01T00:00:00Z"), "ocid": "ocds-x-2"}}, record]}))
    ids, rejected = split(read_ocds(path))
    assert sorted(ids) == ["ocds:ocds-x-1", "ocds:ocds-x-2"]
    assert rejected == [("records.json#/records/2", "duplicate record of ocds-x-1 in this file: the first, at "
                         "records.json#/records/0, is kept; this one is an identical copy")]



def test_an_ocid_written_in_another_unicode_form_is_the_same_process(tmp_path: Path) -> None:
    # 'ocds-x-café' composed (NFC) and decomposed (NFD) is one notice id (ids are kept in NFC), but the releases
    # were grouped by the ocid as written: two Tenders of one id came out of one file, no word said, and the one
    # stored last replaced the other.
    path = tmp_path / "package.json"
    path.write_text(json.dumps({"releases": [
        {**release("1", "2024-05-01T00:00:00Z"), "ocid": "ocds-x-caf\u00e9"},
        {**release("2", "2024-05-10T00:00:00Z", tender={"title": "Smart water meters", "status": "active"}),
         "ocid": "ocds-x-cafe\u0301"},
    ]}))
    ids, rejected = split(read_ocds(path))
    assert ids == ["ocds:ocds-x-caf\u00e9"] and rejected == []
    (tender,) = [t for t in read_ocds(path) if isinstance(t, Tender)]
    assert tender.title == "Smart water meters"  # the later release of the process, as for any ocid


def test_two_ocids_that_make_one_notice_id_keep_the_first(tmp_path: Path) -> None:
    # A '/' in an ocid is percent-encoded in the notice id, so 'ocds-x/1' and 'ocds-x%2F1' are one notice.
    path = tmp_path / "package.json"
    path.write_text(json.dumps({"releases": [{**release("1", "2024-05-01T00:00:00Z"), "ocid": "ocds-x/1"},
                                             {**release("1", "2024-05-01T00:00:00Z"), "ocid": "ocds-x%2F1"}]}))
    ids, rejected = split(read_ocds(path))
    assert ids == ["ocds:ocds-x%2F1"]
    assert rejected == [("ocds-x%2F1", "duplicate tender_id 'ocds:ocds-x%2F1' in this file: the first, at "
                                       "ocds-x/1, is kept; this one is an identical copy")]

@pytest.mark.parametrize("packed", ["folder", "archive"])
def test_one_release_in_two_files_of_one_name_names_each_file_by_its_folder(tmp_path: Path, packed: str) -> None:
    # a/package.json and b/package.json were both named "package.json#/releases/0": the rejection could not say
    # which file's release was kept and which was not.
    folder = tmp_path / "notices"
    for part, buyer in (("a", "Springfield"), ("b", "Shelbyville")):
        (folder / part).mkdir(parents=True)
        (folder / part / "package.json").write_text(json.dumps({"releases": [
            release("1", "2024-05-01T00:00:00Z", buyer={"name": buyer})]}))
    source = folder
    if packed == "archive":
        source = Path(shutil.make_archive(str(tmp_path / "notices"), "gztar", folder))
    ids, rejected = split(read_ocds(source))
    assert ids == ["ocds:ocds-x-1"]
    assert rejected == [("b/package.json#/releases/0", "duplicate release '1' of ocds-x-1 dated 2024-05-01T00:00:00Z "
                         "in this file: the first, at a/package.json#/releases/0, is kept; this one differs in buyer")]


# ----------------------------------------------------------------------------- World Bank


def test_a_world_bank_answer_holding_one_notice_twice(tmp_path: Path) -> None:
    answer = json.loads((FIXTURES / "feeds" / "worldbank" / "page-1.json").read_text())
    answer["procnotices"].append(answer["procnotices"][0])
    path = tmp_path / "answer.json"
    path.write_text(json.dumps(answer))
    ids, rejected = split(read_worldbank(path))
    notice_id = answer["procnotices"][0]["id"]
    assert len(ids) == len(set(ids)) == 3
    assert rejected == [(f"answer.json notice {notice_id}", f"duplicate tender_id 'wb:{notice_id}' in this file: the "
                         f"first, at answer.json notice {notice_id}, is kept; this one is an identical copy")]


# ----------------------------------------------------------------------------- the real archives


@pytest.mark.slow
@pytest.mark.shared
def test_the_ted_sample_holds_seven_notices_twice() -> None:
    """Seven DOC_IDs come in two files each: five copies parse the same, 350966-2022's two exports differ in the
    deadline (TED's coded data kept current after a corrigendum, 25 July -> 15 August) and 057196-2021's second
    copy is the Danish 'example.xml' rendering of the English notice."""
    items = list(ted_sample())
    ids, rejected = split(items)
    duplicates = sorted((r.split(" ")[2], r.rsplit("; ", 1)[1]) for _, r in rejected if r.startswith("duplicate"))
    assert len(ids) == len(set(ids)) == 3465
    assert duplicates == [
        ("'ted:000050-2020'", "this one is an identical copy"),
        ("'ted:000163-2021'", "this one is an identical copy"),
        ("'ted:027956-2022'", "this one is an identical copy"),
        ("'ted:034830-2021'", "this one is an identical copy"),
        ("'ted:057196-2021'", "this one differs in title, description, language, buyer, url"),
        ("'ted:350966-2022'", "this one differs in deadline"),
        ("'ted:480794-2017'", "this one is an identical copy"),
    ]
