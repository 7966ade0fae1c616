"""Who may call the API and which firms they may see.

Three roles: ``officer`` sees and changes everything, ``partner`` sees only the firms an officer assigned to
their name, ``firm`` sees only itself. A key is ``tm_<key_id>_<secret>``: the key id finds the row, and the
secret is compared by its sha256 hash with ``hmac.compare_digest``. The plaintext is returned once, by
``create_key``, and never stored. Partners are identified by the key's *name*, so a partner's key can be
rotated (create a new key with the same name, revoke the old one) without losing their assignments.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from matcher.errors import Conflict, InvalidInput, MatcherError, NotFound, PermissionDenied
from matcher.schema import ROLES, Role, canonical_id, quoted
from matcher.store import Database, FirmRepository
from matcher.store._common import utcnow
from matcher.store.access import AccessRepository, KeyRow

KEY_PREFIX = "tm"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$")
_KEY_ID = "[0-9a-f]{12}"
_TOKEN = re.compile(rf"^{KEY_PREFIX}_({_KEY_ID})_([A-Za-z0-9_-]{{20,100}})$")


class AuthenticationError(MatcherError):
    """No key, a malformed key, an unknown key or a revoked key."""


@dataclass(frozen=True)
class Principal:
    """The caller behind one API key."""

    key_id: str
    name: str
    role: Role
    firm_id: str | None = None


@dataclass(frozen=True)
class KeyInfo:
    """What may be shown about a key: everything except its secret."""

    key_id: str
    name: str
    role: Role
    firm_id: str | None
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class NewKey:
    info: KeyInfo
    token: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _info(row: KeyRow) -> KeyInfo:
    role: Role = row.role  # type: ignore[assignment]  # only ROLES are ever written
    return KeyInfo(row.key_id, row.name, role, row.firm_id, row.created_at, row.revoked_at)


class AccessControl:
    """Keys, authentication and firm visibility over one database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.repo = AccessRepository()
        self.firms = FirmRepository()

    # ------------------------------------------------------------------ keys
    def create_key(self, role: str, name: str, firm_id: str | None = None) -> NewKey:
        """A new key; the returned token is the only copy of its plaintext."""
        checked = self._check_new_key(role, name, firm_id)
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        row = KeyRow(key_id, name, checked, firm_id, _hash(secret), utcnow(), None)
        with self.db.begin() as conn:
            clash = [k for k in self.repo.keys(conn, name=name) if (k.role, k.firm_id) != (checked, firm_id)]
            if clash:
                raise Conflict(
                    f"name {quoted(name)} already belongs to a {clash[0].role} key; use another name"
                )
            if firm_id is not None and self.firms.get(conn, firm_id) is None:
                raise NotFound(f"unknown firm {quoted(firm_id)}")
            self.repo.add_key(conn, row)
        return NewKey(_info(row), f"{KEY_PREFIX}_{key_id}_{secret}")

    @staticmethod
    def _check_new_key(role: str, name: str, firm_id: str | None) -> Role:
        if role not in ROLES:
            raise InvalidInput(f"unknown role {quoted(role)} (expected one of {', '.join(ROLES)})")
        if not _NAME.match(name):
            raise InvalidInput(
                f"bad key name {quoted(name)} (expected 1-200 letters, digits, '.', '_', '@' or '-')"
            )
        if re.fullmatch(_KEY_ID, name):  # revoke reads a key id first: this name would name another key
            raise InvalidInput(f"bad key name {name!r}: twelve hexadecimal digits is the form of a key id; use another "
                               "name")
        if role == "firm" and not firm_id:
            raise InvalidInput("a firm key needs --firm-id (the firm it belongs to)")
        if role != "firm" and firm_id:
            raise InvalidInput(f"only firm keys have a firm id (got role {role!r})")
        return role

    def revoke(self, key_id_or_name: str) -> int:
        """Revoke one key by id, or every active key with this name; the number revoked."""
        with self.db.begin() as conn:
            row = self.repo.get_key(conn, key_id_or_name)
            ids = [row.key_id] if row else [k.key_id for k in self.repo.keys(conn, name=key_id_or_name)]
            if not ids:
                raise NotFound(f"no key with id or name {quoted(key_id_or_name)}")
            return self.repo.revoke(conn, ids)

    def list_keys(self, include_revoked: bool = False) -> list[KeyInfo]:
        with self.db.connect() as conn:
            return [_info(k) for k in self.repo.keys(conn, include_revoked=include_revoked)]

    def authenticate(self, token: str | None) -> Principal:
        """The principal behind a key, or AuthenticationError (never says which part was wrong)."""
        found = _TOKEN.match(token.strip()) if token else None
        if found is None:
            raise AuthenticationError("missing or malformed API key (send 'Authorization: Bearer <key>')")
        key_id, secret = found.groups()
        with self.db.connect() as conn:
            row = self.repo.get_key(conn, key_id)
        # Compare even when the row is missing so timing does not reveal which key ids exist.
        expected = row.secret_hash if row is not None else _hash("")
        if not hmac.compare_digest(expected, _hash(secret)) or row is None or row.revoked_at is not None:
            raise AuthenticationError("unknown or revoked API key")
        info = _info(row)
        return Principal(info.key_id, info.name, info.role, info.firm_id)

    def principal_of(self, key_id: str) -> Principal:
        """The principal behind a key that was authenticated before (a web session's); AuthenticationError
        once the key is revoked, so revoking a key ends every session opened with it."""
        with self.db.connect() as conn:
            row = self.repo.get_key(conn, key_id)
        if row is None or row.revoked_at is not None:
            raise AuthenticationError("unknown or revoked API key")
        info = _info(row)
        return Principal(info.key_id, info.name, info.role, info.firm_id)

    # ------------------------------------------------------------------ partners and firms
    def assign(self, partner: str, firm_id: str, actor: str) -> bool:
        """Let the partner named ``partner`` see ``firm_id``; True when newly assigned."""
        with self.db.begin() as conn:
            self._require_partner(conn, partner)
            if self.firms.get(conn, firm_id) is None:
                raise NotFound(f"unknown firm {quoted(firm_id)}")
            return self.repo.assign(conn, partner, firm_id, actor)

    def unassign(self, partner: str, firm_id: str) -> None:
        with self.db.begin() as conn:
            if not self.repo.unassign(conn, partner, firm_id):
                raise NotFound(f"firm {quoted(firm_id)} is not assigned to partner {quoted(partner)}")

    def assigned_firms(self, partner: str) -> list[str]:
        with self.db.connect() as conn:
            self._require_partner(conn, partner)
            return self.repo.firms_of(conn, partner)

    def partner_names(self) -> list[str]:
        """Names with an active partner key, sorted."""
        return sorted({k.name for k in self.list_keys() if k.role == "partner"})

    def require_partner_view(self, principal: Principal, partner: str) -> None:
        """Officers see every partner's assignments; a partner sees only their own."""
        if principal.role != "officer" and (principal.role, principal.name) != ("partner", partner):
            raise PermissionDenied(f"this key may not see the assignments of partner {quoted(partner)}")

    def _require_partner(self, conn: Connection, partner: str) -> None:
        keys = self.repo.keys(conn, name=partner, include_revoked=True)
        if not any(k.role == "partner" for k in keys):
            raise NotFound(f"unknown partner {quoted(partner)} (expected the name of a partner key)")

    def can_see_firm(self, principal: Principal, firm_id: str) -> bool:
        if principal.role == "officer":
            return True
        if principal.role == "firm":  # as the store compares ids: 'café' typed as NFD is the NFC firm
            return principal.firm_id == canonical_id(firm_id)
        with self.db.connect() as conn:
            return self.repo.is_assigned(conn, principal.name, firm_id)

    def visible_firm_ids(self, principal: Principal) -> list[str] | None:
        """The firms this principal may see; None means every firm (officers)."""
        if principal.role == "officer":
            return None
        if principal.role == "firm":
            return [principal.firm_id] if principal.firm_id else []
        with self.db.connect() as conn:
            return self.repo.firms_of(conn, principal.name)

    def require_firm(self, principal: Principal, firm_id: str) -> None:
        """PermissionDenied unless the principal may see this firm. The message never says whether a firm
        the caller may not see exists."""
        if not self.can_see_firm(principal, firm_id):
            # The id is not echoed: a 403 body carries nothing about a firm the caller may not see.
            raise PermissionDenied("this key may not access that firm (officers: all; partners: assigned firms; "
                                   "firm keys: their own)")

    def require_role(self, principal: Principal, *roles: Role) -> None:
        if principal.role not in roles:
            named = " or ".join(roles)
            article = "an" if named.startswith("officer") else "a"  # the roles: officer, partner, firm
            raise PermissionDenied(f"this route needs {article} {named} key (this key's role is {principal.role!r})")
