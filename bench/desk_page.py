"""The desk page in a real browser while the rest of the system is busy (issue 11's figures).

One `bridgepoint serve` (SQLite; with `--database postgres` PostgreSQL and Redis, the production configuration,
from BRIDGEPOINT_TEST_POSTGRES_URL / BRIDGEPOINT_TEST_REDIS_URL as `make bench` sets them) with 50 bridge points
and a live conference; an organizer opens the desk of the first point in Debian's Chromium. Meanwhile the other
49 points post scans over HTTP at RATE per second, WARM seconds before the desk's are measured. Measured
in the page (performance.now() at the Enter to the frame after the result is painted, via requestAnimationFrame):
  1. online: SCANS passes of this point typed into the scan field, one every GAP ms → p50/p99/max;
  2. offline (context.set_offline): SCANS passes decided in the page (Ed25519 with WebCrypto, the kit's rules)
     → decision p50/p99 and painted p99;
  3. upload: QUEUED scans queued offline, then the link comes back → time until the queue is empty (one upload
     through the idempotent batch endpoint, checked on the server: every one recorded once).
Prints one JSON line. Targets: painted p99 ≤ 150 ms online, decision ≤ 20 ms offline, 1,000 queued ≤ 5 s.

    .venv/bin/python bench/desk_page.py [--rate 200] [--scans 200] [--queued 1000] [--gap 40] [--warm 5]
                                        [--database postgres [--workers 2]]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.checkin import SITES, Connection, Scan, Server, fresh_postgres, load, percentile  # noqa: E402
from bench.support import cpu_used, machine_cpu  # noqa: E402
from domain.db import make_engine  # noqa: E402
from sqlalchemy import text  # noqa: E402

CHROMIUM = os.environ.get("BRIDGEPOINT_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "tram-quet-the-hoi-truong-7"


def pct(values: list[float], q: float) -> float:
    return round(percentile([v / 1000 for v in values], q), 1) if values else 0.0


async def background(port: int, conf_id: int, scans: deque[Scan], rate: int, stop: asyncio.Event) -> dict[str, Any]:
    """The other points: scans at a fixed rate over keep-alive connections until told to stop."""
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(32):
        idle.put_nowait(await Connection(port, conf_id).open())
    sent, latencies, tasks, not_ok = 0, [], [], {}

    async def one(scan: Scan) -> None:
        conn = await idle.get()
        t0 = time.monotonic()
        result = await conn.scan(*scan)
        latencies.append(time.monotonic() - t0)
        if result != "ok":
            not_ok[result] = not_ok.get(result, 0) + 1
        idle.put_nowait(conn)

    start = time.monotonic()
    while not stop.is_set() and scans:
        due = start + sent / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        tasks.append(asyncio.create_task(one(scans.popleft())))
        sent += 1
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - start
    while not idle.empty():
        idle.get_nowait().close()
    return {"sent": sent, "per_second": round(sent / elapsed, 1), "p99_ms": round(percentile(latencies, 0.99), 1),
            "not_ok": not_ok}


TYPE_SCANS = """async ([texts, gap]) => {
  const input = document.getElementById('scan');
  for (const text of texts) {
    input.value = text;
    input.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
    await new Promise((r) => setTimeout(r, gap));
  }
}"""


# The scans' requests as the browser saw them (Resource Timing): before the request left (service worker, queue,
# connection), waiting for the answer, reading it; all in ms.
RESOURCE_TIMING = """() => {
  const out = {before: [], wait: [], read: [], total: []};
  for (const e of performance.getEntriesByType('resource')) {
    if (!e.name.endsWith('/checkin/scan')) continue;
    out.before.push(e.requestStart - e.startTime); out.wait.push(e.responseStart - e.requestStart);
    out.read.push(e.responseEnd - e.responseStart); out.total.push(e.duration);
  }
  performance.clearResourceTimings();
  return out;
}"""


async def settle(url: str) -> None:
    """What a real day finds: the roster was imported days before, so its tables are analysed and its writes are
    checkpointed. Right after the benchmark's bulk load (~500 MB of WAL) PostgreSQL would otherwise analyse the
    tables and write the checkpoint while the desk is being measured."""
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text("VACUUM ANALYZE"))
        await conn.execute(text("CHECKPOINT"))
    await engine.dispose()


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory(prefix="bp-bench-desk-") as tmp:
        data = Path(tmp)
        url = f"sqlite+aiosqlite:///{data / 'bench.db'}"
        if args.database == "postgres":
            url = await fresh_postgres(os.environ["BRIDGEPOINT_TEST_POSTGRES_URL"])
            os.environ.update({"BRIDGEPOINT_REDIS_URL": os.environ.get("BRIDGEPOINT_TEST_REDIS_URL", ""),
                               "BRIDGEPOINT_REDIS_PREFIX": f"bpdesk{os.getpid()}"})
        else:
            os.environ["BRIDGEPOINT_REDIS_URL"] = ""
        per_site = 2 * args.scans + args.queued + 20
        ((conf_id, scans),) = await load(url, data / "keys", [per_site * SITES])
        if args.database == "postgres":
            await settle(url)
        desk_cs = scans[0][1]
        mine = [text for _, cs, text in scans if cs == desk_cs]
        others = deque(s for s in scans if s[1] != desk_cs)
        env = {**os.environ, "BRIDGEPOINT_DATABASE_URL": url, "BRIDGEPOINT_DATA_DIR": str(data),
               "BRIDGEPOINT_NEW_PASSWORD": PASSWORD}
        subprocess.run([sys.executable, "-m", "api.cli", "users", "create", "deskbench", "--role", "organizer"],
                       cwd=ROOT, env=env, check=True, capture_output=True)
        server_cpus, client_cpus = _split_cores(args.cores)
        if client_cpus:
            os.sched_setaffinity(0, client_cpus)  # this process, the load it sends and the browser it starts
        server = Server(url, data, args.workers, cpus=server_cpus)
        base = f"http://127.0.0.1:{server.port}"
        out: dict[str, Any] = {"bench": "desk_page", "database": args.database,
                               "redis": bool(os.environ["BRIDGEPOINT_REDIS_URL"]), "cpus": os.cpu_count(),
                               "workers": args.workers, "cores": args.cores, "rate": args.rate}
        try:
            await server.ready()
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync"])
                context = await browser.new_context(base_url=base, locale="vi-VN")
                page = await context.new_page()
                await page.goto("/login")
                await page.fill("#f-username", "deskbench")
                await page.fill("#f-password", PASSWORD)
                await page.click("button[type=submit].primary")
                await page.wait_for_url(lambda u: "/login" not in u)
                await page.goto(f"/desk/conferences/{conf_id}/points/{desk_cs}")
                await page.wait_for_selector("#desk[data-ready=true]")
                await page.wait_for_function("() => document.querySelector('#link-state.link-live')", timeout=15000)
                await page.evaluate(TYPE_SCANS, [mine[:10], args.gap])  # warm up
                await page.evaluate("() => { window.bridgepointDesk.timings.painted.length = 0;"
                                    " window.bridgepointDesk.timings.answered.length = 0;"
                                    " performance.setResourceTimingBufferSize(5000); performance.clearResourceTimings(); }")

                stop = asyncio.Event()
                load_task = asyncio.create_task(background(server.port, conf_id, others, args.rate, stop))
                await asyncio.sleep(args.warm)
                if args.profile:
                    cdp = await context.new_cdp_session(page)
                    await cdp.send("Profiler.enable")
                    await cdp.send("Profiler.setSamplingInterval", {"interval": 200})
                    await cdp.send("Profiler.start")
                if args.trace:
                    await browser.start_tracing(page=page, path=args.trace, categories=[
                        "devtools.timeline", "disabled-by-default-devtools.timeline", "blink", "cc", "gpu",
                        "toplevel", "v8", "loading", "navigation", "ServiceWorker", "netlog", "blink.user_timing"])
                cpu, t_cpu = machine_cpu(), time.monotonic()
                await page.evaluate(TYPE_SCANS, [mine[10:10 + args.scans], args.gap])
                await page.wait_for_function(
                    f"() => window.bridgepointDesk.timings.painted.length >= {args.scans}", timeout=60000)
                out["cores_used"] = cpu_used(cpu, machine_cpu(), time.monotonic() - t_cpu)
                if args.trace:
                    await browser.stop_tracing()
                if args.profile:
                    Path(args.profile).write_text(json.dumps((await cdp.send("Profiler.stop"))["profile"]))
                painted = await page.evaluate("() => window.bridgepointDesk.timings.painted.slice()")
                fetches = await page.evaluate(RESOURCE_TIMING)
                fetches["answered"] = await page.evaluate("() => window.bridgepointDesk.timings.answered.slice()")
                stop.set()
                out["background"] = await load_task
                out["online"] = {"scans": len(painted), "p50_ms": pct(painted, 0.5), "p99_ms": pct(painted, 0.99),
                                 "max_ms": round(max(painted), 1),
                                 "fetch": {k: {"p50": pct(v, 0.5), "p99": pct(v, 0.99)} for k, v in fetches.items()}}

                await context.set_offline(True)
                await page.wait_for_function("() => document.querySelector('#link-state.link-offline')")
                await page.evaluate("() => { const t = window.bridgepointDesk.timings;"
                                    " t.painted.length = 0; t.decidedOffline.length = 0; }")
                first = 10 + args.scans
                await page.evaluate(TYPE_SCANS, [mine[first:first + args.scans], 5])
                await page.wait_for_function(
                    f"() => window.bridgepointDesk.timings.decidedOffline.length >= {args.scans}", timeout=60000)
                decided = await page.evaluate("() => window.bridgepointDesk.timings.decidedOffline.slice()")
                painted = await page.evaluate("() => window.bridgepointDesk.timings.painted.slice()")
                out["offline"] = {"scans": len(decided), "decision_p50_ms": pct(decided, 0.5),
                                  "decision_p99_ms": pct(decided, 0.99), "painted_p99_ms": pct(painted, 0.99)}

                # The queue: what was decided above plus more, to QUEUED in all; then the link comes back.
                first += args.scans
                more = args.queued - args.scans
                await page.evaluate(TYPE_SCANS, [mine[first:first + more], 0])
                await page.wait_for_function(f"() => window.bridgepointDesk.state.queued >= {args.queued}",
                                             timeout=120000)
                mark = await page.evaluate("() => { const t = window.bridgepointDesk.timings;"
                                           " t.upload = []; t.online = []; return performance.now(); }")
                t0 = time.monotonic()
                await context.set_offline(False)
                await page.wait_for_function("() => window.bridgepointDesk.state.queued === 0", timeout=120000,
                                             polling=20)
                wall = time.monotonic() - t0
                done = await page.evaluate("() => performance.now()")
                t = await page.evaluate("() => window.bridgepointDesk.timings")
                out["upload"] = {"queued": args.queued, "seconds_until_empty": round(wall, 2),
                                 "online_event_after_ms": round(t["online"][0] - mark) if t["online"] else None,
                                 "upload_calls": [{**u, "began": round(u["began"] - mark)} for u in t["upload"]],
                                 "empty_in_page_after_ms": round(done - mark)}
                await browser.close()
        finally:
            server.stop()
        return out


def _split_cores(cores: str) -> tuple[set[int] | None, set[int] | None]:
    """`shared`: every process on every core. `split`: the server on the first core, everything else (the
    browser, the other points' load, this script) on the others — the server on a machine of its own."""
    if cores == "shared":
        return None, None
    every = sorted(os.sched_getaffinity(0))
    if len(every) < 2:
        raise SystemExit("--cores split needs two cores")
    return {every[0]}, set(every[1:])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=int, default=200, help="scans per second from the other points")
    ap.add_argument("--scans", type=int, default=200, help="scans typed at the desk, online and offline")
    ap.add_argument("--queued", type=int, default=1000, help="scans queued offline, then uploaded")
    ap.add_argument("--gap", type=int, default=40, help="ms between two scans at the desk")
    ap.add_argument("--warm", type=float, default=5, help="seconds of the other points' load before the desk's "
                                                            "scans are measured (steady state, not a cold start)")
    ap.add_argument("--profile", help="write the page's JavaScript CPU profile of the online scans here "
                                      "(.cpuprofile: Chromium's DevTools opens it)")
    ap.add_argument("--trace", help="write Chromium's trace of the online scans here (chrome://tracing, Perfetto)")
    ap.add_argument("--cores", choices=("shared", "split"), default="shared",
                    help="shared: all on every core; split: the server on a core of its own")
    ap.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite",
                    help="postgres: BRIDGEPOINT_TEST_POSTGRES_URL, with Redis from BRIDGEPOINT_TEST_REDIS_URL")
    ap.add_argument("--workers", type=int, default=1, help="`bridgepoint serve --workers N` (more than one needs "
                                                         "Redis for the live view: --database postgres)")
    args = ap.parse_args()
    if args.workers > 1 and args.database != "postgres":
        print("--workers > 1: the workers share live events through Redis; use --database postgres", file=sys.stderr)
        return 2
    if args.database == "postgres" and not os.environ.get("BRIDGEPOINT_TEST_POSTGRES_URL"):
        print("--database postgres: BRIDGEPOINT_TEST_POSTGRES_URL is not set (make bench starts a server)",
              file=sys.stderr)
        return 2
    print(json.dumps(asyncio.run(measure(args)), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
