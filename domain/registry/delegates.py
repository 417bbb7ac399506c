"""Delegates: the people who attend."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal, delegate_filter, require_roster_reader, require_staff
from domain.errors import Conflict, NotFound
from domain.models import Delegate, Invitation, Unit
from domain.text import fold, like_pattern, search_text
from domain.uow import UnitOfWork
from domain.common import Page, check_text, must_exist, paginate
from domain.registry.units import UnitTree, load_tree, within


def _search(d: Delegate) -> str:
    return search_text(d.full_name, d.email)


async def list_delegates(uow: UnitOfWork, p: Principal, *, q: str | None = None, unit_id: int | None = None,
                         within_unit_id: int | None = None, limit: int = 50, offset: int = 0) -> Page[Delegate]:
    """`unit_id`: that unit's own delegates; `within_unit_id`: the unit's and those of every unit under it."""
    require_roster_reader(p)
    async with uow:
        return await paginate(uow.session, _delegate_query(p, q, unit_id, within_unit_id), limit, offset)


def _delegate_query(p: Principal, q: str | None, unit_id: int | None, within_unit_id: int | None, *,
                    by_folded_name: bool = False) -> Any:
    order = (Delegate.search, Delegate.id) if by_folded_name else (Delegate.full_name, Delegate.id)
    stmt = select(Delegate).where(delegate_filter(p)).order_by(*order)
    if q:
        stmt = stmt.where(Delegate.search.like(like_pattern(q), escape="\\"))
    if unit_id is not None:
        stmt = stmt.where(Delegate.unit_id == unit_id)
    if within_unit_id is not None:
        stmt = stmt.where(Delegate.unit_id.in_(within(within_unit_id)))
    return stmt


@dataclass
class DelegateListing:
    """One page of the delegates the caller may see, with the unit tree (rows' unit paths, filter options)."""
    page: Page[Delegate]
    units: UnitTree


async def browse_delegates(uow: UnitOfWork, p: Principal, *, q: str | None = None,
                           within_unit_id: int | None = None, limit: int = 50, offset: int = 0) -> DelegateListing:
    require_roster_reader(p)
    async with uow:
        # by name ignoring accents («Nguyễn Văn Định» next to «Nguyễn Văn Dũng», not after «Nguyễn Văn Việt»)
        page = await paginate(uow.session, _delegate_query(p, q, None, within_unit_id, by_folded_name=True),
                              limit, offset)
        return DelegateListing(page, await load_tree(uow.session))


@dataclass
class DelegateForm:
    delegate: Delegate | None
    units: UnitTree


async def delegate_form(uow: UnitOfWork, p: Principal, delegate_id: int | None = None) -> DelegateForm:
    """A delegate the caller may see (others: 404, as `get_delegate`), with the unit tree; a new one: organizers."""
    if delegate_id is None:
        require_staff(p)
    async with uow:
        d = await _get(uow, p, delegate_id) if delegate_id is not None else None
        return DelegateForm(d, await load_tree(uow.session))


async def possible_duplicates(session: AsyncSession, fields: dict[str, Any]) -> list[tuple[Delegate, str]]:
    """Delegates who may be the same person: the same name (ignoring case and diacritics) in the same unit
    (or both without one), or the same e-mail (ignoring case). Each with why: "name_unit" or "email"."""
    found: dict[int, tuple[Delegate, str]] = {}
    email = (fields.get("email") or "").strip().lower()
    if email:
        for d in (await session.execute(select(Delegate).where(func.lower(Delegate.email) == email)
                                        .order_by(Delegate.id).limit(20))).scalars():
            found[d.id] = (d, "email")
    name = fold(fields.get("full_name"))
    if name:
        unit_id = fields.get("unit_id")
        same_unit = Delegate.unit_id.is_(None) if unit_id is None else Delegate.unit_id == unit_id
        # the search column starts with the folded name (then the folded e-mail): narrow in SQL, compare here
        prefix = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        for d in (await session.execute(select(Delegate).where(same_unit, Delegate.search.like(prefix, escape="\\"))
                                        .order_by(Delegate.id).limit(200))).scalars():
            if fold(d.full_name) == name:
                found.setdefault(d.id, (d, "name_unit"))
    return sorted(found.values(), key=lambda pair: pair[0].id)[:20]


def _duplicate_error(matches: list[tuple[Delegate, str]]) -> Conflict:
    names = ", ".join(f"{d.full_name} (#{d.id})" for d, _why in matches)
    return Conflict(f"this may be a person already registered: {names}; send confirm_duplicate: true to create "
                    "them anyway", code="possible_duplicate",
                    field="email" if all(why == "email" for _d, why in matches) else "full_name",
                    existing=[{"id": d.id, "full_name": d.full_name, "unit_id": d.unit_id, "email": d.email,
                               "match": why} for d, why in matches])


async def _get(uow: UnitOfWork, p: Principal, delegate_id: int) -> Delegate:
    d = (await uow.session.execute(select(Delegate).where(Delegate.id == delegate_id, delegate_filter(p)))
         ).scalar_one_or_none()
    if d is None:
        raise NotFound(f"delegate {delegate_id} not found", code="delegate_not_found")
    return d


async def get_delegate(uow: UnitOfWork, p: Principal, delegate_id: int) -> Delegate:
    async with uow:
        return await _get(uow, p, delegate_id)


async def create_delegate(uow: UnitOfWork, p: Principal, fields: dict[str, Any], *,
                          confirm_duplicate: bool = False) -> Delegate:
    """A new delegate. A second person with the same name in the same unit, or the same e-mail, is refused with
    `possible_duplicate` (naming them in `existing`) unless the caller confirms it is another person."""
    require_staff(p)
    check_text(fields.get("full_name"), "full_name")
    async with uow:
        await must_exist(uow.session, Unit, fields.get("unit_id"), "unit_id")
        if not confirm_duplicate and (matches := await possible_duplicates(uow.session, fields)):
            raise _duplicate_error(matches)
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
