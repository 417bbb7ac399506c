"""Check-in throughput: concurrent scanners posting valid passes to a real `bridgepoint serve` over HTTP.

For SQLite (always) and PostgreSQL (when BRIDGEPOINT_TEST_POSTGRES_URL is set; a fresh database is created):
50 bridge points with one operator each and two live conferences are loaded straight into the database, one
server process is started on a free loopback port, and then
  1. sustained: SCANNERS scanners (keep-alive connections, each an operator at their own point) check in
     distinct delegates of a conference big enough to last the phase, as fast as answers come;
  2. paced: passes of a conference of a few thousand delegates arrive at a fixed RATE per second, each
     latency measured from its scheduled send time (so queueing cannot hide).
Every scan must come back `ok`. Prints one JSON line at the end.

    .venv/bin/python bench/checkin.py [--seconds 12] [--scanners 32] [--rate 200] [--workers 1]
                                      [--sqlite-only | --postgres-only]

`--workers N` runs `bridgepoint serve --workers N` (one listening socket shared by N processes; their CPU is
summed). The issue-15 target is `--postgres-only --scanners 16`: ≥ 1,500 check-ins/s with one worker.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict, deque
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from domain.db import Base, make_engine, recreate_database, utcnow  # noqa: E402
from domain.migrate import upgrade  # noqa: E402
from domain.models import (ApiToken, BridgeSite, Conference, ConferenceSite, ConferenceStatus, Delegate,  # noqa: E402
                           Invitation, Role, SiteRole, User, user_sites)
from domain.invitations.passes import Keyring, encode_pass  # noqa: E402
from domain.users.service import token_digest  # noqa: E402
from bench.support import cpu_seconds, free_port  # noqa: E402

SITES = 50
Scan = tuple[str, int, str]  # operator's bearer token, conference site id, pass


async def fresh_postgres(url: str) -> str:
    return await recreate_database(url, f"bp_bench_checkin_{os.getpid()}")


async def load(url: str, keys: Path, sizes: list[int]) -> list[tuple[int, list[Scan]]]:
    """The schema, the bridge points with one operator each, and a live conference of each size with its
    delegates spread over the points. Returns per conference its id and (token, conference site, pass)s."""
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    ring = Keyring.load_or_create(keys)
    now = utcnow()
    out = []
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)  # tables whose migration is not written yet
        site_ids = (await conn.execute(insert(BridgeSite).returning(BridgeSite.id), [
            dict(code=f"B{i:03d}", name=f"Điểm cầu {i}") for i in range(SITES)])).scalars().all()
        user_ids = (await conn.execute(insert(User).returning(User.id), [
            dict(username=f"op{i}", password_hash="!", role=Role.operator) for i in range(SITES)])).scalars().all()
        await conn.execute(user_sites.insert(), [dict(user_id=u, site_id=s) for u, s in zip(user_ids, site_ids)])
        tokens = [secrets.token_urlsafe(32) for _ in user_ids]
        await conn.execute(insert(ApiToken), [dict(token_hash=token_digest(t), user_id=u,
                                                   expires_at=now + timedelta(hours=2))
                                              for t, u in zip(tokens, user_ids)])
        for n, size in enumerate(sizes):
            conf_id = (await conn.execute(insert(Conference).returning(Conference.id), [dict(
                title=f"Hội nghị trực tuyến toàn quân {n + 1} (benchmark)", starts_at=now + timedelta(minutes=30),
                ends_at=now + timedelta(hours=4), status=ConferenceStatus.live)])).scalar_one()
            cs_ids = (await conn.execute(insert(ConferenceSite).returning(ConferenceSite.id), [
                dict(conference_id=conf_id, site_id=sid, role=SiteRole.host if i == 0 else SiteRole.remote)
                for i, sid in enumerate(site_ids)])).scalars().all()
            delegate_ids = (await conn.execute(insert(Delegate).returning(Delegate.id), [
                dict(full_name=f"Đại biểu {n}-{i}", rank="Đại tá", search=f"dai bieu {n}-{i}")
                for i in range(size)])).scalars().all()
            invitations = (await conn.execute(
                insert(Invitation).returning(Invitation.id, Invitation.conference_site_id), [
                    dict(conference_id=conf_id, delegate_id=d, conference_site_id=cs_ids[i % SITES])
                    for i, d in enumerate(delegate_ids)])).all()
            token_of = dict(zip(cs_ids, tokens))
            out.append((conf_id, [(token_of[cs], cs, encode_pass(ring, conf_id, inv, cs, 1))
                                  for inv, cs in invitations]))
    await engine.dispose()
    return out


class Server:
    def __init__(self, url: str, data_dir: Path, workers: int = 1, cpus: set[int] | None = None) -> None:
        """`cpus`: the cores the server may run on (its own machine, in a benchmark that also runs a browser)."""
        self.port = free_port()
        env = {**os.environ, "BRIDGEPOINT_DATABASE_URL": url, "BRIDGEPOINT_DATA_DIR": str(data_dir)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(workers), "--log-level", "warning"], cwd=ROOT, env=env,
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)

    async def ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.write(b"GET /health HTTP/1.1\r\nhost: bench\r\n\r\n")
                status = await reader.readline()
                writer.close()
                if b" 200 " in status:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("the server exited")
            await asyncio.sleep(0.2)
        raise RuntimeError("the server did not come up")

    def cpu_seconds(self) -> float:
        """User + system CPU time the server's processes (the workers too) have used so far."""
        total = 0.0
        for pid in [self.proc.pid, *_children(self.proc.pid)]:
            try:
                total += cpu_seconds(pid)
            except OSError:
                pass
        return total

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _children(pid: int) -> list[int]:
    try:
        kids = [int(k) for k in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return kids + [g for k in kids for g in _children(k)]


class Connection:
    """One scanner: a keep-alive HTTP/1.1 connection posting scans (a lean client, so the load generator
    does not eat the CPU the server is measured on)."""

    def __init__(self, port: int, conf_id: int) -> None:
        self.port, self.path = port, f"/api/conferences/{conf_id}/checkin/scan".encode()

    async def open(self) -> "Connection":
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def scan(self, token: str, cs_id: int, text_: str) -> str:
        body = json.dumps({"text": text_, "conference_site_id": cs_id, "nonce": secrets.token_hex(8)}).encode()
        request = (b"POST %s HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\n"
                   b"authorization: Bearer %s\r\ncontent-length: %d\r\n\r\n%s"
                   % (self.path, token.encode(), len(body), body))
        try:
            status, answer = await self._exchange(request)
        except (asyncio.IncompleteReadError, ConnectionError):
            status, answer = 0, b""
        if status in (0, 408):
            # The server closed this connection while it waited for its turn (a keep-alive connection silent for
            # 5 s, or one that sent nothing for 10 s: answered 408): happens at a low --rate. Send again on a new
            # one, with the same nonce, so a scan the server did take is answered as before and recorded once.
            self.close()
            await self.open()
            status, answer = await self._exchange(request)
        data = json.loads(answer)
        return str(data.get("result") or data)

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        return int(head.split(b" ", 2)[1]), await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def sustained(port: int, conf_id: int, queues: list[deque[Scan]], seconds: float) -> dict[str, Any]:
    """One scanner per bridge point, each scanning its own point's passes back to back."""
    conns = [await Connection(port, conf_id).open() for _ in queues]
    latencies: list[float] = []
    bad: dict[str, int] = {}
    stop = time.monotonic() + seconds

    async def run(conn: Connection, queue: deque[Scan]) -> None:
        while queue and time.monotonic() < stop:
            t0 = time.monotonic()
            result = await conn.scan(*queue.popleft())
            latencies.append(time.monotonic() - t0)
            if result != "ok":
                bad[result] = bad.get(result, 0) + 1

    started = time.monotonic()
    await asyncio.gather(*(run(c, q) for c, q in zip(conns, queues)))
    elapsed = time.monotonic() - started
    for c in conns:
        c.close()
    return {"scanners": len(queues), "seconds": round(elapsed, 1), "check_ins": len(latencies),
            "per_second": round(len(latencies) / elapsed, 1), "p50_ms": round(percentile(latencies, 0.5), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1), "max_ms": round(max(latencies, default=0) * 1000, 1),
            "not_ok": bad}


async def paced(port: int, conf_id: int, scans: list[Scan], seconds: float, rate: int) -> dict[str, Any]:
    """A fixed arrival rate; latency counts from the scheduled send, so a slow server cannot hide queueing."""
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(64):
        idle.put_nowait(await Connection(port, conf_id).open())
    latencies: list[float] = []
    bad: dict[str, int] = {}

    async def one(due: float, scan: Scan) -> None:
        conn = await idle.get()
        result = await conn.scan(*scan)
        latencies.append(time.monotonic() - due)
        idle.put_nowait(conn)
        if result != "ok":
            bad[result] = bad.get(result, 0) + 1

    start = time.monotonic() + 0.1
    tasks = []
    for i, scan in enumerate(scans[: int(seconds * rate)]):
        due = start + i / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        tasks.append(asyncio.create_task(one(due, scan)))
    await asyncio.gather(*tasks)
    while not idle.empty():
        idle.get_nowait().close()
    return {"rate": rate, "check_ins": len(latencies), "p50_ms": round(percentile(latencies, 0.5), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1), "max_ms": round(max(latencies) * 1000, 1),
            "not_ok": bad}


async def bench(backend: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bp-bench-") as tmp:
        data = Path(tmp)
        url = url or f"sqlite+aiosqlite:///{data / 'bench.db'}"
        per_site = int(args.seconds * 2500 * max(1, args.workers) / min(args.scanners, SITES)) + 40
        (big, scans), (usual, paced_scans) = await load(url, data / "keys", [
            per_site * SITES, int(args.seconds * args.rate) + 600])
        queues: dict[int, deque[Scan]] = defaultdict(deque)
        for scan in scans:
            queues[scan[1]].append(scan)
        scanners = list(queues.values())[: args.scanners]
        server = Server(url, data, args.workers)
        try:
            await server.ready()
            await sustained(server.port, big, [deque(q.popleft() for _ in range(20)) for q in scanners], 2)
            cpu_before = server.cpu_seconds()
            fast = await sustained(server.port, big, scanners, args.seconds)
            fast["server_cpu_ms_per_check_in"] = round(
                (server.cpu_seconds() - cpu_before) * 1000 / max(fast["check_ins"], 1), 2)
            steady = await paced(server.port, usual, paced_scans, args.seconds, args.rate)
        finally:
            server.stop()
        return {"backend": backend, "workers": args.workers, "sustained": {"invitations": len(scans), **fast},
                "paced": {"invitations": len(paced_scans), **steady}}


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=12)
    ap.add_argument("--scanners", type=int, default=32)
    ap.add_argument("--rate", type=int, default=200)
    ap.add_argument("--workers", type=int, default=1)
    only = ap.add_mutually_exclusive_group()
    only.add_argument("--sqlite-only", action="store_true")
    only.add_argument("--postgres-only", action="store_true")
    args = ap.parse_args()
    runs = [] if args.postgres_only else [await bench("sqlite", "", args)]
    pg = os.environ.get("BRIDGEPOINT_TEST_POSTGRES_URL")
    if args.postgres_only and not pg:
        print("--postgres-only: BRIDGEPOINT_TEST_POSTGRES_URL is not set (make bench starts a server)", file=sys.stderr)
        return 2
    if pg and not args.sqlite_only:
        runs.append(await bench("postgres", await fresh_postgres(pg), args))
    summary = {"bench": "checkin", "cpus": os.cpu_count(), "runs": runs}
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
