"""Amounts in euros, only for judging whether a tender's size fits a firm's range.

The rates (``matcher.reference.exchange_rates``) are rounded 2024 averages. Value fit tolerates a factor of two
either way, so a few percent of drift does not change a ranking; an unknown currency makes the fit "unknown",
never wrong.
"""

from __future__ import annotations

from matcher.reference.exchange_rates import PER_EUR

__all__ = ["PER_EUR", "to_eur"]


def to_eur(amount: float, currency: str | None) -> float | None:
    """The amount in euros, or None when the currency is unknown."""
    if currency is None:
        return None
    rate = PER_EUR.get(currency.upper())
    return amount / rate if rate else None
