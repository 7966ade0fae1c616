"""Readers, one per source format. Each yields schema objects or ``Rejected`` records, never writes."""

from __future__ import annotations

from matcher.ingest.base import Rejected

__all__ = ["Rejected"]
