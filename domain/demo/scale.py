"""A conference at scale for the benchmarks: N bridge points and M delegates, all invited to one conference.

`bridgepoint demo --points 10000 --delegates 100000` loads the ordinary demo (its users sign in) and then this:
a unit per point under a hundred regional units, the points, the delegates (Vietnamese names, ranks, positions)
spread evenly over the points, one scheduled conference with every point (the first one the host hall) and
every delegate invited. Rows are written with plain multi-row INSERTs in one transaction, their ids chosen here,
so no row has to be read back: 10,000 points and 100,000 delegates load in well under a minute on SQLite.
Loading it again with the same sizes changes nothing.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.demo.standard import FAMILY, GIVEN, GIVEN_F, LOCAL, MIDDLE, STAFF, at
from domain.models import (DEFAULT_TZ, BridgeSite, Conference, ConferenceKind, ConferenceSite, ConferenceStatus,
                     Delegate, Invitation, InvitationRole, InvitationStatus, SiteRole, Unit, Visibility)
from domain.text import search_text

SEED = 10_000
BATCH = 5_000
REGIONS = 100
KINDS = ["Ban Chỉ huy Quân sự huyện", "Đồn Biên phòng", "Trung đoàn", "Lữ đoàn", "Sư đoàn", "Bệnh viện Quân y",
         "Trường Quân sự", "Kho", "Xưởng", "Ban Chỉ huy Quân sự xã"]
RANKS = ["Đại tá", "Thượng tá", "Trung tá", "Thiếu tá", "Đại úy", "Thượng úy"]


@dataclass(frozen=True)
class ScaleInfo:
    conference_id: int
    points: int
    delegates: int
    created: bool


def title_for(points: int, delegates: int) -> str:
    return f"Hội nghị trực tuyến toàn quân – {points:,} điểm cầu, {delegates:,} đại biểu".replace(",", ".")


async def _next_id(conn: AsyncConnection, table: Any) -> int:
    return int((await conn.execute(select(func.coalesce(func.max(table.c.id), 0)))).scalar_one()) + 1


async def _insert(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), BATCH):
        await conn.execute(table.insert(), rows[i:i + BATCH])


async def load_scale(engine: AsyncEngine, points: int, delegates: int, now: datetime) -> ScaleInfo:
    """Create (once) the scale conference of `points` bridge points and `delegates` invited delegates."""
    if points < 1 or delegates < 0:
        raise ValueError("--points must be at least 1 and --delegates at least 0")
    title = title_for(points, delegates)
    rng = random.Random(SEED)
    async with engine.begin() as conn:
        existing = (await conn.execute(select(Conference.id).where(Conference.title == title))).scalar_one_or_none()
        if existing is not None:
            return ScaleInfo(existing, points, delegates, False)
        tag = f"S{points}x{delegates}"  # keeps codes and e-mails apart from another scale's
        units_t, sites_t = Unit.__table__, BridgeSite.__table__
        unit0 = await _next_id(conn, units_t)
        root = dict(id=unit0, code=f"{tag}-ROOT", name="Các đơn vị toàn quân (quy mô)", parent_id=None,
                    search=search_text("Các đơn vị toàn quân (quy mô)"), created_at=now)
        regions = [dict(id=unit0 + 1 + r, code=f"{tag}-R{r:03d}", name=f"Khu vực {r + 1}", parent_id=unit0,
                        search=search_text(f"Khu vực {r + 1}"), created_at=now) for r in range(REGIONS)]
        first_point_unit = unit0 + 1 + REGIONS
        unit_rows, site_rows = [], []
        site0 = await _next_id(conn, sites_t)
        for i in range(points):
            name = f"{KINDS[i % len(KINDS)]} {i // len(KINDS) + 1}"
            code = f"{tag}-{i:05d}"
            unit_rows.append(dict(id=first_point_unit + i, code=code, name=name, parent_id=unit0 + 1 + i % REGIONS,
                                  search=search_text(name, code), created_at=now))
            site_name = f"Điểm cầu {name}"
            site_rows.append(dict(id=site0 + i, code=f"DC-{code}", name=site_name, unit_id=first_point_unit + i,
                                  address=f"Khu vực {i % REGIONS + 1}", capacity=rng.randrange(20, 121, 5),
                                  timezone=DEFAULT_TZ, video_endpoint="", contact="", active=True,
                                  search=search_text(site_name, f"DC-{code}"), created_at=now))
        await _insert(conn, units_t, [root, *regions, *unit_rows])
        await _insert(conn, sites_t, site_rows)

        delegate0 = await _next_id(conn, Delegate.__table__)
        delegate_rows = []
        for i in range(delegates):
            if rng.random() < 0.2:
                name = f"{rng.choice(FAMILY)[0]} Thị {rng.choice(GIVEN_F)}"
            else:
                name = f"{rng.choice(FAMILY)[0]} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            email = f"{tag.lower()}.{i}@scale.bqp.vn"
            delegate_rows.append(dict(id=delegate0 + i, full_name=name, rank=rng.choice(RANKS),
                                      position=rng.choice(STAFF)[0], unit_id=first_point_unit + i % points,
                                      email=email, phone="", feed_version=1, search=search_text(name, email),
                                      created_at=now))
        await _insert(conn, Delegate.__table__, delegate_rows)

        day = (now.astimezone(LOCAL) + timedelta(days=30)).date()
        conf_id = await _next_id(conn, Conference.__table__)
        await _insert(conn, Conference.__table__, [dict(
            id=conf_id, title=title, description="Hội nghị để đo hiệu năng ở quy mô lớn.", kind=ConferenceKind.online,
            starts_at=at(day, time(8, 0)), ends_at=at(day, time(11, 30)), timezone=DEFAULT_TZ,
            visibility=Visibility.internal, status=ConferenceStatus.scheduled, sequence=0,
            search=search_text(title), created_at=now, updated_at=now)])
        cs0 = await _next_id(conn, ConferenceSite.__table__)
        per_point = [delegates // points + (1 if i < delegates % points else 0) for i in range(points)]
        await _insert(conn, ConferenceSite.__table__, [dict(
            id=cs0 + i, conference_id=conf_id, site_id=site0 + i, role=SiteRole.host if i == 0 else SiteRole.remote,
            expected_attendance=per_point[i], created_at=now) for i in range(points)])
        inv0 = await _next_id(conn, Invitation.__table__)
        statuses = [InvitationStatus.confirmed] * 70 + [InvitationStatus.invited] * 27 + [InvitationStatus.declined] * 3
        await _insert(conn, Invitation.__table__, [dict(
            id=inv0 + i, conference_id=conf_id, delegate_id=delegate0 + i, conference_site_id=cs0 + i % points,
            role=InvitationRole.delegate, status=rng.choice(statuses), walk_in=False, pass_version=1, link_version=1,
            created_at=now, updated_at=now) for i in range(delegates)])
    if engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
        async with engine.begin() as conn:
            for table in (units_t, sites_t, Delegate.__table__, Conference.__table__, ConferenceSite.__table__,
                          Invitation.__table__):
                await conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT max(id) FROM {table.name}))")
    return ScaleInfo(conf_id, points, delegates, True)
