"""Fan-out benchmark: N websocket screens on one conference, against bridgepoint and a raw `websockets` server.

For each N (default 1,000 / 5,000 / 10,000) and each server, client processes open N/P sockets each and wait
idle; the server's RSS is read before and after (memory per idle subscriber); then the state changes K times
and every client notes when each change arrives. Latency is measured two ways:

* fan-out: client receive time − the frame's server time `at` (when the server handed the frame out);
* end to end (bridgepoint only): receive time − when the HTTP request that changed the state was sent
  (includes the database write and the ≤250 ms tick that coalesces changes).

Loopback only. Prints one JSON line per run on stderr and the summary as the last line on stdout.

    python bench/fanout.py [--sizes 1000,5000,10000] [--changes 20] [--procs 4] [--deflate]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import cpu_seconds  # noqa: E402


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def parse_at(at: str) -> float:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()


# ---------------------------------------------------------------- raw baseline server
async def raw_server(fd: int) -> None:
    """The least a broadcast can cost: websockets' own server and broadcast(), no framework, no state."""
    from websockets.asyncio.server import broadcast, serve

    screens: set[Any] = set()

    async def handler(ws: Any) -> None:
        if ws.request.path == "/trigger":
            async for message in ws:
                broadcast(screens, json.dumps({"type": "change", "n": int(message),
                                               "at": datetime.now().astimezone().isoformat()}))
            return
        screens.add(ws)
        try:
            await ws.send(json.dumps({"type": "snapshot"}))
            await ws.wait_closed()
        finally:
            screens.discard(ws)

    async with serve(handler, sock=socket.socket(fileno=fd), compression=None, max_queue=16, backlog=4096):
        await asyncio.Future()


# ---------------------------------------------------------------- client process
async def client(url: str, count: int, changes: int, timeout: float, deflate: bool) -> None:
    from websockets.asyncio.client import connect

    arrivals: dict[int, list[tuple[float, float]]] = {}  # change number → [(received, at)]
    errors: list[str] = []
    ready = asyncio.Event()
    opened = 0
    gate = asyncio.Semaphore(100)
    all_done = asyncio.Event()
    finished = 0

    def change_number(frame: dict[str, Any]) -> int | None:
        if frame.get("type") == "change":
            return frame["n"]
        if frame.get("type") == "conference" and frame["conference"]["title"].startswith("bench "):
            return int(frame["conference"]["title"].split()[1])
        return None

    async def screen() -> None:
        nonlocal opened, finished
        try:
            async with gate:
                ws = await connect(url, compression="deflate" if deflate else None, open_timeout=60,
                                   ping_interval=None, max_queue=64)
                await asyncio.wait_for(ws.recv(), 60)
            opened += 1
            if opened == count:
                ready.set()
            seen = 0
            async with ws:
                while seen < changes:
                    frame = json.loads(await ws.recv())
                    n = change_number(frame)
                    if n is not None:
                        arrivals.setdefault(n, []).append((time.time(), parse_at(frame["at"])))
                        seen += 1
        except Exception as e:  # noqa: BLE001 - counted and reported, the run goes on
            errors.append(type(e).__name__)
            opened += 1
            if opened == count:
                ready.set()
        finally:
            finished += 1
            if finished == count:
                all_done.set()

    tasks = [asyncio.create_task(screen()) for _ in range(count)]
    await ready.wait()
    print(json.dumps({"ready": True}), flush=True)
    try:
        await asyncio.wait_for(all_done.wait(), timeout)
    except TimeoutError:
        errors.append("timeout")
    for t in tasks:
        t.cancel()
    print(json.dumps({"arrivals": arrivals, "errors": errors}), flush=True)


# ---------------------------------------------------------------- orchestration
class Clients:
    def __init__(self, url: str, total: int, procs: int, changes: int, timeout: float, deflate: bool) -> None:
        share = [total // procs + (1 if i < total % procs else 0) for i in range(procs)]
        self.procs = [subprocess.Popen([sys.executable, __file__, "--client", url, str(n), str(changes),
                                        str(timeout), "deflate" if deflate else "plain"],
                                       stdout=subprocess.PIPE, preexec_fn=raise_nofile)
                      for n in share if n]

    async def ready(self) -> None:
        for p in self.procs:
            line = await asyncio.to_thread(p.stdout.readline)  # type: ignore[union-attr]
            assert json.loads(line)["ready"], line

    async def results(self) -> tuple[dict[int, list[tuple[float, float]]], list[str]]:
        arrivals: dict[int, list[tuple[float, float]]] = {}
        errors: list[str] = []
        for p in self.procs:
            out = json.loads(await asyncio.to_thread(p.stdout.readline))  # type: ignore[union-attr]
            for n, got in out["arrivals"].items():
                arrivals.setdefault(int(n), []).extend(got)
            errors += out["errors"]
            p.wait()
        return arrivals, errors


def summarize(arrivals: dict[int, list[tuple[float, float]]], errors: list[str], expected: int,
              triggers: dict[int, float], rss_idle: int, rss_loaded: int, subscribers: int) -> dict[str, Any]:
    fanout = [(recv - at) * 1000 for got in arrivals.values() for recv, at in got]
    e2e = [(recv - triggers[n]) * 1000 for n, got in arrivals.items() if n in triggers for recv, _ in got]
    delivered = sum(len(v) for v in arrivals.values())
    out: dict[str, Any] = {
        "subscribers": subscribers, "delivered": delivered, "expected": expected,
        "errors": len(errors) + (expected - delivered if delivered < expected else 0),
        "error_kinds": sorted(set(errors)),
        "fanout_ms": {"p50": round(pct(fanout, 50), 1), "p99": round(pct(fanout, 99), 1),
                      "mean": round(statistics.fmean(fanout), 1)} if fanout else None,
        "rss_per_idle_subscriber_kib": round((rss_loaded - rss_idle) / subscribers, 1),
        "server_rss_mib": round(rss_loaded / 1024, 1),
    }
    if e2e and triggers:
        out["end_to_end_ms"] = {"p50": round(pct(e2e, 50), 1), "p99": round(pct(e2e, 99), 1)}
    return out


async def prepare_bridgepoint(tmp: Path) -> tuple[dict[str, str], str]:
    """A database with one conference (two bridge points, live) and an organizer token."""
    from domain.db import make_engine, make_sessionmaker, utcnow
    from domain.models import (ApiToken, BridgeSite, Conference, ConferenceSite, ConferenceStatus, Role,
                               SiteRole, User)
    from domain.users.service import hash_password, token_digest
    from tests.conftest import reset_schema

    db_url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    await reset_schema(db_url)
    engine = make_engine(db_url)
    token = secrets.token_urlsafe(24)
    async with make_sessionmaker(engine)() as s:
        user = User(username="bench", password_hash=hash_password("bench-password"), role=Role.organizer)
        hq, qk3 = BridgeSite(code="HQ", name="Hội trường"), BridgeSite(code="DC-QK3", name="Quân khu 3")
        conf = Conference(title="bench 0", starts_at=utcnow(), ends_at=utcnow() + timedelta(hours=3),
                          status=ConferenceStatus.live)
        s.add_all([user, hq, qk3, conf])
        await s.flush()
        s.add_all([ConferenceSite(conference_id=conf.id, site_id=hq.id, role=SiteRole.host),
                   ConferenceSite(conference_id=conf.id, site_id=qk3.id, expected_attendance=60),
                   ApiToken(token_hash=token_digest(token), user_id=user.id, expires_at=utcnow() + timedelta(days=1))])
        await s.commit()
    await engine.dispose()
    env = {**os.environ, "BRIDGEPOINT_DATABASE_URL": db_url, "BRIDGEPOINT_DATA_DIR": str(tmp)}
    env.pop("BRIDGEPOINT_REDIS_URL", None)
    return env, token


async def run_one(kind: str, subscribers: int, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    import httpx
    from websockets.asyncio.client import connect

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    if kind == "bridgepoint":
        env, token = await prepare_bridgepoint(tmp)
        cmd = [sys.executable, "-m", "uvicorn", "api.asgi:app", "--fd", str(sock.fileno()), "--log-level",
               "warning", "--ws", args.ws, "--ws-per-message-deflate", str(args.deflate).lower(),
               "--backlog", "4096"]
        url = f"ws://127.0.0.1:{port}/ws/conferences/1?token={token}"
    else:
        env, token = dict(os.environ), ""
        cmd = [sys.executable, __file__, "--raw-server", str(sock.fileno())]
        url = f"ws://127.0.0.1:{port}/"
    sock.listen(4096)
    server = subprocess.Popen(cmd, pass_fds=[sock.fileno()], env=env, cwd=ROOT, preexec_fn=raise_nofile)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}",
                                     headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
            warm = None
            for _ in range(300):
                try:
                    warm = await connect(url, compression=None)
                    await warm.recv()
                    break
                except OSError:
                    await asyncio.sleep(0.1)
            assert warm is not None, "server did not start"
            await asyncio.sleep(1.0)
            rss_idle = rss_kib(server.pid)
            clients = Clients(url, subscribers, args.procs, args.changes, timeout=120,
                              deflate=args.deflate and kind == "bridgepoint")
            await clients.ready()
            await asyncio.sleep(2.0)
            rss_loaded = rss_kib(server.pid)
            triggers: dict[int, float] = {}
            cpu_before = cpu_seconds(server.pid)
            trigger = await connect(f"ws://127.0.0.1:{port}/trigger") if kind == "raw" else None
            for n in range(1, args.changes + 1):
                triggers[n] = time.time()
                if trigger is not None:
                    await trigger.send(str(n))
                else:
                    r = await http.patch("/api/conferences/1", json={"title": f"bench {n}"})
                    r.raise_for_status()
                await asyncio.sleep(args.interval)
            arrivals, errors = await clients.results()
            cpu_per_change = (cpu_seconds(server.pid) - cpu_before) / args.changes
            await warm.close()
            if trigger is not None:
                await trigger.close()
        result = summarize(arrivals, errors, subscribers * args.changes, triggers if kind != "raw" else {},
                           rss_idle, rss_loaded, subscribers)
        return {"server": kind, **result, "server_cpu_ms_per_change": round(cpu_per_change * 1000, 1)}
    finally:
        server.terminate()
        server.wait(timeout=30)
        sock.close()


async def main(args: argparse.Namespace) -> None:
    raise_nofile()
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        for kind in ("raw", "bridgepoint"):
            with tempfile.TemporaryDirectory() as tmp:
                started = time.monotonic()
                result = await run_one(kind, size, args, Path(tmp))
                result["seconds"] = round(time.monotonic() - started, 1)
                results.append(result)
                print(json.dumps(result), file=sys.stderr, flush=True)
    by = {(r["server"], r["subscribers"]): r for r in results}
    for r in results:
        raw = by.get(("raw", r["subscribers"]))
        if r["server"] == "bridgepoint" and raw and raw["fanout_ms"] and r["fanout_ms"]:
            r["p99_vs_raw"] = round(r["fanout_ms"]["p99"] / max(raw["fanout_ms"]["p99"], 0.1), 2)
    print(json.dumps({"cpus": os.cpu_count(), "client_processes": args.procs, "changes": args.changes,
                      "per_message_deflate": args.deflate, "uvicorn_ws": args.ws, "results": results}))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        asyncio.run(client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]),
                           sys.argv[6] == "deflate"))
    elif len(sys.argv) > 1 and sys.argv[1] == "--raw-server":
        asyncio.run(raw_server(int(sys.argv[2])))
    else:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--sizes", default="1000,5000,10000")
        parser.add_argument("--procs", type=int, default=4, help="client processes")
        parser.add_argument("--changes", type=int, default=20, help="state changes per run")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between changes")
        parser.add_argument("--deflate", action="store_true", help="let uvicorn negotiate per-message deflate")
        parser.add_argument("--ws", default="auto", help="uvicorn's websocket implementation (as `bridgepoint "
                            "serve`: auto)")
        asyncio.run(main(parser.parse_args()))
