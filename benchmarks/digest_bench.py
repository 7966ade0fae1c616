"""Digest benchmark: rank many firms against many tenders, render their digests, write them to an outbox.

    .venv/bin/python -m benchmarks.digest_bench [--firms 10000] [--tenders 100000] [--rank-firms N]
                                                [--encoder use-multilingual] [--home DIR]

Tenders and firm profiles are generated from real notice texts: the titles, descriptions, codes, buyers and
countries of the TED sample (``../shared/data/ted_xml_sample``; the bundled demo notices when it is absent)
are recombined at random (seeded). Every firm gets a subscription (half Korean, half English). Stages are
timed separately: store, index build (embedding every tender), ranking (batched, ``plan_digests``),
rendering (Jinja2 + MIME), and writing ``.eml`` files to an outbox (emails/s). ``--rank-firms`` ranks only
the first N subscriptions, for a quick estimate when ranking all of them would take too long.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from matcher.config import Settings
from matcher.digest.plan import plan_digests
from matcher.digest.render import render_digest, to_message
from matcher.digest.send import OutboxSender
from matcher.ingest.ted import read_ted
from matcher.pipeline import Matcher
from matcher.schema import FirmProfile, Tender
from matcher.store.subscriptions import Subscription, SubscriptionRepository, SubscriptionSpec

SHARED = Path(__file__).resolve().parents[1].parent / "shared/data/ted_xml_sample/ted_xml_notices_3476.tar.gz"
DEMO = Path(__file__).resolve().parents[1] / "matcher/data/demo/tenders.tar.gz"
AS_OF = datetime(2021, 4, 28, 12, tzinfo=UTC)
COUNTRIES = ["FR", "DE", "IT", "ES", "PL", "KE", "ET", "VN", "PH", "LT", "EE", "RO", "BE", "NL"]


@contextmanager
def stage(name: str, timings: dict[str, float]) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - start
    print(f"  {name:<14} {timings[name]:9.2f} s", flush=True)


def real_notices(source: Path | None) -> list[Tender]:
    path = source or (SHARED if SHARED.exists() else DEMO)
    notices = [t for t in read_ted(path) if isinstance(t, Tender) and t.description]
    print(f"{len(notices)} real notices from {path.name}")
    return notices


def make_tenders(notices: Sequence[Tender], n: int, rng: random.Random) -> list[Tender]:
    """Title, buyer and codes of one real notice, description and place of another; open at AS_OF."""
    out = []
    for i in range(n):
        a, b = rng.choice(notices), rng.choice(notices)
        value = b.value if b.value is not None else (rng.choice([None, rng.uniform(5e4, 5e6)]))
        out.append(Tender(
            tender_id=f"bench:{i}", source="bench", notice_type="open_call", title=a.title, titles=a.titles,
            description=b.description[:3000], language=a.language, buyer=a.buyer, buyer_country=a.buyer_country,
            countries=b.countries, codes=list(dict.fromkeys(a.codes + b.codes[:2])), value=value,
            currency=(b.currency or "EUR") if value is not None else None,
            published=(AS_OF - timedelta(days=rng.randint(0, 30))).date(),
            deadline=AS_OF + timedelta(days=rng.randint(1, 90), hours=rng.randint(0, 23)), url=a.url,
        ))
    return out


def make_firms(notices: Sequence[Tender], n: int, rng: random.Random) -> list[FirmProfile]:
    """A firm that does what one real notice asks for: its title and description, its codes."""
    out = []
    for i in range(n):
        c = rng.choice(notices)
        title = c.titles.get("en") or c.title
        words = [w for w in title.split() if len(w) > 5][:3]
        out.append(FirmProfile(
            firm_id=f"bench-firm-{i}", name=f"Bench Firm {i}", description=f"{title}. {c.description[:600]}",
            keywords=words, codes=c.codes[:3], home_country="KR",
            target_countries=list(dict.fromkeys([c.buyer_country or "FR", *rng.sample(COUNTRIES, 2)])),
        ))
    return out


def subscribe_all(matcher: Matcher, firms: Sequence[FirmProfile]) -> list[Subscription]:
    repo = SubscriptionRepository()
    with matcher.db.begin() as conn:
        return [
            repo.add(conn, SubscriptionSpec(firm_id=f.firm_id, email=f"{f.firm_id}@example.org",
                                            language="ko" if i % 2 == 0 else "en", max_items=10), "bench")
            for i, f in enumerate(firms)
        ]


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--firms", type=int, default=10_000)
    parser.add_argument("--tenders", type=int, default=100_000)
    parser.add_argument("--rank-firms", type=int, default=None, help="rank only this many (default: all)")
    parser.add_argument("--encoder", default="use-multilingual")
    parser.add_argument("--home", type=Path, default=None, help="data folder (default: a temporary one)")
    parser.add_argument("--source", type=Path, default=None, help="TED archive (default: the shared sample)")
    parser.add_argument("--batch", type=int, default=500, help="subscriptions ranked per batch")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    args = parse(argv)
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp) / "home"
        return bench(args, home, Path(tmp) / "outbox")


def bench(args: argparse.Namespace, home: Path, outbox: Path) -> dict[str, float]:
    rng = random.Random(args.seed)
    timings: dict[str, float] = {}
    settings = Settings(home=home, encoder=args.encoder, clock=AS_OF, secret_key="bench")
    matcher = Matcher(settings)
    notices = real_notices(args.source)
    print(f"{args.tenders} tenders, {args.firms} firms, encoder {args.encoder}")
    with stage("generate", timings):
        tenders, firms = make_tenders(notices, args.tenders, rng), make_firms(notices, args.firms, rng)
    with stage("store", timings):
        for start in range(0, len(tenders), 10_000):
            matcher.upsert_tenders(tenders[start : start + 10_000], sync=False)
        matcher.upsert_firms(firms)
        subscriptions = subscribe_all(matcher, firms)[: args.rank_firms]
    with stage("index build", timings):
        matcher.build_index(progress=True)
    with stage("ranking", timings):
        plans = [
            plan for start in range(0, len(subscriptions), args.batch)
            for plan in plan_digests(matcher, subscriptions[start : start + args.batch], AS_OF)
        ]
    with stage("rendering", timings):
        messages = [to_message(render_digest(p, settings), p.subscription.email, settings, f"b{i}")
                    for i, p in enumerate(plans) if not p.empty]
    with stage("outbox", timings), OutboxSender(outbox) as sender:
        for message in messages:
            sender.send(message)
    matcher.close()
    ranked = len(subscriptions)
    print(f"ranked {ranked} firms: {ranked / timings['ranking']:.1f} firms/s "
          f"({timings['ranking'] / max(ranked, 1) * 1000:.0f} ms/firm; all {args.firms}: "
          f"~{timings['ranking'] / max(ranked, 1) * args.firms / 60:.1f} min)")
    print(f"rendered {len(messages)} emails: {len(messages) / timings['rendering']:.0f} emails/s; "
          f"outbox {len(messages) / timings['outbox']:.0f} emails/s")
    timings["emails"] = len(messages)
    return timings


if __name__ == "__main__":
    main()
