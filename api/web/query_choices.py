"""A page's query parameter that takes one of a few values (the tender page's ``?fit=``, the search page's
``?closed=``): sent at most once, and one of its values or empty (the page's default). Anything else is refused
with a 400 naming the parameter, what was sent and the values it takes, in the reader's language: read as the
default, it was ignored without a word ('?fit=strong' listed what no fit lists). ``requested_page`` is the page
number's own check; the firm page's filters are named at their fields (``views.parse_filters``). A search box's
words (``typed_words``) are read the same way on every page that has one."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import QueryParams
from starlette.requests import Request

from api.deps import not_utf8
from api.web.form_fields import SHOWN_VALUE
from api.web.session import PageRefused

#: Longest words a search box takes (the API's limit for ``q``).
MAX_QUERY = 200


def one_value(params: QueryParams, name: str) -> str:
    """The value of ``name`` ('' when it is not sent); 400 for one sent more than once (the last one was taken)."""
    sent = params.getlist(name)
    if len(sent) > 1:
        shown = ", ".join(value[:SHOWN_VALUE] for value in sent[:5])
        raise PageRefused(400, "invalid_title", "param_repeated", {"param": name, "value": shown,
                                                                   "count": str(len(sent))})
    return sent[0] if sent else ""


def chosen(params: QueryParams, name: str, choices: Sequence[str]) -> str | None:
    """The value of ``name`` (None when it is not sent, or sent empty); 400 for one sent twice (``one_value``) or
    not in ``choices``."""
    value = one_value(params, name)
    if not value:
        return None
    if value not in choices:
        raise PageRefused(400, "invalid_title", "param_unknown", {"param": name, "value": value[:SHOWN_VALUE],
                                                                  "choices": ", ".join(choices)})
    return value


def cleaned(text: str) -> str:
    """The words typed, control characters and runs of spaces made single spaces."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def typed_words(request: Request, name: str = "q") -> tuple[str, str | None]:
    """A search box's words (``cleaned``; '' when none) and the message key of their problem, if any: not sent
    as UTF-8 (the words are then '', and the page answers 400), or longer than ``MAX_QUERY``."""
    if not_utf8(request.scope.get("query_string", b"")) is not None:
        return "", "search_not_utf8"
    text = cleaned(one_value(request.query_params, name))
    return text, "search_too_long" if len(text) > MAX_QUERY else None
