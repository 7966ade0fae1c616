"""eForms reader on a real notice (a UBL ContractNotice), read through the TED entry point that dispatches
on the root element. The fixture is copied unchanged from the shared TED sample; the expected values were
read off the XML.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from matcher.ingest.base import Rejected
from matcher.ingest.ted import parse_ted_document
from matcher.schema import Tender

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ted"
EFORMS = "eforms_cn_it_open_accel.xml"


def test_eforms_contract_notice() -> None:
    notice = parse_ted_document((FIXTURES / EFORMS).read_bytes(), EFORMS)
    assert isinstance(notice, Tender), notice
    assert notice.tender_id == "ted:c77a5424-249b-499b-a45b-2265edb941bb-01"  # not published: UUID-version
    assert notice.notice_type == "open_call"  # cn-standard
    assert notice.title.startswith("Procedura aperta accelerata per la fornitura di n. 212 posti letto")
    assert notice.description.startswith("Fornitura di n. 212 posti letto ognuno composto da:")
    assert notice.language == "it"  # NoticeLanguageCode ITA
    assert notice.buyer == "Comando generale dell'Arma dei carabinieri"
    assert (notice.buyer_country, notice.countries) == ("IT", ["IT"])  # ITA
    assert notice.codes == ["CPV:39143100"]
    assert (notice.value, notice.currency) == (291934.60, "EUR")
    assert notice.published == date(2020, 4, 23)
    assert notice.deadline == datetime(2020, 5, 18, 17, 0, tzinfo=UTC)  # 18:00:00+01:00
    assert notice.url is None
    assert notice.titles == {"it": notice.title}


def test_an_eforms_root_name_outside_the_ubl_namespace_is_not_a_notice() -> None:
    result = parse_ted_document(b'<ContractNotice xmlns="urn:example:not-ubl"/>', "other.xml")
    assert isinstance(result, Rejected) and result.reason.startswith("not a TED notice: root element <ContractNotice>")
