"""Tender matcher: rank overseas public tenders for export-ready firms, with reasons."""

from __future__ import annotations

__version__ = "0.1.0"
