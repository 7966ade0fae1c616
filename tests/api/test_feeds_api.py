"""The live feeds' API (issue 14): officers only; specs checked with the field named; a run is a background
job whose result lists each feed's outcome, stores the pages' real notices and moves each cursor; a feed
running elsewhere is busy; /health/ready lists the feeds without a failed one making the service not ready."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import pytest

from api.feed_schemas import NAME_PATTERN
from matcher.demo import demo_data
from matcher.errors import InvalidInput
from matcher.ingest.base import Rejected
from matcher.pipeline import Matcher
from matcher.schema import FEED_KINDS
from matcher.services.feeds import MAX_PAGE_SIZE, MAX_QUERY, MAX_URL, validated_spec
from matcher.store.feeds import FeedRepository, FeedSpec
from tests.api.conftest import DemoTemplate, World, make_keys, served
from tests.api.feed_fakes import Script, ScriptedSource

GOOD, BROKEN = "ted-water", "wb-roads"
KENYA = "https://tenders.go.ke/api/ocds/"
REJECTED = Rejected("ted:999999-2021 (https://feeds.example/ted-water?page=2)", "no title in any language")


@pytest.fixture
def bare(empty_matcher: Matcher) -> World:
    """The demo's firms and a key per role, no notice and no index: what a first feed run meets."""
    empty_matcher.ingest_firms([demo_data().firms])
    keys = make_keys(empty_matcher.access)
    return World(served(empty_matcher), empty_matcher, keys)


@pytest.fixture
def source(bare: World, demo_template: DemoTemplate) -> ScriptedSource:
    """Two feeds of real demo notices: GOOD has 3 + 2 on two pages and one rejected record on the second;
    BROKEN stores 2 on its first page, then its second page cannot be read."""
    notices = sorted(demo_template.tenders, key=lambda t: t.tender_id)[:8]
    found = ScriptedSource({
        GOOD: Script([notices[0:3], notices[3:5]], rejected={1: [REJECTED]}),
        BROKEN: Script([notices[5:7], notices[7:8]], broken_page=1),
    })
    found.install(bare.client)
    return found


def add(world: World, who: str = "officer", **body: Any) -> Any:
    return world.client.post("/feeds", json=body, headers=world.auth(who))


def stored_ids(matcher: Matcher) -> set[str]:
    return {t.tender_id for t in matcher.all_tenders()}


# ----------------------------------------------------------------------------- officers only
def test_feeds_are_for_officers_only(bare: World, source: ScriptedSource) -> None:
    assert add(bare, name=GOOD, kind="ted", query="classification-cpv=65*").status_code == 201
    before = bare.client.get(f"/feeds/{GOOD}", headers=bare.auth("officer")).json()
    calls = [
        ("GET", "/feeds", None), ("POST", "/feeds", {"name": "other", "kind": "ted"}), ("GET", f"/feeds/{GOOD}", None),
        ("DELETE", f"/feeds/{GOOD}", None), ("POST", f"/feeds/{GOOD}/reset", None), ("POST", "/feeds/run", None),
        ("POST", f"/feeds/{GOOD}/run", None), ("GET", "/feeds/runs/0123456789abcdef", None),
    ]
    for who in ("partner", "partner_b", "firm", "firm_b"):
        for method, path, body in calls:
            refused = bare.client.request(method, path, json=body, headers=bare.auth(who))
            assert refused.status_code == 403, (who, method, path)
            assert refused.json()["error"] == "forbidden"
            assert GOOD not in refused.text and "classification-cpv" not in refused.text
    for method, path, body in calls:
        assert bare.client.request(method, path, json=body).status_code == 401
    assert bare.client.get(f"/feeds/{GOOD}", headers=bare.auth("officer")).json() == before  # nothing ran or moved
    assert [f.name for f in bare.matcher.all_feeds()] == [GOOD] and source.calls == []


# ----------------------------------------------------------------------------- configuring
def test_add_get_list_reset_remove(bare: World) -> None:
    officer = bare.auth("officer")
    created = add(bare, name=GOOD, kind="ted", query="  classification-cpv=65*  ", page_size=100)
    assert created.status_code == 201 and created.headers["location"] == f"/feeds/{GOOD}"
    body = created.json()
    assert {k: body[k] for k in ("name", "kind", "url", "query", "page_size", "cursor", "cursor_at", "created_by")} == {
        "name": GOOD, "kind": "ted", "url": None, "query": "classification-cpv=65*", "page_size": 100, "cursor": {},
        "cursor_at": None, "created_by": "officer-1"}
    assert body["last_run"] == {"started_at": None, "finished_at": None, "status": None, "pages": 0, "new": 0,
                                "updated": 0, "unchanged": 0, "rejected": 0, "error": None, "rejections": []}
    ocds = add(bare, name="ocds-kenya", kind="ocds", url="https://tenders.go.ke/api/ocds/releases?x=1")
    assert ocds.status_code == 201 and ocds.json()["url"] == "https://tenders.go.ke/api/ocds/releases?x=1"
    listed = bare.client.get("/feeds", headers=officer).json()
    assert [f["name"] for f in listed] == ["ocds-kenya", GOOD]
    assert bare.client.get(f"/feeds/{GOOD}", headers=officer).json() == body
    taken = add(bare, name=GOOD, kind="worldbank")
    assert taken.status_code == 409 and GOOD in taken.json()["detail"]
    assert bare.matcher.feed(GOOD).spec.kind == "ted"  # the first one stays as it was
    # A cursor written by a run, then forgotten.
    bare.matcher.commit_feed_page(GOOD, [], [], {"page": 4})
    assert bare.client.get(f"/feeds/{GOOD}", headers=officer).json()["cursor"] == {"page": 4}
    reset = bare.client.post(f"/feeds/{GOOD}/reset", headers=officer)
    assert reset.status_code == 200 and reset.json()["cursor"] == {} and reset.json()["cursor_at"] is not None
    assert bare.matcher.feed(GOOD).cursor == {}
    assert bare.client.delete(f"/feeds/{GOOD}", headers=officer).status_code == 204
    for method, path in (("GET", f"/feeds/{GOOD}"), ("DELETE", f"/feeds/{GOOD}"), ("POST", f"/feeds/{GOOD}/reset"),
                         ("POST", f"/feeds/{GOOD}/run")):
        gone = bare.client.request(method, path, headers=officer)
        assert gone.status_code == 404 and f"unknown feed '{GOOD}'" in gone.json()["detail"], (method, path)
    assert [f.name for f in bare.matcher.all_feeds()] == ["ocds-kenya"]


@pytest.mark.parametrize(("body", "loc", "words"), [
    ({"name": "Ted Water", "kind": "ted"}, "body.name", "lower-case letters"),
    ({"name": "-ted", "kind": "ted"}, "body.name", "starting with a letter or digit"),
    ({"name": "t" * 61, "kind": "ted"}, "body.name", "at most 60 characters"),
    ({"name": "ungm", "kind": "ungm"}, "body.kind", "'ted', 'worldbank' or 'ocds'"),
    ({"name": "ted", "kind": "ted", "url": "ftp://ted.europa.eu/"}, "body.url", "http:// or https://"),
    ({"name": "ted", "kind": "ted", "url": "https://user:secret@ted.europa.eu/"}, "body.url", "user:password@"),
    ({"name": "ted", "kind": "ted", "url": "https://ted europa.eu/"}, "body.url", "no spaces"),
    ({"name": "ted", "kind": "ted", "url": "https:///api"}, "body.url", "with a host"),
    ({"name": "ted", "kind": "ted", "url": "http://[0]"}, "body.url", "with a host name"),  # urlsplit raises on it
    ({"name": "ted", "kind": "ted", "url": "https://t.eu/" + "a" * MAX_URL}, "body.url", f"at most {MAX_URL}"),
    ({"name": "kenya", "kind": "ocds"}, "body.url", "an ocds feed needs a url"),
    # Shown to officers, 'releases/\u202egpj.exe' displays as 'releases/exe.jpg' (percent-encoded it is taken).
    ({"name": "kenya", "kind": "ocds", "url": f"{KENYA}releases/\u202egpj.exe"}, "body.url",
     f"holds U+202E RIGHT-TO-LEFT OVERRIDE at position {len(KENYA) + 10}, a bidirectional control"),
    ({"name": "kenya", "kind": "ocds", "url": f"{KENYA}releases?buyer=\u2067x\u2069"}, "body.url",
     "holds U+2067 RIGHT-TO-LEFT ISOLATE"),
    ({"name": "ted", "kind": "ted", "query": "a\tb"}, "body.query", "without control characters"),
    ({"name": "ted", "kind": "ted", "query": "q" * (MAX_QUERY + 1)}, "body.query", f"at most {MAX_QUERY}"),
    ({"name": "ted", "kind": "ted", "page_size": 0}, "body.page_size", "greater than or equal to 1"),
    ({"name": "ted", "kind": "ted", "page_size": MAX_PAGE_SIZE + 1}, "body.page_size",
     f"less than or equal to {MAX_PAGE_SIZE}"),
    ({"name": "ted", "kind": "ted", "cursor": {"page": 3}}, "body.cursor", "Extra inputs are not permitted"),
])
def test_invalid_specs_are_refused_naming_the_field(bare: World, body: dict[str, Any], loc: str, words: str) -> None:
    refused = add(bare, **body)
    assert refused.status_code == 422
    problems = refused.json()["problems"]
    assert [p["loc"] for p in problems] == [loc]
    assert words in problems[0]["msg"] and refused.json()["detail"].startswith(loc)
    assert bare.matcher.all_feeds() == []


def stored_before_the_rule(matcher: Matcher, spec: FeedSpec) -> None:
    """Store a feed as a store written before its rule holds it (the service's checks left out)."""
    with matcher.engine.db.begin() as conn:
        FeedRepository().add(conn, spec, "officer-1")


def test_a_url_percent_encoding_a_bidi_control_is_taken_and_shown_encoded(bare: World) -> None:
    encoded = f"{KENYA}releases/%E2%80%AEgpj.exe"
    added = add(bare, name="kenya", kind="ocds", url=encoded)
    assert added.status_code == 201, added.text
    assert added.json()["url"] == encoded == bare.matcher.feed("kenya").spec.url
    with pytest.raises(InvalidInput, match=r"^feed url holds U\+202E RIGHT-TO-LEFT OVERRIDE .* percent-encoded"):
        validated_spec("other", "ocds", url=unquote(encoded))


def test_a_feed_stored_with_a_bidi_control_in_its_url_still_reads(bare: World) -> None:
    """A URL stored before the rule is answered as stored (the JSON says what the store holds), read, reset and
    removed; never a 500."""
    officer = bare.auth("officer")
    spoofed = f"{KENYA}releases/\u202egpj.exe"
    stored_before_the_rule(bare.matcher, FeedSpec("kenya", "ocds", spoofed, None, None))
    listed = bare.client.get("/feeds", headers=officer)
    assert listed.status_code == 200 and [(f["name"], f["url"]) for f in listed.json()] == [("kenya", spoofed)]
    read = bare.client.get("/feeds/kenya", headers=officer)
    assert read.status_code == 200 and read.json()["url"] == spoofed
    assert bare.client.post("/feeds/kenya/reset", headers=officer).status_code == 200
    assert bare.client.delete("/feeds/kenya", headers=officer).status_code == 204


def test_bad_names_and_days_in_the_address_are_refused(bare: World) -> None:
    officer = bare.auth("officer")
    add(bare, name=GOOD, kind="ted")
    assert bare.client.get("/feeds/Ted%20Water", headers=officer).status_code == 422
    assert bare.client.get("/feeds/runs/not-a-job", headers=officer).status_code == 422
    future = bare.client.post(f"/feeds/{GOOD}/run", params={"since": "2099-01-01"}, headers=officer)
    today = bare.matcher.settings.now().date().isoformat()
    assert future.status_code == 422 and future.json()["detail"] == f"since 2099-01-01 is after today ({today})"
    bad_day = bare.client.post("/feeds/run", params={"since": "2021-02-30"}, headers=officer)
    assert bad_day.status_code == 422 and bad_day.json()["problems"][0]["loc"] == "query.since"
    assert bare.matcher.feed(GOOD).last_run.status is None  # nothing ran


def test_the_schema_states_the_rules_the_server_enforces(bare: World) -> None:
    schema = bare.client.get("/openapi.json").json()["components"]["schemas"]["FeedCreate"]
    props = schema["properties"]
    assert props["kind"]["enum"] == list(FEED_KINDS)
    assert props["name"]["pattern"] == NAME_PATTERN and props["name"]["maxLength"] == 60
    (url,) = [s for s in props["url"]["anyOf"] if s["type"] == "string"]
    assert url["format"] == "uri" and url["maxLength"] == MAX_URL and url["pattern"].startswith("^https?://")
    (query,) = [s for s in props["query"]["anyOf"] if s["type"] == "string"]
    assert query["maxLength"] == MAX_QUERY
    (size,) = [s for s in props["page_size"]["anyOf"] if s["type"] == "integer"]
    assert (size["minimum"], size["maximum"]) == (1, MAX_PAGE_SIZE)
    assert schema["required"] == ["name", "kind"] and schema["additionalProperties"] is False
    # The API's rule and the service's agree on names either side of every edge.
    for name in ("a", "0", "ted-water_2", "t" * 60, "t" * 61, "", "-a", "_a", "Ted", "ted water", "tëd", "ted.eu"):
        api_ok = add(bare, name=name, kind="ted").status_code == 201
        try:
            validated_spec(name, "ted")
            service_ok = True
        except InvalidInput:
            service_ok = False
        assert api_ok == service_ok, name


# ----------------------------------------------------------------------------- running
def test_a_run_stores_each_feeds_pages_and_its_job_lists_every_outcome(
    bare: World, source: ScriptedSource, demo_template: DemoTemplate
) -> None:
    officer = bare.auth("officer")
    add(bare, name=GOOD, kind="ted")
    add(bare, name=BROKEN, kind="worldbank")
    assert not bare.matcher.index.exists()
    started = bare.client.post("/feeds/run", headers=officer)
    assert started.status_code == 202
    run = started.json()
    job_id = run["job"]["job_id"]
    assert started.headers["location"] == f"/feeds/runs/{job_id}"
    assert run["job"]["kind"] == "feeds-run" and run["job"]["status"] == "queued"
    assert run["feeds"] == [] and run["outcomes"] == []  # nothing is known before the job has run
    # TestClient runs the background job before it answers, so the run has ended by now.
    ended = bare.client.get(started.headers["location"], headers=officer).json()
    assert ended["job"]["status"] == "done"
    assert ended["outcomes"] == [
        {"name": GOOD, "status": "ok", "pages": 2, "new": 5, "updated": 0, "unchanged": 0, "rejected": 1,
         "error": None},
        {"name": BROKEN, "status": "failed", "pages": 1, "new": 2, "updated": 0, "unchanged": 0, "rejected": 0,
         "error": f"https://feeds.example/{BROKEN}?page=2: truncated JSON page"},
    ]
    # GOOD's five notices (3 + 2) and BROKEN's first page (2): the real notices, as the source sent them.
    notices = sorted(demo_template.tenders, key=lambda t: t.tender_id)[:8]
    assert stored_ids(bare.matcher) == {t.tender_id for t in notices[:7]}
    assert bare.matcher.get_tender(notices[3].tender_id) == notices[3]
    # Each cursor where its last stored page left it; GOOD's kept rejection with its reason.
    good = bare.client.get(f"/feeds/{GOOD}", headers=officer).json()
    assert good["cursor"] == {"page": 2} and good["last_run"]["status"] == "ok"
    assert good["last_run"]["rejections"] == [{"record": REJECTED.record, "reason": REJECTED.reason}]
    broken = bare.matcher.feed(BROKEN)
    assert broken.cursor == {"page": 1} and broken.last_run.status == "failed"
    # The first notices ever stored: the job built the index, as an import does, and says so.
    assert bare.matcher.index.current().vectors.manifest.count == 7
    assert ended["index"] is not None and "7 added" in ended["index"]
    job = bare.client.get(f"/jobs/{job_id}", headers=officer).json()
    assert f"{GOOD}: ok, 2 pages, 5 new" in job["detail"] and f"{BROKEN}: failed" in job["detail"]
    # Readiness shows both feeds; the failed one does not make the service not ready.
    ready = bare.client.get("/health/ready", headers=officer)
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert ready.json()["feed_counts"] == {"ok": 1, "failed": 1, "running": 0, "never_run": 0}
    feeds = {f["name"]: f for f in ready.json()["feeds"]}
    assert {k: feeds[BROKEN][k] for k in ("kind", "status", "new", "updated", "rejected")} == {
        "kind": "worldbank", "status": "failed", "new": 2, "updated": 0, "rejected": 0}
    assert feeds[BROKEN]["error"].endswith("truncated JSON page") and feeds[BROKEN]["finished_at"] is not None
    assert feeds[GOOD]["status"] == "ok" and feeds[GOOD]["rejected"] == 1 and feeds[GOOD]["cursor_at"] is not None
    # Anyone may monitor the counts; names and errors need an officer's key (a partner's is not enough).
    for headers in ({}, bare.auth("partner"), {"Authorization": "Bearer mk_forged.key"}):
        public = bare.client.get("/health/ready", headers=headers)
        assert public.status_code == 200, public.text
        assert public.json()["feeds"] == [] and public.json()["feed_counts"]["failed"] == 1
        assert BROKEN not in public.text and "truncated" not in public.text and public.json()["index"]["count"] is None


def test_one_feed_runs_from_a_day_resumes_and_starts_afresh_after_a_reset(
    bare: World, source: ScriptedSource
) -> None:
    officer = bare.auth("officer")
    add(bare, name=GOOD, kind="ted")
    add(bare, name=BROKEN, kind="worldbank")

    def run(**params: str) -> dict[str, Any]:
        started = bare.client.post(f"/feeds/{GOOD}/run", params=params, headers=officer)
        assert started.status_code == 202 and started.json()["feeds"] == [GOOD]
        (outcome,) = bare.client.get(started.headers["location"], headers=officer).json()["outcomes"]
        return dict(outcome)

    month_ago = bare.matcher.settings.now().date() - timedelta(days=30)
    first = run(since=month_ago.isoformat())
    assert (first["pages"], first["new"]) == (2, 5)
    assert source.calls == [(GOOD, {}, month_ago)]  # the day reached the connector; BROKEN never ran
    again = run()  # resumes after the last stored page: nothing left
    assert (again["status"], again["pages"], again["new"]) == ("ok", 0, 0)
    assert source.calls[-1] == (GOOD, {"page": 2}, None)
    bare.client.post(f"/feeds/{GOOD}/reset", headers=officer)
    afresh = run()
    assert (afresh["pages"], afresh["new"], afresh["unchanged"]) == (2, 0, 5)
    assert source.calls[-1] == (GOOD, {}, None)
    assert bare.matcher.feed(BROKEN).last_run.status is None


def test_a_feed_running_elsewhere_is_busy(bare: World, source: ScriptedSource) -> None:
    officer = bare.auth("officer")
    add(bare, name=GOOD, kind="ted")
    elsewhere = bare.matcher.feed_lease(GOOD, timedelta(minutes=5))  # what another process's runner holds
    assert elsewhere.acquire()
    started = bare.client.post(f"/feeds/{GOOD}/run", headers=officer)
    ended = bare.client.get(started.headers["location"], headers=officer).json()
    assert ended["job"]["status"] == "done"  # not an error
    assert ended["outcomes"] == [{"name": GOOD, "status": "busy", "pages": 0, "new": 0, "updated": 0,
                                  "unchanged": 0, "rejected": 0, "error": None}]
    assert source.calls == [] and stored_ids(bare.matcher) == set()
    assert bare.matcher.feed(GOOD).last_run.status is None and bare.matcher.feed(GOOD).cursor == {}
    elsewhere.release()
    again = bare.client.post(f"/feeds/{GOOD}/run", headers=officer)
    (outcome,) = bare.client.get(again.headers["location"], headers=officer).json()["outcomes"]
    assert (outcome["status"], outcome["new"]) == ("ok", 5)


def test_runs_are_known_by_their_job_only(bare: World, source: ScriptedSource) -> None:
    officer = bare.auth("officer")
    assert bare.client.post("/feeds/nope/run", headers=officer).status_code == 404
    unknown = bare.client.get("/feeds/runs/0123456789abcdef", headers=officer)
    assert unknown.status_code == 404 and "unknown feed run" in unknown.json()["detail"]
    # An import's index job is a job of the same registry, but not a feed run.
    imported = bare.client.post("/tenders", json={"tenders": [{"tender_id": "t:1", "source": "test", "title": "x"}]},
                                headers=officer).json()
    assert bare.client.get(f"/feeds/runs/{imported['index_job']['job_id']}", headers=officer).status_code == 404
    # With no feed configured, a run of all is a job that ran nothing.
    nothing = bare.client.post("/feeds/run", headers=officer)
    ended = bare.client.get(nothing.headers["location"], headers=officer).json()
    assert ended["job"]["status"] == "done" and ended["outcomes"] == []
    assert ended["job"]["detail"] == "no feed is configured"


def test_readiness_lists_no_feeds_when_none_is_configured(world: World) -> None:
    ready = world.client.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["feeds"] == []
