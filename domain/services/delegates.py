"""Delegates: the people who attend."""
from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select

from ..access import Principal, delegate_filter, require_roster_reader, require_staff
from ..errors import Conflict, NotFound
from ..models import Delegate, Invitation, Unit
from ..text import like_pattern, search_text
from ..uow import UnitOfWork
from .common import Page, check_text, must_exist, paginate


def _search(d: Delegate) -> str:
    return search_text(d.full_name, d.email)


async def list_delegates(uow: UnitOfWork, p: Principal, *, q: str | None = None, unit_id: int | None = None,
                         limit: int = 50, offset: int = 0) -> Page[Delegate]:
    require_roster_reader(p)
    stmt = select(Delegate).where(delegate_filter(p)).order_by(Delegate.full_name, Delegate.id)
    if q:
        stmt = stmt.where(Delegate.search.like(like_pattern(q), escape="\\"))
    if unit_id is not None:
        stmt = stmt.where(Delegate.unit_id == unit_id)
    async with uow:
        return await paginate(uow.session, stmt, limit, offset)


async def _get(uow: UnitOfWork, p: Principal, delegate_id: int) -> Delegate:
    d = (await uow.session.execute(select(Delegate).where(Delegate.id == delegate_id, delegate_filter(p)))
         ).scalar_one_or_none()
    if d is None:
        raise NotFound(f"delegate {delegate_id} not found", code="delegate_not_found")
    return d


async def get_delegate(uow: UnitOfWork, p: Principal, delegate_id: int) -> Delegate:
    async with uow:
        return await _get(uow, p, delegate_id)


async def create_delegate(uow: UnitOfWork, p: Principal, fields: dict[str, Any]) -> Delegate:
    require_staff(p)
    check_text(fields.get("full_name"), "full_name")
    async with uow:
        await must_exist(uow.session, Unit, fields.get("unit_id"), "unit_id")
        d = Delegate(**fields)
        d.search = _search(d)
        uow.session.add(d)
        await uow.commit()
        return d


async def update_delegate(uow: UnitOfWork, p: Principal, delegate_id: int, fields: dict[str, Any]) -> Delegate:
    check_text(fields.get("full_name"), "full_name")
    async with uow:
        d = await _get(uow, p, delegate_id)
        require_staff(p)
        await must_exist(uow.session, Unit, fields.get("unit_id"), "unit_id")
        for k, v in fields.items():
            setattr(d, k, v)
        d.search = _search(d)
        await uow.commit()
        return d


async def delete_delegate(uow: UnitOfWork, p: Principal, delegate_id: int) -> None:
    async with uow:
        d = await _get(uow, p, delegate_id)
        require_staff(p)
        if (await uow.session.execute(select(exists().where(Invitation.delegate_id == d.id)))).scalar():
            raise Conflict("the delegate has invitations; they are kept for the record",
                           code="delegate_in_use")
        await uow.session.delete(d)
        await uow.commit()
