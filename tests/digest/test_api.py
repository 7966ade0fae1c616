"""Subscriptions over the API: who may see and change them, the unsubscribe link from a real email, and the
digest preview (which sends and records nothing)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from matcher.digest.run import DigestRun
from matcher.digest.send import SmtpSender
from matcher.pipeline import Matcher
from matcher.services.access import AccessControl
from matcher.store.digests import digests
from tests.api.conftest import OTHER, OWN, make_keys, served
from tests.digest.conftest import SmtpServer


@pytest.fixture
def api(demo: Matcher) -> tuple[TestClient, dict[str, dict[str, str]]]:
    keys = make_keys(AccessControl(demo.engine.db))
    return served(demo), {k: {"Authorization": f"Bearer {v}"} for k, v in keys.items()}


# min_score 0: every ranked match may be sent (the default is the calibration's "possible" floor, tested below).
BODY = {"email": "ko@example.org", "language": "ko", "frequency": "daily", "max_items": 3, "min_score": 0.0}


def test_the_firm_its_partner_and_officers_manage_others_are_kept_out(
    api: tuple[TestClient, dict[str, dict[str, str]]],
) -> None:
    client, auth = api
    created = client.post(f"/firms/{OWN}/subscriptions", json=BODY, headers=auth["firm"])
    assert created.status_code == 201, created.text
    sub = created.json()
    assert sub["firm_id"] == OWN and sub["language"] == "ko" and sub["active"]
    # Issue 13: the partner the firm is assigned to manages its digests too (it was read-only before).
    by_partner = client.post(f"/firms/{OWN}/subscriptions", json={**BODY, "email": "partner@example.org"},
                             headers=auth["partner"])
    assert by_partner.status_code == 201, by_partner.text
    by_officer = client.post(f"/firms/{OWN}/subscriptions", json={**BODY, "email": "officer@example.org"},
                             headers=auth["officer"])
    assert by_officer.status_code == 201, by_officer.text
    for who in ("firm", "partner", "officer"):
        listed = client.get(f"/firms/{OWN}/subscriptions", headers=auth[who])
        assert listed.status_code == 200 and len(listed.json()) == 3
    for who in ("firm_b", "partner_b"):
        assert client.get(f"/firms/{OWN}/subscriptions", headers=auth[who]).status_code == 403
        assert client.post(f"/firms/{OWN}/subscriptions", json=BODY, headers=auth[who]).status_code == 403
        assert client.delete(f"/firms/{OWN}/subscriptions/{sub['subscription_id']}",
                             headers=auth[who]).status_code == 403
    assert client.get(f"/firms/{OWN}/subscriptions").status_code == 401
    bad = client.post(f"/firms/{OWN}/subscriptions", json={**BODY, "language": "fr"}, headers=auth["firm"])
    assert bad.status_code == 422
    ended = client.delete(f"/firms/{OWN}/subscriptions/{by_partner.json()['subscription_id']}",
                          headers=auth["partner"])
    assert ended.json() == {"subscription_id": by_partner.json()["subscription_id"], "unsubscribed": True}
    deleted = client.delete(f"/firms/{OWN}/subscriptions/{sub['subscription_id']}", headers=auth["firm"])
    assert deleted.json() == {"subscription_id": sub["subscription_id"], "unsubscribed": True}
    gone = client.delete(f"/firms/{OTHER}/subscriptions/{sub['subscription_id']}", headers=auth["officer"])
    assert gone.status_code == 404
    active = [s for s in client.get(f"/firms/{OWN}/subscriptions", headers=auth["officer"]).json() if s["active"]]
    assert len(active) == 1  # the officer's; the others' ended


def test_unsubscribe_link_from_a_received_email_works_without_login(
    demo: Matcher, smtp: SmtpServer, api: tuple[TestClient, dict[str, dict[str, str]]]
) -> None:
    client, auth = api
    client.post(f"/firms/{OWN}/subscriptions", json=BODY, headers=auth["firm"])
    with SmtpSender(demo.settings) as sender:
        DigestRun(demo, sender).run()
    (message,) = smtp.inbox.messages
    link = message["List-Unsubscribe"].strip("<>")
    text_part = message.get_body(("plain",))
    assert text_part is not None and link in text_part.get_content()
    parts = urlsplit(link)
    page = client.get(f"{parts.path}?{parts.query}")  # following the link only asks
    assert page.status_code == 200 and "발송을 중단할까요?" in page.text and "<form" in page.text
    (sub,) = client.get(f"/firms/{OWN}/subscriptions", headers=auth["firm"]).json()
    assert sub["active"] and sub["unsubscribed_at"] is None
    token = unquote(parts.query.removeprefix("token="))
    done = client.post("/unsubscribe", data={"token": token}, headers={"Accept": "text/html"})  # the page's form
    assert done.status_code == 200 and "수신 거부가 완료되었습니다" in done.text
    (sub,) = client.get(f"/firms/{OWN}/subscriptions", headers=auth["firm"]).json()
    assert not sub["active"] and sub["unsubscribed_at"]
    again = client.post(f"{parts.path}?{parts.query}", data={"List-Unsubscribe": "One-Click"})  # RFC 8058, again
    assert again.status_code == 200 and again.json()["unsubscribed"] is False
    assert client.get("/unsubscribe?token=" + parts.query.split("=", 1)[1][:-2] + "xx").status_code == 422
    demo.settings.clock = demo.settings.now() + timedelta(days=7)
    with SmtpSender(demo.settings) as sender:
        assert DigestRun(demo, sender).run().due == 0


def test_preview_renders_the_next_digest_and_records_nothing(
    demo: Matcher, smtp: SmtpServer, api: tuple[TestClient, dict[str, dict[str, str]]]
) -> None:
    client, auth = api
    client.post(f"/firms/{OWN}/subscriptions", json=BODY, headers=auth["firm"])
    response = client.get(f"/firms/{OWN}/digest/preview", headers=auth["partner"])
    assert response.status_code == 200, response.text
    (preview,) = response.json()
    assert preview["subject"].endswith(f"{len(preview['items'])}건") and len(preview["items"]) == 3
    assert preview["items"][0]["title"] in preview["text"] and "<html" in preview["html"]
    assert client.get(f"/firms/{OWN}/digest/preview", headers=auth["firm_b"]).status_code == 403
    with demo.engine.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(digests)).scalar_one() == 0
    assert smtp.inbox.messages == []
    with SmtpSender(demo.settings) as sender:
        DigestRun(demo, sender).run()
    sent = smtp.inbox.messages[0].get_body(("plain",))
    assert sent is not None and [i["title"] in sent.get_content() for i in preview["items"]] == [True] * 3


def test_a_subscription_without_a_minimum_gets_the_calibrations_default(
    demo: Matcher, api: tuple[TestClient, dict[str, dict[str, str]]]
) -> None:
    client, auth = api
    body = {k: v for k, v in BODY.items() if k != "min_score"}
    created = client.post(f"/firms/{OWN}/subscriptions", json=body, headers=auth["firm"])
    assert created.status_code == 201, created.text
    assert demo.calibration is not None  # the shipped models/calibration
    assert created.json()["min_score"] == demo.calibration.default_min_fit == 0.15


def test_an_address_subscribes_once_per_firm_whoever_asks_and_in_any_case(
    api: tuple[TestClient, dict[str, dict[str, str]]],
) -> None:
    client, auth = api
    first = client.post(f"/firms/{OWN}/subscriptions", json=BODY, headers=auth["firm"])
    assert first.status_code == 201, first.text
    sub_id = first.json()["subscription_id"]
    for who, address in [("firm", "ko@example.org"), ("partner", "KO@Example.ORG"), ("officer", " ko@example.org ")]:
        again = client.post(f"/firms/{OWN}/subscriptions", json={**BODY, "email": address, "language": "en"},
                            headers=auth[who])
        assert again.status_code == 409, (who, again.text)
        assert again.json()["error"] == "conflict" and sub_id in again.json()["detail"]
        assert "ko@example.org" in again.json()["detail"]
    (listed,) = client.get(f"/firms/{OWN}/subscriptions", headers=auth["officer"]).json()
    assert listed["subscription_id"] == sub_id and listed["language"] == "ko"  # unchanged by the refusals
    # Another firm may send its digest to the same address; an ended subscription does not block a new one.
    other = client.post(f"/firms/{OTHER}/subscriptions", json=BODY, headers=auth["officer"])
    assert other.status_code == 201, other.text
    client.delete(f"/firms/{OWN}/subscriptions/{sub_id}", headers=auth["firm"])
    renewed = client.post(f"/firms/{OWN}/subscriptions", json={**BODY, "email": "Ko@example.org"}, headers=auth["firm"])
    assert renewed.status_code == 201, renewed.text
    assert renewed.json()["subscription_id"] != sub_id


@pytest.mark.parametrize(
    ("changes", "loc", "said"),
    [
        # Issue: a range upside down was stored and shown as "€10 – €1".
        ({"min_value": 10, "max_value": 1, "currency": "EUR"}, "body",
         "min_value 10 is greater than max_value 1"),
        # An unknown currency left the range unconvertible, so the value filter silently let everything pass.
        ({"min_value": 1, "currency": "XYZ"}, "body.currency", "unknown currency 'XYZ' for a value range"),
        ({"currency": "euros"}, "body.currency", "unknown currency 'euros'"),
    ],
)
def test_a_bad_value_range_is_a_422_naming_the_fields_and_stores_nothing(
    api: tuple[TestClient, dict[str, dict[str, str]]], changes: dict[str, object], loc: str, said: str,
) -> None:
    client, auth = api
    refused = client.post(f"/firms/{OWN}/subscriptions", json={**BODY, **changes}, headers=auth["firm"])
    assert refused.status_code == 422, refused.text
    assert refused.json()["problems"][0]["loc"] == loc and said in refused.json()["detail"]
    assert client.get(f"/firms/{OWN}/subscriptions", headers=auth["firm"]).json() == []
    fine = client.post(f"/firms/{OWN}/subscriptions", headers=auth["firm"],
                       json={**BODY, "min_value": 1, "max_value": 1, "currency": "krw"})
    assert fine.status_code == 201, fine.text
    assert (fine.json()["min_value"], fine.json()["max_value"], fine.json()["currency"]) == (1, 1, "KRW")
