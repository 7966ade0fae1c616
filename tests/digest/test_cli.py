"""``matcher subscribe`` and ``matcher digest run`` from the command line."""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app
from tests.digest.conftest import KO_FIRM, SmtpServer

runner = CliRunner()
AS_OF = "2021-04-28T12:00:00"


@pytest.fixture
def home(tmp_path: Path, demo_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    monkeypatch.setenv("MATCHER_HOME", str(home))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    monkeypatch.setenv("MATCHER_SECRET_KEY", "cli-secret-" + "x" * 32)
    monkeypatch.delenv("MATCHER_CLOCK", raising=False)
    return home


def test_subscribe_then_dry_run_then_outbox_run(home: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["subscribe", KO_FIRM, "--email", "ko@example.org", "--language", "ko",
                                 "--frequency", "daily", "--max-items", "3", "--min-score", "0"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("subscribed ko@example.org to kr-hanbit-water (daily, ko): ")

    dry = runner.invoke(app, ["digest", "run", "--dry-run", "--as-of", AS_OF])
    assert dry.exit_code == 0, dry.output
    assert "1 subscriptions due, would send 1, skipped 0 empty, 0 failed" in dry.stdout

    outbox = tmp_path / "outbox"
    sent = runner.invoke(app, ["digest", "run", "--outbox", str(outbox), "--as-of", AS_OF])
    assert sent.exit_code == 0, sent.output
    assert "1 subscriptions due, sent 1, skipped 0 empty, 0 failed" in sent.stdout
    (eml,) = outbox.glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["Subject"].endswith("맞춤 신규 입찰 3건") and message["List-Unsubscribe"]

    again = runner.invoke(app, ["digest", "run", "--outbox", str(outbox), "--as-of", "2021-04-29T11:00:00"])
    assert "1 subscriptions due, sent 1" in again.stdout  # daily: due again the next day (2 h slack)
    assert len(list(outbox.glob("*.eml"))) == 2


def test_bad_input_is_one_line_and_exit_2(home: Path) -> None:
    for args, expected in [
        (["subscribe", KO_FIRM, "--email", "not-an-address"], "bad email address 'not-an-address'"),
        # the API's rule: one @, no control character, at most 320 characters (the CLI stored what the API refused)
        (["subscribe", KO_FIRM, "--email", "a@b@example.org"], "bad email address 'a@b@example.org'"),
        (["subscribe", KO_FIRM, "--email", "a\x01b@example.org"], "bad email address 'a\\x01b@example.org'"),
        (["subscribe", KO_FIRM, "--email", "a@" + "b" * 320 + ".org"], "bad email address"),
        (["subscribe", KO_FIRM, "--email", "a,b@example.org"], "bad email address 'a,b@example.org'"),
        (["subscribe", KO_FIRM, "--email", "a@example.org", "--language", "fr"], "unknown language 'fr'"),
        (["subscribe", "nobody", "--email", "a@example.org"], "unknown firm 'nobody'"),
        (["digest", "run", "--dry-run", "--as-of", "yesterday"], "bad --as-of 'yesterday'"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert expected in result.stderr


def test_no_smtp_server_configured_says_so(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MATCHER_SMTP_HOST", raising=False)
    result = runner.invoke(app, ["digest", "run", "--as-of", AS_OF])
    assert result.exit_code == 2 and "MATCHER_SMTP_HOST" in result.stderr


def test_a_server_without_starttls_when_asked_for_is_one_line_and_exit_2(
    home: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A settings problem (tests/digest/test_send.py): the run stops before sending, its digest stays pending."""
    assert runner.invoke(app, ["subscribe", KO_FIRM, "--email", "ko@example.org", "--min-score", "0"]).exit_code == 0
    for name, value in (("HOST", "127.0.0.1"), ("PORT", str(smtp.port)), ("STARTTLS", "true")):
        monkeypatch.setenv(f"MATCHER_SMTP_{name}", value)
    result = runner.invoke(app, ["digest", "run", "--workers", "1", "--as-of", AS_OF])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines()[-1] == (  # after the progress bar
        f"error: the SMTP server at 127.0.0.1:{smtp.port} does not offer STARTTLS, which MATCHER_SMTP_STARTTLS asks "
        "for")
    assert smtp.inbox.messages == []
    monkeypatch.setenv("MATCHER_SMTP_STARTTLS", "false")
    again = runner.invoke(app, ["digest", "run", "--workers", "1", "--as-of", AS_OF])
    assert again.exit_code == 0 and "(1 left pending by an earlier run)" in again.stdout, again.output
    assert [m["To"] for m in smtp.inbox.messages] == ["ko@example.org"]


def test_subscribing_an_address_twice_is_refused_in_one_line(home: Path) -> None:
    first = runner.invoke(app, ["subscribe", KO_FIRM, "--email", "a@b.com"])
    assert first.exit_code == 0, first.output
    sub_id = first.stdout.strip().rsplit(": ", 1)[1]
    for address in ("a@b.com", "A@B.com"):
        again = runner.invoke(app, ["subscribe", KO_FIRM, "--email", address, "--language", "ko"])
        assert again.exit_code == 2, again.output
        (line,) = again.stderr.splitlines()
        assert sub_id in line and "a@b.com already receives the digest of firm 'kr-hanbit-water'" in line
    dry = runner.invoke(app, ["digest", "run", "--dry-run", "--as-of", AS_OF])
    assert "1 subscriptions due" in dry.stdout


def unwritable_folder(tmp_path: Path) -> Path:
    """A real folder this process may not write into: a 0500 one, or for root (who writes anywhere its mode
    says not) /proc/sys, which the kernel keeps unwritable."""
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir(mode=0o500)
        return folder
    if os.access("/proc/sys", os.W_OK):
        pytest.skip("running as root with a writable /proc/sys: no folder here refuses writing")
    return Path("/proc/sys")


#: Outbox paths no message can be written into, made under a temporary folder, and why each is refused.
BAD_OUTBOXES = {
    "loop": "a loop of symbolic links (it never reaches a file or a folder)",
    "dangling": "a symbolic link to nowhere/outbox, which does not exist",
    "file": "not a folder but a regular file",
    "file/outbox": "a part of the path is a file, not a folder",
    "unwritable": "this user may not write into it",
}


def bad_outbox(tmp_path: Path, name: str) -> Path:
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "dangling").symlink_to("nowhere/outbox")
    (tmp_path / "file").write_text("not a folder\n")
    return unwritable_folder(tmp_path) if name == "unwritable" else tmp_path / name


@pytest.mark.parametrize("name", BAD_OUTBOXES)
def test_an_outbox_that_cannot_be_written_is_one_line_before_anything_is_planned(
    home: Path, tmp_path: Path, name: str
) -> None:
    """`digest run --outbox LOOP` (or a dangling link) was a FileExistsError traceback from mkdir, exit 1;
    `--outbox FILE` planned and recorded every digest, then failed to write each ('1 failed', exit 1)."""
    subscribed = runner.invoke(app, ["subscribe", KO_FIRM, "--email", "ko@example.org", "--min-score", "0"])
    assert subscribed.exit_code == 0, subscribed.output
    outbox = bad_outbox(tmp_path, name)
    result = runner.invoke(app, ["digest", "run", "--outbox", str(outbox), "--as-of", AS_OF])
    assert (result.exit_code, result.stdout) == (2, ""), result.output
    assert result.stderr == f"error: cannot write digests into {outbox}: {BAD_OUTBOXES[name]}\n"
    # Nothing in the digest ledger: a pending or failed digest would make the subscription not due.
    dry = runner.invoke(app, ["digest", "run", "--dry-run", "--as-of", AS_OF])
    assert dry.stdout == "1 subscriptions due, would send 1, skipped 0 empty, 0 failed\n"


def test_an_outbox_to_be_created_is_made_private_and_receives_the_digest(home: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["subscribe", KO_FIRM, "--email", "ko@example.org", "--min-score", "0"]).exit_code == 0
    outbox = tmp_path / "new" / "outbox"
    sent = runner.invoke(app, ["digest", "run", "--outbox", str(outbox), "--as-of", AS_OF])
    assert sent.exit_code == 0 and len(list(outbox.glob("*.eml"))) == 1, sent.output
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o700


SHORT_KEY = ("holds 5 characters (expected at least 32: set MATCHER_SECRET_KEY, or delete the file to have a new key "
             "generated; links already sent stop working)")


def test_a_short_hand_written_key_file_stops_the_run_before_anything_is_planned(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MATCHER_SECRET_KEY unset and 'short' written into MATCHER_HOME/secret_key: every unsubscribe link was
    signed with those 5 characters."""
    assert runner.invoke(app, ["subscribe", KO_FIRM, "--email", "ko@example.org", "--min-score", "0"]).exit_code == 0
    monkeypatch.delenv("MATCHER_SECRET_KEY")
    (home / "secret_key").write_text("short\n")
    for args in (["digest", "run", "--outbox", str(tmp_path / "outbox")], ["digest", "run", "--dry-run"],
                 ["schedule", "--once", "--outbox", str(tmp_path / "outbox"), "--digest-at", "00:00"]):
        result = runner.invoke(app, [*args, "--as-of", AS_OF] if args[0] == "digest" else args)
        assert (result.exit_code, result.stdout) == (2, ""), (args, result.output)
        assert result.stderr == f"error: secret key file {home / 'secret_key'} {SHORT_KEY}\n"
    assert not (tmp_path / "outbox").exists()
    (home / "secret_key").write_text("k" * 32)
    dry = runner.invoke(app, ["digest", "run", "--dry-run", "--as-of", AS_OF])
    assert dry.stdout == "1 subscriptions due, would send 1, skipped 0 empty, 0 failed\n"  # nothing recorded


def test_serve_refuses_a_short_key_file_at_start(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MATCHER_SECRET_KEY")
    (home / "secret_key").write_text("short")
    served: list[tuple[object, ...]] = []
    monkeypatch.setattr("matcher.cli.serve.run_server", lambda *args: served.append(args))
    result = runner.invoke(app, ["serve", "--port", "8765"])
    assert (result.exit_code, served) == (2, []), result.output
    assert result.stderr == f"error: secret key file {home / 'secret_key'} {SHORT_KEY}\n"


@pytest.mark.parametrize("public_url", [None, "http://localhost:8000/", "http://[::1]:8000"])
def test_mail_through_a_remote_server_with_unsubscribe_links_to_this_machine_is_refused_first(
    home: Path, monkeypatch: pytest.MonkeyPatch, public_url: str | None
) -> None:
    """With MATCHER_PUBLIC_URL unset, every digest sent through the organisation's mail server went out with its
    unsubscribe link and List-Unsubscribe header pointing at http://127.0.0.1:8000: no recipient could unsubscribe,
    and mailbox providers take a digest without a working one-click unsubscribe for spam."""
    monkeypatch.setenv("MATCHER_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("MATCHER_SMTP_RETRIES", "0")
    if public_url is None:
        monkeypatch.delenv("MATCHER_PUBLIC_URL", raising=False)
    else:
        monkeypatch.setenv("MATCHER_PUBLIC_URL", public_url)
    runner.invoke(app, ["subscribe", "kr-hanbit-water", "--email", "a@example.org"])
    result = runner.invoke(app, ["digest", "run", "--as-of", AS_OF])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert "MATCHER_PUBLIC_URL" in line and "mail.example.org" in line
    shown = runner.invoke(app, ["digest", "run", "--dry-run", "--as-of", AS_OF])
    assert shown.exit_code == 0 and "1 subscriptions due, would send 1" in shown.stdout  # nothing was recorded
