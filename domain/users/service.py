"""Users, passwords (argon2) and bearer tokens."""
from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal, require_admin, require_staff
from domain.db import fetch_rows, utcnow
from domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from domain.models import ApiToken, BridgeSite, Role, User, WebSession, user_sites
from domain.text import like_pattern, search_text
from domain.uow import UnitOfWork
from domain.common import Page, audit, check_text, must_exist, paginate
from domain.users.login_guard import LoginGuard
from domain.users.passwords import check_password

# argon2id with one lane (OWASP's first choice: 46 MiB, one pass). The library's default of four lanes runs four
# threads per check: one wrong login then took both cores of a small server and held up every scanner and screen.
# A hash made with other parameters is replaced at the next successful sign-in.
_hasher = PasswordHasher(time_cost=1, memory_cost=47_104, parallelism=1)
TOKEN_TTL = timedelta(hours=12)
# Verified against when the username is unknown, so a login takes the same time either way.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def principal_of(user: User) -> Principal:
    return Principal(user_id=user.id, username=user.username, role=user.role,
                     site_ids=frozenset(s.id for s in user.sites), delegate_id=user.delegate_id,
                     must_change_password=bool(user.must_change_password))


async def end_credentials(s: AsyncSession, user_id: int) -> None:
    """Every API token and browser session of the user stops working with this transaction's commit: tokens and
    sessions are looked up in the database on every request (no per-worker cache), so every worker sees it at
    once."""
    await s.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked.is_(False))
                    .values(revoked=True))
    await s.execute(update(WebSession).where(WebSession.user_id == user_id, WebSession.revoked.is_(False))
                    .values(revoked=True))


async def _sites(s: AsyncSession, site_ids: list[int]) -> list[BridgeSite]:
    return [await must_exist(s, BridgeSite, sid, "site_ids") for sid in site_ids]


def _check_user_fields(fields: dict[str, Any], username: str = "", display_name: str = "") -> None:
    check_text(fields.get("username"), "username")
    if "password" in fields:
        check_password(fields["password"], fields.get("username") or username,
                       fields.get("display_name") or display_name)


async def create_user(uow: UnitOfWork, p: Principal | None, fields: dict[str, Any]) -> User:
    """Create a user. `p=None` means the command line (trusted). A password an administrator sets is temporary:
    the user must choose their own at first sign-in (the command line says so with `must_change_password`)."""
    if p is not None:
        require_admin(p)
    fields = dict(fields)
    fields.setdefault("must_change_password", p is not None)
    _check_user_fields(fields)
    site_ids = fields.pop("site_ids", None) or []
    password = fields.pop("password")
    if site_ids and fields["role"] is not Role.operator:
        raise InvalidInput("only operators are bound to bridge sites", code="sites_for_operators_only",
                           field="site_ids")
    async with uow:
        s = uow.session
        if (await s.execute(select(User.id).where(User.username == fields["username"]))).first():
            raise Conflict(f"user {fields['username']!r} exists", code="duplicate_username", field="username")
        user = User(**fields, password_hash=hash_password(password))
        user.search = search_text(user.display_name, user.username)
        user.sites = await _sites(s, site_ids)
        s.add(user)
        await s.flush()
        audit(s, p, "user.created", subject=user, role=user.role.value)
        await uow.commit()
        return user


async def list_users(uow: UnitOfWork, p: Principal, *, role: Role | None = None, limit: int = 50,
                     offset: int = 0) -> Page[User]:
    require_admin(p)
    stmt = select(User).order_by(User.username)
    if role is not None:
        stmt = stmt.where(User.role == role)
    async with uow:
        return await paginate(uow.session, stmt, limit, offset)


@dataclass(frozen=True)
class PickedUser:
    """What an organizer needs to assign a chair or an operator, and nothing more."""
    id: int
    username: str
    display_name: str
    role: Role
    site_ids: list[int]


PICKABLE_ROLES = (Role.chair, Role.operator, Role.organizer)


async def pick_users(uow: UnitOfWork, p: Principal, *, role: Role | None = None, q: str | None = None,
                     site_id: int | None = None, limit: int = 20) -> list[PickedUser]:
    """Active chairs, operators and organizers for an organizer to assign (optionally those of one point);
    administrators and wall-board accounts are not offered."""
    require_staff(p)
    if role is not None and role not in PICKABLE_ROLES:
        raise InvalidInput("only chairs, operators and organizers can be picked", code="wrong_role", field="role")
    stmt = select(User).where(User.active.is_(True), User.role.in_([role] if role else PICKABLE_ROLES))
    if q:
        stmt = stmt.where(User.search.like(like_pattern(q), escape="\\"))
    if site_id is not None:
        stmt = stmt.where(User.id.in_(select(user_sites.c.user_id).where(user_sites.c.site_id == site_id)))
    async with uow:
        rows = (await uow.session.execute(stmt.order_by(User.display_name, User.username).limit(limit))).scalars()
        return [PickedUser(u.id, u.username, u.display_name, u.role, sorted(s.id for s in u.sites)) for u in rows]


async def get_user(uow: UnitOfWork, p: Principal, user_id: int) -> User:
    require_admin(p)
    async with uow:
        user = await uow.session.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found", code="user_not_found")
        return user


async def get_self(uow: UnitOfWork, p: Principal) -> User:
    async with uow:
        user = await uow.session.get(User, p.user_id) if p.user_id else None
        if user is None:
            raise NotFound("no user behind this token", code="user_not_found")
        return user


async def update_user(uow: UnitOfWork, p: Principal, user_id: int, fields: dict[str, Any]) -> User:
    require_admin(p)
    fields = dict(fields)
    async with uow:
        s = uow.session
        user = await s.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found", code="user_not_found")
        _check_user_fields(fields, user.username, user.display_name)
        # A reset password, a deactivation or another role ends every token and session of the account at once.
        ended = ("password" in fields or ("role" in fields and fields["role"] != user.role)
                 or ("active" in fields and user.active and not fields["active"]))
        if "password" in fields:
            user.password_hash = hash_password(fields.pop("password"))
            user.must_change_password = p.user_id != user.id  # set by an administrator: temporary
        if "site_ids" in fields:
            user.sites = await _sites(s, fields.pop("site_ids") or [])
        for k, v in fields.items():
            setattr(user, k, v)
        user.search = search_text(user.display_name, user.username)
        if user.sites and user.role is not Role.operator:
            raise InvalidInput("only operators are bound to bridge sites", code="sites_for_operators_only",
                               field="site_ids")
        if ended:
            await end_credentials(s, user.id)
        audit(s, p, "user.updated", subject=user, fields=sorted(fields), credentials_ended=ended)
        await uow.commit()
        return user


async def replace_password(s: AsyncSession, p: Principal, current: str, new: str, *, guard: LoginGuard,
                           address: str, field: str = "new_password") -> User:
    """The signed-in user replaces their password (required after an administrator set it), inside the caller's
    transaction. The current password is checked like a sign-in (throttled); every token and session of the
    account ends (the caller issues the one it goes on with)."""
    if p.user_id is None:
        raise Forbidden("only accounts have passwords", code="forbidden_role")
    try:
        user = await verify_login(s, p.username, current, guard, address)
    except Unauthenticated as exc:
        if exc.code != "bad_credentials":
            raise
        raise InvalidInput("the current password is wrong", code="wrong_password",
                           field="current_password") from None
    if user.id != p.user_id:
        raise Forbidden("this is not your account", code="forbidden_role")
    check_password(new, user.username, user.display_name, field=field)
    if new == current:
        raise InvalidInput("choose a password other than the current one", code="password_unchanged", field=field)
    user.password_hash = await asyncio.to_thread(hash_password, new)
    user.must_change_password = False
    await end_credentials(s, user.id)
    audit(s, p, "user.password_changed", subject=user)
    return user


async def change_own_password(uow: UnitOfWork, p: Principal, current: str, new: str, *, guard: LoginGuard,
                              address: str, ttl: timedelta = TOKEN_TTL) -> tuple[str, User]:
    """API clients: the password is replaced, every earlier token and session ends, and a new token is issued."""
    async with uow:
        s = uow.session
        user = await replace_password(s, p, current, new, guard=guard, address=address)
        token = secrets.token_urlsafe(32)
        s.add(ApiToken(token_hash=token_digest(token), user_id=user.id, expires_at=utcnow() + ttl))
        await uow.commit()
        return token, user


async def verify_login(s: AsyncSession, username: str, password: str, guard: LoginGuard,
                       address: str) -> User:
    """The active user with this name and password, else `bad_credentials` (the same time either way); the
    check runs off the event loop, and repeated failures back off (`rate_limited`, audited when it starts)."""
    guard.check(username, address)
    async with guard.reading():
        row = (await s.execute(select(User.id, User.password_hash, User.active).where(User.username == username))
               ).first()
        await s.rollback()  # no pooled connection is held while the slow check waits for its turn
    stored = row.password_hash if row else _DUMMY_HASH

    def check() -> bool:
        try:
            return bool(_hasher.verify(stored, password))
        except (VerificationError, InvalidHashError):
            return False

    if not await guard.verify(check, username, address) or row is None or not row.active:
        if guard.failed(username, address):
            audit(s, None, "user.login_throttled", source="auth", username=username[:64], address=address,
                  user_id=row.id if row else None)
            await s.commit()
        raise Unauthenticated("wrong username or password", code="bad_credentials")
    guard.succeeded(username)
    user = await s.get(User, row.id)
    assert user is not None
    if _hasher.check_needs_rehash(stored):
        user.password_hash = await asyncio.to_thread(hash_password, password)
    return user


async def login(uow: UnitOfWork, username: str, password: str, *, guard: LoginGuard, address: str,
                ttl: timedelta = TOKEN_TTL) -> tuple[str, User]:
    async with uow:
        s = uow.session
        user = await verify_login(s, username, password, guard, address)
        token = secrets.token_urlsafe(32)
        s.add(ApiToken(token_hash=token_digest(token), user_id=user.id, expires_at=utcnow() + ttl))
        audit(s, principal_of(user), "user.login", subject=user)
        await uow.commit()
        return token, user


# One statement, built once: the user behind a live token with, for an operator, one row per point of theirs.
_TOKEN_USER = (
    select(User.id, User.username, User.role, User.delegate_id, User.must_change_password, user_sites.c.site_id)
    .join(ApiToken, ApiToken.user_id == User.id)
    .outerjoin(user_sites, user_sites.c.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked.is_(False),
           ApiToken.expires_at > bindparam("now"), User.active.is_(True)))


async def resolve_token(uow: UnitOfWork, token: str) -> Principal:
    """The user behind an API token, asked of the database on every request: a token revoked by a logout, a
    password change or reset, a deactivation or a role change is refused at once by every worker. One Core
    statement in one trip to the driver (no ORM session): every API request pays for it."""
    rows = await fetch_rows(uow.engine, _TOKEN_USER, {"digest": token_digest(token), "now": utcnow()})
    if not rows:
        raise Unauthenticated("the token is unknown, expired or revoked", code="bad_token")
    user_id, username, role, delegate_id, must_change, _ = rows[0]
    sites = frozenset(r[5] for r in rows if r[5] is not None) if role is Role.operator else frozenset()
    return Principal(user_id=user_id, username=username, role=role, site_ids=sites,
                     delegate_id=delegate_id, must_change_password=bool(must_change))


async def logout(uow: UnitOfWork, token: str) -> None:
    async with uow:
        tok = (await uow.session.execute(select(ApiToken).where(ApiToken.token_hash == token_digest(token))
                                         )).scalar_one_or_none()
        if tok is not None:
            tok.revoked = True
        await uow.commit()
