"""The `bridgepoint` command line."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import subprocess
import sys
from pathlib import Path

from api.settings import Settings


def _upgrade(settings: Settings) -> None:
    from domain.migrate import upgrade

    settings.ensure_dirs()
    upgrade(settings.database_url)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from api.httpguard import keepalive_timeout

    _upgrade(settings)
    # Idle connections are closed: a request head must arrive within BRIDGEPOINT_HEADER_TIMEOUT_SECONDS
    # (api/httpguard.py), a keep-alive connection may stay silent BRIDGEPOINT_KEEPALIVE_SECONDS.
    uvicorn.run("api.asgi:app", host=args.host, port=args.port, workers=args.workers,
                log_level=args.log_level, ws_per_message_deflate=False, proxy_headers=True,
                server_header=False, http="api.httpguard:HeaderTimeoutProtocol",
                timeout_keep_alive=keepalive_timeout())
    return 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    _upgrade(settings)
    print(f"database at {settings.database_url.split('@')[-1]} is up to date")
    return 0


async def _with_uow(settings: Settings, fn):  # type: ignore[no-untyped-def]
    from domain.db import make_engine, make_sessionmaker
    from domain.uow import UnitOfWork

    engine = make_engine(settings.database_url)
    try:
        return await fn(UnitOfWork(make_sessionmaker(engine)), make_sessionmaker(engine))
    finally:
        await engine.dispose()


def cmd_users_create(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import select

    from domain.errors import DomainError
    from domain.models import BridgeSite, Role
    from domain.users import service as users

    # Never from argv (it would show in `ps` and the shell's history): the environment, else a prompt.
    password = os.environ.get("BRIDGEPOINT_NEW_PASSWORD", "")
    if not password:
        if not sys.stdin.isatty():
            print("error: set BRIDGEPOINT_NEW_PASSWORD or run in a terminal to be asked", file=sys.stderr)
            return 2
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return 2

    async def run(uow, sessionmaker):  # type: ignore[no-untyped-def]
        async with sessionmaker() as s:
            site_ids = []
            for code in args.site or []:
                sid = (await s.execute(select(BridgeSite.id).where(BridgeSite.code == code))).scalar_one_or_none()
                if sid is None:
                    raise SystemExit(f"error: no bridge site with code {code!r}")
                site_ids.append(sid)
        return await users.create_user(uow, None, {
            "username": args.username, "password": password, "role": Role(args.role),
            "display_name": args.display_name or args.username, "site_ids": site_ids,
            "must_change_password": bool(args.temporary)})

    _upgrade(settings)
    try:
        user = asyncio.run(_with_uow(settings, run))
    except DomainError as e:
        print(f"error: {e.message} ({e.code})", file=sys.stderr)
        return 1
    print(f"created {user.role.value} {user.username} (id {user.id})")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import datetime, timezone

    from domain.demo import live as demo_live
    from domain.demo.standard import load_demo
    from domain.invitations.passes import Keyring

    _upgrade(settings)
    now = datetime.now(timezone.utc)

    async def run(uow, sessionmaker):  # type: ignore[no-untyped-def]
        info = await load_demo(sessionmaker, extra=[demo_live.live_spec(now)])
        live_id, _ = info.extra[demo_live.TITLE]
        activity = await demo_live.animate(sessionmaker, Keyring.load_or_create(settings.keys_dir), live_id, now)
        return info, live_id, activity

    info, live_id, activity = asyncio.run(_with_uow(settings, run))
    url = settings.public_url.rstrip("/")
    print("demo loaded" if info.created else "demo already present (nothing changed)")
    print(f"  scheduled: {url}/api/conferences/{info.conference_id}  (year-end office-work conference)")
    print(f"  live now:  {url}/api/conferences/{live_id}  ({activity.sites_ready} points ready, "
          f"{activity.checked_in} delegates present, a speaker has the floor)")
    print(f"  live view: {url.replace('http', 'ws', 1)}/ws/conferences/{live_id}?token=<token>")
    print(f"  API reference: {url}/schema")
    print("  logins (username / password / role):")
    for username, password, role in info.logins:
        print(f"    {username:<14} {password:<22} {role}")
    if args.points is not None or args.delegates is not None:
        return _demo_scale(args, settings)
    return 0


def _demo_scale(args: argparse.Namespace, settings: Settings) -> int:
    """`demo --points N --delegates M`: one more conference with N points and M delegates, for benchmarks."""
    import time
    from datetime import datetime, timezone

    from domain.db import make_engine
    from domain.demo.scale import load_scale

    if args.points is None or args.delegates is None or args.points < 1 or args.delegates < 0:
        print("error: give both --points (at least 1) and --delegates (0 or more)", file=sys.stderr)
        return 2

    async def run():  # type: ignore[no-untyped-def]
        engine = make_engine(settings.database_url)
        try:
            return await load_scale(engine, args.points, args.delegates, datetime.now(timezone.utc))
        finally:
            await engine.dispose()

    started = time.monotonic()
    info = asyncio.run(run())
    what = "loaded" if info.created else "already present (nothing changed)"
    print(f"scale conference {what}: {settings.public_url.rstrip('/')}/conferences/{info.conference_id}  "
          f"({info.points} points, {info.delegates} delegates, {time.monotonic() - started:.1f} s)")
    print(f"scale-conference-id: {info.conference_id}")
    return 0


def cmd_site_agent(args: argparse.Namespace, settings: Settings) -> int:
    from realtime.agent import main as agent_main

    token = args.token or os.environ.get("BRIDGEPOINT_AGENT_TOKEN", "")
    if not token:
        print("error: give --token or BRIDGEPOINT_AGENT_TOKEN", file=sys.stderr)
        return 2
    return agent_main(args.server, args.site, token, args.conference)


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from domain.backup import BackupError, Target, backup
    try:
        manifest = backup(Target(settings.database_url, settings.keys_dir), args.file)
    except (BackupError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"backup written to {args.file} ({manifest['database']}, {len(manifest['keys'])} signing key(s))")
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from domain.backup import BackupError, Target, restore
    try:
        manifest = restore(Target(settings.database_url, settings.keys_dir), args.file, force=args.force)
    except (BackupError, subprocess.CalledProcessError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _upgrade(settings)  # a backup from an older version gets the newer migrations
    print(f"restored {manifest['database']} database and {len(manifest['keys'])} signing key(s) "
          f"from a backup of {manifest['created_at']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bridgepoint", description="Hybrid conferences across bridge points.")
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate the database, then serve HTTP and websockets")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(fn=cmd_serve)

    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply the migrations").set_defaults(fn=cmd_db_upgrade)

    back = sub.add_parser("backup", help="the database and the signing keys into one archive (tar.gz, 0600)")
    back.add_argument("file", type=Path)
    back.set_defaults(fn=cmd_backup)
    rest = sub.add_parser("restore", help="put a backup's database and signing keys back (server stopped)")
    rest.add_argument("file", type=Path)
    rest.add_argument("--force", action="store_true", help="replace a database that already holds conferences")
    rest.set_defaults(fn=cmd_restore)

    users = sub.add_parser("users", help="accounts").add_subparsers(dest="users_command", required=True)
    create = users.add_parser("create", help="create an account")
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=["admin", "organizer", "chair", "operator", "viewer"])
    create.add_argument("--site", action="append", help="bridge site code (operators; repeatable)")
    create.add_argument("--display-name")
    create.add_argument("--temporary", action="store_true",
                        help="the user must choose their own password at first sign-in")
    create.set_defaults(fn=cmd_users_create)

    agent = sub.add_parser("site-agent", help="keep a bridge point's presence alive and show the live state")
    agent.add_argument("--server", required=True, help="base URL, e.g. http://10.0.0.5:8000")
    agent.add_argument("--site", required=True, help="bridge site code of this point")
    agent.add_argument("--token", help="operator's API token (or BRIDGEPOINT_AGENT_TOKEN)")
    agent.add_argument("--conference", type=int, help="conference id (default: the point's live one)")
    agent.set_defaults(fn=cmd_site_agent)

    demo = sub.add_parser("demo", help="load the demo conference (idempotent)")
    demo.add_argument("--points", type=int, help="also a conference of this many bridge points (benchmarks)")
    demo.add_argument("--delegates", type=int, help="... with this many delegates invited (with --points)")
    demo.set_defaults(fn=cmd_demo)

    from api.cli_import import add_parser as add_import_parser  # `bridgepoint import FILE --kind …`
    add_import_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.umask(0o077)  # what bridgepoint writes (database, keys, mail, backups) is readable by its owner only
    settings = Settings()
    settings.ensure_dirs()
    return int(args.fn(args, settings) or 0)


if __name__ == "__main__":
    sys.exit(main())
