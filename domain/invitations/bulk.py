"""Invitations in bulk and as office staff see them: the roster page, inviting a unit subtree, a point's roster
or picked delegates in one transaction, and the progress of the invitation e-mails.

Single invitations, substitution and cancelling stay in `invitations`; sending and retrying mail in `mailings`.
Everything here works in batches (a national conference has 100,000 invitations): paged queries, IN lists in
chunks, one INSERT for many rows.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import (Principal, invitation_filter, require_roster_reader, require_staff,
                      visible_conference)
from domain.db import utcnow
from domain.errors import InvalidInput, NotFound
from domain.models import (ACTIVE_INVITATION, AuditEntry, BridgeSite, Conference, ConferenceSite, ConferenceStatus,
                      Delegate, Invitation, InvitationRole, InvitationStatus, Role, Unit)
from domain.mail.models import MailKind, MailStatus, OutboxMessage
from domain.text import like_pattern
from domain.uow import UnitOfWork
from domain.mail import mailings
from domain.common import ensure_editable, must_exist
from domain.conferences.overlap import _overlapping  # the one definition of «overlapping»

CHUNK = 900  # ids per IN list: well under SQLite's and asyncpg's bind-parameter limits
SUGGESTIONS = 20  # points offered by the point search of a form (a conference may have 10,000)
RESULTS = ("invited", "already_invited", "busy", "no_point_for_unit", "not_found")


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


# ---- what the pages show ----
@dataclass(frozen=True)
class Point:
    """A conference's bridge point as a choice in a form (found by the point search, never listed whole)."""
    id: int  # conference_site id
    site_id: int
    code: str
    name: str
    role: str
    unit_id: int | None


@dataclass
class PointSearch:
    items: list[Point]
    total: int  # every point of the conference the search finds (only `items` are shown)


@dataclass(frozen=True)
class Row:
    invitation: Invitation
    delegate: Delegate
    unit_name: str
    site_code: str
    site_name: str

    @property
    def pass_active(self) -> bool:
        return self.invitation.status in ACTIVE_INVITATION


@dataclass
class RosterPage:
    conference: Conference
    rows: list[Row]
    total: int
    limit: int
    offset: int
    point: Point | None  # the point the list is filtered by (shown as a removable chip)
    may_edit: bool  # organizers: invite, substitute, cancel
    may_print: bool  # organizers and operators hold passes
    editable: bool  # the conference is neither ended nor cancelled


def _point_where(p: Principal, conference_id: int) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [ConferenceSite.conference_id == conference_id]
    if not p.is_staff and p.role is Role.operator:
        where.append(ConferenceSite.site_id.in_(p.site_ids))
    return where


async def _points(s: AsyncSession, p: Principal, conference_id: int, *where: ColumnElement[bool],
                  limit: int | None = None) -> list[Point]:
    """The conference's points the caller may see that `where` keeps: never all of them unless asked by id."""
    stmt = (select(ConferenceSite.id, BridgeSite.id, BridgeSite.code, BridgeSite.name, ConferenceSite.role,
                   BridgeSite.unit_id)
            .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
            .where(*_point_where(p, conference_id), *where)
            .order_by(ConferenceSite.role, BridgeSite.search, ConferenceSite.id).limit(limit))
    return [Point(cs, sid, code, name, role.value, unit) for cs, sid, code, name, role, unit in await s.execute(stmt)]


async def _points_by_id(s: AsyncSession, p: Principal, conference_id: int, ids: Iterable[int | None]
                        ) -> dict[int, Point]:
    wanted = sorted({i for i in ids if i is not None})
    out: dict[int, Point] = {}
    for chunk in _chunks(wanted):
        out.update((pt.id, pt) for pt in await _points(s, p, conference_id, ConferenceSite.id.in_(chunk)))
    return out


async def point_suggestions(uow: UnitOfWork, p: Principal, conference_id: int, q: str | None = None,
                            limit: int = SUGGESTIONS) -> PointSearch:
    """The first `limit` points of the conference whose name or code contains `q` (case and diacritics ignored),
    and how many there are; an operator finds only their own points."""
    require_roster_reader(p)
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        where: list[ColumnElement[bool]] = []
        if q and q.strip():
            where.append(BridgeSite.search.like(like_pattern(q), escape="\\"))
        total = (await s.execute(select(func.count()).select_from(ConferenceSite)
                                 .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
                                 .where(*_point_where(p, conf.id), *where))).scalar_one()
        return PointSearch(await _points(s, p, conf.id, *where, limit=limit), total)


async def roster_page(uow: UnitOfWork, p: Principal, conference_id: int, *, q: str | None = None,
                      conference_site_id: int | None = None, status: InvitationStatus | None = None,
                      role: InvitationRole | None = None, limit: int = 50, offset: int = 0) -> RosterPage:
    """One page of a conference's invitations with their delegate, unit and point, as the caller may see them."""
    require_roster_reader(p)
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        where: list[ColumnElement[bool]] = [Invitation.conference_id == conf.id, invitation_filter(p)]
        if conference_site_id is not None:
            where.append(Invitation.conference_site_id == conference_site_id)
        if status is not None:
            where.append(Invitation.status == status)
        if role is not None:
            where.append(Invitation.role == role)
        if q:  # the invitation's copy of its delegate's search name (domain/invitations/names.py)
            where.append(Invitation.search.like(like_pattern(q), escape="\\"))
        total = (await s.execute(select(func.count()).select_from(Invitation).where(*where))).scalar_one()
        rows = await s.execute(
            select(Invitation, Delegate, Unit.name, BridgeSite.code, BridgeSite.name)
            .join(Delegate, Delegate.id == Invitation.delegate_id)
            .outerjoin(Unit, Unit.id == Delegate.unit_id)
            .join(ConferenceSite, ConferenceSite.id == Invitation.conference_site_id)
            .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
            .where(*where).order_by(Invitation.id).limit(limit).offset(offset))
        point = (await _points_by_id(s, p, conf.id, [conference_site_id])).get(conference_site_id or 0)
        return RosterPage(conf, [Row(inv, d, unit or "", code, name) for inv, d, unit, code, name in rows.tuples()],
                          total, limit, offset, point, p.is_staff,
                          p.is_staff or p.role is Role.operator,
                          conf.status not in (ConferenceStatus.ended, ConferenceStatus.cancelled))


@dataclass(frozen=True)
class Candidate:
    delegate: Delegate
    unit_name: str
    invitation_id: int | None  # already invited to this conference


@dataclass(frozen=True)
class UnitChoice:
    unit: Unit
    parent_name: str
    point_name: str  # this unit's own point in the conference, if it has one


@dataclass
class InviteForm:
    conference: Conference
    has_points: bool
    chosen: dict[int, Point]  # the points named in the form sent (to show them again as chips)
    candidates: list[Candidate]
    candidates_total: int
    units: list[UnitChoice]
    unit: UnitChoice | None  # the unit picked (by id)
    invitation: Row | None = None  # substituting: the seat being passed on


async def _candidates(s: AsyncSession, conf: Conference, q: str | None, limit: int) -> tuple[list[Candidate], int]:
    if not q or not q.strip():
        return [], 0
    searched = Delegate.search.like(like_pattern(q), escape="\\")
    total = (await s.execute(select(func.count()).select_from(Delegate).where(searched))).scalar_one()
    rows = await s.execute(
        select(Delegate, Unit.name, Invitation.id).outerjoin(Unit, Unit.id == Delegate.unit_id)
        .outerjoin(Invitation, (Invitation.delegate_id == Delegate.id) & (Invitation.conference_id == conf.id))
        .where(searched).order_by(Delegate.full_name, Delegate.id).limit(limit))
    return [Candidate(d, unit or "", inv) for d, unit, inv in rows.tuples()], total


async def _unit_choices(s: AsyncSession, p: Principal, conf: Conference, units: Sequence[Unit]
                        ) -> list[UnitChoice]:
    parents = {u.parent_id for u in units if u.parent_id}
    names = dict((await s.execute(select(Unit.id, Unit.name).where(Unit.id.in_(parents)))).tuples().all()) \
        if parents else {}
    by_unit: dict[int | None, str] = {}
    if units:  # the points of these units only (a conference may have 10,000)
        for pt in await _points(s, p, conf.id, BridgeSite.unit_id.in_({u.id for u in units})):
            by_unit.setdefault(pt.unit_id, pt.name)
    return [UnitChoice(u, names.get(u.parent_id or 0, ""), by_unit.get(u.id, "")) for u in units]


async def invite_form(uow: UnitOfWork, p: Principal, conference_id: int, *, q: str | None = None,
                      unit_q: str | None = None, unit_id: int | None = None, point_ids: Iterable[int | None] = (),
                      limit: int = 50) -> InviteForm:
    """What an organizer needs to invite: whether there are points, the points named by `point_ids`, delegates
    found by `q`, units found by `unit_q`."""
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        require_staff(p)
        has_points = (await s.execute(select(ConferenceSite.id).where(ConferenceSite.conference_id == conf.id)
                                      .limit(1))).first() is not None
        chosen = await _points_by_id(s, p, conf.id, point_ids)
        candidates, total = await _candidates(s, conf, q, limit)
        units: Sequence[Unit] = []
        if unit_q and unit_q.strip():
            units = (await s.execute(select(Unit).where(Unit.search.like(like_pattern(unit_q), escape="\\"))
                                     .order_by(Unit.name, Unit.id).limit(30))).scalars().all()
        picked = await s.get(Unit, unit_id) if unit_id else None
        choices = await _unit_choices(s, p, conf, [*units, *([picked] if picked else [])])
        return InviteForm(conf, has_points, chosen, candidates, total, choices[:len(units)],
                          choices[-1] if picked else None)


async def substitute_form(uow: UnitOfWork, p: Principal, conference_id: int, invitation_id: int, *,
                          q: str | None = None, limit: int = 30) -> InviteForm:
    """The seat to pass on and the delegates found by `q` to pass it to."""
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        require_staff(p)
        found = (await s.execute(
            select(Invitation, Delegate, Unit.name, BridgeSite.code, BridgeSite.name)
            .join(Delegate, Delegate.id == Invitation.delegate_id).outerjoin(Unit, Unit.id == Delegate.unit_id)
            .join(ConferenceSite, ConferenceSite.id == Invitation.conference_site_id)
            .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
            .where(Invitation.id == invitation_id, Invitation.conference_id == conf.id))).tuples().first()
        if found is None:
            raise NotFound(f"invitation {invitation_id} not found", code="invitation_not_found")
        inv, d, unit, code, name = found
        candidates, total = await _candidates(s, conf, q, limit)
        return InviteForm(conf, True, {}, candidates, total, [], None, Row(inv, d, unit or "", code, name))


# ---- inviting many at once ----
@dataclass(frozen=True)
class BulkItem:
    delegate_id: int
    result: str  # one of RESULTS
    full_name: str = ""
    invitation_id: int | None = None  # the new one (invited) or the existing one (already_invited)
    conference_site_id: int | None = None
    conflicting_conference: dict[str, Any] | None = None  # busy: {"id", "title"}


@dataclass
class BulkReport:
    conference: Conference
    items: list[BulkItem]
    counts: dict[str, int] = field(default_factory=dict)
    points: dict[int, Point] = field(default_factory=dict)  # the points the report names


async def _subtree(s: AsyncSession, unit_id: int) -> list[int]:
    """The unit and every unit under it (one recursive query; the same SQL on SQLite and PostgreSQL)."""
    tree = select(Unit.id).where(Unit.id == unit_id).cte("subtree", recursive=True)
    tree = tree.union_all(select(Unit.id).join(tree, Unit.parent_id == tree.c.id))
    return list((await s.execute(select(tree.c.id))).scalars())


async def _point_of_unit(s: AsyncSession, conf: Conference, unit_ids: set[int]) -> dict[int, int]:
    """unit → the conference point of that unit, or of its nearest ancestor that has one (a staff office
    of a military region attends at the region's point)."""
    own: dict[int, int] = {}
    for cs_id, unit in (await s.execute(
            select(ConferenceSite.id, BridgeSite.unit_id).join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
            .where(ConferenceSite.conference_id == conf.id, BridgeSite.unit_id.is_not(None))
            .order_by(ConferenceSite.id))).tuples():
        own.setdefault(unit, cs_id)
    parents: dict[int, int | None] = {}
    wanted = set(unit_ids)
    while wanted:  # one query per level of the tree, for the units still unknown
        batch = list(wanted - parents.keys())
        wanted = set()
        for chunk in _chunks(batch):
            for uid, parent in (await s.execute(select(Unit.id, Unit.parent_id).where(Unit.id.in_(chunk)))).tuples():
                parents[uid] = parent
                if parent is not None and parent not in parents:
                    wanted.add(parent)
    out: dict[int, int] = {}
    for uid in unit_ids:
        seen, cur = set(), uid
        while cur is not None and cur not in own and cur not in seen:
            seen.add(cur)
            cur = parents.get(cur)
        if cur is not None and cur in own:
            out[uid] = own[cur]
    return out


async def _target(s: AsyncSession, conf: Conference, cs_id: int | None) -> ConferenceSite | None:
    cs = await must_exist(s, ConferenceSite, cs_id, "conference_site_id")
    if cs is not None and cs.conference_id != conf.id:
        raise InvalidInput(f"conference site {cs_id} belongs to another conference",
                           code="unknown_reference", field="conference_site_id")
    return cs  # type: ignore[no-any-return]


def _one_source(delegate_ids: Sequence[int] | None, unit_id: int | None, roster: bool,
                conference_site_id: int | None) -> None:
    given = [name for name, there in (("delegate_ids", delegate_ids is not None), ("unit_id", unit_id is not None),
                                      ("roster", roster)) if there]
    if len(given) != 1:
        raise InvalidInput("give exactly one of delegate_ids, unit_id or roster",
                           code="bulk_source", field=given[1] if len(given) > 1 else "delegate_ids")
    if roster and conference_site_id is None:
        raise InvalidInput("a roster is a point's: name its conference_site_id", code="required",
                           field="conference_site_id")
    if delegate_ids is not None and not delegate_ids:
        raise InvalidInput("no delegate was chosen", code="nothing_chosen", field="delegate_ids")


async def _insert(s: AsyncSession, p: Principal, conf: Conference, rows: list[dict[str, Any]],
                  role: InvitationRole) -> dict[int, int]:
    """The invitations and their audit entries as batched INSERTs: one statement compiled once and sent for
    many rows ("insertmanyvalues"); returns delegate id → new invitation id."""
    now = utcnow()
    values = [dict(conference_id=conf.id, role=role, status=InvitationStatus.invited, replaces_id=None,
                   walk_in=False, pass_version=1, link_version=1, created_at=now, updated_at=now, **r) for r in rows]
    table = Invitation.__table__  # Core, not the ORM's bulk path: no per-row bookkeeping
    done = await s.execute(insert(table).returning(table.c.delegate_id, table.c.id), values)
    created = dict(done.tuples().all())
    await s.execute(insert(AuditEntry.__table__), [
        dict(at=now, actor_user_id=p.user_id, action="invitation.created", conference_id=conf.id, site_id=None,
             subject_type="invitation", subject_id=created[r["delegate_id"]], source="api",
             detail={"delegate_id": r["delegate_id"], "bulk": True}) for r in rows])
    return created


async def bulk_invite(uow: UnitOfWork, p: Principal, conference_id: int, *,
                      delegate_ids: Sequence[int] | None = None, unit_id: int | None = None,
                      include_subunits: bool = True, roster: bool = False, conference_site_id: int | None = None,
                      role: InvitationRole = InvitationRole.delegate) -> BulkReport:
    """Invite many delegates in one transaction, with a result per delegate.

    Source, exactly one of: `delegate_ids`; `unit_id` (with `include_subunits`, the whole subtree); `roster` (the
    delegates of the unit of the point `conference_site_id`). Each is invited at `conference_site_id` when it is
    given, else at the point of their unit (or of its nearest ancestor with a point in this conference).
    A delegate already invited, busy in an overlapping conference, unknown, or without a point is reported and
    skipped; bad input (an unknown unit or point, no source) changes nothing.
    """
    _one_source(delegate_ids, unit_id, roster, conference_site_id)
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id, for_update=True)
        require_staff(p)
        ensure_editable(conf)
        target = await _target(s, conf, conference_site_id)
        # Who: (delegate id, name, unit) in the order they are reported
        people: dict[int, tuple[str, int | None]] = {}
        wanted: list[int] = []
        if delegate_ids is not None:
            wanted = list(dict.fromkeys(delegate_ids))
            for chunk in _chunks(wanted):
                for did, name, unit in (await s.execute(select(Delegate.id, Delegate.full_name, Delegate.unit_id)
                                                        .where(Delegate.id.in_(chunk)))).tuples():
                    people[did] = (name, unit)
        else:
            if roster:
                assert target is not None
                site_unit = (await s.execute(select(BridgeSite.unit_id).where(
                    BridgeSite.id == target.site_id))).scalar_one()
                of_units: Any = [site_unit] if site_unit is not None else []
            else:
                await must_exist(s, Unit, unit_id, "unit_id")
                of_units = await _subtree(s, unit_id) if include_subunits else [unit_id]  # type: ignore[arg-type]
            for chunk in _chunks(of_units):
                for did, name, unit in (await s.execute(
                        select(Delegate.id, Delegate.full_name, Delegate.unit_id).where(Delegate.unit_id.in_(chunk))
                        .order_by(Delegate.unit_id, Delegate.full_name, Delegate.id))).tuples():
                    people[did] = (name, unit)
            wanted = list(people)
        known = [d for d in wanted if d in people]
        # What stands in the way: an invitation here already, or an active one in an overlapping conference
        existing: dict[int, int] = {}
        busy: dict[int, dict[str, Any]] = {}
        for chunk in _chunks(known):
            existing.update((await s.execute(select(Invitation.delegate_id, Invitation.id).where(
                Invitation.conference_id == conf.id, Invitation.delegate_id.in_(chunk)))).tuples().all())
            for did, cid, title in (await s.execute(
                    select(Invitation.delegate_id, Conference.id, Conference.title)
                    .join(Conference, Conference.id == Invitation.conference_id)
                    .where(Invitation.delegate_id.in_(chunk), Invitation.status.in_(ACTIVE_INVITATION),
                           *_overlapping(conf.starts_at, conf.ends_at, conf.id))
                    .order_by(Conference.starts_at))).tuples():
                busy.setdefault(did, {"id": cid, "title": title})
        points = {} if target is not None else await _point_of_unit(
            s, conf, {people[d][1] for d in known if people[d][1] is not None})  # type: ignore[misc]
        items: list[BulkItem] = []
        rows: list[dict[str, Any]] = []
        for did in wanted:
            if did not in people:
                items.append(BulkItem(did, "not_found"))
                continue
            name, unit = people[did]
            if did in existing:
                items.append(BulkItem(did, "already_invited", name, existing[did]))
            elif did in busy:
                items.append(BulkItem(did, "busy", name, conflicting_conference=busy[did]))
            elif (cs_id := target.id if target is not None else points.get(unit or 0)) is None:
                items.append(BulkItem(did, "no_point_for_unit", name))
            else:
                rows.append(dict(delegate_id=did, conference_site_id=cs_id))
                items.append(BulkItem(did, "invited", name, None, cs_id))
        if rows:
            created = await _insert(s, p, conf, rows, role)
            items = [BulkItem(i.delegate_id, i.result, i.full_name, created[i.delegate_id], i.conference_site_id)
                     if i.result == "invited" else i for i in items]
            uow.emit(conf.id, "roster_changed", invited=len(rows))
        points_named = await _points_by_id(s, p, conf.id, (i.conference_site_id for i in items))
        await uow.commit()
    counts = {r: 0 for r in RESULTS}
    for item in items:
        counts[item.result] += 1
    return BulkReport(conf, items, counts, points_named)


# ---- invitation e-mails: progress and each message ----
@dataclass(frozen=True)
class Progress:
    queued: int
    sending: int
    sent: int
    failed: int
    to_send: int  # active invitations with an address and no invitation e-mail yet
    without_email: int  # active invitations whose delegate has no address

    @property
    def total(self) -> int:
        return self.queued + self.sending + self.sent + self.failed

    @property
    def busy(self) -> bool:
        return self.queued + self.sending > 0


@dataclass(frozen=True)
class MessageRow:
    message: OutboxMessage
    full_name: str


@dataclass
class MailPage:
    conference: Conference
    progress: Progress
    rows: list[MessageRow]
    total: int
    limit: int
    offset: int
    sendable: bool


async def _progress(s: AsyncSession, conf: Conference) -> Progress:
    counts = dict((await s.execute(
        select(OutboxMessage.status, func.count()).where(OutboxMessage.conference_id == conf.id,
                                                         OutboxMessage.kind == MailKind.invitation)
        .group_by(OutboxMessage.status))).tuples().all())
    mailed = select(OutboxMessage.invitation_id).where(OutboxMessage.conference_id == conf.id,
                                                       OutboxMessage.kind == MailKind.invitation,
                                                       OutboxMessage.invitation_id.is_not(None))
    # Active invitations not mailed yet: from the index on (conference_id, status) alone, no row of a delegate read
    unmailed = (await s.execute(select(func.count()).select_from(Invitation).where(
        Invitation.conference_id == conf.id, Invitation.status.in_(ACTIVE_INVITATION),
        Invitation.id.not_in(mailed)))).scalar_one()
    # ... of whom without an address: found from the delegates without one (`+ 0` keeps SQLite from walking all
    # 100,000 invitations of the conference and reading each delegate; PostgreSQL plans it as it likes)
    without = (await s.execute(select(func.count()).select_from(Invitation).where(
        Invitation.delegate_id.in_(select(Delegate.id).where(Delegate.email == "")),
        Invitation.conference_id + 0 == conf.id, Invitation.status.in_(ACTIVE_INVITATION),
        Invitation.id.not_in(mailed)))).scalar_one()
    return Progress(counts.get(MailStatus.pending, 0), counts.get(MailStatus.sending, 0),
                    counts.get(MailStatus.sent, 0), counts.get(MailStatus.failed, 0), unmailed - without, without)


async def mail_progress(uow: UnitOfWork, p: Principal, conference_id: int) -> Progress:
    """Counts of the conference's invitation e-mails by state (aggregate queries only)."""
    async with uow:
        conf = await visible_conference(uow.session, p, conference_id)
        require_staff(p)
        return await _progress(uow.session, conf)


async def mail_page(uow: UnitOfWork, p: Principal, conference_id: int, *, status: MailStatus | None = None,
                    limit: int = 50, offset: int = 0) -> MailPage:
    """The progress of the invitation e-mails and one page of the conference's messages (every kind)."""
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        require_staff(p)
        where: list[ColumnElement[bool]] = [OutboxMessage.conference_id == conf.id]
        if status is not None:
            where.append(OutboxMessage.status == status)
        total = (await s.execute(select(func.count()).select_from(OutboxMessage).where(*where))).scalar_one()
        rows = await s.execute(
            select(OutboxMessage, Delegate.full_name)
            .outerjoin(Invitation, Invitation.id == OutboxMessage.invitation_id)
            .outerjoin(Delegate, Delegate.id == Invitation.delegate_id)
            .where(*where).order_by(OutboxMessage.id.desc()).limit(limit).offset(offset))
        return MailPage(conf, await _progress(s, conf), [MessageRow(m, n or "") for m, n in rows.tuples()],
                        total, limit, offset, conf.status in mailings.SENDABLE)


async def resend(uow: UnitOfWork, p: Principal, conference_id: int, message_id: int) -> OutboxMessage:
    """Send one failed message of this conference again (the mailing service's retry)."""
    async with uow:
        await visible_conference(uow.session, p, conference_id)
        require_staff(p)
        msg = await uow.session.get(OutboxMessage, message_id)
        if msg is None or msg.conference_id != conference_id:
            raise NotFound(f"outbox message {message_id} not found", code="message_not_found")
    return await mailings.retry_message(uow, p, message_id)
