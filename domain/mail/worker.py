"""The outbox sender: claim due messages atomically, render, send, record; retry with backoff.

Several server processes may each run one: a claim is a single UPDATE of due rows (SKIP LOCKED on
PostgreSQL, the write lock on SQLite) that stamps them with a fresh claim token and a lease, and
results are recorded only under that token, so no two workers send the same message. A worker that
dies mid-batch leaves its rows `sending`; they become due again when the lease ends. The one window
left (the server accepted a message, then the process died before recording it) can repeat that
message; it then carries the same Message-ID, which lets mail systems drop the copy.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.policy import SMTP
from uuid import uuid4

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.mail import messages as mail
from domain.db import LoopFailures, utcnow
from domain.i18n import DEFAULT_LOCALE
from domain.mail.transport import DeliveryFailed, Envelope, Transport, TransportUnavailable
from domain.models import ConferenceSite, Delegate, Role, User, conference_site_operators, user_sites
from domain.mail.models import MailKind, MailStatus, OutboxMessage
from domain.conferences import agenda_view, notices
from domain.conferences.agenda_view import MailContext

log = logging.getLogger("bridgepoint.outbox")
M = OutboxMessage


@dataclass(frozen=True)
class RetryPolicy:
    first: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    max_attempts: int = 12  # about eight hours of retries with the defaults

    def delay(self, attempts: int) -> timedelta:
        return min(self.cap, self.first * 2 ** max(attempts - 1, 0))


@dataclass(frozen=True)
class Letter:
    subject: str
    message_id: str
    data: bytes


@dataclass
class _Views:
    agendas: dict[int, agenda_view.PersonalAgenda]
    notices: dict[int, notices.NoticeMail]
    # the language of a notice to a bridge point: its chair's address gets the chair's, the point's own addresses
    # the one its operators chose (conference_site_id → locale; chair's address → locale)
    site_locales: dict[int, str] = field(default_factory=dict)
    chair_locales: dict[tuple[int, str], str] = field(default_factory=dict)

    def notice_locale(self, msg: OutboxMessage) -> str:
        key = (msg.conference_site_id or 0, msg.recipient.lower())
        return self.chair_locales.get(key) or self.site_locales.get(msg.conference_site_id or 0, DEFAULT_LOCALE)


async def notice_locales(s: AsyncSession, conference_site_ids: set[int]
                         ) -> tuple[dict[int, str], dict[tuple[int, str], str]]:
    """A point's language is the one most of its operators chose in the pages (users.locale), Vietnamese on a tie
    or when none chose; its chair's own address gets the chair delegate's language."""
    if not conference_site_ids:
        return {}, {}
    cs_ids = list(conference_site_ids)
    chairs = await s.execute(select(ConferenceSite.id, Delegate.email, Delegate.locale)
                             .join(Delegate, Delegate.id == ConferenceSite.chair_delegate_id)
                             .where(ConferenceSite.id.in_(cs_ids)))
    chair_locales = {(cs_id, email.lower()): locale for cs_id, email, locale in chairs.tuples() if email}
    operator = (User.role == Role.operator, User.active.is_(True), User.locale.is_not(None))
    by_conference = select(conference_site_operators.c.conference_site_id, User.id, User.locale).join(
        User, User.id == conference_site_operators.c.user_id).where(
        conference_site_operators.c.conference_site_id.in_(cs_ids), *operator)
    by_site = select(ConferenceSite.id, User.id, User.locale).join(
        user_sites, user_sites.c.site_id == ConferenceSite.site_id).join(User, User.id == user_sites.c.user_id).where(
        ConferenceSite.id.in_(cs_ids), *operator)
    chosen: dict[int, dict[int, str]] = defaultdict(dict)
    for stmt in (by_conference, by_site):
        for cs_id, user_id, locale in (await s.execute(stmt)).tuples():
            chosen[cs_id][user_id] = locale
    site_locales = {}
    for cs_id, users in chosen.items():
        counts = Counter(users.values())
        top, n = counts.most_common(1)[0]
        site_locales[cs_id] = DEFAULT_LOCALE if list(counts.values()).count(n) > 1 else top
    return site_locales, chair_locales


class OutboxWorker:
    def __init__(self, sessionmaker: async_sessionmaker, transport: Transport, ctx: MailContext, *,
                 clock: Callable[[], datetime] = utcnow, retry: RetryPolicy = RetryPolicy(),
                 batch_size: int = 50, lease: timedelta = timedelta(minutes=5), idle_seconds: float = 2.0) -> None:
        self._sessionmaker, self._transport, self._ctx = sessionmaker, transport, ctx
        self.clock, self.retry, self.batch_size, self.lease = clock, retry, batch_size, lease
        self.idle_seconds = idle_seconds
        self._domain = ctx.organizer.address.rpartition("@")[2] or "bridgepoint"
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._failures = LoopFailures(log, "outbox worker pass")

    # ---- running ----
    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._loop(), name="outbox-worker")

    async def stop(self, timeout: float = 10.0) -> None:
        if self._task is None:
            return
        self._stop.set()
        try:
            await asyncio.wait_for(self._task, timeout)
        except asyncio.TimeoutError:
            log.warning("outbox worker did not stop in %s s; its claimed messages return after the lease", timeout)
        self._task = None

    async def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                await self.drain()
            except Exception as e:  # broad on purpose: a database hiccup must not end the sender; next tick retries
                self._failures.failed(e)
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.idle_seconds)

    async def drain(self) -> int:
        """Send everything due now; returns how many messages were handled."""
        total = 0
        while not self._stop.is_set() and (n := await self.run_once()):
            total += n
        return total

    async def run_once(self) -> int:
        batch = await self._claim()
        if batch:
            await self._deliver(batch)
        return len(batch)

    # ---- claiming and recording ----
    async def _claim(self) -> list[OutboxMessage]:
        now, token = self.clock(), uuid4().hex
        is_due = or_(and_(M.status == MailStatus.pending, M.next_attempt_at <= now),
                     and_(M.status == MailStatus.sending, M.lease_until < now))
        due = (select(M.id).where(is_due).order_by(M.next_attempt_at, M.id).limit(self.batch_size)
               .with_for_update(skip_locked=True))
        async with self._sessionmaker() as s:
            # A plain read first, so an idle poll never takes SQLite's write lock.
            if not (await s.execute(select(exists().where(is_due)))).scalar():
                return []
            claimed = (await s.execute(
                update(M).where(M.id.in_(due.scalar_subquery()))
                .values(status=MailStatus.sending, claim_token=token, lease_until=now + self.lease,
                        attempts=M.attempts + 1)
                .returning(M.id).execution_options(synchronize_session=False))).scalars().all()
            await s.commit()
            if not claimed:
                return []
            return list((await s.execute(select(M).where(M.claim_token == token).order_by(M.id))).scalars())

    async def _record(self, s: AsyncSession, msg: OutboxMessage, *, error: str = "", permanent: bool = False,
                      letter: Letter | None = None) -> None:
        now = self.clock()
        if not error:
            values = dict(status=MailStatus.sent, sent_at=now, last_error="")
        elif permanent or msg.attempts >= self.retry.max_attempts:
            values = dict(status=MailStatus.failed, last_error=error[:500])
        else:
            values = dict(status=MailStatus.pending, next_attempt_at=now + self.retry.delay(msg.attempts),
                          last_error=error[:500])
        if letter is not None:
            values.update(subject=letter.subject[:300], message_id=letter.message_id)
        await s.execute(update(M).where(M.id == msg.id, M.claim_token == msg.claim_token)
                        .values(claim_token=None, lease_until=None, **values)
                        .execution_options(synchronize_session=False))
        await s.commit()

    async def _release(self, s: AsyncSession, msgs: list[OutboxMessage]) -> None:
        """Give back claimed messages untried (the worker is stopping): due again at once, no attempt counted."""
        for msg in msgs:
            await s.execute(update(M).where(M.id == msg.id, M.claim_token == msg.claim_token)
                            .values(status=MailStatus.pending, claim_token=None, lease_until=None,
                                    next_attempt_at=self.clock(), attempts=M.attempts - 1)
                            .execution_options(synchronize_session=False))
        await s.commit()

    # ---- delivering ----
    async def _deliver(self, batch: list[OutboxMessage]) -> None:
        todo = list(batch)
        async with self._sessionmaker() as s:
            try:
                async with self._transport.connect() as conn:
                    views = await self._load(s, todo)
                    await s.commit()  # end the read transaction (loaded rows stay usable) before the slow part
                    while todo and not self._stop.is_set():
                        msg = todo.pop(0)
                        try:
                            letter = await asyncio.to_thread(self._render, msg, views)
                        except Exception as e:  # broad on purpose: one broken message must not block the queue
                            log.exception("cannot render outbox message %s", msg.id)
                            await self._record(s, msg, error=f"render: {e}", permanent=True)
                            continue
                        try:
                            await conn.send(Envelope(msg.id, self._ctx.organizer.address, msg.recipient,
                                                     letter.data))
                        except DeliveryFailed as e:
                            await self._record(s, msg, error=str(e), permanent=e.permanent, letter=letter)
                        except TransportUnavailable:
                            todo.insert(0, msg)
                            raise
                        else:
                            await self._record(s, msg, letter=letter)
            except TransportUnavailable as e:
                log.warning("mail server unavailable, %d message(s) will be retried: %s", len(todo), e)
                for msg in todo:
                    await self._record(s, msg, error=str(e))
                todo = []
            await self._release(s, todo)

    async def _load(self, s: AsyncSession, batch: list[OutboxMessage]) -> _Views:
        inv_ids = [m.invitation_id for m in batch if m.kind is not MailKind.notice and m.invitation_id]
        notice_ids = {m.notice_id for m in batch if m.kind is MailKind.notice and m.notice_id}
        site_ids = {m.conference_site_id for m in batch if m.kind is MailKind.notice and m.conference_site_id}
        return _Views(await agenda_view.load(s, inv_ids, self._ctx), await notices.load_for_mail(s, notice_ids),
                      *await notice_locales(s, site_ids))

    def _message_id(self, msg: OutboxMessage) -> str:
        digest = hashlib.sha256(msg.idempotency_key.encode()).hexdigest()[:12]
        return f"<outbox-{msg.id}.{digest}@{self._domain}>"

    def _render(self, msg: OutboxMessage, views: _Views) -> Letter:
        """Build and flatten one message (CPU-bound: the worker runs it in a thread) in its reader's language:
        an invitation, update or cancellation in its delegate's (at the time it is sent), a notice in its point's
        (see `notice_locales`); the builders restore the caller's language afterwards."""
        common = dict(ctx=self._ctx, recipient=msg.recipient, message_id=self._message_id(msg), now=self.clock())
        if msg.kind is MailKind.notice:
            n = views.notices[msg.notice_id]  # type: ignore[index]
            site_name = n.site_names[msg.conference_site_id]  # type: ignore[index]
            letter = mail.notice_email(n.notice, n.conference, site_name, n.attachment,
                                       locale=views.notice_locale(msg), **common)
        else:
            agenda = views.agendas[msg.invitation_id]  # type: ignore[index]
            letter = mail.invitation_email(agenda, msg.kind, msg.reason, **common)
        return Letter(str(letter["Subject"]), str(letter["Message-ID"]), letter.as_bytes(policy=SMTP))
