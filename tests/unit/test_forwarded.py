"""Who the client is behind a proxy: headers believed only from trusted proxies, and only up
to the right-most hop that is not a trusted proxy."""

from __future__ import annotations

import pytest

from p88.config import parse_networks
from p88.web.forwarded import Client, client_of, parse_address

TRUSTED = parse_networks(("10.0.0.0/8", "127.0.0.1", "fd00::/8"), "test")


def headers(xff: str | None = None, proto: str | None = None) -> list[tuple[bytes, bytes]]:
    found = [(b"host", b"timing.example")]
    if xff is not None:
        found.append((b"x-forwarded-for", xff.encode()))
    if proto is not None:
        found.append((b"x-forwarded-proto", proto.encode()))
    return found


def test_without_trusted_proxies_the_headers_are_ignored() -> None:
    assert client_of("10.0.0.5", headers("1.2.3.4", "https"), ()) == Client("10.0.0.5", "http")


def test_an_untrusted_peer_cannot_claim_an_address_or_https() -> None:
    found = client_of("198.51.100.9", headers("1.2.3.4", "https"), TRUSTED)
    assert found == Client("198.51.100.9", "http")


def test_a_trusted_proxy_names_the_client_and_scheme() -> None:
    found = client_of("10.0.0.5", headers("203.0.113.7", "https"), TRUSTED)
    assert found == Client("203.0.113.7", "https")


def test_only_the_right_most_untrusted_hop_counts() -> None:
    # The client wrote "6.6.6.6" itself; the proxy appended the address it really saw.
    found = client_of("10.0.0.5", headers("6.6.6.6, 203.0.113.7"), TRUSTED)
    assert found.address == "203.0.113.7"
    # Two proxies: the inner one (10.0.0.5) appended the outer one's address (10.1.1.1).
    found = client_of("10.0.0.5", headers("6.6.6.6, 203.0.113.7, 10.1.1.1"), TRUSTED)
    assert found.address == "203.0.113.7"


def test_several_headers_count_as_one_list_in_order() -> None:
    pairs = [(b"X-Forwarded-For", b"6.6.6.6"), (b"x-forwarded-for", b"203.0.113.7, 10.1.1.1")]
    assert client_of("10.0.0.5", pairs, TRUSTED).address == "203.0.113.7"


def test_all_hops_trusted_gives_the_left_most() -> None:
    assert client_of("10.0.0.5", headers("10.2.2.2, 10.1.1.1"), TRUSTED).address == "10.2.2.2"


def test_garbage_stops_the_walk_at_the_last_vouched_for_hop() -> None:
    assert client_of("10.0.0.5", headers("unknown"), TRUSTED).address == "10.0.0.5"
    assert client_of("10.0.0.5", headers("nonsense, 10.1.1.1"), TRUSTED).address == "10.1.1.1"


def test_ports_brackets_and_ipv6() -> None:
    assert client_of("10.0.0.5", headers("203.0.113.7:4711"), TRUSTED).address == "203.0.113.7"
    found = client_of("fd00::1", headers("[2001:db8::7]:443"), TRUSTED)
    assert found.address == "2001:db8::7"
    assert client_of("::ffff:10.0.0.5", headers("2001:db8::7"), TRUSTED).address == "2001:db8::7"


def test_the_scheme_comes_from_the_proxy_at_the_chosen_hop() -> None:
    # Appending proxies: the outer one saw https from the client, the inner one http from it.
    found = client_of("10.0.0.5", headers("203.0.113.7, 10.1.1.1", "https, http"), TRUSTED)
    assert found == Client("203.0.113.7", "https")
    # A proxy that replaces the header: its single value is used.
    found = client_of("10.0.0.5", headers("203.0.113.7, 10.1.1.1", "https"), TRUSTED)
    assert found.scheme == "https"
    # No X-Forwarded-For: the nearest proxy's word.
    assert client_of("10.0.0.5", headers(None, "https"), TRUSTED) == Client("10.0.0.5", "https")


@pytest.mark.parametrize("proto", ["gopher", "", "https;x"])
def test_other_protos_keep_the_connection_scheme(proto: str) -> None:
    assert client_of("10.0.0.5", headers("203.0.113.7", proto), TRUSTED, "http").scheme == "http"


def test_tls_to_p88_itself_stays_https_without_a_proxy() -> None:
    assert client_of("198.51.100.9", [], TRUSTED, "https") == Client("198.51.100.9", "https")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.2.3.4", "1.2.3.4"), ("1.2.3.4:80", "1.2.3.4"), ("::1", "::1"), ("[::1]:80", "::1"),
     ("::ffff:1.2.3.4", "1.2.3.4"), ("_hidden", None), ("", None), ("<local>", None)],
)  # fmt: skip
def test_parse_address(text: str, expected: str | None) -> None:
    found = parse_address(text)
    assert (None if found is None else str(found)) == expected
