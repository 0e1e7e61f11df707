"""``allowed_remote_hosts`` entries: bare hosts or addresses, normalised; URLs and ports refused."""

from __future__ import annotations

import pytest

from langchain_azure_image_embeddings._images.remote import check_allowed_host
from langchain_azure_image_embeddings._images.sources import ImagePolicy


@pytest.mark.parametrize(
    ("entry", "host"),
    [
        ("images.internal", "images.internal"),
        ("Images.Internal.", "images.internal"),
        (" images.internal ", "images.internal"),
        ("127.0.0.1", "127.0.0.1"),
        ("::1", "::1"),
        ("[::1]", "::1"),
        ("0:0::1", "::1"),
        ("b\u00fccher.example", "xn--bcher-kva.example"),
        ("under_score.internal", "under_score.internal"),
    ],
)
def test_a_bare_host_is_kept_in_its_canonical_form(entry: str, host: str) -> None:
    assert check_allowed_host(entry) == host


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("127.0.0.1:8080", "names a port; write the host alone, '127.0.0.1'"),
        ("[::1]:8080", "names a port"),
        ("http://images.internal/", "is a URL; .* write 'images.internal'"),
        ("https://user@images.internal:8443/x?y", "write 'images.internal'"),
        ("//images.internal", "is a URL"),
        ("", "empty entry"),
        ("images internal", "not a bare host"),
        ("images.internal/a", "not a bare host"),
        ("-x-.internal", "not a valid host name"),
        ("a..b", "host name"),
    ],
)
def test_anything_else_is_refused_saying_what_to_write(entry: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        check_allowed_host(entry)


def test_the_image_policy_checks_its_hosts_too() -> None:
    with pytest.raises(ValueError, match="names a port"):
        ImagePolicy(allowed_remote_hosts=frozenset({"127.0.0.1:8080"}))
    assert ImagePolicy(allowed_remote_hosts=frozenset({"[::1]"})).allowed_remote_hosts == {"::1"}
