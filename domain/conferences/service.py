"""Conferences: scheduling, lifecycle and who runs them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.mail import outbox
from domain.access import Principal, conference_filter, require_staff, visible_conference
from domain.errors import Conflict, InvalidInput
from domain.models import (ACTIVE_INVITATION, BridgeSite, Conference, ConferenceSite, ConferenceStatus,
                      Delegate, Invitation, Role, SiteRole, User, conference_managers)
from domain.text import like_pattern, search_text
from domain.uow import UnitOfWork
from domain.conferences import agenda
from domain.common import Page, audit, check_moment, check_text, check_timezone, ensure_editable, must_exist, paginate
from domain.conferences.overlap import check_delegates_free, check_sites_free, check_sites_not_live
from domain.db import utcnow

S = ConferenceStatus


@dataclass
class ConferenceView:
    conference: Conference
    host_site_id: int | None
    manager_ids: list[int] | None = None


async def _view(session: AsyncSession, conf: Conference) -> ConferenceView:
    hosts = await host_site_ids(session, [conf.id])
    return ConferenceView(conf, hosts.get(conf.id), await manager_ids(session, conf.id))
TRANSITIONS: dict[str, tuple[tuple[ConferenceStatus, ...], ConferenceStatus]] = {
    "schedule": ((S.draft,), S.scheduled),
    "start": ((S.scheduled,), S.live),
    "end": ((S.live,), S.ended),
    "cancel": ((S.draft, S.scheduled), S.cancelled),
}


async def list_conferences(uow: UnitOfWork, p: Principal, *, q: str | None = None,
                           status: ConferenceStatus | None = None, starts_from: datetime | None = None,
                           starts_to: datetime | None = None, site_id: int | None = None,
                           unit_id: int | None = None, limit: int = 50, offset: int = 0) -> Page[ConferenceView]:
    check_moment(starts_from, "from")
    check_moment(starts_to, "to")
    stmt = select(Conference).where(conference_filter(p)).order_by(Conference.starts_at, Conference.id)
    if q:
        stmt = stmt.where(Conference.search.like(like_pattern(q), escape="\\"))
    if status is not None:
        stmt = stmt.where(Conference.status == status)
    if starts_from is not None:
        stmt = stmt.where(Conference.ends_at >= starts_from)
    if starts_to is not None:
        stmt = stmt.where(Conference.starts_at <= starts_to)
    if site_id is not None:
        stmt = stmt.where(Conference.id.in_(
            select(ConferenceSite.conference_id).where(ConferenceSite.site_id == site_id)))
    if unit_id is not None:
        stmt = stmt.where(Conference.id.in_(
            select(ConferenceSite.conference_id).join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
            .where(BridgeSite.unit_id == unit_id)))
    async with uow:
        page = await paginate(uow.session, stmt, limit, offset)
        hosts = await host_site_ids(uow.session, [c.id for c in page.items])
        page.items = [ConferenceView(c, hosts.get(c.id)) for c in page.items]
        return page


async def get_conference(uow: UnitOfWork, p: Principal, conference_id: int) -> ConferenceView:
    async with uow:
        return await _view(uow.session, await visible_conference(uow.session, p, conference_id))


async def host_site_ids(session: AsyncSession, conference_ids: list[int]) -> dict[int, int]:
    if not conference_ids:
        return {}
    rows = await session.execute(select(ConferenceSite.conference_id, ConferenceSite.site_id).where(
        ConferenceSite.conference_id.in_(conference_ids), ConferenceSite.role == SiteRole.host))
    return {c: s for c, s in rows}


async def manager_ids(session: AsyncSession, conference_id: int) -> list[int]:
    rows = await session.execute(select(conference_managers.c.user_id)
                                 .where(conference_managers.c.conference_id == conference_id)
                                 .order_by(conference_managers.c.user_id))
    return list(rows.scalars())


async def _check_managers(session: AsyncSession, ids: list[int]) -> None:
    for uid in ids:
        user = await must_exist(session, User, uid, "manager_ids")
        if user.role not in (Role.chair, Role.organizer, Role.admin):
            raise InvalidInput(f"user {user.username} cannot run a conference (role {user.role.value})",
                               code="wrong_role", field="manager_ids")


async def _set_managers(session: AsyncSession, conference_id: int, ids: list[int]) -> None:
    await session.execute(conference_managers.delete().where(conference_managers.c.conference_id == conference_id))
    if ids:
        await session.execute(conference_managers.insert(),
                              [{"conference_id": conference_id, "user_id": u} for u in sorted(set(ids))])


def _check_times(starts: datetime, ends: datetime) -> None:
    check_moment(starts, "starts_at")
    check_moment(ends, "ends_at")
    if ends <= starts:
        raise InvalidInput("ends_at must be after starts_at", code="ends_before_starts", field="ends_at")


async def create_conference(uow: UnitOfWork, p: Principal, fields: dict[str, Any]) -> ConferenceView:
    require_staff(p)
    fields = dict(fields)
    host_site_id = fields.pop("host_site_id", None)
    managers = fields.pop("manager_ids", None) or []
    check_text(fields.get("title"), "title")
    check_timezone(fields.get("timezone") or "Asia/Ho_Chi_Minh")
    _check_times(fields["starts_at"], fields["ends_at"])
    async with uow:
        s = uow.session
        await must_exist(s, Delegate, fields.get("chair_delegate_id"), "chair_delegate_id")
        await _check_managers(s, managers)
        conf = Conference(**fields)
        conf.search = search_text(conf.title)
        s.add(conf)
        await s.flush()
        if host_site_id is not None:
            site = await must_exist(s, BridgeSite, host_site_id, "host_site_id")
            if not site.active:
                raise InvalidInput(f"bridge site {site.code} is not active", code="site_inactive",
                                   field="host_site_id")
            await check_sites_free(s, [site.id], conf.starts_at, conf.ends_at, conf.id, "host_site_id")
            s.add(ConferenceSite(conference_id=conf.id, site_id=site.id, role=SiteRole.host))
        await _set_managers(s, conf.id, managers)
        audit(s, p, "conference.created", conference_id=conf.id, subject=conf)
        view = await _view(s, conf)
        await uow.commit()
        return view


async def update_conference(uow: UnitOfWork, p: Principal, conference_id: int,
                            fields: dict[str, Any]) -> ConferenceView:
    fields = dict(fields)
    managers = fields.pop("manager_ids", None)
    check_text(fields.get("title"), "title")
    if "timezone" in fields:
        check_timezone(fields["timezone"])
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id, for_update=True)
        require_staff(p)
        ensure_editable(conf)
        starts = fields.get("starts_at", conf.starts_at)
        ends = fields.get("ends_at", conf.ends_at)
        _check_times(starts, ends)
        if starts != conf.starts_at or ends != conf.ends_at:
            site_ids = (await s.execute(select(ConferenceSite.site_id)
                                        .where(ConferenceSite.conference_id == conf.id))).scalars()
            await check_sites_free(s, site_ids, starts, ends, conf.id, "starts_at")
            delegate_ids = (await s.execute(select(Invitation.delegate_id).where(
                Invitation.conference_id == conf.id, Invitation.status.in_(ACTIVE_INVITATION)))).scalars()
            await check_delegates_free(s, delegate_ids, starts, ends, conf.id, "starts_at")
        if "chair_delegate_id" in fields:
            await must_exist(s, Delegate, fields["chair_delegate_id"], "chair_delegate_id")
        if managers is not None:
            await _check_managers(s, managers)
            await _set_managers(s, conf.id, managers)
        rescheduled = any(k in fields and fields[k] != getattr(conf, k) for k in ("starts_at", "ends_at", "timezone"))
        if rescheduled or any(k in fields and fields[k] != getattr(conf, k) for k in ("title", "description")):
            conf.sequence += 1
        for k, v in fields.items():
            setattr(conf, k, v)
        if rescheduled:
            await agenda.retime(s, conf)
            await outbox.conference_changed(s, conf, "time")
        conf.search = search_text(conf.title)
        audit(s, p, "conference.updated", conference_id=conf.id, subject=conf, fields=sorted(fields))
        uow.emit(conf.id, "conference", status=conf.status.value)
        view = await _view(s, conf)
        await uow.commit()
        return view


async def delete_conference(uow: UnitOfWork, p: Principal, conference_id: int) -> None:
    async with uow:
        conf = await visible_conference(uow.session, p, conference_id, for_update=True)
        require_staff(p)
        if conf.status is not S.draft:
            raise Conflict("only a draft conference can be deleted; cancel it instead",
                           code="not_draft")
        audit(uow.session, p, "conference.deleted", conference_id=conf.id, subject=conf, title=conf.title)
        await uow.session.flush()  # the entry outlives the conference (its reference becomes NULL)
        # Invitations first: they hold conference sites (RESTRICT); the rest cascades in the database.
        await uow.session.execute(delete(Invitation).where(Invitation.conference_id == conf.id))
        await uow.session.execute(delete(Conference).where(Conference.id == conf.id))
        await uow.commit()


async def transition(uow: UnitOfWork, p: Principal, conference_id: int, action: str, *,
                     override: bool = False) -> ConferenceView:
    """Schedule, start, end or cancel. Starting checks that none of the conference's points is live in another
    conference (`409 site_busy` naming it); an administrator may start anyway with `override` (audited). The
    real start and end are kept: busy rules and calendars (with a higher SEQUENCE) use them."""
    allowed_from, target = TRANSITIONS[action]
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id, for_update=True)
        require_staff(p)
        if conf.status not in allowed_from:
            raise Conflict(f"cannot {action} a conference that is {conf.status.value}",
                           code="illegal_transition", current_status=conf.status.value, action=action)
        if action == "schedule":
            n = len((await s.execute(select(ConferenceSite.id).where(ConferenceSite.conference_id == conf.id)))
                    .scalars().all())
            if n == 0:
                raise Conflict("add at least one bridge site before scheduling", code="no_sites")
        overridden = None
        if action == "start":
            try:
                await check_sites_not_live(s, conf.id)
            except Conflict as busy:
                if not (override and p.role is Role.admin):
                    raise
                overridden = busy.extra["conflicting_conference"]
        before = conf.status
        conf.status = target
        now = utcnow()
        if target is S.live:
            conf.started_at = now
        elif target in (S.ended, S.cancelled):
            conf.ended_at = now
        if target in (S.scheduled, S.cancelled, S.live, S.ended):  # calendars show the real times from now on
            conf.sequence += 1
        if overridden is not None:
            audit(s, p, "conference.start_overridden", conference_id=conf.id, subject=conf,
                  live_elsewhere=overridden)
        if target is S.cancelled:
            await outbox.conference_cancelled(s, conf)
        audit(s, p, f"conference.{action}", conference_id=conf.id, subject=conf,
              before=before.value, after=target.value)
        uow.emit(conf.id, "conference", status=target.value)
        view = await _view(s, conf)
        await uow.commit()
        return view
