"""The shipped code lists: CPV 2008 and UNGM UNSPSC labels keyed by scheme-prefixed code.

Kept apart from ``matcher.normalize.codes`` (the hierarchy and how close two codes are) because the schema itself needs
labels: a notice's searched text includes the labels of its codes (``Tender.text``), and this module
imports nothing of the project.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources

from cachetools import LRUCache, cached


@dataclass(frozen=True)
class CodeBook:
    """Labels for every known code, keyed by the scheme-prefixed code (``CPV:45210000``), and translations of
    them keyed by language (``translations["ko"]["CPV:34114121"] == "구급차, 앰뷸런스"``)."""

    labels: dict[str, str]
    translations: Mapping[str, dict[str, str]] = field(default_factory=dict)

    def label(self, code: str) -> str | None:
        return self.labels.get(code)

    def label_in(self, code: str, language: str) -> str | None:
        """The code's label in ``language`` ("en" is the list's own), or None when none ships."""
        if language == "en":
            return self.labels.get(code)
        return self.translations.get(language, {}).get(code)

    def synonyms_in(self, code: str, language: str) -> tuple[str, ...]:
        """Other names of the code in ``language`` than its label's (``synonyms_cpv2008_<lang>.json.gz``, Korean
        only): "자동심장충격기" for 33182100, labelled 제세동기. Empty where none ship."""
        return synonyms(language).get(code, ())

    def __contains__(self, code: object) -> bool:
        return code in self.labels


def _read_packaged(name: str) -> bytes:
    path = resources.files("matcher.data.codelists").joinpath(name)
    return gzip.decompress(path.read_bytes())


# One value: the shipped lists, read once per process. Nothing invalidates it (they change with the package).
@cached(LRUCache(maxsize=1), lock=threading.Lock())
def codebook() -> CodeBook:
    """The shipped CPV 2008 and UNGM UNSPSC lists (loaded once, about 20k labels), and the CPV list's labels in
    Korean and the EU's other official languages (``cpv2008_<lang>.json.gz``, see the code lists' README)."""
    labels: dict[str, str] = {}
    cpv = json.loads(_read_packaged("cpv2008_en.json.gz"))
    for code, label in cpv.items():
        labels["CPV:" + code.split("-")[0]] = label
    reader = csv.DictReader(io.StringIO(_read_packaged("unspsc_ungm_en.csv.gz").decode("utf-8-sig")))
    for row in reader:
        code = row["Code"].strip()
        if code.isdigit():
            labels["UNSPSC:" + code] = row["Title"].strip()
    return CodeBook(labels, Translations(labels))


class Translations(Mapping[str, dict[str, str]]):
    """The CPV labels per shipped language, each language read on first use: Korean serves every Korean
    profile, the EU languages only the reasons for notices written in them, and reading all 24 files costs a
    process 0.21 s instead of 0.05 s (measured on the project's 2 cores)."""

    def __init__(self, labels: dict[str, str]) -> None:
        self._labels, self._languages = labels, translated_languages()
        self._loaded: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def __getitem__(self, language: str) -> dict[str, str]:
        if language not in self._languages:
            raise KeyError(language)
        with self._lock:
            if language not in self._loaded:
                shipped = json.loads(_read_packaged(f"cpv2008_{language}.json.gz"))
                self._loaded[language] = {"CPV:" + code: label for code, label in shipped.items()
                                          if "CPV:" + code in self._labels}
            return self._loaded[language]

    def __iter__(self) -> Iterator[str]:
        return iter(self._languages)

    def __len__(self) -> int:
        return len(self._languages)


def translated_languages() -> list[str]:
    """The languages the CPV list's labels ship in besides English (``cpv2008_<lang>.json.gz``): Korean, and
    the EU's other official languages."""
    folder = resources.files("matcher.data.codelists")
    names = (entry.name for entry in folder.iterdir())
    return sorted(name.split("_")[1].split(".")[0] for name in names
                  if name.startswith("cpv2008_") and name.endswith(".json.gz") and name != "cpv2008_en.json.gz")


@cached(LRUCache(maxsize=4), lock=threading.Lock())
def synonyms(language: str) -> dict[str, tuple[str, ...]]:
    """The shipped synonyms of the CPV labels in ``language`` (code lists' README), keyed by scheme-prefixed
    code; empty for a language none ship in. Read on first use."""
    name = f"synonyms_cpv2008_{language}.json.gz"
    if not resources.files("matcher.data.codelists").joinpath(name).is_file():
        return {}
    return {"CPV:" + code: tuple(names) for code, names in json.loads(_read_packaged(name)).items()}
