"""What every command shares: building the Matcher from settings and printing."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import TypeAdapter, ValidationError

from matcher.cli import loading
from matcher.cli.database import reachable, remember
from matcher.cli.render import terminal_text
from matcher.config import get_settings
from matcher.dates import DATE_RANGE, in_range
from matcher.errors import InvalidInput
from matcher.schema import Country, plain_amount, range_currency

if TYPE_CHECKING:
    from matcher.pipeline import IngestResult, Matcher

HomeOption = Annotated[
    Path | None, typer.Option("--home", help="data directory (default: MATCHER_HOME or the current folder)")
]

#: The metavars every date option shows (``moment_option``, ``day_option``): tests/cli/test_date_options.py walks
#: the commands for them and checks each one against the date rule.
MOMENT, DAY = "DATETIME", "YYYY-MM-DD"
DATE_METAVARS = frozenset({MOMENT, DAY})


def moment_option(name: str, help: str) -> Any:
    """A date-time option: read with ``parse_moment`` (ISO 8601, UTC when no zone, the date rule)."""
    return typer.Option(name, metavar=MOMENT, help=help)


def day_option(name: str, help: str) -> Any:
    """A day option: read with ``parse_day`` (an ISO 8601 day, or a date-time taken as its UTC day)."""
    return typer.Option(name, metavar=DAY, help=help)


AsOfOption = Annotated[str | None, moment_option(
    "--as-of", "ISO date-time taken as now (UTC if no zone): what was open and published then")]


def open_matcher(home: Path | None = None, **overrides: Any) -> Matcher:
    """The pipeline under the environment's settings. Imported here, when a command runs, not when the command
    tree loads: the pipeline brings scikit-learn, SciPy and FAISS, about two seconds before ``--help`` answered."""
    with loading():
        from matcher.pipeline import Matcher

    settings = get_settings(**({"home": home} if home else {}), **overrides)
    remember(settings)  # named if the database fails (``matcher.cli.database``)
    reachable(settings)
    return Matcher(settings)


def clock_override(as_of: str | None) -> dict[str, Any]:
    """Settings overrides for ``--as-of``: the same fixed clock as MATCHER_CLOCK (nothing when unset)."""
    return {"clock": parse_moment("--as-of", as_of)} if as_of is not None else {}


def parse_moment(option: str, value: str) -> datetime:
    """A date-time option's value under the product's date rule (``matcher.dates``), moved into UTC (a time
    without a zone is UTC); else an InvalidInput naming the option and the value: one line and exit 2. Every
    date option goes through here or ``parse_day``, before the command opens anything."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"bad {option} {value!r} (expected ISO 8601, e.g. 2021-04-28T08:00)") from None
    if not in_range(moment):  # dates are moved by days and years: the year 1 or 9999 was an OverflowError
        raise InvalidInput(f"bad {option} {value!r} (expected {DATE_RANGE})")
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_day(option: str, value: str) -> date:
    """A day option's value: an ISO 8601 day, or a date-time taken as its day in UTC, under the date rule."""
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"bad {option} {value!r} (expected an ISO 8601 day, e.g. 2021-04-28)") from None
    return parse_moment(option, value).date()


def finite_number(minimum: float, maximum: float | None = None) -> Callable[[str], float]:
    """A parser for a number option: finite and within [minimum, maximum]. Typer's own float reading
    accepts 'inf' (and 1e999) and lets it through a ``min=`` check, so options that need a real amount use
    this instead (issue 15)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise typer.BadParameter(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise typer.BadParameter(f"expected a finite number, got {text!r}")
        if value < minimum:
            raise typer.BadParameter(f"expected a number at least {minimum:g}, got {text!r}")
        if maximum is not None and value > maximum:
            raise typer.BadParameter(f"expected a number at most {maximum:g}, got {text!r}")
        return value

    return parse


def echo_json(payload: Any) -> None:
    """``payload`` as strict JSON: a figure with nothing to measure (NaN, as the mean of no profiles) is null."""
    typer.echo(json.dumps(_finite(payload), ensure_ascii=False, indent=2, default=str, allow_nan=False))


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def print_ingest(result: IngestResult, kind: str, show_rejected: int = 20) -> None:
    report = result.report
    typer.echo(f"{kind}: {report.summary()}")
    for record, reason in report.rejected[:show_rejected]:
        typer.echo(f"  rejected {terminal_text(record)}: {terminal_text(reason)}", err=True)
    if len(report.rejected) > show_rejected:
        typer.echo(f"  ... and {len(report.rejected) - show_rejected} more rejected", err=True)
    if result.index is not None:
        typer.echo(result.index.summary())


def as_paths(files: Sequence[Path]) -> list[Path]:
    return [Path(f) for f in files]


_COUNTRY = TypeAdapter(Country)


def value_range(min_value: float | None, max_value: float | None, currency: str) -> str:
    """``--currency`` as a value range's ISO 4217 code (``matcher.schema.range_currency``: one with an exchange
    rate, else 'XYZ' would let every value through), checked with ``--min-value`` <= ``--max-value``; a bad one
    is an InvalidInput naming it, so one line and exit 2."""
    try:
        code = range_currency(currency)
    except ValueError as exc:
        raise InvalidInput(f"--currency: {exc}") from None
    if min_value is not None and max_value is not None and min_value > max_value:
        raise InvalidInput(f"--min-value {plain_amount(min_value)} is greater than --max-value "
                           f"{plain_amount(max_value)}")
    return code


def iso_countries(values: Sequence[str] | None) -> tuple[str, ...]:
    """``--country`` values as the profiles' ISO 3166-1 alpha-2 codes (``matcher.schema.Country``: 'uk' is GB);
    an unknown one is an InvalidInput naming it, so one line and exit 2."""
    codes = []
    for value in values or ():
        try:
            codes.append(_COUNTRY.validate_python(value))
        except ValidationError as exc:
            first = exc.errors()[0]
            raise InvalidInput(f"--country: {first.get('ctx', {}).get('error', first['msg'])}") from None
    return tuple(dict.fromkeys(codes))
