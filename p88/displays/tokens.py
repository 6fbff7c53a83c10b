"""Display URL tokens: 192 random bits, only their sha256 is stored.

A token looks up its display before any partner is known, so the lookup is by hash alone; a
stolen database backup does not reveal working display URLs.
"""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 24  # 192 bits, 32 URL-safe characters
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii", "replace")).digest()


def well_formed(token: str) -> bool:
    """Cheap pre-check: a token of the wrong shape never reaches the database."""
    return bool(_TOKEN_SHAPE.match(token))
