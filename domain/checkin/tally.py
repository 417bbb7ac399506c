"""The per-point attendance counts kept by the database itself (table site_counts), so that reading a conference's
attendance reads one row per point instead of every invitation (issue 15: at national size 100,000 invitations
four times a second).

Every change to an invitation, a presence or an absence adjusts its point's row in the same transaction, by
triggers written once here for SQLite and PostgreSQL: no code path can forget to (a check-in written by the SQLite
writer's cursor, a bulk import, a cascade), and two transactions at one point never lose each other's change
(each adds its difference to the row under the row's lock; nothing is recounted from a snapshot).

What an invitation contributes to its point (the same rules as `recount` in attendance.py):
- invited: its status is active (invited, confirmed); walk_ins: active and registered at the door;
- present / late: its presence row says so;
- absent: active, reported absent, not in the room, and not checked in since the absence was recorded.
A trigger subtracts what the row contributed before the change and adds what it contributes after, reading the
other two tables of the same invitation as they are at that moment. An invitation's delete trigger runs BEFORE
the row goes (with its presence and absence still there); the cascaded deletes of those then find no invitation
and change nothing.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select

from domain.checkin.attendance import per_point_counts
from domain.checkin.models import SiteCounts
from domain.models import ACTIVE_INVITATION, ConferenceSite

ACTIVE = "({}) IN ({})".format("{status}", ", ".join(f"'{s.value}'" for s in ACTIVE_INVITATION))
COLUMNS = ("invited", "walk_ins", "present", "late", "absent")


def _flag(condition: str) -> str:
    return f"(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _away(present: str, last_in_at: str, set_at: str) -> str:
    """1 when an absence recorded at set_at still counts for a presence (present, last_in_at), which may be null."""
    return _flag(f"({present} IS NULL OR NOT {present}) AND ({last_in_at} IS NULL OR {last_in_at} <= {set_at})")


def _invitation_part(row: str) -> dict[str, str]:
    """What the invitation `row` (NEW or OLD) contributes, with its presence and absence as they are now."""
    active = ACTIVE.format(status=f"{row}.status")
    inv = f"{row}.id"
    return {
        "invited": _flag(active),
        "walk_ins": _flag(f"{active} AND {row}.walk_in"),
        "present": f"COALESCE((SELECT {_flag('p.present')} FROM presences p WHERE p.invitation_id = {inv}), 0)",
        "late": f"COALESCE((SELECT {_flag('p.late')} FROM presences p WHERE p.invitation_id = {inv}), 0)",
        "absent": f"(CASE WHEN {active} THEN COALESCE((SELECT {_away('p.present', 'p.last_in_at', 'a.set_at')} "
                  f"FROM absences a LEFT JOIN presences p ON p.invitation_id = a.invitation_id "
                  f"WHERE a.invitation_id = {inv}), 0) ELSE 0 END)",
    }


def _presence_part(row: str | None) -> dict[str, str]:
    """What the presence `row` (NEW, OLD or None: no presence) contributes to present, late and absent."""
    away = "1" if row is None else _away(f"{row}.present", f"{row}.last_in_at", "a.set_at")
    inv = "{inv}"
    return {
        "present": "0" if row is None else _flag(f"{row}.present"),
        "late": "0" if row is None else _flag(f"{row}.late"),
        "absent": f"COALESCE((SELECT {away} FROM absences a JOIN invitations i "
                  f"ON i.id = a.invitation_id WHERE a.invitation_id = {inv} AND "
                  f"{ACTIVE.format(status='i.status')}), 0)",
    }


def _absence_part(row: str | None) -> dict[str, str]:
    """What the absence `row` (NEW, OLD or None) contributes to absent."""
    if row is None:
        return {"absent": "0"}
    return {"absent": f"COALESCE((SELECT (CASE WHEN {ACTIVE.format(status='i.status')} THEN "
                      f"{_away('p.present', 'p.last_in_at', f'{row}.set_at')} ELSE 0 END) FROM invitations i "
                      f"LEFT JOIN presences p ON p.invitation_id = i.id WHERE i.id = {row}.invitation_id), 0)"}


def _adjust(site: str, sign: str, part: dict[str, str]) -> str:
    sets = ", ".join(f"{c} = {c} {sign} {expr}" for c, expr in part.items())
    return f"UPDATE site_counts SET {sets} WHERE conference_site_id = {site}"


def _change(site: str, before: dict[str, str], after: dict[str, str]) -> str:
    sets = ", ".join(f"{c} = {c} + ({after[c]}) - ({before[c]})" for c in after)
    return f"UPDATE site_counts SET {sets} WHERE conference_site_id = {site}"


def _site_of(inv: str) -> str:
    return f"(SELECT conference_site_id FROM invitations WHERE id = {inv})"


def _filled(part: dict[str, str], inv: str) -> dict[str, str]:
    return {c: e.replace("{inv}", inv) for c, e in part.items()}


# (name, timing, event, table, statements)
TRIGGERS: list[tuple[str, str, str, str, list[str]]] = [
    ("bp_counts_site_new", "AFTER", "INSERT", "conference_sites",
     ["INSERT INTO site_counts (conference_site_id, invited, walk_ins, present, late, absent) "
      "VALUES (NEW.id, 0, 0, 0, 0, 0)"]),
    ("bp_counts_invitation_new", "AFTER", "INSERT", "invitations",
     [_adjust("NEW.conference_site_id", "+", _invitation_part("NEW"))]),
    ("bp_counts_invitation_change", "AFTER", "UPDATE OF status, walk_in, conference_site_id", "invitations",
     [_adjust("OLD.conference_site_id", "-", _invitation_part("OLD")),
      _adjust("NEW.conference_site_id", "+", _invitation_part("NEW"))]),
    ("bp_counts_invitation_gone", "BEFORE", "DELETE", "invitations",
     [_adjust("OLD.conference_site_id", "-", _invitation_part("OLD"))]),
    ("bp_counts_presence_new", "AFTER", "INSERT", "presences",
     [_change(_site_of("NEW.invitation_id"), _filled(_presence_part(None), "NEW.invitation_id"),
              _filled(_presence_part("NEW"), "NEW.invitation_id"))]),
    ("bp_counts_presence_change", "AFTER", "UPDATE", "presences",
     [_change(_site_of("NEW.invitation_id"), _filled(_presence_part("OLD"), "NEW.invitation_id"),
              _filled(_presence_part("NEW"), "NEW.invitation_id"))]),
    ("bp_counts_presence_gone", "AFTER", "DELETE", "presences",
     [_change(_site_of("OLD.invitation_id"), _filled(_presence_part("OLD"), "OLD.invitation_id"),
              _filled(_presence_part(None), "OLD.invitation_id"))]),
    ("bp_counts_absence_new", "AFTER", "INSERT", "absences",
     [_change(_site_of("NEW.invitation_id"), _absence_part(None), _absence_part("NEW"))]),
    ("bp_counts_absence_change", "AFTER", "UPDATE", "absences",
     [_change(_site_of("NEW.invitation_id"), _absence_part("OLD"), _absence_part("NEW"))]),
    ("bp_counts_absence_gone", "AFTER", "DELETE", "absences",
     [_change(_site_of("OLD.invitation_id"), _absence_part("OLD"), _absence_part(None))]),
]

def trigger_ddl(dialect: str) -> list[str]:
    """CREATE statements of every counting trigger for 'sqlite' or 'postgresql'."""
    out: list[str] = []
    for name, timing, event, table, statements in TRIGGERS:
        body = ";\n  ".join(statements) + ";"
        if dialect == "sqlite":
            out.append(f"DROP TRIGGER IF EXISTS {name}")
            out.append(f"CREATE TRIGGER {name} {timing} {event} ON {table} FOR EACH ROW BEGIN\n  {body}\nEND")
        elif dialect == "postgresql":
            result = "OLD" if timing == "BEFORE" else "NULL"
            out.append(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  "
                       f"{body}\n  RETURN {result};\nEND\n$$")
            out.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            out.append(f"CREATE TRIGGER {name} {timing} {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()")
        else:
            raise ValueError(f"no counting triggers for {dialect}")
    return out


def install(connection: Any) -> None:
    """Create the triggers on a synchronous SQLAlchemy connection (create_all's event, the migration)."""
    for statement in trigger_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)


def refill(connection: Any) -> None:
    """Count every point afresh from its invitations (a synchronous connection), by the rules `recount` uses;
    a point without invitations gets zeros."""
    counted = per_point_counts().subquery()
    _, *numbers = counted.c
    connection.execute(delete(SiteCounts))
    connection.execute(insert(SiteCounts).from_select(
        ["conference_site_id", *COLUMNS],
        select(ConferenceSite.id, *(func.coalesce(n, 0) for n in numbers))
        .outerjoin(counted, counted.c[0] == ConferenceSite.id)))
