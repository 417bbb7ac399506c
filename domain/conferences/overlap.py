"""No bridge site and no delegate may be in two overlapping, non-cancelled conferences."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict
from domain.models import (ACTIVE_INVITATION, Conference, ConferenceSite, ConferenceStatus, Invitation)


# Busy rules judge real times once they are known: a conference that went live early holds its points from its
# real start, one that has ended frees them from its real end (a cancelled one frees them altogether).
REAL_START = func.coalesce(Conference.started_at, Conference.starts_at)
REAL_END = case((Conference.status == ConferenceStatus.ended, func.coalesce(Conference.ended_at, Conference.ends_at)),
                else_=Conference.ends_at)


def _overlapping(starts: datetime, ends: datetime, exclude: int | None):  # type: ignore[no-untyped-def]
    cond = [Conference.status != ConferenceStatus.cancelled, REAL_START < ends, REAL_END > starts]
    if exclude is not None:
        cond.append(Conference.id != exclude)
    return cond


overlapping = _overlapping  # the one definition of «overlapping conference»


async def check_sites_not_live(session: AsyncSession, conference_id: int, field: str = "status") -> None:
    """Starting a conference: none of its points may be live in another conference right now."""
    mine = select(ConferenceSite.site_id).where(ConferenceSite.conference_id == conference_id)
    row = (await session.execute(
        select(Conference, ConferenceSite.site_id).join(ConferenceSite, ConferenceSite.conference_id == Conference.id)
        .where(ConferenceSite.site_id.in_(mine), Conference.status == ConferenceStatus.live,
               Conference.id != conference_id)
        .order_by(Conference.id).limit(1))).first()
    if row is not None:
        conf = row[0]
        raise Conflict(f"bridge site {row[1]} is live in conference {conf.id} «{conf.title}»; end that one first "
                       "(an administrator may start anyway)", code="site_busy", field=field, site_id=row[1],
                       conflicting_conference={"id": conf.id, "title": conf.title})


def _conflict(code: str, what: str, conf: Conference, field: str) -> Conflict:
    return Conflict(f"{what} already takes part in the overlapping conference {conf.id} «{conf.title}»",
                    code=code, field=field,
                    conflicting_conference={"id": conf.id, "title": conf.title})


async def check_sites_free(session: AsyncSession, site_ids: Iterable[int], starts: datetime, ends: datetime,
                           exclude_conference: int | None, field: str = "site_id") -> None:
    ids = list(site_ids)
    if not ids:
        return
    row = (await session.execute(
        select(Conference, ConferenceSite.site_id).join(ConferenceSite, ConferenceSite.conference_id == Conference.id)
        .where(ConferenceSite.site_id.in_(ids), *_overlapping(starts, ends, exclude_conference))
        .order_by(Conference.starts_at).limit(1))).first()
    if row is not None:
        raise _conflict("site_busy", f"bridge site {row[1]}", row[0], field)


async def check_delegates_free(session: AsyncSession, delegate_ids: Iterable[int], starts: datetime,
                               ends: datetime, exclude_conference: int | None,
                               field: str = "delegate_id") -> None:
    ids = list(delegate_ids)
    if not ids:
        return
    row = (await session.execute(
        select(Conference, Invitation.delegate_id).join(Invitation, Invitation.conference_id == Conference.id)
        .where(Invitation.delegate_id.in_(ids), Invitation.status.in_(ACTIVE_INVITATION),
               *_overlapping(starts, ends, exclude_conference))
        .order_by(Conference.starts_at).limit(1))).first()
    if row is not None:
        raise _conflict("delegate_busy", f"delegate {row[1]}", row[0], field)
