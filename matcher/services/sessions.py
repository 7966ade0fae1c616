"""Sign-in sessions for the web workspace, and what each person has not seen yet.

A person signs in once with an API key (``AccessControl.authenticate``, the API's own check); the session
that follows names that key, and every request looks the key up again (``AccessControl.principal_of``), so
a revoked key's sessions stop at once and the session carries no copy of the access rules. The session id
is 32 random bytes, returned once (for the cookie) and stored only as its sha256. Each session has its
own CSRF token, which the pages echo in every form.

Times here are the wall clock, never ``Settings.clock``: the demo's fixed clock would otherwise make every
session expire at once (or never), and visits are compared with when tenders were stored (wall clock too).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from matcher.services.access import AccessControl, AuthenticationError, Principal
from matcher.store import Database
from matcher.store._common import utcnow
from matcher.store.sessions import SessionRepository, SessionRow

#: How long a session lasts after sign-in: a working day, then the key is asked for again.
SESSION_TTL = timedelta(hours=12)
#: What ``secrets.token_urlsafe(32)`` makes; anything else is refused before it is hashed or looked up.
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class WebSession:
    """A signed-in person: who they are (as the API sees their key) and the token their forms echo."""

    principal: Principal
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class NewSession:
    """A session just opened; ``session_id`` (the cookie's value) exists only here."""

    session_id: str
    session: WebSession


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class WebSessions:
    """Sessions and page visits over one database, with the keys' access rules from ``AccessControl``."""

    def __init__(self, db: Database, access: AccessControl, ttl: timedelta = SESSION_TTL) -> None:
        self.db = db
        self.access = access
        self.ttl = ttl
        self.repo = SessionRepository()

    def sign_in(self, token: str | None) -> NewSession:
        """A new session for the holder of this API key; AuthenticationError for a bad or revoked key."""
        principal = self.access.authenticate(token)
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = utcnow()
        row = SessionRow(_hash(session_id), principal.key_id, csrf, now, now + self.ttl)
        with self.db.begin() as conn:
            self.repo.purge_expired(conn, now)  # sign-ins are rare; expired rows go then
            self.repo.add(conn, row)
        return NewSession(session_id, WebSession(principal, csrf, row.expires_at))

    def resolve(self, session_id: str | None) -> WebSession:
        """The session behind a cookie; AuthenticationError when it is unknown, expired or its key revoked."""
        if not session_id or not _SESSION_ID.match(session_id):
            raise AuthenticationError("not signed in")
        with self.db.connect() as conn:
            row = self.repo.get(conn, _hash(session_id))
        if row is None or row.expires_at <= utcnow():
            raise AuthenticationError("the session has ended; sign in again")
        principal = self.access.principal_of(row.key_id)
        return WebSession(principal, row.csrf_token, row.expires_at)

    def sign_out(self, session_id: str | None) -> bool:
        """End a session; True when there was one."""
        if not session_id or not _SESSION_ID.match(session_id):
            return False
        with self.db.begin() as conn:
            return self.repo.delete(conn, _hash(session_id))

    # ------------------------------------------------------------------ what is new to whom
    def record_visit(self, principal: str, firm_id: str) -> None:
        """``principal`` (a key's name) has just seen ``firm_id``'s recommendations."""
        with self.db.begin() as conn:
            self.repo.record_visit(conn, principal, firm_id, utcnow())

    def unseen(self, principal: str, firm_id: str, tender_ids: Sequence[str]) -> set[str]:
        """Of these tenders, those stored since ``principal`` last opened the firm's page (all of them when
        they never did)."""
        with self.db.connect() as conn:
            last = self.repo.last_visit(conn, principal, firm_id)
            return set(tender_ids) if last is None else self.repo.stored_after(conn, tender_ids, last)
