"""A conference's other reports: connection outages per point, speaking time per point and delegate, invitation
delivery (sent, pending, failed) and the acknowledgements of its conclusion notices."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, case, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from ..access import Principal
from ..db import utcnow
from ..i18n import format_time, gettext
from ..mail.models import ConclusionNotice, MailKind, MailStatus, NoticeReceipt, OutboxMessage
from ..models import (ACTIVE_INVITATION, BridgeSite, ConferenceSite, ConferenceStatus, Delegate, Invitation,
                      Unit, User)
from ..point_links.models import SiteOutage
from ..speakers.models import SpeakerEntry, SpeakerList
from ..speakers.view import spoken_seconds
from ..uow import UnitOfWork
from .charts import Bar, BarChart, Segment, Span, Timeline, TimelineRow
from .scope import Scope, conference_scope

TOP = 20  # bars in a chart


def duration(seconds: float | int | None) -> str:
    """1:05:09 or 5:09 (h:mm:ss / m:ss), the same in both languages."""
    if seconds is None:
        return ""
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


async def _points(s: AsyncSession, scope: Scope) -> dict[int, tuple[str, str]]:
    """conference site id → (code, name) of the points in the report, host first then by code."""
    rows = await s.execute(select(ConferenceSite.id, BridgeSite.code, BridgeSite.name)
                           .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id).where(scope.points())
                           .order_by(ConferenceSite.role, BridgeSite.code))
    return {cs: (code, name) for cs, code, name in rows.all()}


def _in_scope(scope: Scope, column: Any) -> Any:
    """A conference-site column limited to the report's points (no condition for a full report)."""
    return true() if scope.site_ids is None else column.in_(select(ConferenceSite.id).where(scope.points()))


# ---- outages ------------------------------------------------------------------------------------------------

@dataclass
class Outage:
    started_at: datetime
    ended_at: datetime | None  # None: still lost (or lost when the conference ended)
    seconds: float


@dataclass
class PointOutages:
    conference_site_id: int
    code: str
    name: str
    outages: list[Outage]

    @property
    def seconds(self) -> float:
        return sum(o.seconds for o in self.outages)


@dataclass
class OutageReport:
    scope: Scope
    points: list[PointOutages]  # points with at least one outage, most time lost first
    points_in_scope: int
    window_start: datetime
    window_end: datetime
    generated_at: datetime

    @property
    def outages(self) -> int:
        return sum(len(p.outages) for p in self.points)

    @property
    def seconds(self) -> float:
        return sum(p.seconds for p in self.points)

    def timeline(self, rows: list[PointOutages] | None = None) -> Timeline:
        conf = self.scope.conference
        span = (self.window_end - self.window_start).total_seconds() or 1.0

        def frac(t: datetime) -> float:
            return min(max((t - self.window_start).total_seconds() / span, 0.0), 1.0)

        out = []
        for pt in (self.points if rows is None else rows):
            spans = [Span(frac(o.started_at), frac(o.ended_at or self.window_end),
                          f"{format_time(o.started_at, conf.timezone)}–"
                          f"{format_time(o.ended_at, conf.timezone) if o.ended_at else '…'} ({duration(o.seconds)})")
                     for o in pt.outages]
            out.append(TimelineRow(pt.name, spans, duration(pt.seconds)))
        return Timeline(gettext("Connection outages per point"), self.window_start, self.window_end, out,
                        format_time(self.window_start, conf.timezone), format_time(self.window_end, conf.timezone),
                        _ticks(self.window_start, self.window_end, conf.timezone))


def _ticks(start: datetime, end: datetime, tz: str) -> list[tuple[float, str]]:
    """Whole hours (or half hours for a short window) between start and end, as fractions of the axis."""
    span = (end - start).total_seconds()
    if span <= 0:
        return []
    step = timedelta(minutes=30) if span <= 3 * 3600 else timedelta(hours=1 if span <= 12 * 3600 else 6)
    zone = ZoneInfo(tz)
    local = start.astimezone(zone)
    minutes = int(step.total_seconds() // 60)
    first = local.replace(minute=0, second=0, microsecond=0)
    while first <= local:
        first += step if minutes >= 60 else timedelta(minutes=minutes)
    ticks, t = [], first
    while t < end and len(ticks) < 24:
        ticks.append(((t - start).total_seconds() / span, format_time(t, tz)))
        t += step
    return ticks


async def outage_report(uow: UnitOfWork, p: Principal, conference_id: int, *,
                        now: datetime | None = None) -> OutageReport:
    now = now or utcnow()
    async with uow:
        s = uow.session
        scope = await conference_scope(s, p, conference_id)
        conf = scope.conference
        points = await _points(s, scope)
        rows = (await s.execute(select(SiteOutage).where(
            SiteOutage.conference_id == conf.id, _in_scope(scope, SiteOutage.conference_site_id))
            .order_by(SiteOutage.started_at, SiteOutage.id))).scalars().all()
    open_until = now if conf.status is ConferenceStatus.live else max(conf.ends_at, now if conf.status in (
        ConferenceStatus.draft, ConferenceStatus.scheduled) else conf.ends_at)
    by_point: dict[int, PointOutages] = {}
    for o in rows:
        if o.conference_site_id not in points:
            continue
        code, name = points[o.conference_site_id]
        end = o.ended_at or max(open_until, o.started_at)
        by_point.setdefault(o.conference_site_id, PointOutages(o.conference_site_id, code, name, [])).outages.append(
            Outage(o.started_at, o.ended_at, (end - o.started_at).total_seconds()))
    start = min([conf.starts_at, *(o.started_at for o in rows)])
    end = max([conf.ends_at, *((o.ended_at or open_until) for o in rows)])
    ordered = sorted(by_point.values(), key=lambda pt: (-pt.seconds, pt.code))
    return OutageReport(scope, ordered, len(points), start, end, utcnow())


# ---- speaking time ----------------------------------------------------------------------------------------

@dataclass
class PointSpeaking:
    conference_site_id: int
    code: str
    name: str
    speeches: int = 0
    seconds: float = 0.0


@dataclass
class DelegateSpeaking:
    invitation_id: int
    full_name: str
    rank: str
    unit_name: str
    site_code: str
    site_name: str
    speeches: int = 0
    seconds: float = 0.0


@dataclass
class SpeakingReport:
    scope: Scope
    points: list[PointSpeaking]  # points that spoke, longest first
    delegates: list[DelegateSpeaking]  # empty for readers without names
    generated_at: datetime

    @property
    def speeches(self) -> int:
        return sum(p.speeches for p in self.points)

    @property
    def seconds(self) -> float:
        return sum(p.seconds for p in self.points)

    def chart(self) -> BarChart:
        bars = [Bar(pt.name, [Segment("speaking", pt.seconds)], duration(pt.seconds)) for pt in self.points[:TOP]]
        return BarChart(gettext("Speaking time per point"), bars,
                        [("speaking", gettext("Speaking time"))])


async def speaking_report(uow: UnitOfWork, p: Principal, conference_id: int, *,
                          now: datetime | None = None) -> SpeakingReport:
    """Finished speeches, timed without their pauses, per point and per delegate (longest first)."""
    now = now or utcnow()
    async with uow:
        s = uow.session
        scope = await conference_scope(s, p, conference_id)
        points = await _points(s, scope)
        rows = (await s.execute(
            select(SpeakerEntry, Invitation.conference_site_id, Delegate.full_name, Delegate.rank, Unit.name)
            .join(SpeakerList, SpeakerList.id == SpeakerEntry.list_id)
            .join(Invitation, Invitation.id == SpeakerEntry.invitation_id)
            .join(Delegate, Delegate.id == Invitation.delegate_id).outerjoin(Unit, Unit.id == Delegate.unit_id)
            .where(SpeakerList.conference_id == scope.conference.id, SpeakerEntry.ended_at.is_not(None),
                   _in_scope(scope, Invitation.conference_site_id))
            .options(selectinload(SpeakerEntry.pauses)))).all()
    by_point: dict[int, PointSpeaking] = {}
    by_person: dict[int, DelegateSpeaking] = {}
    for entry, cs, name, rank, unit in rows:
        if cs not in points:
            continue
        code, site = points[cs]
        seconds = max(spoken_seconds(entry, now), 0.0)
        pt = by_point.setdefault(cs, PointSpeaking(cs, code, site))
        pt.speeches += 1
        pt.seconds += seconds
        if scope.names:
            person = by_person.setdefault(entry.invitation_id, DelegateSpeaking(
                entry.invitation_id, name, rank or "", unit or "", code, site))
            person.speeches += 1
            person.seconds += seconds
    return SpeakingReport(scope, sorted(by_point.values(), key=lambda x: (-x.seconds, x.code)),
                          sorted(by_person.values(), key=lambda x: (-x.seconds, x.site_code, x.full_name)), utcnow())


# ---- invitation delivery ----------------------------------------------------------------------------------

DELIVERY_KEYS = ("sent", "pending", "failed", "not_sent", "no_email")


@dataclass
class Delivery:
    invitations: int = 0
    sent: int = 0
    pending: int = 0  # queued, not yet accepted by the mail server
    failed: int = 0  # every attempt failed (and no later message is queued or sent)
    not_sent: int = 0  # has an e-mail address, no invitation queued yet
    no_email: int = 0  # no e-mail address: the invitation goes by hand


@dataclass
class PointDelivery:
    conference_site_id: int
    code: str
    name: str
    counts: Delivery


@dataclass
class FailedDelivery:
    invitation_id: int
    full_name: str
    email: str
    site_name: str
    error: str


@dataclass
class DeliveryReport:
    scope: Scope
    totals: Delivery
    points: list[PointDelivery]
    failed: list[FailedDelivery]  # named readers only
    generated_at: datetime

    def chart(self) -> BarChart:
        def bar(label: str, c: Delivery, strong: bool = False) -> Bar:
            share = f"{c.sent}/{c.invitations}"
            return Bar(label, [Segment(k, getattr(c, k)) for k in DELIVERY_KEYS], share, strong)
        worst = sorted((pt for pt in self.points if pt.counts.invitations),
                       key=lambda pt: (pt.counts.sent / pt.counts.invitations, pt.code))[:TOP]
        return BarChart(gettext("Invitation delivery"), [bar(gettext("All points"), self.totals, True)]
                        + [bar(pt.name, pt.counts) for pt in worst], delivery_legend(), relative=True)


def delivery_legend() -> list[tuple[str, str]]:
    return [("sent", gettext("Sent")), ("pending", gettext("Pending")), ("failed", gettext("Failed")),
            ("not_sent", gettext("Not sent yet")), ("no_email", gettext("No e-mail address"))]


def _any(cond: Any) -> Any:
    return func.max(case((cond, 1), else_=0))


async def delivery_report(uow: UnitOfWork, p: Principal, conference_id: int) -> DeliveryReport:
    async with uow:
        s = uow.session
        scope = await conference_scope(s, p, conference_id)
        conf_id = scope.conference.id
        points = await _points(s, scope)
        mail = (select(OutboxMessage.invitation_id.label("inv"),
                       _any(OutboxMessage.status == MailStatus.sent).label("sent"),
                       _any(OutboxMessage.status.in_((MailStatus.pending, MailStatus.sending))).label("pending"),
                       _any(OutboxMessage.status == MailStatus.failed).label("failed"))
                .where(OutboxMessage.conference_id == conf_id, OutboxMessage.kind == MailKind.invitation)
                .group_by(OutboxMessage.invitation_id).subquery())
        state = case((mail.c.sent == 1, "sent"), (mail.c.pending == 1, "pending"), (mail.c.failed == 1, "failed"),
                     (Delegate.email == "", "no_email"), else_="not_sent")
        base = (select(Invitation.conference_site_id, state.label("state"), func.count().cast(Integer))
                .select_from(Invitation).join(Delegate, Delegate.id == Invitation.delegate_id)
                .outerjoin(mail, mail.c.inv == Invitation.id)
                .where(Invitation.conference_id == conf_id, Invitation.status.in_(ACTIVE_INVITATION),
                       _in_scope(scope, Invitation.conference_site_id)))
        counts = (await s.execute(base.group_by(Invitation.conference_site_id, state))).all()
        failed: list[FailedDelivery] = []
        if scope.names:
            last_error = (select(OutboxMessage.last_error).where(
                OutboxMessage.invitation_id == Invitation.id, OutboxMessage.kind == MailKind.invitation,
                OutboxMessage.status == MailStatus.failed).order_by(OutboxMessage.id.desc()).limit(1)
                .correlate(Invitation).scalar_subquery())
            rows = (await s.execute(
                select(Invitation.id, Delegate.full_name, Delegate.email, Invitation.conference_site_id, last_error)
                .join(Delegate, Delegate.id == Invitation.delegate_id).join(mail, mail.c.inv == Invitation.id)
                .where(Invitation.conference_id == conf_id, Invitation.status.in_(ACTIVE_INVITATION),
                       _in_scope(scope, Invitation.conference_site_id), mail.c.sent == 0, mail.c.pending == 0,
                       mail.c.failed == 1).order_by(Invitation.conference_site_id, Delegate.search))).all()
            failed = [FailedDelivery(i, n, e, points.get(cs, ("", ""))[1], err or "")
                      for i, n, e, cs, err in rows if cs in points]
    by_point = {cs: PointDelivery(cs, code, name, Delivery()) for cs, (code, name) in points.items()}
    totals = Delivery()
    for cs, st, n in counts:
        if cs not in by_point:
            continue
        for c in (by_point[cs].counts, totals):
            setattr(c, st, getattr(c, st) + n)
            c.invitations += n
    return DeliveryReport(scope, totals, list(by_point.values()), failed, utcnow())


# ---- conclusion acknowledgements ---------------------------------------------------------------------------

@dataclass
class ReceiptRow:
    notice_id: int
    conference_site_id: int
    code: str
    name: str
    acknowledged_at: datetime | None
    acknowledged_by: str
    note: str


@dataclass
class NoticeSummary:
    notice_id: int
    title: str
    published_at: datetime
    points: int = 0
    acknowledged: int = 0

    @property
    def waiting(self) -> int:
        return self.points - self.acknowledged


@dataclass
class AcknowledgementReport:
    scope: Scope
    notices: list[NoticeSummary]
    receipts: list[ReceiptRow] = field(default_factory=list)  # waiting first, then by time of acknowledgement
    receipts_total: int = 0
    limit: int = 0
    offset: int = 0
    generated_at: datetime | None = None

    def chart(self) -> BarChart:
        return BarChart(gettext("Acknowledgements of the conclusions"), [
            Bar(n.title, [Segment("acknowledged", n.acknowledged), Segment("waiting", n.waiting)],
                f"{n.acknowledged}/{n.points}") for n in self.notices],
            [("acknowledged", gettext("Acknowledged")), ("waiting", gettext("Not acknowledged yet"))], relative=True)


async def acknowledgement_report(uow: UnitOfWork, p: Principal, conference_id: int, *, limit: int | None = 50,
                                 offset: int = 0) -> AcknowledgementReport:
    async with uow:
        s = uow.session
        scope = await conference_scope(s, p, conference_id)
        conf_id = scope.conference.id
        mine = _in_scope(scope, NoticeReceipt.conference_site_id)
        summaries = {nid: NoticeSummary(nid, title, at) for nid, title, at in (await s.execute(
            select(ConclusionNotice.id, ConclusionNotice.title, ConclusionNotice.published_at)
            .where(ConclusionNotice.conference_id == conf_id).order_by(ConclusionNotice.id))).all()}
        for nid, n, acked in (await s.execute(
                select(NoticeReceipt.notice_id, func.count(), func.count(NoticeReceipt.acknowledged_at))
                .where(NoticeReceipt.notice_id.in_(list(summaries) or [0]), mine)
                .group_by(NoticeReceipt.notice_id))).all():
            summaries[nid].points, summaries[nid].acknowledged = n, acked
        stmt = (select(NoticeReceipt.notice_id, NoticeReceipt.conference_site_id, BridgeSite.code, BridgeSite.name,
                       NoticeReceipt.acknowledged_at, User.display_name, User.username, NoticeReceipt.note)
                .join(ConferenceSite, ConferenceSite.id == NoticeReceipt.conference_site_id)
                .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
                .outerjoin(User, User.id == NoticeReceipt.acknowledged_by_id)
                .where(NoticeReceipt.notice_id.in_(list(summaries) or [0]), mine)
                .order_by(NoticeReceipt.notice_id, NoticeReceipt.acknowledged_at.is_not(None),
                          NoticeReceipt.acknowledged_at, ConferenceSite.role, BridgeSite.code))
        total = sum(n.points for n in summaries.values())
        if limit is not None:
            stmt = stmt.limit(limit).offset(offset)
        receipts = [ReceiptRow(nid, cs, code, name, at, display or user or "", note or "")
                    for nid, cs, code, name, at, display, user, note in (await s.execute(stmt)).all()]
    return AcknowledgementReport(scope, list(summaries.values()), receipts, total, limit or 0, offset, utcnow())


