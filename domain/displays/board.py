"""What the wall board reads besides the live view: its header, the points grouped by unit, and check-ins over
time. Counts only, never delegates: whoever may see the conference may read them (a viewer, a display link)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal, visible_conference
from domain.checkin.models import Presence
from domain.db import core_rows, utcnow
from domain.models import BridgeSite, ConferenceSite, ConferenceStatus, Invitation, Unit
from domain.text import search_text
from domain.uow import UnitOfWork

BUCKET_SECONDS = 60
MAX_BUCKETS = 24 * 60  # a day of minutes: an older start is cut off


@dataclass(frozen=True)
class BoardHead:
    conference_id: int
    title: str
    timezone: str
    status: ConferenceStatus


@dataclass(frozen=True)
class BoardGroup:
    key: str
    unit_id: int | None
    name: str
    sites: list[int]  # conference_site_ids


@dataclass(frozen=True)
class BoardLayout:
    conference_id: int
    points: int
    level: int  # depth in the unit tree the points are grouped at (0: the top units)
    groups: list[BoardGroup]  # points without a unit are in none (the board shows them as "other points")


@dataclass(frozen=True)
class AttendanceSeries:
    conference_id: int
    bucket_seconds: int
    times: list[int]  # start of each bucket, seconds since the epoch (UTC), contiguous
    total: list[int]  # first check-ins in each bucket, every point
    groups: dict[str, list[int]]  # the same per group of the layout


async def board_head(uow: UnitOfWork, p: Principal, conference_id: int) -> BoardHead:
    async with uow:
        conf = await visible_conference(uow.session, p, conference_id)
        return BoardHead(conf.id, conf.title, conf.timezone, conf.status)


async def _grouping(session: AsyncSession, conference_id: int) -> tuple[BoardLayout, dict[int, str]]:
    """The layout, and unit id → group key for every unit a point of the conference sits in."""
    rows = await core_rows(session, (
        select(ConferenceSite.id, BridgeSite.unit_id)
        .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
        .where(ConferenceSite.conference_id == conference_id).order_by(ConferenceSite.id)))
    units = {uid: (parent, name) for uid, parent, name in await core_rows(session, (
        select(Unit.id, Unit.parent_id, Unit.name)))}
    paths: dict[int, list[int]] = {}

    def path(uid: int) -> list[int]:
        if uid not in paths:
            chain, seen, cur = [], set(), uid
            while cur is not None and cur in units and cur not in seen:
                seen.add(cur)
                chain.append(cur)
                cur = units[cur][0]
            paths[uid] = chain[::-1]  # root first
        return paths[uid]

    site_units = {unit for _, unit in rows if unit is not None}
    deepest = max((len(path(u)) for u in site_units), default=1)
    level = 0
    # The shallowest level of the tree that splits the points into at least two groups (one ministry over
    # everything is no grouping), never deeper than the points' own units.
    while level < deepest - 1 and len({path(u)[min(level, len(path(u)) - 1)] for u in site_units}) < 2:
        level += 1
    key_of_unit: dict[int, str] = {}
    members: dict[str, list[int]] = defaultdict(list)
    group_unit: dict[str, int] = {}
    for cs_id, unit in rows:
        if unit is None or unit not in units:
            continue
        chain = path(unit)
        top = chain[min(level, len(chain) - 1)]
        key = f"u{top}"
        key_of_unit[unit] = key
        group_unit[key] = top
        members[key].append(cs_id)
    groups = sorted((BoardGroup(key, group_unit[key], units[group_unit[key]][1], ids) for key, ids in members.items()),
                    key=lambda g: search_text(g.name))
    return BoardLayout(conference_id, len(rows), level, groups), key_of_unit


async def board_layout(uow: UnitOfWork, p: Principal, conference_id: int) -> BoardLayout:
    """The conference's points grouped by unit (at 10,000 points: a hundred or so groups)."""
    async with uow:
        await visible_conference(uow.session, p, conference_id)
        return (await _grouping(uow.session, conference_id))[0]


def _minute(session: AsyncSession, column: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%s", column), Integer) / BUCKET_SECONDS
    return cast(func.floor(func.extract("epoch", column) / BUCKET_SECONDS), Integer)


async def attendance_series(uow: UnitOfWork, p: Principal, conference_id: int) -> AttendanceSeries:
    """First check-ins per minute, in all and per group of the layout: one aggregate query (per unit and
    minute), whatever the number of delegates."""
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        _, key_of_unit = await _grouping(s, conference_id)
        minute = _minute(s, Presence.first_in_at).label("minute")
        rows = (await s.execute(
            select(BridgeSite.unit_id, minute, func.count())
            .select_from(Presence)
            .join(Invitation, Invitation.id == Presence.invitation_id)
            .join(ConferenceSite, ConferenceSite.id == Invitation.conference_site_id)
            .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
            .where(Presence.conference_id == conference_id)
            .group_by(BridgeSite.unit_id, minute))).all()
        if not rows:
            return AttendanceSeries(conf.id, BUCKET_SECONDS, [], [], {})
        first = min(int(m) for _, m, _ in rows)
        last = max(int(m) for _, m, _ in rows)
        if conf.status is ConferenceStatus.live:
            last = max(last, int(utcnow().timestamp()) // BUCKET_SECONDS)
        first = max(first, last - MAX_BUCKETS + 1)
        size = last - first + 1
        total = [0] * size
        groups: dict[str, list[int]] = {}
        for unit, m, n in rows:
            i = int(m) - first
            if i < 0:
                continue
            total[i] += n
            key = key_of_unit.get(unit) if unit is not None else None
            if key is not None:
                groups.setdefault(key, [0] * size)[i] += n
        times = [(first + i) * BUCKET_SECONDS for i in range(size)]
        return AttendanceSeries(conf.id, BUCKET_SECONDS, times, total, groups)
