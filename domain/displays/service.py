"""Display links: organizers create a link per screen (a projector, a TV in the hall) that opens the wall board of
one conference without a sign-in, and revoke it when the screen is no longer used.

The token is signed with the server's keyring (kind KIND_DISPLAY) over the link's id and a random number kept
in its row; the row says whether it still works. A display link stands for a principal that may see that one
conference and nothing else: no role, no delegate data, no writes."""
from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal, require_staff, visible_conference
from domain.common import audit
from domain.db import utcnow
from domain.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from domain.invitations.passes import InvalidToken, Keyring
from domain.models import Conference, User
from domain.uow import UnitOfWork

from .board import BoardHead
from .models import DisplayLink

KIND_DISPLAY = 7  # the keyring's token kinds: 1 pass, 2 personal link, 3 delegate feed, 4 staff feed (passes.py)
LABEL_MAX = 120
CHUNK = 500


def encode_display(ring: Keyring, link_id: int, secret: int) -> str:
    return base64.urlsafe_b64encode(ring.sign(KIND_DISPLAY, link_id, secret)).decode().rstrip("=")


def decode_display(ring: Keyring, token: str) -> tuple[int, int]:
    """(link id, secret) of a genuine display token; InvalidToken otherwise (another kind of token, forged)."""
    if len(token) > 200:
        raise InvalidToken("too long")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken("not base64url") from None
    link_id, secret = ring.verify(KIND_DISPLAY, raw, 2)[1]
    return link_id, secret


def display_principal(link: DisplayLink) -> Principal:
    return Principal(user_id=None, username=f"display:{link.id}", role=None,
                     display_conference_id=link.conference_id)


def _works(link: DisplayLink | None, secret: int) -> bool:
    return link is not None and link.secret == secret and link.revoked_at is None


async def principal_of_token(session: AsyncSession, ring: Keyring, token: str) -> Principal | None:
    """The display behind a token; None when the token is not a display token at all (try it as another kind);
    Unauthenticated when it is one that was revoked."""
    try:
        link_id, secret = decode_display(ring, token)
    except InvalidToken:
        return None
    link = await session.get(DisplayLink, link_id)
    if not _works(link, secret):
        raise Unauthenticated("this display link was revoked", code="display_link_revoked")
    assert link is not None
    return display_principal(link)


async def current_principals(session: AsyncSession, ring: Keyring, tokens: Iterable[str]) -> dict[str, Principal]:
    """Of these tokens, the display tokens that still work and what they stand for (the live view's recheck)."""
    decoded: dict[str, tuple[int, int]] = {}
    for token in set(tokens):
        try:
            decoded[token] = decode_display(ring, token)
        except InvalidToken:
            continue
    ids = sorted({link_id for link_id, _ in decoded.values()})
    links: dict[int, DisplayLink] = {}
    for i in range(0, len(ids), CHUNK):
        for link in await session.scalars(select(DisplayLink).where(DisplayLink.id.in_(ids[i:i + CHUNK]))):
            links[link.id] = link
    return {token: display_principal(links[link_id]) for token, (link_id, secret) in decoded.items()
            if _works(links.get(link_id), secret)}


@dataclass(frozen=True)
class DisplayLinkView:
    id: int
    conference_id: int
    label: str
    created_at: datetime
    created_by: str | None
    revoked_at: datetime | None
    token: str | None  # None once revoked
    timezone: str  # the conference's


@dataclass(frozen=True)
class DisplayLinks:
    conference: Conference
    links: list[DisplayLinkView]


def _view(ring: Keyring, link: DisplayLink, creator: str | None, tz: str) -> DisplayLinkView:
    return DisplayLinkView(link.id, link.conference_id, link.label, link.created_at, creator, link.revoked_at,
                           None if link.revoked_at else encode_display(ring, link.id, link.secret), tz)


async def list_links(uow: UnitOfWork, ring: Keyring, p: Principal, conference_id: int) -> DisplayLinks:
    """Every display link of a conference, newest first (organizers)."""
    async with uow:
        s = uow.session
        require_staff(p)
        conf = await visible_conference(s, p, conference_id)
        rows = (await s.execute(
            select(DisplayLink, User.display_name, User.username)
            .outerjoin(User, User.id == DisplayLink.created_by_user_id)
            .where(DisplayLink.conference_id == conference_id).order_by(DisplayLink.id.desc()))).all()
        return DisplayLinks(conf, [_view(ring, link, name or username, conf.timezone) for link, name, username in rows])


async def create_link(uow: UnitOfWork, ring: Keyring, p: Principal, conference_id: int,
                      label: str | None) -> DisplayLinkView:
    async with uow:
        s = uow.session
        require_staff(p)
        conf = await visible_conference(s, p, conference_id)
        label = (label or "").strip()
        if not label:
            raise InvalidInput("label must not be blank", code="blank", field="label")
        if "\x00" in label:  # PostgreSQL refuses NUL in text; a page form can send one as well as the API
            raise InvalidInput("label: not a text", code="invalid_input", field="label")
        if len(label) > LABEL_MAX:
            raise InvalidInput(f"label: at most {LABEL_MAX} characters", code="too_long",
                               field="label")
        link = DisplayLink(conference_id=conf.id, label=label, created_by_user_id=p.user_id, created_at=utcnow(),
                           secret=secrets.randbelow(2**31))
        s.add(link)
        await s.flush()
        audit(s, p, "display_link.created", conference_id=conf.id, subject=link, label=label)
        await uow.commit()
        return _view(ring, link, p.username, conf.timezone)


async def revoke_link(uow: UnitOfWork, ring: Keyring, p: Principal, conference_id: int,
                      link_id: int) -> DisplayLinkView:
    """Revoke a display link: its board is closed (4401) — at once on this worker, within the live view's
    credential check (30 s) on the others."""
    async with uow:
        s = uow.session
        require_staff(p)
        conf = await visible_conference(s, p, conference_id)
        link = await s.get(DisplayLink, link_id)
        if link is None or link.conference_id != conference_id:
            raise NotFound(f"display link {link_id} not found", code="display_link_not_found")
        if link.revoked_at is not None:
            raise Conflict("this display link is revoked already", code="display_link_revoked")
        link.revoked_at, link.revoked_by_user_id = utcnow(), p.user_id
        audit(s, p, "display_link.revoked", conference_id=conference_id, subject=link, label=link.label)
        await uow.commit()
        return _view(ring, link, None, conf.timezone)


async def board_of_token(uow: UnitOfWork, ring: Keyring, token: str) -> tuple[Principal, BoardHead]:
    """The display behind a link and the head of its conference's board (the page a screen opens); a forged or
    revoked link is not found."""
    async with uow:
        s = uow.session
        try:
            p = await principal_of_token(s, ring, token)
        except Unauthenticated:
            p = None
        if p is None:
            raise NotFound("this display link was revoked or is not valid", code="display_link_revoked")
        conf = await visible_conference(s, p, p.display_conference_id or 0)
        return p, BoardHead(conf.id, conf.title, conf.timezone, conf.status)
