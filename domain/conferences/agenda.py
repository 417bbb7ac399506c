"""The conference agenda: ordered items of opening, reports, discussion, speeches and conclusion."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal, invitation_filter, may_read_rosters, require_staff, visible_conference
from domain.errors import InvalidInput, NotFound
from domain.models import (ACTIVE_INVITATION, AgendaItem, BridgeSite, Conference, ConferenceSite, Delegate, Invitation,
                      InvitationStatus)
from domain.text import like_pattern
from domain.uow import UnitOfWork
from domain.common import READ_ONLY, Page, audit, check_text, ensure_editable, paginate


TIMING = ("planned_start", "duration_minutes", "title", "kind")
LENGTHS = {"title": 300, "notes": 5000}


def planned_times(starts_at: datetime, durations: Sequence[int]) -> list[datetime]:
    """The rule of planned times: each item starts at the conference's start plus the durations of the items
    before it (a pause between two items is an item of its own, a break)."""
    out, t = [], starts_at
    for minutes in durations:
        out.append(t)
        t += timedelta(minutes=minutes)
    return out


def _retime(conf: Conference, items: Sequence[AgendaItem]) -> bool:
    """Give the items (in their order) the planned starts of the rule; True when one moved."""
    moved = False
    for item, start in zip(items, planned_times(conf.starts_at, [i.duration_minutes for i in items])):
        if item.planned_start != start:
            item.planned_start, moved = start, True
    return moved


async def retime(s: AsyncSession, conf: Conference) -> bool:
    """Planned starts again from the conference's (new) start: a rescheduled conference moves its agenda."""
    return _retime(conf, await _ordered(s, conf))


async def _ordered(s: AsyncSession, conf: Conference) -> list[AgendaItem]:
    return list((await s.execute(select(AgendaItem).where(AgendaItem.conference_id == conf.id)
                                 .order_by(AgendaItem.position, AgendaItem.id))).scalars())


async def list_items(uow: UnitOfWork, p: Principal, conference_id: int, *, limit: int = 200,
                     offset: int = 0) -> Page[AgendaItem]:
    async with uow:
        await visible_conference(uow.session, p, conference_id)
        stmt = (select(AgendaItem).where(AgendaItem.conference_id == conference_id)
                .order_by(AgendaItem.position, AgendaItem.id))
        return await paginate(uow.session, stmt, limit, offset)


async def _get(uow: UnitOfWork, p: Principal, conference_id: int, item_id: int, *, edit: bool = False
               ) -> tuple[Conference, AgendaItem]:
    conf = await visible_conference(uow.session, p, conference_id, for_update=edit)
    item = await uow.session.get(AgendaItem, item_id)
    if item is None or item.conference_id != conf.id:
        raise NotFound(f"agenda item {item_id} not found", code="agenda_item_not_found")
    return conf, item


async def get_item(uow: UnitOfWork, p: Principal, conference_id: int, item_id: int) -> AgendaItem:
    async with uow:
        return (await _get(uow, p, conference_id, item_id))[1]


async def _check_presenter(s: AsyncSession, conf: Conference, inv_id: int | None) -> None:
    if inv_id is None:
        return
    inv = await s.get(Invitation, inv_id)
    if inv is None or inv.conference_id != conf.id:
        raise InvalidInput(f"presenter_invitation_id: no invitation {inv_id} in this conference",
                           code="unknown_reference", field="presenter_invitation_id")


def _check_numbers(fields: dict[str, Any]) -> None:
    for f in ("duration_minutes", "speaking_minutes"):
        if fields.get(f) is not None and not 0 <= fields[f] <= 24 * 60:
            raise InvalidInput(f"{f} must be between 0 and 1440", code="out_of_range", field=f)
    for f, most in LENGTHS.items():
        if fields.get(f) is not None and len(fields[f]) > most:
            raise InvalidInput(f"{f} may hold at most {most} characters", code="too_long", field=f, most=most)


async def create_item(uow: UnitOfWork, p: Principal, conference_id: int, fields: dict[str, Any]) -> AgendaItem:
    check_text(fields.get("title"), "title")
    _check_numbers(fields)
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id, for_update=True)
        require_staff(p)
        ensure_editable(conf)
        await _check_presenter(s, conf, fields.get("presenter_invitation_id"))
        before = await _ordered(s, conf)
        item = AgendaItem(conference=conf, position=(before[-1].position + 1) if before else 1, **fields)
        if item.planned_start is None:  # the rule: after every item before it
            item.planned_start = conf.starts_at + timedelta(minutes=sum(i.duration_minutes for i in before))
        s.add(item)
        await s.flush()
        conf.sequence += 1  # calendars carry each item as an event of the conference
        audit(s, p, "agenda.item_added", conference_id=conf.id, subject=item, title=item.title)
        uow.emit(conf.id, "agenda_changed", agenda_item_id=item.id)
        await uow.commit()
        return item


async def update_item(uow: UnitOfWork, p: Principal, conference_id: int, item_id: int,
                      fields: dict[str, Any]) -> AgendaItem:
    check_text(fields.get("title"), "title")
    _check_numbers(fields)
    async with uow:
        conf, item = await _get(uow, p, conference_id, item_id, edit=True)
        require_staff(p)
        ensure_editable(conf)
        if "presenter_invitation_id" in fields:
            await _check_presenter(uow.session, conf, fields["presenter_invitation_id"])
        changed = sorted(k for k in fields if fields[k] != getattr(item, k))
        retime = "duration_minutes" in changed and "planned_start" not in fields
        if any(k in changed for k in TIMING):
            conf.sequence += 1  # the item's calendar event moved
        for k, v in fields.items():
            setattr(item, k, v)
        if retime:  # the items after it move with it
            _retime(conf, await _ordered(uow.session, conf))
        audit(uow.session, p, "agenda.item_changed", conference_id=conf.id, subject=item, fields=changed)
        uow.emit(conf.id, "agenda_changed", agenda_item_id=item.id)
        await uow.commit()
        return item


async def delete_item(uow: UnitOfWork, p: Principal, conference_id: int, item_id: int) -> None:
    async with uow:
        conf, item = await _get(uow, p, conference_id, item_id, edit=True)
        require_staff(p)
        ensure_editable(conf)
        await uow.session.delete(item)
        await uow.session.flush()
        _retime(conf, await _ordered(uow.session, conf))  # the items after it move up
        conf.sequence += 1
        audit(uow.session, p, "agenda.item_removed", conference_id=conf.id, subject=item, title=item.title)
        uow.emit(conf.id, "agenda_changed", agenda_item_id=item_id)
        await uow.commit()


async def reorder(uow: UnitOfWork, p: Principal, conference_id: int, item_ids: list[int]) -> list[AgendaItem]:
    """Put the agenda in the given order; the list must name every item exactly once. The planned times follow
    the new order (the conference's start plus the durations before each item)."""
    async with uow:
        conf = await visible_conference(uow.session, p, conference_id, for_update=True)
        require_staff(p)
        ensure_editable(conf)
        items = await _apply_order(uow, p, conf, item_ids)
        await uow.commit()
        return items


async def move(uow: UnitOfWork, p: Principal, conference_id: int, item_id: int, steps: int) -> list[AgendaItem]:
    """Move one item up (negative) or down (positive) by `steps` places: the keyboard's reorder."""
    async with uow:
        conf, item = await _get(uow, p, conference_id, item_id, edit=True)
        require_staff(p)
        ensure_editable(conf)
        ids = [i.id for i in await _ordered(uow.session, conf)]
        at = ids.index(item.id)
        ids.insert(max(0, min(len(ids) - 1, at + steps)), ids.pop(at))
        items = await _apply_order(uow, p, conf, ids)
        await uow.commit()
        return items


async def _apply_order(uow: UnitOfWork, p: Principal, conf: Conference, item_ids: list[int]) -> list[AgendaItem]:
    s = uow.session
    items = {i.id: i for i in await _ordered(s, conf)}
    if len(item_ids) != len(set(item_ids)) or set(item_ids) != set(items):
        raise InvalidInput("item_ids must list every agenda item of the conference exactly once",
                           code="incomplete_order", field="item_ids")
    ordered = [items[i] for i in item_ids]
    moved = False
    for n, item in enumerate(ordered, start=1):
        moved |= item.position != n
        item.position = n
    if _retime(conf, ordered) or moved:
        conf.sequence += 1  # the items' calendar events moved
    audit(s, p, "agenda.reordered", conference_id=conf.id, order=item_ids)
    uow.emit(conf.id, "agenda_changed")
    return ordered


# ---- the agenda editor's view ----
@dataclass(frozen=True)
class Presenter:
    """An invitation that may present an item: who, and from which bridge point."""
    invitation_id: int
    full_name: str
    rank: str
    position: str
    site_name: str
    status: InvitationStatus


@dataclass(frozen=True)
class EditorLine:
    item: AgendaItem
    starts_at: datetime  # in the conference's zone, by the rule of planned times
    ends_at: datetime
    presenter: Presenter | None  # None also when the caller may not see who presents
    has_presenter: bool


@dataclass(frozen=True)
class AgendaEditor:
    conference: Conference
    lines: list[EditorLine]
    editable: bool  # the caller may change it, and the conference is not over
    ends_at: datetime  # when the last item ends, in the conference's zone
    overrun_minutes: int  # how far the agenda runs past the conference's end (0: it fits)
    stale: bool  # a stored planned start differs from the rule (set through the API, or the conference moved)

    @property
    def total_minutes(self) -> int:
        return sum(line.item.duration_minutes for line in self.lines)


def _presenter(inv: Invitation, d: Delegate, site: BridgeSite) -> Presenter:
    return Presenter(inv.id, d.full_name, d.rank, d.position, site.name, inv.status)


def _presenters_stmt(p: Principal, conference_id: int) -> Any:
    return (select(Invitation, Delegate, BridgeSite).join(Delegate, Delegate.id == Invitation.delegate_id)
            .join(ConferenceSite, ConferenceSite.id == Invitation.conference_site_id)
            .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
            .where(Invitation.conference_id == conference_id, invitation_filter(p)))


async def editor(uow: UnitOfWork, p: Principal, conference_id: int) -> AgendaEditor:
    """The agenda in order with planned times in the conference's zone and the presenters the caller may see."""
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        items = await _ordered(s, conf)
        wanted = {i.presenter_invitation_id for i in items if i.presenter_invitation_id}
        presenters: dict[int, Presenter] = {}
        if wanted and may_read_rosters(p):
            rows = await s.execute(_presenters_stmt(p, conf.id).where(Invitation.id.in_(wanted)))
            presenters = {inv.id: _presenter(inv, d, site) for inv, d, site in rows.tuples()}
    zone = ZoneInfo(conf.timezone)
    starts = planned_times(conf.starts_at, [i.duration_minutes for i in items])
    lines = [EditorLine(item, start.astimezone(zone), (start + timedelta(minutes=item.duration_minutes)).astimezone(zone),
                        presenters.get(item.presenter_invitation_id or 0), item.presenter_invitation_id is not None)
             for item, start in zip(items, starts)]
    end = conf.starts_at + timedelta(minutes=sum(i.duration_minutes for i in items))
    overrun = max(0, int((end - conf.ends_at).total_seconds() // 60))
    return AgendaEditor(conf, lines, p.is_staff and conf.status not in READ_ONLY, end.astimezone(zone), overrun,
                        any(i.planned_start != t for i, t in zip(items, starts)))


async def presenter_choices(uow: UnitOfWork, p: Principal, conference_id: int, q: str = "", *,
                            include: int | None = None, limit: int = 20) -> list[Presenter]:
    """Active invitations of the conference matching `q` (case- and diacritic-blind), for picking a presenter;
    `include` (the current choice) comes first even when it does not match."""
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        require_staff(p)
        stmt = (_presenters_stmt(p, conf.id).where(Invitation.status.in_(ACTIVE_INVITATION))
                .order_by(Delegate.full_name, Invitation.id).limit(limit))
        if q.strip():
            stmt = stmt.where(Delegate.search.like(like_pattern(q), escape="\\"))
        found = [_presenter(*row) for row in (await s.execute(stmt)).tuples()]
        if include is not None and all(x.invitation_id != include for x in found):
            row = (await s.execute(_presenters_stmt(p, conf.id).where(Invitation.id == include))).tuples().first()
            if row is not None:
                found.insert(0, _presenter(*row))
        return found
