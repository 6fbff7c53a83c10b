"""What the CTP01 server sends: its hello with the requests, and commands."""

from __future__ import annotations

from collections.abc import Sequence

AUTHENTICATION_METHODS = frozenset(
    {"none", "plaintext", "hmac-sha1", "hmac-md5", "seed-sha1", "seed-md5"}
)


def encode_line(*fields: str, encoding: str = "utf-8") -> bytes:
    """`f1~f2~...` CR LF; ValueError if a field holds '~', CR or LF, or cannot be encoded.

    Pass `encoding="cp1252"` (ServerParser.encoding) to name a location the way a
    non-Unicode client such as SimpleClient spelled it.
    """
    for field in fields:
        if "~" in field or "\r" in field or "\n" in field:
            raise ValueError(f"CTP01 field {field!r} contains '~', CR or LF")
    return ("~".join(fields) + "\r\n").encode(encoding)


def server_hello(name: str, version: str, requests: Sequence[tuple[str, str]]) -> bytes:
    """`<name>~<version>~<N>` and the N `key=value` request lines, as one write."""
    lines = [encode_line(name, version, str(len(requests)))]
    for key, value in requests:
        if not key or "=" in key or any(c in key + value for c in "\r\n~"):
            raise ValueError(f"bad CTP01 request {key!r}={value!r}")
        lines.append(f"{key}={value}\r\n".encode())
    return b"".join(lines)


_RECOMMENDED: tuple[tuple[str, str], ...] = (
    ("stream-mode", "push"),
    ("location", "multi"),
    ("guntimes", "true"),
    ("newlocations", "true"),
    ("connection-id", "true"),
    ("pushmode-ack", "true"),
    ("time-format", "iso"),
    ("tagevent-format", "CT01_33"),
)


def recommended_requests(
    authentication: str = "none", seed: str | None = None
) -> list[tuple[str, str]]:
    """The recommended requests from CTP01.md, plus authentication when asked for.

    seed-* and hmac-* methods need `seed` (ValueError without one); for "none" and
    "plaintext" the seed is not used and not sent.
    """
    if authentication not in AUTHENTICATION_METHODS:
        raise ValueError(f"unknown CTP01 authentication method {authentication!r}")
    requests = list(_RECOMMENDED)
    if authentication == "none":
        return requests
    requests.append(("authentication", authentication))
    if authentication.startswith(("seed-", "hmac-")):
        if not seed:
            raise ValueError(f"authentication {authentication} needs a seed")
        requests.append(("authentication-seed", seed))
    return requests


def command(name: str, *args: str, encoding: str = "utf-8") -> bytes:
    """A server command line, e.g. command("start", "FINISH", "1742")."""
    return encode_line(name, *args, encoding=encoding)
