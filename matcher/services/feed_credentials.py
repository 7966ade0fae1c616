"""A feed URL's credentials kept off every screen and log: ``https://user:password@host/`` is shown as
``https://***@host/``.

An officer may give a feed's source its credentials in the URL (``matcher feeds add --url``, or a row edited by
hand); the client sends them as HTTP basic authentication (``matcher.feeds.http``), and everything that shows the
URL (a spec's validation errors, run errors, logs, listings, the API, the officer's page) shows it masked. Standard
library only, and below the feeds (``matcher.services.feeds`` validates specs with it).
"""

from __future__ import annotations

import re

#: A URL's user information, up to the last '@' before its path, query or fragment (as urlsplit reads it).
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s]*@")


def without_credentials(text: str) -> str:
    """``text`` with the ``user:password@`` of every URL in it replaced by ``***@``."""
    return _USERINFO.sub(r"\1***@", text)
