"""What a feed or a file wrote, printed by the command line: a control character (ESC, BEL, a line break) shows as
its escape, so a notice cannot write to the officer's terminal (ESC ] 0 ; ... BEL sets its window title; other
sequences move the cursor or rewrite earlier lines) or print a line that passes for the command's own. Notices
keep such characters as their source sent them; `matcher recommend` and `firms-for` printed titles and buyers as
they were, and `matcher ingest` each rejected record's name, an OCDS release's ocid (`matcher feeds list` since
bfccd71). JSON output escapes them already."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import FIRMS, home, run

__all__ = ["home"]

ESCAPE = "\x1b]0;owned\x07"
SHOWN = "\\x1b]0;owned\\x07"
NOTICES = (
    "tender_id,source,title,buyer,description,deadline,buyer_country\n"
    f'csv:1,csv,"Water meters {ESCAPE}",City {ESCAPE} water,"Smart water meters, AMR",2021-03-01,KE\n'
)
#: An OCDS release without a title, rejected and named by its ocid.
RELEASE = {"uri": "https://x.example/p", "publishedDate": "2021-01-01T00:00:00Z", "releases": [
    {"ocid": f"ocds-x{ESCAPE}\nfirms: 9 new", "id": "1", "date": "2021-01-01T00:00:00Z", "tag": ["tender"],
     "tender": {"id": "t"}}]}
FIRM = json.loads(FIRMS.read_text())[0]["firm_id"]


def test_ingest_names_a_rejected_record_with_its_control_characters_escaped(home: Path, tmp_path: Path) -> None:
    package = tmp_path / "package.json"
    package.write_text(json.dumps(RELEASE), encoding="utf-8")
    code, out, err = run("ingest", "tenders", str(package))
    assert code == 0 and "1 rejected" in out
    assert not any(c in out + err for c in "\x1b\x07"), err
    assert err.splitlines()[0].startswith(f"  rejected ocds-x{SHOWN}\\nfirms: 9 new: no title"), err


def test_recommend_and_firms_for_print_control_characters_escaped(home: Path, tmp_path: Path) -> None:
    notices = tmp_path / "notices.csv"
    notices.write_text(NOTICES, encoding="utf-8")
    for step in (("ingest", "tenders", str(notices)), ("ingest", "firms", str(FIRMS)), ("index", "build")):
        assert run(*step)[0] == 0
    for command in (("recommend", FIRM, "--include-closed", "--k", "50"), ("firms-for", "csv:1")):
        code, out, err = run(*command)
        assert code == 0, err
        assert not any(c in out for c in "\x1b\x07"), (command, out)
    out = run("recommend", FIRM, "--include-closed", "--k", "50")[1]
    assert f"Water meters {SHOWN}" in out and f"City {SHOWN} water" in out
