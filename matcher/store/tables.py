"""Every table module, imported so that ``metadata`` holds all their tables when ``db`` creates them."""

from __future__ import annotations

from matcher.store import (
    access,  # API keys and partner assignments
    awards,  # award history and supplier identities
    cancellations,  # notices a later notice cancelled
    corrections,  # what corrigenda change in the notices they correct, and notices' aliases
    digests,  # email digests: runs, sends, unsubscribe tokens
    feeds,  # live feeds: what to fetch, cursors, last results
    firm_suggestions,  # each firm's ranked suggested codes, for firms-for's first stage
    firms,
    ingest_ledger,  # source files already ingested
    locks,  # named leases (the digest run)
    sessions,  # the web workspace's sign-in sessions and page visits
    shortlists,
    slots,  # the scheduler's claimed slots
    subscriptions,
    tenders,
    versions,  # change counters for caches
)
from matcher.store.metadata import metadata

__all__ = [
    "access", "awards", "cancellations", "corrections", "digests", "feeds", "firm_suggestions", "firms",
    "ingest_ledger", "locks", "metadata", "sessions", "shortlists", "slots", "subscriptions", "tenders", "versions",
]
