"""Which addresses a feed may fetch from: public internet addresses only, unless ``MATCHER_FEEDS_ALLOW_PRIVATE``.

A feed's URL is an officer's text that the server then fetches, over and over, and whose answers it stores and
shows: pointed at 127.0.0.1, the metadata service at 169.254.169.254 or a host on the private network, it would
make the server reach what only the server can reach. So a host that is, or resolves to, anything but a public
address is refused: loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10),
shared (100.64/10, 'non-public'), unspecified, multicast, reserved and documentation ranges, and the same
addresses written inside IPv6 (::ffff:127.0.0.1, 6to4, Teredo, NAT64). A name counts by every address it
resolves to, so a name with one public and one private address is refused; ``localhost`` and names under
``.localhost`` are loopback whatever the resolver says (RFC 6761).

It is checked twice: when the feed is added (``Feeds.add``: a name that does not resolve yet passes, to be
checked when fetched) and at every connection a feed makes (``matcher.feeds.transport``), redirects included, on
the very addresses it connects to, so a name that resolves elsewhere later (DNS rebinding) is caught too. Through
the operator's proxy (``MATCHER_FEEDS_PROXY``) it is checked before every request, but the proxy resolves the
name again: that transport's docstring says what this leaves to the proxy's own egress rules.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from matcher.errors import NotPublicAddress
from matcher.services.feed_credentials import without_credentials

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: The setting that turns the rule off (a feed server on your own network; the project's tests on 127.0.0.1).
ALLOW_SETTING = "MATCHER_FEEDS_ALLOW_PRIVATE=1"
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to for a TCP connection, in the resolver's order; OSError when none."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def address_kind(address: str) -> str | None:
    """Why ``address`` is not a public internet address ('loopback', 'private', ...), or None when it is."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # a scoped IPv6 address, 'fe80::1%eth0'
    except ValueError:
        return "unreadable"
    if isinstance(ip, ipaddress.IPv6Address) and (ip.ipv4_mapped is not None or ip in _NAT64):
        return address_kind(str(ip.ipv4_mapped or ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))  # an IPv4 address
    for inner in _tunnelled(ip):
        if (kind := address_kind(str(inner))) is not None:
            return kind
    for kind, flag in (("loopback", ip.is_loopback), ("link-local", ip.is_link_local),
                       ("unspecified", ip.is_unspecified), ("multicast", ip.is_multicast),
                       ("private", ip.is_private), ("reserved", ip.is_reserved)):
        if flag:
            return kind
    return None if ip.is_global else "non-public"


def _tunnelled(ip: IPAddress) -> list[IPAddress]:
    """The IPv4 addresses an IPv6 tunnel address leads to (6to4, Teredo's server and client)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found: list[IPAddress] = [ip.sixtofour] if ip.sixtofour is not None else []
    return [*found, *(ip.teredo or ())]


def refusal(host: str, addresses: Sequence[str]) -> str | None:
    """What is wrong with connecting to ``host`` at ``addresses`` (its own, or what it resolves to), or None."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return f"host {host!r} is a loopback name"
    for address in addresses:
        if (kind := address_kind(address)) is not None:
            where = f"host {host!r} is" if address == name else f"host {host!r} resolves to {address},"
            return f"{where} {'an' if kind[0] in 'aeiou' else 'a'} {kind} address"
    return None


def check_feed_url(url: str) -> None:
    """NotPublicAddress (an InvalidInput) when ``url``'s host is, or now resolves to, an address a feed may not
    fetch from. A name that does not resolve now passes: it is checked again at every connection."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        addresses = resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError):  # not resolvable now ('idna' refuses some names): checked when fetched
        addresses = []
    problem = refusal(host, addresses)
    if problem is not None:
        raise NotPublicAddress(f"feed url {without_credentials(url)[:200]!r}: {problem}; feeds fetch from public "
                               f"internet addresses only ({ALLOW_SETTING} allows private ones)", host)
