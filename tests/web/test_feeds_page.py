"""The officer page's live feeds (issue 14): the table, the add form (the API's rules, each problem next to its
field), Run now as the API's background job followed on the page until it ends, Reset and Remove; CSRF;
officers only; untrusted text as text; Korean."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import lxml.html
import pytest
from fastapi import BackgroundTasks
from fastapi.testclient import TestClient
from httpx2 import Response

from api.feed_runs import feed_runs
from matcher.services.feeds import validated_spec
from matcher.store.feeds import FeedRepository, FeedSpec
from tests.api.conftest import (  # noqa: F401
    OTHER,
    DemoTemplate,
    World,
    api_settings,
    database_url,
    demo_template,
    make_keys,
    world,
)
from tests.api.feed_fakes import Script, ScriptedSource
from tests.web.pages_world import Visitor, csrf_of, page_text, visitor  # noqa: F401

OFFICER = "/web/officer"
GOOD, BROKEN = "ted-water", "wb-roads"


@pytest.fixture
def source(world: World, demo_template: DemoTemplate) -> ScriptedSource:
    """GOOD: two pages of real demo notices already stored by the demo (so a run finds them unchanged, 3 + 2);
    BROKEN: its first page cannot be read."""
    notices = sorted(demo_template.tenders, key=lambda t: t.tender_id)[:5]
    found = ScriptedSource({GOOD: Script([notices[0:3], notices[3:5]]), BROKEN: Script([notices], broken_page=0)})
    found.install(world.client)
    return found


def feed_rows(html: str) -> dict[str, lxml.html.HtmlElement]:
    rows = lxml.html.fromstring(html).xpath("//table[contains(@class, 'feeds')]//tr[@data-feed]")
    return {str(tr.get("data-feed")): tr for tr in rows}


def cell(row: lxml.html.HtmlElement, name: str) -> str:
    (found,) = row.xpath(f".//td[@data-cell='{name}']")
    return " ".join(found.text_content().split())


def post(client: TestClient, path: str, csrf: str | None = None, **data: str) -> Response:
    token = csrf if csrf is not None else csrf_of(client.get(OFFICER).text)
    return client.post(f"{OFFICER}{path}", data={"csrf_token": token, **data}, follow_redirects=False)


def field_error(html: str, name: str) -> str:
    tree = lxml.html.fromstring(html)
    (error,) = tree.xpath(f"//*[@id='error-{name}']")
    assert tree.xpath(f"//*[@name='{name}']/@aria-invalid") == ["true"]
    assert f"error-{name}" in tree.xpath(f"//*[@name='{name}']/@aria-describedby")[0]
    return " ".join(error.text_content().split())


def run_block(html: str) -> lxml.html.HtmlElement:
    (found,) = lxml.html.fromstring(html).xpath("//*[@id='feeds-live']")
    return found


# ----------------------------------------------------------------------------- officers only
def test_the_feeds_are_for_officers_only(world: World, visitor: Visitor, source: ScriptedSource) -> None:
    world.matcher.add_feed(validated_spec(GOOD, "ted", query="classification-cpv=65*"), "officer-1")
    officer = visitor("officer")
    assert GOOD in feed_rows(officer.get(OFFICER).text)
    run = post(officer, f"/feeds/{GOOD}/run").headers["location"]
    job_id = run.split("run=")[1].split("#")[0]
    before = world.matcher.feed(GOOD)
    for who in ("partner", "firm"):
        client = visitor(who)
        csrf = csrf_of(client.get("/web/").text)
        for path in (OFFICER, f"{OFFICER}?run={job_id}", f"{OFFICER}/feeds/runs/{job_id}/status"):
            refused = client.get(path)
            assert refused.status_code == 403, path
            assert GOOD not in refused.text and "classification-cpv" not in refused.text
        for path, data in (("/feeds", {"name": "mine", "kind": "ted"}), ("/feeds/run", {}),
                           (f"/feeds/{GOOD}/run", {}), (f"/feeds/{GOOD}/reset", {}), (f"/feeds/{GOOD}/remove", {})):
            assert post(client, path, csrf, **data).status_code == 403, (who, path)
    assert [f.name for f in world.matcher.all_feeds()] == [GOOD]
    assert world.matcher.feed(GOOD) == before and len(source.calls) == 1  # the officer's run only


def test_changes_without_the_sessions_token_are_refused(world: World, visitor: Visitor, source: ScriptedSource) -> None:
    world.matcher.add_feed(validated_spec(GOOD, "ted"), "officer-1")
    world.matcher.commit_feed_page(GOOD, [], [], {"page": 2})
    officer = visitor("officer")
    others = csrf_of(visitor("partner").get("/web/").text)
    for token in ("", others):
        for path, data in (("/feeds", {"name": "mine", "kind": "ted"}), ("/feeds/run", {}),
                           (f"/feeds/{GOOD}/run", {}), (f"/feeds/{GOOD}/reset", {}), (f"/feeds/{GOOD}/remove", {})):
            refused = post(officer, path, token, **data)
            assert refused.status_code == 403 and "This form has expired" in page_text(refused.text), path
    assert [f.name for f in world.matcher.all_feeds()] == [GOOD]
    assert world.matcher.feed(GOOD).cursor == {"page": 2} and source.calls == []


# ----------------------------------------------------------------------------- the table and the form
def test_the_table_shows_each_feed_and_its_latest_run(world: World, visitor: Visitor) -> None:
    officer = visitor("officer")
    assert "No feed is configured yet." in page_text(officer.get(OFFICER).text)
    world.matcher.add_feed(validated_spec(GOOD, "ted", query="classification-cpv=65*"), "officer-1")
    world.matcher.add_feed(validated_spec("kenya", "ocds", url="https://tenders.go.ke/api/releases"), "officer-1")
    world.matcher.start_feed_run("kenya")
    world.matcher.commit_feed_page("kenya", [], [], {"offset": 100})
    world.matcher.finish_feed_run("kenya", "HTTP 503 from https://tenders.go.ke/api/releases")
    rows = feed_rows(officer.get(OFFICER).text)
    assert list(rows) == ["kenya", GOOD]
    good, kenya = rows[GOOD], rows["kenya"]
    assert good.xpath("string(./td[1])") == "TED" and kenya.xpath("string(./td[1])") == "OCDS publisher"
    assert cell(good, "url") == "public default" and cell(kenya, "url") == "https://tenders.go.ke/api/releases"
    assert cell(good, "query") == "classification-cpv=65*" and cell(kenya, "query") == "none"
    assert cell(good, "run") == "not run yet" and cell(good, "error") == "none"
    assert cell(good, "cursor_at") == "not yet"
    assert kenya.xpath("./td[@data-cell='run']/@data-status") == ["failed"]
    assert cell(kenya, "run").startswith("failed, ") and "UTC" in cell(kenya, "run")
    assert "1 pages: 0 new, 0 updated, 0 unchanged, 0 rejected" in cell(kenya, "run")
    assert cell(kenya, "error") == "HTTP 503 from https://tenders.go.ke/api/releases"
    assert cell(kenya, "cursor_at").endswith("UTC")
    # Each row's three buttons post to the feed's own address, with the session's token.
    actions = kenya.xpath(".//form/@action")
    assert actions == [f"{OFFICER}/feeds/kenya/{a}" for a in ("run", "reset", "remove")]
    assert set(kenya.xpath(".//form//input[@name='csrf_token']/@value")) == {csrf_of(officer.get(OFFICER).text)}


def test_the_add_form_stores_a_feed_and_shows_each_problem_next_to_its_field(world: World, visitor: Visitor) -> None:
    officer = visitor("officer")
    added = post(officer, "/feeds", name=GOOD, kind="ted", url="", query=" classification-cpv=65* ", page_size="")
    assert added.status_code == 303 and added.headers["location"] == f"{OFFICER}?done=feed_added#feeds"
    feed = world.matcher.feed(GOOD)
    assert (feed.spec.kind, feed.spec.url, feed.spec.query, feed.spec.page_size, feed.created_by) == (
        "ted", None, "classification-cpv=65*", None, "officer-1")
    page = officer.get(added.headers["location"]).text
    assert "The feed is added." in page_text(page) and GOOD in feed_rows(page)
    for data, name, words, status in (
        ({"name": "Ted Water", "kind": "ted"}, "name", "Use 1 to 60 lower-case letters, digits, - or _", 422),
        ({"name": "kenya", "kind": "ocds"}, "url", "(not for an OCDS publisher)", 422),
        ({"name": "kenya", "kind": "ocds", "url": "ftp://x.ke/"}, "url", "Give an http:// or https:// address", 422),
        ({"name": "kenya", "kind": "ocds", "url": "https://x.ke/releases/\u202egpj.exe"}, "url",
         "Holds U+202E RIGHT-TO-LEFT OVERRIDE, a character that makes the text after it display in another order",
         422),
        ({"name": "ungm", "kind": "ungm"}, "kind", "Choose TED, World Bank or an OCDS publisher.", 422),
        ({"name": "wb", "kind": "worldbank", "page_size": "5000"}, "page_size", "from 1 to 1,000", 422),
        ({"name": "wb", "kind": "worldbank", "page_size": "ten"}, "page_size", "Give a whole number", 422),
        ({"name": GOOD, "kind": "worldbank"}, "name", f"A feed named {GOOD} exists already.", 409),
        ({"name": "meta", "kind": "ocds", "url": "http://169.254.169.254/latest"}, "url",
         "169.254.169.254 is not a public internet address", 422),
        ({"name": "local", "kind": "ocds", "url": "http://localhost:8000/x"}, "url",
         "localhost is not a public internet address", 422),
    ):
        refused = post(officer, "/feeds", **data)
        assert refused.status_code == status, data
        assert words in field_error(refused.text, name), data
        assert "Nothing was saved" in page_text(refused.text)
        tree = lxml.html.fromstring(refused.text)  # what was typed is shown again
        assert tree.xpath("//input[@name='name']/@value") == [data["name"]]
    assert [f.name for f in world.matcher.all_feeds()] == [GOOD]


# ----------------------------------------------------------------------------- run now, reset, remove
def test_run_now_starts_the_apis_job_and_the_page_shows_how_it_ended(
    world: World, visitor: Visitor, source: ScriptedSource
) -> None:
    world.matcher.add_feed(validated_spec(GOOD, "ted"), "officer-1")
    world.matcher.add_feed(validated_spec(BROKEN, "worldbank"), "officer-1")
    officer = visitor("officer")
    started = post(officer, f"/feeds/{GOOD}/run")
    assert started.status_code == 303
    location = started.headers["location"]
    job_id = location.split("run=")[1].split("#")[0]
    assert location == f"{OFFICER}?run={job_id}#feeds"
    # The API's job: the same registry and the same record GET /feeds/runs/{id} answers from.
    api_run = world.client.get(f"/feeds/runs/{job_id}", headers=world.auth("officer")).json()
    assert api_run["job"]["status"] == "done" and [o["name"] for o in api_run["outcomes"]] == [GOOD]
    page = officer.get(location).text
    block = run_block(page)
    assert block.get("hx-get") is None  # the run has ended: no polling
    (state,) = block.xpath(".//*[@id='feed-run']")
    assert state.get("data-state") == "done" and state.get("data-job") == job_id
    (outcome,) = state.xpath(".//li[@data-feed]")
    assert outcome.get("data-status") == "ok"
    assert " ".join(outcome.text_content().split()) == (
        f"{GOOD}: ok, 2 pages: 0 new, 0 updated, 5 unchanged, 0 rejected")
    rows = feed_rows(page)
    assert cell(rows[GOOD], "run").startswith("ok, ") and "5 unchanged" in cell(rows[GOOD], "run")
    assert cell(rows[BROKEN], "run") == "not run yet"
    assert world.matcher.feed(GOOD).cursor == {"page": 2}
    # Run all: the broken feed fails with its error, the good one resumes after its cursor.
    every = officer.get(post(officer, "/feeds/run").headers["location"]).text
    outcomes = {li.get("data-feed"): li for li in run_block(every).xpath(".//li[@data-feed]")}
    assert outcomes[GOOD].get("data-status") == "ok" and outcomes[BROKEN].get("data-status") == "failed"
    assert "truncated JSON page" in outcomes[BROKEN].text_content()
    assert "truncated JSON page" in cell(feed_rows(every)[BROKEN], "error")


def test_the_page_polls_a_run_until_it_ends(world: World, visitor: Visitor, source: ScriptedSource) -> None:
    world.matcher.add_feed(validated_spec(GOOD, "ted"), "officer-1")
    app = world.client.app
    background = BackgroundTasks()  # a run queued but not started yet
    run = feed_runs(app.state).start(world.matcher, app.state.jobs, background, [GOOD], None)  # type: ignore[attr-defined]
    officer = visitor("officer")
    status_path = f"{OFFICER}/feeds/runs/{run.job.job_id}/status"
    waiting = run_block(officer.get(f"{OFFICER}?run={run.job.job_id}").text)
    assert (waiting.get("hx-get"), waiting.get("hx-trigger"), waiting.get("hx-swap")) == (
        status_path, "every 1s", "outerHTML")
    assert waiting.xpath(".//*[@id='feed-run']/@data-state") == ["queued"]
    assert "The run is waiting to start" in waiting.text_content()
    assert waiting.xpath(".//*[@id='feed-run']//a/@href") == [f"{OFFICER}?run={run.job.job_id}#feeds"]
    fragment = officer.get(status_path, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert run_block(fragment.text).get("hx-get") == status_path
    # The job runs, on a thread of its own: a browser test run earlier in the session (Playwright) can leave
    # an event loop set on this thread, where asyncio.run refuses to start.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, background()).result()
    ended = run_block(officer.get(status_path, headers={"HX-Request": "true"}).text)
    assert ended.get("hx-get") is None and ended.xpath(".//*[@id='feed-run']/@data-state") == ["done"]
    assert "2 pages: 0 new, 0 updated, 5 unchanged" in ended.text_content()
    assert ended.xpath(".//tr[@data-feed]/td[@data-cell='run']/@data-status") == ["ok"]  # the table, refreshed
    forgotten = run_block(officer.get(f"{OFFICER}?run=fedcba9876543210").text)
    assert forgotten.get("hx-get") is None and "no longer remembers that run" in forgotten.text_content()


def test_reset_and_remove(world: World, visitor: Visitor) -> None:
    world.matcher.add_feed(validated_spec(GOOD, "ted"), "officer-1")
    world.matcher.commit_feed_page(GOOD, [], [], {"page": 2})
    officer = visitor("officer")
    # Each asks first: a page saying what it does, with the confirming form and a way back; nothing changes.
    for action, words in (("reset", "the next run starts again"), ("remove", "run history are deleted")):
        asked = post(officer, f"/feeds/{GOOD}/{action}")
        assert asked.status_code == 200 and words in page_text(asked.text), action
        tree = lxml.html.fromstring(asked.text)
        assert tree.xpath("//main//form/@action") == [f"{OFFICER}/feeds/{GOOD}/{action}"]
        assert tree.xpath("//main//form//input[@name='confirm']/@value") == ["yes"]
        assert tree.xpath("//main//a/@href")[-1] == f"{OFFICER}#feeds"
    assert world.matcher.feed(GOOD).cursor == {"page": 2}
    reset = post(officer, f"/feeds/{GOOD}/reset", confirm="yes")
    assert reset.status_code == 303 and reset.headers["location"] == f"{OFFICER}?done=feed_reset#feeds"
    assert world.matcher.feed(GOOD).cursor == {}
    assert "its next run starts afresh" in page_text(officer.get(reset.headers["location"]).text)
    removed = post(officer, f"/feeds/{GOOD}/remove", confirm="yes")
    assert removed.status_code == 303 and removed.headers["location"] == f"{OFFICER}?done=feed_removed#feeds"
    assert world.matcher.all_feeds() == []
    page = officer.get(removed.headers["location"]).text
    assert "the notices it brought stay" in page_text(page) and feed_rows(page) == {}
    for path in (f"/feeds/{GOOD}/remove", f"/feeds/{GOOD}/run", "/feeds/Not%20a%20name/reset", "/feeds/x/promote"):
        assert post(officer, path).status_code == 404, path


# ----------------------------------------------------------------------------- untrusted text and Korean
def test_untrusted_text_is_shown_as_text(world: World, visitor: Visitor) -> None:
    query = "<script>alert(1)</script>"
    world.matcher.add_feed(validated_spec(GOOD, "ted", query=query), "officer-1")
    world.matcher.start_feed_run(GOOD)
    world.matcher.finish_feed_run(GOOD, "<img src=x onerror=alert(2)>")
    officer = visitor("officer")
    page = officer.get(OFFICER).text
    assert query not in page and "<img src=x" not in page
    row = feed_rows(page)[GOOD]
    assert cell(row, "query") == query and cell(row, "error") == "<img src=x onerror=alert(2)>"
    refused = post(officer, "/feeds", name="<b>x</b>", kind="ted")
    assert "<b>x</b>" not in refused.text and field_error(refused.text, "name").startswith("Use 1 to 60")
    assert lxml.html.fromstring(refused.text).xpath("//input[@name='name']/@value") == ["<b>x</b>"]


def test_a_url_stored_with_a_bidi_control_is_shown_percent_encoded(world: World, visitor: Visitor) -> None:
    """A feed stored before the rule: its URL is shown as a client sends it, the control percent-encoded, not
    displayed reordered ('.../releases/exe.jpg'); the page is no 500."""
    with world.matcher.engine.db.begin() as conn:
        FeedRepository().add(conn, FeedSpec("kenya", "ocds", "https://x.ke/releases/\u202egpj.exe", None, None), "o")
    page = visitor("officer").get(OFFICER)
    assert page.status_code == 200
    assert cell(feed_rows(page.text)["kenya"], "url") == "https://x.ke/releases/%E2%80%AEgpj.exe"
    assert "\u202e" not in page.text


def test_the_feeds_in_korean(world: World, visitor: Visitor, source: ScriptedSource) -> None:
    world.matcher.add_feed(validated_spec(GOOD, "ted"), "officer-1")
    officer = visitor("officer")
    officer.headers["Accept-Language"] = "ko"
    page = officer.get(OFFICER).text
    text = page_text(page)
    assert "실시간 공고 자료" in text and "자료원 추가" in text and "공개 기본 주소" in text
    assert "Live feeds" not in text
    ran = officer.get(post(officer, f"/feeds/{GOOD}/run").headers["location"]).text
    assert "실행이 끝났습니다" in page_text(ran)
    assert "2페이지: 새 공고 0건, 변경 0건, 변경 없음 5건, 거부 0건" in page_text(ran)
    refused = post(officer, "/feeds", name="Bad", kind="ted")
    assert "영문 소문자, 숫자, - 또는 _ 로 1~60자" in field_error(refused.text, "name")


def test_partner_assignments_still_work_beside_the_feeds(world: World, visitor: Visitor) -> None:
    """The page's other forms keep their own messages (the done message is one map for both)."""
    officer = visitor("officer")
    done = post(officer, "/assignments", partner="partner-a", firm_id=OTHER, action="assign")
    assert done.headers["location"] == f"{OFFICER}?done=assigned#partners"
    assert "The firm is assigned to the partner." in page_text(officer.get(done.headers["location"]).text)
    assert "The feed is added." not in page_text(officer.get(f"{OFFICER}?done=nonsense").text)
