"""Persistence: SQLAlchemy Core tables, SQLite by default, any SQLAlchemy URL by configuration."""

from __future__ import annotations

from matcher.store.db import Database
from matcher.store.firms import FirmRepository
from matcher.store.tenders import TenderFilter, TenderRepository

__all__ = ["Database", "FirmRepository", "TenderFilter", "TenderRepository"]
