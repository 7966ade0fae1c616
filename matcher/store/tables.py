"""Imports every table module so ``metadata.create_all`` sees all tables."""

from __future__ import annotations

from matcher.store import firms, shortlists, tenders

__all__ = ["firms", "shortlists", "tenders"]
