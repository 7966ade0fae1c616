"""``GET /search/tenders``: notices found by meaning (``Matcher.search_notices``), for officers and partners."""

from __future__ import annotations

import re
import shutil
import unicodedata
from datetime import timedelta

from matcher.store import TenderFilter
from tests.api.conftest import World

#: Words of a Czech demo notice's description (not of its title or buyer), and the notice.
WORDS, CZECH = "poskytování služeb projektové a inženýrské činnosti", "ted:178549-2021"


def test_words_find_the_notice_with_its_fields(world: World) -> None:
    response = world.client.get("/search/tenders", params={"q": WORDS, "k": 5}, headers=world.auth("partner"))
    assert response.status_code == 200, response.text
    hits = response.json()
    expected = world.matcher.search_notices(WORDS, 5, open_only=False)
    assert [h["tender"]["tender_id"] for h in hits] == [h.tender.tender_id for h in expected]
    assert hits[0]["tender"]["tender_id"] == CZECH and len(hits) == 5
    assert hits[0]["tender"] == world.matcher.get_tender(CZECH).model_dump(mode="json")
    similarities = [h["similarity"] for h in hits]
    assert similarities == sorted(similarities, reverse=True)


def test_open_only(world: World) -> None:
    now = world.matcher.settings.now()
    closed = next(t for t in world.matcher.all_tenders() if t.notice_type == "award")
    words = f"{closed.title} {closed.titles.get('en', '')}"
    officer = world.auth("officer")
    everything = world.client.get("/search/tenders", params={"q": words}, headers=officer).json()
    assert everything[0]["tender"]["tender_id"] == closed.tender_id
    current = world.client.get("/search/tenders", params={"q": words, "open_only": "true"}, headers=officer).json()
    assert current and closed.tender_id not in [h["tender"]["tender_id"] for h in current]
    open_ids = {h.tender.tender_id for h in world.matcher.notices.search(words, 20, open_only=True, now=now)}
    assert {h["tender"]["tender_id"] for h in current} == open_ids


def test_who_may_search_and_bad_requests(world: World) -> None:
    assert world.client.get("/search/tenders", params={"q": WORDS}, headers=world.auth("officer")).status_code == 200
    firm = world.client.get("/search/tenders", params={"q": WORDS}, headers=world.auth("firm"))
    assert firm.status_code == 403 and firm.json()["error"] == "forbidden"
    assert world.client.get("/search/tenders", params={"q": WORDS}).status_code == 401
    partner = world.auth("partner")
    bad: list[dict[str, str | int]] = [
        {}, {"q": ""}, {"q": "   "}, {"q": "x" * 201}, {"q": "a\x00b"}, {"q": "water", "k": 0},
        {"q": "water", "k": 101}, {"q": "water", "extra": "1"},
    ]
    for params in bad:
        assert world.client.get("/search/tenders", params=params, headers=partner).status_code == 422, params


def test_503_before_an_index_exists(world: World) -> None:
    shutil.rmtree(world.matcher.settings.indexes_dir)
    response = world.client.get("/search/tenders", params={"q": WORDS}, headers=world.auth("partner"))
    assert response.status_code == 503 and response.json()["error"] == "index_not_ready"


def test_a_notice_published_after_now_is_never_found(world: World) -> None:
    """Two copies of the Czech notice's text stored by an officer, one published today and one tomorrow: the
    index holds both, and a search (any role, open or not) finds today's only (README, "Open")."""
    czech, now = world.matcher.get_tender(CZECH), world.matcher.settings.now()
    copies = [{"tender_id": f"api:{name}", "source": "api", "title": czech.title, "description": czech.description,
               "published": (now + timedelta(days=days)).date().isoformat()}
              for name, days in (("today", 0), ("tomorrow", 1))]
    assert world.client.post("/tenders", json={"tenders": copies}, headers=world.auth("officer")).status_code == 200
    assert {"api:today", "api:tomorrow"} <= set(world.matcher.current_index().hashes)
    for who in ("officer", "partner"):
        for open_only in ("false", "true"):
            response = world.client.get("/search/tenders", params={"q": WORDS, "k": 10, "open_only": open_only},
                                        headers=world.auth(who))
            found = [h["tender"]["tender_id"] for h in response.json()]
            assert "api:today" in found and "api:tomorrow" not in found, (who, open_only)


def test_words_that_draw_nothing_are_refused_by_both_searches_as_the_document_says(world: World) -> None:
    """``q`` of zero-width spaces, byte order marks, soft hyphens or tag characters alone holds no word: the
    literal search answered an empty page and the search by meaning twenty unrelated notices. Both refuse it
    now, naming ``q`` and why, and their documents state the rule (a client generating text to the pattern is
    not refused: ``tests.api.contract.schema_states_the_rules``)."""
    partner = world.auth("partner")
    schema = world.client.get("/openapi.json").json()["paths"]
    for path in ("/tenders", "/search/tenders"):
        (q,) = [p for p in schema[path]["get"]["parameters"] if p["name"] == "q"]
        pattern = re.compile(next(s for s in [q["schema"], *q["schema"].get("anyOf", [])] if "pattern" in s)["pattern"])
        for words in ("\u200b", "\ufeff\u00ad", "\u2060 \u200b", "\u3164"):
            assert not pattern.search(words), (path, ascii(words))
            refused = world.client.get(path, params={"q": words}, headers=partner)
            assert refused.status_code == 422, (path, ascii(words), refused.text)
            (problem,) = refused.json()["problems"]
            assert problem["loc"] == "query.q" and "visible character" in problem["msg"], problem
        tag = world.client.get(path, params={"q": "\U000e0041"}, headers=partner)  # past the patterns' reach
        assert tag.status_code == 422 and "above U+FFFF" in tag.json()["detail"], (path, tag.text)
        for words in ("pumps\u200b", "é", "\u200e\u05de\u05d9\u05dd"):  # a word beside them is searched
            assert pattern.search(words) and world.client.get(path, params={"q": words}, headers=partner).is_success


def test_the_literal_search_reads_its_words_as_notices_are_stored(world: World) -> None:
    """A notice's title and buyer are stored composed (NFC) and without the format characters that draw nothing
    (``matcher.characters.shown_text``). ``GET /tenders?q=`` compared the words as typed: 'électricité' typed
    decomposed (as a Mac may send it: 'e' and U+0301) or pasted with a soft hyphen inside found no notice, where
    the same word typed plainly finds the French one whose title says it."""
    partner = world.auth("partner")

    def found(words: str) -> list[str]:
        response = world.client.get("/tenders", params={"q": words}, headers=partner)
        assert response.status_code == 200, response.text
        return [t["tender_id"] for t in response.json()["items"]]

    plain = found("électricité")
    # "Distribution publique d'électricité", and a buyer that writes its capital without the accent ("Réseau
    # Transport Electricité": the search reads letters without their diacritics)
    assert plain == ["ted:179376-2021", "ted:179586-2021"]
    for typed in ("e\u0301lectricite\u0301", "élec\u00adtricité", "\u200bélectricité"):
        assert found(typed) == plain, ascii(typed)
    assert found("publique d'\u2060électricité") == ["ted:179586-2021"]
    # Text of such characters alone, which the API refuses, finds nothing in the core (not every notice).
    assert world.matcher.search_tenders(TenderFilter(text="\u200b \u00ad")) == (0, [])


def test_the_literal_search_lowercases_every_alphabet_on_both_stores(world: World) -> None:
    """SQLite's lower() lowercases the ASCII letters only, so on the default store 'études' missed the notices
    whose title writes 'Études' or 'ÉTUDES', and Greek or Cyrillic words any capitalised title (PostgreSQL found
    them). The search compares as Python lowercases, on every store."""
    partner = world.auth("partner")

    def found(words: str) -> set[str]:
        response = world.client.get("/tenders", params={"q": words, "limit": 200}, headers=partner)
        assert response.status_code == 200, response.text
        return {t["tender_id"] for t in response.json()["items"]}

    _, notices = world.matcher.search_tenders(TenderFilter(), limit=500)
    words = {(t.tender_id, word) for t in notices for word in re.findall(r"\w+", t.title)
             if any(c.isupper() and not c.isascii() for c in word)}  # 'ŽKV', 'ÉTUDE', 'Ελλάδα'...
    assert len(words) >= 3, "the demo's titles write capitals outside ASCII"
    for tender_id, word in sorted(words):
        assert tender_id in found(word.lower()), word
        assert tender_id in found(word.upper()), word


def test_the_literal_search_reads_letters_without_their_accents_on_both_stores(world: World) -> None:
    """A word typed without its accents found nothing: 'electricite' (a Korean or English keyboard, or a hurried
    officer) missed 'Distribution publique d'électricité', where any search engine finds it. Letters are compared
    without their diacritics on every store, both ways: a word typed with accents the title lacks finds it too."""
    partner = world.auth("partner")

    def found(words: str) -> set[str]:
        response = world.client.get("/tenders", params={"q": words, "limit": 200}, headers=partner)
        assert response.status_code == 200, response.text
        return {t["tender_id"] for t in response.json()["items"]}

    def bare(word: str) -> str:  # the test's own stripping: decomposed, combining marks dropped
        return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))

    # 'Distribution publique d'électricité', and the buyer 'RTE — Réseau Transport Electricité'
    assert found("electricite") == found("ÉLECTRICITÉ") == found("électricité") == {"ted:179586-2021",
                                                                                   "ted:179376-2021"}
    _, notices = world.matcher.search_tenders(TenderFilter(), limit=500)
    words = {(t.tender_id, word) for t in notices for word in re.findall(r"\w+", t.title)
             if bare(word) != word and bare(word).isascii()}  # 'électricité', 'Ελλάδα' is not ASCII bare
    assert len(words) >= 5, "the demo's titles write accented Latin letters"
    for tender_id, word in sorted(words)[::max(1, len(words) // 12)]:  # 12 of them, spread: each word costs 2 queries
        assert tender_id in found(bare(word)), word
        assert tender_id in found(bare(word).upper()), word
    assert "ted:179586-2021" in found("distribútion")  # an accent the title does not write


def test_a_notice_number_lists_its_notice_first_and_says_so(world: World) -> None:
    """The TED number a buyer gave, pasted without the 'ted:' prefix, found no notice of that number."""
    partner = world.auth("partner")
    hits = world.client.get("/search/tenders", params={"q": CZECH.removeprefix("ted:"), "k": 3}, headers=partner).json()
    assert [h["by_id"] for h in hits] == [True, False, False] and hits[0]["tender"]["tender_id"] == CZECH
    assert all(not h["by_id"] for h in world.client.get("/search/tenders", params={"q": WORDS}, headers=partner).json())
