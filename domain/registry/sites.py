"""Bridge sites (điểm cầu): physical points that take part in conferences."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select

from domain.mail import outbox
from domain.access import Principal, require_staff
from domain.errors import Conflict, InvalidInput, NotFound
from domain.models import BridgeSite, ConferenceSite, Unit
from domain.text import like_pattern, search_text
from domain.uow import UnitOfWork
from domain.common import Page, audit, check_text, check_timezone, must_exist, paginate
from domain.registry.units import UnitTree, load_tree, within


def _search(site: BridgeSite) -> str:
    return search_text(site.name, site.code, site.address)


async def list_sites(uow: UnitOfWork, p: Principal, *, q: str | None = None, unit_id: int | None = None,
                     active: bool | None = None, within_unit_id: int | None = None, limit: int = 50,
                     offset: int = 0) -> Page[BridgeSite]:
    """Sites by code; `unit_id` is that unit's own, `within_unit_id` the unit's and every unit's under it."""
    async with uow:
        return await paginate(uow.session, _site_query(q, unit_id, active, within_unit_id), limit, offset)


def _site_query(q: str | None, unit_id: int | None, active: bool | None, within_unit_id: int | None) -> Any:
    stmt = select(BridgeSite).order_by(BridgeSite.code)
    if q:
        stmt = stmt.where(BridgeSite.search.like(like_pattern(q), escape="\\"))
    if unit_id is not None:
        stmt = stmt.where(BridgeSite.unit_id == unit_id)
    if within_unit_id is not None:
        stmt = stmt.where(BridgeSite.unit_id.in_(within(within_unit_id)))
    if active is not None:
        stmt = stmt.where(BridgeSite.active == active)
    return stmt


@dataclass
class SiteListing:
    """One page of sites for the registry, with the unit tree (each row's unit path, the filter's options)."""
    page: Page[BridgeSite]
    units: UnitTree


async def browse_sites(uow: UnitOfWork, p: Principal, *, q: str | None = None, within_unit_id: int | None = None,
                       active: bool | None = None, limit: int = 50, offset: int = 0) -> SiteListing:
    async with uow:
        page = await paginate(uow.session, _site_query(q, None, active, within_unit_id), limit, offset)
        return SiteListing(page, await load_tree(uow.session))


@dataclass
class SiteForm:
    site: BridgeSite | None
    units: UnitTree


async def site_form(uow: UnitOfWork, p: Principal, site_id: int | None = None) -> SiteForm:
    """A site with the unit tree to place it in (every signed-in role may read a site); a new one: organizers."""
    if site_id is None:
        require_staff(p)
    async with uow:
        site = await _get(uow, site_id) if site_id is not None else None
        return SiteForm(site, await load_tree(uow.session))


async def _get(uow: UnitOfWork, site_id: int) -> BridgeSite:
    site = await uow.session.get(BridgeSite, site_id)
    if site is None:
        raise NotFound(f"bridge site {site_id} not found", code="site_not_found")
    return site


async def get_site(uow: UnitOfWork, p: Principal, site_id: int) -> BridgeSite:
    async with uow:
        return await _get(uow, site_id)


async def _validate(uow: UnitOfWork, fields: dict[str, Any], own_id: int | None = None) -> None:
    for f in ("code", "name"):
        check_text(fields.get(f), f)
    if "timezone" in fields:
        check_timezone(fields["timezone"])
    if fields.get("capacity") is not None and fields["capacity"] < 0:
        raise InvalidInput("capacity must not be negative", code="out_of_range", field="capacity")
    if "code" in fields:
        found = (await uow.session.execute(
            select(BridgeSite.id).where(BridgeSite.code == fields["code"]))).scalar_one_or_none()
        if found is not None and found != own_id:
            raise Conflict(f"a site with code {fields['code']!r} exists", code="duplicate_code", field="code")
    await must_exist(uow.session, Unit, fields.get("unit_id"), "unit_id")


async def create_site(uow: UnitOfWork, p: Principal, fields: dict[str, Any]) -> BridgeSite:
    require_staff(p)
    async with uow:
        await _validate(uow, fields)
        site = BridgeSite(**fields)
        site.search = _search(site)
        uow.session.add(site)
        await uow.commit()
        return site


async def update_site(uow: UnitOfWork, p: Principal, site_id: int, fields: dict[str, Any]) -> BridgeSite:
    require_staff(p)
    async with uow:
        site = await _get(uow, site_id)
        await _validate(uow, fields, site.id)
        moved = any(k in fields and fields[k] != getattr(site, k) for k in ("name", "address"))
        for k, v in fields.items():
            setattr(site, k, v)
        site.search = _search(site)
        if moved:
            await outbox.site_changed(uow.session, site)
        await uow.commit()
        return site


async def delete_site(uow: UnitOfWork, p: Principal, site_id: int) -> BridgeSite | None:
    """Delete an unused site. A site any conference references is deactivated instead (returned)."""
    require_staff(p)
    async with uow:
        site = await _get(uow, site_id)
        used = (await uow.session.execute(select(exists().where(ConferenceSite.site_id == site.id)))).scalar()
        if used:
            site.active = False
            audit(uow.session, p, "site.deactivated", site_id=site.id, subject=site)
            await uow.commit()
            return site
        await uow.session.delete(site)
        await uow.commit()
        return None
