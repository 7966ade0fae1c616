"""Judged-relevance metrics and the judged file reader."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from matcher.errors import InvalidInput
from matcher.evaluate.judged import JudgedProfile, evaluate_judged, format_judged, load_judged, profile_metrics
from matcher.schema import FirmProfile

GRADES = {"a": 2, "b": 1, "c": 0, "d": 2}


def test_metrics_of_one_ranking_are_derived_by_hand() -> None:
    found = profile_metrics(["a", "c", "x", "b", "y", "d"], GRADES)
    # top 5: a=2, c=0, x=unjudged (0), b=1, y=unjudged -> one 2 and one 1
    assert found["p@5"] == pytest.approx(1 / 5)
    assert found["p@5h"] == pytest.approx(1.5 / 5)
    # gains 3,0,0,1,0,3 at ranks 1..6; ideal 3,3,1,0
    dcg = 3 / math.log2(2) + 1 / math.log2(5) + 3 / math.log2(7)
    ideal = 3 / math.log2(2) + 3 / math.log2(3) + 1 / math.log2(4)
    assert found["ndcg@10"] == pytest.approx(dcg / ideal)
    assert found["r@50"] == pytest.approx(1.0)  # a, b and d (grade >= 1) are all in the list
    assert found["judged@10"] == pytest.approx(4 / 6)


def test_a_perfect_ranking_scores_one_and_an_empty_one_zero() -> None:
    perfect = profile_metrics(["a", "d", "b", "c"], GRADES)
    assert perfect["ndcg@10"] == pytest.approx(1.0)
    assert perfect["r@50"] == 1.0
    empty = profile_metrics([], GRADES)
    assert empty["p@5"] == 0 and empty["ndcg@10"] == 0 and empty["r@50"] == 0


def _profile(firm_id: str, codes: list[str], language: str) -> FirmProfile:
    return FirmProfile(firm_id=firm_id, name=firm_id, description="x", codes=codes, languages=[language])


def test_report_groups_by_language_and_codes_and_uses_one_split_only() -> None:
    judged = [
        JudgedProfile(_profile("k1", [], "ko"), "report", "ko", False, {"a": 2}),
        JudgedProfile(_profile("e1", ["CPV:33111000"], "en"), "report", "en", True, {"b": 2}),
        JudgedProfile(_profile("t1", [], "ko"), "tune", "ko", False, {"a": 2}),
    ]
    rankings = {"k1": ["a"], "e1": ["a", "b"], "t1": ["a"]}
    report = evaluate_judged(judged, {"m": lambda p: rankings[p.firm_id]}, {"a": "bg", "b": "en"}, "report")
    assert report.profiles == 2
    assert report.methods["m"]["ko, no codes"]["p@5"] == pytest.approx(0.2)
    assert report.methods["m"]["en, codes"]["p@5"] == pytest.approx(0.2)
    assert report.methods["m"]["en, codes"]["ndcg@10"] == pytest.approx(1 / math.log2(3), abs=1e-3)
    assert report.notice_languages["m"] == {"known": 1.0, "unknown": 1.0, "bg": 1.0, "en": 1.0}


def test_a_bad_judged_file_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "judged.json"
    bad.write_text(json.dumps({"profiles": [{"split": "later", "profile": {"firm_id": "a", "name": "a",
                                                                         "description": "x"}}]}))
    with pytest.raises(InvalidInput, match="split 'later'"):
        load_judged(bad)
    bad.write_text(json.dumps({"profiles": [{"split": "tune", "judgments": {"t": 3},
                                             "profile": {"firm_id": "a", "name": "a", "description": "x"}}]}))
    with pytest.raises(InvalidInput, match="0, 1 or 2"):
        load_judged(bad)
    bad.write_text("[" * 100_000)
    with pytest.raises(InvalidInput, match="cannot read judged file"):
        load_judged(bad)


def test_the_shipped_judged_file_is_valid_and_split_in_halves() -> None:
    path = Path(__file__).resolve().parents[2] / "evaluation" / "judged.json"
    profiles = load_judged(path)
    assert len(profiles) >= 40
    assert sum(p.language == "ko" for p in profiles) * 2 >= len(profiles)
    assert sum(not p.has_codes for p in profiles) * 2 >= len(profiles)
    halves = {s: [p for p in profiles if p.split == s] for s in ("tune", "report")}
    assert abs(len(halves["tune"]) - len(halves["report"])) <= 1


#: The sets built after judged.json (JUDGING.md: "The fresh set", "The second fresh set", ..., "The eighth
#: fresh set"), each after the ones before it, and how many judgments each holds.
FRESH_SETS = (
    ("judged_fresh.json", 970),  # 826 pooled and graded at first, 93 in rounds 5 and 6, 45 in 7 and 8, 6 in 9
    ("judged_fresh2.json", 813),  # 714 pooled at first, 62 in round 2, 25 in rounds 7 and 8, 12 in round 9
    ("judged_fresh3.json", 839),  # 781 pooled by the eight methods, 12 of the evidence, 32 in rounds 7-8, 14 in 9
    ("judged_fresh4.json", 861),  # 813 pooled by the eight methods, 17 of the evidence, 21 in rounds 7-8, 10 in 9
    ("judged_fresh5.json", 892),  # 840 pooled by the eight methods and the weighted ranking, 39 of the evidence,
    #                               13 in round 9
    ("judged_fresh6.json", 820),  # 774 pooled by the eight methods, 31 by the centred-dense candidate, 15 of the
    #                               evidence
    ("judged_fresh7.json", 844),  # 788 pooled by the eight methods, 17 of the evidence, 39 in round 2
    ("judged_fresh8.json", 975),  # 958 pooled by the eight methods and the product's top 20, 8 of the evidence,
    #                               9 in round 2
)


@pytest.mark.parametrize(("position", "name", "judgments"), [(i, n, j) for i, (n, j) in enumerate(FRESH_SETS)],
                         ids=[n for n, _ in FRESH_SETS])
def test_each_fresh_judged_file_is_held_out_on_lines_no_earlier_set_uses(
    position: int, name: str, judgments: int
) -> None:
    # 24 profiles, all held out, in the four groups; none of an earlier set's firms; a notice graded 2 for
    # every one (a profile without one measures nothing).
    folder = Path(__file__).resolve().parents[2] / "evaluation"
    fresh = load_judged(folder / name)
    earlier = ["judged.json", *(n for n, _ in FRESH_SETS[:position])]
    others = {p.profile.firm_id for other in earlier for p in load_judged(folder / other)}
    assert len(fresh) == 24 and {p.split for p in fresh} == {"report"}
    assert not {p.profile.firm_id for p in fresh} & others
    groups = {g: sum(p.group == g for p in fresh) for g in ("ko, no codes", "ko, codes", "en, codes", "en, no codes")}
    assert groups == {"ko, no codes": 12, "ko, codes": 2, "en, codes": 5, "en, no codes": 5}
    assert all(2 in p.grades.values() for p in fresh)
    assert sum(len(p.grades) for p in fresh) == judgments


def test_a_firm_judged_twice_is_refused_naming_both_entries(tmp_path: Path) -> None:
    """Two entries for one firm were both scored (the firm counted twice) and, in two splits, put the same firm
    in the tuning half and the reporting half the tuning is meant not to see."""
    entry = {"split": "tune", "judgments": {"t": 2}, "profile": {"firm_id": "a", "name": "a", "description": "x"}}
    path = tmp_path / "judged.json"
    path.write_text(json.dumps({"profiles": [entry, {**entry, "split": "report"}]}))
    with pytest.raises(InvalidInput, match=f"{path}: profile 1: firm 'a' is judged already in profile 0"):
        load_judged(path)


def test_the_report_counts_judged_notices_this_store_does_not_hold() -> None:
    """A judged notice missing from the store can never be ranked: the figures fall with no word why (a judged
    file run against the wrong store scored 0.000 everywhere). The report counts them and says so."""
    judged = [JudgedProfile(_profile("k1", [], "ko"), "report", "ko", False, {"a": 2, "gone": 1, "zero": 0}),
              JudgedProfile(_profile("e1", [], "en"), "report", "en", False, {"a": 1, "also-gone": 2})]
    report = evaluate_judged(judged, {"m": lambda p: ["a"]}, {"a": "en"}, "report")
    assert report.not_stored == 3 and report.to_json()["judged notices not in this store"] == 3
    assert "3 of the 5 judgments name notices this store does not hold" in format_judged(report)
    complete = evaluate_judged(judged[:1], {"m": lambda p: ["a"]}, {"a": "en", "gone": "en", "zero": "en"})
    assert complete.not_stored == 0 and "does not hold" not in format_judged(complete)


def test_a_bar_per_method_counts_the_profiles_on_stderr_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    # 100,000 judged profiles ranked for minutes without a sign of life; the bar counts profiles per method
    judged = [JudgedProfile(_profile(f"f{i}", [], "en"), "report", "en", False, {"a": 2}) for i in range(3)]
    methods = {"first": lambda p: ["a"], "second": lambda p: []}
    quiet = evaluate_judged(judged, methods, {"a": "en"}, "report")
    assert capsys.readouterr() == ("", "")
    shown = evaluate_judged(judged, methods, {"a": "en"}, "report", bar=True)
    out, err = capsys.readouterr()
    assert out == "" and shown.to_json() == quiet.to_json()
    assert "first: 100%" in err and "second: 100%" in err and "3/3" in err
