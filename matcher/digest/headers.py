"""The email policy digests are written, stored and sent with: the stdlib default, except that
``List-Unsubscribe`` is written as raw ``<URI>`` entries.

Why: the default policy folds every header longer than 78 characters, and a header with no whitespace to
fold at (one long URL) is rewritten as RFC 2047 encoded-words (``=?utf-8?q?=3Chttps=3A//...?=``). RFC 2369
and RFC 8058 need the URIs themselves, so mailbox providers never showed their one-click unsubscribe for
such a header. Here the header is folded only between URIs, and a URI that could not go out raw (not
printable ASCII, or not in angle brackets) is refused when the header is set, not encoded.
"""

from __future__ import annotations

import email.policy
import re
from collections.abc import MutableMapping
from email._header_value_parser import get_unstructured
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import EmailPolicy, Policy
from typing import Any

import idna

#: What starts an RFC 2047 encoded word: the email package decodes one wherever a header value holds it.
ENCODED_WORD = "=?"
#: One ``<URI>`` of RFC 2369: printable ASCII, no spaces or angle brackets inside.
_URI = re.compile(r"<([\x21-\x3b\x3d\x3f-\x7e]+)>")


def uri_list(name: str, value: str) -> list[str]:
    """The URIs of a ``<a>, <b>`` list; ValueError naming the value if it is anything else."""
    entries = [entry.strip() for entry in value.split(",")]
    found = [_URI.fullmatch(entry) for entry in entries]
    if not entries or not all(found):
        raise ValueError(f"{name} must be '<URI>' entries of printable ASCII separated by commas, got {value!r}")
    return [match.group(1) for match in found if match]


class UriListHeader(BaseHeader):
    """``List-Unsubscribe``: written as it is, one URI per line when there are several."""

    max_count = 1

    @classmethod
    def parse(cls, value: str, kwds: MutableMapping[str, Any]) -> None:
        # Continuation lines of a parsed message arrive joined with their folding whitespace.
        uris = uri_list("List-Unsubscribe", " ".join(value.split()))
        kwds["decoded"] = ", ".join(f"<{uri}>" for uri in uris)
        kwds["parse_tree"] = get_unstructured(kwds["decoded"])
        kwds["defects"] = []

    def fold(self, *, policy: Policy) -> str:
        uris = uri_list(self.name, str(self))
        return f"{self.name}: " + f",{policy.linesep} ".join(f"<{uri}>" for uri in uris) + policy.linesep


def _registry() -> HeaderRegistry:
    registry = HeaderRegistry()
    registry.map_to_type("list-unsubscribe", UriListHeader)
    return registry


#: Build digests with it and parse stored digests back with it (the header is re-folded when sent).
MESSAGE_POLICY = email.policy.default.clone(header_factory=_registry())
#: For a recipient whose address is not ASCII: headers in UTF-8 (RFC 6532), as SMTPUTF8 carries them.
_UTF8_POLICY = MESSAGE_POLICY.clone(utf8=True)


def message_policy(recipient: str) -> EmailPolicy[EmailMessage]:
    """The policy a digest to ``recipient`` is built, stored and read back with. An address that is not ASCII once
    its domain is in ASCII (``wire_address``) can only travel through SMTPUTF8 and must be written as itself: the
    ASCII policy wrote it as RFC 2047 encoded words, which RFC 2047 forbids inside an address (a mail client shows
    them, a reply goes nowhere)."""
    return MESSAGE_POLICY if wire_address(recipient).isascii() else _UTF8_POLICY


def wire_address(address: str) -> str:
    """``address`` as a digest is sent to it: a domain that is not ASCII (an IDN) in its ASCII form (IDNA 2008 with
    UTS 46 mapping: 'kim@한국.kr' -> 'kim@xn--3e0b707e.kr'), so that any server takes it; only a local part that
    is not ASCII still needs a server offering SMTPUTF8, and then the address is written as itself. A domain the
    IDNA rules refuse is left as written (a server with SMTPUTF8 may still take it)."""
    local, _, domain = address.rpartition("@")
    if domain.isascii() or not local.isascii():
        return address
    try:
        return f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"
    except idna.IDNAError:
        return address

