"""Passes and personal links: show a pass to those who may hold it, re-issue it, revoke a link."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal, invitation_filter, require_staff, visible_conference
from domain.errors import Forbidden, NotFound
from domain.invitations.links import link_token, resolve_link
from domain.models import BridgeSite, Conference, ConferenceSite, Delegate, Invitation, Role, Unit
from domain.invitations.passes import Keyring, encode_pass
from domain.uow import UnitOfWork
from domain.common import audit, ensure_editable


@dataclass
class PassView:
    """Everything printed on a pass."""
    invitation: Invitation
    delegate: Delegate
    unit_name: str
    conference: Conference
    site: BridgeSite
    token: str  # the QR content
    link: str | None  # the personal-link token: organizers and the delegate only (it lets one act as them)

    @property
    def starts_local(self) -> datetime:
        return _local(self.conference.starts_at, self.conference.timezone)

    @property
    def ends_local(self) -> datetime:
        return _local(self.conference.ends_at, self.conference.timezone)


def _local(dt: datetime, zone: str) -> datetime:
    return dt.astimezone(ZoneInfo(zone))


def require_pass_holder(p: Principal) -> None:
    """A pass is a credential: organizers, the site's operators and the delegate themself, nobody else."""
    if not (p.is_staff or p.role is Role.operator or p.is_delegate_link):
        raise Forbidden("this role may not see passes", code="forbidden_role")


async def _view(s: AsyncSession, ring: Keyring, inv: Invitation) -> PassView:
    delegate, conf, cs = (await s.execute(
        select(Delegate, Conference, ConferenceSite)
        .join(Conference, Conference.id == Invitation.conference_id)
        .join(Delegate, Delegate.id == Invitation.delegate_id)
        .join(ConferenceSite, ConferenceSite.id == Invitation.conference_site_id)
        .select_from(Invitation).where(Invitation.id == inv.id))).one()
    site = await s.get(BridgeSite, cs.site_id)
    unit = await s.get(Unit, delegate.unit_id) if delegate.unit_id else None
    token = encode_pass(ring, conf.id, inv.id, inv.conference_site_id, inv.pass_version)
    return PassView(inv, delegate, unit.name if unit else "", conf, site, token, link_token(ring, inv))


async def pass_view(s: AsyncSession, ring: Keyring, inv: Invitation) -> PassView:
    """The pass of an invitation already found (the delegate's page reads it with the personal agenda)."""
    return await _view(s, ring, inv)


async def _visible_invitation(s: AsyncSession, p: Principal, conference_id: int, invitation_id: int,
                              *, for_update: bool = False) -> Invitation:
    await visible_conference(s, p, conference_id)
    stmt = select(Invitation).where(Invitation.id == invitation_id, Invitation.conference_id == conference_id,
                                    invitation_filter(p))
    inv = (await s.execute(stmt.with_for_update() if for_update else stmt)).scalar_one_or_none()
    if inv is None:
        raise NotFound(f"invitation {invitation_id} not found", code="invitation_not_found")
    return inv


async def get_pass(uow: UnitOfWork, p: Principal, ring: Keyring, conference_id: int, invitation_id: int) -> PassView:
    require_pass_holder(p)
    async with uow:
        view = await _view(uow.session, ring, await _visible_invitation(uow.session, p, conference_id, invitation_id))
    if not (p.is_staff or p.is_delegate_link):  # an operator scans and prints passes but never acts as a delegate
        view.link = None
    return view


async def pass_by_link(uow: UnitOfWork, ring: Keyring, token: str) -> PassView:
    """The pass behind a delegate's personal link (no password); a revoked link is not found."""
    async with uow:
        return await _view(uow.session, ring, await resolve_link(uow.session, ring, token))


async def reissue_pass(uow: UnitOfWork, p: Principal, ring: Keyring, conference_id: int,
                       invitation_id: int) -> PassView:
    """A new pass version: every pass printed or sent before is revoked."""
    return await _bump(uow, p, ring, conference_id, invitation_id, "pass_version", "pass.reissued")


async def renew_link(uow: UnitOfWork, p: Principal, ring: Keyring, conference_id: int,
                     invitation_id: int) -> PassView:
    """A new personal link: the old one stops working (a forwarded or leaked e-mail)."""
    return await _bump(uow, p, ring, conference_id, invitation_id, "link_version", "link.renewed")


async def _bump(uow: UnitOfWork, p: Principal, ring: Keyring, conference_id: int, invitation_id: int,
                version: str, action: str) -> PassView:
    require_pass_holder(p)
    async with uow:
        s = uow.session
        inv = await _visible_invitation(s, p, conference_id, invitation_id, for_update=True)
        require_staff(p)
        conf = await s.get(Conference, conference_id)
        assert conf is not None
        ensure_editable(conf)
        revoked = getattr(inv, version)
        setattr(inv, version, revoked + 1)
        view = await _view(s, ring, inv)
        audit(s, p, action, conference_id=conference_id, site_id=view.site.id, subject=inv, source="manual",
              revoked_version=revoked, version=revoked + 1)
        uow.emit(conference_id, "roster_changed", invitation_id=inv.id, conference_site_ids=[])  # no count changes
        await uow.commit()
        return view
