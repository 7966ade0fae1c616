"""``matcher subscribe`` and ``matcher digest run``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from matcher.cli.common import AsOfOption, HomeOption, clock_override, finite_number, iso_countries, open_matcher
from matcher.errors import InvalidInput
from matcher.schema import quoted

if TYPE_CHECKING:
    from matcher.digest.send import Sender
    from matcher.store.subscriptions import DigestLanguage, Frequency

digest_app = typer.Typer(help="Email digests of new matching tenders.", no_args_is_help=True)


def subscribe(
    firm_id: Annotated[str, typer.Argument(help="the firm whose matches are sent")],
    email: Annotated[str, typer.Option("--email", help="recipient address")],
    frequency: Annotated[str, typer.Option("--frequency", help="daily or weekly")] = "weekly",
    min_score: Annotated[float | None, typer.Option(
        "--min-score", parser=finite_number(0.0, 1.0), metavar="FIT",
        help="0 to 1: lowest calibrated fit sent (default: the 'possible' band floor of models/calibration)")] = None,
    max_items: Annotated[int, typer.Option("--max-items", min=1, max=100, help="tenders per email")] = 10,
    language: Annotated[str, typer.Option("--language", help="ko or en")] = "en",
    country: Annotated[list[str] | None, typer.Option("--country", help="ISO country (repeatable)")] = None,
    home: HomeOption = None,
) -> None:
    """Subscribe an address to a firm's digest (for support officers)."""
    from matcher.store.subscriptions import SubscriptionSpec

    matcher = open_matcher(home)
    spec = SubscriptionSpec(
        firm_id=firm_id, email=email, frequency=_frequency(frequency),
        min_score=matcher.default_min_fit() if min_score is None else min_score,
        max_items=max_items, language=_language(language), countries=iso_countries(country),
    )
    subscription = matcher.subscribe(spec, actor="cli")
    typer.echo(f"subscribed {subscription.email} to {firm_id} ({subscription.frequency}, "
               f"{subscription.language}): {subscription.subscription_id}")


@digest_app.command("run")
def run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="rank and render, send and record nothing")] = False,
    outbox: Annotated[Path | None, typer.Option("--outbox", help="write .eml files here instead of SMTP")] = None,
    as_of: AsOfOption = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, max=64, help="processes ranking batches in parallel (default: one per core)")] = None,
    home: HomeOption = None,
) -> None:
    """Send the digests that are due: each new matching tender reaches each subscription exactly once."""
    from matcher.digest.run import DigestRun
    from matcher.digest.send import OutboxSender, SmtpSender
    from matcher.digest.tokens import secret_key
    from matcher.digest.workers import default_workers

    matcher = open_matcher(home, **clock_override(as_of))
    # Both checked before a digest is planned or recorded: the key that signs its links, the folder it goes to.
    secret_key(matcher.settings)
    sender: Sender | None = None
    if not dry_run:
        sender = OutboxSender(outbox) if outbox else SmtpSender(matcher.settings)
    try:
        summary = DigestRun(matcher, sender, dry_run=dry_run, progress=True,
                            workers=workers or default_workers()).run()
    finally:
        if sender is not None:
            sender.close()
    typer.echo(summary.line())
    if summary.failed:
        raise typer.Exit(1)


def _frequency(value: str) -> Frequency:
    if value == "daily":
        return "daily"
    if value == "weekly":
        return "weekly"
    raise InvalidInput(f"unknown frequency {quoted(value)} (expected daily or weekly)")


def _language(value: str) -> DigestLanguage:
    if value == "ko":
        return "ko"
    if value == "en":
        return "en"
    raise InvalidInput(f"unknown language {quoted(value)} (expected ko or en)")


def register(app: typer.Typer) -> None:
    app.command("subscribe")(subscribe)
    app.add_typer(digest_app, name="digest")
