"""The text people or feeds wrote inside a reason (a firm's keyword, the notice's words it was found as, the terms a
profile and a notice share) is shown by each face as that face shows such text: isolated in HTML (each value the whole
content of a ``<bdi>``: an override in a keyword stored before keywords were refused one, or an Arabic term, reorders
nothing of the sentence around it), without the format characters that draw nothing in plain text (the CLI, a digest's
text part), and as stored in JSON (the API's and ``--json``'s summary)."""

from __future__ import annotations

import lxml.html
import pytest
from markupsafe import Markup

from matcher.ranking.reasons import (
    LANGUAGES,
    PEOPLES_PARAMS,
    ReasonLanguage,
    explanation_lines,
    markup_lines,
    render,
    render_markup,
    render_shown,
    shown_lines,
)
from matcher.schema import Explanation, Reason
from tests.ranking.test_reasons import SAMPLES

OVERRIDE = "\u202ewater meters"  # stored before keywords were refused one: shown 'sretem retaw' and the rest reversed
ARABIC = "عدادات المياه"
SPOOFED = Reason(kind="keyword_match", params={"keyword": OVERRIDE, "found": "water meters", "via": "text"})


def isolated_values(markup: Markup) -> list[str]:
    return [bdi.text_content() for bdi in lxml.html.fragment_fromstring(str(markup), create_parent="p").iter("bdi")]


def people_values(reason: Reason) -> list[str]:
    found: list[str] = []
    for name in sorted(PEOPLES_PARAMS & reason.params.keys(), key=list(reason.params).index):
        value = reason.params[name]
        found += [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return found


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("reason", SAMPLES, ids=lambda r: r.kind)
def test_html_isolates_exactly_the_values_people_wrote_and_reads_as_the_plain_sentence(
    reason: Reason, language: ReasonLanguage,
) -> None:
    markup = render_markup(reason, language)
    assert isinstance(markup, Markup)
    text = lxml.html.fragment_fromstring(str(markup), create_parent="p").text_content()
    assert text == render(reason, language) == render_shown(reason, language)  # nothing here to drop
    assert sorted(isolated_values(markup)) == sorted(people_values(reason))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_keyword_with_an_override_is_isolated_in_html_dropped_in_plain_text_and_kept_in_json(
    language: ReasonLanguage,
) -> None:
    markup = render_markup(SPOOFED, language)
    assert f"<bdi>{OVERRIDE}</bdi>" in markup and isolated_values(markup) == [OVERRIDE, "water meters"]
    assert render(SPOOFED, language).count(OVERRIDE) == 1  # the JSON summary: as stored
    shown = render_shown(SPOOFED, language)
    assert "\u202e" not in shown and shown == render(SPOOFED.model_copy(update={"params": {
        **SPOOFED.params, "keyword": "water meters"}}), language)


def test_each_shared_term_is_isolated_on_its_own_and_values_are_escaped() -> None:
    terms = Reason(kind="shared_terms", params={"terms": [ARABIC, "<b>pumps</b>", "valves & \u2067x"]})
    markup = render_markup(terms, "en")
    assert markup == Markup(f"both mention <bdi>{ARABIC}</bdi>, <bdi>&lt;b&gt;pumps&lt;/b&gt;</bdi>, "
                            "<bdi>valves &amp; \u2067x</bdi>")
    assert render_shown(terms, "en") == f"both mention {ARABIC}, <b>pumps</b>, valves & x"


def test_text_scripts_need_stays_in_plain_text() -> None:
    """Only the characters shown text loses (``matcher.characters.shown_text``) go: RTL letters, marks, the joiner
    Persian writes inside a word."""
    for keyword in (ARABIC, "\u200fמדי מים\u200f", "آب\u200cرسانی"):
        reason = Reason(kind="keyword_match", params={"keyword": keyword, "found": keyword, "via": "text"})
        assert render_shown(reason, "en") == render(reason, "en")


def test_the_explanation_in_each_face_and_an_old_one_by_its_summary() -> None:
    explanation = Explanation(reasons=[SPOOFED], concerns=[SAMPLES[-1]])
    stored, shown, markup = (explanation_lines(explanation, "ko"), shown_lines(explanation, "ko"),
                             markup_lines(explanation, "ko"))
    assert stored == ([render(SPOOFED, "ko")], [render(SAMPLES[-1], "ko")])
    assert shown == ([render_shown(SPOOFED, "ko")], [render_shown(SAMPLES[-1], "ko")])
    assert markup == ([render_markup(SPOOFED, "ko")], [render_markup(SAMPLES[-1], "ko")])
    old = Explanation(summary=[f"shares the terms <b>{OVERRIDE}</b>"])
    assert markup_lines(old, "en") == ([Markup(f"shares the terms &lt;b&gt;{OVERRIDE}&lt;/b&gt;")], [])
    assert shown_lines(old, "en") == (["shares the terms <b>water meters</b>"], [])
