"""A digest's HTML part isolates the text people and feeds wrote (the firm's name, each notice's title and buyer, the
subscriber's address) from the direction of its neighbours, as the workspace does (tests/web/test_web_isolation.py):
a firm's name stored with U+202E drew the rest of the heading and the introduction reversed in the email. The
plain-text part and the subject are left as they are: a mail client shows them as text (no element to isolate in)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import lxml.html

from matcher.bidi import FSI, PDI
from matcher.config import Settings
from matcher.digest.build import DigestItem, DigestPlan
from matcher.digest.render import render_digest
from matcher.schema import Explanation, Match, ScoreParts
from matcher.store.subscriptions import Subscription
from tests.test_bidi import shown_isolated, unisolated

SPOOF = "Hanbit \u202eretaW"
ARABIC_TITLE = "توريد عدادات المياه لمحطة المعالجة"
ARABIC_BUYER = "بلدية عمّان الكبرى"
EMAIL = "\u202egro.elpmaxe@a"  # an address is not checked for bidirectional controls


def plan(language: str) -> DigestPlan:
    match = Match(tender_id="ted:1", firm_id="f", rank=1, score=0.8, parts=ScoreParts(), reasons=Explanation(),
                  title=ARABIC_TITLE, buyer=ARABIC_BUYER)
    subscription = Subscription(firm_id="f", email=EMAIL, subscription_id="s1", language=language)  # type: ignore[arg-type]
    return DigestPlan(subscription, SPOOF, datetime(2021, 6, 1, tzinfo=UTC), (DigestItem(match, approved=False),))


def test_the_html_part_isolates_the_firm_the_title_the_buyer_and_the_address(tmp_path: Path) -> None:
    for language in ("en", "ko"):
        rendered = render_digest(plan(language), Settings(home=tmp_path, public_url="https://matcher.test"))
        html = rendered.html
        # the heading and the introduction; the notice's title and buyer; the footer's address
        for value, least in ((SPOOF, 2), (ARABIC_TITLE, 1), (ARABIC_BUYER, 1), (EMAIL, 1)):
            assert unisolated(html, value) == [], (language, value)
            assert shown_isolated(html, value) >= least, (language, value)
        (heading,) = lxml.html.document_fromstring(html).xpath("//h1")
        assert [bdi.text for bdi in heading.xpath("bdi")] == [SPOOF]
        assert f"{FSI}{SPOOF}{PDI}" in (lxml.html.document_fromstring(html).findtext(".//title") or "")
        # the text part and the subject as before
        assert SPOOF in rendered.subject and FSI not in rendered.subject
        assert f"{ARABIC_TITLE}\n" in rendered.text and FSI not in rendered.text and "<bdi>" not in rendered.text


def test_escaping_is_unchanged_inside_the_isolation(tmp_path: Path) -> None:
    base = plan("en")
    rendered = render_digest(DigestPlan(base.subscription, "<b>Hanbit</b> & Co", base.as_of, base.items),
                             Settings(home=tmp_path, public_url="https://matcher.test"))
    assert "<b>Hanbit</b>" not in rendered.html and "<bdi>&lt;b&gt;Hanbit&lt;/b&gt; &amp; Co</bdi>" in rendered.html
