"""Races at the desk, with real concurrent requests (separate database connections) on PostgreSQL and SQLite."""
from __future__ import annotations

import asyncio
import threading
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from domain.checkin.attendance import attendance, recount
from domain.checkin.store import SqliteWriter
from domain.models import Delegate
from domain.checkin.models import Presence, Scan
from tests.support.checkin import audit, desks, nonce, pass_of, totals

RACERS = 16


async def _count(api, model) -> int:
    async with api.sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


async def test_two_operators_scanning_one_pass_at_once_make_exactly_one_check_in(api):
    d = await desks(api, status="live")
    token = await pass_of(api, d, "ngoc")
    body = lambda: {"text": token, "conference_site_id": d.w.cs_qk3, "nonce": nonce()}  # noqa: E731
    answers = await asyncio.gather(*(api.call("POST", f"{d.c}/checkin/scan", who=("op", "op2")[i % 2],
                                              json=body(), expect=200) for i in range(RACERS)))
    results = Counter(r.json()["result"] for r in answers)
    assert results == {"ok": 1, "already_checked_in": RACERS - 1}
    assert await _count(api, Presence) == 1 and await _count(api, Scan) == RACERS
    assert (await totals(api, d))["present"] == 1
    assert len(await audit(api, d, "checkin.in")) == 1


async def test_one_nonce_sent_many_times_at_once_is_recorded_once(api):
    d = await desks(api, status="live")
    body = {"text": await pass_of(api, d, "ngoc"), "conference_site_id": d.w.cs_qk3, "nonce": "retry-storm"}
    answers = await asyncio.gather(*(api.call("POST", f"{d.c}/checkin/scan", who="op", json=body, expect=200)
                                     for _ in range(RACERS)))
    bodies = [{k: v for k, v in r.json().items() if k != "replayed"} for r in answers]
    assert all(b == bodies[0] for b in bodies) and bodies[0]["result"] == "ok"
    assert await _count(api, Scan) == 1 and await _count(api, Presence) == 1


async def test_a_walk_in_retried_at_once_creates_one_delegate(api):
    d = await desks(api, status="live")
    before = await _count(api, Delegate)
    body = {"conference_site_id": d.w.cs_qk3, "nonce": "walk-in-1", "full_name": "Đỗ Văn Đức"}
    answers = await asyncio.gather(*(api.call("POST", f"{d.c}/checkin/walk-ins", who="op", json=body)
                                     for _ in range(8)))
    assert {r.json()["invitation_id"] for r in answers} == {answers[0].json()["invitation_id"]}
    assert await _count(api, Delegate) == before + 1
    assert (await totals(api, d))["walk_ins"] == 1


async def test_exit_and_entry_racing_leave_a_consistent_count(api):
    d = await desks(api, status="live")
    token = await pass_of(api, d, "ngoc")
    await api.post(f"{d.c}/checkin/scan", {"text": token, "conference_site_id": d.w.cs_qk3, "nonce": nonce()},
                   who="op", expect=200)
    answers = await asyncio.gather(*(api.call("POST", f"{d.c}/checkin/scan", who="op", json={
        "text": token, "conference_site_id": d.w.cs_qk3, "nonce": nonce(), "direction": "out"}, expect=200)
        for _ in range(RACERS)))
    assert Counter(r.json()["result"] for r in answers) == {"ok": 1, "not_checked_in": RACERS - 1}
    assert (await totals(api, d))["present"] == 0


async def test_many_delegates_checking_in_at_one_point_at_once_are_all_counted(api):
    """Every check-in adds to its point's row of site_counts (the triggers of domain/checkin/tally.py) while the
    others at the same point do: none is lost to another's transaction, and the kept counts equal a recount."""
    d = await desks(api, status="live")
    tokens = []
    for i in range(RACERS):
        delegate = (await api.post("/api/delegates", {"full_name": f"Đại biểu {i}"}))["id"]
        inv = (await api.post(f"{d.c}/invitations", {"delegate_id": delegate, "conference_site_id": d.w.cs_qk3}))
        tokens.append((await api.get(f"{d.c}/invitations/{inv['id']}/pass"))["token"])
    answers = await asyncio.gather(*(api.call("POST", f"{d.c}/checkin/scan", who=("op", "op2")[i % 2], json={
        "text": t, "conference_site_id": d.w.cs_qk3, "nonce": nonce()}, expect=200) for i, t in enumerate(tokens)))
    assert {r.json()["result"] for r in answers} == {"ok"}
    assert (await totals(api, d))["present"] == RACERS
    async with api.sessionmaker() as s:
        assert await attendance(s, d.w.conference) == await recount(s, d.w.conference)


async def test_a_failing_transaction_in_a_sqlite_group_commit_fails_alone(tmp_path):
    writer = SqliteWriter(make_url(f"sqlite+aiosqlite:///{tmp_path / 'writer.db'}"))
    await writer.run(lambda c: c.exec_driver_sql("CREATE TABLE seats (n INTEGER UNIQUE)"))

    def take(c, n: int) -> int:
        c.exec_driver_sql("INSERT INTO seats VALUES (?)", (n,))
        return n

    gate = threading.Event()
    busy = asyncio.ensure_future(writer.run(lambda c: gate.wait(5)))
    await asyncio.sleep(0.05)  # the writer is inside the first transaction: the next ones queue up as a group
    queued = [asyncio.ensure_future(writer.run(take, n)) for n in (1, 2, 2, 3)]
    await asyncio.sleep(0.01)
    gate.set()
    await busy
    results = await asyncio.gather(*queued, return_exceptions=True)
    assert results[:2] == [1, 2] and isinstance(results[2], IntegrityError) and results[3] == 3
    seats = await writer.run(lambda c: [n for (n,) in c.exec_driver_sql("SELECT n FROM seats ORDER BY n")])
    assert seats == [1, 2, 3]
