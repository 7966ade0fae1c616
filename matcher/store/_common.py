"""Helpers shared by the repositories: the clock and id lists cut to a size every backend accepts."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def chunks(items: list[str], size: int = 500) -> list[list[str]]:
    """Split id lists so IN (...) stays under every backend's parameter limit."""
    return [items[i : i + size] for i in range(0, len(items), size)]
