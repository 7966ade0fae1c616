"""Corrigenda read from real notices: TED-XML F14 changes (matcher.ingest.ted_corrections) and eForms change
notices (matcher.ingest.eforms); what the store does with them is tests/store/test_corrections.py."""

from __future__ import annotations

import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from matcher.ingest.ted import parse_ted_document
from matcher.ingest.ted_corrections import section, ted_corrections
from matcher.schema import Correction, Tender
from tests.conftest import FIXTURES, shared_path, ted_sample

CORRECTIONS = FIXTURES / "ted_corrections"
OPEN_UUID = "c4c415ee-ac08-4465-8fa6-57568cf69462-01"  # cbc:ID and cbc:VersionID of eforms_cn_24_open.xml


def tender(path: Path, data: bytes | None = None) -> Tender:
    notice = parse_ted_document(path.read_bytes() if data is None else data, path.name)
    assert isinstance(notice, Tender), notice
    return notice


# ----------------------------------------------------------------------------- TED-XML F14


def test_a_deadline_extension_names_the_notice_it_corrects() -> None:
    corrigendum = tender(CORRECTIONS / "corrigendum_bg_218017-2021.xml")
    assert (corrigendum.tender_id, corrigendum.notice_type) == ("ted:218017-2021", "other")
    # IV.2.2) NEW_VALUE DATE 2021-05-21 without a TIME: 23:59 in Sofia (UTC+3 in May) is 20:59 UTC.
    # NOTICE_NUMBER_OJ "2021/S 074-189849". IV.2.7 (opening of tenders, 2021-05-26) is no deadline.
    assert corrigendum.corrects == [
        Correction(notice="ted:189849-2021", deadline=datetime(2021, 5, 21, 20, 59, tzinfo=UTC))
    ]
    assert corrigendum.corrects[0].deadline == corrigendum.deadline  # TED's coded DT_DATE_FOR_SUBMISSION agrees


def test_a_deadline_change_on_lots_without_a_label() -> None:
    corrigendum = tender(FIXTURES / "ted" / "corrigendum_en_026522-2021.xml")
    # WHERE: SECTION "IV.2.2)", LOT_NO "Lot 1 and 2", no LABEL; 2021-02-16 16:00 in Turkey (UTC+3).
    assert corrigendum.corrects == [
        Correction(notice="ted:549591-2020", deadline=datetime(2021, 2, 16, 13, 0, tzinfo=UTC))
    ]


def test_a_main_code_change_replaces_the_code_and_tells_the_new_headings() -> None:
    corrigendum = tender(CORRECTIONS / "corrigendum_pl_005844-2021.xml")
    (correction,) = corrigendum.corrects
    assert correction.notice == "ted:606782-2020"  # NOTICE_NUMBER_OJ "2020/S 245-606782"
    assert correction.deadline == datetime(2021, 1, 21, 8, 0, tzinfo=UTC)  # 09:00 in Warsaw (UTC+1 in January)
    # II.1.2 CPV_MAIN 33183300 -> 33183100; the II.2.2 change of lot 1's additional code is not taken.
    assert correction.replaced_codes == {"CPV:33183300": "CPV:33183100"}
    assert correction.titles is not None and correction.titles["en"] == "Orthopaedic implants"  # 33183100's label
    assert (correction.title, correction.description, correction.codes) == (None, None, None)


def test_a_notice_that_is_no_corrigendum_corrects_nothing() -> None:
    assert tender(CORRECTIONS / "contract_notice_bg_189849-2021.xml").corrects == []


@pytest.mark.parametrize("written", ["IV.2.2", "IV.2.2)", "IV.2.2.", " IV. 2.2 ", "(IV.2.2)", "iv.2.2"])
def test_section_numbers_are_read_however_they_are_written(written: str) -> None:
    assert section(_change(f"<WHERE><SECTION>{written}</SECTION></WHERE>")) == "IV.2.2"


@pytest.mark.parametrize(("where", "new", "deadline", "codes"), [
    ("<SECTION>IV.2.7)</SECTION>", "<DATE>2021-03-01</DATE><TIME>10:00</TIME>", None, {}),  # opening of tenders
    ("<SECTION>IV.2.2)</SECTION>", "<DATE>31/02/2021</DATE>", None, {}),  # not a date
    ("<SECTION>IV.2.2)</SECTION>", "<TEXT><P>2021-03-01</P></TEXT>", None, {}),  # text, not a DATE
    ("<SECTION>IV.2.2)</SECTION>", "<DATE>2021-03-01</DATE>", datetime(2021, 3, 1, 22, 59, tzinfo=UTC), {}),
    ("<SECTION>II.1.2)</SECTION><LOT_NO>2</LOT_NO>", '<CPV_MAIN><CPV_CODE CODE="33183100"/></CPV_MAIN>', None, {}),
    ("<SECTION>II.1.2)</SECTION>", '<CPV_MAIN><CPV_CODE CODE="3318"/></CPV_MAIN>', None, {}),  # not 8 digits
    ("<SECTION>II.1.2)</SECTION>", '<CPV_MAIN><CPV_CODE CODE="33183100"/></CPV_MAIN>', None,
     {"CPV:33183300": "CPV:33183100"}),
])
def test_only_clear_changes_are_taken(where: str, new: str, deadline: datetime | None, codes: dict[str, str]) -> None:
    old = '<OLD_VALUE><CPV_MAIN><CPV_CODE CODE="33183300"/></CPV_MAIN></OLD_VALUE>'
    form = etree.fromstring(
        "<F14_2014><COMPLEMENTARY_INFO><NOTICE_NUMBER_OJ>2021/S 010-000123</NOTICE_NUMBER_OJ></COMPLEMENTARY_INFO>"
        f"<CHANGES><CHANGE><WHERE>{where}</WHERE>{old}<NEW_VALUE>{new}</NEW_VALUE></CHANGE></CHANGES></F14_2014>"
    )
    found = ted_corrections(form, etree.Element("NOTICE_DATA"), {"en": "Heading"}, "BE")  # Brussels, UTC+1
    expected = [] if deadline is None and not codes else [Correction(
        notice="ted:000123-2021", deadline=deadline, replaced_codes=codes, titles={"en": "Heading"} if codes else None
    )]
    assert found == expected


def _change(inner: str) -> etree._Element:
    return etree.fromstring(f"<CHANGE>{inner}</CHANGE>")


@pytest.mark.slow
@pytest.mark.shared
def test_the_corrigenda_of_the_real_sample() -> None:
    """The counts in the docstrings of matcher.ingest.ted_corrections and matcher.ingest.eforms."""
    archive = shared_path("ted_xml_sample", "ted_xml_notices_3476.tar.gz")
    notices = {t.tender_id: t for t in ted_sample() if isinstance(t, Tender)}
    corrigenda = [notices[f"ted:{doc_id}"] for doc_id in _documents_of_type(archive, "2")]
    extended = [t for t in corrigenda if any(c.deadline for c in t.corrects)]
    assert len(corrigenda) == 12
    assert len(extended) == 4
    assert [c.notice for t in extended for c in t.corrects if c.notice in notices] == ["ted:189849-2021"]
    assert all(c.deadline == t.deadline for t in extended for c in t.corrects)  # the coded deadline agrees
    assert sum(bool(c.replaced_codes) for t in corrigenda for c in t.corrects) == 2
    aliases = {alias for t in notices.values() for alias in t.aliases}
    changed = [c.notice for t in notices.values() for c in t.corrects if c.notice.startswith("eforms:")]
    cancelled = [n for t in notices.values() for n in t.cancels if n.startswith("eforms:")]
    assert len(changed) == 2 and len(cancelled) == 1 and set(changed + cancelled) <= aliases


def _documents_of_type(archive: Path, code: str) -> list[str]:
    """DOC_IDs of the TED_EXPORT documents whose TD_DOCUMENT_TYPE has ``code``, read with lxml alone."""
    found: list[str] = []
    with tarfile.open(archive) as tar:
        for member in tar:
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is None:
                continue
            root = etree.parse(handle).getroot()
            kind = root.find(".//{*}CODIF_DATA/{*}TD_DOCUMENT_TYPE")
            if kind is not None and kind.get("CODE") == code:
                found.append(str(root.get("DOC_ID")))
    return found


# ----------------------------------------------------------------------------- eForms change notices


def test_every_eforms_notice_is_known_by_its_id_and_version() -> None:
    assert tender(CORRECTIONS / "eforms_cn_24_open.xml").aliases == [f"eforms:{OPEN_UUID}"]


def test_a_real_change_notice_restates_the_notice_it_changes() -> None:
    original = tender(CORRECTIONS / "eforms_cn_24_open.xml")
    change = tender(CORRECTIONS / "eforms_change-cn_24_open_dates.xml")
    assert change.notice_type == "other"  # NoticeTypeCode "corr" (eForms SDK 1.2)
    assert change.aliases == ["eforms:71397268-6c47-4f2f-8ab0-f41a26138f81-01"]
    (correction,) = change.corrects
    assert correction.notice == f"eforms:{OPEN_UUID}"  # efbc:ChangedNoticeIdentifier
    assert original.deadline == datetime(2020, 4, 3, 11, 0, tzinfo=UTC)  # 2020-04-03 12:00+01:00
    assert correction.deadline == datetime(2020, 6, 12, 11, 0, tzinfo=UTC)  # 2020-06-12 12:00+01:00
    assert (correction.title, correction.description, correction.codes) == (
        original.title, original.description, original.codes)  # restated, unchanged in this example
    assert correction.titles == original.titles


def test_a_later_sdk_change_notice_keeps_its_type_and_carries_new_texts() -> None:
    """Built from the real eforms_cn_24_open.xml as eForms SDK 1.12's change-cn_24_open_dates.xml is: a new
    cbc:ID, the changed notice's NoticeTypeCode (cn-standard), and efac:Changes (BT-758, with BT-13716 wrapped
    in efac:ChangedSection) as the first child of efext:EformsExtension; here the name and description change."""
    data = (CORRECTIONS / "eforms_cn_24_open.xml").read_text(encoding="utf-8")
    changes = (
        f"<efac:Changes><efbc:ChangedNoticeIdentifier>{OPEN_UUID}</efbc:ChangedNoticeIdentifier>"
        '<efac:Change><efbc:ChangeDescription languageID="ENG">Title and description</efbc:ChangeDescription>'
        "<efac:ChangedSection><efbc:ChangedSectionIdentifier>PROCEDURE</efbc:ChangedSectionIdentifier>"
        "</efac:ChangedSection></efac:Change><efac:ChangeReason>"
        '<cbc:ReasonCode listName="change-corrig-justification">cor-buy</cbc:ReasonCode></efac:ChangeReason>'
        "</efac:Changes>"
    )
    edits = [
        ("<efext:EformsExtension>", "<efext:EformsExtension>" + changes),
        ("c4c415ee-ac08-4465-8fa6-57568cf69462</cbc:ID>", "0c0ffee0-0000-4000-8000-000000000001</cbc:ID>"),
        ("Term Contract for a Planned Programme", "Framework for a Planned Programme"),
        ("The purpose of this contract is to formalise", "This framework formalises"),
    ]
    for old, new in edits:
        assert data.count(old) >= 1, old
        data = data.replace(old, new, 1)
    change = tender(CORRECTIONS / "changed.xml", data.encode())
    assert change.notice_type == "open_call"  # it is the whole notice as changed, and may be the only one stored
    (correction,) = change.corrects
    assert correction.notice == f"eforms:{OPEN_UUID}"
    assert correction.title is not None and correction.title.startswith("Framework for a Planned Programme")
    assert correction.description is not None and correction.description.startswith("This framework formalises")


def test_a_real_cancelling_change_notice_cancels_and_offers_nothing() -> None:
    void = tender(CORRECTIONS / "eforms_change-cn_24_void.xml")
    assert void.cancels == ["eforms:f42be27e-09cf-4f0e-a745-63ec689631e6-01"]  # ReasonCode "cancel"
    assert (void.corrects, void.notice_type) == ([], "other")
