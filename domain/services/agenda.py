"""The conference agenda: ordered items of opening, reports, discussion, speeches and conclusion."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..access import Principal, require_staff, visible_conference
from ..errors import InvalidInput, NotFound
from ..models import AgendaItem, Conference, Invitation
from ..uow import UnitOfWork
from .common import Page, audit, check_text, ensure_editable, paginate


TIMING = ("planned_start", "duration_minutes", "title", "kind")


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


async def create_item(uow: UnitOfWork, p: Principal, conference_id: int, fields: dict[str, Any]) -> AgendaItem:
    check_text(fields.get("title"), "title")
    _check_numbers(fields)
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id, for_update=True)
        require_staff(p)
        ensure_editable(conf)
        await _check_presenter(s, conf, fields.get("presenter_invitation_id"))
        last = (await s.execute(select(AgendaItem).where(AgendaItem.conference_id == conf.id)
                                .order_by(AgendaItem.position.desc()).limit(1))).scalar_one_or_none()
        item = AgendaItem(conference=conf, position=(last.position + 1) if last else 1, **fields)
        if item.planned_start is None:
            item.planned_start = (last.planned_start + timedelta(minutes=last.duration_minutes)
                                  if last is not None and last.planned_start else conf.starts_at)
        s.add(item)
        await s.flush()
        conf.sequence += 1  # calendars carry each item as an event of the conference
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
        if any(k in fields and fields[k] != getattr(item, k) for k in TIMING):
            conf.sequence += 1  # the item's calendar event moved
        for k, v in fields.items():
            setattr(item, k, v)
        uow.emit(conf.id, "agenda_changed", agenda_item_id=item.id)
        await uow.commit()
        return item


async def delete_item(uow: UnitOfWork, p: Principal, conference_id: int, item_id: int) -> None:
    async with uow:
        conf, item = await _get(uow, p, conference_id, item_id, edit=True)
        require_staff(p)
        ensure_editable(conf)
        await uow.session.delete(item)
        conf.sequence += 1
        uow.emit(conf.id, "agenda_changed", agenda_item_id=item_id)
        await uow.commit()


async def reorder(uow: UnitOfWork, p: Principal, conference_id: int, item_ids: list[int]) -> list[AgendaItem]:
    """Put the agenda in the given order; the list must name every item exactly once."""
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id, for_update=True)
        require_staff(p)
        ensure_editable(conf)
        items = {i.id: i for i in (await s.execute(
            select(AgendaItem).where(AgendaItem.conference_id == conf.id))).scalars()}
        if len(item_ids) != len(set(item_ids)) or set(item_ids) != set(items):
            raise InvalidInput("item_ids must list every agenda item of the conference exactly once",
                               code="incomplete_order", field="item_ids")
        for n, iid in enumerate(item_ids, start=1):
            items[iid].position = n
        audit(s, p, "agenda.reordered", conference_id=conf.id, order=item_ids)
        uow.emit(conf.id, "agenda_changed")
        await uow.commit()
        return [items[i] for i in item_ids]


