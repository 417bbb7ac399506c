"""`bridgepoint import FILE --kind units|points|delegates|invitations [--conference ID] [--dry-run]`.

The same import as the page and the API (domain.imports.run_import), run as the machine's administrator: every
row's action and every problem are printed (in the language of --lang), and the import is applied only when no row
has an error. Exit status: 0 imported (or checked without errors), 1 rows with errors or a file that cannot be
imported, 2 bad usage.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from api.settings import Settings

KINDS = ("units", "points", "delegates", "invitations")


def add_parser(sub: Any) -> None:
    cmd = sub.add_parser("import", help="import units, bridge points, delegates or a conference's invitations from "
                                        "an XLSX or CSV file (checked first; all rows or none)")
    cmd.add_argument("file", type=Path)
    cmd.add_argument("--kind", required=True, choices=KINDS)
    cmd.add_argument("--conference", type=int, help="the conference (with --kind invitations)")
    cmd.add_argument("--dry-run", action="store_true", help="only check: show what each row would do")
    cmd.add_argument("--allow-duplicates", action="store_true",
                     help="a delegate with the same name and unit but another e-mail is another person")
    cmd.add_argument("--lang", choices=("vi", "en"), default="en", help="language of the messages")
    cmd.add_argument("--all-rows", action="store_true", help="list every row, not only changes and errors")
    cmd.set_defaults(fn=cmd_import)


def _print_report(report: Any, all_rows: bool) -> None:
    from api.i18n.errors import registered_text
    from domain.i18n import gettext

    where = f"{report.format.upper()}, {report.sheet}" if report.sheet else report.format.upper()
    print(gettext("%(file)s (%(where)s): header in row %(row)s", file=report.file_name, where=where,
                  row=report.header_row))
    if report.ignored_columns:
        print("  " + gettext("Columns left out: %(names)s", names=", ".join(report.ignored_columns)))
    for r in report.rows:
        if r.action == "error":
            for e in r.errors:
                cell = f"{e.column}{e.row}" if e.column else str(e.row)
                value = f" «{e.value}»" if e.value else ""
                print(f"  {cell} [{e.header or '-'}]{value}: {e.code}: {registered_text(e.code, e.params) or e.code}")
        elif all_rows or r.action in ("create", "update"):
            extra = f" ({', '.join(r.changes)})" if r.changes else ""
            print(f"  {r.row}: {r.action} {r.label}{extra}")
    c = report.counts
    print(gettext("%(create)s to create, %(update)s to update, %(unchanged)s unchanged, %(error)s with errors",
                  create=c["create"], update=c["update"], unchanged=c["unchanged"], error=c["error"]))


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from api.cli import _upgrade, _with_uow
    from api.i18n.errors import registered_text
    from domain.errors import DomainError
    from domain.i18n import gettext, set_locale
    from domain.imports import SYSTEM, run_import

    set_locale(args.lang)
    if args.kind == "invitations" and args.conference is None:
        print("error: --kind invitations needs --conference ID", file=sys.stderr)
        return 2
    if args.kind != "invitations" and args.conference is not None:
        print("error: --conference goes with --kind invitations only", file=sys.stderr)
        return 2
    try:
        stream = args.file.open("rb")
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _upgrade(settings)

    async def run(uow, sessionmaker):  # type: ignore[no-untyped-def]
        return await run_import(uow, SYSTEM, args.kind, stream, args.file.name, conference_id=args.conference,
                                dry_run=args.dry_run, allow_duplicates=args.allow_duplicates, source="cli")
    try:
        with stream:
            report = asyncio.run(_with_uow(settings, run))
    except DomainError as exc:
        print(f"error: {exc.code}: {registered_text(exc.code, exc.extra) or exc.message}", file=sys.stderr)
        return 1
    _print_report(report, args.all_rows)
    if not report.ok:
        print(registered_text("import_has_errors"), file=sys.stderr)
        return 1
    if args.dry_run:
        print(gettext("Checked: nothing was written (run it again without --dry-run to import)."))
    elif report.changed:
        print(gettext("Imported."))
    else:
        print(gettext("Nothing to change: the registry already holds this list."))
    return 0

