"""Read models of the office pages: the home page by role, a conference's overview and its form's choices.

Every count is an aggregate query (GROUP BY / COUNT), never a load of the rows counted: a national conference
has 100,000 invitations and the home page is opened all day.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal, conference_filter, invitation_filter, may_read_rosters, require_staff, \
    visible_conference
from domain.checkin.attendance import attendance
from domain.db import utcnow
from domain.models import (ACTIVE_INVITATION, DEFAULT_TZ, AgendaItem, BridgeSite, Conference, ConferenceSite,
                      ConferenceStatus, Delegate, Invitation, Role, SiteRole, User, Visibility,
                      conference_managers)
from domain.mail.models import ConclusionNotice, MailKind, MailStatus, NoticeReceipt, OutboxMessage
from domain.uow import UnitOfWork
from domain.common import ensure_editable
from domain.conferences.service import TRANSITIONS

S = ConferenceStatus
HORIZON_DAYS = 14  # "the next 14 days" on an organizer's home page
LIST_LIMIT = 50


@dataclass
class ConferenceLine:
    conference: Conference
    present: int | None = None  # live conferences: delegates in the room now
    expected: int | None = None
    site_names: list[str] = field(default_factory=list)  # an operator's own points in it


@dataclass
class TodoLine:
    conference: Conference
    count: int
    without_email: int = 0  # invitations not sent: how many of them have no e-mail address to send to


@dataclass
class Home:
    staff: bool
    today: date  # the office's local day (Asia/Ho_Chi_Minh)
    live: list[ConferenceLine]
    today_lines: list[ConferenceLine]
    upcoming: list[ConferenceLine]  # staff: the next 14 days; others: every coming conference
    upcoming_total: int
    horizon_days: int | None
    not_sent: list[TodoLine] = field(default_factory=list)
    mail_failed: list[TodoLine] = field(default_factory=list)
    unacknowledged: list[TodoLine] = field(default_factory=list)


def _local_day(now: datetime, tz: str = DEFAULT_TZ) -> tuple[date, datetime, datetime]:
    zone = ZoneInfo(tz)
    day = now.astimezone(zone).date()
    start = datetime.combine(day, time(0), zone)
    return day, start, datetime.combine(day + timedelta(days=1), time(0), zone)


def _home_filter(p: Principal) -> Any:
    """What each role's home page lists: organizers everything, operators their points' conferences, chairs those
    they run (the access rules), wall boards internal conferences that are live or scheduled."""
    cond = conference_filter(p)
    if p.role is Role.viewer:
        return cond & (Conference.visibility == Visibility.internal) & Conference.status.in_((S.live, S.scheduled))
    if not p.is_staff:
        return cond & (Conference.status != S.draft) if p.role is Role.operator else cond
    return cond


async def _lines(s: AsyncSession, p: Principal, stmt: Any) -> list[ConferenceLine]:
    confs = list((await s.execute(stmt)).scalars())
    return [ConferenceLine(c) for c in confs]


async def _site_names(s: AsyncSession, p: Principal, lines: list[ConferenceLine]) -> None:
    """An operator's own points in each conference listed (one query)."""
    if p.role is not Role.operator or not lines:
        return
    by_id = {line.conference.id: line for line in lines}
    rows = await s.execute(select(ConferenceSite.conference_id, BridgeSite.name)
                           .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
                           .where(ConferenceSite.conference_id.in_(list(by_id)),
                                  ConferenceSite.site_id.in_(p.site_ids)).order_by(BridgeSite.name))
    for conf_id, name in rows.tuples():
        by_id[conf_id].site_names.append(name)


async def _todo(s: AsyncSession) -> tuple[list[TodoLine], list[TodoLine], list[TodoLine]]:
    mailed = exists().where(OutboxMessage.invitation_id == Invitation.id, OutboxMessage.kind == MailKind.invitation)
    not_sent = (await s.execute(
        select(Invitation.conference_id, func.count(),
               func.coalesce(func.sum(case((Delegate.email == "", 1), else_=0)), 0).cast(Integer))
        .join(Conference, Conference.id == Invitation.conference_id)
        .join(Delegate, Delegate.id == Invitation.delegate_id)
        .where(Invitation.status.in_(ACTIVE_INVITATION), Conference.status.in_((S.scheduled, S.live)), ~mailed)
        .group_by(Invitation.conference_id))).tuples().all()
    failed = (await s.execute(select(OutboxMessage.conference_id, func.count())
                              .where(OutboxMessage.status == MailStatus.failed)
                              .group_by(OutboxMessage.conference_id))).tuples().all()
    unack = (await s.execute(select(ConclusionNotice.conference_id, func.count())
                             .join(NoticeReceipt, NoticeReceipt.notice_id == ConclusionNotice.id)
                             .where(NoticeReceipt.acknowledged_at.is_(None))
                             .group_by(ConclusionNotice.conference_id))).tuples().all()
    ids = {row[0] for row in (*not_sent, *failed, *unack)}
    confs = {c.id: c for c in (await s.execute(select(Conference).where(Conference.id.in_(ids)))).scalars()} \
        if ids else {}

    def lines(rows: Any) -> list[TodoLine]:
        out = [TodoLine(confs[row[0]], *row[1:]) for row in rows if row[0] in confs]
        return sorted(out, key=lambda t: (t.conference.starts_at, t.conference.id))
    return lines(not_sent), lines(failed), lines(unack)


async def home(uow: UnitOfWork, p: Principal, now: datetime | None = None) -> Home:
    """The home page of the signed-in person: live now (with present/expected), today, what comes next; for
    organizers also what is still to do (invitations not sent, mail failing, notices not acknowledged)."""
    now = now or utcnow()
    day, day_start, day_end = _local_day(now)
    visible = _home_filter(p)
    order = (Conference.starts_at, Conference.id)
    horizon = HORIZON_DAYS if p.is_staff else None
    async with uow:
        s = uow.session
        live = await _lines(s, p, select(Conference).where(visible, Conference.status == S.live)
                            .order_by(*order).limit(LIST_LIMIT))
        today = await _lines(s, p, select(Conference).where(
            visible, Conference.status.notin_((S.live, S.cancelled)), Conference.starts_at < day_end,
            Conference.ends_at > day_start).order_by(*order).limit(LIST_LIMIT))
        coming = [visible, Conference.status.in_((S.draft, S.scheduled)), Conference.starts_at >= day_end]
        if horizon is not None:
            coming.append(Conference.starts_at < day_end + timedelta(days=horizon))
        upcoming = await _lines(s, p, select(Conference).where(*coming).order_by(*order).limit(LIST_LIMIT))
        total = (await s.execute(select(func.count()).select_from(Conference).where(*coming))).scalar_one()
        for line in live:
            counts = await attendance(s, line.conference.id)
            line.present, line.expected = counts.present, counts.expected
        await _site_names(s, p, [*live, *today, *upcoming])
        result = Home(p.is_staff, day, live, today, upcoming, total, horizon)
        if p.is_staff:
            result.not_sent, result.mail_failed, result.unacknowledged = await _todo(s)
        return result


# ---- one conference ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonName:
    id: int
    username: str
    display_name: str
    role: Role


@dataclass(frozen=True)
class SiteName:
    id: int
    code: str
    name: str


@dataclass
class Overview:
    conference: Conference
    host: SiteName | None
    points: int  # bridge points taking part, the host hall included
    agenda_items: int
    invitations: int | None  # active invitations the caller may see; None: this role reads no rosters
    mail: dict[str, int] | None  # outbox status → messages; None: not for this role
    managers: list[PersonName] | None
    present: int | None
    expected: int | None
    actions: list[str]  # lifecycle actions the caller may take now: schedule, start, end, cancel, delete
    editable: bool


def lifecycle_actions(p: Principal, conf: Conference) -> list[str]:
    """The transitions the conference's state allows (the same table the service enforces), for organizers."""
    if not p.is_staff:
        return []
    actions = [name for name, (allowed, _target) in TRANSITIONS.items() if conf.status in allowed]
    return actions + (["delete"] if conf.status is S.draft else [])


async def _host(s: AsyncSession, conference_id: int) -> SiteName | None:
    row = (await s.execute(select(BridgeSite.id, BridgeSite.code, BridgeSite.name)
                           .join(ConferenceSite, ConferenceSite.site_id == BridgeSite.id)
                           .where(ConferenceSite.conference_id == conference_id,
                                  ConferenceSite.role == SiteRole.host))).first()
    return SiteName(*row) if row else None


async def _managers(s: AsyncSession, conference_id: int) -> list[PersonName]:
    rows = await s.execute(select(User.id, User.username, User.display_name, User.role)
                           .join(conference_managers, conference_managers.c.user_id == User.id)
                           .where(conference_managers.c.conference_id == conference_id)
                           .order_by(User.display_name, User.username))
    return [PersonName(*row) for row in rows.tuples()]


async def _count(s: AsyncSession, model: Any, *where: Any) -> int:
    return int((await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def overview(uow: UnitOfWork, p: Principal, conference_id: int) -> Overview:
    """A conference's facts and counts as the caller may see them (404 when they may not see it)."""
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        points = await _count(s, ConferenceSite, ConferenceSite.conference_id == conf.id)
        agenda = await _count(s, AgendaItem, AgendaItem.conference_id == conf.id)
        invitations = None
        if may_read_rosters(p):
            invitations = await _count(s, Invitation, Invitation.conference_id == conf.id,
                                       Invitation.status.in_(ACTIVE_INVITATION), invitation_filter(p))
        mail = None
        if p.is_staff:
            rows = (await s.execute(select(OutboxMessage.status, func.count())
                                    .where(OutboxMessage.conference_id == conf.id)
                                    .group_by(OutboxMessage.status))).tuples().all()
            counts = dict(rows)
            mail = {st.value: counts.get(st, 0) for st in MailStatus}
        managers = await _managers(s, conf.id) if p.is_staff or p.role is Role.chair else None
        present = expected = None
        if conf.status in (S.live, S.ended):
            counts_ = await attendance(s, conf.id)
            present, expected = counts_.present, counts_.expected
        return Overview(conf, await _host(s, conf.id), points, agenda, invitations, mail, managers, present,
                        expected, lifecycle_actions(p, conf),
                        p.is_staff and conf.status not in (S.ended, S.cancelled))


@dataclass
class ConferenceForm:
    """What the conference form offers an organizer: the chairs to pick as managers, a first page of host halls."""
    conference: Conference | None
    host: SiteName | None
    managers: list[PersonName]  # chosen now (any role allowed to run a conference)
    chairs: list[PersonName]  # active chairs to choose from
    sites: list[SiteName]  # active bridge points to choose the host hall from (first page; search for more)
    sites_total: int


CHAIRS_LIMIT = 500
SITES_LIMIT = 50


async def conference_form(uow: UnitOfWork, p: Principal, conference_id: int | None = None, *,
                          host_site_id: int | None = None) -> ConferenceForm:
    """The choices of the new-conference wizard (with the host hall already chosen, when the form comes back
    with an error), or of the edit form of one conference (organizers only; a conference that has ended or was
    cancelled can no longer be edited)."""
    async with uow:
        s = uow.session
        conf = None
        if conference_id is not None:
            conf = await visible_conference(s, p, conference_id)
            require_staff(p)
            ensure_editable(conf)
        else:
            require_staff(p)
        chairs = await s.execute(select(User.id, User.username, User.display_name, User.role)
                                 .where(User.active.is_(True), User.role == Role.chair)
                                 .order_by(User.display_name, User.username).limit(CHAIRS_LIMIT))
        active = BridgeSite.active.is_(True)
        sites = await s.execute(select(BridgeSite.id, BridgeSite.code, BridgeSite.name).where(active)
                                .order_by(BridgeSite.code).limit(SITES_LIMIT))
        total = await _count(s, BridgeSite, active)
        host = await _host(s, conf.id) if conf else None
        if conf is None and host_site_id is not None:
            row = (await s.execute(select(BridgeSite.id, BridgeSite.code, BridgeSite.name)
                                   .where(BridgeSite.id == host_site_id))).first()
            host = SiteName(*row) if row else None
        return ConferenceForm(conf, host,
                              await _managers(s, conf.id) if conf else [],
                              [PersonName(*row) for row in chairs.tuples()],
                              [SiteName(*row) for row in sites.tuples()], total)
