"""The scheduler: feeds every hour (by default), then the morning digests, with no second system to install.

``matcher schedule`` ticks every ``tick`` seconds. Each job has slots: the feeds' slot is the current
``feeds_every`` period (10:00-11:00 for an hourly job), the digests' slot is the day, due from ``digest_at``
UTC. At a tick a job runs when its current slot is due and this scheduler claims it (``Matcher.claim_slot``,
``matcher.store.slots``: the latest slot claimed per job, moved forward atomically). Two schedulers on one
database, or one restarted, therefore run each slot once (a run that crashes is not retried within its slot:
the next slot's run resumes from the cursors); a slot missed while no scheduler was running is
caught up at the next tick (a digest run sends only what each subscription has not had, so catching up is
safe). Within a tick feeds run before digests, so the morning digest includes the morning's notices. After
the digests, the suggested codes kept for firms-for (``CodeSuggestions.refresh_kept``) are computed again for
the firms whose codes an earlier index build gave: feeds rebuild the index through the day, and firms-for's
first stage reads those codes for every firm of a register above the 200 it scores in full (a smaller register
keeps none).

A feed that fails is recorded against the feed (``matcher feeds list``, ``/health/ready``) and does not stop
the others or the digests; a digest run refused because another holds the digest lock is logged and retried
at the next slot. A database locked past its wait or unreachable is an error of the tick's line, not the end of
the scheduler: a slot it kept from being claimed runs at the next tick. ``--once`` runs one tick and exits, for
cron or a systemd timer instead of a long-running process (README: "Scheduled feeds and digests").
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from matcher.digest.run import DigestRun
from matcher.digest.send import Sender
from matcher.digest.workers import default_workers
from matcher.errors import MatcherError
from matcher.feeds.runner import FeedRunner
from matcher.pipeline import Matcher
from matcher.services.code_suggestions import KeptRefresh

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    feeds_every: timedelta = timedelta(hours=1)
    digest_at: time = time(6, 0)  # UTC

    @classmethod
    def parse(cls, feeds_minutes: int, digest_at: str) -> Plan:
        hour, minute = (int(part) for part in digest_at.split(":"))
        return cls(timedelta(minutes=feeds_minutes), time(hour, minute))

    def feeds_slot(self, now: datetime) -> str:
        """The current feeds period, named by its start (periods count from 2000-01-01 00:00 UTC)."""
        epoch = datetime(2000, 1, 1, tzinfo=UTC)
        return (epoch + (now - epoch) // self.feeds_every * self.feeds_every).isoformat()

    def digest_slot(self, now: datetime) -> str | None:
        """Today's digest slot once ``digest_at`` has passed (None before it)."""
        due = datetime.combine(now.date(), self.digest_at, tzinfo=UTC)
        return due.isoformat() if now >= due else None


@dataclass
class Tick:
    """What one tick did (for the log line and the tests)."""

    feeds: list[str] = field(default_factory=list)
    digest: str | None = None
    kept: KeptRefresh | None = None  # the firms' kept suggested codes computed again (after the digests)
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = []
        if self.feeds:
            parts.append("feeds: " + "; ".join(self.feeds))
        if self.digest:
            parts.append(f"digests: {self.digest}")
        if self.kept is not None:
            parts.append(self.kept.line())
        parts.extend(f"error: {e}" for e in self.errors)
        return " | ".join(parts) or "nothing due"


@contextmanager
def _reported(done: Tick, job: str) -> Iterator[None]:
    """A job that fails is an error of the tick, and the next job (and the next tick) still runs. A database
    locked by another writer past its wait, or unreachable for a while, raised SQLAlchemy's error out of the tick:
    ``matcher schedule`` ended in a traceback and ran nothing more. A slot whose claim failed is not taken, so
    the next tick runs it."""
    try:
        yield
    except MatcherError as exc:
        done.errors.append(f"{job}: {exc}")
    except SQLAlchemyError as exc:
        problem = exc.orig if isinstance(exc, DBAPIError) else str(exc).splitlines()[0]
        log.warning("%s: database error, trying again at the next tick", job, exc_info=True)
        done.errors.append(f"{job}: database error: {problem}")


class Scheduler:
    def __init__(
        self, matcher: Matcher, plan: Plan, sender: Callable[[], Sender],
        runner: Callable[[Matcher], FeedRunner] = FeedRunner, now: Callable[[], datetime] | None = None,
    ) -> None:
        self.matcher = matcher
        self.plan = plan
        self.sender = sender
        self.runner = runner
        self.now = now or (lambda: datetime.now(UTC))  # the real clock: slots are wall-clock time

    def tick(self) -> Tick:
        done = Tick()
        now = self.now()
        with _reported(done, "feeds"):
            if self.matcher.claim_slot("feeds", self.plan.feeds_slot(now)):
                with self.runner(self.matcher) as runner:
                    result = runner.run()
                done.feeds = [o.summary() for o in result.outcomes] or ["no feeds configured"]
        digest = self.plan.digest_slot(now)
        claimed = False
        with _reported(done, "digests"):
            claimed = digest is not None and self.matcher.claim_slot("digest", digest)
            if claimed:
                done.digest = self._digests()
        if claimed:
            with _reported(done, "suggested codes"):
                done.kept = self.matcher.refresh_kept_suggestions()
        log.info("schedule tick at %s: %s", now.isoformat(timespec="seconds"), done.line())
        return done

    def _digests(self) -> str:
        sender = self.sender()
        try:
            return DigestRun(self.matcher, sender, workers=default_workers()).run().line()
        except MatcherError as exc:  # e.g. a digest run started by hand holds the lock: that run sends them
            return f"not run: {exc}"
        finally:
            sender.close()

    def loop(self, stop: threading.Event, tick_seconds: float = 30.0) -> None:
        """Tick until ``stop`` is set (SIGTERM/SIGINT in ``matcher schedule``); a job in progress finishes."""
        while not stop.is_set():
            self.tick()
            stop.wait(tick_seconds)
