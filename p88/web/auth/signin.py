"""Checking a password at sign-in: throttle, constant work for unknown accounts, rehash."""

from __future__ import annotations

from dataclasses import dataclass

import trio

from p88.db import throttle
from p88.db.accounts import MAX_PASSWORD, User, set_password_hash, user_by_email
from p88.db.pool import Connection
from p88.passwords import hash_secret, needs_rehash, verify_secret

# Verified against when the account does not exist, so both cases cost one argon2 run.
_DUMMY_HASH = hash_secret("p88 placeholder password, never valid")

WRONG = "That email and password do not match. Check both and try again."


@dataclass(frozen=True, slots=True)
class SignInResult:
    user: User | None
    message: str  # for the person, when user is None


def locked_message(lock: throttle.Locked) -> str:
    minutes = max(1, (lock.seconds_left + 59) // 60)
    if lock.which == "account":
        return (
            f"Too many failed sign-ins for this account. Wait {minutes} minute(s) and try again, "
            "or ask an admin of your timing company for a password reset link."
        )
    return (
        f"Too many failed sign-ins from your network address. Wait {minutes} minute(s) and "
        "try again."
    )


async def check_password(conn: Connection, email: str, password: str, address: str) -> SignInResult:
    lock = await throttle.locked(conn, email, address)
    if lock is not None:
        return SignInResult(None, locked_message(lock))
    user = await user_by_email(conn, email) if len(email) <= 254 else None
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    # No stored password is longer than MAX_PASSWORD; a longer one is wrong, not shortened.
    too_long = len(password) > MAX_PASSWORD
    # argon2 takes tens of milliseconds of CPU: keep the event loop (and the collector) free.
    ok = await trio.to_thread.run_sync(verify_secret, stored, password[:MAX_PASSWORD])
    ok = ok and not too_long
    if not ok or user is None or user.password_hash is None or user.disabled:
        await throttle.note_failure(conn, email, address)
        lock = await throttle.locked(conn, email, address)
        return SignInResult(None, locked_message(lock) if lock is not None else WRONG)
    await throttle.clear(conn, email, address)
    if needs_rehash(user.password_hash):
        new_hash = await trio.to_thread.run_sync(hash_secret, password)
        await set_password_hash(conn, user.id, new_hash)
    return SignInResult(user, "")
