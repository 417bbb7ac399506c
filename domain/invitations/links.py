"""Delegates' personal links: a signed, revocable token that opens their pass and agenda without a password."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal
from domain.errors import NotFound
from domain.models import ACTIVE_INVITATION, Invitation
from domain.invitations.passes import InvalidToken, Keyring, decode_link, encode_link


def link_token(ring: Keyring, invitation: Invitation) -> str:
    return encode_link(ring, invitation.id, invitation.link_version)


async def resolve_link(session: AsyncSession, ring: Keyring, token: str) -> Invitation:
    """The invitation behind a personal link; a forged, revoked or superseded link is not found."""
    try:
        invitation_id, version = decode_link(ring, token)
    except InvalidToken:
        raise NotFound("this personal link is not valid", code="invalid_link") from None
    return await invitation_of_link(session, invitation_id, version)


async def invitation_of_link(session: AsyncSession, invitation_id: int, version: int) -> Invitation:
    """The invitation a decoded personal link names, unless the link was revoked or replaced since."""
    inv = await session.get(Invitation, invitation_id)
    if inv is None or not link_is_current(inv, version):
        raise NotFound("this personal link was revoked or replaced", code="invalid_link")
    return inv


def link_is_current(inv: Invitation, version: int) -> bool:
    return inv.link_version == version and inv.status in ACTIVE_INVITATION


def delegate_principal(inv: Invitation) -> Principal:
    return Principal(user_id=None, username=f"delegate:{inv.delegate_id}", role=None,
                     delegate_id=inv.delegate_id, invitation_id=inv.id)
