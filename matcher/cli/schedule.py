"""``matcher schedule``: run the feeds and then the digests on a schedule (see ``matcher.schedule``)."""

from __future__ import annotations

import logging
import re
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from matcher.cli.common import HomeOption, open_matcher
from matcher.errors import InvalidInput

if TYPE_CHECKING:
    from matcher.digest.send import Sender

_HH_MM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def schedule(
    feeds_every: Annotated[int | None, typer.Option(
        "--feeds-every", min=1, max=7 * 24 * 60, metavar="MINUTES",
        help="run the feeds every this many minutes (default MATCHER_SCHEDULE_FEEDS_MINUTES, 60)")] = None,
    digest_at: Annotated[str | None, typer.Option(
        "--digest-at", metavar="HH:MM", help="send the digests daily at this UTC time "
        "(default MATCHER_SCHEDULE_DIGEST_AT, 06:00)")] = None,
    outbox: Annotated[Path | None, typer.Option("--outbox", help="write digests as .eml files here "
                                                "instead of sending them by SMTP")] = None,
    once: Annotated[bool, typer.Option("--once", help="run what is due now and exit (for cron or a "
                                       "systemd timer)")] = False,
    home: HomeOption = None,
) -> None:
    """Fetch the feeds and send the digests when due; two schedulers on one database never run a job twice."""
    from matcher.digest.send import OutboxSender, SmtpSender, ready_outbox
    from matcher.digest.tokens import secret_key
    from matcher.schedule import Plan, Scheduler

    overrides: dict[str, object] = {}
    if feeds_every is not None:
        overrides["schedule_feeds_minutes"] = feeds_every
    if digest_at is not None:
        if not _HH_MM.fullmatch(digest_at):
            raise InvalidInput(f"bad --digest-at {digest_at!r} (expected HH:MM in UTC, e.g. 06:00)")
        overrides["schedule_digest_at"] = digest_at
    matcher = open_matcher(home, **overrides)
    settings = matcher.settings
    # Checked before any job, not at the first digest time (after the feeds ran and the slot was taken): the
    # key that signs the digests' links and the folder they are written into.
    secret_key(settings)
    if outbox:
        ready_outbox(outbox)
    plan = Plan.parse(settings.schedule_feeds_minutes, settings.schedule_digest_at)

    def sender() -> Sender:
        return OutboxSender(outbox) if outbox else SmtpSender(settings)

    scheduler = Scheduler(matcher, plan, sender)
    if once:
        typer.echo(scheduler.tick().line())
        return
    logging.getLogger("matcher").setLevel(logging.INFO)  # one line per tick, per feed and per digest run
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    typer.echo(f"scheduling: feeds every {plan.feeds_every}, digests daily at {plan.digest_at:%H:%M} UTC; "
               "Ctrl-C stops after the job in progress")
    scheduler.loop(stop)


def register(app: typer.Typer) -> None:
    app.command("schedule")(schedule)
