"""The few HTML pages the API serves to people without a key (the unsubscribe confirmation and its answer).

Each page is self-contained: styles inline, no script, nothing loaded from anywhere, every shown value
escaped by Jinja2's autoescape. The response headers say so to the browser (a CSP allowing nothing but
inline styles and a form posting back here), keep the page out of caches and frames, and send no
Referer, since the page's own address carries the unsubscribe token.
"""

from __future__ import annotations

import threading

from cachetools import LRUCache, cached
from fastapi.responses import HTMLResponse
from jinja2 import DictLoader, Environment, StrictUndefined

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

_LAYOUT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{ title }}</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:3em auto;padding:0 1em;line-height:1.5">
{% block body %}{% endblock %}
</body></html>
"""

_CONFIRM = """{% extends "layout" %}{% block body %}
{% if active %}
<p>Stop sending tender digests to <strong>{{ email }}</strong>?</p>
<p lang="ko"><strong>{{ email }}</strong> 주소로 입찰 알림 메일 발송을 중단할까요?</p>
<form method="post" action="unsubscribe">
<input type="hidden" name="token" value="{{ token }}">
<button type="submit" style="font-size:1em;padding:.5em 1.2em">Unsubscribe · 수신 거부</button>
</form>
{% else %}
<p><strong>{{ email }}</strong> is already unsubscribed: no more digests are sent to it.</p>
<p lang="ko"><strong>{{ email }}</strong> 주소는 이미 수신 거부되었습니다.
더 이상 입찰 알림 메일이 발송되지 않습니다.</p>
{% endif %}
{% endblock %}"""

_DONE = """{% extends "layout" %}{% block body %}
<p>You are unsubscribed: no more digests will be sent to this address.</p>
<p lang="ko">수신 거부가 완료되었습니다. 더 이상 입찰 알림 메일이 발송되지 않습니다.</p>
{% endblock %}"""


# One value: the environment over the templates above. Nothing invalidates it; they are constants.
@cached(LRUCache(maxsize=1), lock=threading.Lock())
def _environment() -> Environment:
    templates = {"layout": _LAYOUT, "confirm": _CONFIRM, "done": _DONE}
    return Environment(loader=DictLoader(templates), autoescape=True, undefined=StrictUndefined)


def _page(template: str, **context: object) -> HTMLResponse:
    return HTMLResponse(_environment().get_template(template).render(context), headers=HEADERS)


def unsubscribe_confirmation(email: str, token: str, active: bool) -> HTMLResponse:
    """Asks before acting: a GET (a link scanner, a prefetch) must not unsubscribe anyone."""
    return _page("confirm", title="Unsubscribe", email=email, token=token, active=active)


def unsubscribed() -> HTMLResponse:
    return _page("done", title="Unsubscribed")
