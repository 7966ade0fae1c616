"""A page's query parameter that takes one of a few values (the tender page's ``?fit=``, the search page's
``?closed=``): sent at most once, and one of its values or empty (the page's default). Anything else is refused
with a 400 naming the parameter, what was sent and the values it takes, in the reader's language: read as the
default, it was ignored without a word ('?fit=strong' listed what no fit lists). ``requested_page`` is the page
number's own check; the firm page's filters are named at their fields (``views.parse_filters``)."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import QueryParams

from api.web.form_fields import SHOWN_VALUE
from api.web.session import PageRefused


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
