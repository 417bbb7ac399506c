"""Who is still behind a set of tokens: a long-lived connection (a live-view socket) asks this now and then, so a
logout, an expired or revoked API token, a deactivated user, a replaced personal link or a revoked display link
ends it too. A browser page's socket is known by its session cookie (SESSION_PREFIX + cookie)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal
from domain.db import utcnow
from domain.invitations.links import delegate_principal, link_is_current
from domain.displays.service import current_principals as display_principals
from domain.models import ApiToken, Invitation, User, WebSession
from domain.invitations.passes import InvalidToken, Keyring, decode_link
from domain.users.service import principal_of, token_digest

CHUNK = 500  # tokens per query
SESSION_PREFIX = "session:"  # a browser session's cookie as a live-view socket's credential


async def current_principals(session: AsyncSession, ring: Keyring, tokens: Iterable[str]) -> dict[str, Principal]:
    """The principal each token stands for now; tokens that no longer let anyone in are left out. A few
    queries for any number of tokens (one per kind and CHUNK tokens)."""
    links: dict[str, tuple[int, int]] = {}
    api: dict[str, str] = {}  # digest → token
    cookies: dict[str, str] = {}  # digest of a browser session's cookie → SESSION_PREFIX + cookie
    pending = set(tokens)
    found: dict[str, Principal] = await display_principals(session, ring, pending)  # wall boards' display links
    for token in pending - found.keys():
        if token.startswith(SESSION_PREFIX):
            cookies[token_digest(token[len(SESSION_PREFIX):])] = token
            continue
        try:
            links[token] = decode_link(ring, token)
        except InvalidToken:
            api[token_digest(token)] = token
    now = utcnow()
    digests = list(cookies)
    for i in range(0, len(digests), CHUNK):  # a session lasts until signed out, its absolute end, or the user's end
        rows = await session.execute(
            select(WebSession.token_hash, User).join(User, User.id == WebSession.user_id)
            .where(WebSession.token_hash.in_(digests[i:i + CHUNK]), WebSession.revoked.is_(False),
                   WebSession.expires_at > now, User.active.is_(True)))
        for digest, user in rows.tuples():
            found[cookies[digest]] = principal_of(user)
    digests = list(api)
    for i in range(0, len(digests), CHUNK):
        rows = await session.execute(
            select(ApiToken.token_hash, User).join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash.in_(digests[i:i + CHUNK]), ApiToken.revoked.is_(False),
                   ApiToken.expires_at > now, User.active.is_(True)))
        for digest, user in rows.tuples():
            found[api[digest]] = principal_of(user)
    wanted = sorted({inv_id for inv_id, _ in links.values()})
    invitations: dict[int, Invitation] = {}
    for i in range(0, len(wanted), CHUNK):
        for inv in (await session.scalars(select(Invitation).where(Invitation.id.in_(wanted[i:i + CHUNK])))):
            invitations[inv.id] = inv
    for token, (inv_id, version) in links.items():
        inv = invitations.get(inv_id)
        if inv is not None and link_is_current(inv, version):
            found[token] = delegate_principal(inv)
    return found
