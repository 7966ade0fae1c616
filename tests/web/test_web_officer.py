"""The officer's page: officers only; a feed upload stores notices through the API's import and its index job
runs to the end while the import page follows it; the upload limit; partner assignments; escaping, Korean."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import json
from datetime import UTC, datetime

import lxml.html
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from api.schemas import IngestSummary
from api.web.import_pages import ImportLog, ImportRecord
from matcher.demo import demo_data
from matcher.pipeline import Matcher
from matcher.store import TenderFilter
from tests.api.conftest import (  # noqa: F401
    OTHER,
    OWN,
    UPLOAD_LIMIT,
    DemoTemplate,
    World,
    api_settings,
    database_url,
    demo_template,
    empty_matcher,
    make_keys,
    served,
    world,
)
from tests.web.pages_world import Visitor, csrf_of, page_text, sign_in, visitor  # noqa: F401

OFFICER = "/web/officer"


@pytest.fixture
def bare(empty_matcher: Matcher) -> World:
    """The demo's firms and keys, but no notice and no index yet: what an officer's first upload meets."""
    empty_matcher.ingest_firms([demo_data().firms])
    keys = make_keys(empty_matcher.access)
    return World(served(empty_matcher), empty_matcher, keys)


def signed_in(world: World, who: str) -> TestClient:
    client = TestClient(world.client.app)
    assert sign_in(client, world.keys[who]).status_code == 303
    return client


def upload(client: TestClient, name: str, content: bytes, csrf: str | None = None) -> Response:
    token = csrf if csrf is not None else csrf_of(client.get(OFFICER).text)
    return client.post(f"{OFFICER}/imports", data={"csrf_token": token}, files={"file": (name, content)},
                       follow_redirects=False)


def stored(matcher: Matcher) -> int:
    return matcher.search_tenders(TenderFilter(), limit=1)[0]


def counts(html: str) -> dict[str, int]:
    found = lxml.html.fromstring(html).xpath("//dd[@data-count]")
    return {str(dd.get("data-count")): int(dd.text_content().replace(",", "")) for dd in found}


def job_state(html: str) -> lxml.html.HtmlElement:
    (found,) = lxml.html.fromstring(html).xpath("//*[@id='job-status']")
    return found


def upload_error(html: str) -> str:
    tree = lxml.html.fromstring(html)
    (error,) = tree.xpath("//*[@id='error-file']")
    assert tree.xpath("//input[@name='file']/@aria-describedby") == ["hint-file error-file"]
    return " ".join(error.text_content().split())


def tender_line(tender_id: str, **changes: object) -> str:
    return json.dumps({"tender_id": tender_id, "source": "test", "title": "Supply of ultrafiltration membranes",
                       "countries": ["KE"], "published": "2021-04-01", **changes})


# ----------------------------------------------------------------------------- officers only
def test_the_officer_page_is_for_officers_only(world: World, visitor: Visitor) -> None:
    officer = visitor("officer")
    page = officer.get(OFFICER)
    assert page.status_code == 200
    text = page_text(page.text)
    _, firms = world.matcher.list_firms(limit=100)
    assert all(f.name in text for f in firms) and "partner-a" in text and "partner-b" in text
    imported = upload(officer, "one.jsonl", tender_line("t:officer-only").encode())
    import_path = imported.headers["location"]
    before = (stored(world.matcher), world.matcher.access.assigned_firms("partner-a"))
    for who in ("partner", "firm"):
        client = visitor(who)
        csrf = csrf_of(client.get("/web/").text)
        for path in (OFFICER, import_path, f"{import_path}/status"):
            refused = client.get(path)
            assert refused.status_code == 403, path
            for secret in ("partner-b", world.firm_name(OTHER), "one.jsonl", "t:officer-only"):
                assert secret not in refused.text
        assert upload(client, "more.jsonl", tender_line("t:not-by-partner").encode(), csrf).status_code == 403
        assign = client.post(f"{OFFICER}/assignments", data={
            "csrf_token": csrf, "partner": "partner-a", "firm_id": OTHER, "action": "assign"})
        assert assign.status_code == 403
    assert (stored(world.matcher), world.matcher.access.assigned_firms("partner-a")) == before
    nav = lxml.html.fromstring(officer.get("/web/").text).xpath("//nav//a/@href")
    assert OFFICER in nav and OFFICER not in lxml.html.fromstring(visitor("partner").get("/web/").text).xpath(
        "//nav//a/@href")


def test_changes_without_the_sessions_token_are_refused(world: World, visitor: Visitor) -> None:
    officer = visitor("officer")
    before = (stored(world.matcher), world.matcher.access.assigned_firms("partner-a"))
    others = csrf_of(visitor("partner").get("/web/").text)
    for token in ("", others):
        assert upload(officer, "one.jsonl", tender_line("t:no-token").encode(), token).status_code == 403
        assign = officer.post(f"{OFFICER}/assignments", data={
            "csrf_token": token, "partner": "partner-a", "firm_id": OTHER, "action": "assign"})
        assert assign.status_code == 403
    assert (stored(world.matcher), world.matcher.access.assigned_firms("partner-a")) == before


# ----------------------------------------------------------------------------- uploads
@pytest.mark.slow
def test_uploading_the_demo_notices_stores_them_and_the_index_job_finishes(
    bare: World, demo_template: DemoTemplate
) -> None:
    matcher = bare.matcher
    officer = signed_in(bare, "officer")
    assert stored(matcher) == 0 and not matcher.index.exists()
    done = upload(officer, "tenders.tar.gz", demo_data().tenders.read_bytes())
    assert done.status_code == 303 and done.headers["location"].startswith(f"{OFFICER}/imports/")
    page = officer.get(done.headers["location"])
    assert page.status_code == 200
    expected = len(demo_template.tenders)  # the demo's notices as load_demo parses them
    assert counts(page.text) == {"new": expected, "updated": 0, "unchanged": 0, "rejected": 0}
    assert stored(matcher) == expected
    assert {t.tender_id for t in matcher.all_tenders()} == {t.tender_id for t in demo_template.tenders}
    # The API's index job, in the app's job registry; ended (TestClient runs background tasks before answering).
    state = job_state(page.text)
    assert state.get("data-state") == "done" and state.get("hx-get") is None  # no more polling
    job = bare.client.get(f"/jobs/{state.get('data-job')}", headers=bare.auth("officer")).json()
    assert job["status"] == "done" and job["kind"] == "index-sync"
    assert matcher.index.current().vectors.manifest.count == expected
    assert matcher.recommend(OWN), "the uploaded notices are searchable"
    # The same file again changes nothing and needs no index update.
    again = officer.get(upload(officer, "tenders.tar.gz", demo_data().tenders.read_bytes()).headers["location"])
    assert counts(again.text) == {"new": 0, "updated": 0, "unchanged": expected, "rejected": 0}
    assert job_state(again.text).get("data-state") == "none"
    assert "needs no update" in page_text(again.text)


def test_the_import_page_polls_the_job_until_it_ends(world: World, visitor: Visitor) -> None:
    app = world.client.app
    job = app.state.jobs.submit("index-sync")  # type: ignore[attr-defined]  # a job that has not run yet
    summary = IngestSummary(new=1, updated=0, unchanged=0, rejected=[], index_job=job)
    log = ImportLog()
    log.add(ImportRecord("0123456789abcdef", "feed.xml", "officer-1", datetime.now(UTC), summary))
    app.state.web_imports = log  # type: ignore[attr-defined]
    officer = visitor("officer")
    path = f"{OFFICER}/imports/0123456789abcdef"
    waiting = job_state(officer.get(path).text)
    assert waiting.get("data-state") == "queued"
    assert (waiting.get("hx-get"), waiting.get("hx-trigger"), waiting.get("hx-swap")) == (
        f"{path}/status", "every 1s", "outerHTML")
    assert waiting.xpath(".//a/@href") == [path]  # without script, a link to look again
    fragment = officer.get(f"{path}/status", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert job_state(fragment.text).get("hx-get") == f"{path}/status"
    app.state.jobs.run(job.job_id, lambda: "index rebuilt: 1 added")  # type: ignore[attr-defined]
    ended = job_state(officer.get(f"{path}/status", headers={"HX-Request": "true"}).text)
    assert ended.get("data-state") == "done" and ended.get("hx-get") is None
    assert "index rebuilt: 1 added" in ended.text_content()
    assert officer.get(f"{OFFICER}/imports/fedcba9876543210").status_code == 404
    assert officer.get(f"{OFFICER}/imports/not-an-id").status_code == 404


def test_the_upload_limit_is_the_apis_and_a_refused_file_stores_nothing(bare: World) -> None:
    matcher = bare.matcher
    officer = signed_in(bare, "officer")
    line = (tender_line("t:big") + "\n").encode()
    just_over = line * (UPLOAD_LIMIT // len(line) + 1)  # within the body's multipart allowance: the file check
    far_over = just_over * 2  # over the request body limit: refused while it streams in
    for content in (just_over, far_over):
        assert len(content) > UPLOAD_LIMIT
        refused = upload(officer, "big.jsonl", content)
        assert refused.status_code == 413
        assert "larger than the limit" in upload_error(refused.text)
    refused_api = bare.client.post("/tenders/import", files={"file": ("big.jsonl", just_over)},
                                   headers=bare.auth("officer"))
    assert refused_api.status_code == 413  # the API draws the same line
    unreadable = upload(officer, "broken.xml", b"<notice><unclosed>")
    assert unreadable.status_code == 400 and "could not be read" in upload_error(unreadable.text)
    unknown = upload(officer, "notes.txt", b"hello")
    assert unknown.status_code == 422 and "notes.txt" in upload_error(unknown.text)
    empty = officer.post(f"{OFFICER}/imports", data={"csrf_token": csrf_of(officer.get(OFFICER).text)})
    assert empty.status_code == 422 and "Choose a file" in upload_error(empty.text)
    assert stored(matcher) == 0


# ----------------------------------------------------------------------------- assignments
def test_officers_assign_and_withdraw_firms(world: World, visitor: Visitor) -> None:
    access = world.matcher.access
    officer, partner = visitor("officer"), visitor("partner")
    assert partner.get(f"/web/firms/{OTHER}").status_code == 403
    csrf = csrf_of(officer.get(OFFICER).text)

    def change(action: str, who: str = "partner-a", firm_id: str = OTHER) -> Response:
        return officer.post(f"{OFFICER}/assignments", data={
            "csrf_token": csrf, "partner": who, "firm_id": firm_id, "action": action}, follow_redirects=False)

    assigned = change("assign")
    assert assigned.status_code == 303 and assigned.headers["location"] == f"{OFFICER}?done=assigned#partners"
    assert access.assigned_firms("partner-a") == sorted([OWN, OTHER])
    assert partner.get(f"/web/firms/{OTHER}").status_code == 200  # the same rule the pages and the API read
    page = officer.get(assigned.headers["location"]).text
    assert "The firm is assigned to the partner." in page_text(page)
    row = lxml.html.fromstring(page).xpath("//tr[@data-partner='partner-a']//li/@data-firm")
    assert sorted(row) == sorted([OWN, OTHER])
    withdrawn = change("withdraw")
    assert withdrawn.status_code == 303 and access.assigned_firms("partner-a") == [OWN]
    assert partner.get(f"/web/firms/{OTHER}").status_code == 403
    for action, who, firm_id, status in (("assign", "nobody", OTHER, 404), ("assign", "partner-a", "kr-nope", 404),
                                         ("withdraw", "partner-a", OTHER, 404), ("promote", "partner-a", OTHER, 422)):
        refused = change(action, who, firm_id)
        assert refused.status_code == status, (action, who, firm_id)
    assert access.assigned_firms("partner-a") == [OWN]
    error = lxml.html.fromstring(change("assign", "nobody").text).xpath("//*[@id='error-assignment']")
    assert error and "nobody" in error[0].text_content()


# ----------------------------------------------------------------------------- untrusted text and Korean
def test_untrusted_text_is_shown_as_text(world: World, visitor: Visitor) -> None:
    firm = world.matcher.get_firm(OWN)
    world.matcher.upsert_firms([firm.model_copy(update={"name": "<script>alert(1)</script>"})])
    officer = visitor("officer")
    page = officer.get(OFFICER)
    assert "<script>alert(1)</script>" not in page.text and page_text(page.text).count("<script>alert(1)</script>")
    content = "\n".join([tender_line("t:fine"), tender_line("t:bad", countries=["<img src=x onerror=alert(2)>"])])
    done = upload(officer, "<b>feed</b>.jsonl", content.encode())
    report = officer.get(done.headers["location"])
    assert counts(report.text) == {"new": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert "<img src=x" not in report.text and "<b>feed</b>" not in report.text
    text = page_text(report.text)
    assert "Import of <b>feed</b>.jsonl" in text and "<img src=x onerror=alert(2)>" in text


def test_the_officer_pages_in_korean(world: World, visitor: Visitor) -> None:
    officer = visitor("officer")
    officer.headers["Accept-Language"] = "ko"
    page = officer.get(OFFICER)
    assert lxml.html.fromstring(page.text).get("lang") == "ko"
    text = page_text(page.text)
    assert "공고 자료 파일 가져오기" in text and "파트너와 담당 회사" in text and "Import a feed file" not in text
    report = officer.get(upload(officer, "one.jsonl", tender_line("t:korean").encode()).headers["location"])
    text = page_text(report.text)
    assert "one.jsonl 가져오기" in text and "새 공고" in text and "완료" in text
    assert counts(report.text)["new"] == 1
