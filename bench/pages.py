"""Page speed: the conference overview, points, invitations and passes tabs at the demo's size and at scale.

For each size a fresh SQLite database is loaded with `bridgepoint demo` (48 points + the host hall, ~1,000
invitations: the year-end conference) or `bridgepoint demo --points P --delegates D` (one conference with every
point and every delegate invited), then one `bridgepoint serve` process answers on a free loopback port and an
organizer signs in through the login form. For every page:
  - server time: N sequential GETs on one keep-alive connection, each timed from sending the request to the
    last byte of the answer (loopback, so this is the server's time plus well under a millisecond);
  - full load in Chromium (Debian's, through Playwright): K navigations, each page's Navigation Timing
    (responseEnd, domContentLoadedEventEnd, loadEventEnd, from the navigation's start);
  - the SQL behind one request of the page, in this process against the same database: how many statements and
    the slowest ones (to say which query to fix when a page is slow).
A page that answers 404 is reported as missing. Prints a table, then one JSON line (bench/run_all.py keeps it).

    .venv/bin/python bench/pages.py [--points 10000] [--delegates 100000] [--requests 30] [--loads 5]
                                    [--small-only] [--large-only] [--no-browser] [--large-dir DIR]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.support import PageServer, pct  # noqa: E402

USER, PASSWORD = "vanphong", "vanphong-demo-2026"
CHROMIUM = os.environ.get("BRIDGEPOINT_CHROMIUM", "/usr/bin/chromium")
TARGET_P95_MS = 300
PAGES = [("overview", ""), ("points", "/points"), ("invitations", "/invitations"), ("passes", "/passes")]
FORM_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


def load(data_dir: Path, points: int | None, delegates: int | None) -> tuple[int, float]:
    """Load the demo (and the scale conference); returns the conference to measure and the seconds it took."""
    env = {**os.environ, "BRIDGEPOINT_DATA_DIR": str(data_dir), "BRIDGEPOINT_DATABASE_URL": "",
           "BRIDGEPOINT_REDIS_URL": ""}
    cmd = [sys.executable, "-m", "api.cli", "demo"]
    if points is not None:
        cmd += ["--points", str(points), "--delegates", str(delegates)]
    started = time.monotonic()
    out = subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    seconds = time.monotonic() - started
    found = re.search(r"scale-conference-id: (\d+)", out) if points is not None else \
        re.search(r"scheduled: \S+/api/conferences/(\d+)", out)
    assert found, out
    return int(found.group(1)), seconds


def sign_in(client: httpx.Client) -> None:
    form = client.get("/login")
    token = FORM_CSRF.search(form.text)
    assert token, form.text[:300]
    r = client.post("/login", data={"username": USER, "password": PASSWORD, "next": "/", "_csrf": token.group(1)})
    assert r.status_code == 303, r.text[:300]


def server_times(client: httpx.Client, path: str, n: int) -> dict[str, Any]:
    started = time.perf_counter()
    first = client.get(path)
    if first.status_code != 200:
        return {"status": first.status_code}
    if time.perf_counter() - started > 2:
        n = min(n, 5)  # a page that takes seconds: a few samples say enough, and the run stays bounded
    for _ in range(2):
        client.get(path)  # warm: templates compiled, caches filled
    times = []
    for _ in range(n):
        started = time.perf_counter()
        r = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 200, (path, r.status_code)
    return {"status": 200, "bytes": len(first.content), "n": n, "p50_ms": round(pct(times, 50), 1),
            "p95_ms": round(pct(times, 95), 1), "max_ms": round(max(times), 1)}


def browser_times(base: str, cookies: dict[str, str], paths: list[str], loads: int) -> dict[str, dict[str, Any]]:
    """Median Navigation Timing of `loads` navigations per page in Chromium (a fresh page, warm HTTP cache)."""
    from playwright.sync_api import sync_playwright

    out: dict[str, dict[str, Any]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        context = browser.new_context(base_url=base, viewport={"width": 1366, "height": 900}, locale="vi-VN")
        context.add_cookies([{"name": k, "value": v, "url": base} for k, v in cookies.items()])
        for path in paths:
            page = context.new_page()
            samples: list[dict[str, float]] = []
            for i in range(loads + 1):
                page.goto(path, wait_until="load")
                timing = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
                    return {response_end: n.responseEnd, dom_content_loaded: n.domContentLoadedEventEnd,
                            load: n.loadEventEnd, transfer: n.transferSize}; }""")
                if i:  # the first one warms the cache of static files
                    samples.append(timing)
            out[path] = {k + "_ms": round(statistics.median(s[k] for s in samples), 1)
                         for k in ("response_end", "dom_content_loaded", "load")}
            page.close()
        browser.close()
    return out


async def sql_profile(data_dir: Path, path: str) -> dict[str, Any]:
    """One request of `path` in this process, counting and timing its SQL statements."""
    from sqlalchemy import event

    from api.app import create_app
    from api.settings import Settings

    app = create_app(Settings(data_dir=data_dir, database_url="", redis_url="", mail_worker=False))
    for hook in app.on_startup:
        await hook(app)
    statements: list[tuple[float, str]] = []
    started: dict[int, float] = {}
    engine = app.state.engine.sync_engine

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        started[id(cursor)] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(((time.perf_counter() - started.pop(id(cursor), time.perf_counter())) * 1000,
                           " ".join(statement.split())))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            form = await client.get("/login")
            token = FORM_CSRF.search(form.text).group(1)  # type: ignore[union-attr]
            await client.post("/login", data={"username": USER, "password": PASSWORD, "_csrf": token})
            await client.get(path)  # warm
            event.listen(engine, "before_cursor_execute", before)
            event.listen(engine, "after_cursor_execute", after)
            t0 = time.perf_counter()
            r = await client.get(path)
            total = (time.perf_counter() - t0) * 1000
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
    finally:
        for hook in app.on_shutdown:
            await hook(app)
    sql_ms = sum(t for t, _ in statements)
    slowest = sorted(statements, reverse=True)[:int(os.environ.get("BENCH_SLOWEST", "3"))]
    return {"status": r.status_code, "in_process_ms": round(total, 1), "statements": len(statements),
            "sql_ms": round(sql_ms, 1),
            "slowest": [{"ms": round(t, 1), "sql": s[:400]} for t, s in slowest]}


def measure(name: str, points: int | None, delegates: int | None, args: argparse.Namespace,
            keep: str | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bp-bench-pages-{name}-") as tmp:
        data = Path(keep or tmp)  # --large-dir: a database kept between runs (loading again adds nothing)
        data.mkdir(parents=True, exist_ok=True)
        conf, load_s = load(data, points, delegates)
        print(f"== {name}: conference {conf} loaded in {load_s:.1f} s", flush=True)
        result: dict[str, Any] = {"conference_id": conf, "load_seconds": round(load_s, 1), "pages": {}}
        server = PageServer(data)
        try:
            server.start()
            with httpx.Client(base_url=server.base, timeout=120) as client:
                sign_in(client)
                for page, suffix in PAGES:
                    path = f"/conferences/{conf}{suffix}"
                    result["pages"][page] = {"path": path, "server": server_times(client, path, args.requests)}
                    print(f"   {page:<12} {result['pages'][page]['server']}", flush=True)
                cookies = dict(client.cookies)
            present = [p for p, v in result["pages"].items() if v["server"]["status"] == 200]
            if not args.no_browser and Path(CHROMIUM).exists() and present:
                timings = browser_times(server.base, cookies, [result["pages"][p]["path"] for p in present],
                                        args.loads)
                for p in present:
                    result["pages"][p]["browser"] = timings[result["pages"][p]["path"]]
        finally:
            server.stop()
        for p, v in result["pages"].items():
            if v["server"]["status"] == 200:
                v["sql"] = asyncio.run(sql_profile(data, v["path"]))
        return result


def table(results: dict[str, Any]) -> str:
    lines = [f"{'size':<8} {'page':<12} {'server p50':>10} {'p95':>8} {'max':>8} {'SQL stmts':>9} {'SQL ms':>8} "
             f"{'respEnd':>8} {'DCL':>8} {'load':>8}  note"]
    for size, r in results.items():
        for page, v in r["pages"].items():
            s = v["server"]
            if s["status"] != 200:
                lines.append(f"{size:<8} {page:<12} {'HTTP ' + str(s['status']):>10}" + " " * 63 +
                             ("  missing (404)" if s["status"] == 404 else ""))
                continue
            b, q = v.get("browser", {}), v.get("sql", {})
            note = "" if size != "large" or s["p95_ms"] <= TARGET_P95_MS else f"  over {TARGET_P95_MS} ms"
            lines.append(f"{size:<8} {page:<12} {s['p50_ms']:>10} {s['p95_ms']:>8} {s['max_ms']:>8} "
                         f"{q.get('statements', ''):>9} {q.get('sql_ms', ''):>8} {b.get('response_end_ms', ''):>8} "
                         f"{b.get('dom_content_loaded_ms', ''):>8} {b.get('load_ms', ''):>8}{note}")
    return "\n".join(lines)


def main() -> int:
    import logging
    logging.getLogger("httpx").setLevel(logging.WARNING)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--delegates", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--small-only", action="store_true")
    ap.add_argument("--large-only", action="store_true")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--large-dir", help="keep the large database in this folder and reuse it next time")
    args = ap.parse_args()
    results: dict[str, Any] = {}
    if not args.large_only:
        results["demo"] = measure("demo", None, None, args)
    if not args.small_only:
        results["large"] = measure("large", args.points, args.delegates, args, args.large_dir)
    print(table(results))
    for size, r in results.items():
        for page, v in r["pages"].items():
            for s in v.get("sql", {}).get("slowest", [])[:1]:
                print(f"  {size}/{page}: slowest SQL {s['ms']} ms: {s['sql'][:300]}")
    summary = {"target_p95_ms": TARGET_P95_MS, "load_average_at_end": [round(x, 1) for x in os.getloadavg()],
               "sizes": {
        "demo": "48 points + host, ~1,000 invitations",
        "large": f"{args.points:,} points, {args.delegates:,} invitations"}, **results}
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
