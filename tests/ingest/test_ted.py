"""TED reader on real notices: TED-XML R2.0.9 and R2.0.8 (defence); eForms notices are in test_eforms.py.

The fixtures are copied unchanged from the shared TED sample; the expected values were read off the XML.
"""

from __future__ import annotations

import shutil
import tarfile
import zipfile
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree

from matcher.errors import UnreadableFile
from matcher.ingest.base import Rejected
from matcher.ingest.ted import parse_ted_document, read_ted
from matcher.normalize.openness import OpenRule
from matcher.schema import Tender
from tests.conftest import ted_sample

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ted"

CONTRACT_NOTICE = "contract_notice_ro_306344-2022.xml"
AWARD = "award_it_331730-2021.xml"
PIN = "pin_pt_629765-2021.xml"
CORRIGENDUM = "corrigendum_en_026522-2021.xml"
DEFENCE = "defence_contract_notice_fr_029213-2021.xml"


def tender(name: str) -> Tender:
    result = parse_ted_document((FIXTURES / name).read_bytes(), name)
    assert isinstance(result, Tender), result
    return result


def broken_copy(folder: Path) -> Path:
    """A real notice cut off in the middle, as a failed download leaves it."""
    data = (FIXTURES / AWARD).read_bytes()
    path = folder / "broken.xml"
    path.write_bytes(data[: len(data) // 2])
    return path


def fixture_root(name: str) -> etree._Element:
    return etree.fromstring((FIXTURES / name).read_bytes())


def without(name: str, xpath: str) -> bytes:
    """A fixture with the elements at ``xpath`` removed."""
    root = fixture_root(name)
    for element in root.xpath(xpath):
        element.getparent().remove(element)
    return bytes(etree.tostring(root))


# ----------------------------------------------------------------------------- one notice, every field


def test_contract_notice_in_romanian_has_deadline_value_and_english_title() -> None:
    notice = tender(CONTRACT_NOTICE)
    assert notice.tender_id == "ted:306344-2022"
    assert notice.source == "ted"
    assert notice.notice_type == "open_call"
    assert notice.title == (
        "Serviciul de paza si protectie a obiectivelor, bunurilor si valorilor din cadrul unitatilor "
        "S.T.B. S.A"
    )
    assert notice.description == notice.title  # the buyer wrote the same text as short description
    assert notice.language == "ro"
    assert notice.buyer == "Societatea de Transport Bucuresti SA"
    assert (notice.buyer_country, notice.countries) == ("RO", ["RO"])  # PERFORMANCE_NUTS RO321
    assert notice.codes == ["CPV:79713000"]
    assert (notice.value, notice.currency) == (120987302.40, "RON")
    assert notice.published == date(2022, 6, 7)
    # '20220627 09:00' is Bucharest summer time (UTC+3).
    assert notice.deadline == datetime(2022, 6, 27, 6, 0, tzinfo=UTC)
    assert notice.url == "https://ted.europa.eu/udl?uri=TED:NOTICE:306344-2022:TEXT:RO:HTML"
    assert notice.titles["en"] == "Guard services"
    assert notice.titles["ro"] == "Servicii de pază"
    assert len(notice.titles) == 24


def test_award_notice_takes_the_awarded_total() -> None:
    notice = tender(AWARD)
    assert notice.tender_id == "ted:331730-2021"
    assert notice.notice_type == "award"
    assert notice.title == "Acquisizione macchine da stampa cartevalori"
    assert notice.description.splitlines() == [
        "Cfr. II.2.4).",
        "La presente iniziativa prevede l’acquisizione di due macchinari per la stampa di banconote in euro, "
        "già utilizzati nella propria stamperia in-house ormai non più operativa.",
    ]
    assert (notice.language, notice.buyer, notice.buyer_country) == ("it", "Banca d'Italia", "IT")
    assert notice.countries == ["IT"]
    assert notice.codes == ["CPV:42991230"]
    assert (notice.value, notice.currency) == (980000.0, "EUR")  # VALUE TYPE="PROCUREMENT_TOTAL"
    assert notice.published == date(2021, 7, 2)
    assert notice.deadline is None
    assert notice.titles["en"] == "Ticket printers"
    assert not OpenRule(60, 180).is_open(notice, datetime(2021, 7, 3, tzinfo=UTC))  # an award is never open


def test_prior_information_notice_with_call_for_competition() -> None:
    notice = tender(PIN)
    assert notice.tender_id == "ted:629765-2021"
    assert notice.notice_type == "prior_information"  # TD_DOCUMENT_TYPE "A"
    assert notice.title.startswith("Aquisição de 201 (duzentas e uma) camas hospitalares")
    assert (notice.language, notice.buyer) == ("pt", "Hospital Garcia de Orta, E. P. E.")
    assert (notice.buyer_country, notice.countries) == ("PT", ["PT"])
    assert notice.codes == ["CPV:33100000"]
    assert (notice.value, notice.currency) == (390000.0, "EUR")
    assert notice.published == date(2021, 12, 10)
    assert notice.deadline == datetime(2022, 1, 10, 17, 0, tzinfo=UTC)  # Lisbon is on UTC in winter
    assert notice.titles["en"] == "Medical equipments"
    assert OpenRule(60, 180).is_open(notice, datetime(2022, 1, 10, 16, 59, tzinfo=UTC))
    assert not OpenRule(60, 180).is_open(notice, datetime(2022, 1, 10, 17, 1, tzinfo=UTC))


def test_corrigendum_is_other_and_keeps_its_deadline() -> None:
    notice = tender(CORRIGENDUM)
    assert notice.tender_id == "ted:026522-2021"
    assert notice.notice_type == "other"  # TD_DOCUMENT_TYPE "2", form F14
    assert notice.title.startswith("Supply 1 of Development of Research and Innovation Facilities")
    assert notice.language == "en"
    assert notice.buyer == "The Ministry of Industry and Technology"
    assert (notice.buyer_country, notice.countries) == ("TR", ["TR"])  # NUTS TRC11, TR, TR903
    assert notice.codes == ["CPV:42000000"]
    assert (notice.value, notice.currency) == (None, None)
    assert notice.deadline == datetime(2021, 2, 16, 13, 0, tzinfo=UTC)  # 16:00 in Istanbul (UTC+3)
    assert notice.titles["en"] == "Industrial machinery"
    assert notice.url == "http://ted.europa.eu/udl?uri=TED:NOTICE:026522-2021:TEXT:EN:HTML"


def test_defence_notice_in_the_older_r208_shape() -> None:
    notice = tender(DEFENCE)
    assert notice.tender_id == "ted:029213-2021"
    assert notice.notice_type == "open_call"
    assert notice.title == "Réfection des installations des systèmes de sécurité incendie"  # TITLE_CONTRACT
    assert notice.description.splitlines()[0] == notice.title + "."
    assert notice.buyer == "Ministère de la défense — BCAC-CG195/M"  # CA_CE_CONCESSIONAIRE_PROFILE
    assert (notice.language, notice.buyer_country, notice.countries) == ("fr", "FR", ["FR"])
    assert notice.codes == ["CPV:45343000", "CPV:45343200", "CPV:45312100", "CPV:45300000"]
    assert (notice.value, notice.currency) == (10_000_000.0, "EUR")  # VALUES_LIST GLOBAL '10 000 000'
    assert notice.published == date(2021, 1, 20)
    assert notice.deadline == datetime(2021, 2, 26, 15, 0, tzinfo=UTC)  # 16:00 Paris
    assert notice.titles["en"] == "Fire-prevention installation works"


# ----------------------------------------------------------------------------- files, folders, archives


def test_single_file_yields_its_notice() -> None:
    items = list(read_ted(FIXTURES / AWARD))
    assert [item.tender_id for item in items if isinstance(item, Tender)] == ["ted:331730-2021"]


def test_malformed_single_file_fails_with_one_line_naming_it(tmp_path: Path) -> None:
    path = broken_copy(tmp_path)
    with pytest.raises(UnreadableFile) as error:
        list(read_ted(path))
    message = str(error.value)
    assert message.startswith(f"{path}: not well-formed XML (line 1, column ")
    assert "\n" not in message


def test_parse_ted_document_raises_for_malformed_bytes() -> None:
    expected = r"^upload\.xml: not well-formed XML \(line 1, column 1\): Document is empty$"
    with pytest.raises(UnreadableFile, match=expected):
        parse_ted_document(b"", "upload.xml")


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "notices"
    shutil.copytree(FIXTURES, folder / "nested")
    broken_copy(folder)
    return folder


def _tar(tmp_path: Path) -> Path:
    folder, archive = _folder(tmp_path), tmp_path / "notices.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="notices")
    return archive


def _zip(tmp_path: Path) -> Path:
    folder, archive = _folder(tmp_path), tmp_path / "notices.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(folder.rglob("*.xml")):
            zipped.write(path, path.relative_to(folder))
    return archive


@pytest.mark.parametrize("make", [_folder, _tar, _zip], ids=["folder", "tar.gz", "zip"])
def test_malformed_member_is_rejected_and_the_rest_load(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    items = list(read_ted(make(tmp_path)))
    rejected = [item for item in items if isinstance(item, Rejected)]
    assert len(rejected) == 1
    assert rejected[0].record.endswith("broken.xml")
    assert rejected[0].reason.startswith("not well-formed XML (line 1, column ")
    loaded = sorted(item.tender_id for item in items if isinstance(item, Tender))
    assert loaded == sorted(tender(path.name).tender_id for path in FIXTURES.glob("*.xml"))


def test_xml_that_is_not_a_ted_notice_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>News</title></channel></rss>')
    [item] = list(read_ted(path))
    assert isinstance(item, Rejected)
    assert item.record == str(path)
    assert item.reason.startswith("not a TED notice: root element <rss>")


def test_notice_without_any_title_is_rejected() -> None:
    data = without(CONTRACT_NOTICE, "//*[local-name()='TITLE' or local-name()='ML_TITLES']")
    result = parse_ted_document(data, "untitled.xml")
    assert result == Rejected("untitled.xml", "ted:306344-2022 has no title")


def test_translated_title_is_the_fallback_when_the_form_has_none() -> None:
    data = without(CONTRACT_NOTICE, "//*[local-name()='OBJECT_CONTRACT']/*[local-name()='TITLE']")
    result = parse_ted_document(data, "no-form-title.xml")
    assert isinstance(result, Tender)
    assert result.title == "Servicii de pază"  # ML_TI_DOC in LG_ORIG


def test_values_the_schema_refuses_are_rejected_with_the_field() -> None:
    root = fixture_root(AWARD)
    for element in root.xpath("//*[@CURRENCY]"):
        element.set("CURRENCY", "EURO")
    result = parse_ted_document(etree.tostring(root), "bad-currency.xml")
    assert result == Rejected(
        "bad-currency.xml", "currency: unknown currency 'EURO' (expected ISO 4217, e.g. 'EUR')"
    )


def test_a_deadline_out_of_range_is_rejected_and_a_far_one_is_the_placeholder() -> None:
    """A local deadline in the year 1 is in the year 0 in UTC (Bucharest was 1:44 ahead): that crashed the reader
    (OverflowError), and with it the whole file. With a publication day, 9999-12-31 is the placeholder for none."""
    root = fixture_root(CONTRACT_NOTICE)
    (coded,) = root.xpath("//*[local-name()='DT_DATE_FOR_SUBMISSION']")
    coded.text = "00010101 00:30"
    result = parse_ted_document(etree.tostring(root), "year-one.xml")
    assert isinstance(result, Rejected) and result.record == "year-one.xml", result
    assert result.reason.startswith("deadline: 0001-01-01T00:30:00+01:44") and result.reason.endswith(
        "is out of range (expected a year from 1900 to 2200, in UTC)"), result.reason
    coded.text = "99991231 23:30"
    result = parse_ted_document(etree.tostring(root), "placeholder.xml")
    assert isinstance(result, Tender) and result.deadline is None and result.published == date(2022, 6, 7)


def test_placeholder_amounts_count_as_no_value() -> None:
    root = fixture_root(AWARD)
    for element in root.xpath("//*[local-name()='VALUE' or local-name()='VAL_TOTAL']"):
        element.text = "1.00"  # how some buyers write "not disclosed"
    result = parse_ted_document(etree.tostring(root), "placeholder.xml")
    assert isinstance(result, Tender)
    assert (result.value, result.currency) == (None, None)


# ----------------------------------------------------------------------------- the whole shared sample


@pytest.mark.shared
@pytest.mark.slow
def test_the_whole_real_sample_loads() -> None:
    items = list(ted_sample())
    tenders = [item for item in items if isinstance(item, Tender)]
    rejected = [item for item in items if isinstance(item, Rejected)]
    # the sample's two test notices ("Test.", value 123; title and buyer "Test") and the eForms SDK's two
    # example notices ("Procurement Title ---", value 9,999,999.99), and nothing else
    assert sorted((r.record.rsplit("/", 1)[-1].split("_", 1)[-1], r.reason) for r in rejected
                  if not r.reason.startswith("duplicate")) == [
        ("074776-2018.xml", "test notice"), ("254315-2016.xml", "test notice"),
        ("cn_24_maximal.xml", "test notice"), ("cn_24_maximal_100_lots.xml", "test notice")]
    # 3,464 TED_EXPORT notices and 12 eForms ContractNotices, less the 4 above and the 7 second copies of a notice
    # (tests/ingest/test_duplicate_ids.py)
    assert len(tenders) == 3465 and len(rejected) == 11
    assert Counter(t.notice_type for t in tenders) == {
        "award": 1448,  # 1,454 with the six second copies of an award notice
        "open_call": 1010,  # 1,015 before the four (all open calls) and one second copy were rejected
        "prior_information": 842,
        "other": 165,
    }
    assert all(t.title and t.description and t.buyer and t.buyer_country for t in tenders)
    assert all(t.codes and all(code.startswith("CPV:") for code in t.codes) for t in tenders)
    assert all(t.language and t.published for t in tenders)
    # 1,233 notices give a deadline; one of them is the placeholder 2099-12-31, which is no deadline, one is a
    # rejected test notice, two are the rejected eForms examples and one a second copy (350966-2022).
    assert sum(t.deadline is not None for t in tenders) == 1228
    assert all(t.deadline.tzinfo is not None for t in tenders if t.deadline)
    assert sum(t.value is not None for t in tenders) == 1724  # 1,732 with the test notice, the examples, 5 copies
    assert sum("en" in t.titles for t in tenders) == 3463  # all but two non-English eForms examples
    # The sample repeats 7 notices from two sources (one file is a partial "example" copy): each loads once.
    assert len({t.tender_id for t in tenders}) == 3465
