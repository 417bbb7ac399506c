"""The outbox sender: nothing lost while the mail server is down, nothing sent twice by several senders."""
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from domain.mail.models import MailStatus, OutboxMessage
from domain.mail.worker import RetryPolicy
from tests.support.factories import make_world
from tests.support.mail import invite_many, mail, make_worker  # noqa: F401 - fixture


async def scheduled(api):
    w = await make_world(api)
    await api.post(f"/api/conferences/{w.conference}/schedule", expect=200)
    return w


async def statuses(api) -> Counter:
    async with api.sessionmaker() as s:
        return Counter(dict((await s.execute(select(OutboxMessage.status, func.count())
                                             .group_by(OutboxMessage.status))).tuples().all()))


async def test_smtp_outage_loses_nothing_and_sends_nothing_twice(api, mail):
    w = await scheduled(api)
    await invite_many(api, w.cs_qk3, w.conference, 200)
    await mail.smtp.stop()

    report = await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202)
    assert report["queued"] == 200
    assert await mail.worker.drain() == 200  # every message tried once, the server refused the connection
    assert await statuses(api) == Counter({MailStatus.pending: 200})
    page = await api.get("/api/outbox", params={"conference_id": w.conference, "limit": 1})
    assert page["counts"]["pending"] == 200
    assert page["items"][0]["attempts"] == 1 and "cannot reach" in page["items"][0]["last_error"]
    assert await mail.worker.drain() == 0  # backing off: nothing is due yet

    await mail.smtp.start()
    mail.clock.advance(seconds=31)
    second = mail.another_worker()  # as another server process would
    sent = await asyncio.gather(mail.worker.drain(), second.drain())
    assert sum(sent) == 200
    per_recipient = Counter(m["X-Envelope-To"] for m in mail.smtp.received)
    assert len(per_recipient) == 200 and set(per_recipient.values()) == {1}
    assert await statuses(api) == Counter({MailStatus.sent: 200})
    assert len({m["Message-ID"] for m in mail.smtp.received}) == 200


async def test_a_message_held_by_a_dead_sender_goes_out_once_its_lease_ends(api, mail):
    w = await scheduled(api)
    await invite_many(api, w.cs_qk3, w.conference, 3)
    await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202)
    dead = make_worker(api, mail.smtp, mail.clock, lease=timedelta(minutes=5))
    assert len(await dead._claim()) == 3  # claimed, then the process died before sending
    assert await mail.worker.drain() == 0  # still leased: nobody else touches them
    mail.clock.advance(minutes=6)
    assert await mail.worker.drain() == 3
    assert len(mail.smtp.received) == 3 and await statuses(api) == Counter({MailStatus.sent: 3})


async def test_a_late_result_from_a_sender_whose_claim_expired_is_ignored(api, mail):
    w = await scheduled(api)
    await invite_many(api, w.cs_qk3, w.conference, 1)
    await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202)
    slow = make_worker(api, mail.smtp, mail.clock)
    [held] = await slow._claim()
    mail.clock.advance(minutes=6)
    assert await mail.worker.drain() == 1
    async with api.sessionmaker() as s:
        await slow._record(s, held, error="timed out")  # arrives after the message was re-claimed and sent
    assert await statuses(api) == Counter({MailStatus.sent: 1})


async def test_retries_back_off_exponentially_and_give_up_after_the_last_attempt(api, mail):
    policy = RetryPolicy(first=timedelta(seconds=30), cap=timedelta(minutes=5), max_attempts=3)
    assert [policy.delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [30, 60, 120, 240, 300]
    w = await scheduled(api)
    await invite_many(api, w.cs_qk3, w.conference, 1)
    await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202)
    await mail.smtp.stop()
    worker = make_worker(api, mail.smtp, mail.clock, retry=policy)
    for wait in (0, 30, 60):
        mail.clock.advance(seconds=wait)
        assert await worker.drain() == 1
    [msg] = (await api.get("/api/outbox"))["items"]
    assert msg["status"] == "failed" and msg["attempts"] == 3


async def test_a_stopping_sender_hands_back_what_it_has_not_sent(api, mail):
    w = await scheduled(api)
    await invite_many(api, w.cs_qk3, w.conference, 5)
    await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202)
    worker = make_worker(api, mail.smtp, mail.clock, batch_size=5)
    batch = await worker._claim()
    worker._stop.set()  # as stop() does, before the batch is delivered
    await worker._deliver(batch)
    assert await statuses(api) == Counter({MailStatus.pending: 5})
    [first, *_] = (await api.get("/api/outbox"))["items"]
    assert first["attempts"] == 0
    assert await mail.worker.drain() == 5 and len(mail.smtp.received) == 5


async def test_the_app_sender_runs_in_the_background_and_stops_with_the_app(api, mail):
    w = await scheduled(api)
    await invite_many(api, w.cs_qk3, w.conference, 2)
    background = make_worker(api, mail.smtp, mail.clock, idle_seconds=0.05)
    background.start()
    try:
        await api.post(f"/api/conferences/{w.conference}/send-invitations", expect=202)
        for _ in range(200):
            if len(mail.smtp.received) == 2:
                break
            await asyncio.sleep(0.02)
    finally:
        await background.stop()
    assert len(mail.smtp.received) == 2


async def test_a_lost_database_is_one_warning_line_not_a_traceback_per_pass(api, mail, caplog):
    """The sender's loop goes on through a database restart; it says so once per 10 s, without a traceback (a
    failure of another kind still logs one)."""
    worker = make_worker(api, mail.smtp, mail.clock, idle_seconds=0.01)
    passes = 0

    async def lost() -> int:
        nonlocal passes
        passes += 1
        raise ConnectionRefusedError("connection refused")  # what connecting to a restarting PostgreSQL raises
    worker.drain = lost  # type: ignore[method-assign]
    with caplog.at_level("WARNING", logger="bridgepoint"):
        worker.start()
        while passes < 20:
            await asyncio.sleep(0.01)
        await worker.stop()
    lines = [r for r in caplog.records if "outbox worker" in r.getMessage()]
    assert [(r.levelname, r.exc_info) for r in lines] == [("WARNING", None)], [r.getMessage() for r in lines]
    assert "the database is unreachable (ConnectionRefusedError)" in lines[0].getMessage()

    caplog.clear()

    async def broken() -> int:
        raise RuntimeError("a bug")
    worker.drain = broken  # type: ignore[method-assign]
    with caplog.at_level("WARNING", logger="bridgepoint"):
        worker.start()
        await asyncio.sleep(0.05)
        await worker.stop()
    assert any(r.levelname == "ERROR" and r.exc_info for r in caplog.records)
