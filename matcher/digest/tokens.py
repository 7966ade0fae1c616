"""Signed unsubscribe tokens: ``<subscription_id>.<hmac>``, verifiable without a login or a database row.

The key is ``Settings.secret_key``; when none is configured one is generated once and kept in
``MATCHER_HOME/secret_key`` (mode 0600), so links in emails already sent keep working across runs.
Tokens do not expire: an unsubscribe link in a year-old email must still work.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
from pathlib import Path

from matcher.config import Settings
from matcher.errors import InvalidInput

log = logging.getLogger(__name__)

KEY_FILE = "secret_key"
_PURPOSE = b"unsubscribe:"
#: What ``make_token`` writes: an id and an unpadded urlsafe-base64 signature, ASCII only. Anything else is
#: refused before any comparison (``hmac.compare_digest`` raises TypeError on non-ASCII str).
_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def secret_key(settings: Settings) -> bytes:
    """The configured key, or the one persisted under MATCHER_HOME (created on first use)."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = settings.home / KEY_FILE
    if not path.exists():
        _create_key(path)
    key = path.read_text(encoding="ascii").strip()
    if not key:
        raise InvalidInput(f"secret key file {path} is empty (delete it to generate a new one)")
    return key.encode()


def _create_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once cannot both write a key; the loser reads the winner's.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(48))
    log.warning("no MATCHER_SECRET_KEY set: generated one in %s", path)


def _signature(key: bytes, subscription_id: str) -> bytes:
    digest = hmac.new(key, _PURPOSE + subscription_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=")


def make_token(settings: Settings, subscription_id: str) -> str:
    return f"{subscription_id}.{_signature(secret_key(settings), subscription_id).decode()}"


def read_token(settings: Settings, token: str) -> str:
    """The subscription id a valid token names; InvalidInput for a malformed or forged token."""
    token = token.strip()
    if not _SHAPE.fullmatch(token):
        raise InvalidInput("bad unsubscribe token (expected '<subscription>.<signature>' in letters, digits, - and _)")
    subscription_id, _, signature = token.partition(".")
    # Bytes on both sides: the shape check made them ASCII, and the comparison stays constant-time.
    if not hmac.compare_digest(_signature(secret_key(settings), subscription_id), signature.encode("ascii")):
        raise InvalidInput("bad unsubscribe token (signature does not match)")
    return subscription_id
