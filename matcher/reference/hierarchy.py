"""Where a code sits in its scheme's tree: the digits that carry meaning, and whether one code covers another.

The one rule the schema needs (a firm may not decline a code covering one of its own) and the rest of the
hierarchy (``matcher.normalize.codes``, how close two codes are) read. It imports nothing of the project.
"""

from __future__ import annotations

#: Schemes whose codes nest by their leading digits, and how many digits a level takes (UNSPSC: pairs).
LEVEL_STEP = {"CPV": 1, "UNSPSC": 2}
#: No code of a hierarchical scheme is read coarser than this many digits (a CPV division, a UNSPSC segment).
MINIMUM_DIGITS = 2


def significant(scheme: str, digits: str) -> str:
    """The digits that carry meaning: CPV '45210000' -> '4521' (levels end where the zeros start), UNSPSC
    '43230000' -> '4323' (whole digit pairs), never fewer than ``MINIMUM_DIGITS``."""
    stripped = digits.rstrip("0")
    kept = digits[: max(len(stripped), MINIMUM_DIGITS)]
    if LEVEL_STEP.get(scheme) == 2:
        kept = kept[: len(kept) + len(kept) % 2]
    return kept


def covers(code: str, other: str) -> bool:
    """True when ``other`` is ``code`` or a code under it in its scheme's tree ('CPV:33110000' covers
    'CPV:33111000'; a code of a scheme without a tree covers only itself)."""
    if code == other:
        return True
    scheme, _, digits = code.partition(":")
    other_scheme, _, other_digits = other.partition(":")
    if scheme != other_scheme or scheme not in LEVEL_STEP or not digits or not other_digits:
        return False
    return significant(other_scheme, other_digits).startswith(significant(scheme, digits))
