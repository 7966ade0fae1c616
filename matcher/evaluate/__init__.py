"""Time-split evaluation on award history: split, metrics, methods (the shipped ranking and baselines),
report. See ``matcher evaluate`` and ``notebooks/evaluation.ipynb``."""

from __future__ import annotations
