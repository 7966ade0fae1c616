"""One day of TED through the live feed, against ingesting the same notices from a local file (issue 14's goal:
the feed within 1.2x of the file).

The day is 3,000 real notices of the TED sample (``../shared/data/ted_xml_sample``; TED-XML R2.0.9 and its
12 eForms notices: the sample holds no 3,000 eForms notices, and both formats go through the same reader
dispatch). A local server on 127.0.0.1 replays them in TED's two shapes:

* the daily package: ``GET /packages/daily/{issue}``, one tar.gz of the day (what a feed of everything uses),
  its issue found with one Search API request, as the connector does;
* the Search API: ``POST /v3/notices/search`` pages of 100 notices (iteration tokens), then one
  ``GET /notice/{number}/xml`` per notice (what a selective feed uses). The per-host pace is off here (the
  default 1 s would make this 50 minutes, by design, against TED itself).

Each way runs in a fresh MATCHER_HOME with the default (multilingual) encoder and no embedding cache shared
between them, and is timed from the first request to the index built over the stored notices (ingest, then
``build_index``; the same index work for all three). Beside them: the raw reader (``parse_ted_document`` over
the XML bytes in memory) and the raw encoder (the encoder alone over the same notices' texts).
"""

from __future__ import annotations

import io
import json
import statistics
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmarks.report import SHARED_DATA, Part, Row
from matcher.config import EncoderName, Settings
from matcher.feeds.http import HttpPolicy, PoliteClient
from matcher.feeds.runner import FeedRunner
from matcher.ingest.ted import parse_ted_document
from matcher.pipeline import Matcher
from matcher.schema import Tender
from matcher.services.feeds import validated_spec

COMMAND = ".venv/bin/python -m benchmarks --only feeds"
SAMPLE = SHARED_DATA / "ted_xml_sample" / "ted_xml_notices_3476.tar.gz"
GOAL = 1.2
DAY = date(2026, 12, 1)
ISSUE = "202600233"
PAGE = 100


def notices(limit: int) -> list[tuple[str, bytes]]:
    """(publication number, XML) of the first ``limit`` notices of the sample."""
    out = []
    with tarfile.open(SAMPLE) as archive:
        for member in archive:
            if member.isfile() and member.name.endswith(".xml"):
                handle = archive.extractfile(member)
                if handle is not None:
                    out.append((Path(member.name).stem, handle.read()))
            if len(out) == limit:
                break
    return out


def package(day: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for number, xml in day:
            info = tarfile.TarInfo(f"{ISSUE}/{number}.xml")
            info.size = len(xml)
            archive.addfile(info, io.BytesIO(xml))
    return buffer.getvalue()


class Replay(ThreadingHTTPServer):
    """TED's Search API, notice XML and daily package for one day, from memory."""

    daemon_threads = True

    def __init__(self, day: list[tuple[str, bytes]]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.xml = dict(day)
        self.numbers = [number for number, _ in day]
        self.package = package(day)
        self.requests = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def search(self, body: dict[str, Any]) -> dict[str, Any]:
        start = int(body.get("iterationNextToken") or 0)
        page = self.numbers[start : start + int(body.get("limit", PAGE))]
        following = start + len(page)
        return {
            "notices": [{"publication-number": n, "notice-type": "cn-standard",
                         "links": {"xml": {"MUL": f"{self.base}/notice/{n}/xml"}}} for n in page],
            "totalNoticeCount": len(self.numbers),
            **({"iterationNextToken": str(following)} if following < len(self.numbers) else {}),
        }


class _Handler(BaseHTTPRequestHandler):
    server: Replay

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, body: bytes, kind: str) -> None:
        self.server.requests += 1
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        answer = self.server.search(json.loads(self.rfile.read(length)))
        self._send(json.dumps(answer).encode(), "application/json")

    def do_GET(self) -> None:
        parts = self.path.strip("/").split("/")
        if parts[:2] == ["packages", "daily"] and parts[2:] == [ISSUE]:
            self._send(self.server.package, "application/gzip")
        elif parts[0] == "notice" and len(parts) == 3 and parts[1] in self.server.xml:
            self._send(self.server.xml[parts[1]], "application/xml")
        else:
            self.server.requests += 1
            self.send_error(404)


def fresh(home: Path, encoder: EncoderName) -> Matcher:
    # The replay server listens on 127.0.0.1, which feeds refuse unless private addresses are allowed.
    return Matcher(Settings(home=home, encoder=encoder, clock=datetime(2026, 12, 1, 12, tzinfo=UTC),
                            feeds_allow_private=True))


def timed(work: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def via_file(home: Path, day: list[tuple[str, bytes]], encoder: EncoderName) -> tuple[float, int]:
    path = home.parent / f"{home.name}-{ISSUE}.tar.gz"
    path.write_bytes(package(day))
    matcher = fresh(home, encoder)

    def work() -> int:
        result = matcher.ingest_tenders([path], sync=False)
        matcher.build_index()
        return result.report.new

    seconds, stored = timed(work)
    matcher.close()
    return seconds, int(stored)  # type: ignore[call-overload]


def via_feed(home: Path, server: Replay, url: str, encoder: EncoderName) -> tuple[float, int, int]:
    matcher = fresh(home, encoder)
    packages = url.endswith("/packages/daily")
    matcher.add_feed(validated_spec("ted", "ted", url=url, page_size=None if packages else PAGE), actor="benchmark")
    if packages:  # as after yesterday's run: the previous issue stored (the first-issue lookup asks TED itself)
        matcher.commit_feed_page("ted", [], [], {"mode": "packages", "issue": f"{int(ISSUE) - 1}"})
    policy = HttpPolicy(user_agent="tender-matcher/benchmark", host_interval=0.0, allow_private=True)
    before = server.requests

    def work() -> int:
        with FeedRunner(matcher, PoliteClient(policy)) as runner:
            outcome = runner.run(["ted"], since=None if packages else DAY).outcomes[0]
        if outcome.status != "ok":
            raise SystemExit(f"feed run failed: {outcome.summary()}")
        matcher.build_index()
        return outcome.new

    seconds, stored = timed(work)
    matcher.close()
    return seconds, int(stored), server.requests - before  # type: ignore[call-overload]


def rounds(root: Path, day: list[tuple[str, bytes]], server: Replay, encoder: EncoderName, count: int,
           ) -> dict[str, list[tuple[float, int, int]]]:
    """``count`` rounds of the three ways, alternating (file, package, search), each in a fresh home, so a
    machine whose load drifts (other sessions share it) weighs on all three alike."""
    out: dict[str, list[tuple[float, int, int]]] = {"file": [], "package": [], "search": []}
    for i in range(count):
        seconds, new = via_file(root / f"file-{encoder}-{i}", day, encoder)
        out["file"].append((seconds, new, 0))
        out["package"].append(via_feed(root / f"package-{encoder}-{i}", server, f"{server.base}/packages/daily",
                                       encoder))
        out["search"].append(via_feed(root / f"search-{encoder}-{i}", server, f"{server.base}/v3/notices/search",
                                      encoder))
    return out


def run(smoke: bool = False) -> Part:
    part = Part("feeds", "Live feeds: one day of TED through the feed vs the same notices from a file")
    if not SAMPLE.exists():
        part.note(f"skipped: {SAMPLE} is absent (run beside ../shared)")
        return part
    day = notices(20 if smoke else 3000)  # smoke: the code paths, with the real encoder too, in about 10 s
    n = len(day)
    reader_s, parsed = timed(lambda: [parse_ted_document(body, "x") for _, body in day])
    texts = [t.text() for t in parsed if isinstance(t, Tender)]  # type: ignore[attr-defined]
    sample = texts[: 64 if smoke else 512]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        probe = fresh(root / "encoder", "use-multilingual")
        probe.embedder.encoder.encode(["warm up"])  # load the model outside the timing
        size = probe.settings.embed_batch_size
        # Through the embedder (a fresh cache, so nothing is a hit): batched and length-sorted as an index
        # build embeds; the encoder fed unsorted texts pads every batch to its longest and is several times slower.
        encoder_s, _ = timed(lambda: probe.embedder.encode_documents(sample))
        probe.close()
        server = Replay(day)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            overhead = rounds(root, day, server, "fake", 1 if smoke else 3)
            real = rounds(root, day, server, "use-multilingual", 1)
        finally:
            server.shutdown()
    rate = "{:.0f} notices/s"
    part.add(Row("raw reader (parse_ted_document, bytes in memory)", rate.format(n / reader_s), "-", None,
                 command=COMMAND))
    part.add(Row(f"raw encoder (multilingual, {len(sample)} notices' texts, batches of {size})",
                 rate.format(len(sample) / encoder_s), "-", None, command=COMMAND))
    for encoder, runs, what in (
        ("fake", overhead, "fetch + ingest + index (test encoder: the feed's own cost)"),
        ("use-multilingual", real, "fetch + ingest + index (multilingual encoder, as deployed)"),
    ):
        file_s = statistics.median(s for s, _, _ in runs["file"])
        part.add(Row(f"local file: ingest + index [{encoder}]",
                     f"{file_s:.1f} s ({runs['file'][0][1]} new; {_spread(runs['file'])})", "-", None,
                     command=COMMAND))
        for way, label in (("package", "feed, daily package"), ("search", "feed, Search API + one XML each")):
            seconds = statistics.median(s for s, _, _ in runs[way])
            _, new, requests = runs[way][0]
            part.add(Row(f"{label}: {what}",
                         f"{seconds:.1f} s ({new} new, {requests} requests, {n / seconds:.0f} notices/s; "
                         f"{_spread(runs[way])})", f"{file_s:.1f} s from the file", file_s / seconds,
                         f"<= {GOAL}x the file's time", seconds <= GOAL * file_s, command=COMMAND))
    part.note(
        f"{n} real TED notices ({len(texts)} usable as tenders; the others rejected with reasons, the same both "
        "ways), served from memory by a local ThreadingHTTPServer on 127.0.0.1. Ratio: the file's time over the "
        "feed's (at least 1/1.2 = 0.83 meets the goal). Each way runs in a fresh home; the rounds alternate "
        "file, package, search so that the load of other sessions on this shared 2-core machine falls on all "
        "three; medians are shown with their spread. The test encoder isolates what the feed adds (HTTP, the "
        "page's commit with its cursor); the multilingual encoder's embedding is the same work both ways and "
        "dominates a real day. The Search API way runs with the per-host pace off; at the default 1 request/s "
        "per host a day of 3,000 notices takes 50 minutes by design, so a feed of everything should read the "
        "daily packages and the Search API suits selective queries.")
    return part


def _spread(runs: list[tuple[float, int, int]]) -> str:
    times = [s for s, _, _ in runs]
    return f"{len(times)} runs, {min(times):.1f}-{max(times):.1f} s" if len(times) > 1 else "1 run"
