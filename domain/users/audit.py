"""Reading the audit log (organizers): who did what, when, at which conference and bridge point."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select

from domain.access import Principal, require_staff, visible_conference
from domain.errors import InvalidInput
from domain.models import DEFAULT_TZ, AuditEntry, BridgeSite, Conference, User
from domain.text import like_pattern
from domain.uow import UnitOfWork
from domain.common import Page, check_moment, paginate


@dataclass(frozen=True)
class AuditFilter:
    """What to look for; every filter given must hold. Texts are case- and diacritic-blind."""
    conference_id: int | None = None
    site_id: int | None = None
    actor_user_id: int | None = None
    action: str | None = None  # one code ("notice.published"), or a family ending in "." ("checkin.")
    actor: str | None = None  # part of the user's name or username
    conference: str | None = None  # part of the conference's title
    site: str | None = None  # part of the bridge point's code or name
    since: datetime | None = None  # at or after; a naive time is local (see `search`)
    until: datetime | None = None  # before; likewise


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    actor_name: str | None  # display name (or username) of who did it; None for the system or a delegate
    actor_username: str | None
    conference_title: str | None
    site_name: str | None


@dataclass
class AuditLog:
    rows: list[AuditRow]
    total: int
    limit: int
    offset: int
    conference: Conference | None  # the conference the log was asked for, when one was
    timezone: str  # the zone of the times a person typed and reads: the conference's, else the office's


def _like(column: Any, text: str) -> Any:
    return column.like(like_pattern(text), escape="\\")


def _filtered(stmt: Select[Any], f: AuditFilter) -> Select[Any]:
    check_moment(f.since, "since")
    check_moment(f.until, "until")
    if f.since is not None and f.until is not None and f.until <= f.since:
        raise InvalidInput("the end of the time range must be after its start", code="ends_before_starts",
                           field="until")
    if f.conference_id is not None:
        stmt = stmt.where(AuditEntry.conference_id == f.conference_id)
    if f.site_id is not None:
        stmt = stmt.where(AuditEntry.site_id == f.site_id)
    if f.actor_user_id is not None:
        stmt = stmt.where(AuditEntry.actor_user_id == f.actor_user_id)
    if f.action:
        stmt = stmt.where(AuditEntry.action.startswith(f.action, autoescape=True) if f.action.endswith(".")
                          else AuditEntry.action == f.action)
    if f.actor and f.actor.strip():
        stmt = stmt.where(AuditEntry.actor_user_id.in_(select(User.id).where(_like(User.search, f.actor))))
    if f.conference and f.conference.strip():
        stmt = stmt.where(AuditEntry.conference_id.in_(
            select(Conference.id).where(_like(Conference.search, f.conference))))
    if f.site and f.site.strip():
        stmt = stmt.where(AuditEntry.site_id.in_(select(BridgeSite.id).where(_like(BridgeSite.search, f.site))))
    if f.since is not None:
        stmt = stmt.where(AuditEntry.at >= f.since)
    if f.until is not None:
        stmt = stmt.where(AuditEntry.at < f.until)
    return stmt


async def list_entries(uow: UnitOfWork, p: Principal, *, conference_id: int | None = None,
                       action: str | None = None, site_id: int | None = None, limit: int = 50,
                       offset: int = 0, **more: Any) -> Page[AuditEntry]:
    """Entries newest first (the JSON endpoint); `more` takes the other fields of `AuditFilter`."""
    require_staff(p)
    f = AuditFilter(conference_id=conference_id, site_id=site_id, action=action, **more)
    stmt = _filtered(select(AuditEntry).order_by(AuditEntry.id.desc()), f)
    async with uow:
        return await paginate(uow.session, stmt, limit, offset)


async def search(uow: UnitOfWork, p: Principal, f: AuditFilter, *, limit: int = 50, offset: int = 0,
                 of_conference: int | None = None) -> AuditLog:
    """Entries newest first with the names a person reads (the audit pages). With `of_conference` the log of
    that one conference (which must exist), whatever `f.conference_id` says. Naive `since`/`until` (typed in a
    form) are times in the conference's zone, or in the office's (Asia/Ho_Chi_Minh) for the whole log."""
    require_staff(p)
    async with uow:
        s = uow.session
        conf = None
        if of_conference is not None:
            conf = await visible_conference(s, p, of_conference)
            f = replace(f, conference_id=conf.id, conference=None)
        zone = conf.timezone if conf is not None else DEFAULT_TZ
        f = replace(f, since=_aware(f.since, zone), until=_aware(f.until, zone))
        total = (await s.execute(select(func.count()).select_from(
            _filtered(select(AuditEntry.id), f).subquery()))).scalar_one()
        rows = await s.execute(_filtered(
            select(AuditEntry, User.display_name, User.username, Conference.title, BridgeSite.name)
            .outerjoin(User, User.id == AuditEntry.actor_user_id)
            .outerjoin(Conference, Conference.id == AuditEntry.conference_id)
            .outerjoin(BridgeSite, BridgeSite.id == AuditEntry.site_id), f)
            .order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
        out = [AuditRow(entry, display or username, username, title, site)
               for entry, display, username, title, site in rows.tuples()]
        return AuditLog(out, total, limit, offset, conf, zone)


def _aware(value: datetime | None, zone: str) -> datetime | None:
    return value.replace(tzinfo=ZoneInfo(zone)) if value is not None and value.tzinfo is None else value
