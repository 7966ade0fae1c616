"""The page number of a paged list (the home page's firms, the officer page's): ``?page=`` sent at most once, a whole
number from 1 up to the list's last page. Anything else is refused naming what was sent, in the reader's language:
read as page 1 it was ignored without a word, and a page past the last showed an empty list saying "No firms are
assigned to you yet" to an officer with six firms."""

from __future__ import annotations

import math

from starlette.datastructures import QueryParams

from api.web.form_fields import SHOWN_VALUE, whole_number
from api.web.session import PageRefused

PARAM = "page"


def requested_page(params: QueryParams) -> int:
    """The page asked for (1 when none is); 400 for a page number sent twice or one that is not a whole number
    from 1."""
    sent = params.getlist(PARAM)
    if len(sent) > 1:
        shown = ", ".join(value[:SHOWN_VALUE] for value in sent[:5])
        raise PageRefused(400, "invalid_title", "page_repeated", {"count": str(len(sent)), "value": shown})
    text = sent[0].strip() if sent else ""
    if not text:
        return 1
    page = whole_number(text)
    if page is None or page < 1:
        raise PageRefused(400, "invalid_title", "page_invalid", {"value": text[:SHOWN_VALUE]})
    return page


def page_count(page: int, total: int, size: int) -> int:
    """How many pages ``total`` items fill, ``size`` a page (one when there are none); 404 when ``page`` is past the
    last."""
    pages = max(1, math.ceil(total / size))
    if page > pages:
        raise PageRefused(404, "not_found_title", "page_beyond", {"page": str(page), "pages": str(pages)})
    return pages
