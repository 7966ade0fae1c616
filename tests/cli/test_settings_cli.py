"""Hostile settings (MATCHER_*): a value the matcher cannot use is one line 'bad setting ...' and exit code 2
before anything is opened, never a traceback later (an OverflowError when a window or cache age is added to a
date, faiss refusing an nprobe, a home that is a file or a name too long for the file system)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli import test_cli
from tests.cli.test_cli import FIRMS, TED, run, snapshot

home = test_cli.home  # the fixture: MATCHER_HOME in a temporary folder, the fake encoder

HUGE = "9" * 30


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("MATCHER_OPEN_CALL_WINDOW_DAYS", HUGE, "less than or equal to 3660"),
    ("MATCHER_PRIOR_INFORMATION_WINDOW_DAYS", "4000", "less than or equal to 3660"),
    ("MATCHER_RESULT_CACHE_MAX_AGE", HUGE, "less than or equal to 31622400"),
    ("MATCHER_IVF_NPROBE", HUGE, "less than or equal to 65536"),
    ("MATCHER_SCHEDULE_FEEDS_MINUTES", HUGE, "less than or equal to 10080"),
    ("MATCHER_SMTP_PORT", "-1", "greater than or equal to 1"),
    ("MATCHER_SMTP_PORT", "70000", "less than or equal to 65535"),
    ("MATCHER_SMTP_BACKOFF_SECONDS", "inf", "finite number"),
    ("MATCHER_FEEDS_READ_TIMEOUT", "Infinity", "finite number"),
    ("MATCHER_INDEX_CATCH_UP_SECONDS", "inf", "finite number"),
    ("MATCHER_INDEX_NAME", "", "a folder name"),
    ("MATCHER_INDEX_NAME", "../elsewhere", "a folder name"),
    ("MATCHER_INDEX_NAME", "tenders\x1b[31m", "a folder name"),
    ("MATCHER_INDEX_NAME", "x" * 300, "a folder name"),
    ("MATCHER_PUBLIC_URL", "bogus", "expected http:// or https://"),
    ("MATCHER_PUBLIC_URL", "ftp://matcher.example", "expected http:// or https://"),
    ("MATCHER_HOME", "x" * 300, "longer than 255 bytes"),
    ("MATCHER_HOME", "/tmp/" + "a/" * 3000, "longer than 4095 bytes"),
    ("MATCHER_MODELS_DIR", "m" * 300, "longer than 255 bytes"),
    # the digest's From header: one address, nothing that starts another header or another recipient
    ("MATCHER_SMTP_FROM", "digest@agency.example\r\nBcc: all@victim.example", "a control character ('\\r')"),
    ("MATCHER_SMTP_FROM", "Matcher <digest@agency.example>\nX-Spam: no", "a control character ('\\n')"),
    ("MATCHER_SMTP_FROM", "digest@agency.example, copy@elsewhere.example", "holds 2 '@'"),
    ("MATCHER_SMTP_FROM", '"ceo@bank.example" <attacker@evil.example>', "holds 2 '@'"),
    ("MATCHER_SMTP_FROM", "alice@example.org)<bob@example.org>", "holds 2 '@'"),
    ("MATCHER_SMTP_FROM", "Tender, Matcher <digest@agency.example>", "expected one address"),
    ("MATCHER_SMTP_FROM", "digest", "expected one address"),
    ("MATCHER_SMTP_FROM", "", "expected one address"),
    ("MATCHER_SMTP_FROM", "Matcher <운영@기관.kr>", "expected one address"),
    ("MATCHER_SMTP_FROM", "Matcher\u202e <digest@agency.example>", "a control character ('\\u202e')"),
    # the contact in every feed request's User-Agent
    ("MATCHER_FEEDS_CONTACT", "ops@agency.example\r\nX-Injected: 1", "a control character ('\\r')"),
    ("MATCHER_FEEDS_CONTACT", "ops@agency.example\x1b[31m", "a control character ('\\x1b')"),
    ("MATCHER_FEEDS_CONTACT", "운영@기관.kr", "not ASCII"),
    ("MATCHER_FEEDS_CONTACT", "call the ops team", "expected an e-mail address or an https:// URL"),
    ("MATCHER_FEEDS_CONTACT", "ftp://agency.example/feeds", "expected an e-mail address or an https:// URL"),
    ("MATCHER_FEEDS_CONTACT", "https://user:pw@agency.example/", "expected an e-mail address or an https:// URL"),
    ("MATCHER_FEEDS_CONTACT", "https://agency.example/x) evil/1.0 (", "expected an e-mail address or an https:// URL"),
    ("MATCHER_FEEDS_CONTACT", "x" * 300, "at most 200 characters"),
    # the key that signs unsubscribe links: unset generates one; set, it must be a key
    ("MATCHER_SECRET_KEY", "", "empty"),
    ("MATCHER_SECRET_KEY", "   ", "empty"),
    ("MATCHER_SECRET_KEY", "k1", "2 characters (expected at least 32"),
    ("MATCHER_SECRET_KEY", "x" * 31, "31 characters (expected at least 32"),
])
def test_a_setting_the_matcher_cannot_use_is_one_line_and_exit_2(
    home: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv(variable, value)
    code, out, err = run("recommend", "some-firm")
    assert code == 2 and out == "", err
    assert err.startswith(f"error: bad setting {variable}: ") and err.count("\n") == 1, err
    assert says in err, err


@pytest.mark.parametrize(("variable", "value"), [
    ("MATCHER_OPEN_CALL_WINDOW_DAYS", "3660"), ("MATCHER_RESULT_CACHE_MAX_AGE", "31622400"),
    ("MATCHER_SMTP_PORT", "587"), ("MATCHER_INDEX_NAME", "tenders-2021_v1.2"),
    ("MATCHER_PUBLIC_URL", "https://matcher.example/base/"),
    ("MATCHER_SMTP_FROM", "digest@agency.example"), ("MATCHER_SMTP_FROM", "Tender Matcher <digest@agency.example>"),
    ("MATCHER_SMTP_FROM", '"Matcher, Team" <digest@agency.example>'),
    ("MATCHER_SMTP_FROM", "입찰 알림 <a.b+c@x.example>"),
    ("MATCHER_FEEDS_CONTACT", ""), ("MATCHER_FEEDS_CONTACT", "ops@agency.example"),
    ("MATCHER_FEEDS_CONTACT", "https://agency.example/feeds?team=ops"),
    ("MATCHER_SECRET_KEY", "x" * 32), ("MATCHER_SECRET_KEY", "키" * 32),
])
def test_the_largest_and_ordinary_values_still_work(
    home: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    code, _, err = run("recommend", "some-firm")
    assert code == 2 and err == "error: unknown firm 'some-firm'\n"  # the setting passed; the firm is unknown


def test_a_home_that_is_a_file_or_under_one_is_named_and_nothing_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    for bad, reason in ((afile, "not a folder"), (afile / "sub", "Not a directory")):
        monkeypatch.setenv("MATCHER_HOME", str(bad))
        code, out, err = run("ingest", "firms", str(FIRMS))
        assert code == 2 and out == "", err
        assert err == f"error: bad setting MATCHER_HOME (or --home): cannot use {str(bad)!r} as the data folder: " \
                      f"{reason}\n"
        code, _, err = run("recommend", "some-firm", "--home", str(bad))
        assert code == 2 and f"cannot use {str(bad)!r} as the data folder" in err
    assert afile.read_text() == "not a folder" and sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_a_home_with_spaces_and_unicode_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    monkeypatch.setenv("MATCHER_CLOCK", "2021-01-01T00:00:00Z")
    spaced = tmp_path / "with space" / "데이터 ünï"
    monkeypatch.setenv("MATCHER_HOME", str(spaced))
    assert run("ingest", "tenders", str(TED))[0] == 0
    assert len(snapshot(spaced)[0]) == 6
