"""One record per id in a batch: the API's tender batch, a firm file. A store keeps one row per id, so a batch
naming an id twice would keep one of the two without a word (an outside trial found exactly that)."""

from __future__ import annotations

from collections.abc import Iterable


def repeated_ids(placed: Iterable[tuple[str, str]]) -> str | None:
    """What names an id more than once among ``(id, where)`` pairs, each id with all its places in order
    ("'a' at tenders.0 and tenders.2; 'b' at tenders.1, tenders.4 and tenders.5"), or None when none does."""
    places: dict[str, list[str]] = {}
    for found, where in placed:
        places.setdefault(found, []).append(where)
    repeated = [f"{found!r} at {_listed(at)}" for found, at in places.items() if len(at) > 1]
    return "; ".join(repeated) or None


def _listed(places: list[str]) -> str:
    return f"{', '.join(places[:-1])} and {places[-1]}"
