"""The API at national size: a page of the points, invitations, roster and attendance endpoints, and one point's
offline kit, of a conference of 10,000 points and 100,000 delegates.

The national fixture (`bridgepoint demo --points 10000 --delegates 100000`, domain/demo/scale.py) is loaded into
a fresh SQLite database (and a fresh PostgreSQL one when BRIDGEPOINT_TEST_POSTGRES_URL is set), the conference
set live and 80 % of its delegates given a presence row (one in seven of those checked out again, one in eleven
late) and one in fifteen an absence, so the counts have something to count. One `bridgepoint serve` runs it;
the organizer reads each endpoint ROUNDS times one after another (one request at a time, keep-alive), an
operator of one point reads that point's offline kit. p50 / p99 / max per endpoint, in ms. The invitations and
the roster are read at offset 50,000 and, as a client paging through them does, after the cursor (`next`) of the
page before offset 50,000.

Goals (issue 15): every page p99 ≤ 100 ms, the kit ≤ 200 ms. Prints one JSON line.

    .venv/bin/python bench/api_scale.py [--points 10000] [--delegates 100000] [--rounds 100] [--sqlite-only]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.checkin import Server  # noqa: E402
from bench.support import pct  # noqa: E402
from bench.storm import load_fixture  # noqa: E402
from domain.db import make_engine, recreate_database  # noqa: E402

ORGANIZER, ORGANIZER_PASSWORD = "vanphong", "vanphong-demo-2026"
ADMIN, ADMIN_PASSWORD = "admin", "admin-demo-2026"
GOALS = {"page_p99_ms": 100, "kit_p99_ms": 200}


async def check_ins(url: str, conf_id: int) -> None:
    """Presence rows for 80 % of the invitations, absences for one in fifteen, the conference live; the tables
    vacuumed and analysed, as autovacuum leaves them after a day of use."""
    engine = make_engine(url)
    pg = "postgresql" in url
    t_in, t_abs = ("TIMESTAMPTZ '2026-12-01 01:00:00+00'", "TIMESTAMPTZ '2026-12-01 00:00:00+00'") if pg else (
        "'2026-12-01 01:00:00.000000'", "'2026-12-01 00:00:00.000000'")
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE conferences SET status = 'live' WHERE id = :c"), {"c": conf_id})
        await conn.execute(text(
            "INSERT INTO presences (invitation_id, conference_id, present, late, first_in_at, last_in_at, "
            f"last_out_at, source) SELECT id, conference_id, id % 7 <> 0, id % 11 = 0, {t_in}, {t_in}, NULL, 'scan' "
            "FROM invitations WHERE conference_id = :c AND id % 5 <> 0"), {"c": conf_id})
        await conn.execute(text(
            "INSERT INTO absences (invitation_id, conference_id, reason, note, set_at) SELECT id, conference_id, "
            f"'leave', '', {t_abs} FROM invitations WHERE conference_id = :c AND id % 5 = 0 AND id % 3 = 0"),
            {"c": conf_id})
    async with engine.connect() as conn:  # what autovacuum does after a bulk load (statistics; PostgreSQL's
        # visibility map, without which no index-only scan skips the table)
        await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(
            text("VACUUM ANALYZE" if pg else "ANALYZE"))
        if not pg:  # SQLite: the load's write-ahead log copied into the database, as the next writes would (else
            # the server's first write — an API token's once-a-minute last use — pays ~200 ms for it mid-run)
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    await engine.dispose()


def timed(client: httpx.Client, path: str, headers: dict[str, str], rounds: int) -> dict[str, Any]:
    times, status, size = [], set(), 0
    for _ in range(rounds):
        started = time.perf_counter()
        r = client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        status.add(r.status_code)
        size = len(r.content)
    return {"p50_ms": round(pct(times, 50), 1), "p99_ms": round(pct(times, 99), 1), "max_ms": round(max(times), 1),
            "max_at": times.index(max(times)),  # which request (0-based) was the slowest
            "status": sorted(status), "bytes": size}  # status: every answer should be 200


async def bench(backend: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bp-bench-api-{backend}-") as tmp:
        data = Path(tmp)
        started = time.monotonic()
        conf_id = load_fixture(url, data, args.points, args.delegates)
        db_url = url or f"sqlite+aiosqlite:///{data / 'bridgepoint.db'}"
        await check_ins(db_url, conf_id)
        load_s = time.monotonic() - started
        server = Server(url, data)
        try:
            await server.ready()
            client = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=60)

            def login(user: str, password: str) -> dict[str, str]:
                r = client.post("/api/auth/login", json={"username": user, "password": password})
                r.raise_for_status()
                return {"Authorization": f"Bearer {r.json()['access_token']}"}

            org = login(ORGANIZER, ORGANIZER_PASSWORD)
            base = f"/api/conferences/{conf_id}"
            points = client.get(f"{base}/sites/?limit=100", headers=org).json()
            point = points["items"][len(points["items"]) // 2]
            operator, password = f"bench-op-{secrets.token_hex(3)}", secrets.token_urlsafe(18)
            r = client.post("/api/users/", headers=login(ADMIN, ADMIN_PASSWORD), json={
                "username": operator, "password": password, "role": "operator", "site_ids": [point["site_id"]]})
            r.raise_for_status()
            first = login(operator, password)  # a password an administrator set is changed at first sign-in
            password, old = secrets.token_urlsafe(18), password
            client.post("/api/auth/password", headers=first,
                        json={"current_password": old, "new_password": password}).raise_for_status()
            op = login(operator, password)
            middle = args.delegates // 2

            def cursor_at(path: str, headers: dict[str, str]) -> str:
                """The `next` cursor of the page that ends at `middle` (a client walking page after page gets it
                from the page before)."""
                page = client.get(f"{path}&offset={middle - 50}", headers=headers)
                page.raise_for_status()
                return str(page.json()["next"])

            endpoints = {
                "points": (f"{base}/sites/?limit=100", org),
                "points_deep": (f"{base}/sites/?limit=100&offset={max(args.points - 100, 0)}", org),
                "invitations": (f"{base}/invitations/?limit=50", org),
                "invitations_deep": (f"{base}/invitations/?limit=50&offset={middle}", org),
                "invitations_after": (f"{base}/invitations/?limit=50&after="
                                      f"{cursor_at(f'{base}/invitations/?limit=50', org)}", org),
                "invitations_search": (f"{base}/invitations/?limit=50&q=nguyen%20van", org),
                "roster": (f"{base}/checkin/roster?limit=50", org),
                "roster_deep": (f"{base}/checkin/roster?limit=50&offset={middle}", org),
                "roster_after": (f"{base}/checkin/roster?limit=50&after="
                                 f"{cursor_at(f'{base}/checkin/roster?limit=50', org)}", org),
                "roster_point": (f"{base}/checkin/roster?limit=50&conference_site_id={point['id']}", op),
                "attendance": (f"{base}/attendance?limit=100", org),
                "attendance_deep": (f"{base}/attendance?limit=100&offset={max(args.points - 100, 0)}", org),
                "offline_kit_point": (f"{base}/checkin/offline-kit", op),
            }
            out: dict[str, Any] = {}
            for kind in ("invitations", "roster"):  # a cursor's page is the page at that offset
                rows = [client.get(endpoints[f"{kind}_{how}"][0], headers=org).json()["items"]
                        for how in ("deep", "after")]
                out[f"{kind}_after_is_deep"] = rows[0] == rows[1] and len(rows[0]) == 50
            for name, (path, headers) in endpoints.items():
                client.get(path, headers=headers)  # warm
                out[name] = timed(client, path, headers, args.kit_rounds if "kit" in name else args.rounds)
            client.close()
        finally:
            server.stop()
    pages = {k: v for k, v in out.items() if "kit" not in k and isinstance(v, dict)}
    return {"backend": backend, "load_seconds": round(load_s, 1), "endpoints": out,
            "goals_met": {"pages_p99": all(v["p99_ms"] <= GOALS["page_p99_ms"] for v in pages.values()),
                          "kit_p99": out["offline_kit_point"]["p99_ms"] <= GOALS["kit_p99_ms"]},
            "over_goal": sorted(k for k, v in pages.items() if v["p99_ms"] > GOALS["page_p99_ms"])}


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--delegates", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--kit-rounds", type=int, default=30)
    ap.add_argument("--sqlite-only", action="store_true")
    args = ap.parse_args()
    runs = [await bench("sqlite", "", args)]
    pg = os.environ.get("BRIDGEPOINT_TEST_POSTGRES_URL")
    if pg and not args.sqlite_only:
        runs.append(await bench("postgres", await recreate_database(pg, "bridgepoint_bench_api_scale"), args))
    print(json.dumps({"bench": "api_scale", "cpus": os.cpu_count(), "points": args.points,
                      "delegates": args.delegates, "goals": GOALS, "runs": runs}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
