"""What every reader yields, and how files are opened (plain, gzip, folders, tar and zip archives; the
compressed ones within the decompression limits of ``matcher.ingest.bounded``)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import stat
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

from pydantic import BaseModel, ValidationError

from matcher.errors import UnreadableFile
from matcher.ingest.bounded import Budget, read_gzip_file, read_head, tar_members, zip_members
from matcher.paths import existing, kind_of
from matcher.schema import Tender


@dataclass(frozen=True)
class Rejected:
    """A record that could not be loaded; the rest of its file still loads."""

    record: str
    reason: str


@dataclass(frozen=True)
class Member:
    """One file's bytes, from disk or from inside an archive. ``name`` is used in error messages."""

    name: str
    data: bytes
    #: What the member's archive may still expand to: a .gz member is expanded by its reader, within it.
    budget: Budget | None = field(default=None, compare=False, repr=False)


def describe_validation_error(error: ValidationError) -> str:
    """One line naming each bad field and why, e.g. ``buyer_country: unknown country 'XX' (...)``."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "record"
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


#: Bump when any reader's output changes for the same input bytes: every file is then parsed again.
READERS_VERSION = "19"  # 2: contract_nature, test notices rejected; 3: design_contest; 4: duplicate ids rejected,
# a call closing before its publication day refused in tables; 5: format characters that draw nothing dropped from
# the text shown (matcher.characters.shown_text), so a notice stored with them is read and stored again; 6: an OCDS
# record in a folder or archive named by its path inside it (a/package.json), not its file name alone; 7: an OCDS
# ocid in NFC and NFD one process, and two ocids making one notice id keep the first; 8: a file of no records (empty,
# blank lines) refused in every format, an empty .jsonl no longer read as none; 9: an eForms notice whose deadline or
# publication date is written but unreadable rejected, not read without it; 10: a TED-XML one too;
# 11: a World Bank notice's unreadable submission_deadline_date too; 12: an OCDS tender.tenderPeriod.endDate too;
# 13: a World Bank notice without a readable publication date names the dates it could not read; 14: an OCDS
# currency written but no ISO 4217 code ('EURO', 'MNX') rejects its release by name, as TED's always did; 15: a CSV
# quote left open (or a character after a closed one) refuses the file, naming the line its record starts on; 16: a
# World Bank notice naming a country by a name that is neither a country nor a region ('Keyna') rejected by name;
# 17: one naming a key twice, or NaN/Infinity where text belongs, rejected; an answer keying a notice id twice too;
# 18: a World Bank project_ctry_name of names joined by ';' read as each name; 19: by ',' too ('Bolivia,Brazil')


def source_digest(path: Path, kind: str) -> str:
    """A digest of a file's bytes (a folder: every file's relative name and bytes), the format ``kind`` it
    is read as (``detect.tender_format``: the same bytes named .jsonl and .tar.gz read differently) and the
    readers' version. Equal digests mean re-reading would produce the same records."""
    digest = hashlib.blake2b(f"readers {READERS_VERSION}\nformat {kind}\n".encode(), digest_size=32)
    if not path.is_dir():
        regular_file(path)
    try:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(f"{file.relative_to(path) if path.is_dir() else ''}\n".encode())
            with file.open("rb") as handle:
                while block := handle.read(1 << 20):
                    digest.update(block)
    except OSError as exc:
        raise UnreadableFile(f"cannot read {path}: {exc.strerror or exc}") from exc
    return digest.hexdigest()


#: What ``ingest tenders`` takes; ``TABLE_FILE`` what the readers of one table (firms, UNGM, awards) take.
ANY_SOURCE = "a file, a folder or an archive"
TABLE_FILE = "a .csv, .json or .jsonl file, optionally .gz"


def regular_file(path: Path, expected: str = ANY_SOURCE) -> None:
    """Refuse, unopened, a path that is not a regular file: opening a named pipe waits for a writer (for ever
    without one), a device may never end, and ingest reads a file more than once (its digest, its format, its
    records). A folder's own pipes and devices are skipped where it is walked (``is_file``). ``expected`` says
    what the reader takes: a command that takes no folder must not say it does."""
    mode = existing(path).st_mode
    if not stat.S_ISREG(mode):
        raise UnreadableFile(f"{path}: not a regular file but a {kind_of(mode)} (expected {expected})")


def is_gzipped(path: Path) -> bool:
    """Whether a file is read through gzip: a .gz name that is not a .tar.gz (tarfile reads those)."""
    return path.suffix == ".gz" and not path.name.endswith(".tar.gz")


def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped (within the decompression limits) when it ends in .gz. Missing, corrupt
    or over-limit files raise UnreadableFile."""
    regular_file(path)
    if is_gzipped(path):
        return read_gzip_file(path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"cannot read {path}: {exc.strerror or exc}") from exc


def read_start(path: Path, size: int) -> bytes:
    """At most the first ``size`` bytes ``read_bytes`` would return, without reading the rest."""
    return read_head(path, size, packed=is_gzipped(path))


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 text (a BOM is allowed); anything else is an UnreadableFile naming the file."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"{name}: not UTF-8 text (byte {exc.start}: {data[exc.start:exc.start + 1]!r}); "
            "re-save the file as UTF-8"
        ) from exc


#: Why a file (or an archive's member) of no records is refused, in every format alike.
NO_RECORDS = "empty file: it holds no records"
_BLANK = re.compile(rb"(?:\xef\xbb\xbf)?\s*")


def is_blank(data: bytes) -> bool:
    """Whether a file holds no records: empty, or only whitespace and blank lines (a UTF-8 BOM too)."""
    return _BLANK.fullmatch(data) is not None


def refuse_blank(data: bytes, name: str) -> bytes:
    """``data``, unless it ``is_blank``: then an UnreadableFile naming ``name``. An empty .jsonl read as '0 new'
    where an empty .json, .csv or .xml was an error, each saying something else."""
    if is_blank(data):
        raise UnreadableFile(f"{name}: {NO_RECORDS}")
    return data


def iter_members(path: Path, suffixes: tuple[str, ...]) -> Iterator[Member]:
    """Files with one of ``suffixes`` from a file, a folder (recursively), a .tar(.gz) or a .zip."""
    if path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            if child.name.lower().endswith(suffixes) or child.name.lower().endswith(
                tuple(s + ".gz" for s in suffixes)
            ):
                yield Member(str(child), read_bytes(child))
        return
    name = path.name.lower()
    if name.endswith((".tar.gz", ".tgz", ".tar")):
        members = tar_members(path, suffixes)
    elif name.endswith(".zip"):
        members = zip_members(path, suffixes)
    else:
        yield Member(str(path), read_bytes(path))
        return
    for member_name, data, budget in members:
        yield Member(member_name, data, budget)


def open_text_lines(data: bytes, name: str) -> Iterator[tuple[int, str]]:
    """Numbered non-blank lines of UTF-8 text (for JSONL)."""
    text = decode_text(data, name)
    for number, line in enumerate(io.StringIO(text), start=1):
        if line.strip():
            yield number, line


# ----------------------------------------------------------------------------- tables (CSV, JSON, JSONL)

TableFormat = Literal["csv", "json", "jsonl"]


@dataclass(frozen=True)
class Row:
    """One record of a table file: ``record`` names it in messages (``firms.csv:3``, ``firms.json#2``)."""

    record: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class Table:
    """A whole table file, parsed before anything is yielded. ``columns``: the CSV header, or every key
    used by a JSON record, in order of first appearance."""

    format: TableFormat
    columns: list[str]
    rows: list[Row | Rejected]


def table_format(path: Path) -> TableFormat:
    """The table format from the file name (``.gz`` ignored); anything else is an UnreadableFile."""
    name = path.name.lower().removesuffix(".gz")
    for suffix, kind in ((".csv", "csv"), (".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "json")):
        if name.endswith(suffix):
            return cast(TableFormat, kind)
    raise UnreadableFile(f"{path}: unknown table format (expected .csv, .json or .jsonl, optionally .gz)")


def read_table(path: Path) -> Table:
    """A CSV (UTF-8, header row), JSON array of objects or JSONL file, read whole.

    A file that cannot be parsed at all raises UnreadableFile; a bad JSONL line or a non-object item is a
    Rejected row and the rest loads."""
    regular_file(path, TABLE_FILE)  # before its name is judged: a missing file or a loop is not "an unknown format"
    kind = table_format(path)
    data = refuse_blank(read_bytes(path), str(path))
    if kind == "csv":
        return _csv_table(decode_text(data, str(path)), path)
    rows = _jsonl_rows(data, path) if kind == "jsonl" else _json_rows(data, path)
    columns: dict[str, None] = {}
    for row in rows:
        if isinstance(row, Row):
            columns.update(dict.fromkeys(row.fields))
    return Table(kind, list(columns), rows)


def load_json(text: str, name: str, marks_repeats: bool = False) -> Any:
    """``parse_json`` for one document of file ``name``. Nesting deeper than the parser can recurse (a hostile
    file: 100,000 ``[``) is an UnreadableFile naming the file; a syntax error is left to the caller."""
    try:
        return parse_json(text, marks_repeats)
    except RecursionError:
        raise UnreadableFile(f"{name}: JSON nested too deeply to read") from None


def parse_json(text: str, marks_repeats: bool = False) -> Any:
    """``json.loads``, with every lone UTF-16 surrogate in its strings and keys read as U+FFFD, as bad UTF-8 is
    elsewhere. JSON may escape half a pair ("\\ud800"), which no store can encode: in an OCDS release's ocid it
    was a UnicodeEncodeError traceback from ``matcher ingest`` (the feeds' JSON, ``matcher.feeds.http``, reads it
    here too). One odd character in a title must neither fail the file nor reach the store.

    An integer longer than Python reads (``sys.get_int_max_str_digits``, 4,300 digits) is a JSONDecodeError at
    its place, as a syntax error is: json.loads raises a bare ValueError, which no reader expected, and a firm
    file holding one stopped the import worker ("worker stopped", a traceback on its stderr).

    ``marks_repeats``: an object that names a key more than once is a ``Repeated`` (``repeated_keys`` finds it),
    which the file readers reject by record: json.loads keeps the last value without a word, so a firm file's
    '{"firm_id": "q1", "firm_id": "q2"}' stored q2, which the JSON API refuses (``api.deps.unique_keys``)."""
    try:
        value = json.loads(text, object_pairs_hook=_marked if marks_repeats else None)
    except json.JSONDecodeError:
        raise
    except ValueError as exc:
        if (long := _long_integer(text)) is None:
            raise
        limit = sys.get_int_max_str_digits()
        raise json.JSONDecodeError(
            f"a number of {len(long.group())} digits is too long to read (at most {limit})", text, long.start()
        ) from exc
    return _without_surrogates(value) if _MAYBE_SURROGATE.search(text) else value


def _long_integer(text: str) -> re.Match[str] | None:
    """The first run of digits in ``text`` longer than Python converts to an int, or None."""
    limit = sys.get_int_max_str_digits()  # 0: no limit
    return re.search(rf"\d{{{limit + 1},}}", text) if limit else None


#: Text that may hold a lone surrogate once parsed: an escaped one, or one decoded from CESU-8 bytes.
_MAYBE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _without_surrogates(value: Any) -> Any:
    """``value`` (parsed JSON) with every lone surrogate replaced by U+FFFD (a pair is one character once parsed)."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    if isinstance(value, dict):
        cleaned = {_without_surrogates(key): _without_surrogates(item) for key, item in value.items()}
        return Repeated(cleaned, value.repeated) if isinstance(value, Repeated) else cleaned
    return value


class Repeated(dict[str, Any]):
    """A JSON object that named some keys more than once (``parse_json``'s ``marks_repeats``): the last value of
    each, as json.loads keeps it, and the keys repeated."""

    def __init__(self, pairs: Mapping[str, Any], repeated: tuple[str, ...]) -> None:
        super().__init__(pairs)
        self.repeated = repeated


def _marked(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    counts = Counter(key for key, _ in pairs)
    return Repeated(obj, tuple(key for key, n in counts.items() if n > 1))


def repeated_keys(value: Any) -> tuple[str, ...]:
    """The keys the first object in ``value`` (parsed with ``marks_repeats``) that repeats any names twice or more."""
    if isinstance(value, Repeated):
        return value.repeated
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for item in items:
        if found := repeated_keys(item):
            return found
    return ()


def json_error(name: str, exc: json.JSONDecodeError) -> UnreadableFile:
    """A one-line UnreadableFile for a JSON syntax error, naming the file and the position."""
    return UnreadableFile(f"{name}: not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})")


def _json_rows(data: bytes, path: Path) -> list[Row | Rejected]:
    try:
        items = load_json(decode_text(data, str(path)), str(path), marks_repeats=True)
    except json.JSONDecodeError as exc:
        raise json_error(str(path), exc) from exc
    if not isinstance(items, list):
        raise UnreadableFile(f"{path}: expected a JSON array of objects, got {type(items).__name__}")
    return [_object_row(f"{path.name}#{number}", item) for number, item in enumerate(items, start=1)]


def _jsonl_rows(data: bytes, path: Path) -> list[Row | Rejected]:
    rows: list[Row | Rejected] = []
    for number, line in open_text_lines(data, str(path)):
        record = f"{path.name}:{number}"
        try:
            rows.append(_object_row(record, load_json(line.strip(), f"{path}:{number}", marks_repeats=True)))
        except json.JSONDecodeError as exc:
            rows.append(Rejected(record, f"not valid JSON at column {exc.colno} ({exc.msg})"))
    return rows


def _object_row(record: str, item: object) -> Row | Rejected:
    if not isinstance(item, dict):
        return Rejected(record, f"expected a JSON object, got {type(item).__name__}")
    if repeated := repeated_keys(item):
        return Rejected(record, repeated_reason(repeated))
    return Row(record, dict(item))


def repeated_reason(repeated: tuple[str, ...]) -> str:
    """Why a record naming the keys ``repeated`` more than once is rejected."""
    keys = ", ".join(repr(key[:60]) for key in repeated[:5])
    return f"names {keys} more than once: give each key once (which value was meant is unknown)"


def _csv_table(text: str, path: Path) -> Table:
    # strict: a quote left open read every later line into one field, and the record was rejected as missing its
    # title; it is now an error naming the line its record starts on, as a stray quote after a quoted field is.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise UnreadableFile(f"{path}: empty CSV file (expected a header row)") from None
    except csv.Error as exc:
        raise UnreadableFile(f"{path}: not readable CSV at line {reader.line_num} ({exc})") from exc
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates or "" in header:
        problem = f"duplicate columns {duplicates}" if duplicates else "a column without a name"
        raise UnreadableFile(f"{path}: the CSV header has {problem}")
    return Table("csv", header, list(_csv_rows(reader, header, path)))


def _csv_rows(reader: Any, header: list[str], path: Path) -> Iterator[Row | Rejected]:
    start = reader.line_num + 1
    try:
        for values in reader:
            record, start = f"{path.name}:{start}", reader.line_num + 1
            if not any(value.strip() for value in values):
                continue
            if len(values) > len(header):
                yield Rejected(record, f"{len(values)} values but the header has {len(header)} columns")
                continue
            yield Row(record, {name: value for name, value in zip(header, values, strict=False)})
    except csv.Error as exc:
        raise UnreadableFile(f"{path}: not readable CSV in the record from line {start} ({_csv_problem(exc)})") from exc


def _csv_problem(exc: csv.Error) -> str:
    """The csv module's words, with the one case they do not explain: the end of the file inside quotes."""
    return "a quoted field is not closed before the end of the file" if str(exc) == "unexpected end of data" \
        else str(exc)


R = TypeVar("R", bound=BaseModel)


def collect(records: Iterable[R | Rejected], kind: type[R]) -> tuple[list[R], list[Rejected]]:
    """A reader's output split into its records of ``kind`` and its rejections, in order."""
    items: list[R] = []
    rejected: list[Rejected] = []
    for record in records:
        if isinstance(record, Rejected):
            rejected.append(record)
        elif isinstance(record, kind):
            items.append(record)
    return items, rejected


# ----------------------------------------------------------------------------- one id twice in one file


def duplicate_reason(what: str, first: str, differs: Sequence[str]) -> str:
    """Why a later record of one id in one file is rejected: ``what`` names the id, ``first`` where it was read."""
    copy = f"differs in {', '.join(differs)}" if differs else "is an identical copy"
    return f"duplicate {what} in this file: the first, at {first}, is kept; this one {copy}"


def differing(first: Mapping[str, Any], later: Mapping[str, Any]) -> list[str]:
    """The keys whose values differ between two records, in the first's order (the later's extra keys last)."""
    return [key for key in dict.fromkeys([*first, *later]) if first.get(key) != later.get(key)]


def first_of_each(records: Iterable[tuple[str, R | Rejected]], key: str) -> Iterator[R | Rejected]:
    """A file's records, each named where it was read (a line, an entry, an archive member), with every later
    record of an id already read rejected (``duplicate_reason``): silently, the later would have replaced the
    first. One id in two files given together is an update, not this: the readers see one file at a time."""
    seen: dict[str, tuple[str, R]] = {}
    for record, item in records:
        if isinstance(item, Rejected):
            yield item
            continue
        ident = str(getattr(item, key))
        if ident not in seen:
            seen[ident] = (record, item)
            yield item
            continue
        where, first = seen[ident]
        yield Rejected(record, duplicate_reason(f"{key} {ident!r}", where, differing(dict(first), dict(item))))


# ----------------------------------------------------------------------------- test notices

#: The reason every reader gives for a test notice.
TEST_NOTICE = "test notice"
#: Words a test notice is written with ("Test.", "TEST NOTICE", "Dummy tender - please ignore").
_TEST_WORDS = frozenset({"test", "teszt", "dummy"})
_FILLER = frozenset({"a", "an", "this", "is", "only", "just", "notice", "tender", "please", "ignore", "do", "not"})
_STUTTER = re.compile(r"(?:t+e+s+t+)+")  # 'Tessttessttesst', typed to fill a required field
_WORD = re.compile(r"[^\W\d_]+")
#: Values typed to fill a required field: 123, 1234, ..., 123456789.
_PLACEHOLDER_VALUES = frozenset(float("123456789"[:n]) for n in range(3, 10))
#: A field label left as a template wrote it, then a dash or dot run: the eForms SDK's example notices,
#: published in the TED sample, read "Procurement Title ---", "Description ---" and "Financial Adinistration
#: for ...".
_TEMPLATE = re.compile(r"\s*(?:[^\W\d_]+\s+){0,3}[^\W\d_]+\s*(?:-{3,}|\.{3,}|…)\s*")


def _template(text: str) -> bool:
    """Whether the text's first line is a template's label and a dash or dot run, nothing more (an eForms
    example's description goes on with "Description of Lot 1", as templated)."""
    first = text.strip().split("\n", 1)[0]
    return _TEMPLATE.fullmatch(first) is not None


def _filler_value(value: float | None) -> bool:
    """123, 1234 ... 123456789, or all nines (999.99, 9999999.99): typed to fill a required field."""
    if value is None:
        return False
    digits = f"{value:.2f}".replace(".", "").rstrip("0") or "0"
    return value in _PLACEHOLDER_VALUES or (len(digits) >= 3 and set(digits) == {"9"})


def _test_only(text: str) -> bool:
    """Whether the text says nothing but 'test' (with filler words such as 'notice', 'please ignore')."""
    words = _WORD.findall(text.casefold())
    testing = [w for w in words if w in _TEST_WORDS or _STUTTER.fullmatch(w)]
    return bool(testing) and all(w in _FILLER or w in testing for w in words)


def is_test_notice(tender: Tender, notes: Iterable[str] = ()) -> bool:
    """A notice published to try a system, or a template's example, not to buy anything: its title and
    description together say only "test", or two of these say so: the title, the description, the buyer's
    name, a note the reader passes (TED's "additional information"), each saying only "test" or left as a
    template's label ("Procurement Title ---"), and a value typed as 123... or all nines.

    One sign alone never rejects: a real notice may be called "Test" (a testing service), be worth 123,456
    or have a title cut with "...". On the TED sample (3,476 notices) and the OCDS real examples this
    rejects exactly the two test notices and the two eForms SDK examples of the TED sample (docs/formats.md)."""
    if _test_only(f"{tender.title}\n{tender.description}"):
        return True
    fields = (tender.title, tender.description, tender.buyer or "", *notes)
    signs = sum(_test_only(text) or _template(text) for text in fields) + _filler_value(tender.value)
    return signs >= 2


def screen(tender: Tender, record: str, notes: Iterable[str] = ()) -> Tender | Rejected:
    """The tender, or ``Rejected(record, 'test notice')``: every tender reader passes its records here."""
    return Rejected(record, TEST_NOTICE) if is_test_notice(tender, notes) else tender
