"""People and their roles per partner (platform-wide reads by the accounts code).

Tenant pages that list a partner's people use `partner_members` inside a tenant transaction;
everything else here runs on a plain pool connection because it spans partners (sign-in, the
partner switcher, the platform admin).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from p88.db.pool import Connection, Row, UniqueViolation
from p88.passwords import hash_secret

ROLES = ("viewer", "operator", "admin", "owner")  # weakest first
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}$")
MAX_NAME = 200
MIN_PASSWORD = 10
MAX_PASSWORD = 1000


class AccountError(Exception):
    """A message for the person who asked."""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str
    name: str
    is_platform_admin: bool
    password_hash: str | None
    disabled: bool


@dataclass(frozen=True, slots=True)
class Membership:
    partner_id: int
    slug: str
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class Member:
    user_id: int
    email: str
    name: str
    role: str
    created_at: datetime


def role_rank(role: str) -> int:
    return ROLES.index(role)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    email = normalize_email(email)
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        raise AccountError(f"{email[:80]!r} is not an email address like name@example.com")
    return email


def check_name(name: str) -> str:
    name = name.strip()
    if len(name) > MAX_NAME:
        raise AccountError(f"the name is too long ({len(name)} characters; at most {MAX_NAME})")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"choose a password of at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password is too long (at most {MAX_PASSWORD} characters)")
    return password


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"{role[:40]!r} is not a role; choose one of {', '.join(ROLES)}")
    return role


USER_COLUMNS = (
    "id, email, name, is_platform_admin, password_hash, disabled_at IS NOT NULL AS disabled"
)


def _user(row: Row | None) -> User | None:
    if row is None:
        return None
    return User(
        row["id"],
        row["email"],
        row["name"],
        row["is_platform_admin"],
        row["password_hash"],
        row["disabled"],
    )


async def create_user(
    conn: Connection,
    email: str,
    name: str = "",
    password: str | None = None,
    *,
    is_platform_admin: bool = False,
) -> User:
    email = check_email(email)
    name = check_name(name)
    password_hash = hash_secret(check_password(password)) if password is not None else None
    try:
        row = await conn.fetchrow(
            f"INSERT INTO users (email, name, password_hash, is_platform_admin, "
            f"password_changed_at) VALUES ($1, $2, $3, $4, CASE WHEN $3::text IS NULL THEN NULL "
            f"ELSE now() END) RETURNING {USER_COLUMNS}",
            email,
            name,
            password_hash,
            is_platform_admin,
        )
    except UniqueViolation as exc:
        raise AccountError(f"an account for {email} already exists") from exc
    user = _user(row)
    assert user is not None
    return user


async def user_by_email(conn: Connection, email: str) -> User | None:
    row = await conn.fetchrow(
        f"SELECT {USER_COLUMNS} FROM users WHERE lower(email) = $1", normalize_email(email)
    )
    return _user(row)


async def user_by_id(conn: Connection, user_id: int) -> User | None:
    return _user(await conn.fetchrow(f"SELECT {USER_COLUMNS} FROM users WHERE id = $1", user_id))


async def set_password_hash(conn: Connection, user_id: int, password_hash: str) -> None:
    await conn.execute(
        "UPDATE users SET password_hash = $2, password_changed_at = now() WHERE id = $1",
        user_id,
        password_hash,
    )


async def set_password(conn: Connection, user_id: int, password: str) -> None:
    await set_password_hash(conn, user_id, hash_secret(check_password(password)))


async def update_profile(conn: Connection, user_id: int, name: str) -> None:
    await conn.execute("UPDATE users SET name = $2 WHERE id = $1", user_id, check_name(name))


async def make_platform_admin(conn: Connection, user_id: int) -> None:
    await conn.execute("UPDATE users SET is_platform_admin = true WHERE id = $1", user_id)


async def platform_admin_exists(conn: Connection) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM users WHERE is_platform_admin)"))


async def set_membership(conn: Connection, user_id: int, partner_id: int, role: str) -> None:
    """Add the user to the partner, or change their role there."""
    await conn.execute(
        "INSERT INTO memberships (user_id, partner_id, role) VALUES ($1, $2, $3) "
        "ON CONFLICT (user_id, partner_id) DO UPDATE SET role = EXCLUDED.role",
        user_id,
        partner_id,
        check_role(role),
    )


async def memberships_of(conn: Connection, user_id: int) -> list[Membership]:
    rows = await conn.fetch(
        "SELECT p.id, p.slug, p.name, m.role FROM memberships m "
        "JOIN partners p ON p.id = m.partner_id WHERE m.user_id = $1 ORDER BY p.name, p.id",
        user_id,
    )
    return [Membership(r["id"], r["slug"], r["name"], r["role"]) for r in rows]


async def membership(conn: Connection, user_id: int, partner_id: int) -> Membership | None:
    row = await conn.fetchrow(
        "SELECT p.id, p.slug, p.name, m.role FROM memberships m "
        "JOIN partners p ON p.id = m.partner_id WHERE m.user_id = $1 AND m.partner_id = $2",
        user_id,
        partner_id,
    )
    return None if row is None else Membership(row["id"], row["slug"], row["name"], row["role"])


async def partner_members(conn: Connection, partner_id: int) -> list[Member]:
    """The partner's people; run inside the partner's tenant transaction."""
    rows = await conn.fetch(
        "SELECT u.id, u.email, u.name, m.role, m.created_at FROM memberships m "
        "JOIN users u ON u.id = m.user_id WHERE m.partner_id = $1 ORDER BY u.email",
        partner_id,
    )
    return [Member(r["id"], r["email"], r["name"], r["role"], r["created_at"]) for r in rows]


async def remove_membership(conn: Connection, user_id: int, partner_id: int) -> bool:
    status = await conn.execute(
        "DELETE FROM memberships WHERE user_id = $1 AND partner_id = $2", user_id, partner_id
    )
    return bool(status.endswith(" 1"))


async def count_owners(conn: Connection, partner_id: int) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM memberships WHERE partner_id = $1 AND role = 'owner'", partner_id
        )
    )
