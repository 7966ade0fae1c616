"""Imports every table module so ``metadata.create_all`` sees all tables."""

from __future__ import annotations

from matcher.store import firms, tenders

__all__ = ["firms", "tenders"]
