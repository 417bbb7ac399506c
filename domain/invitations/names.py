"""Each invitation carries its delegate's search name (`invitations.search`, a copy of `delegates.search`: the name
and e-mail without case or diacritics), kept by the database itself.

Why a copy: a conference's roster is listed by name and searched by name. With the name only on `delegates`,
every page of a 100,000-invitation conference joined its 100,000 delegates and sorted them (24 ms for the first
page on SQLite, 205 ms at offset 50,000); with the name on the invitation, the index (conference_id, search,
delegate_id) gives a page, a deep page, a cursor's next page and a name search without touching `delegates`
(0.6 ms, 6 ms, 0.7 ms; issue 15).

Triggers, written once here for SQLite and PostgreSQL, so that no code path can forget the copy (an ORM insert, a
bulk import, the scale fixture, a rename):
- an invitation inserted, or moved to another delegate, takes that delegate's name;
- a delegate whose search name changes passes it on to all their invitations.
"""
from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import ColumnElement, Select, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common import decode_cursor, encode_cursor
from domain.models import Invitation

# the order of a conference's roster: by the name as search sees it, then by delegate (the index's own order)
BY_NAME = (Invitation.search, Invitation.delegate_id)


# a search that matches at most this many invitations gets its page by reading those and sorting them
SPARSE_SEARCH = 2000


def page_of(keys: Select[Any], *, sparse: bool, limit: int, offset: int) -> Select[Any]:
    """The page (limit + 1 rows) of `keys` — a select of (Invitation.id, *BY_NAME) with its filters — in BY_NAME
    order. By default by walking the name index in its order, which stops after the page; for a search with few
    matches (`sparse`) by reading just those (on PostgreSQL by the trigram index) and sorting them: walking the index
    in order would read every name before the first match (`%nguyen van%` lies past half of them)."""
    if sparse:
        found = keys.cte("found").prefix_with("MATERIALIZED")  # not folded into the ordered query
        return select(found).order_by(found.c.search, found.c.delegate_id).limit(limit + 1).offset(offset)
    return keys.order_by(*BY_NAME).limit(limit + 1).offset(offset)


async def pick(session: AsyncSession, keys: Select[Any], *, sparse: bool, limit: int, offset: int
               ) -> tuple[list[int], str | None]:
    """The ids of a page of `keys` (see page_of) and the cursor of the page after it (None after the last)."""
    rows = (await session.execute(page_of(keys, sparse=sparse, limit=limit, offset=offset))).all()
    return [r.id for r in rows[:limit]], next_name([(r.search, r.delegate_id) for r in rows], limit)


def after_name(token: str) -> ColumnElement[bool]:
    """The invitations after a cursor `next_name` gave, in BY_NAME order (an index seek)."""
    search, delegate_id = decode_cursor(token, (str, int))
    return tuple_(*BY_NAME) > tuple_(search, delegate_id)


def next_name(keys: Sequence[tuple[str, int]], limit: int) -> str | None:
    """The cursor after a page read with limit + 1 rows whose BY_NAME keys are `keys`; None when it was the last."""
    return encode_cursor(*keys[limit - 1]) if len(keys) > limit else None


# each trigger and its table
TRIGGERS = {"bp_names_invitation_new": "invitations", "bp_names_invitation_delegate": "invitations",
            "bp_names_delegate": "delegates"}
_PG_DROPS = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in TRIGGERS.items()]
_NAME_OF = "(SELECT d.search FROM delegates d WHERE d.id = NEW.delegate_id)"
_PASS_ON = "UPDATE invitations SET search = NEW.search WHERE delegate_id = NEW.id"


def trigger_ddl(dialect: str) -> list[str]:
    """DROP/CREATE statements of the name-copying triggers for 'sqlite' or 'postgresql'."""
    if dialect == "sqlite":  # a SQLite trigger cannot change NEW: the row is updated after it is written
        own = f"UPDATE invitations SET search = COALESCE({_NAME_OF}, '') WHERE id = NEW.id"
        return [
            *(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS),
            f"CREATE TRIGGER bp_names_invitation_new AFTER INSERT ON invitations FOR EACH ROW BEGIN {own}; END",
            f"CREATE TRIGGER bp_names_invitation_delegate AFTER UPDATE OF delegate_id ON invitations FOR EACH ROW "
            f"WHEN NEW.delegate_id IS NOT OLD.delegate_id BEGIN {own}; END",
            f"CREATE TRIGGER bp_names_delegate AFTER UPDATE OF search ON delegates FOR EACH ROW "
            f"WHEN NEW.search IS NOT OLD.search BEGIN {_PASS_ON}; END",
        ]
    if dialect == "postgresql":  # the invitation's row is given its name before it is written: no second version
        return [
            "CREATE OR REPLACE FUNCTION bp_names_invitation() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
            f"  NEW.search := COALESCE({_NAME_OF}, '');\n  RETURN NEW;\nEND\n$$",
            "CREATE OR REPLACE FUNCTION bp_names_delegate() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
            f"  {_PASS_ON};\n  RETURN NULL;\nEND\n$$",
            *_PG_DROPS,
            "CREATE TRIGGER bp_names_invitation_new BEFORE INSERT ON invitations FOR EACH ROW "
            "EXECUTE FUNCTION bp_names_invitation()",
            "CREATE TRIGGER bp_names_invitation_delegate BEFORE UPDATE OF delegate_id ON invitations FOR EACH ROW "
            "WHEN (NEW.delegate_id IS DISTINCT FROM OLD.delegate_id) EXECUTE FUNCTION bp_names_invitation()",
            "CREATE TRIGGER bp_names_delegate AFTER UPDATE OF search ON delegates FOR EACH ROW "
            "WHEN (NEW.search IS DISTINCT FROM OLD.search) EXECUTE FUNCTION bp_names_delegate()",
        ]
    raise ValueError(f"no name triggers for {dialect}")


def drop_ddl(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [*_PG_DROPS, "DROP FUNCTION IF EXISTS bp_names_invitation()",
                "DROP FUNCTION IF EXISTS bp_names_delegate()"]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS]


def install_extensions(connection: Any) -> None:
    """PostgreSQL: pg_trgm, for the trigram index of the names (a trusted extension since PostgreSQL 13: the owner
    of the database may install it; it ships with PostgreSQL, in Debian's postgresql-15 package)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")


def install(connection: Any) -> None:
    """Create the triggers on a synchronous SQLAlchemy connection (create_all's event, the migration)."""
    for statement in trigger_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)


def refill(connection: Any) -> None:
    """Copy every delegate's search name onto their invitations (a synchronous connection)."""
    connection.exec_driver_sql(
        "UPDATE invitations SET search = COALESCE((SELECT d.search FROM delegates d "
        "WHERE d.id = invitations.delegate_id), '')")
