"""Organisation tree of units."""
from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select

from ..access import Principal, require_staff
from ..errors import Conflict, InvalidInput, NotFound
from ..models import BridgeSite, Delegate, Unit
from ..text import like_pattern, search_text
from ..uow import UnitOfWork
from .common import Page, check_text, must_exist, paginate


async def list_units(uow: UnitOfWork, p: Principal, *, q: str | None = None, parent_id: int | None = None,
                     limit: int = 50, offset: int = 0) -> Page[Unit]:
    stmt = select(Unit).order_by(Unit.code)
    if q:
        stmt = stmt.where(Unit.search.like(like_pattern(q), escape="\\"))
    if parent_id is not None:
        stmt = stmt.where(Unit.parent_id == parent_id)
    async with uow:
        return await paginate(uow.session, stmt, limit, offset)


async def _get(uow: UnitOfWork, unit_id: int) -> Unit:
    unit = await uow.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"unit {unit_id} not found", code="unit_not_found")
    return unit


async def get_unit(uow: UnitOfWork, p: Principal, unit_id: int) -> Unit:
    async with uow:
        return await _get(uow, unit_id)


async def _check_code(uow: UnitOfWork, code: str, own_id: int | None = None) -> None:
    found = (await uow.session.execute(select(Unit.id).where(Unit.code == code))).scalar_one_or_none()
    if found is not None and found != own_id:
        raise Conflict(f"a unit with code {code!r} exists", code="duplicate_code", field="code")


async def create_unit(uow: UnitOfWork, p: Principal, fields: dict[str, Any]) -> Unit:
    require_staff(p)
    check_text(fields.get("code"), "code")
    check_text(fields.get("name"), "name")
    async with uow:
        await _check_code(uow, fields["code"])
        await must_exist(uow.session, Unit, fields.get("parent_id"), "parent_id")
        unit = Unit(**fields, search=search_text(fields["name"], fields["code"]))
        uow.session.add(unit)
        await uow.commit()
        return unit


async def update_unit(uow: UnitOfWork, p: Principal, unit_id: int, fields: dict[str, Any]) -> Unit:
    require_staff(p)
    for f in ("code", "name"):
        check_text(fields.get(f), f)
    async with uow:
        unit = await _get(uow, unit_id)
        if "code" in fields:
            await _check_code(uow, fields["code"], unit.id)
        if fields.get("parent_id") is not None:
            ancestor = await must_exist(uow.session, Unit, fields["parent_id"], "parent_id")
            while ancestor is not None:
                if ancestor.id == unit.id:
                    raise InvalidInput("a unit cannot be placed under itself", code="unit_cycle",
                                       field="parent_id")
                ancestor = await uow.session.get(Unit, ancestor.parent_id) if ancestor.parent_id else None
        for k, v in fields.items():
            setattr(unit, k, v)
        unit.search = search_text(unit.name, unit.code)
        await uow.commit()
        return unit


async def delete_unit(uow: UnitOfWork, p: Principal, unit_id: int) -> None:
    require_staff(p)
    async with uow:
        unit = await _get(uow, unit_id)
        s = uow.session
        for model, what in ((Unit, "child units"), (BridgeSite, "bridge sites"), (Delegate, "delegates")):
            col = model.parent_id if model is Unit else model.unit_id
            if (await s.execute(select(exists().where(col == unit.id)))).scalar():
                raise Conflict(f"unit {unit.code} still has {what}", code="unit_in_use")
        await s.delete(unit)
        await uow.commit()
