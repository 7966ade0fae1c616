"""The terminal shows the text people wrote inside a reason without the format characters that draw nothing: a keyword
stored with a right-to-left override (before keywords were refused one) reversed the rest of its reason's line in a
terminal that runs the bidirectional algorithm. ``--json`` keeps the summary as stored, as the API does."""

from __future__ import annotations

import json

from matcher.config import Settings
from matcher.pipeline import Matcher
from matcher.schema import STORED, FirmProfile
from matcher.store import FirmRepository
from tests.cli.test_cli import run
from tests.cli.test_fit_band_cli import demo  # noqa: F401  (the fixture)

KEYWORD = "\u202eultrafiltration"
NOTICE = "ted:023838-2021"  # the demo's ultrafiltration notice, whose reasons name the keyword


def test_a_keyword_stored_with_an_override_is_printed_without_it(demo: str) -> None:  # noqa: F811
    matcher = Matcher(Settings())
    firm = matcher.get_firm(demo)
    keywords = [KEYWORD if k == "ultrafiltration" else k for k in firm.keywords]
    spoofed = FirmProfile.model_validate({**firm.model_dump(), "keywords": keywords}, context=STORED)
    with matcher.engine.db.begin() as conn:
        assert FirmRepository().upsert(conn, [spoofed]).updated == 1
    line = "+ the firm's keyword \u201cultrafiltration\u201d is in the notice (\u201cultrafiltration\u201d)"
    for args in (("recommend", demo, "--k", "3"), ("firms-for", NOTICE, "--k", "3")):
        code, out, err = run(*args)
        assert code == 0, err
        assert "\u202e" not in out and f"    {line}\n" in out, out
    code, out, _ = run("recommend", demo, "--k", "3", "--json")
    (match,) = [m for m in json.loads(out) if m["tender_id"] == NOTICE]
    assert (f"the firm's keyword \u201c{KEYWORD}\u201d is in the notice (\u201cultrafiltration\u201d)"
            in match["reasons"]["summary"])
