"""Check-in storm at national size: PostgreSQL + Redis, two workers, screens on both, scans at every point.

The national fixture (`bridgepoint demo --points 10000 --delegates 100000`, domain/demo/scale.py) is loaded once
into a fresh PostgreSQL database and its conference set live. Then, for each variant, `bridgepoint serve
--workers 2` is started on a redis-server of this script's own, SCREENS live-view screens (websocket clients,
each keeping a LiveState and reconnecting with `since` like the pages do) connect, and SCANNERS desks scan one
pass at every point (another delegate of each point per variant), each scan sent again with the same nonce
until it gets an answer (a desk after a timeout or a reset connection). Variants:

  plain  afterwards every screen's counts (totals and every point's `present`) equal the database within 1 s;
  kill   one worker is SIGKILLed when 40 % of the scans are answered: no scan answered `ok` is lost (each has its
         presence row, none twice), its screens reconnect to the other worker and resync, then as `plain`;
  redis  Redis is stopped at 20 % for --redis-outage seconds (30) and started again empty: check-ins keep being
         answered meanwhile, and every screen equals the database within 5 s of Redis coming back.

Also printed: memory of the live state per point (RSS of the workers before and after the national
conference's room is opened; the live state holds counts per point, nothing per delegate), screens per worker,
check-ins per second. Loopback only; every wait is bounded. Prints one JSON line per variant and a summary;
exits 1 if a variant misses its target.

    .venv/bin/python bench/storm.py [--quick] [--variants plain,kill,redis] [--points 10000] [--delegates 100000]
                                    [--screens 200] [--scanners 16] [--redis-outage 30]

Needs BRIDGEPOINT_TEST_POSTGRES_URL (`make bench` starts a throwaway server) and redis-server on the PATH.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import msgspec  # noqa: E402
from sqlalchemy import select, text, update  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from bench.checkin import Server, _children  # noqa: E402
from domain.checkin.attendance import attendance  # noqa: E402
from domain.db import make_engine, make_sessionmaker, recreate_database  # noqa: E402
from domain.invitations.passes import Keyring, encode_pass  # noqa: E402
from domain.models import ACTIVE_INVITATION, Conference, ConferenceStatus, Invitation  # noqa: E402
from realtime.state import LiveState  # noqa: E402
from tests.support.faults import RedisProcess  # noqa: E402
from tests.support.realtime import user_token  # noqa: E402

TARGET_SECONDS = {"plain": 1.0, "kill": 1.0, "redis": 5.0}


# ---------------------------------------------------------------- the fixture
def load_fixture(url: str, data: Path, points: int, delegates: int) -> int:
    env = {**os.environ, "BRIDGEPOINT_DATABASE_URL": url, "BRIDGEPOINT_DATA_DIR": str(data)}
    env.pop("BRIDGEPOINT_REDIS_URL", None)
    out = subprocess.run([sys.executable, "-m", "api.cli", "demo", "--points", str(points), "--delegates",
                          str(delegates)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(f"bridgepoint demo failed: {out.stderr[-2000:]}")
    line = next(x for x in out.stdout.splitlines() if x.startswith("scale-conference-id:"))
    return int(line.split(":")[1])


async def passes(url: str, keys: Path, conf_id: int) -> dict[int, list[tuple[int, int, str]]]:
    """Per conference site, its active invitations as (invitation, conference site, pass); the conference is set
    live (check-in open)."""
    ring = Keyring.load_or_create(keys)
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(update(Conference).where(Conference.id == conf_id).values(status=ConferenceStatus.live))
        rows = (await conn.execute(
            select(Invitation.id, Invitation.conference_site_id, Invitation.pass_version)
            .where(Invitation.conference_id == conf_id, Invitation.status.in_(ACTIVE_INVITATION))
            .order_by(Invitation.id))).all()
    await engine.dispose()
    by_site: dict[int, list[tuple[int, int, str]]] = {}
    for inv, cs, version in rows:
        by_site.setdefault(cs, []).append((inv, cs, encode_pass(ring, conf_id, inv, cs, version)))
    return by_site


async def database_counts(sessionmaker: Any, conf_id: int) -> tuple[dict[str, int], dict[int, int]]:
    async with sessionmaker() as s:
        att = (await attendance(s, conf_id)).to_dict()
    return att["totals"], {site["conference_site_id"]: site["present"] for site in att["sites"]}


# ---------------------------------------------------------------- screens
COUNTING_FRAMES = ("snapshot", "sites", "attendance")
# 200 screens share this one process (a real screen has a core of its own and a browser's native JSON.parse):
# msgspec's decoder parses a frame of thousands of points 2.5 times faster than the json module here.
DECODE = msgspec.json.Decoder().decode
class Screen:
    """One live-view screen: keeps its state from the frames, reconnects with `since` after any close."""

    def __init__(self, port: int, conf_id: int, token: str) -> None:
        self.url = f"ws://127.0.0.1:{port}/ws/conferences/{conf_id}?token={token}"
        self.state: LiveState | None = None
        self.connections = 0
        self.closes: Counter[int] = Counter()
        self.degraded_frames = 0
        self.resyncs = 0  # snapshots after the first
        self.timeline: list[tuple[float, str, int, int]] | None = None  # (when, type, bytes, points) if kept
        self.recovered_frames = 0  # "no longer degraded"
        self.resync_bytes = 0  # snapshots after the first, and the changes sent after a re-read
        self.changed_at = 0.0  # monotonic time this screen last applied a frame that can change its counts
        self.ready = asyncio.Event()
        self.task = asyncio.create_task(self.run())

    async def run(self) -> None:
        while True:
            since = f"&since={self.state.seq}" if self.state is not None else ""
            try:
                async with connect(self.url + since, open_timeout=20, max_size=2**26, ping_interval=None) as ws:
                    self.connections += 1
                    async for message in ws:
                        frame = DECODE(message)
                        if self.timeline is not None and frame["type"] != "error":
                            self.timeline.append((time.monotonic(), frame["type"], len(message),
                                                  len(frame.get("sites") or ())))
                        if frame["type"] == "snapshot":
                            if self.state is not None:
                                self.resyncs += 1
                                self.resync_bytes += len(message)
                            self.state = self.state or LiveState()
                            self.ready.set()
                        elif frame["type"] == "degraded":
                            if frame.get("degraded", True):
                                self.degraded_frames += 1
                            else:
                                self.recovered_frames += 1
                        elif frame.get("resync"):  # what differs, sent after a re-read
                            self.resync_bytes += len(message)
                        if self.state is not None:
                            self.state.apply(frame)
                            if frame["type"] in COUNTING_FRAMES:
                                self.changed_at = time.monotonic()
                    self.closes[ws.close_code or 0] += 1
            except asyncio.CancelledError:
                raise
            except Exception:
                self.closes[-1] += 1
            await asyncio.sleep(0.2 + random.random() * 0.5)

    def matches(self, totals: dict[str, int], present: dict[int, int]) -> bool:
        st = self.state
        if st is None or any(st.totals.get(k) != v for k, v in totals.items() if k in st.totals):
            return False
        return all(st.sites.get(cs, {}).get("present") == n for cs, n in present.items())

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


# ---------------------------------------------------------------- desks
class Desk:
    """A scanner on a keep-alive HTTP connection; a scan is sent again with its nonce until it is answered."""

    def __init__(self, port: int, conf_id: int, token: str) -> None:
        self.port, self.token = port, token
        self.path = f"/api/conferences/{conf_id}/checkin/scan".encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.retries = 0

    async def _post(self, body: bytes) -> tuple[int, dict[str, Any]]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(b"POST %s HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\n"
                          b"authorization: Bearer %s\r\ncontent-length: %d\r\n\r\n%s"
                          % (self.path, self.token.encode(), len(body), body))
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        return status, json.loads(await self.reader.readexactly(length))

    def _drop(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def scan(self, cs: int, text_: str, deadline: float) -> dict[str, Any]:
        body = json.dumps({"text": text_, "conference_site_id": cs, "nonce": secrets.token_hex(8)}).encode()
        while True:
            try:
                status, answer = await asyncio.wait_for(self._post(body), 10)
                if status == 200:
                    return answer
                self.retries += 1  # 503 database_unavailable and the like: the same nonce again
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError, IndexError):
                self.retries += 1
                self._drop()
            if time.monotonic() > deadline:
                raise RuntimeError("a scan got no answer before the deadline")
            await asyncio.sleep(0.2)


# ---------------------------------------------------------------- measuring
def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def worker_pids(server: Server) -> list[int]:
    """The uvicorn worker processes of `serve --workers N` (not multiprocessing's resource tracker)."""
    out = []
    for pid in _children(server.proc.pid):
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                out.append(pid)
        except OSError:
            pass
    return out


def connections_per_worker(port: int, pids: list[int]) -> dict[int, int]:
    """Established connections to `port` held by each worker process (from /proc/net/tcp and the fds)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[3] == "01" and int(f[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f[9])
    out = {}
    for pid in pids:
        n = 0
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    link = os.readlink(fd)
                except OSError:
                    continue
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    n += 1
        except OSError:
            pass
        out[pid] = n
    return out


async def converge(screens: list[Screen], sessionmaker: Any, conf_id: int, since: float, limit: float
                   ) -> float | None:
    """Seconds after `since` until every screen equals the database (None: not within `limit` + 10 s).

    Once every screen equals the database, the time is taken from the screens themselves: the last moment any of
    them applied a frame that could change its counts (from then on each held the final state). Comparing 200
    screens of 10,000 points with the database takes this process a good part of a second on a slow core, so the
    moment of the comparison would measure the checker, not the screens."""
    while time.monotonic() - since < limit + 10:
        totals, present = await database_counts(sessionmaker, conf_id)
        matched = True
        for screen in screens:
            if not screen.matches(totals, present):
                matched = False
                break
            await asyncio.sleep(0)  # frames keep arriving while the screens are compared
        if matched and all(s.matches(totals, present) for s in screens):
            return round(max(0.0, max(s.changed_at for s in screens) - since), 2)
        await asyncio.sleep(0.05)
    return None


async def run_variant(variant: str, args: argparse.Namespace, url: str, data: Path, conf_id: int,
                      by_site: dict[int, list[tuple[int, int, str]]], slot: int, redis: RedisProcess,
                      sessionmaker: Any, token: str) -> dict[str, Any]:
    os.environ.update({"BRIDGEPOINT_REDIS_URL": redis.url, "BRIDGEPOINT_REDIS_PREFIX": f"bpstorm{slot}"})
    server = Server(url, data, workers=2)
    result: dict[str, Any] = {"variant": variant}
    screens: list[Screen] = []
    try:
        await server.ready()
        await asyncio.sleep(1.0)  # both workers up
        workers = worker_pids(server)
        before = {pid: rss_kib(pid) for pid in workers}
        screens = []
        for _ in range(args.screens):  # over time, as screens are switched on: the workers take turns
            screens.append(Screen(server.port, conf_id, token))
            await asyncio.sleep(0.02)
        await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in screens)), 300)
        after = {pid: rss_kib(pid) for pid in workers}
        spread = connections_per_worker(server.port, workers)
        rooms = [pid for pid in workers if spread.get(pid)]
        grown = sum(after[p] - before[p] for p in rooms) / max(len(rooms), 1)
        result["screens_per_worker"] = sorted(spread.values(), reverse=True)
        result["live_state"] = {"worker_rss_growth_kib": round(grown), "points": len(by_site),
                                "screens_on_that_worker": round(args.screens / max(len(rooms), 1)),
                                "bytes_per_point_upper_bound": round(grown * 1024 / max(len(by_site), 1)),
                                "bytes_per_delegate": 0}

        scans = [site[slot % len(site)] for site in by_site.values() for _ in range(args.per_point)]
        random.Random(slot).shuffle(scans)
        total, answered = len(scans), Counter()
        ok_invitations: set[int] = set()
        deadline = time.monotonic() + max(600.0, total / 20)
        queue = list(reversed(scans))
        desks = [Desk(server.port, conf_id, token) for _ in range(args.scanners)]
        during_outage = {"answered": 0}
        outage = {"active": False}
        fault_at = {"kill": 0.4, "redis": 0.2}.get(variant)
        fault_started = asyncio.Event()

        async def desk_loop(desk: Desk) -> None:
            while queue:
                inv, cs, pass_text = queue.pop()
                answer = await desk.scan(cs, pass_text, deadline)
                answered[answer["result"]] += 1
                if outage["active"]:
                    during_outage["answered"] += 1
                if answer["result"] == "ok":
                    ok_invitations.add(inv)
                if fault_at is not None and sum(answered.values()) >= fault_at * total:
                    fault_started.set()
            desk._drop()

        fault_info: dict[str, Any] = {}

        async def fault() -> None:
            if fault_at is None:
                return
            await fault_started.wait()
            if variant == "kill":
                victim = worker_pids(server)[0]
                fault_info["screens_on_killed_worker"] = connections_per_worker(server.port, [victim])[victim]
                os.kill(victim, signal.SIGKILL)
                fault_info["killed_pid"] = victim
            else:
                redis.stop()
                outage["active"] = True
                t0 = time.monotonic()
                await asyncio.sleep(args.redis_outage)
                outage["active"] = False
                redis.start()
                fault_info["redis_down_seconds"] = round(time.monotonic() - t0, 1)
                fault_info["redis_back_at"] = time.monotonic()

        screens[0].timeline = []
        connections_before = sum(s.connections for s in screens)
        started = time.monotonic()
        await asyncio.gather(fault(), *(desk_loop(d) for d in desks))
        elapsed = time.monotonic() - started
        back = fault_info.pop("redis_back_at", time.monotonic())
        reference = max(time.monotonic(), back)
        limit = TARGET_SECONDS[variant]
        seconds = await converge(screens, sessionmaker, conf_id, reference, limit)
        if seconds is None:  # what the screens that did not converge hold
            totals, present = await database_counts(sessionmaker, conf_id)
            result["not_converged"] = Counter(
                "no state" if sc.state is None else
                "totals" if any(sc.state.totals.get(k) != v for k, v in totals.items() if k in sc.state.totals) else
                "points" for sc in screens if not sc.matches(totals, present))
            off = [sc for sc in screens if sc.state is not None and not sc.matches(totals, present)]
            if off:
                result["points_off_on_one_screen"] = sum(
                    1 for cs, n in present.items() if off[0].state.sites.get(cs, {}).get("present") != n)

        async with sessionmaker() as s:
            have = set((await s.execute(text(
                "SELECT invitation_id FROM presences WHERE conference_id = :c AND invitation_id = ANY(:ids)"),
                {"c": conf_id, "ids": sorted(ok_invitations)})).scalars())
            twice = (await s.execute(text(
                "SELECT count(*) FROM (SELECT invitation_id FROM checkin_scans WHERE conference_id = :c "
                "AND result = 'ok' GROUP BY invitation_id HAVING count(*) > 1) t"), {"c": conf_id})).scalar_one()
        lost = len(ok_invitations - have)
        result.update({
            "scans": total, "answers": dict(answered), "seconds": round(elapsed, 1),
            "per_second": round(total / elapsed, 1), "desk_retries": sum(d.retries for d in desks),
            "ok_lost": lost, "checked_in_twice": twice, "converged_seconds": seconds, "target_seconds": limit,
            "screen_reconnects": sum(s.connections for s in screens) - connections_before,
            "screen_resync_snapshots": sum(s.resyncs for s in screens),
            "screens_told_recovered": sum(1 for s in screens if s.recovered_frames),
            "resync_mb_per_screen": round(sum(s.resync_bytes for s in screens) / max(len(screens), 1) / 1e6, 2),
            "screens_told_degraded": sum(1 for s in screens if s.degraded_frames), **fault_info})
        if variant == "redis":
            result["answered_while_redis_down"] = during_outage["answered"]
            # one screen's frames from Redis's return: what the convergence time is made of
            result["one_screen_after_redis_back"] = [
                [round(t - back, 2), kind, size, n] for t, kind, size, n in screens[0].timeline or () if t >= back]
            result["all_scans_answered_after_redis_back_s"] = round(started + elapsed - back, 2)
        result["screens_per_worker_after"] = sorted(
            connections_per_worker(server.port, worker_pids(server)).values(), reverse=True)
        result["passed"] = (seconds is not None and seconds <= limit and lost == 0 and twice == 0
                            and set(answered) <= {"ok", "already_checked_in"}
                            and (variant != "redis" or during_outage["answered"] > 0))
        return result
    finally:
        for s in screens:
            await s.stop()
        server.stop()


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a smoke run: 300 points, 3,000 delegates, 20 screens, "
                                                         "Redis down 5 s")
    ap.add_argument("--variants", default="plain,kill,redis")
    ap.add_argument("--points", type=int)
    ap.add_argument("--delegates", type=int)
    ap.add_argument("--screens", type=int)
    ap.add_argument("--scanners", type=int, default=16)
    ap.add_argument("--per-point", type=int, default=1, help="scans per point and variant")
    ap.add_argument("--redis-outage", type=float)
    args = ap.parse_args()
    args.points = args.points or (300 if args.quick else 10_000)
    args.delegates = args.delegates or (3_000 if args.quick else 100_000)
    args.screens = args.screens or (20 if args.quick else 200)
    args.redis_outage = args.redis_outage or (5.0 if args.quick else 30.0)
    pg = os.environ.get("BRIDGEPOINT_TEST_POSTGRES_URL")
    if not pg:
        print("BRIDGEPOINT_TEST_POSTGRES_URL is not set (make bench starts a throwaway server)", file=sys.stderr)
        return 2
    variants = [v for v in args.variants.split(",") if v]
    if not set(variants) <= set(TARGET_SECONDS):
        ap.error(f"--variants: choose from {', '.join(TARGET_SECONDS)}")
    redis = RedisProcess()
    redis.start()
    runs = []
    try:
        with tempfile.TemporaryDirectory(prefix="bp-bench-storm-") as tmp:
            data = Path(tmp)
            url = await recreate_database(pg, f"bp_bench_storm_{os.getpid()}")
            t0 = time.monotonic()
            conf_id = await asyncio.to_thread(load_fixture, url, data, args.points, args.delegates)
            loaded = round(time.monotonic() - t0, 1)
            by_site = await passes(url, data / "keys", conf_id)
            token = await user_token(url, "storm-organizer", "organizer")
            engine = make_engine(url)
            sessionmaker = make_sessionmaker(engine)
            print(json.dumps({"fixture": {"points": args.points, "delegates": args.delegates,
                                          "load_seconds": loaded}}), flush=True)
            for slot, variant in enumerate(variants):
                run = await run_variant(variant, args, url, data, conf_id, by_site, slot, redis, sessionmaker,
                                        token)
                print(json.dumps(run), flush=True)
                runs.append(run)
            await engine.dispose()
    finally:
        redis.close()
    summary = {"bench": "storm", "cpus": os.cpu_count(), "points": args.points, "delegates": args.delegates,
               "screens": args.screens, "scanners": args.scanners, "runs": runs,
               "passed": all(r["passed"] for r in runs)}
    print(json.dumps(summary))
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
