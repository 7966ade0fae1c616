"""A digest's HTML part isolates the text people and feeds wrote (the firm's name, each notice's title and buyer, the
subscriber's address, a keyword or term inside a reason) from the direction of its neighbours, as the workspace does
(tests/web/test_web_isolation.py): a firm's name stored with U+202E drew the rest of the heading and the introduction
reversed in the email. The plain-text part and the subject have no element to isolate in: there the text people and
feeds wrote loses the format characters that draw nothing, as the terminal's lines do (matcher.characters.shown_text;
the reasons' lines through matcher.ranking.reasons.render_shown)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import lxml.html

from matcher.bidi import FSI, PDI
from matcher.config import Settings
from matcher.digest.build import DigestItem, DigestPlan
from matcher.digest.render import render_digest
from matcher.schema import Explanation, Match, Reason, ScoreParts
from matcher.store.subscriptions import Subscription
from tests.test_bidi import shown_isolated, unisolated

SPOOF = "Hanbit \u202eretaW"
ARABIC_TITLE = "توريد عدادات المياه لمحطة المعالجة"
ARABIC_BUYER = "بلدية عمّان الكبرى"
EMAIL = "\u202egro.elpmaxe@a"  # refused by the API and the CLI; rendering must not rely on that


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
        # the text part and the subject: plain text, what people wrote without the characters that draw nothing
        # (the override reversed the rest of the Subject and the heading in a mail client); Arabic kept as it is
        assert "\u202e" not in rendered.subject and "Hanbit retaW" in rendered.subject and FSI not in rendered.subject
        assert "\u202e" not in rendered.text.replace(EMAIL, "") and "Hanbit retaW" in rendered.text
        assert f"{ARABIC_TITLE}\n" in rendered.text and ARABIC_BUYER in rendered.text
        assert FSI not in rendered.text and "<bdi>" not in rendered.text


#: A keyword stored before keywords were refused an override, as a reason names it.
KEYWORD = "\u202eultrafiltration"
REASONS = Explanation(reasons=[
    Reason(kind="keyword_match", params={"keyword": KEYWORD, "found": "ultrafiltration", "via": "text"}),
    Reason(kind="shared_terms", params={"terms": [ARABIC_BUYER, "membranes"]})])


def test_a_keyword_inside_a_reason_is_isolated_in_html_and_loses_its_override_in_text(tmp_path: Path) -> None:
    base = plan("en")
    item = DigestItem(base.items[0].match.model_copy(update={"reasons": REASONS}), approved=False)
    for language in ("en", "ko"):
        spoofed = DigestPlan(plan(language).subscription, "Hanbit Water", base.as_of, (item,))
        rendered = render_digest(spoofed, Settings(home=tmp_path, public_url="https://matcher.test"))
        assert unisolated(rendered.html, KEYWORD) == [] and shown_isolated(rendered.html, KEYWORD) == 1, language
        lines = lxml.html.document_fromstring(rendered.html).xpath("//li")
        assert [[bdi.text for bdi in li.xpath("bdi")] for li in lines] == [
            [KEYWORD, "ultrafiltration"], [ARABIC_BUYER, "membranes"]]
        # the text part: each reason's line as the terminal shows it, the override dropped, the rest as it is
        worded = {"en": ("the firm's keyword \u201cultrafiltration\u201d is in the notice "
                         "(\u201cultrafiltration\u201d)",
                         f"both mention {ARABIC_BUYER}, membranes"),
                  "ko": ("회사 키워드 \u2018ultrafiltration\u2019: 공고에 있음 (\u2018ultrafiltration\u2019)",
                         f"공고와 회사 소개에 함께 나오는 단어: {ARABIC_BUYER}, membranes")}[language]
        assert "\n".join(f"   - {line}" for line in worded) in rendered.text, rendered.text
        assert "<bdi>" not in rendered.text


def test_escaping_is_unchanged_inside_the_isolation(tmp_path: Path) -> None:
    base = plan("en")
    rendered = render_digest(DigestPlan(base.subscription, "<b>Hanbit</b> & Co", base.as_of, base.items),
                             Settings(home=tmp_path, public_url="https://matcher.test"))
    assert "<b>Hanbit</b>" not in rendered.html and "<bdi>&lt;b&gt;Hanbit&lt;/b&gt; &amp; Co</bdi>" in rendered.html
