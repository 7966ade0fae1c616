"""The pages in Korean and English, untrusted text shown as text, and ``matcher serve --demo`` pointing at
the workspace."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from string import Formatter as FieldParser

import lxml.html
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import create_app
from api.web.i18n import LANGUAGE_COOKIE, Formatter, negotiate
from api.web.messages import LANGUAGES, MESSAGES
from api.web.render import TEMPLATES_DIR
from matcher.cli import app as cli
from matcher.config import Settings
from matcher.digest.i18n import LABELS
from matcher.ranking.reasons import CONCERN_PREFIXES, explanation_lines
from matcher.schema import Tender
from matcher.search.retrieve import MatchQuery
from tests.api.conftest import (  # noqa: F401
    OWN,
    World,
    api_settings,
    database_url,
    demo_template,
    world,
)
from tests.web.pages_world import Visitor, csrf_of, page_text, sign_in, visitor  # noqa: F401


def lang_of(html: str) -> str:
    return str(lxml.html.fromstring(html).get("lang"))


# ----------------------------------------------------------------------------- Korean and English
def test_korean_from_accept_language(world: World, visitor: Visitor) -> None:
    client = visitor("partner")
    korean = client.get(f"/web/firms/{OWN}", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.8"})
    assert lang_of(korean.text) == "ko"
    text = page_text(korean.text)
    assert "추천 입찰" in text and "Recommendations" not in text
    first = world.matcher.recommend(OWN)[0]
    reasons, concerns = explanation_lines(first.reasons, "ko")
    assert reasons and all(line in text for line in reasons + concerns)
    fmt = Formatter("ko", world.matcher.settings.now())
    assert first.country and fmt.country(first.country) in text and fmt.country(first.country) != first.country
    assert first.deadline and fmt.moment(first.deadline) in text and fmt.days_left(first.deadline) in text
    english = client.get(f"/web/firms/{OWN}", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert lang_of(english.text) == "en" and "Recommendations" in page_text(english.text)


def test_the_switch_chooses_and_is_remembered(world: World, visitor: Visitor) -> None:
    client = visitor("partner")
    english = {"Accept-Language": "en"}
    switched = client.get("/web/", params={"lang": "ko"}, headers=english)
    assert lang_of(switched.text) == "ko" and "담당 회사" in page_text(switched.text)
    assert f"{LANGUAGE_COOKIE}=ko" in switched.headers["set-cookie"]
    assert lang_of(client.get(f"/web/firms/{OWN}", headers=english).text) == "ko"  # kept by its cookie
    back = client.get(f"/web/firms/{OWN}", params={"lang": "en", "country": "FR"}, headers=english)
    assert lang_of(back.text) == "en"
    links = lxml.html.fromstring(back.text).xpath("//nav[@class='languages']//a/@href")
    assert links == [f"/web/firms/{OWN}?country=FR&lang=en", f"/web/firms/{OWN}?country=FR&lang=ko"]
    # Found in review: the shortlist's status filter and search's closed box were lost on switching language.
    listed = client.get(f"/web/firms/{OWN}/shortlist", params={"status": "approved"}, headers=english)
    links = lxml.html.fromstring(listed.text).xpath("//nav[@class='languages']//a/@href")
    assert f"/web/firms/{OWN}/shortlist?status=approved&lang=ko" in links
    # And the officer page's followed feed run (?run=): switching language mid-run lost it.
    officer = visitor("officer").get("/web/officer", params={"run": "0123456789abcdef"}, headers=english)
    links = lxml.html.fromstring(officer.text).xpath("//nav[@class='languages']//a/@href")
    assert "/web/officer?run=0123456789abcdef&lang=ko" in links


def test_the_sign_in_page_follows_the_browsers_language(world: World) -> None:
    page = TestClient(world.client.app).get("/web/sign-in", headers={"Accept-Language": "ko"})
    assert lang_of(page.text) == "ko" and "로그인" in page_text(page.text)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ko-KR,ko;q=0.9,en-US;q=0.8", "ko"),
        ("en-US,ko;q=0.5", "en"),
        ("fr-FR, ko;q=0.1", "ko"),  # French is not offered: the next one that is
        ("de, en;q=0.2, ko;q=0.7", "ko"),  # by quality, not by order
        ("ko;q=0, en;q=0.1", "en"),  # q=0 means "not this one"
        ("ko;q=abc", "en"),
        ("", "en"),
        (None, "en"),
        ("*", "en"),
    ],
)
def test_accept_language(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


def test_every_message_is_in_both_languages_with_the_same_placeholders() -> None:
    english, korean = MESSAGES["en"], MESSAGES["ko"]
    assert english.keys() == korean.keys()
    for key, text in english.items():
        fields = {f for _, f, _, _ in FieldParser().parse(text) if f}
        assert fields == {f for _, f, _, _ in FieldParser().parse(korean[key]) if f}, key
        assert korean[key] != text or key in ("app_name",) or not re.search("[a-z]{3}", text), key


def test_korean_messages_put_no_particle_after_a_placeholder() -> None:
    """"파일 {value}을(를)", "회사 {value}은(는)": a particle after a name or a file whose last sound is unknown; the
    messages put the noun after it instead ("{value} 파일을")."""
    after_placeholder = re.compile(r"\}\u2019?(?:\(?(?:을|를|이|가|은|는|와|과)\)?|으로|로)")
    assert [key for key, text in MESSAGES["ko"].items() if after_placeholder.search(text)] == []


def test_concerns_have_one_korean_name_on_every_face() -> None:
    """The workspace said "유의 사항" where the digest and the summaries say "확인할 점"."""
    assert MESSAGES["ko"]["concerns"] == LABELS["ko"]["concerns"] == CONCERN_PREFIXES["ko"].removesuffix(": ")


def test_every_message_a_template_names_exists() -> None:
    named: set[str] = set()
    for template in TEMPLATES_DIR.glob("*.html"):
        named.update(re.findall(r"""\bt\(["']([a-z_]+)["']\s*[,)]""", template.read_text()))
    assert named and named <= MESSAGES["en"].keys()
    # Keys built from values: roles, statuses, fit bands, label kinds, refusal pages.
    for key in ("role_officer", "role_partner", "role_firm", "status_proposed", "status_approved",
                "status_rejected", "fit_strong", "fit_good", "fit_possible", "fit_weak", "fit_unknown",
                "english_title", "categories", "forbidden_title", "forbidden_text", "not_found_title",
                "not_found_text", "unavailable_title", "index_not_ready", "invalid_title", "invalid_form",
                "form_expired", "invalid_amount", "invalid_number"):
        assert all(key in MESSAGES[language] for language in LANGUAGES)


# ----------------------------------------------------------------------------- untrusted text
def test_untrusted_text_is_shown_as_text(world: World, visitor: Visitor) -> None:
    matcher = world.matcher
    top = matcher.get_tender(matcher.recommend(OWN)[0].tender_id)
    hostile = Tender.model_validate({
        **top.model_dump(), "tender_id": "ted:900002-2021", "title": "<script>alert(1)</script>",
        "buyer": '<img src=x onerror="alert(2)">', "url": None,
    })
    with pytest.raises(ValueError, match="is not an http"):  # nor can a 'javascript:' address be stored
        Tender.model_validate({**hostile.model_dump(), "url": "javascript:alert(3)"})
    matcher.upsert_tenders([hostile])  # stored and indexed, so it ranks like its original
    assert hostile.tender_id in [m.tender_id for m in matcher.recommend(OWN, MatchQuery(k=20))]
    client = visitor("partner")
    page = client.get(f"/web/firms/{OWN}")
    assert 'data-tender="ted:900002-2021"' in page.text
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<img src=x" not in page.text and "javascript:alert(3)" not in page.text
    assert "<script>alert(1)</script>" in page_text(page.text)  # the reader sees the title as written
    note = "<b>bold</b> & <script>alert(4)</script>"
    client.post(f"/web/firms/{OWN}/decide",
                data={"csrf_token": csrf_of(page.text), "tender_id": hostile.tender_id, "action": "note", "note": note})
    again = client.get(f"/web/firms/{OWN}").text
    assert "<script>alert(4)</script>" not in again and note in page_text(again)


# ----------------------------------------------------------------------------- matcher serve --demo
def test_serve_demo_prints_the_workspace_and_keys_that_sign_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("MATCHER_HOME", str(home))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    monkeypatch.setenv("MATCHER_CLOCK", "2021-01-01T00:00:00Z")  # serve --demo sets its own; undone after
    served: list[tuple[object, ...]] = []
    monkeypatch.setattr("matcher.cli.serve.run_server", lambda *args: served.append(args))
    # Nothing listens: serve's own check would bind 8765, which another test's check may hold at that instant.
    monkeypatch.setattr("matcher.cli.serve.can_listen", lambda host, port: None)
    result = CliRunner().invoke(cli, ["serve", "--demo", "--port", "8765"])
    assert result.exit_code == 0, result.output
    assert served == [("127.0.0.1", 8765, 1)]
    assert "Workspace: http://127.0.0.1:8765/web/" in result.output
    assert "API docs: http://127.0.0.1:8765/docs" in result.output
    keys = dict(re.findall(r"^demo (officer|partner|firm)\s+key: (\S+)$", result.output, re.MULTILINE))
    assert keys.keys() == {"officer", "partner", "firm"}
    client = TestClient(create_app(Settings(home=home, encoder="fake")))
    assert sign_in(client, keys["partner"]).status_code == 303
    assert len(lxml.html.fromstring(client.get("/web/").text).xpath("//table[@class='firms']/tbody/tr")) == 2


@pytest.mark.slow
def test_serve_demo_embeds_the_code_labels_before_the_first_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's firms have no codes, so their first recommendation suggests codes from the CPV labels; on a
    fresh home embedding those 9,141 labels made a new user's first recommendation take ~11 s. ``serve --demo``
    embeds them into the home's cache while it loads the demo, where workers read them back in under a second."""
    from cachetools import LRUCache

    from matcher.search import code_labels
    from matcher.search.encoders import EmbeddingCache, FakeEncoder

    monkeypatch.setattr(code_labels, "_spaces", LRUCache(maxsize=4))  # nothing built by earlier tests' homes
    home = tmp_path / "home"
    monkeypatch.setenv("MATCHER_HOME", str(home))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    monkeypatch.setattr("matcher.cli.serve.run_server", lambda *args: None)
    monkeypatch.setattr("matcher.cli.serve.can_listen", lambda host, port: None)  # as above
    assert CliRunner().invoke(cli, ["serve", "--demo", "--port", "8765"]).exit_code == 0
    cache = EmbeddingCache(home / "cache" / "embeddings.sqlite")
    labels = [EmbeddingCache.key(FakeEncoder().encoder_id, label) for _, label in code_labels._entries("CPV")]
    try:
        assert len(cache.get_many(labels)) == len(labels) > 9000
    finally:
        cache.close()


@pytest.mark.parametrize(("deadline", "english", "korean"), [
    ("2021-04-28T18:00:00+00:00", "closes today", "오늘 마감"),
    ("2021-04-29T10:00:00+00:00", "closes tomorrow", "내일 마감"),  # 22 hours away: once "closes today"
    ("2021-04-30T01:00:00+00:00", "2 days left", "2일 남음"),
    ("2021-04-28T11:00:00+00:00", "closed", "마감됨"),
])
def test_days_left_counts_calendar_days_as_the_date_beside_it(deadline: str, english: str, korean: str) -> None:
    now = datetime.fromisoformat("2021-04-28T12:00:00+00:00")
    at = datetime.fromisoformat(deadline)
    assert Formatter("en", now).days_left(at) == english
    assert Formatter("ko", now).days_left(at) == korean
