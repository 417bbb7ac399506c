"""Invitation e-mail throughput: N invitations queued in one call, then rendered (agenda, QR pass, .ics) and
handed to a local SMTP server (aiosmtpd in its own process) by one outbox worker.

For SQLite (always) and PostgreSQL (when BRIDGEPOINT_TEST_POSTGRES_URL is set; a fresh database is created).
The server counts what it accepted; the run fails unless every delegate got exactly one message.
Prints one JSON line at the end.

    .venv/bin/python bench/mail.py [--invitations 5000] [--max-seconds 600] [--sqlite-only]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from domain.access import Principal  # noqa: E402
from domain.db import Base, make_engine, make_sessionmaker, recreate_database, utcnow  # noqa: E402
from domain.mail.transport import SmtpTransport  # noqa: E402
from domain.models import (AgendaItem, AgendaKind, BridgeSite, Conference, ConferenceSite,  # noqa: E402
                           ConferenceStatus, Delegate, Invitation, Role, SiteRole)
from domain.mail.worker import OutboxWorker  # noqa: E402
from domain.invitations.passes import Keyring  # noqa: E402
from domain.conferences.agenda_view import MailContext  # noqa: E402
from domain.mail.mailings import send_invitations  # noqa: E402
from domain.uow import UnitOfWork  # noqa: E402
from bench.support import free_port  # noqa: E402

SITES = 50
AGENDA = [(AgendaKind.opening, "Khai mạc", 10), (AgendaKind.report, "Báo cáo tổng kết công tác năm", 40),
          *[(AgendaKind.discussion, f"Tham luận của đơn vị {i}", 10) for i in range(1, 7)],
          (AgendaKind.speech, "Phát biểu chỉ đạo của Thủ trưởng Bộ", 30), (AgendaKind.conclusion, "Bế mạc", 10)]


def smtp_server(port: int, accepted: Any, distinct: Any, size: Any, ready: Any) -> None:
    """A counting aiosmtpd server (runs in a child process): messages, distinct recipients, bytes."""
    from aiosmtpd.controller import Controller

    seen: set[str] = set()

    class Count:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            seen.update(envelope.rcpt_tos)
            accepted.value += len(envelope.rcpt_tos)
            distinct.value = len(seen)
            size.value += len(envelope.content)
            return "250 OK"

    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


async def fresh_postgres(url: str) -> str:
    return await recreate_database(url, f"bp_bench_mail_{os.getpid()}")


async def load(engine: Any, invitations: int) -> int:
    """A scheduled conference at SITES points with an agenda and `invitations` delegates with e-mail."""
    now = utcnow()
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        conf_id = (await conn.execute(insert(Conference).returning(Conference.id), [dict(
            title="Hội nghị tổng kết công tác văn phòng (benchmark)", starts_at=now + timedelta(days=7),
            ends_at=now + timedelta(days=7, hours=3), status=ConferenceStatus.scheduled)])).scalar_one()
        site_ids = (await conn.execute(insert(BridgeSite).returning(BridgeSite.id), [
            dict(code=f"B{i:03d}", name=f"Điểm cầu {i}", address=f"Số {i}, Hà Nội") for i in range(SITES)])
                    ).scalars().all()
        cs_ids = (await conn.execute(insert(ConferenceSite).returning(ConferenceSite.id), [
            dict(conference_id=conf_id, site_id=sid, role=SiteRole.host if i == 0 else SiteRole.remote)
            for i, sid in enumerate(site_ids)])).scalars().all()
        t = now + timedelta(days=7)
        rows = []
        for position, (kind, title, minutes) in enumerate(AGENDA, start=1):
            rows.append(dict(conference_id=conf_id, position=position, kind=kind, title=title, planned_start=t,
                             duration_minutes=minutes))
            t += timedelta(minutes=minutes)
        await conn.execute(insert(AgendaItem), rows)
        delegate_ids = (await conn.execute(insert(Delegate).returning(Delegate.id), [
            dict(full_name=f"Đại biểu {i}", rank="Đại tá", email=f"daibieu{i}@bench.bqp.vn")
            for i in range(invitations)])).scalars().all()
        await conn.execute(insert(Invitation), [
            dict(conference_id=conf_id, delegate_id=d, conference_site_id=cs_ids[i % SITES])
            for i, d in enumerate(delegate_ids)])
    return conf_id


async def run(url: str, backend: str, invitations: int, max_seconds: float, keys: Path) -> dict[str, Any]:
    port = free_port()
    accepted, distinct, size = (multiprocessing.Value("i", 0), multiprocessing.Value("i", 0),
                                multiprocessing.Value("q", 0))
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=smtp_server, args=(port, accepted, distinct, size, ready), daemon=True)
    server.start()
    engine = make_engine(url)
    try:
        if not ready.wait(30):
            raise RuntimeError("the SMTP server did not start")
        conf_id = await load(engine, invitations)
        sessionmaker = make_sessionmaker(engine)
        organizer = Principal(user_id=None, username="bench", role=Role.organizer)
        started = time.perf_counter()
        report = await send_invitations(UnitOfWork(sessionmaker), organizer, conf_id)
        queued_s = time.perf_counter() - started
        ctx = MailContext(Keyring.load_or_create(keys), "https://hoinghi.bqp.vn", "Văn phòng <vanphong@bqp.vn>")
        worker = OutboxWorker(sessionmaker, SmtpTransport(f"smtp://127.0.0.1:{port}"), ctx)
        started, sent = time.perf_counter(), 0
        while sent < report.queued and time.perf_counter() - started < max_seconds:
            sent += await worker.run_once()
        send_s = time.perf_counter() - started
        await asyncio.sleep(0.2)  # the server counts the last message after answering it
        if not report.queued == accepted.value == distinct.value == invitations:
            raise RuntimeError(f"queued {report.queued}, server accepted {accepted.value} messages for "
                               f"{distinct.value} recipients, of {invitations}")
        return {"backend": backend, "invitations": invitations, "queue_seconds": round(queued_s, 2),
                "send_seconds": round(send_s, 1), "messages_per_second": round(accepted.value / send_s, 1),
                "mean_message_kib": round(size.value / accepted.value / 1024, 1)}
    finally:
        await engine.dispose()
        server.terminate()
        server.join(5)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invitations", type=int, default=5000)
    parser.add_argument("--max-seconds", type=float, default=600.0, help="give up sending after this long")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="bp-bench-mail-") as tmp:
        results.append(await run(f"sqlite+aiosqlite:///{tmp}/bench.db", "sqlite", args.invitations,
                                 args.max_seconds, Path(tmp) / "keys"))
        pg = os.environ.get("BRIDGEPOINT_TEST_POSTGRES_URL")
        if pg and not args.sqlite_only:
            results.append(await run(await fresh_postgres(pg), "postgres", args.invitations, args.max_seconds,
                                     Path(tmp) / "keys"))
    print(json.dumps({"benchmark": "mail", "runs": results}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
