"""Delegates' personal links: a signed, revocable token that opens their pass and agenda without a password."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from .access import Principal
from .errors import NotFound
from .models import ACTIVE_INVITATION, Invitation
from .passes import InvalidToken, Keyring, decode_link, encode_link


def link_token(ring: Keyring, invitation: Invitation) -> str:
    return encode_link(ring, invitation.id, invitation.link_version)


async def resolve_link(session: AsyncSession, ring: Keyring, token: str) -> Invitation:
    """The invitation behind a personal link; a forged, revoked or superseded link is not found."""
    try:
        invitation_id, version = decode_link(ring, token)
    except InvalidToken:
        raise NotFound("this personal link is not valid", code="invalid_link") from None
    inv = await session.get(Invitation, invitation_id)
    if inv is None or inv.link_version != version or inv.status not in ACTIVE_INVITATION:
        raise NotFound("this personal link was revoked or replaced", code="invalid_link")
    return inv


def delegate_principal(inv: Invitation) -> Principal:
    return Principal(user_id=None, username=f"delegate:{inv.delegate_id}", role=None,
                     delegate_id=inv.delegate_id, invitation_id=inv.id)
