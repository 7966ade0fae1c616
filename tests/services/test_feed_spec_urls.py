"""A feed's URL as validated and shown: a password in it never appears in an error or on a page, and a URL with a
space is refused (found by the feeds' adversarial review: 'matcher feeds add x --url http://user:pw@10.0.0.5/r'
printed the password, and 'http://bad host/r' was taken)."""

from __future__ import annotations

import pytest

from matcher.errors import InvalidInput, NotPublicAddress
from matcher.services.feed_address import check_feed_url
from matcher.services.feeds import shown_url, validated_spec


@pytest.mark.parametrize("url", ["http://bad host/r", "https://host/a b", "https://host/a\u00a0b"])
def test_a_url_with_a_space_is_refused_naming_it(url: str) -> None:
    with pytest.raises(InvalidInput, match=r"expected an http:// or https:// URL with a host \(spaces written as "):
        validated_spec("x", "ocds", url=url)


def test_a_url_with_spaces_written_as_percent_20_is_taken() -> None:
    assert validated_spec("x", "ocds", url="https://host/a%20b").url == "https://host/a%20b"


@pytest.mark.parametrize("url", ["ftp://reader:s3cret@host/r", "http://reader:s3cret@bad host/r"])
def test_a_refused_url_is_named_without_its_password(url: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validated_spec("x", "ocds", url=url)
    assert "s3cret" not in str(caught.value) and "***@" in str(caught.value)


def test_a_private_address_is_named_without_the_password() -> None:
    with pytest.raises(NotPublicAddress) as caught:
        check_feed_url("http://reader:s3cret@10.0.0.5/r")
    assert str(caught.value).startswith("feed url 'http://***@10.0.0.5/r': ")


def test_a_stored_url_is_shown_without_its_password() -> None:
    assert shown_url("https://reader:s3cret@host/r\u202e") == "https://***@host/r%E2%80%AE"
