"""Browser sessions: sign in with a password, a secret cookie, a CSRF token, idle and absolute expiry."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from datetime import timedelta

from sqlalchemy import bindparam, select, update

from domain.access import Principal
from domain.db import fetch_rows, utcnow
from domain.errors import InvalidInput, Unauthenticated
from domain.models import User, WebSession, user_sites
from domain.uow import UnitOfWork
from domain.common import audit
from domain.users.login_guard import LoginGuard
from domain.users.service import principal_of, replace_password, token_digest, verify_login

LOCALES = ("vi", "en")
# last_seen_at is written at most this often: a burst of page loads costs no writes.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(hours=2)
    absolute: timedelta = timedelta(hours=14)  # a whole conference day, not overnight


@dataclass(frozen=True)
class BrowserSession:
    """What a request signed in through the cookie knows about its session."""
    token: str
    principal: Principal
    csrf_token: str
    locale: str | None
    display_name: str


def _new_session(s: Any, user: User, policy: SessionPolicy) -> tuple[str, WebSession]:
    token, now = secrets.token_urlsafe(32), utcnow()
    row = WebSession(token_hash=token_digest(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                     created_at=now, last_seen_at=now, expires_at=now + policy.absolute)
    s.add(row)
    return token, row


async def change_password(uow: UnitOfWork, p: Principal, current: str, new: str, policy: SessionPolicy, *,
                          guard: LoginGuard, address: str) -> BrowserSession:
    """The pages' password change: every earlier session and token of the account ends, this browser goes on in
    a new session."""
    async with uow:
        s = uow.session
        user = await replace_password(s, p, current, new, guard=guard, address=address)
        token, row = _new_session(s, user, policy)
        await uow.commit()
        return BrowserSession(token, principal_of(user), row.csrf_token, user.locale,
                              user.display_name or user.username)


async def sign_in(uow: UnitOfWork, username: str, password: str, policy: SessionPolicy, *, guard: LoginGuard,
                  address: str) -> BrowserSession:
    async with uow:
        s = uow.session
        user = await verify_login(s, username, password, guard, address)
        token, now = secrets.token_urlsafe(32), utcnow()
        row = WebSession(token_hash=token_digest(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                         created_at=now, last_seen_at=now, expires_at=now + policy.absolute)
        s.add(row)
        principal = principal_of(user)
        audit(s, principal, "user.signed_in", subject=user, source="web")
        await uow.commit()
        return BrowserSession(token, principal, row.csrf_token, user.locale, user.display_name or user.username)


# One statement, built once: the session behind a cookie with its user and, one row each, the user's points.
_SESSION_USER = (
    select(WebSession.id.label("session_id"), WebSession.csrf_token, WebSession.last_seen_at, WebSession.expires_at,
           WebSession.revoked, User.id.label("user_id"), User.username, User.role, User.delegate_id,
           User.must_change_password, User.active, User.locale, User.display_name, user_sites.c.site_id)
    .join(User, User.id == WebSession.user_id)
    .outerjoin(user_sites, user_sites.c.user_id == User.id)
    .where(WebSession.token_hash == bindparam("digest")))


async def resolve(uow: UnitOfWork, token: str, policy: SessionPolicy) -> BrowserSession:
    """The session behind a cookie; idle or past its absolute end, revoked or a deactivated user: signed out.
    One Core statement in one trip to the driver (every page and every desk scan pays for it); `last_seen_at` is
    written at most once a minute."""
    now = utcnow()
    rows = await fetch_rows(uow.engine, _SESSION_USER, {"digest": token_digest(token)})
    if not rows:
        raise Unauthenticated("please sign in", code="session_expired")
    row = rows[0]
    if row.revoked or not row.active or row.expires_at <= now or row.last_seen_at + policy.idle <= now:
        raise Unauthenticated("your session has ended; please sign in again", code="session_expired")
    principal = Principal(user_id=row.user_id, username=row.username, role=row.role,
                          site_ids=frozenset(r.site_id for r in rows if r.site_id is not None),
                          delegate_id=row.delegate_id, must_change_password=bool(row.must_change_password))
    if now - row.last_seen_at >= TOUCH_EVERY:
        async with uow:
            await uow.session.execute(update(WebSession).where(WebSession.id == row.session_id)
                                      .values(last_seen_at=now))
            await uow.commit()
    return BrowserSession(token, principal, row.csrf_token, row.locale, row.display_name or row.username)


async def sign_out(uow: UnitOfWork, token: str) -> None:
    async with uow:
        s = uow.session
        row = (await s.execute(select(WebSession).where(WebSession.token_hash == token_digest(token)))
               ).scalar_one_or_none()
        if row is not None and not row.revoked:
            row.revoked = True
            user = await s.get(User, row.user_id)
            audit(s, principal_of(user) if user else None, "user.signed_out", subject=user, source="web")
            await uow.commit()


async def choose_locale(uow: UnitOfWork, p: Principal, locale: str) -> None:
    """Remember the language a user chose in the pages."""
    if locale not in LOCALES:
        raise InvalidInput(f"language must be one of {', '.join(LOCALES)}", code="unknown_language", field="locale")
    async with uow:
        user = await uow.session.get(User, p.user_id) if p.user_id else None
        if user is not None:
            user.locale = locale
            await uow.commit()
