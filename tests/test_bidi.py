"""matcher.bidi: text people or feeds wrote is isolated in HTML (``<bdi>``, or FSI...PDI where no element may
stand), escaped as before, and cannot end its isolation early with a PDI of its own."""

from __future__ import annotations

import lxml.html
from markupsafe import Markup

from matcher.bidi import FSI, PDI, filled, isolated, isolated_text

SPOOF = "Hanbit \u202eretaW"
ARABIC = "توريد مضخات المياه"


def test_isolated_wraps_the_text_in_bdi_escaped_as_before() -> None:
    assert isolated(SPOOF) == Markup(f"<bdi>{SPOOF}</bdi>")
    assert isolated(ARABIC) == Markup(f"<bdi>{ARABIC}</bdi>")
    assert isolated('<b>Water</b> & "Co"') == Markup("<bdi>&lt;b&gt;Water&lt;/b&gt; &amp; &#34;Co&#34;</bdi>")
    assert isolated(Markup("<em>ours</em>")) == Markup("<bdi><em>ours</em></bdi>")  # markup is not escaped twice
    assert isolated(3) == Markup("<bdi>3</bdi>")


def test_a_pdi_of_the_text_that_closes_nothing_of_its_own_gets_an_isolate_to_close() -> None:
    """'x\\u2069\\u202e...' would close the isolation around it and let the override run on over the sentence."""
    escape_attempt = f"x{PDI}\u202eretaW"
    assert isolated(escape_attempt) == Markup(f"<bdi>{FSI}{escape_attempt}</bdi>")
    assert isolated_text(f"{PDI}{PDI}a") == f"{FSI}{FSI}{FSI}{PDI}{PDI}a{PDI}"
    paired = f"a \u2067{ARABIC}{PDI} b {PDI}"  # its own RLI...PDI pair, then one stray
    assert isolated(paired) == Markup(f"<bdi>{FSI}{paired}</bdi>")
    assert isolated(f"\u2066a{PDI}") == Markup(f"<bdi>\u2066a{PDI}</bdi>")


def test_isolated_text_is_plain_text_between_fsi_and_pdi() -> None:
    assert isolated_text(SPOOF) == f"{FSI}{SPOOF}{PDI}"
    assert not isinstance(isolated_text("<b>"), Markup)  # escaped where it is put, like any text


def test_filled_isolates_the_values_people_wrote_and_escapes_the_rest() -> None:
    sentence = filled("Profile of {name} & {count} notices", {"name"}, name=SPOOF, count="<3>")
    assert sentence == Markup(f"Profile of <bdi>{SPOOF}</bdi> &amp; &lt;3&gt; notices")
    (bdi,) = lxml.html.fragment_fromstring(f"<p>{sentence}</p>").xpath("bdi")
    assert bdi.text == SPOOF
    assert filled("No {braces} filled", {"name"}) == Markup("No {braces} filled")


def unisolated(html: str, value: str) -> list[str]:
    """Where a page or email shows ``value`` without isolating it: as (part of) a text that is not the whole content
    of a ``<bdi>`` or of an element with ``dir="auto"``, or in a ``<title>`` or an attribute not between FSI and PDI.
    A form field's own text (a ``<textarea>``) is a paragraph of its own, and so is the plain-text email a digest
    preview shows in its ``<pre>``: what the text part says, as it is sent."""
    found: list[str] = []
    tree = lxml.html.document_fromstring(html)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue  # a comment
        found += [f"{element.tag}@{name}" for name, text in element.attrib.items()
                  if value in text and f"{FSI}{value}{PDI}" not in text]
        if element.tag in ("textarea", "pre") or any(a.tag == "pre" for a in element.iterancestors()):
            continue
        texts = [element.text or "", *(child.tail or "" for child in element)]
        if not any(value in text for text in texts):
            continue
        whole = element.text_content().lstrip(FSI) == value
        if element.tag == "title":
            whole = f"{FSI}{value}{PDI}" in element.text_content()
        elif not (whole and (element.tag == "bdi" or element.get("dir") == "auto")):
            whole = False
        if not whole:
            found.append(f"{element.tag}: {' '.join(element.text_content().split())[:80]!r}")
    return found


def shown_isolated(html: str, value: str) -> int:
    """How many elements show ``value`` as their whole content, isolated (``<bdi>`` or ``dir="auto"``)."""
    tree = lxml.html.document_fromstring(html)
    return sum(1 for element in tree.xpath("//bdi | //*[@dir='auto']")
               if element.text_content().lstrip(FSI) == value)


def test_the_check_finds_a_value_shown_without_isolation() -> None:
    bare = f"<html><head><title>Profile of {SPOOF}</title></head><body><p>Profile of {SPOOF}</p>" \
           f"<nav aria-label='Pages of {SPOOF}'></nav><bdi>{SPOOF} and more</bdi></body></html>"
    assert len(unisolated(bare, SPOOF)) == 4 and shown_isolated(bare, SPOOF) == 0
    kept = f"<html><head><title>Profile of {FSI}{SPOOF}{PDI}</title></head><body><p>Profile of {isolated(SPOOF)}</p>" \
           f"<nav aria-label='Pages of {isolated_text(SPOOF)}'></nav><h1 dir='auto'>{SPOOF}</h1>" \
           f"<textarea>{SPOOF}</textarea></body></html>"
    assert unisolated(kept, SPOOF) == [] and shown_isolated(kept, SPOOF) == 2
