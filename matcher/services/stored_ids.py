"""Ids stored before they were kept in NFC, made NFC (``matcher.store.id_normalisation``), and what the search
index still holds of them.

The index is derived from the store: its builds name notices by the ids they had when embedded
(``hashes.json``). A build made while a notice's id was stored in NFD keeps that id until the next sync, which
finds it gone from the store and the NFC id new, and re-embeds it; a notice whose JSON record changed (its id,
or the ids it cancels, corrects or is known by) hashes differently and is re-embedded too. So the run says
when a sync is due instead of touching a build's files.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace

from sqlalchemy.exc import DataError, IntegrityError

from matcher.errors import MatcherError
from matcher.search.build_files import DamagedFile
from matcher.search.index_folder import IndexFolder
from matcher.search.index_sync import read_hashes
from matcher.services.engine import Engine
from matcher.store.id_normalisation import IdReport, normalise
from matcher.store.tenders import TenderRepository


@dataclass(frozen=True)
class IdNormalisation:
    report: IdReport
    dry_run: bool
    #: The serving index build (None: none built), and how many of the notice ids it holds are not in NFC.
    index_build: str | None = None
    index_unnormalised: int = 0
    #: Why the build's ids could not be read (then a rebuild is due), or None.
    index_unreadable: str | None = None

    @property
    def sync_due(self) -> bool:
        """Whether ``matcher index build`` should run: the build names notices by ids no longer stored, or the
        run rewrote (or would rewrite) stored notices it embedded."""
        notices = any(label.startswith("tenders.") for label in (*self.report.rows, *self.report.records)) or \
            bool(self.report.merges or self.report.corrected)
        return self.index_build is not None and (self.index_unnormalised > 0 or notices or bool(self.index_unreadable))


class _DryRun(Exception):
    """Raised out of the transaction of a dry run, which rolls back what it wrote."""

    def __init__(self, report: IdReport) -> None:
        super().__init__("dry run")
        self.report = report


class StoredIds:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def normalise(self, dry_run: bool = False) -> IdNormalisation:
        """Every stored id in NFC, in one transaction; a dry run does the same work and rolls it back, so what
        it reports is what the run would do."""
        try:
            with self.engine.db.begin() as conn:
                report = normalise(conn, TenderRepository(self.engine.open_rule))
                if dry_run:
                    raise _DryRun(report)
        except _DryRun as done:
            report = done.report
        except (IntegrityError, DataError) as exc:  # another process wrote one of the ids meanwhile
            raise MatcherError(f"ids could not be normalised, nothing was changed: {exc.orig}; run it again") from exc
        return self._with_index(IdNormalisation(report, dry_run))

    def _with_index(self, result: IdNormalisation) -> IdNormalisation:
        settings = self.engine.settings
        try:
            folder = IndexFolder(settings.indexes_dir / settings.index_name).current()
            if folder is None:
                return result
            ids = read_hashes(folder)
        except DamagedFile as exc:  # the store's part is done: say it, do not end in an error
            return replace(result, index_build=exc.path.parent.name, index_unreadable=f"{exc.path}: {exc.problem}")
        unnormalised = sum(1 for tid in ids if not unicodedata.is_normalized("NFC", tid))
        return replace(result, index_build=folder.name, index_unnormalised=unnormalised)
