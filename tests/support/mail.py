"""Test helpers for mail and calendars: a real SMTP server on loopback, a controllable clock, a worker
driven by the test, bulk invitations, and iCalendar parsed by two independent parsers."""
from __future__ import annotations

import asyncio
import email
import email.policy
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import icalendar
import pytest
import vobject
from aiosmtpd.smtp import SMTP, Envelope

from api.controllers.mail import mail_context
from domain.db import utcnow
from domain.mail.transport import SmtpTransport
from domain.models import Delegate, Invitation
from domain.mail.worker import OutboxWorker, RetryPolicy


class SmtpServer:
    """aiosmtpd in the test's event loop; stop() and start() again keep the same port."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.refuse: set[str] = set()  # recipients answered with 550
        self.port = 0
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: SMTP(self, hostname="test.smtp"), "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Envelope, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:  # noqa: N802
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        for rcpt in envelope.rcpt_tos:
            msg["X-Envelope-To"] = rcpt
        self.received.append(msg)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if m["X-Envelope-To"] == address]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Mail:
    smtp: SmtpServer
    clock: Clock
    worker: OutboxWorker
    api: Any

    def another_worker(self) -> OutboxWorker:
        """A second sender, as another server process would run."""
        return make_worker(self.api, self.smtp, self.clock)


def make_worker(api: Any, smtp: SmtpServer, clock: Clock, **kw: Any) -> OutboxWorker:
    transport = SmtpTransport(f"smtp://127.0.0.1:{smtp.port}", timeout=5)
    kw.setdefault("retry", RetryPolicy(first=timedelta(seconds=30), max_attempts=5))
    return OutboxWorker(api.sessionmaker, transport, mail_context(api.app.state), clock=clock, **kw)


@pytest.fixture
async def no_background_sender(api: Any) -> None:
    """Stop the app's own outbox sender, so queued mail stays put until the test sends it."""
    await api.app.state.mail_worker.stop()


@pytest.fixture
async def mail(api: Any) -> Any:
    """A loopback SMTP server and a worker the test drives (the app's own sender is stopped)."""
    await api.app.state.mail_worker.stop()
    smtp = SmtpServer()
    await smtp.start()
    clock = Clock(utcnow() + timedelta(minutes=1))  # ahead, so whatever the test queues is due
    try:
        yield Mail(smtp, clock, make_worker(api, smtp, clock), api)
    finally:
        await smtp.stop()


async def invite_many(api: Any, conference_site_id: int, conference_id: int, n: int,
                      domain: str = "test.bqp.vn") -> list[int]:
    """n delegates with e-mail addresses, invited at one site (straight into the database: setup only)."""
    async with api.sessionmaker() as s:
        delegates = [Delegate(full_name=f"Đại biểu {i}", email=f"daibieu{i}@{domain}", search=f"dai bieu {i}")
                     for i in range(n)]
        s.add_all(delegates)
        await s.flush()
        invitations = [Invitation(conference_id=conference_id, delegate_id=d.id, conference_site_id=conference_site_id)
                       for d in delegates]
        s.add_all(invitations)
        await s.commit()
        return [i.id for i in invitations]


async def set_emails(api: Any, w: Any) -> dict[str, str]:
    out = {}
    for key, delegate_id in w.delegates.items():
        out[key] = f"{key}@test.bqp.vn"
        await api.patch(f"/api/delegates/{delegate_id}", {"email": out[key]})
    return out


@dataclass
class ParsedCalendar:
    """One .ics read by icalendar and by vobject; both must agree on every event."""
    ical: icalendar.Calendar
    vcal: Any

    @property
    def events(self) -> list[icalendar.Event]:
        return list(self.ical.walk("VEVENT"))

    def event(self, uid: str) -> icalendar.Event:
        found = [e for e in self.events if str(e["UID"]) == uid]
        assert len(found) == 1, f"{uid} appears {len(found)} times"
        return found[0]

    def v_event(self, uid: str) -> Any:
        found = [e for e in self.vcal.contents.get("vevent", []) if e.uid.value == uid]
        assert len(found) == 1
        return found[0]


def parse_ics(body: bytes) -> ParsedCalendar:
    text = body.decode("utf-8")
    assert "\r\n" in text and all(len(line.encode()) <= 75 for line in text.split("\r\n")), "lines folded at 75 octets"
    ical = icalendar.Calendar.from_ical(body)
    vcal = vobject.readOne(text)
    v_events = {e.uid.value: e for e in vcal.contents.get("vevent", [])}
    assert sorted(v_events) == sorted(str(e["UID"]) for e in ical.walk("VEVENT"))
    for event in ical.walk("VEVENT"):
        v = v_events[str(event["UID"])]
        assert v.dtstart.value == event.decoded("DTSTART")
        assert int(v.sequence.value) == int(event["SEQUENCE"])
        assert v.status.value == str(event["STATUS"])
    return ParsedCalendar(ical, vcal)
