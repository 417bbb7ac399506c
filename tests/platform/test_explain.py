"""The hot queries' plans on PostgreSQL: none reads the invitations or the scans whole.

A conference of 200 points and 5,000 invited delegates (the scale fixture, domain/demo/scale.py) next to another
of the same size, 80 % of the first one's delegates checked in, some absences, a scan per presence; VACUUM ANALYZE done.
The statements the real code sends (the attendance read model — which reads the per-point counts kept by triggers
and no invitation at all — the check-in LOAD of a pass, a page of the desk's
roster and of the invitations, as an organizer and as an operator of one point) are captured on their way to
the driver and EXPLAINed with the same parameters: no `Seq Scan` on invitations or checkin_scans.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Awaitable, Callable

import pytest
from sqlalchemy import event, select, text

from domain.access import Principal
from domain.checkin.attendance import attendance, recount
from domain.checkin.roster import roster
from domain.checkin.store import LOAD
from domain.db import make_engine, make_sessionmaker
from domain.demo.scale import load_scale
from domain.invitations.service import list_invitations
from domain.models import ConferenceSite, Invitation, Role
from domain.uow import UnitOfWork
from tests.conftest import fresh_postgres_database, reset_schema

HOT_TABLES = ("invitations", "checkin_scans")
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
async def world() -> Any:
    url = await fresh_postgres_database("bp_test_explain")
    await reset_schema(url)
    engine = make_engine(url)
    other = await load_scale(engine, 200, 5000, NOW)
    info = await load_scale(engine, 201, 5000, NOW)  # another conference of the same size, so no table is one's
    async with engine.begin() as conn:
        user_id = (await conn.execute(text(
            "INSERT INTO users (username, display_name, password_hash, role, active, must_change_password, "
            "created_at) VALUES ('explain-op', '', 'x', 'operator', true, false, now()) RETURNING id"))).scalar_one()
        for conf in (info.conference_id, other.conference_id):
            await conn.execute(text(
                "INSERT INTO presences (invitation_id, conference_id, present, late, first_in_at, last_in_at, "
                "source) SELECT id, conference_id, id % 7 <> 0, id % 11 = 0, now(), now(), 'scan' "
                "FROM invitations WHERE conference_id = :c AND id % 5 <> 0"), {"c": conf})
            await conn.execute(text(
                "INSERT INTO absences (invitation_id, conference_id, reason, note, set_at) SELECT id, "
                "conference_id, 'leave', '', now() FROM invitations WHERE conference_id = :c AND id % 15 = 0"),
                {"c": conf})
            await conn.execute(text(
                "INSERT INTO checkin_scans (user_id, nonce, conference_id, conference_site_id, invitation_id, "
                "direction, source, result, at, recorded_at, outcome) SELECT :u, 'n' || id, conference_id, "
                "conference_site_id, id, 'in', 'scan', 'ok', now(), now(), '{}' FROM invitations "
                "WHERE conference_id = :c AND id % 5 <> 0"), {"c": conf, "u": user_id})
    async with engine.connect() as conn:
        await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("VACUUM ANALYZE"))
        point, site = (await conn.execute(
            select(ConferenceSite.id, ConferenceSite.site_id).where(ConferenceSite.conference_id == info.conference_id)
            .order_by(ConferenceSite.id).offset(50).limit(1))).one()
        inv = (await conn.execute(select(Invitation.id).where(Invitation.conference_site_id == point).limit(1))
               ).scalar_one()
    yield {"engine": engine, "conf": info.conference_id, "point": point, "site": site, "inv": inv,
           "user_id": user_id}
    await engine.dispose()


async def plans_of(engine: Any, run: Callable[[], Awaitable[Any]]) -> list[tuple[str, str]]:
    """(statement, its EXPLAIN) for every SELECT the code sends while `run` runs."""
    captured: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            captured.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", grab)
    try:
        await run()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", grab)
    out = []
    async with engine.connect() as conn:
        for statement, parameters in captured:
            rows = await conn.exec_driver_sql("EXPLAIN " + statement, parameters)
            out.append((statement, "\n".join(r[0] for r in rows)))
    assert out, "nothing was captured"
    return out


def assert_no_seq_scan(plans: list[tuple[str, str]]) -> None:
    for statement, plan in plans:
        for table in HOT_TABLES:
            assert f"Seq Scan on {table}" not in plan, f"{statement}\n---\n{plan}"


def principals(w: dict[str, Any]) -> list[Principal]:
    return [Principal(1, "org", Role.organizer),
            Principal(w["user_id"], "explain-op", Role.operator, site_ids=frozenset({w["site"]}))]


async def test_attendance_aggregate_reads_no_table_whole(world: dict[str, Any]) -> None:
    sm = make_sessionmaker(world["engine"])

    async def run() -> None:
        async with sm() as s:
            counts = await attendance(s, world["conf"])
            assert counts.expected > 0 and counts.present > 0 and counts.absent > 0

    plans = await plans_of(world["engine"], run)
    assert_no_seq_scan(plans)
    # the counts the triggers keep, one row per point: no invitation, presence or absence is read (issue 15)
    text_of_plans = "\n".join(p for _, p in plans)
    assert "site_counts" in text_of_plans
    for table in ("invitations", "presences", "absences"):
        assert f" on {table}" not in text_of_plans, text_of_plans
    async with sm() as s:
        assert await attendance(s, world["conf"]) == await recount(s, world["conf"])


async def test_checkin_load_of_a_pass_is_by_keys(world: dict[str, Any]) -> None:
    async def run() -> None:
        async with world["engine"].connect() as conn:
            row = (await conn.execute(LOAD, {"conference_id": world["conf"], "cs_id": world["point"],
                                             "inv_id": world["inv"], "user_id": world["user_id"],
                                             "nonce": "n-explain"})).one()
            assert row.inv_id == world["inv"]

    assert_no_seq_scan(await plans_of(world["engine"], run))


@pytest.mark.parametrize("who", ["organizer", "operator"])
async def test_roster_page(world: dict[str, Any], who: str) -> None:
    uow = UnitOfWork(make_sessionmaker(world["engine"]))
    p = principals(world)[0 if who == "organizer" else 1]

    async def run() -> None:
        for kw in ({}, {"conference_site_id": world["point"]}, {"q": "nguyen"}):
            page = await roster(uow, p, world["conf"], limit=50, **kw)
            assert page.items

    assert_no_seq_scan(await plans_of(world["engine"], run))


@pytest.mark.parametrize("who", ["organizer", "operator"])
async def test_invitations_page(world: dict[str, Any], who: str) -> None:
    uow = UnitOfWork(make_sessionmaker(world["engine"]))
    p = principals(world)[0 if who == "organizer" else 1]

    async def run() -> None:
        async with world["engine"].connect() as conn:  # one delegate's e-mail: a search with one match
            rare = (await conn.execute(select(Invitation.search).where(Invitation.id == world["inv"]))
                    ).scalar_one().split()[-1]
        for kw in ({}, {"site_id": world["site"]}, {"q": "nguyen"}, {"q": rare}, {"offset": 2000}):
            page = await list_invitations(uow, p, world["conf"], limit=50, **kw)
            assert page.items or who == "operator"
        if who == "organizer":
            assert page.next is not None
            assert (await list_invitations(uow, p, world["conf"], limit=50, after=page.next)).items

    plans = await plans_of(world["engine"], run)
    assert_no_seq_scan(plans)
    if who == "organizer":  # a page's ids, first, deep or after a cursor, from the name index alone; a search's
        # from the trigram index, counted there too
        picks = [plan for statement, plan in plans
                 if "ORDER BY invitations.search" in statement or "ORDER BY found.search" in statement]
        assert len(picks) == 6, picks
        first, _site, _common, search, deep, after = picks
        for plan in (first, deep, after):
            assert "Index Only Scan using ix_invitations_conference_search" in plan, plan
        counted = [plan for statement, plan in plans if "count(" in statement and "LIKE" in statement]
        assert len(counted) == 2
        for plan in (search, counted[1]):  # (a third of the conference is a Nguyễn: its index by conference)
            assert "Bitmap Index Scan on ix_invitations_search_trigrams" in plan, plan
