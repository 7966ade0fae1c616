"""The one place that reads the environment: every setting has the prefix ``MATCHER_``."""

from __future__ import annotations

import errno
import logging
import os
import re
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import unquote_to_bytes

import httpx
from pydantic import Field, PrivateAttr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from matcher.dates import checked
from matcher.paths import broken_link

EncoderName = Literal["use-multilingual", "minilm", "minilm-bf16", "minilm-int8", "fake"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_MODELS = PROJECT_ROOT / "models"
#: The longest open-call or prior-information window, in days (ten years).
MAX_WINDOW_DAYS = 3660
#: The SQLite database in ``home`` when no database URL is set (SQLite keeps -wal and -shm files beside it).
DATABASE_FILE = "matcher.db"
#: The shortest MATCHER_SECRET_KEY taken: 32 characters hold 128 bits as hex (``openssl rand -hex 16``), and an
#: HMAC is as strong as its key. The key generated when none is set is 64 (``secrets.token_urlsafe(48)``).
MIN_SECRET_KEY = 32
#: An address as the digest's sender and the feeds' contact write it: a dot-atom local part and a host name, in
#: ASCII (httpx sends header values as ASCII; an address beyond it needs SMTPUTF8, which the sender does not ask).
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ADDRESS = rf"{_ATEXT}(?:\.{_ATEXT})*@{_LABEL}(?:\.{_LABEL})*"
#: The digest's From: an address, or a name and one in angle brackets. The name is plain words or a quoted
#: string (which may hold ',' or ';'), any script, never an '@' (it would read as the sender).
_SENDER = re.compile(rf'(?:(?:[^<>@,;:"\\()\[\]]+?|"[^"\\@]*")\s*<(?P<bracketed>{ADDRESS})>|(?P<bare>{ADDRESS}))')
_ONE_ADDRESS = "expected one address: name@example.org or Name <name@example.org>"

log = logging.getLogger(__name__)


class Settings(BaseSettings):
    """Runtime configuration. All state lives under ``home`` unless a URL says otherwise."""

    # allow_inf_nan=False: 'inf' passed every ge= check and broke later (a sleep, a timeout, a deadline).
    model_config = SettingsConfigDict(env_prefix="MATCHER_", extra="ignore", allow_inf_nan=False)

    home: Path = Field(default=Path(), description="data directory: database, indexes, embedding cache")
    _models_given: bool = PrivateAttr(default=False)
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in home")
    encoder: EncoderName = "use-multilingual"
    # A folder under home/indexes: '', '..' or a path would put the builds elsewhere.
    index_name: str = "tenders"
    # Index choice by collection size, from the measurements in BENCHMARKS.md part 3 (matcher/search/vector_index.py):
    # exact search up to exact_index_max vectors (same default as matcher.index.EXACT_MAX), IVF above;
    # ivf_nprobe unset means the measured rule (matcher.index.ivf_nprobe); "sq8" stores 8-bit codes.
    exact_index_max: int = Field(default=20_000, ge=1)
    ivf_nprobe: int | None = Field(default=None, ge=1, le=65_536)  # faiss refuses more than a size_t
    index_compression: Literal["none", "sq8"] = "none"
    # Candidates a firm's list is ranked from (after hard filters), the same for every list up to this long, so
    # a shorter list is the start of a longer one; a longer list ranks as many as it asks for.
    min_candidates: int = Field(default=200, ge=1)
    embed_batch_size: int = Field(default=64, ge=1)
    # Ranked recommendations kept per process, keyed by everything they depend on (0 turns the cache off).
    result_cache_size: int = Field(default=4096, ge=0)
    # ...and at most this long, in seconds (slow drifts: award recency, history "before now").
    result_cache_max_age: int = Field(default=3600, ge=1, le=366 * 86_400)  # a year: added to dates
    # Fixed "now" for replays and the bundled demo (real notices whose deadlines have passed).
    clock: datetime | None = None
    # How long a notice WITHOUT a deadline counts as open after its publication day (matcher.normalize.openness).
    # Calls for competition: the EU directives' minimum time for receipt of tenders is 30-35 days in an open
    # procedure (less with a prior information notice or urgency), and most buyers who omit the date follow
    # it or a little more; 60 days covers a normal call without keeping a forgotten one for months.
    # Prior information notices announce purchases up to 12 months ahead (a PIN used as a call stays valid
    # up to 12 months); half a year keeps the announcement in view while the call it promises is likely to
    # follow, without listing PINs from years ago.
    # At most ten years: the windows are subtracted from dates (a larger one was an OverflowError).
    open_call_window_days: int = Field(default=60, ge=1, le=MAX_WINDOW_DAYS)
    prior_information_window_days: int = Field(default=180, ge=1, le=MAX_WINDOW_DAYS)
    # Trained models (re-rankers, calibrations). Set (MATCHER_MODELS_DIR): read and written there alone. Unset:
    # read from the home's models/ once it exists, else the shipped ones (models/ in the project); train-ranker
    # and calibrate write into the home's models/, made as a copy of the shipped ones (``own_models_dir``).
    models_dir: Path = SHIPPED_MODELS

    # API
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    # What a compressed file (.gz, .zip, .tar.gz), uploaded or ingested, may expand to (matcher.ingest.bounded):
    # each file or archive member, and one file's members together. Unset: 10x and 20x max_upload_bytes. Text
    # compresses 5-10x (the TED sample 5.2x; the Canada OCDS file, unusually, 33x), so a compressed upload near
    # the upload limit fits; zeros compress 1000x, and such a bomb is refused once it has expanded to the limit.
    max_decompressed_member_bytes: int | None = Field(default=None, ge=1024)
    max_decompressed_bytes: int | None = Field(default=None, ge=1024)
    # Request heads, refused by the server before the app sees them (api.server.protocol): a request target
    # longer than max_url_bytes is a 414; a head (request line and headers) larger than max_header_bytes, or
    # more than max_header_count headers, a 431. 8 KiB is nginx's and Apache's request-line limit; 32 KiB of
    # head is twice Node's 16 KiB; 100 headers is Apache's LimitRequestFields.
    max_url_bytes: int = Field(default=8 * 1024, ge=256)
    max_header_bytes: int = Field(default=32 * 1024, ge=1024)
    max_header_count: int = Field(default=100, ge=8)
    secret_key: str | None = Field(default=None, description="signs unsubscribe links; generated if unset")
    public_url: str = "http://127.0.0.1:8000"
    # Every this many seconds each serving process checks (one key read) whether tenders were written since
    # this home's index was synced: by another replica on the same database, `matcher feeds run` or
    # `matcher schedule` anywhere. If so, one process of the home syncs the index in the background
    # (matcher.services.index_catchup). 0 turns it off (then run `matcher index build` after such writes).
    index_catch_up_seconds: float = Field(default=5.0, ge=0)
    # An import's child process (api.import_worker) is stopped when a phase takes longer than this: storing
    # an upload (the officer's request then gets a 503, nothing of the file is stored), and syncing the index
    # after it (the job fails, the previous index keeps serving). Generous: storing the 3,476-notice TED sample
    # takes about 20 s and syncing 100,000 notices with the real encoder about an hour on 2 cores; they end
    # a child that hangs (on a lock never released, a stalled disk), whose slot would otherwise be lost.
    import_store_timeout_seconds: float = Field(default=1800.0, gt=0)
    import_sync_timeout_seconds: float = Field(default=4 * 3600.0, gt=0)

    # Live feeds (matcher/feeds): one polite HTTP client for every source.
    # The User-Agent names the product and whom a source's operator can write to about our traffic.
    feeds_contact: str = Field(default="", max_length=200, description="email or URL in the User-Agent")
    feeds_connect_timeout: float = Field(default=10.0, gt=0)
    feeds_read_timeout: float = Field(default=60.0, gt=0)
    # A response's body must have come whole this long after its request, or the run stops there (the next
    # resumes): each read's timeout alone let a source that drips a byte a second hold a run for years. 300 s
    # takes feeds_max_response_bytes (200 MiB) at 0.7 MB/s.
    feeds_response_timeout: float = Field(default=300.0, gt=0)
    feeds_retries: int = Field(default=5, ge=0, le=20)
    # Exponential backoff with full jitter: a retry waits up to backoff * 2**attempt seconds, at most max.
    feeds_backoff_seconds: float = Field(default=1.0, ge=0)
    feeds_max_backoff_seconds: float = Field(default=60.0, ge=0)
    # A source asking for a longer pause (Retry-After) than this fails the run; the next run resumes.
    feeds_max_retry_after_seconds: float = Field(default=600.0, ge=0)
    # At most one request per host every this many seconds (TED asks API users to keep a modest rate).
    feeds_host_interval_seconds: float = Field(default=1.0, ge=0)
    feeds_max_response_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    # Feeds fetch from public internet addresses only: a feed URL whose host is, or resolves to, a loopback,
    # private, link-local (169.254.169.254, the cloud metadata service), shared or reserved address is refused
    # when the feed is added and at every connection and redirect (matcher.services.feed_address). True (1)
    # allows them: a feed server on your own network, or the project's tests, which serve feeds on 127.0.0.1.
    feeds_allow_private: bool = False
    # An HTTP(S) proxy every feed request goes through (http://[user:password@]host:port), for a network that
    # reaches the internet only through one; its own address may be private. The rule above still holds: the
    # matcher resolves each source's host itself and refuses it before asking the proxy (matcher.feeds.transport).
    # HTTPS_PROXY / HTTP_PROXY / NO_PROXY are not read while the rule is on: the proxy is named here or not used.
    feeds_proxy: str | None = Field(default=None, description="http(s)://[user:password@]host:port", repr=False)
    # The scheduler (`matcher schedule`): feeds every this many minutes, digests once a day at this UTC time.
    schedule_feeds_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)  # as `matcher schedule --feeds-every`
    schedule_digest_at: str = Field(default="06:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")

    # Digest email
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65_535)
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "Tender Matcher <digest@tender-matcher.local>"
    smtp_retries: int = Field(default=4, ge=0)
    smtp_backoff_seconds: float = Field(default=1.0, ge=0.0)

    @field_validator("clock")
    @classmethod
    def _clock_is_utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return None if value is None else checked(value)  # now is moved by days and years: matcher.dates

    @field_validator("index_name")
    @classmethod
    def _index_name_is_a_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", value):
            raise ValueError(f"{value[:200]!r} (expected a folder name: 1-100 letters, digits, '.', '_' or '-', "
                             "starting with a letter or digit)")
        return value

    @field_validator("home", "models_dir")
    @classmethod
    def _path_fits(cls, value: Path) -> Path:
        """A path the file system can hold (Linux: 255 bytes a name, 4095 in all), else every file operation
        under it failed with a traceback."""
        if len(os.fsencode(value)) > 4095:
            raise ValueError("the path is longer than 4095 bytes")
        if long := next((part for part in value.parts if len(os.fsencode(part)) > 255), None):
            raise ValueError(f"the name {long[:40]!r}... is longer than 255 bytes")
        return value

    @model_validator(mode="after")
    def _home_models(self) -> Settings:
        """Unset, ``models_dir`` is the home's models/ when it exists (``own_models_dir``), else the shipped."""
        self._models_given = "models_dir" in self.model_fields_set
        if not self._models_given and (self.home / "models").is_dir():
            self.__dict__["models_dir"] = self.home / "models"  # not a field given: own_models_dir stays the home's
        return self

    @property
    def own_models_dir(self) -> Path:
        """Where train-ranker and calibrate write a model by default: MATCHER_MODELS_DIR, else the home's
        models/ (never the shipped ones, unless the home is the project)."""
        return self.models_dir if self._models_given else self.home / "models"

    @field_validator("public_url")
    @classmethod
    def _public_url_is_http(cls, value: str) -> str:
        """The address digests link to (unsubscribe, notice pages): an absolute http(s) URL."""
        try:
            url = httpx.URL(value)
        except httpx.InvalidURL:
            url = None
        if url is None or url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"{value[:200]!r} (expected http:// or https:// and a host, e.g. https://matcher.example)")
        return value

    @field_validator("smtp_from")
    @classmethod
    def _sender_is_one_address(cls, value: str) -> str:
        """The digest's From header: a line break would start another header, a second address another sender."""
        if (problem := control_character(value)) is None and value.count("@") > 1:
            problem = f"holds {value.count('@')} '@'"
        if problem is None and not _SENDER.fullmatch(value.strip()):
            problem = f"{value[:200]!r}"
        if problem is not None:
            raise ValueError(f"{problem} ({_ONE_ADDRESS}; the name without '@', and quoted if it holds ',')")
        return value.strip()

    @field_validator("feeds_contact")
    @classmethod
    def _contact_is_address_or_url(cls, value: str) -> str:
        """The contact every feed request names in its User-Agent comment ('(+contact)'): one ASCII line, an
        address or an https URL without credentials, and no '(' ')' '\\' or space that would end the comment."""
        value = value.strip()
        if not value:
            return value  # the digest sender's address is used
        if (problem := control_character(value)) is None and not value.isascii():
            problem = f"{value[:200]!r} is not ASCII (a header carries ASCII: write the domain as xn--...)"
        if problem is None and not (re.fullmatch(ADDRESS, value) or _contact_url(value)):
            problem = f"{value[:200]!r}"
        if problem is not None:
            raise ValueError(f"{problem} (expected an e-mail address or an https:// URL, e.g. ops@agency.example)")
        return value

    @field_validator("secret_key")
    @classmethod
    def _secret_key_is_a_key(cls, value: str | None) -> str | None:
        """A set key signs every unsubscribe link. Empty is refused rather than read as unset: an unset shell
        variable would give each home its own generated key, and links signed by one fail on another."""
        if value is None:
            return None
        if not value.strip():
            raise ValueError("empty (unset it to use the key generated in MATCHER_HOME/secret_key, or set "
                             f"at least {MIN_SECRET_KEY} characters)")
        if len(value) < MIN_SECRET_KEY:
            raise ValueError(f"{len(value)} characters (expected at least {MIN_SECRET_KEY}, e.g. from python -c "
                             "'import secrets; print(secrets.token_urlsafe(32))')")
        return value

    @field_validator("feeds_proxy")
    @classmethod
    def _proxy_is_usable(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if not value:
            return None
        if (problem := proxy_problem(value)) is not None:  # never the value itself: it may carry a password
            raise ValueError(f"{problem} (expected http://host:port or https://host:port, with user:password@ "
                             "before the host if it asks)")
        return value

    @property
    def decompressed_member_limit(self) -> int:
        """The most one compressed file or archive member may expand to."""
        return self.max_decompressed_member_bytes or 10 * self.max_upload_bytes

    @property
    def decompressed_limit(self) -> int:
        """The most one file may expand to in all (an archive's members together)."""
        return self.max_decompressed_bytes or 20 * self.max_upload_bytes

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        database = self.home / DATABASE_FILE
        try:
            database = database.resolve()
        except (RuntimeError, OSError):  # a loop of links: opening it names the problem, not a traceback here
            database = database.absolute()
        return f"sqlite:///{database}"

    def ensure_home(self) -> Path:
        """``home``, created private (0700) if missing, with its own database files kept private (0600).

        What a demanding operator expects: what the matcher creates is readable by its own user only,
        whatever the umask, since the home holds API key hashes, subscriber addresses, digest bodies, web
        sessions and the unsubscribe signing key. A folder the operator made and pointed MATCHER_HOME at
        keeps the mode they gave it (a group may read the indexes; tightening it is theirs to decide). The
        home's database files are the matcher's own and are set 0600 on every start, also when an older
        version left them 0644: a backup job runs as the same user (or copies with ``sqlite3 .backup``). A
        database elsewhere (MATCHER_DATABASE_URL) is created 0600 by ``matcher.store.db`` and never changed.
        A home that cannot be a folder (a file, under a file, not creatable) raises the OSError that says why.
        """
        try:
            self.home.mkdir(mode=0o700, parents=True)
            self.home.chmod(0o700)  # exactly: mkdir's mode passes through the umask
        except FileExistsError:
            if not self.home.is_dir():  # else SQLite said only "unable to open database file"
                why = broken_link(self.home) or "not a folder"  # a loop of links, a link to nothing: said so
                raise NotADirectoryError(errno.ENOTDIR, why, str(self.home)) from None
        for suffix in ("", "-wal", "-shm", "-journal"):
            file = self.home / f"{DATABASE_FILE}{suffix}"
            try:
                if file.is_file() and stat.S_IMODE(file.stat().st_mode) != 0o600:
                    file.chmod(0o600)
            except OSError as exc:  # another user's file: opening it will say whether it can be used
                log.warning("cannot make %s private (0600): %s", file, exc)
        return self.home

    @property
    def indexes_dir(self) -> Path:
        return self.home / "indexes"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    def now(self) -> datetime:
        """The current time, or the fixed clock when one is configured."""
        return self.clock or datetime.now(UTC)


def control_character(value: str) -> str | None:
    """'holds a control character (...)' naming the first one in ``value`` (C0, DEL, C1, a line or paragraph
    separator, a bidirectional mark, embedding, override or isolate: text that reads otherwise than it is), or
    None."""
    if found := _CONTROL.search(value):
        return f"holds a control character ({found.group()!r})"
    return None


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def _contact_url(value: str) -> bool:
    if any(c in value for c in " ()\\"):
        return False
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        return False
    return url.scheme == "https" and bool(url.host) and not url.userinfo


def proxy_problem(value: str) -> str | None:
    """What keeps httpx from using ``value`` as an HTTP(S) proxy, or None. Names the part, never the password."""
    if "://" not in value:
        return "no scheme"
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        return "not a URL (" + ("a / # ? in the user name or password must be percent-encoded: %2F %23 %3F"
                                if "@" in value else str(exc)) + ")"
    if url.scheme not in ("http", "https"):
        return f"scheme {url.scheme!r} is not http or https"
    if not url.host:
        return "no host"
    if url.port is not None and not 0 < url.port < 65536:
        return f"port {url.port} is out of range (1-65535)"
    if url.raw_path != b"/" or url.fragment:
        return "a path, query or fragment; a proxy URL has none"
    if ":" in url.username:
        return "the user name contains ':' (Basic credentials cannot carry it)"
    try:  # httpx decodes them with replacement characters, which would send credentials nobody typed
        unquote_to_bytes(url.userinfo.decode("ascii")).decode("utf-8")
    except UnicodeDecodeError:
        return "the user name or password is not UTF-8 once percent-decoded"
    return None


def get_settings(**overrides: object) -> Settings:
    """Read settings from the environment; keyword overrides win (used by the CLI and tests)."""
    return Settings(**overrides)  # type: ignore[arg-type]
