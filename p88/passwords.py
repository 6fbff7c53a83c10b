"""argon2id hashing for every secret p88 stores (user passwords, collector secrets, keys)."""

from __future__ import annotations

import argon2

# argon2-cffi's defaults are the RFC 9106 low-memory profile of argon2id.
_hasher = argon2.PasswordHasher()


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored_hash: str, presented: str) -> bool:
    try:
        return _hasher.verify(stored_hash, presented)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
