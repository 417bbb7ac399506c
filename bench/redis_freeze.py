"""Check-in throughput with Redis working and with Redis frozen (SIGSTOP), in alternating phases.

One `bridgepoint serve` process on a redis-server of this script's own, a live conference loaded as in
bench/checkin.py, a few live-view screens connected, SCANNERS operators scanning distinct passes back to back;
the phases alternate working / frozen / working / … (PHASES of SECONDS each), so that a machine whose load
changes meanwhile affects both alike. Prints one JSON line per phase and a summary with the ratio of the frozen
phases' rate to the working ones'. Every answer must be `ok`.

    .venv/bin/python bench/redis_freeze.py [--postgres] [--seconds 5] [--phases 6] [--scanners 16]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from websockets.asyncio.client import connect  # noqa: E402

from bench.checkin import SITES, Scan, Server, fresh_postgres, load, sustained  # noqa: E402
from tests.support.faults import RedisProcess  # noqa: E402


async def screen(port: int, conf_id: int, token: str, frames: list[str]) -> None:
    async with connect(f"ws://127.0.0.1:{port}/ws/conferences/{conf_id}?token={token}") as ws:
        async for message in ws:
            frame = json.loads(message)
            kind = frame["type"]
            if kind == "degraded" and frame.get("degraded") is False:
                kind = "recovered"  # the bus is back: the screen was sent what it missed just before
            frames.append(kind)


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--phases", type=int, default=6)
    parser.add_argument("--scanners", type=int, default=16)
    parser.add_argument("--screens", type=int, default=4)
    args = parser.parse_args()
    redis = RedisProcess()
    redis.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bp-bench-freeze-") as tmp:
            data = Path(tmp)
            url = await fresh_postgres(os.environ["BRIDGEPOINT_TEST_POSTGRES_URL"]) if args.postgres \
                else f"sqlite+aiosqlite:///{data / 'bench.db'}"
            total = int(args.seconds * args.phases * 1500) + 2000
            [(conf_id, scans)] = await load(url, data / "keys", [total])
            queues: dict[int, deque[Scan]] = defaultdict(deque)
            for scan in scans:
                queues[scan[1]].append(scan)
            scanners = list(queues.values())[: min(args.scanners, SITES)]
            os.environ.update({"BRIDGEPOINT_REDIS_URL": redis.url, "BRIDGEPOINT_REDIS_PREFIX": "bpbench"})
            server = Server(url, data)
            frames: list[str] = []
            watchers: list[asyncio.Task[None]] = []
            try:
                await server.ready(timeout=180)
                watchers = [asyncio.create_task(screen(server.port, conf_id, scans[0][0], frames))
                            for _ in range(args.screens)]
                await sustained(server.port, conf_id, [deque(q.popleft() for _ in range(10)) for q in scanners], 2)
                results: dict[str, list[dict[str, Any]]] = {"working": [], "frozen": []}
                for i in range(args.phases):
                    kind = "frozen" if i % 2 else "working"
                    if kind == "frozen":
                        redis.freeze()
                    try:
                        outcome = await sustained(server.port, conf_id, scanners, args.seconds)
                    finally:
                        if redis.frozen:
                            redis.thaw()
                    results[kind].append(outcome)
                    print(json.dumps({"phase": i, "redis": kind, **outcome}), flush=True)
                    await asyncio.sleep(1.0)  # the bus comes back, screens resync
            finally:
                for task in watchers:
                    task.cancel()
                server.stop()
        # a phase that ran out of passes ends early: divide by the time each phase really took
        rates = {k: sum(r["check_ins"] for r in v) / sum(r["seconds"] for r in v) for k, v in results.items()}
        summary = {"database": "postgresql" if args.postgres else "sqlite", "scanners": len(scanners),
                   "screens": args.screens, "per_second_working": round(rates["working"], 1),
                   "per_second_frozen": round(rates["frozen"], 1),
                   "frozen_vs_working": round(rates["frozen"] / rates["working"], 3),
                   "max_ms_frozen": max(r["max_ms"] for r in results["frozen"]),
                   "not_ok": sum(sum(r["not_ok"].values()) for v in results.values() for r in v),
                   "degraded_frames_seen": frames.count("degraded"),
                   "recoveries_seen": frames.count("recovered"),
                   "resync_snapshots_seen": frames.count("snapshot") - args.screens}
        print(json.dumps(summary), flush=True)
        return 0 if summary["not_ok"] == 0 else 1
    finally:
        redis.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
