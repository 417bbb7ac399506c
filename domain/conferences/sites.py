"""Bridge sites taking part in a conference: host or remote, with chair, operators, expected attendance."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal, require_staff, visible_conference
from domain.errors import Conflict, InvalidInput, NotFound
from domain.models import (BridgeSite, ConferenceSite, Delegate, Invitation, Role, SiteRole, User,
                      conference_site_operators, user_sites)
from domain.uow import UnitOfWork
from domain.common import Page, audit, ensure_editable, must_exist, paginate
from domain.conferences.overlap import check_sites_free


@dataclass
class ConferenceSiteView:
    conference_site: ConferenceSite
    operator_ids: list[int]
    warnings: list[dict[str, str]] = field(default_factory=list)


async def _view(s: AsyncSession, cs: ConferenceSite, warnings: list[dict[str, str]] | None = None
                ) -> ConferenceSiteView:
    return ConferenceSiteView(cs, (await operator_ids(s, [cs.id]))[cs.id], warnings or [])


def capacity_warnings(site: BridgeSite, expected: int) -> list[dict[str, str]]:
    if site.capacity and expected > site.capacity:
        return [{"code": "over_capacity", "field": "expected_attendance",
                 "message": f"expected attendance {expected} exceeds the capacity {site.capacity} "
                            f"of {site.name}"}]
    return []


async def operator_ids(session: AsyncSession, cs_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {i: [] for i in cs_ids}
    if cs_ids:
        rows = await session.execute(select(conference_site_operators.c.conference_site_id,
                                            conference_site_operators.c.user_id)
                                     .where(conference_site_operators.c.conference_site_id.in_(cs_ids))
                                     .order_by(conference_site_operators.c.user_id))
        for cs, uid in rows:
            out[cs].append(uid)
    return out


async def list_conference_sites(uow: UnitOfWork, p: Principal, conference_id: int, *, role: SiteRole | None = None,
                                limit: int = 50, offset: int = 0) -> Page[ConferenceSiteView]:
    async with uow:
        await visible_conference(uow.session, p, conference_id)
        stmt = (select(ConferenceSite).where(ConferenceSite.conference_id == conference_id)
                .order_by(ConferenceSite.role, ConferenceSite.id))
        if role is not None:
            stmt = stmt.where(ConferenceSite.role == role)
        page = await paginate(uow.session, stmt, limit, offset)
        ops = await operator_ids(uow.session, [cs.id for cs in page.items])
        page.items = [ConferenceSiteView(cs, ops[cs.id]) for cs in page.items]
        return page


async def _get(uow: UnitOfWork, p: Principal, conference_id: int, cs_id: int, *, edit: bool = False):  # type: ignore[no-untyped-def]
    conf = await visible_conference(uow.session, p, conference_id, for_update=edit)
    cs = await uow.session.get(ConferenceSite, cs_id)
    if cs is None or cs.conference_id != conf.id:
        raise NotFound(f"conference site {cs_id} not found", code="conference_site_not_found")
    return conf, cs


async def get_conference_site(uow: UnitOfWork, p: Principal, conference_id: int, cs_id: int
                              ) -> ConferenceSiteView:
    async with uow:
        return await _view(uow.session, (await _get(uow, p, conference_id, cs_id))[1])


async def _check_operators(s: AsyncSession, site_id: int, ids: list[int]) -> None:
    for uid in ids:
        user = await must_exist(s, User, uid, "operator_ids")
        bound = (await s.execute(select(exists().where(user_sites.c.user_id == uid,
                                                       user_sites.c.site_id == site_id)))).scalar()
        if user.role is not Role.operator or not bound:
            raise InvalidInput(f"user {user.username} is not an operator of this bridge site",
                               code="not_site_operator", field="operator_ids")


async def _set_operators(s: AsyncSession, cs_id: int, ids: list[int]) -> None:
    await s.execute(conference_site_operators.delete().where(conference_site_operators.c.conference_site_id == cs_id))
    if ids:
        await s.execute(conference_site_operators.insert(),
                        [{"conference_site_id": cs_id, "user_id": u} for u in sorted(set(ids))])


async def _check_host(s: AsyncSession, conference_id: int, own_id: int | None) -> None:
    host = (await s.execute(select(ConferenceSite.id).where(
        ConferenceSite.conference_id == conference_id, ConferenceSite.role == SiteRole.host))).scalar_one_or_none()
    if host is not None and host != own_id:
        raise Conflict("this conference already has a host site", code="host_exists", field="role")


async def add_conference_site(uow: UnitOfWork, p: Principal, conference_id: int,
                              fields: dict[str, Any]) -> ConferenceSiteView:
    fields = dict(fields)
    ops = fields.pop("operator_ids", None) or []
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id, for_update=True)
        require_staff(p)
        ensure_editable(conf)
        site = await must_exist(s, BridgeSite, fields["site_id"], "site_id")
        if not site.active:
            raise InvalidInput(f"bridge site {site.code} is not active", code="site_inactive", field="site_id")
        taken = (await s.execute(select(exists().where(ConferenceSite.conference_id == conf.id,
                                                       ConferenceSite.site_id == site.id)))).scalar()
        if taken:
            raise Conflict(f"bridge site {site.code} already takes part in this conference",
                           code="site_already_added", field="site_id")
        if fields.get("role") is SiteRole.host:
            await _check_host(s, conf.id, None)
            conf.sequence += 1  # the conference's place (its host hall) changed
        await check_sites_free(s, [site.id], conf.starts_at, conf.ends_at, conf.id)
        await must_exist(s, Delegate, fields.get("chair_delegate_id"), "chair_delegate_id")
        await _check_operators(s, site.id, ops)
        cs = ConferenceSite(conference_id=conf.id, **fields)
        s.add(cs)
        await s.flush()
        await _set_operators(s, cs.id, ops)
        audit(s, p, "conference_site.added", conference_id=conf.id, site_id=site.id, subject=cs)
        uow.emit(conf.id, "sites_changed", conference_site_id=cs.id)
        view = await _view(s, cs, capacity_warnings(site, cs.expected_attendance))
        await uow.commit()
        return view


async def update_conference_site(uow: UnitOfWork, p: Principal, conference_id: int, cs_id: int,
                                 fields: dict[str, Any]) -> ConferenceSiteView:
    fields = dict(fields)
    ops = fields.pop("operator_ids", None)
    async with uow:
        s = uow.session
        conf, cs = await _get(uow, p, conference_id, cs_id, edit=True)
        require_staff(p)
        ensure_editable(conf)
        if fields.get("role") is SiteRole.host:
            await _check_host(s, conf.id, cs.id)
        if fields.get("role", cs.role) is not cs.role:
            conf.sequence += 1  # the host hall changed
        if "chair_delegate_id" in fields:
            await must_exist(s, Delegate, fields["chair_delegate_id"], "chair_delegate_id")
        if ops is not None:
            await _check_operators(s, cs.site_id, ops)
            await _set_operators(s, cs.id, ops)
        for k, v in fields.items():
            setattr(cs, k, v)
        site = await s.get(BridgeSite, cs.site_id)
        uow.emit(conf.id, "sites_changed", conference_site_id=cs.id)
        view = await _view(s, cs, capacity_warnings(site, cs.expected_attendance))
        await uow.commit()
        return view


async def remove_conference_site(uow: UnitOfWork, p: Principal, conference_id: int, cs_id: int) -> None:
    async with uow:
        s = uow.session
        conf, cs = await _get(uow, p, conference_id, cs_id, edit=True)
        require_staff(p)
        ensure_editable(conf)
        if (await s.execute(select(exists().where(Invitation.conference_site_id == cs.id)))).scalar():
            raise Conflict("delegates are invited at this site; move or cancel them first",
                           code="site_has_invitations")
        if cs.role is SiteRole.host:
            conf.sequence += 1  # the conference lost its host hall
        audit(s, p, "conference_site.removed", conference_id=conf.id, site_id=cs.site_id, subject=cs)
        await s.delete(cs)
        uow.emit(conf.id, "sites_changed", conference_site_id=cs_id)
        await uow.commit()
