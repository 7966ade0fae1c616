"""Imports every table module so ``metadata.create_all`` sees all tables."""

from __future__ import annotations

from matcher.store import access as access  # API keys and partner assignments
from matcher.store import awards as awards  # award history and supplier identities
from matcher.store import cancellations as cancellations  # notices a later notice cancelled
from matcher.store import digests, firms, locks, shortlists, subscriptions, tenders  # noqa: F401  (email digests)
from matcher.store import ingest_ledger as ingest_ledger  # source files already ingested
from matcher.store import versions as versions  # change counters for caches

__all__ = ["firms", "shortlists", "tenders"]
