"""Training data from partner decisions: per firm, the ranking features of the tenders its partner approved
and of those it rejected, which ``matcher train-ranker`` adds to the award-history pairs."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from matcher.pipeline import Matcher
from matcher.store.shortlists import Status

DecisionPairs = list[tuple[np.ndarray, np.ndarray]]  # per firm: (approved rows, rejected rows)


def decision_features(matcher: Matcher, before: datetime | None = None) -> DecisionPairs:
    """Per firm with partner decisions made before ``before`` (the latest per tender): the ranking features
    of its approved and of its rejected tenders, with the feedback column left neutral so that a decision
    never explains itself."""
    latest: dict[str, dict[str, Status]] = {}
    for event in matcher.feedback_events(before=before):
        latest.setdefault(event.firm_id, {})[event.tender_id] = event.decision
    out: DecisionPairs = []
    for firm_id, decided in latest.items():
        tenders = matcher.fetch_tenders([t for t, s in decided.items() if s in ("approved", "rejected")])
        if not tenders:
            continue
        ids = list(tenders)
        matrix = matcher.feature_matrix(matcher.get_firm(firm_id), [tenders[t] for t in ids])
        approved = np.array([decided[t] == "approved" for t in ids])
        out.append((matrix[approved], matrix[~approved]))
    return out
