"""Domain errors. They are turned into messages in exactly two places: ``api/errors.py`` and the CLI."""

from __future__ import annotations


class MatcherError(Exception):
    """Base class for every error the core raises on purpose."""


class InvalidInput(MatcherError):
    """A value, record or file does not have the expected shape. The message names the value."""


class UnreadableFile(InvalidInput):
    """A whole file cannot be read (bad XML, bad JSON, wrong encoding): nothing from it is stored."""


class NotPublicAddress(InvalidInput):
    """A feed's address is, or resolves to, one a feed may not fetch from (loopback, private, link-local...)."""

    def __init__(self, message: str, host: str) -> None:
        super().__init__(message)
        self.host = host


class NotFound(MatcherError):
    """An id names nothing that is stored."""


class IndexNotReady(MatcherError):
    """Search was asked of an index that is not built, or was built for another encoder."""


class Conflict(MatcherError):
    """The request clashes with stored state (a duplicate, a run already in progress)."""


class PreconditionFailed(MatcherError):
    """A change was made on condition that the record is still the version the caller read (HTTP If-Match),
    and it is not: another change was stored since. Nothing of this change is stored."""


class PermissionDenied(MatcherError):
    """The caller may not see or change this object."""


class StoredRecordInvalid(MatcherError):
    """A record read back from the store does not validate against its model (``matcher.store.records``). The app
    stores only records its models made, and reads them without the rules added since (``STORED``), so this is a
    row changed outside the app (by hand, by another program) to break a rule that has always held. One line names
    the table, the row's key and the first rule broken; ``matcher store check`` lists every such row."""

    def __init__(self, table: str, key: str, problem: str) -> None:
        self.table, self.key, self.problem = table, key, problem
        super().__init__(f"stored record {self.line}; run 'matcher store check' to list every stored record that "
                         "breaks a rule")

    @property
    def line(self) -> str:
        """The row and its problem, as ``matcher store check`` prints it."""
        return f"{self.table} {self.key}: {self.problem}"
