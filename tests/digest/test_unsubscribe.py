"""The public unsubscribe route and the List-Unsubscribe header (issue 15, item 4): a malformed token is a
clear 422, GET only asks (a mail scanner following links unsubscribes nobody), POST acts (the page's form
or RFC 8058 one-click), previews carry no live token, and the header goes out as raw URIs."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from matcher.config import Settings
from matcher.digest.headers import MESSAGE_POLICY
from matcher.digest.render import unsubscribe_url
from matcher.digest.run import DigestRun
from matcher.digest.send import OutboxSender, SmtpSender
from matcher.digest.tokens import make_token, read_token
from matcher.errors import InvalidInput
from matcher.pipeline import Matcher
from matcher.services.access import AccessControl
from matcher.store.subscriptions import SubscriptionRepository
from tests.api.conftest import OWN, make_keys, served
from tests.digest.conftest import SmtpServer, subscribe

Auth = dict[str, dict[str, str]]
#: An address the rule takes (no header specials: < > " ; are refused) holding what HTML escapes.
HOSTILE = "o'neil&co@example.org"


@pytest.fixture
def api(demo: Matcher) -> tuple[TestClient, Auth]:
    keys = make_keys(AccessControl(demo.engine.db))
    return served(demo), {k: {"Authorization": f"Bearer {v}"} for k, v in keys.items()}


def is_active(matcher: Matcher, subscription_id: str) -> bool:
    with matcher.engine.db.connect() as conn:
        found = SubscriptionRepository().get(conn, subscription_id)
    assert found is not None
    return found.active


@pytest.mark.parametrize("token", ["sub123.sïg", "süb.sig", "sub123.\u200bsig", "sub123.sig\x00", "a.b.c", ". "])
def test_a_malformed_token_is_refused_like_a_forged_one(tmp_path: Path, token: str) -> None:
    settings = Settings(home=tmp_path, secret_key="k1" * 16)
    with pytest.raises(InvalidInput, match="bad unsubscribe token"):
        read_token(settings, token)


def test_a_non_ascii_token_is_a_422_not_a_500(demo: Matcher, api: tuple[TestClient, Auth]) -> None:
    client, _ = api
    sub = subscribe(demo, OWN, "x@example.org")
    signature = make_token(demo.settings, sub.subscription_id).split(".", 1)[1]
    for token in (f"{sub.subscription_id}.{signature[:-1]}é", "한글.서명", f"{sub.subscription_id}.\uff21"):
        for response in (client.get("/unsubscribe", params={"token": token}),
                         client.post("/unsubscribe", params={"token": token}),
                         client.post("/unsubscribe", data={"token": token})):
            assert response.status_code == 422, (token, response.status_code, response.text)
            assert response.json()["error"] == "invalid_input"
            assert "bad unsubscribe token" in response.json()["detail"]
    assert is_active(demo, sub.subscription_id)


def test_get_asks_and_changes_nothing(demo: Matcher, api: tuple[TestClient, Auth]) -> None:
    client, _ = api
    sub = subscribe(demo, OWN, HOSTILE)
    token = make_token(demo.settings, sub.subscription_id)
    for _ in range(3):  # a mail scanner may follow the link several times
        page = client.get("/unsubscribe", params={"token": token})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert is_active(demo, sub.subscription_id)
    html = page.text
    # The form posts the token back to the same route; nothing the page shows is left unescaped.
    form = re.search(r'<form method="post" action="([^"]*)">', html)
    assert form is not None and form.group(1) == "unsubscribe"
    assert f'<input type="hidden" name="token" value="{token}">' in html
    assert "o&#39;neil&amp;co@example.org" in html and HOSTILE not in html
    # Every asset inline: no attribute points at another host, no stylesheet or script is loaded.
    for target in re.findall(r'(?:src|href|action)="([^"]*)"', html):
        assert "//" not in target and ":" not in target, target
    assert "<link" not in html and "@import" not in html and "url(" not in html
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "form-action 'self'" in policy


def test_get_of_an_unsubscribed_or_deleted_subscription(demo: Matcher, api: tuple[TestClient, Auth]) -> None:
    client, _ = api
    sub = subscribe(demo, OWN, "gone@example.org")
    with demo.engine.db.begin() as conn:
        SubscriptionRepository().unsubscribe(conn, sub.subscription_id)
    page = client.get("/unsubscribe", params={"token": make_token(demo.settings, sub.subscription_id)})
    assert page.status_code == 200 and "already unsubscribed" in page.text and "<form" not in page.text
    unknown = client.get("/unsubscribe", params={"token": make_token(demo.settings, "f" * 32)})
    assert unknown.status_code == 404


def test_post_from_the_page_form_unsubscribes_and_answers_in_html(
    demo: Matcher, api: tuple[TestClient, Auth]
) -> None:
    client, _ = api
    sub = subscribe(demo, OWN, "form@example.org")
    token = make_token(demo.settings, sub.subscription_id)
    done = client.post("/unsubscribe", data={"token": token}, headers={"Accept": "text/html,*/*;q=0.8"})
    assert done.status_code == 200 and done.headers["content-type"].startswith("text/html"), done.text
    assert "You are unsubscribed" in done.text and "수신 거부가 완료되었습니다" in done.text
    assert not is_active(demo, sub.subscription_id)


def test_rfc_8058_one_click_post(demo: Matcher, api: tuple[TestClient, Auth]) -> None:
    client, _ = api
    sub = subscribe(demo, OWN, "one-click@example.org")
    url = urlsplit(unsubscribe_url(demo.settings, sub.subscription_id))
    # What a mailbox provider sends (RFC 8058 section 3.1): the header's URI, a form body, no cookies.
    clicked = client.post(f"{url.path}?{url.query}", data={"List-Unsubscribe": "One-Click"})
    assert clicked.status_code == 200, clicked.text
    assert clicked.json() == {"subscription_id": sub.subscription_id, "unsubscribed": True}
    assert not is_active(demo, sub.subscription_id)
    again = client.post(f"{url.path}?{url.query}", data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200 and again.json()["unsubscribed"] is False
    missing = client.post("/unsubscribe", data={"List-Unsubscribe": "One-Click"})
    assert missing.status_code == 422 and "token" in missing.json()["detail"]


@pytest.mark.parametrize("who", ["partner", "firm", "officer"])
def test_previews_carry_no_live_token(demo: Matcher, api: tuple[TestClient, Auth], who: str) -> None:
    client, auth = api
    sub = subscribe(demo, OWN, "preview@example.org", min_score=0.0)
    response = client.get(f"/firms/{OWN}/digest/preview", headers=auth[who])
    assert response.status_code == 200, response.text
    (preview,) = response.json()
    live = make_token(demo.settings, sub.subscription_id)
    shown = preview["text"] + preview["html"]
    assert live not in shown and live.split(".")[1] not in shown
    tokens = [unquote(t) for t in re.findall(r"token=([^\s\"'<&]*)", shown)]
    assert tokens, "the preview still shows where the unsubscribe link goes"
    for token in tokens:
        with pytest.raises(InvalidInput):
            read_token(demo.settings, token)
    forged = client.post("/unsubscribe", params={"token": tokens[0]})
    assert forged.status_code == 422 and is_active(demo, sub.subscription_id)


def test_an_old_link_does_not_end_the_subscription_made_again(demo: Matcher, api: tuple[TestClient, Auth]) -> None:
    """An address that unsubscribed and subscribed again keeps its new digest when an old email's link is
    followed: the old link ends only its own subscription, long ended."""
    client, _ = api
    first = subscribe(demo, OWN, "again@example.org")
    old_link = make_token(demo.settings, first.subscription_id)
    assert client.post("/unsubscribe", data={"token": old_link}).json()["unsubscribed"] is True
    again = subscribe(demo, OWN, "Again@example.org")
    replayed = client.post("/unsubscribe", data={"token": old_link})
    assert replayed.status_code == 200
    assert replayed.json() == {"subscription_id": first.subscription_id, "unsubscribed": False}
    assert is_active(demo, again.subscription_id)
    new_link = make_token(demo.settings, again.subscription_id)
    assert client.post("/unsubscribe", data={"token": new_link}).json()["unsubscribed"] is True
    assert not is_active(demo, again.subscription_id)


def test_an_old_link_still_ends_a_duplicate_made_before_it_ended(demo: Matcher) -> None:
    """A store written before duplicates were refused, whose old code ended only the subscription of the link
    followed: its twin, subscribed while it was active, still mails the address, so following the link again
    ends the twin."""
    with demo.engine.db.begin() as conn:
        conn.execute(text("DROP INDEX IF EXISTS uq_subscriptions_active_address"))
    first, twin = subscribe(demo, OWN, "dup@example.org"), subscribe(demo, OWN, "dup@example.org")
    with demo.engine.db.begin() as conn:
        SubscriptionRepository().unsubscribe(conn, first.subscription_id)  # what the old code did
    assert demo.unsubscribe(first.subscription_id) is True
    assert not is_active(demo, twin.subscription_id)


def header_lines(raw: bytes, name: bytes) -> list[bytes]:
    """The header's physical lines as sent (its first line and any continuation lines)."""
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    lines = re.split(rb"\r?\n", head)
    start = next(i for i, line in enumerate(lines) if line.lower().startswith(name.lower() + b":"))
    end = start + 1
    while end < len(lines) and lines[end][:1] in (b" ", b"\t"):
        end += 1
    return lines[start:end]


def test_list_unsubscribe_goes_out_raw_over_smtp(demo: Matcher, smtp: SmtpServer) -> None:
    sub = subscribe(demo, OWN, "raw@example.org", min_score=0.0)
    with SmtpSender(demo.settings) as sender:
        assert DigestRun(demo, sender).run().sent == 1  # recorded, read back from the log, then sent
    (raw,) = smtp.inbox.raw
    expected = f"List-Unsubscribe: <{unsubscribe_url(demo.settings, sub.subscription_id)}>".encode()
    assert len(expected) > 78  # long enough that the default policy would have folded it
    assert header_lines(raw, b"List-Unsubscribe") == [expected]
    assert header_lines(raw, b"List-Unsubscribe-Post") == [b"List-Unsubscribe-Post: List-Unsubscribe=One-Click"]
    assert b"=?utf-8?" not in b"\n".join(header_lines(raw, b"List-Unsubscribe"))
    # The Korean-free subject of an English digest and the other headers still fold by the usual rules.
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


def test_list_unsubscribe_goes_out_raw_to_the_outbox(demo: Matcher, tmp_path: Path) -> None:
    sub = subscribe(demo, OWN, "outbox@example.org", min_score=0.0)
    outbox = tmp_path / "outbox"
    with OutboxSender(outbox) as sender:
        assert DigestRun(demo, sender).run().sent == 1
    (written,) = outbox.glob("*.eml")
    url = unsubscribe_url(demo.settings, sub.subscription_id)
    assert header_lines(written.read_bytes(), b"List-Unsubscribe") == [f"List-Unsubscribe: <{url}>".encode()]


def test_a_list_of_uris_folds_only_between_them() -> None:
    message = EmailMessage(policy=MESSAGE_POLICY)
    first, second = "mailto:unsubscribe@matcher.test?subject=" + "x" * 60, "https://matcher.test/u?token=" + "y" * 70
    message["List-Unsubscribe"] = f"<{first}>, <{second}>"
    assert header_lines(bytes(message), b"List-Unsubscribe") == [
        f"List-Unsubscribe: <{first}>,".encode(), f" <{second}>".encode()]
    with pytest.raises(ValueError, match="List-Unsubscribe"):
        message.replace_header("List-Unsubscribe", "<https://matcher.test/ü>")
    with pytest.raises(ValueError, match="List-Unsubscribe"):
        message.replace_header("List-Unsubscribe", "https://no-brackets.test/")
