"""Bad input gets a 4xx whose body names the problem, never a 500, and changes nothing already stored."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from matcher.store.db import metadata
from tests.api.conftest import OTHER, OWN, UPLOAD_LIMIT, World

GOOD_FIRM = {"firm_id": "new-firm", "name": "New", "description": "Water treatment equipment"}
#: 100,000 levels of nesting, as the adversarial test uploaded (200 kB, under the upload limit).
DEEP = b"[" * 100_000 + b"]" * 100_000


@dataclass(frozen=True)
class Bad:
    name: str
    method: str
    path: str
    status: int
    says: str  # a substring the error body must contain
    json: Any = None
    upload: tuple[str, bytes] | None = None
    content: bytes | None = None
    role: str = "officer"


BAD = [
    Bad("k not a number", "GET", f"/firms/{OWN}/recommendations?k=abc", 422, "query.k"),
    Bad("k too small", "GET", f"/firms/{OWN}/recommendations?k=0", 422, "greater than or equal to 1"),
    Bad("k too large", "GET", f"/firms/{OWN}/recommendations?k=101", 422, "less than or equal to 100"),
    Bad("unknown country", "GET", f"/firms/{OWN}/recommendations?country=XX", 422, "unknown country 'XX'"),
    Bad("value range upside down", "GET", f"/firms/{OWN}/recommendations?min_value=10&max_value=1", 422,
        "greater than max_value"),
    Bad("unknown query parameter", "GET", "/tenders?colour=red", 422, "query.colour"),
    Bad("limit too large", "GET", "/tenders?limit=1000", 422, "query.limit"),
    Bad("bad code prefix", "GET", "/tenders?code_prefix=XYZ", 422, "query.code_prefix"),
    Bad("unknown tender", "GET", "/tenders/ted:000000-1999", 404, "unknown tender 'ted:000000-1999'"),
    Bad("unknown firm", "GET", "/firms/no-such-firm", 404, "unknown firm 'no-such-firm'"),
    Bad("unknown tender delete", "DELETE", "/tenders/ted:000000-1999", 404, "unknown tender"),
    Bad("unknown job", "GET", "/jobs/0123456789abcdef", 404, "unknown job"),
    Bad("bad job id", "GET", "/jobs/xyz", 422, "path.job_id"),
    Bad("unknown firm field", "POST", "/firms", 422, "body.colour", json={**GOOD_FIRM, "colour": "red"}),
    Bad("firm wrong type", "POST", "/firms", 422, "body.keywords", json={**GOOD_FIRM, "keywords": "a"}),
    Bad("firm missing field", "POST", "/firms", 422, "body.description", json={"firm_id": "x", "name": "x"}),
    Bad("firm exists", "POST", "/firms", 409, "already exists", json={**GOOD_FIRM, "firm_id": OWN}),
    Bad("body not json", "POST", "/firms", 422, "JSON", content=b"{not json"),
    Bad("tender unknown field", "POST", "/tenders", 422, "body.tenders.1.colour",
        json={"tenders": [{"tender_id": "a:1", "source": "a", "title": "ok"},
                          {"tender_id": "a:2", "source": "a", "title": "t", "colour": "red"}]}),
    Bad("tender bad country", "POST", "/tenders", 422, "unknown country",
        json={"tenders": [{"tender_id": "a:1", "source": "a", "title": "ok", "countries": ["Narnia"]}]}),
    Bad("empty batch", "POST", "/tenders", 422, "body.tenders", json={"tenders": []}),
    Bad("patch sets firm_id", "PATCH", f"/firms/{OWN}", 422, "body.firm_id", json={"firm_id": OTHER}),
    Bad("patch breaks the profile", "PATCH", f"/firms/{OWN}", 422, "min_value", json={"min_value": 9e9}),
    Bad("patch nulls the name", "PATCH", f"/firms/{OWN}", 422, "name", json={"name": None}),
    Bad("shortlist unknown tender", "POST", f"/firms/{OWN}/shortlist", 404, "unknown tender",
        json={"tender_id": "ted:000000-1999"}),
    Bad("decide item not on list", "PATCH", f"/firms/{OWN}/shortlist/ted:000000-1999", 404,
        "not on the shortlist", json={"status": "approved"}, role="partner"),
    Bad("decide bad status", "PATCH", f"/firms/{OWN}/shortlist/ted:000000-1999", 422, "body.status",
        json={"status": "maybe"}),
    Bad("top out of range", "POST", f"/firms/{OWN}/shortlist/from-recommendations", 422, "body.top",
        json={"top": 0}),
    Bad("assign unknown partner", "PUT", f"/partners/nobody/firms/{OWN}", 404, "unknown partner 'nobody'"),
    Bad("assign unknown firm", "PUT", "/partners/partner-a/firms/no-such-firm", 404, "unknown firm"),
    Bad("unassign not assigned", "DELETE", f"/partners/partner-a/firms/{OTHER}", 404, "is not assigned"),
    Bad("upload missing", "POST", "/tenders/import", 422, "body.file", json={"file": "x"}),
    Bad("upload too large", "POST", "/tenders/import", 413, "larger than",
        upload=("big.csv", b"tender_id,source,title\n" + b"x" * (UPLOAD_LIMIT + 1))),
    Bad("body too large", "POST", "/tenders", 413, "larger than",
        content=json.dumps({"tenders": [{"tender_id": "a:1", "source": "a", "title": "x" * UPLOAD_LIMIT}]})
        .encode() + b" " * 70_000),
    Bad("malformed XML", "POST", "/tenders/import", 400, "notice.xml",
        upload=("notice.xml", b"<TED_EXPORT><FORM_SECTION>")),
    Bad("malformed JSON", "POST", "/tenders/import", 400, "ocds.json", upload=("ocds.json", b'{"releases": [')),
    Bad("not UTF-8", "POST", "/tenders/import", 400, "UTF-8",
        upload=("t.csv", "tender_id,title\nä,ü".encode("utf-16"))),
    Bad("corrupt gzip", "POST", "/tenders/import", 400, "t.xml.gz", upload=("t.xml.gz", gzip.compress(b"<a>")[:-9])),
    Bad("unsupported file type", "POST", "/tenders/import", 422, "unsupported tender file", upload=("x.pdf", b"%PDF")),
    Bad("malformed firm file", "POST", "/firms/import", 400, "firms.json", upload=("firms.json", b"[{")),
    # Issue 15 item 3: nesting past the parser's recursion limit was a 500 (uncaught RecursionError).
    Bad("deep JSON tender table", "POST", "/tenders/import", 400, "nested too deeply",
        upload=("deep.json", DEEP)),
    Bad("deep OCDS package", "POST", "/tenders/import", 400, "nested too deeply",
        upload=("deep.json", b'{"releases": ' + DEEP + b"}")),
    Bad("deep JSONL line", "POST", "/tenders/import", 400, "deep.jsonl", upload=("deep.jsonl", DEEP + b"\n")),
    Bad("deep firm file", "POST", "/firms/import", 400, "nested too deeply", upload=("firms.json", DEEP)),
    # A JSON body the reader gives up on was FastAPI's 400 "There was an error parsing the body", naming nothing.
    Bad("deep tender body", "POST", "/tenders", 400, "body: JSON nested too deeply to read",
        content=b'{"tenders": ' + DEEP + b"}"),
    Bad("deep firm patch", "PATCH", f"/firms/{OWN}", 400, "body: JSON nested too deeply to read",
        content=b'{"keywords": ' + b"[" * 5_000 + b"]" * 5_000 + b"}"),
    Bad("number too long to read", "POST", "/tenders", 400, "body: a number of 5001 digits is too long to read "
        "(at most 4300)", content=b'{"tenders": [{"tender_id": "a:1", "source": "a", "title": "t", "value": 1'
        + b"0" * 5_000 + b"}]}"),
    # A file's integer past Python's 4,300 digits stopped the import worker: a 503 "worker stopped".
    Bad("number too long in a firm file", "POST", "/firms/import", 400, "a number of 5001 digits is too long to read",
        upload=("firms.json", b'[{"firm_id": "f", "name": "F", "description": "d", "max_value": 1' + b"0" * 5_000
                + b"}]")),
    Bad("number too long in a tender file", "POST", "/tenders/import", 400, "a number of 5001 digits",
        upload=("t.json", b'[{"tender_id": "a:1", "source": "a", "title": "t", "value": 1' + b"0" * 5_000 + b"}]")),
    # Issue 15 item 6: Python's json reads Infinity, NaN and 1e999 as non-finite floats; they were stored.
    *[Bad(f"tender value {literal.decode()}", "POST", "/tenders", 422,
          "body.tenders.0.value: Input should be a finite number",
          content=b'{"tenders": [{"tender_id": "a:1", "source": "a", "title": "t", "value": ' + literal + b"}]}")
      for literal in (b"Infinity", b"NaN", b"1e999")],
    Bad("firm max_value Infinity", "POST", "/firms", 422, "body.max_value: Input should be a finite number",
        content=json.dumps(GOOD_FIRM).encode()[:-1] + b', "max_value": Infinity}'),
    Bad("patch min_value 1e999", "PATCH", f"/firms/{OWN}", 422, "body.min_value: Input should be a finite number",
        content=b'{"min_value": 1e999}'),
    *[Bad(f"subscription {field} {literal.decode()}", "POST", f"/firms/{OWN}/subscriptions", 422,
          f"body.{field}: Input should be a finite number",
          content=b'{"email": "a@example.com", "' + field.encode() + b'": ' + literal + b"}")
      for field, literal in (("min_value", b"Infinity"), ("max_value", b"1e999"), ("min_score", b"NaN"))],
    Bad("recommendations min_value inf", "GET", f"/firms/{OWN}/recommendations?min_value=inf", 422,
        "query.min_value: Input should be a finite number"),
    # An outside trial: a currency without an exchange rate let every value through a range, and a notice's
    # 'javascript:' address reached the shortlist exports and calendar files.
    Bad("recommendations unknown currency", "GET", f"/firms/{OWN}/recommendations?currency=XYZ&max_value=1", 422,
        "unknown currency 'XYZ' for a value range"),
    Bad("firm unknown currency", "POST", "/firms", 422, "unknown currency 'ABC' for a value range",
        json={**GOOD_FIRM, "min_value": 100, "max_value": 200, "currency": "ABC"}),
    Bad("patch currency without a rate", "PATCH", f"/firms/{OWN}", 422, "unknown currency 'XAU' for a value range",
        json={"currency": "XAU"}),
    Bad("tender javascript address", "POST", "/tenders", 422, "is not an http(s) address",
        json={"tenders": [{"tender_id": "a:1", "source": "a", "title": "t", "url": "javascript:alert(4)"}]}),
]


def snapshot(world: World) -> dict[str, Any]:
    """Every stored row of every table, and the serving index build."""
    rows: dict[str, Any] = {}
    with world.matcher.engine.db.connect() as conn:
        for table in metadata.sorted_tables:
            rows[table.name] = sorted(tuple(str(v) for v in row) for row in conn.execute(select(table)))
    rows["index"] = (world.matcher.settings.indexes_dir / world.matcher.settings.index_name / "CURRENT").read_text()
    return rows


@pytest.mark.parametrize("bad", BAD, ids=lambda b: b.name)
def test_bad_input_is_refused_and_changes_nothing(world: World, bad: Bad) -> None:
    before = snapshot(world)
    kwargs: dict[str, Any] = {"headers": world.auth(bad.role)}
    if bad.json is not None:
        kwargs["json"] = bad.json
    if bad.upload is not None:
        kwargs["files"] = {"file": bad.upload}
    if bad.content is not None:
        kwargs["content"] = bad.content
        kwargs["headers"] = {**kwargs["headers"], "Content-Type": "application/json"}
    response = world.client.request(bad.method, bad.path, **kwargs)
    assert response.status_code == bad.status, response.text
    body = response.json()
    assert set(body) == {"error", "detail", "problems"} and body["detail"]
    assert bad.says in response.text, body
    assert snapshot(world) == before


def test_a_file_with_some_bad_records_loads_the_rest_and_names_the_bad_ones(world: World) -> None:
    lines = [
        {"tender_id": "csv:1", "source": "csv", "title": "Water meters", "countries": ["KE"]},
        {"tender_id": "csv:2", "source": "csv", "title": "Pumps", "countries": ["Narnia"]},
    ]
    upload = ("tenders.jsonl", "\n".join(json.dumps(line) for line in lines).encode())
    response = world.client.post("/tenders/import", files={"file": upload}, headers=world.auth("officer"))
    assert response.status_code == 200
    summary = response.json()
    assert summary["new"] == 1 and len(summary["rejected"]) == 1
    assert "Narnia" in summary["rejected"][0]["reason"] and "tenders.jsonl" in summary["rejected"][0]["record"]


def test_a_search_is_taken_literally_and_control_characters_are_refused(world: World) -> None:
    officer = world.auth("officer")
    total = world.client.get("/tenders", headers=officer).json()["total"]
    assert total > 0
    for wildcard in ("%", "_", "%%"):  # LIKE wildcards once matched every tender
        found = world.client.get("/tenders", params={"q": wildcard}, headers=officer)
        assert found.status_code == 200 and found.json()["total"] < total
    for control in ("\x00", "water\x00", "a\x1fb"):  # NUL was a 500 on PostgreSQL
        refused = world.client.get("/tenders", params={"q": control}, headers=officer)
        assert refused.status_code == 422, refused.text
        assert refused.json()["problems"][0]["loc"].endswith("q")
