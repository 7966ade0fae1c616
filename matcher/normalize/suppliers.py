"""Supplier name resolution: published spellings -> one identity per firm.

Award notices spell the same firm many ways ("Bluefors Oy", "BlueFors Cryogenics Oy Ltd", "BLUEFORS OY",
"Blue fors Oy", "DE_Bluefors Oy"). The merge rule, applied in this order:

1. **Key.** Accents are folded, case is folded, ``&`` becomes ``and``, punctuation becomes space, a leading
   market tag (``DE_``) and a leading ``the`` / ``société`` are dropped, and legal-form words are removed:
   unambiguous ones (Ltd, Limited, GmbH, Oy, Inc, BV, PLC, LLC, SAS, ...) wherever they stand, short
   ambiguous ones (SA, AS, SE, NV, Co, ...) only at the end. Names equal after this are one firm.
2. **Spacing.** Keys equal once spaces are removed are one firm ("ice oxford" = "iceoxford").
3. **Typos.** Keys of 12+ characters with the same words but one, where that one word (4+ letters, same
   first letter) is misspelt (one edit or transposition; two when both spellings have 6+ letters), are one
   firm ("hitachi high technologies eurpore" = "... europe"), but "... edmonton" and "... moncton" are not.
4. **Shortened names.** A key that is the leading words of other keys is merged with them when all those
   longer keys already belong to *one* firm ("bluefors" + "bluefors cryogenics"), and never when its only
   word is generic ("canadian", "international"): a short name shared by two different firms stays apart.

Placeholders that are not names ("TBC", "No award made", "n/a") resolve to no identity.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_LEGAL_ANYWHERE = _words(
    """ltd limited gmbh mbh oy oyj ab inc incorporated corp corporation llc llp plc bv sarl sas sasu srl
    sprl bvba aps kgaa ltee ltda pty pvt kft doo zrt oü ou"""
)
_LEGAL_TRAILING = _words("sa as se nv ag co company lp cv sl gie sc ek ev kg and")
_LEGAL_PHRASES = (("s", "a"), ("a", "s"), ("s", "l"), ("b", "v"), ("n", "v"), ("s", "p", "a"),
                  ("s", "a", "s"), ("s", "r", "l"), ("sp", "z", "o", "o"), ("co", "kg"), ("and", "co"))
_LEADING = frozenset({"the", "societe", "ste", "ets", "etablissements", "firma"})
#: Words that cannot identify a firm on their own (a one-word key made of one never absorbs longer keys).
GENERIC = _words(
    """canadian canada national international general global north american atlantic pacific western eastern
    northern southern united royal city university advanced applied professional standard quality first new
    best central metro service services system systems group solutions technologies technology engineering
    consulting consultants construction industries industrial enterprises management associates partners
    medical scientific research design data energy environmental"""
)
NOT_A_NAME = frozenset({"tbc", "tba", "n a", "na", "none", "unknown", "no award made", "not awarded",
                        "various", "multiple", "confidential", "withheld"})
_TAG = re.compile(r"^[A-Za-z]{2}_")
_PUNCT = re.compile(r"[^\w]+|_")
_TRADING_AS = re.compile(r"\s+(t/a|trading as|d/b/a|dba)\s+.*$", re.IGNORECASE)
TYPO_MIN_CHARS = 12


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def _strip_trailing(tokens: list[str]) -> list[str]:
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        for phrase in _LEGAL_PHRASES:
            if len(tokens) > len(phrase) and tuple(tokens[-len(phrase):]) == phrase:
                tokens, changed = tokens[: -len(phrase)], True
        if len(tokens) > 1 and tokens[-1] in _LEGAL_TRAILING:
            tokens, changed = tokens[:-1], True
    return tokens


def name_key(name: str) -> str:
    """Rule 1: the normalised key of a published name ('' for placeholders such as 'TBC')."""
    text = _TRADING_AS.sub("", _TAG.sub("", name.strip()))
    text = _fold(text).replace("&", " and ")
    if " ".join(_PUNCT.sub(" ", text).split()) in NOT_A_NAME or _fold(name).startswith("tbc"):
        return ""
    tokens = [t for t in _PUNCT.sub(" ", text).split() if t]
    while len(tokens) > 1 and tokens[0] in _LEADING:
        tokens = tokens[1:]
    kept = [t for t in tokens if t not in _LEGAL_ANYWHERE] or tokens[:1]
    return " ".join(_strip_trailing(kept))


class _Clusters:
    """Union-find over keys; the representative is the smallest key, so ids are stable."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.parent = {k: k for k in keys}

    def find(self, key: str) -> str:
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            low, high = sorted((ra, rb))
            self.parent[high] = low


@dataclass
class SupplierResolver:
    """Maps published supplier names to identity ids (``sup:<key>``), fitted on a set of names."""

    identity_of_key: dict[str, str] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)

    def fit(self, names: Iterable[str]) -> SupplierResolver:
        counts = Counter(n.strip() for n in names if n and n.strip())
        keys = {name: name_key(name) for name in counts}
        clusters = _Clusters({k for k in keys.values() if k})
        _merge_spacing(clusters)
        _merge_typos(clusters)
        _merge_prefixes(clusters)
        self.identity_of_key = {k: "sup:" + clusters.find(k).replace(" ", "-") for k in clusters.parent}
        spellings: dict[str, Counter[str]] = defaultdict(Counter)
        for name, count in counts.items():
            if keys[name]:
                spellings[self.identity_of_key[keys[name]]][name] += count
        self.display = {ident: c.most_common(1)[0][0] for ident, c in spellings.items()}
        return self

    def resolve(self, name: str) -> str | None:
        """The identity of a name; a name not seen in ``fit`` gets the identity of its key (or None)."""
        key = name_key(name)
        if not key:
            return None
        return self.identity_of_key.get(key, "sup:" + key.replace(" ", "-"))

    def name(self, identity: str) -> str:
        return self.display.get(identity, identity.removeprefix("sup:").replace("-", " "))


def _merge_spacing(clusters: _Clusters) -> None:
    by_compact: dict[str, str] = {}
    for key in sorted(clusters.parent):
        compact = key.replace(" ", "")
        if compact in by_compact:
            clusters.union(by_compact[compact], key)
        else:
            by_compact[compact] = key


def _merge_typos(clusters: _Clusters) -> None:
    blocks: dict[tuple[str, int], list[str]] = defaultdict(list)
    for key in sorted(clusters.parent):
        if len(key) >= TYPO_MIN_CHARS:
            blocks[(key.split()[0], len(key.split()))].append(key)
    for block in blocks.values():
        for i, a in enumerate(block[:300]):  # a huge block would be quadratic; long lists are rare
            for b in block[i + 1 : 300]:
                if _one_misspelt_word(a.split(), b.split()):
                    clusters.union(a, b)


def _one_misspelt_word(a: list[str], b: list[str]) -> bool:
    differing = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    if len(differing) != 1:
        return False
    x, y = differing[0]
    if min(len(x), len(y)) < 4 or x[0] != y[0]:
        return False
    return edit_distance(x, y) <= (2 if min(len(x), len(y)) >= 6 else 1)


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, adjacent transpositions."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _merge_prefixes(clusters: _Clusters) -> None:
    keys = sorted(clusters.parent)
    for key in keys:
        words = key.split()
        if len(words) == 1 and (words[0] in GENERIC or len(words[0]) < 3):
            continue
        longer = [k for k in _with_prefix(keys, key + " ")]
        roots = {clusters.find(k) for k in longer}
        if len(roots) == 1:
            clusters.union(key, longer[0])


def _with_prefix(sorted_keys: list[str], prefix: str) -> list[str]:
    from bisect import bisect_left

    start = bisect_left(sorted_keys, prefix)
    out: list[str] = []
    for key in sorted_keys[start:]:
        if not key.startswith(prefix):
            break
        out.append(key)
    return out
