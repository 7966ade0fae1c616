"""``matcher firms suggest-codes``, ``accept-codes`` and ``decline-codes`` over a real store (fake encoder)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.config import Settings
from matcher.demo import demo_firms, load_demo
from matcher.normalize.codes import codebook
from matcher.pipeline import Matcher
from matcher.schema import MAX_SUGGESTIONS
from matcher.search.code_labels import class_key
from matcher.services.code_suggestions import brings
from tests.conftest import FIXTURES

runner = CliRunner()
FIRMS = FIXTURES / "firms" / "firms.json"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    assert runner.invoke(app, ["ingest", "tenders", str(FIXTURES / "ted")]).exit_code == 0
    assert runner.invoke(app, ["ingest", "firms", str(FIRMS)]).exit_code == 0
    assert runner.invoke(app, ["index", "build"]).exit_code == 0
    return tmp_path / "home"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_suggest_codes_json(home: Path) -> None:
    code, out, _ = run("firms", "suggest-codes", "kr-cryo-01", "--k", "4", "--json")
    assert code == 0
    found = json.loads(out)
    assert len(found) == 4
    assert all(set(s) == {"code", "label", "confidence", "source", "keyword", "label_ko", "approved", "rejected",
                          "worth_declining", "ranked"} for s in found)
    assert {(s["approved"], s["rejected"], s["worth_declining"]) for s in found} == {(0, 0, False)}
    assert all(s["label_ko"] == codebook().label_in(s["code"], "ko") for s in found)
    assert [s["confidence"] for s in found] == sorted((s["confidence"] for s in found), reverse=True)
    # A translated keyword says which (the FakeEncoder's translations are noise, but they are marked);
    # "dilution refrigerator" reaches notices by its words and is not translated.
    found_all = json.loads(run("firms", "suggest-codes", "kr-cryo-01", "--k", "50", "--json")[1])
    translated = {s["keyword"] for s in found_all if s["source"] == "keyword"}
    assert translated and translated <= {"희석 냉동기", "크라이오스탯"}
    assert all(s["keyword"] is None for s in found_all if s["source"] != "keyword")
    assert len({class_key(s["code"]) for s in found}) == 4
    # The firm has a UNSPSC code, so that scheme is in use: its labels are candidates too.
    found = json.loads(run("firms", "suggest-codes", "kr-cryo-01", "--k", "50", "--json")[1])
    assert {s["code"].partition(":")[0] for s in found} == {"CPV", "UNSPSC"}


def test_suggest_codes_table(home: Path) -> None:
    code, out, _ = run("firms", "suggest-codes", "kr-cryo-01", "--k", "2")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 2 and lines[0].startswith(("CPV:", "UNSPSC:"))
    # A firm that lists Korean reads a CPV code's Korean label before the English one.
    found = json.loads(run("firms", "suggest-codes", "kr-cryo-01", "--k", "10", "--json")[1])
    table = run("firms", "suggest-codes", "kr-cryo-01", "--k", "10")[1].strip().splitlines()
    for s, line in zip(found, table, strict=True):
        label = f"{s['label_ko']} / {s['label']}" if s["label_ko"] else s["label"]
        assert line.startswith(s["code"]) and label in line


def test_suggest_codes_says_what_the_partner_decided_under_a_code(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the demo (125 notices): the firm described as a notice of the commonest class, two notices of that
    class rejected by its partner; the table says so under the code, and advises declining it."""
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "demo"))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    matcher = Matcher(Settings(home=tmp_path / "demo", encoder="fake"))
    load_demo(matcher)
    notices = list(matcher.all_tenders())
    common = Counter(k for t in notices for k in {class_key(c) for c in t.codes} if k).most_common(1)[0][0]
    firm = demo_firms(matcher)[0]
    model = next(t for t in notices if any(class_key(c) == common for c in t.codes))
    matcher.upsert_firms([firm.model_copy(update={"description": model.text()[:2000]})])
    found = [s.code for s in matcher.suggest_codes(firm.firm_id, MAX_SUGGESTIONS)]
    target = next(code for code in found if class_key(code) == common)
    for notice in [t for t in notices if any(brings(target, c) for c in t.codes)][:2]:
        matcher.propose(firm.firm_id, notice.tender_id, "partner-a")
        matcher.decide(firm.firm_id, notice.tender_id, "rejected", "partner-a")
    matcher.close()
    table = run("firms", "suggest-codes", firm.firm_id, "--k", str(MAX_SUGGESTIONS))[1].splitlines()
    said = table[table.index(next(line for line in table if line.startswith(target))) + 1]
    assert said.strip() == ("partner's decisions on notices under it: 0 approved, 2 rejected: the firm probably "
                            "does not do it; decline it?")


def test_accept_codes_then_again(home: Path) -> None:
    code, out, _ = run("firms", "accept-codes", "kr-cryo-01", "CPV:38421100", "cpv:45252127")
    assert code == 0 and "2 code(s) added (CPV:38421100, CPV:45252127)" in out
    code, out, _ = run("firms", "accept-codes", "kr-cryo-01", "CPV:38421100")
    assert code == 0 and "0 code(s) added;" in out
    matcher = Matcher(Settings(home=home, encoder="fake"))
    assert matcher.get_firm("kr-cryo-01").codes == ["CPV:38000000", "UNSPSC:41101500", "CPV:38421100", "CPV:45252127"]
    matcher.close()


def test_decline_codes_then_again(home: Path) -> None:
    code, out, _ = run("firms", "suggest-codes", "kr-cryo-01", "--k", "50", "--json")
    before = [s["code"] for s in json.loads(out)]
    code, out, _ = run("firms", "decline-codes", "kr-cryo-01", before[0], "cpv:79710000-4")
    assert code == 0 and f"2 code(s) declined ({before[0]}, CPV:79710000)" in out
    code, out, _ = run("firms", "decline-codes", "kr-cryo-01", "CPV:79710000")
    assert code == 0 and "0 code(s) declined;" in out
    code, out, _ = run("firms", "suggest-codes", "kr-cryo-01", "--k", "50", "--json")
    assert [s["code"] for s in json.loads(out)] == [c for c in before if c != before[0]]
    matcher = Matcher(Settings(home=home, encoder="fake"))
    assert matcher.get_firm("kr-cryo-01").declined_codes == [before[0], "CPV:79710000"]
    matcher.close()


@pytest.mark.parametrize(("args", "message"), [
    (("decline-codes", "kr-cryo-01", "CPV:38000000"), "error: CPV:38000000 is one of the codes of firm 'kr-cryo-01'"),
    (("decline-codes", "kr-cryo-01", "guarding"), "error: bad code 'guarding'"),
    (("accept-codes", "kr-cryo-01", "CPV:33999999"), "error: unknown code 'CPV:33999999'"),
    (("accept-codes", "kr-cryo-01", "water"), "error: bad code 'water'"),
    (("accept-codes", "nobody", "CPV:38421100"), "error: unknown firm 'nobody'"),
    (("suggest-codes", "nobody"), "error: unknown firm 'nobody'"),
])
def test_bad_input_is_one_line_and_exit_2(home: Path, args: tuple[str, ...], message: str) -> None:
    code, _, err = run("firms", *args)
    assert code == 2 and err.strip().splitlines() == [err.strip()] and err.startswith(message)


def test_k_out_of_range_exits_2(home: Path) -> None:
    code, _, _ = run("firms", "suggest-codes", "kr-cryo-01", "--k", "0")
    assert code == 2


# ---------------------------------------------------------------------------------- suggested keywords
WATER = {"firm_id": "kr-water-03", "name": "청수환경",
         "description": "상하수도 정수 설비와 오염 방지 시설을 시공합니다."}


@pytest.fixture
def water(home: Path, tmp_path: Path) -> Path:
    """A firm that wrote one Korean sentence and no keyword."""
    path = tmp_path / "water.json"
    path.write_text(json.dumps([WATER], ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(app, ["ingest", "firms", str(path)]).exit_code == 0
    return home
def test_suggest_keywords_reads_a_korean_description(water: Path) -> None:
    """Its product phrases are suggested, as written."""
    code, out, _ = run("firms", "suggest-keywords", "kr-water-03", "--json")
    assert code == 0 and json.loads(out) == ["상하수도 정수 설비", "오염 방지"]
    code, out, _ = run("firms", "suggest-keywords", "kr-water-03")
    assert code == 0 and out.splitlines() == ["상하수도 정수 설비", "오염 방지"]


def test_suggest_keywords_leaves_out_the_firms_own(water: Path) -> None:
    """A phrase equal to one of the firm's keywords, spaces ignored, is not suggested again."""
    assert run("firms", "accept-keywords", "kr-water-03", "상하수도정수 설비")[0] == 0
    assert json.loads(run("firms", "suggest-keywords", "kr-water-03", "--json")[1]) == ["오염 방지"]


def test_accept_keywords_adds_them_after_the_firms_own_once(water: Path) -> None:
    code, out, _ = run("firms", "accept-keywords", "kr-water-03", "오염 방지", "  상하수도  정수 설비 ", "오염방지")
    assert code == 0
    assert out.strip() == ("firm kr-water-03: 2 keyword(s) added (오염 방지, 상하수도 정수 설비); "
                           "keywords now: 오염 방지, 상하수도 정수 설비")
    assert run("firms", "suggest-keywords", "kr-water-03")[1].strip() == "no suggestions"
    code, out, _ = run("firms", "accept-keywords", "kr-water-03", "오염 방지")
    assert code == 0 and out.startswith("firm kr-water-03: 0 keyword(s) added;")
    assert Matcher(Settings(home=water, encoder="fake")).get_firm("kr-water-03").keywords == ["오염 방지",
                                                                                             "상하수도 정수 설비"]


@pytest.mark.parametrize(("args", "message"), [
    (("accept-keywords", "kr-water-03", " "), "keyword 1 of 1 is blank"),
    (("accept-keywords", "kr-water-03", "오염 방지", ""), "keyword 2 of 2 is blank"),
    # The API's rule (one line, no control character, a visible one, at most 200 characters), which the command
    # took none of: an ESC stored in a keyword reached every terminal that printed the profile.
    (("accept-keywords", "kr-water-03", "오염 방지", "red\x1b[31m"),
     "keyword 2 of 2 holds the control character U+001B ESC at position 4: one line of text is expected"),
    (("accept-keywords", "kr-water-03", "a\x9bb"), "keyword 1 of 1 holds the control character U+009B C1 CONTROL at"),
    (("accept-keywords", "kr-water-03", "\u200b\u2060"), "keyword 1 of 1 is blank"),
    (("accept-keywords", "kr-water-03", "x" * 201), "keyword 1 of 1 is longer than 200 characters (201)"),
    # a bidirectional control reorders the text after it ('pumps \u202eretaw' shows as 'pumps water'), as in a name
    (("accept-keywords", "kr-water-03", "오염 방지", "pumps \u202eretaw"),
     "keyword 2 of 2 holds U+202E RIGHT-TO-LEFT OVERRIDE at position 7, a bidirectional control"),
    (("accept-keywords", "kr-water-03", "\u2067펌프"),
     "keyword 1 of 1 holds U+2067 RIGHT-TO-LEFT ISOLATE at position 1"),
    (("accept-keywords", "no-such-firm", "오염 방지"), "no-such-firm"),
    (("suggest-keywords", "no-such-firm"), "no-such-firm"),
])
def test_keyword_commands_refuse_bad_input_in_one_line(water: Path, args: tuple[str, ...], message: str) -> None:
    code, _, err = run("firms", *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert Matcher(Settings(home=water, encoder="fake")).get_firm("kr-water-03").keywords == []


def test_a_firm_file_with_a_bidi_control_in_its_typed_text_rejects_that_firm(home: Path, tmp_path: Path) -> None:
    """Each record of a file is held to the rule, as to every other (the file's other firms are stored): a keyword,
    a description or a certification with an override is refused naming the field, the place and the character."""
    path = tmp_path / "spoofed.json"
    changes: list[dict[str, object]] = [
        {"keywords": ["정수 설비"]}, {"keywords": ["정수 설비", "pumps \u202eretaw"]},
        {"description": "Pumps \u2066retaw"}, {"certifications": ["ISO \u202b9001"]}]
    firms = [{**WATER, "firm_id": f"kr-water-{i}", **fields} for i, fields in enumerate(changes)]
    path.write_text(json.dumps(firms, ensure_ascii=False), encoding="utf-8")
    code, out, err = run("ingest", "firms", str(path))
    assert code == 0 and "1 new, 0 updated, 0 unchanged, 3 rejected" in out, out + err
    lines = err.splitlines()
    assert len(lines) == 3, err
    for line, where in zip(lines, ("spoofed.json#2: keywords.1: holds U+202E RIGHT-TO-LEFT OVERRIDE at position 7",
                                   "spoofed.json#3: description: holds U+2066 LEFT-TO-RIGHT ISOLATE at position 7",
                                   "spoofed.json#4: certifications.0: holds U+202B RIGHT-TO-LEFT EMBEDDING at "),
                           strict=True):
        assert line.startswith(f"  rejected {where}"), line
    assert Matcher(Settings(home=home, encoder="fake")).get_firm("kr-water-0").keywords == ["정수 설비"]


def test_accept_keywords_past_the_profiles_limit_stores_nothing(water: Path) -> None:
    code, _, err = run("firms", "accept-keywords", "kr-water-03", *(f"키워드{i}" for i in range(101)))
    assert code == 2 and "keywords" in err and len(err.strip().splitlines()) == 1
    assert Matcher(Settings(home=water, encoder="fake")).get_firm("kr-water-03").keywords == []


def test_recommend_tells_a_korean_firm_without_keywords_to_name_some(water: Path) -> None:
    code, out, err = run("recommend", "kr-water-03", "--k", "3")
    assert code == 0 and out.strip()
    assert err.strip() == ("note: firm kr-water-03 has no keywords; a Korean profile is found mostly through them "
                           "(matcher firms suggest-keywords kr-water-03)")
    assert "note:" not in run("recommend", "kr-water-03", "--k", "3", "--json")[2]  # JSON output: stdout only
    assert run("firms", "accept-keywords", "kr-water-03", "오염 방지")[0] == 0
    assert run("recommend", "kr-water-03", "--k", "3")[2] == ""
    assert run("recommend", "kr-cryo-01", "--k", "3")[2] == ""  # it has keywords
