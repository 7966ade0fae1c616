"""The shipped code lists' labels as vectors: one matrix per (encoder, scheme), built once per process.

Only codes at a level worth suggesting are embedded: CPV classes and below (at least four significant
digits: ``33110000`` "Imaging equipment...", ``33111000`` "X-ray devices", ``38421100`` "Water meters"; 9,141
of the 9,458 labels) and UNSPSC classes and commodities (at least six significant digits; about 12,500 of
13,244). Divisions and groups ("Medical equipments") are never suggested, so their labels are not embedded.

Cost, measured with ``use-multilingual`` on the shared 2-core machine (evaluation/CODE_INFERENCE.md): 0.8 ms
a label when the machine was quiet (2,000 labels in 1.6 s), 5.8 ms when other jobs shared it (9,141 CPV labels
in 53 s, 12,557 UNSPSC labels in 55 s). That is paid once per home: the vectors go into the embedding cache
(keyed by encoder and text) and later processes read the CPV matrix back in 0.2-1.0 s. So both matrices are
built lazily, on the first suggestion (not at start-up, not in ``make run``), and the UNSPSC one only where
that scheme is in use. Restricting CPV further (to categories, 5 digits) would save little and lose the
deepest labels, which name products ("Water meters" is 38421100, seven digits).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
from cachetools import LRUCache

from matcher.normalize.codes import codebook
from matcher.search.encoders import Embedder

log = logging.getLogger(__name__)

Scheme = Literal["CPV", "UNSPSC"]
#: Significant digits of the coarsest suggested code, and of the unit suggestions are deduplicated on
#: (one suggestion per CPV class / UNSPSC class), per scheme.
MIN_DIGITS: dict[str, int] = {"CPV": 4, "UNSPSC": 6}
CLASS_DIGITS: dict[str, int] = {"CPV": 4, "UNSPSC": 6}
GROUP_DIGITS: dict[str, int] = {"CPV": 3, "UNSPSC": 4}
#: Label spaces kept in memory, one per (encoder id, scheme): a process uses one encoder, tests a second (the
#: fake). Nothing invalidates a space: the code lists ship with the package and the key names the encoder.
LABEL_SPACES_CACHED = 4


def significant(code: str) -> str:
    """The digits that carry meaning: 'CPV:45210000' -> '4521'."""
    return code.partition(":")[2].split("-")[0].rstrip("0")


def class_key(code: str) -> str | None:
    """'CPV:33111600' -> 'CPV:3311' (its class), or None for a code coarser than a class."""
    scheme, _, digits = code.partition(":")
    width = CLASS_DIGITS.get(scheme)
    if width is None or len(significant(code)) < width:
        return None
    return f"{scheme}:{digits[:width]}"


def group_key(code: str) -> str | None:
    """'CPV:33111600' -> 'CPV:331' (its group); None for an unknown scheme or a division."""
    scheme, _, digits = code.partition(":")
    width = GROUP_DIGITS.get(scheme)
    if width is None or len(digits) < width:
        return None
    return f"{scheme}:{digits[:width]}"


@dataclass(frozen=True)
class LabelSpace:
    """Embedded labels of one scheme, and the class each code belongs to (for per-class maxima)."""

    scheme: str
    codes: list[str]
    labels: list[str]
    matrix: np.ndarray  # (n, dim) float32, unit rows
    classes: list[str]  # distinct class keys
    class_of: np.ndarray  # (n,) index into ``classes``

    def class_scores(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per class: the best label cosine with ``query`` and the row of the code that has it."""
        cosines = self.matrix @ query
        order = np.lexsort((-cosines, self.class_of))  # by class, best cosine first within each class
        first = np.ones(len(order), dtype=bool)
        first[1:] = self.class_of[order][1:] != self.class_of[order][:-1]
        best_rows = order[first]
        return cosines[best_rows], best_rows


def _entries(scheme: Scheme) -> list[tuple[str, str]]:
    prefix = scheme + ":"
    return sorted(
        (code, label) for code, label in codebook().labels.items()
        if code.startswith(prefix) and len(significant(code)) >= MIN_DIGITS[scheme]
    )


def build_space(embedder: Embedder, scheme: Scheme) -> LabelSpace:
    entries = _entries(scheme)
    started = time.perf_counter()
    matrix = embedder.encode_documents([label for _, label in entries])
    log.info("embedded %d %s labels with %s in %.1f s", len(entries), scheme, embedder.encoder_id,
             time.perf_counter() - started)
    keys = [class_key(code) or code for code, _ in entries]
    classes = sorted(set(keys))
    position = {key: i for i, key in enumerate(classes)}
    return LabelSpace(
        scheme, [c for c, _ in entries], [lab for _, lab in entries], matrix, classes,
        np.array([position[k] for k in keys], dtype=np.int64),
    )


_spaces: LRUCache[tuple[str, str], LabelSpace] = LRUCache(maxsize=LABEL_SPACES_CACHED)
_lock = threading.Lock()


def label_space(embedder: Embedder, scheme: Scheme) -> LabelSpace:
    """The label matrix of ``scheme`` for this embedder's encoder, built on first use and kept in memory
    (a lock keeps two first requests from embedding the same 9,000 labels twice)."""
    key = (embedder.encoder_id, scheme)
    with _lock:
        space = _spaces.get(key)  # a hit becomes the most recently used
        if space is None:
            space = _spaces[key] = build_space(embedder, scheme)
        return space
