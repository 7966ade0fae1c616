"""Persistence: SQLAlchemy Core tables, SQLite by default, any SQLAlchemy URL by configuration.

Imports run one way (checked by ``tests/store/test_import_graph.py``): ``metadata`` and ``_common`` at the
bottom; the table modules above them (``tenders`` uses ``cancellations``, and the repositories that feed
caches use ``versions``); ``tables`` imports every table module; ``db`` (the engine and ``Database``) imports
``tables`` so that ``Database.create_all`` creates them all. No table module imports ``db``.
"""

from __future__ import annotations

from matcher.errors import StoredRecordInvalid
from matcher.store.db import Database
from matcher.store.firms import FirmRepository
from matcher.store.tenders import TenderFilter, TenderRepository

__all__ = ["Database", "FirmRepository", "StoredRecordInvalid", "TenderFilter", "TenderRepository"]
