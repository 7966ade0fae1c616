"""Render a digest plan into a multipart email (plain text + HTML) from the Jinja2 templates.

Rendering knows nothing about sending: it returns an ``EmailMessage`` with every header set, including
``List-Unsubscribe`` (a signed one-click link, RFC 8058) and a Message-ID derived from the digest id, so a
resent digest carries the same Message-ID as the first attempt.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any
from urllib.parse import quote

from cachetools import LRUCache, cached
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from matcher.bidi import filled, filled_text, isolated
from matcher.characters import shown_text, without_line_controls
from matcher.config import Settings
from matcher.digest.build import DigestItem, DigestPlan
from matcher.digest.headers import ENCODED_WORD, message_policy, wire_address
from matcher.digest.i18n import LABELS
from matcher.digest.tokens import make_token
from matcher.ranking.reasons import country_name, days_left, markup_lines, shown_lines
from matcher.schema import Match
from matcher.store.subscriptions import DigestLanguage

MAX_REASONS = 5


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    text: str
    html: str
    unsubscribe_url: str


# One value: the Jinja2 environment over the packaged templates (it caches their compiled form itself).
# Nothing invalidates it; the templates change with the package.
@cached(LRUCache(maxsize=1), lock=threading.Lock())
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("matcher.digest", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["isolated"] = isolated
    env.filters["shown"] = _shown  # the text part: what people or feeds wrote, as the terminal shows it
    return env


def _shown(value: object) -> object:
    """A value of the text part (or the Subject) as plain text shows what people or feeds wrote: without the format
    characters that draw nothing (``shown_text``), so that a name or title stored with a bidirectional override
    before they were refused or cleaned does not reverse the rest of its line in a mail client."""
    return shown_text(value) if isinstance(value, str) else value


def format_value(value: float | None, currency: str | None, missing: str) -> str:
    if value is None:
        return missing
    return f"{value:,.0f} {currency or ''}".strip()


#: Stands for the token in previews: it is not a token's shape, so the link is refused (422) if followed.
PREVIEW_TOKEN = "preview"


def unsubscribe_url(settings: Settings, subscription_id: str | None) -> str:
    """The signed link for a subscription, or (``None``) the preview's placeholder carrying no token."""
    token = PREVIEW_TOKEN if subscription_id is None else make_token(settings, subscription_id)
    return f"{settings.public_url.rstrip('/')}/unsubscribe?token={quote(token)}"


def tender_link(settings: Settings, item: DigestItem) -> str:
    return item.match.url or f"{settings.public_url.rstrip('/')}/tenders/{quote(item.match.tender_id)}"


def _deadline(item: DigestItem, as_of: datetime, language: DigestLanguage) -> str:
    deadline = item.match.deadline
    if deadline is None:
        return LABELS[language]["no_deadline"]
    return f"{deadline:%Y-%m-%d %H:%M} UTC ({days_left(deadline, as_of, language)})"


def _fit(match: Match, words: dict[str, str]) -> str:
    """The calibrated fit in words ("good fit (0.41): 4 in 10 such matches were judged relevant"), or the raw
    score when no calibration is shipped."""
    if match.fit is None or match.fit_band is None:
        return f"{match.score:.2f}"
    share = match.fit_band_share
    evidence = words["band_evidence"].format(tenths=round(share * 10)) if share is not None else ""
    return words["band_" + match.fit_band].format(fit=f"{match.fit:.2f}") + evidence


def _item_view(item: DigestItem, plan: DigestPlan, settings: Settings) -> dict[str, Any]:
    language = plan.subscription.language
    words = LABELS[language]
    match = item.match
    value = format_value(match.value, match.currency, words["no_value"])
    # The text part's lines as the terminal shows them, the HTML part's with the text people wrote isolated.
    reasons, concerns = shown_lines(match.reasons, language)
    reasons_html, concerns_html = markup_lines(match.reasons, language)
    return {
        "rank": match.rank,
        "title": match.title,
        "tender_id": match.tender_id,
        "buyer": match.buyer or words["no_buyer"],
        # Named in the email's language, as its reasons name them ("국가: 프랑스", once "국가: FR").
        "country": ", ".join(country_name(code, language) for code in match.countries) or words["no_country"],
        "deadline": _deadline(item, plan.as_of, language),
        "value": value,
        "score": _fit(match, words),
        "reasons": reasons[:MAX_REASONS],
        "concerns": concerns,
        "reasons_html": reasons_html[:MAX_REASONS],
        "concerns_html": concerns_html,
        "link": tender_link(settings, item),
        "approved": item.approved,
    }


#: The placeholders of the digest's sentences that stand for text people wrote (the firm's name, the subscriber's
#: address): isolated from the sentence around them in the HTML part (``matcher.bidi``).
PEOPLES_TEXT = frozenset({"firm", "email"})


def _sentences(plan: DigestPlan) -> dict[str, tuple[str, dict[str, object]]]:
    """The digest's own sentences: each one's words in the subscription's language and the values filling them."""
    words = LABELS[plan.subscription.language]
    count = len(plan.items)
    plural = "" if count == 1 else "s"
    return {
        "subject": (words["subject"], {"count": count, "plural": plural, "firm": plan.firm_name}),
        "heading": (words["heading"], {"firm": plan.firm_name}),
        "intro": (words["intro"], {"count": count, "plural": plural, "firm": plan.firm_name,
                                   "date": f"{plan.as_of:%Y-%m-%d}"}),
        "footer": (words["footer"], {"email": plan.subscription.email,
                                     "frequency": words[plan.subscription.frequency]}),
    }


def _plain(message: str, values: dict[str, object]) -> str:
    """A sentence of the text part or the Subject: the text people wrote in it as plain text shows it (``_shown``)."""
    return message.format(**{name: _shown(value) if name in PEOPLES_TEXT else value for name, value in values.items()})


def subject(plan: DigestPlan) -> str:
    """The Subject header: one line, whatever the firm's name holds. A name may hold a line break (a profile keeps
    what its firm wrote), which in a header would start another header; the email package refuses it, and the
    run stopped there (every digest of the batch unsent, on every run). Each break is read as a space."""
    return header_text(" ".join(_plain(*_sentences(plan)["subject"]).splitlines()))


def header_text(text: str) -> str:
    """``text`` (one line) as a header shows it literally: without the control characters a line may not hold (a
    NUL, an ESC), and with every '=?' kept from starting an RFC 2047 encoded word by a WORD JOINER (U+2060, which
    draws nothing). The email package decodes an encoded word in any value it is given and writes what it decoded
    as it is: a firm named '=?utf-8?q?x=0D=0ABcc:_victim@evil.example?=' gave its digest a Bcc header, and smtplib
    sent the email to that address too; another decoded to a bidirectional override ``_shown`` had left out."""
    return without_line_controls(text).replace("=?", "=\u2060?")


def subject_html(plan: DigestPlan) -> Markup:
    """The subject as a page shows it (the workspace's preview): the firm's name isolated."""
    message, values = _sentences(plan)["subject"]
    return filled(message, PEOPLES_TEXT, **values)


def render_digest(plan: DigestPlan, settings: Settings, *, live_token: bool = True) -> RenderedDigest:
    """Subject, text and HTML bodies of one digest, in the subscription's language; ``live_token=False``
    (previews) puts a placeholder in the unsubscribe link instead of the subscription's signed token."""
    language: DigestLanguage = plan.subscription.language
    link = unsubscribe_url(settings, plan.subscription.subscription_id if live_token else None)
    sentences = _sentences(plan)
    context = {
        "lang": language,
        "w": LABELS[language],
        **{name: _plain(message, values) for name, (message, values) in sentences.items()},
        "items": [_item_view(i, plan, settings) for i in plan.items],
        "any_approved": any(i.approved for i in plan.items),
        "unsubscribe_url": link,
    }
    env = _environment()
    text = env.get_template("digest.txt").render(context)
    # The HTML part: the same sentences with the text people wrote isolated (in <title>, between FSI and PDI).
    subject_words, subject_values = sentences["subject"]
    html = env.get_template("digest.html").render(
        context, html={name: filled(message, PEOPLES_TEXT, **values) for name, (message, values) in sentences.items()},
        title=filled_text(subject_words, PEOPLES_TEXT, **subject_values),
    )
    return RenderedDigest(subject(plan), text, html, link)


def message_id(settings: Settings, digest_id: str) -> str:
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "tender-matcher.local"
    return f"<digest.{digest_id}@{domain}>"


def to_message(rendered: RenderedDigest, recipient: str, settings: Settings, digest_id: str) -> EmailMessage:
    """The multipart/alternative message with every header a mailbox provider expects of a digest."""
    # List-Unsubscribe written raw, an IDN in its ASCII form, any other address that is not ASCII as itself
    # (matcher.digest.headers)
    if ENCODED_WORD in recipient:
        # Decoded in the To header, it named another address (smtplib sends where To says) or a header of its own.
        raise ValueError(f"the address {recipient} holds {ENCODED_WORD!r}, which mail programs read as encoded "
                         "text: it cannot be sent to (end the subscription and subscribe the address as it reads)")
    message = EmailMessage(policy=message_policy(recipient))
    message["From"] = settings.smtp_from
    message["To"] = wire_address(recipient)
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id(settings, digest_id)
    message["List-Unsubscribe"] = f"<{rendered.unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Matcher-Digest"] = digest_id
    # base64 keeps Korean bodies 7-bit clean for servers without 8BITMIME (and for the digest log).
    message.set_content(rendered.text, subtype="plain", charset="utf-8", cte="base64")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="base64")
    return message
