"""Invitations: a delegate's seat at a conference, at one of its bridge sites."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.mail import outbox
from domain.invitations import names
from domain.access import Principal, invitation_filter, require_roster_reader, require_staff, visible_conference
from domain.errors import Conflict, InvalidInput, NotFound
from domain.models import (ACTIVE_INVITATION, Conference, ConferenceSite, Delegate, Invitation,
                      InvitationStatus)
from domain.text import like_pattern
from domain.uow import UnitOfWork
from domain.common import Page, audit, cursor_or_offset, ensure_editable, must_exist
from domain.conferences.overlap import check_delegates_free

IS = InvitationStatus


async def list_invitations(uow: UnitOfWork, p: Principal, conference_id: int, *, q: str | None = None,
                           site_id: int | None = None, status: InvitationStatus | None = None,
                           role: Any = None, limit: int = 50, offset: int = 0,
                           after: str | None = None) -> Page[Invitation]:
    """A page of a conference's invitations by name (the index by conference and name: no delegate is read), from
    `offset` or after the cursor `after` of a page before; `next` is the cursor of the page after it."""
    require_roster_reader(p)
    cursor_or_offset(after, offset)
    async with uow:
        await visible_conference(uow.session, p, conference_id)
        where = [Invitation.conference_id == conference_id, invitation_filter(p)]
        if site_id is not None:
            where.append(Invitation.conference_site_id.in_(
                select(ConferenceSite.id).where(ConferenceSite.site_id == site_id)))
        if status is not None:
            where.append(Invitation.status == status)
        if role is not None:
            where.append(Invitation.role == role)
        if q:
            where.append(Invitation.search.like(like_pattern(q), escape="\\"))
        total = (await uow.session.execute(select(func.count()).select_from(Invitation).where(*where))).scalar_one()
        if after is not None:
            where.append(names.after_name(after))
        # the page's ids from the index alone (an offset or a search walks index entries, not rows), then its rows
        ids, after_page = await names.pick(
            uow.session, select(Invitation.id, *names.BY_NAME).where(*where),
            sparse=bool(q) and total <= names.SPARSE_SEARCH, limit=limit, offset=offset)
        found = {inv.id: inv for inv in (await uow.session.execute(
            select(Invitation).where(Invitation.id.in_(ids)))).scalars()} if ids else {}
        return Page([found[i] for i in ids], total, limit, offset, next=after_page)


async def _get(uow: UnitOfWork, p: Principal, conference_id: int, inv_id: int, *, edit: bool = False
               ) -> tuple[Conference, Invitation]:
    require_roster_reader(p)
    conf = await visible_conference(uow.session, p, conference_id, for_update=edit)
    inv = (await uow.session.execute(select(Invitation).where(
        Invitation.id == inv_id, Invitation.conference_id == conf.id, invitation_filter(p)))).scalar_one_or_none()
    if inv is None:
        raise NotFound(f"invitation {inv_id} not found", code="invitation_not_found")
    return conf, inv


async def get_invitation(uow: UnitOfWork, p: Principal, conference_id: int, inv_id: int) -> Invitation:
    async with uow:
        return (await _get(uow, p, conference_id, inv_id))[1]


async def _site_of(s: AsyncSession, conf: Conference, cs_id: int) -> ConferenceSite:
    cs = await must_exist(s, ConferenceSite, cs_id, "conference_site_id")
    if cs.conference_id != conf.id:
        raise InvalidInput(f"conference site {cs_id} belongs to another conference",
                           code="unknown_reference", field="conference_site_id")
    return cs


async def _check_not_invited(s: AsyncSession, conf: Conference, delegate_id: int) -> None:
    existing = (await s.execute(select(Invitation.id).where(
        Invitation.conference_id == conf.id, Invitation.delegate_id == delegate_id))).scalar_one_or_none()
    if existing is not None:
        raise Conflict(f"delegate {delegate_id} is already invited to this conference (invitation {existing})",
                       code="already_invited", field="delegate_id", invitation_id=existing)


async def create_invitation(uow: UnitOfWork, p: Principal, conference_id: int, fields: dict[str, Any]) -> Invitation:
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id, for_update=True)
        require_staff(p)
        ensure_editable(conf)
        await must_exist(s, Delegate, fields["delegate_id"], "delegate_id")
        await _site_of(s, conf, fields["conference_site_id"])
        await _check_not_invited(s, conf, fields["delegate_id"])
        await check_delegates_free(s, [fields["delegate_id"]], conf.starts_at, conf.ends_at, conf.id)
        inv = Invitation(conference_id=conf.id, **fields)
        s.add(inv)
        await s.flush()
        audit(s, p, "invitation.created", conference_id=conf.id, subject=inv, delegate_id=inv.delegate_id)
        uow.emit(conf.id, "roster_changed", invitation_id=inv.id, conference_site_ids=[inv.conference_site_id])
        await uow.commit()
        return inv


async def update_invitation(uow: UnitOfWork, p: Principal, conference_id: int, inv_id: int,
                            fields: dict[str, Any]) -> Invitation:
    async with uow:
        s = uow.session
        conf, inv = await _get(uow, p, conference_id, inv_id, edit=True)
        require_staff(p)
        ensure_editable(conf)
        new_status = fields.get("status")
        if new_status is IS.substituted:
            raise InvalidInput("use the substitute action to send a deputy", code="use_substitute",
                               field="status")
        if inv.status is IS.substituted:
            raise Conflict("this seat was passed to a substitute and is kept for the record",
                           code="invitation_substituted")
        if new_status in ACTIVE_INVITATION and inv.status not in ACTIVE_INVITATION:
            await check_delegates_free(s, [inv.delegate_id], conf.starts_at, conf.ends_at, conf.id, "status")
        if "conference_site_id" in fields:
            await _site_of(s, conf, fields["conference_site_id"])
        was_active, old_site_id = inv.status in ACTIVE_INVITATION, inv.conference_site_id
        if new_status is IS.cancelled and inv.status is not IS.cancelled:
            inv.pass_version += 1  # revokes any pass issued so far
            audit(s, p, "pass.revoked", conference_id=conf.id, subject=inv, reason="cancelled",
                  pass_version=inv.pass_version)
        for k, v in fields.items():
            setattr(inv, k, v)
        await outbox.invitation_changed(s, conf, inv, was_active=was_active, old_site_id=old_site_id)
        audit(s, p, "invitation.updated", conference_id=conf.id, subject=inv, fields=sorted(fields))
        uow.emit(conf.id, "roster_changed", invitation_id=inv.id,
                 conference_site_ids=sorted({old_site_id, inv.conference_site_id}))
        await uow.commit()
        return inv


async def substitute(uow: UnitOfWork, p: Principal, conference_id: int, inv_id: int,
                     delegate_id: int) -> Invitation:
    """A unit sends a deputy: the seat moves to another delegate, the old invitation stays as history."""
    async with uow:
        s = uow.session
        conf, old = await _get(uow, p, conference_id, inv_id, edit=True)
        require_staff(p)
        ensure_editable(conf)
        if old.status not in ACTIVE_INVITATION:
            raise Conflict(f"invitation {old.id} is {old.status.value}; only an active seat can be passed on",
                           code="invitation_not_active")
        await must_exist(s, Delegate, delegate_id, "delegate_id")
        await _check_not_invited(s, conf, delegate_id)
        await check_delegates_free(s, [delegate_id], conf.starts_at, conf.ends_at, conf.id)
        old.status = IS.substituted
        old.pass_version += 1
        audit(s, p, "pass.revoked", conference_id=conf.id, subject=old, reason="substituted",
              pass_version=old.pass_version)
        new = Invitation(conference_id=conf.id, delegate_id=delegate_id, conference_site_id=old.conference_site_id,
                         role=old.role, status=IS.invited, replaces_id=old.id)
        s.add(new)
        await s.flush()
        await outbox.substituted(s, conf, old, new)
        audit(s, p, "invitation.substituted", conference_id=conf.id, subject=old,
              substitute_invitation_id=new.id, delegate_id=delegate_id)
        uow.emit(conf.id, "roster_changed", invitation_id=new.id, replaces_id=old.id,
                 conference_site_ids=[old.conference_site_id])
        await uow.commit()
        return new


async def invitation_history(uow: UnitOfWork, p: Principal, conference_id: int, inv_id: int) -> list[Invitation]:
    """The chain of seats this invitation replaced, newest first."""
    async with uow:
        _, inv = await _get(uow, p, conference_id, inv_id)
        chain = [inv]
        while chain[-1].replaces_id is not None:
            prev = await uow.session.get(Invitation, chain[-1].replaces_id)
            if prev is None:
                break
            chain.append(prev)
        return chain
