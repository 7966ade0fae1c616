"""The terminal shows the text people wrote inside a reason without the format characters that draw nothing: a keyword
stored with a right-to-left override (before keywords were refused one) reversed the rest of its reason's line in a
terminal that runs the bidirectional algorithm. ``--json`` keeps the summary as stored, as the API does."""

from __future__ import annotations

import json

import pytest

from matcher.cli.render import format_match
from matcher.config import Settings
from matcher.pipeline import Matcher
from matcher.schema import STORED, Explanation, FirmProfile, Match, ScoreParts
from matcher.store import FirmRepository
from tests.cli.test_cli import run
from tests.cli.test_fit_band_cli import demo  # noqa: F401  (the fixture)

KEYWORD = "\u202eultrafiltration"
NOTICE = "ted:023838-2021"  # the demo's ultrafiltration notice, whose reasons name the keyword


@pytest.mark.slow
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


def test_a_title_buyer_or_firm_name_stored_with_an_override_is_printed_without_it() -> None:
    """Notices stored before their text was cleaned (2fd4266) and names stored before they were refused an override
    (4c4454b): the terminal's head and facts lines show them as plain text shows what people wrote."""
    match = Match(tender_id="ted:1", firm_id="f", rank=1, score=0.5, parts=ScoreParts(), reasons=Explanation(),
                  title="Supply of \u202eexe.sretupmoc", buyer="City of \u202enommA", firm_name="Hanbit \u202eretaW")
    forward, reverse = format_match(match), format_match(match, reverse=True)
    assert "\u202e" not in forward + reverse
    assert forward.splitlines()[0].endswith("] Supply of exe.sretupmoc") and "| City of nommA |" in forward
    assert reverse.splitlines()[0].endswith("] Hanbit retaW")
    arabic = match.model_copy(update={"title": "توريد عدادات المياه"})
    assert format_match(arabic).splitlines()[0].endswith("] توريد عدادات المياه")  # right-to-left text as it is
