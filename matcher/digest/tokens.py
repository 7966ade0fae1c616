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

from matcher.config import MIN_SECRET_KEY, Settings
from matcher.errors import InvalidInput, MatcherError

log = logging.getLogger(__name__)

KEY_FILE = "secret_key"
_PURPOSE = b"unsubscribe:"
#: What ``make_token`` writes: an id and an unpadded urlsafe-base64 signature, ASCII only. Anything else is
#: refused before any comparison (``hmac.compare_digest`` raises TypeError on non-ASCII str).
_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def secret_key(settings: Settings) -> bytes:
    """The configured key, or the one persisted under MATCHER_HOME (created on first use). A key file that is
    unreadable, not ASCII or shorter than the setting's minimum (``MIN_SECRET_KEY``: a hand-written 'k1' signed
    every link with 2 characters) is a MatcherError naming the file: the server's setup, not a caller's input.
    The faces call this at start (``digest run``, ``schedule``, ``serve``), so it is one line and exit 2."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = settings.home / KEY_FILE
    if not path.exists():
        _create_key(path)
    try:
        key = path.read_text(encoding="ascii").strip()
    except UnicodeDecodeError:
        raise MatcherError(f"secret key file {path} is not ASCII text (expected the key as letters, digits and "
                           "punctuation)") from None
    except OSError as exc:
        raise MatcherError(f"cannot read secret key file {path}: {exc.strerror or exc}") from exc
    if len(key) < MIN_SECRET_KEY:
        held = f"holds {len(key)} characters (expected at least {MIN_SECRET_KEY}" if key else \
            f"is empty (expected at least {MIN_SECRET_KEY} characters"
        raise MatcherError(f"secret key file {path} {held}: set MATCHER_SECRET_KEY, or delete the file to have a "
                           "new key generated; links already sent stop working)")
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
