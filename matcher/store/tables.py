"""Imports every table module so ``metadata.create_all`` sees all tables."""

from __future__ import annotations

from matcher.store import firms, shortlists, tenders
from matcher.store import digests, locks, subscriptions  # noqa: F401  (email digests)

__all__ = ["firms", "shortlists", "tenders"]
