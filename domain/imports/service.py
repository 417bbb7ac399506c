"""Importing units, bridge points, delegates and a conference's invitations from an office file.

One call, `run_import`, for the page, the JSON API and the command line. It reads the file (in a worker thread:
parsing 100,000 rows must not stall the server's other requests), finds the header, checks every cell, then in one
transaction matches each row against the registry by its natural key — a unit's code, a point's code, a delegate's
e-mail or else their name and unit, an invitation's delegate — and gives each row its action: create, update,
unchanged or error. A dry run stops there and writes nothing. An apply writes only when no row has an error, all
rows at once (batched INSERTs and UPDATEs in one transaction, so the import is complete or absent), with one audit
entry; importing the same file again changes nothing. Empty cells never erase what is registered.

The rules are the registry's: the same code, time-zone, e-mail and duplicate rules as the forms (a person with the
same name in the same unit, or the same e-mail, is a possible duplicate), the same unit tree without cycles, the
invitation rules of bulk inviting (an active seat per delegate and conference, no delegate in two overlapping
conferences, the point of the delegate's unit when none is named).
"""
from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, BinaryIO

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal, require_staff, visible_conference
from domain.common import READ_ONLY, audit, ensure_editable
from domain.conferences.overlap import _overlapping  # the one definition of «overlapping»
from domain.db import utcnow
from domain.errors import Conflict, InvalidInput
from domain.invitations import bulk
from domain.mail import outbox
from domain.models import (ACTIVE_INVITATION, DEFAULT_TZ, BridgeSite, Conference, ConferenceSite, Delegate,
                           Invitation, InvitationRole, Role, Unit)
from domain.registry.sites import _search as site_search
from domain.uow import UnitOfWork

from .columns import KINDS, Header
from .folding import fast_fold as fold
from .folding import fast_search_text as search_text
from .reader import LIMITS, Limits, open_table
from .rows import ParsedRow, RowError, parse

ACTIONS = ("create", "update", "unchanged", "error")
CHUNK = bulk.CHUNK
# Who runs `bridgepoint import` on the server: the command line is the machine's own administrator
SYSTEM = Principal(user_id=None, username="bridgepoint import", role=Role.admin)


@dataclass(slots=True)
class RowResult:
    row: int
    action: str  # one of ACTIONS
    label: str  # what the row is, for a person: a code and name, a delegate's name
    changes: tuple[str, ...] = ()  # the fields an update changes
    errors: list[RowError] = field(default_factory=list)


@dataclass
class ImportReport:
    kind: str
    file_name: str
    format: str  # xlsx | csv
    sheet: str
    header_row: int
    columns: dict[str, str]  # field → its header in the file
    ignored_columns: list[str]
    rows: list[RowResult]
    counts: dict[str, int]
    dry_run: bool
    applied: bool = False
    conference_id: int | None = None
    conference_title: str = ""

    @property
    def ok(self) -> bool:
        return self.counts.get("error", 0) == 0

    @property
    def changed(self) -> int:
        return self.counts.get("create", 0) + self.counts.get("update", 0)

    def errors(self) -> Iterator[RowError]:
        for r in self.rows:
            yield from r.errors


# ---- reading (in a worker thread) ----
def _read(stream: BinaryIO, file_name: str, kind: str, limits: Limits) -> tuple[Any, Header, list[ParsedRow]]:
    table = open_table(stream, file_name, limits)
    header, rows = parse(table, kind, limits)
    return table, header, rows


# ---- what every kind shares ----
class _Cols:
    """Each field's column letter and header, to name a cell in an error."""

    def __init__(self, header: Header, first_column: int) -> None:
        from .reader import column_letter
        self.letters = {f: column_letter(i + first_column) for f, i in header.fields.items()}
        self.names = header.names

    def error(self, row: ParsedRow, fld: str, code: str, value: Any = "", **params: Any) -> RowError:
        return RowError(row.row, self.letters.get(fld, ""), self.names.get(fld, ""), fld, code,
                        "" if value is None else str(value), params)


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


class _Units:
    """Every unit by code and by name (names ignoring case and diacritics)."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self.by_code: dict[str, Any] = {}
        self.by_folded_code: dict[str, list[Any]] = {}
        self.by_name: dict[str, list[Any]] = {}
        self.by_id: dict[int, Any] = {}
        for u in rows:
            self.by_code[u.code] = u
            self.by_folded_code.setdefault(u.code.casefold(), []).append(u)
            self.by_name.setdefault(fold(u.name), []).append(u)
            self.by_id[u.id] = u

    @classmethod
    async def load(cls, s: AsyncSession) -> "_Units":
        return cls((await s.execute(select(Unit.id, Unit.code, Unit.name, Unit.parent_id))).all())

    def code(self, code: str) -> Any:
        found = self.by_code.get(code)
        if found is None and len(alike := self.by_folded_code.get(code.casefold(), [])) == 1:
            found = alike[0]
        return found

    def resolve(self, row: ParsedRow, cols: _Cols, errors: list[RowError]) -> tuple[bool, int | None]:
        """(a unit was given, its id) from the unit code, else the unit name, of a row."""
        v = row.values
        if "unit_code" in v:
            unit = self.code(v["unit_code"])
            if unit is None:
                errors.append(cols.error(row, "unit_code", "unit_not_found", v["unit_code"]))
                return True, None
            return True, unit.id
        if "unit_name" in v:
            found = self.by_name.get(fold(v["unit_name"]), [])
            if not found:
                errors.append(cols.error(row, "unit_name", "unit_not_found", v["unit_name"]))
            elif len(found) > 1:
                errors.append(cols.error(row, "unit_name", "ambiguous_unit", v["unit_name"],
                                         codes=", ".join(sorted(u.code for u in found))))
            else:
                return True, found[0].id
            return True, None
        return False, None


def _text(r: ParsedRow, fld: str) -> str:
    """A field's value, or the text of the cell when it was refused (a row in error still says who it is)."""
    if fld in r.values:
        return str(r.values[fld])
    return next((e.value for e in r.errors if e.field == fld), "")


def _changes(current: Any, wanted: dict[str, Any]) -> tuple[str, ...]:
    return tuple(k for k, v in wanted.items() if getattr(current, k) != v)


@dataclass
class _Plan:
    """What a kind's rows will do: each row's result, and the writes of an apply."""
    results: list[RowResult]
    write: Any  # async (session) -> None


# ---- units ----
async def _plan_units(s: AsyncSession, p: Principal, rows: list[ParsedRow], cols: _Cols, ctx: dict[str, Any]) -> _Plan:
    units = await _Units.load(s)
    codes_in_file = {r.values["code"] for r in rows if "code" in r.values}
    first: dict[str, int] = {}
    results: list[RowResult] = []
    wanted: dict[str, tuple[ParsedRow, str, str | None]] = {}  # code → (row, name, parent code or None: keep)
    for r in rows:
        errors = list(r.errors)
        v = r.values
        code = v.get("code")
        if code is not None:
            if code in first:
                errors.append(cols.error(r, "code", "duplicate_in_file", code, first_row=first[code]))
            else:
                first[code] = r.row
        parent = v.get("parent_code")
        if parent is not None:
            if parent == code:
                errors.append(cols.error(r, "parent_code", "unit_cycle", parent))
            elif parent not in codes_in_file and units.code(parent) is None:
                errors.append(cols.error(r, "parent_code", "unit_not_found", parent))
            elif parent not in codes_in_file:
                parent = units.code(parent).code
        results.append(RowResult(r.row, "error" if errors else "", f"{code or _text(r, 'code')} · {_text(r, 'name')}".strip(" ·"),
                                 errors=errors))
        if not errors:
            wanted[code] = (r, v["name"], parent)
    # the tree after the import: no unit may end up under itself
    parent_of: dict[str, str | None] = {u.code: units.by_id[u.parent_id].code if u.parent_id in units.by_id else None
                                        for u in units.by_code.values()}
    for code, (_r, _name, parent) in wanted.items():
        if parent is not None or code not in parent_of:
            parent_of[code] = parent
    cyclic: set[str] = set()
    for code in wanted:
        seen, cur = {code}, parent_of.get(code)
        while cur is not None:
            if cur in seen:
                cyclic.add(code)
                break
            seen.add(cur)
            cur = parent_of.get(cur)
    by_row = {r.row: res for r, res in zip(rows, results)}
    creates: list[tuple[str, str, str | None]] = []
    updates: list[tuple[int, str, str | None]] = []
    for code, (r, name, parent) in wanted.items():
        res = by_row[r.row]
        if code in cyclic:
            res.action, res.errors = "error", [cols.error(r, "parent_code", "unit_cycle", parent or "")]
            continue
        current = units.by_code.get(code)
        if current is None:
            res.action = "create"
            creates.append((code, name, parent))
            continue
        old_parent = parent_of_current(units, current)
        res.changes = tuple(k for k, old, new in (("name", current.name, name), ("parent_code", old_parent, parent))
                            if new is not None and new != old)
        res.action = "update" if res.changes else "unchanged"
        if res.changes:
            updates.append((current.id, name, parent if parent is not None else old_parent))

    async def write(s: AsyncSession) -> None:
        ids = {code: u.id for code, u in units.by_code.items()}
        now = utcnow()
        pending = list(creates)
        table = Unit.__table__
        while pending:
            ready = [u for u in pending if u[2] is None or u[2] in ids]
            assert ready, "a cycle among new units was not caught"
            done = await s.execute(insert(table).returning(table.c.code, table.c.id), [
                dict(code=code, name=name, parent_id=ids[parent] if parent else None,
                     search=search_text(name, code), created_at=now) for code, name, parent in ready])
            ids.update(done.tuples().all())
            taken = {u[0] for u in ready}
            pending = [u for u in pending if u[0] not in taken]
        if updates:
            codes = {u.id: u.code for u in units.by_code.values()}
            await s.execute(update(table).where(table.c.id == bindparam("_id")).values(
                name=bindparam("_name"), parent_id=bindparam("_parent"), search=bindparam("_search")).execution_options(
                synchronize_session=False), [
                dict(_id=uid, _name=name, _parent=ids[parent] if parent else None,
                     _search=search_text(name, codes[uid])) for uid, name, parent in updates])
    return _Plan(results, write)


def parent_of_current(units: _Units, unit: Any) -> str | None:
    parent = units.by_id.get(unit.parent_id) if unit.parent_id is not None else None
    return parent.code if parent is not None else None


# ---- bridge points ----
SITE_FIELDS = ("name", "unit_id", "address", "capacity", "timezone", "video_endpoint", "contact", "active")


async def _plan_points(s: AsyncSession, p: Principal, rows: list[ParsedRow], cols: _Cols,
                       ctx: dict[str, Any]) -> _Plan:
    units = await _Units.load(s)
    sites = {row.code: row for row in (await s.execute(select(
        BridgeSite.id, BridgeSite.code, *(getattr(BridgeSite, f) for f in SITE_FIELDS)))).all()}
    first: dict[str, int] = {}
    results: list[RowResult] = []
    creates: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    moved: list[int] = []
    for r in rows:
        errors = list(r.errors)
        v = r.values
        code = v.get("code")
        if code is not None:
            if code in first:
                errors.append(cols.error(r, "code", "duplicate_in_file", code, first_row=first[code]))
            else:
                first[code] = r.row
        given, unit_id = units.resolve(r, cols, errors)
        label = f"{code or _text(r, 'code')} · {_text(r, 'name')}".strip(" ·")
        if errors:
            results.append(RowResult(r.row, "error", label, errors=errors))
            continue
        fields = {f: v[f] for f in SITE_FIELDS if f in v}
        if given:
            fields["unit_id"] = unit_id
        current = sites.get(code)
        if current is None:
            results.append(RowResult(r.row, "create", label))
            creates.append(dict(code=code, **fields))
            continue
        changed = _changes(current, fields)
        results.append(RowResult(r.row, "update" if changed else "unchanged", label, changed))
        if changed:
            final = {f: getattr(current, f) for f in SITE_FIELDS} | fields
            updates.append(dict(id=current.id, code=code, **final))
            if "name" in changed or "address" in changed:
                moved.append(current.id)

    async def write(s: AsyncSession) -> None:
        table = BridgeSite.__table__
        now = utcnow()
        if creates:
            values = []
            for c in creates:
                row = dict(unit_id=None, address="", capacity=0, timezone=DEFAULT_TZ, video_endpoint="", contact="",
                           active=True) | c
                row["search"] = site_search(SimpleNamespace(**row))
                row["created_at"] = now
                values.append(row)
            await s.execute(insert(table), values)
        if updates:
            await s.execute(update(table).where(table.c.id == bindparam("_id")).values(
                {f: bindparam(f"_{f}") for f in (*SITE_FIELDS, "search")}), [
                {"_id": u["id"], **{f"_{f}": u[f] for f in SITE_FIELDS},
                 "_search": site_search(SimpleNamespace(**u))} for u in updates])
        for site_id in moved:  # the name or address changed: the registry's rule tells the coming conferences
            await outbox.site_changed(s, SimpleNamespace(id=site_id))
    return _Plan(results, write)


# ---- delegates (and the delegates an invitation names) ----
DELEGATE_FIELDS = ("full_name", "rank", "position", "unit_id", "email", "phone", "locale")


class _People:
    """The registered delegates a file's rows may name: by e-mail (ignoring case) and by name and unit."""

    def __init__(self) -> None:
        self.by_email: dict[str, list[Any]] = {}
        self.by_name_unit: dict[tuple[str, int | None], list[Any]] = {}
        self.by_name: dict[str, list[Any]] = {}  # only when some row names a person by their name alone

    @classmethod
    async def load(cls, s: AsyncSession, emails: set[str], unit_ids: set[int | None],
                   everyone: bool = False) -> "_People":
        found: dict[int, Any] = {}
        cols = (Delegate.id, *(getattr(Delegate, f) for f in DELEGATE_FIELDS))
        if everyone:
            emails, unit_ids = set(), set()
            for d in (await s.execute(select(*cols))).all():
                found[d.id] = d
        for chunk in _chunks(sorted(emails)):
            for d in (await s.execute(select(*cols).where(func.lower(Delegate.email).in_(chunk)))).all():
                found[d.id] = d
        ids = sorted(u for u in unit_ids if u is not None)
        for chunk in _chunks(ids):
            for d in (await s.execute(select(*cols).where(Delegate.unit_id.in_(chunk)))).all():
                found[d.id] = d
        if None in unit_ids:
            for d in (await s.execute(select(*cols).where(Delegate.unit_id.is_(None)))).all():
                found[d.id] = d
        people = cls()
        for d in found.values():
            if d.email:
                people.by_email.setdefault(d.email.lower(), []).append(d)
            people.by_name_unit.setdefault((fold(d.full_name), d.unit_id), []).append(d)
            if everyone:
                people.by_name.setdefault(fold(d.full_name), []).append(d)
        return people


def _identify(people: _People, r: ParsedRow, cols: _Cols, unit_id: int | None, errors: list[RowError],
              allow_duplicates: bool, by_name_alone: bool = False) -> Any:
    """The registered delegate a row names (None: nobody yet), by e-mail, else by name and unit; a possible
    duplicate or an ambiguous name is an error (with `allow_duplicates`, a row with an e-mail of its own is
    another person). `by_name_alone`: a row without a unit names whoever has that name, if only one has it."""
    v = r.values
    email = v.get("email", "").lower()
    if email:
        found = people.by_email.get(email, [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            errors.append(cols.error(r, "email", "ambiguous_delegate", v["email"],
                                     ids=", ".join(f"#{d.id}" for d in found)))
            return None
    if by_name_alone:
        same = people.by_name.get(fold(v.get("full_name", "")), [])
        if len(same) > 1:
            errors.append(cols.error(r, "full_name", "ambiguous_delegate", v.get("full_name", ""),
                                     ids=", ".join(f"#{d.id}" for d in same[:20])))
            return None
        return same[0] if same and not (email and same[0].email and same[0].email.lower() != email) else None
    same = people.by_name_unit.get((fold(v.get("full_name", "")), unit_id), [])
    if not same:
        return None
    if email and allow_duplicates:
        return None
    if len(same) == 1 and not (email and same[0].email and same[0].email.lower() != email):
        return same[0]
    if email:
        d = same[0]
        errors.append(cols.error(r, "full_name", "import_possible_duplicate", v["full_name"],
                                 existing=f"{d.full_name} (#{d.id}, {d.email or '—'})"))
    else:
        errors.append(cols.error(r, "full_name", "ambiguous_delegate", v["full_name"],
                                 ids=", ".join(f"#{d.id}" for d in same)))
    return None


async def _people_for(s: AsyncSession, rows: list[ParsedRow], units: _Units, cols: _Cols, *,
                      names_alone: bool = False
                      ) -> tuple[_People, list[tuple[ParsedRow, list[RowError], bool, int | None]]]:
    """The registered people the rows may name. `names_alone`: rows without a unit may name anyone by name (an
    invitation list), so everyone is loaded when such a row comes."""
    resolved = []
    emails: set[str] = set()
    unit_ids: set[int | None] = set()
    everyone = False
    for r in rows:
        errors = list(r.errors)
        given, unit_id = units.resolve(r, cols, errors)
        resolved.append((r, errors, given, unit_id))
        if not errors:
            if "email" in r.values:
                emails.add(r.values["email"].lower())
            unit_ids.add(unit_id)
            everyone = everyone or (names_alone and not given)
    return await _People.load(s, emails, unit_ids, everyone), resolved


def _person_key(r: ParsedRow, unit_id: int | None) -> tuple[Any, ...]:
    email = r.values.get("email", "").lower()
    return ("email", email) if email else ("name", fold(r.values.get("full_name", "")), unit_id)


async def _plan_delegates(s: AsyncSession, p: Principal, rows: list[ParsedRow], cols: _Cols,
                          ctx: dict[str, Any]) -> _Plan:
    units = await _Units.load(s)
    people, resolved = await _people_for(s, rows, units, cols)
    first_key: dict[tuple[Any, ...], int] = {}
    first_match: dict[int, int] = {}
    results: list[RowResult] = []
    creates: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for r, errors, given, unit_id in resolved:
        v = r.values
        label = _text(r, "full_name")
        if not errors:
            k = _person_key(r, unit_id)
            if k in first_key:
                fld = "email" if k[0] == "email" else "full_name"
                errors.append(cols.error(r, fld, "duplicate_in_file", v.get(fld, ""), first_row=first_key[k]))
            else:
                first_key[k] = r.row
        current = None if errors else _identify(people, r, cols, unit_id, errors, ctx["allow_duplicates"])
        if current is not None:
            if current.id in first_match:
                errors.append(cols.error(r, "full_name", "duplicate_in_file", label,
                                         first_row=first_match[current.id]))
            else:
                first_match[current.id] = r.row
        if errors:
            results.append(RowResult(r.row, "error", label, errors=errors))
            continue
        fields = {f: v[f] for f in DELEGATE_FIELDS if f in v}
        if given:
            fields["unit_id"] = unit_id
        if current is None:
            results.append(RowResult(r.row, "create", label))
            creates.append(fields)
            continue
        changed = _changes(current, fields)
        results.append(RowResult(r.row, "update" if changed else "unchanged", label, changed))
        if changed:
            updates.append({f: getattr(current, f) for f in DELEGATE_FIELDS} | fields | {"id": current.id})

    async def write(s: AsyncSession) -> None:
        table = Delegate.__table__
        now = utcnow()
        base = dict(rank="", position="", unit_id=None, email="", phone="", locale="vi", feed_version=1,
                    created_at=now)
        for chunk in _chunks(creates):  # a batched INSERT per chunk: bounded memory for 100,000 people
            values = [base | c for c in chunk]
            for row in values:
                row["search"] = _delegate_search(row)
            await s.execute(insert(table), values)
        for chunk in _chunks(updates):
            await s.execute(update(table).where(table.c.id == bindparam("_id")).values(
                {f: bindparam(f"_{f}") for f in (*DELEGATE_FIELDS, "search")}), [
                {"_id": u["id"], **{f"_{f}": u[f] for f in DELEGATE_FIELDS},
                 "_search": _delegate_search(u)} for u in chunk])
    return _Plan(results, write)


def _delegate_search(row: dict[str, Any]) -> str:
    """The registry's search column of a delegate (domain.registry.delegates._search: name, then e-mail), with the
    fast folding; tests/imports check that both agree."""
    return search_text(row["full_name"], row["email"])


# ---- a conference's invitations ----
async def _plan_invitations(s: AsyncSession, p: Principal, rows: list[ParsedRow], cols: _Cols,
                            ctx: dict[str, Any]) -> _Plan:
    conf: Conference = ctx["conference"]
    units = await _Units.load(s)
    people, resolved = await _people_for(s, rows, units, cols, names_alone=True)
    points = dict((await s.execute(select(BridgeSite.code, ConferenceSite.id).join(
        ConferenceSite, ConferenceSite.site_id == BridgeSite.id).where(ConferenceSite.conference_id == conf.id)
                                  )).tuples().all())
    known_codes = set((await s.execute(select(BridgeSite.code))).scalars().all()) if rows else set()
    matched: list[tuple[ParsedRow, list[RowError], Any]] = []
    for r, errors, given, unit_id in resolved:
        current = None
        if not errors:
            current = _identify(people, r, cols, unit_id, errors, False, by_name_alone=not given)
            if current is None and not errors:
                errors.append(cols.error(r, "full_name", "delegate_not_found", r.values.get("full_name", "")))
        code = r.values.get("point_code")
        if code is not None and code not in points:
            errors.append(cols.error(r, "point_code", "conference_site_not_found" if code in known_codes
                                     else "site_not_found", code))
        matched.append((r, errors, current))
    ids = sorted({d.id for _r, errors, d in matched if d is not None and not errors})
    existing: dict[int, Any] = {}
    busy: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        for inv in (await s.execute(select(Invitation.id, Invitation.delegate_id, Invitation.conference_site_id,
                                           Invitation.role, Invitation.status).where(
                Invitation.conference_id == conf.id, Invitation.delegate_id.in_(chunk)))).all():
            existing[inv.delegate_id] = inv
        for did, cid, title in (await s.execute(
                select(Invitation.delegate_id, Conference.id, Conference.title)
                .join(Conference, Conference.id == Invitation.conference_id)
                .where(Invitation.delegate_id.in_(chunk), Invitation.status.in_(ACTIVE_INVITATION),
                       *_overlapping(conf.starts_at, conf.ends_at, conf.id))
                .order_by(Conference.starts_at))).tuples():
            busy.setdefault(did, {"id": cid, "title": title})
    need_point = {d.unit_id for r, errors, d in matched if d is not None and not errors
                  and "point_code" not in r.values and d.id not in existing and d.unit_id is not None}
    unit_points = await bulk._point_of_unit(s, conf, need_point) if need_point else {}
    first: dict[int, int] = {}
    results: list[RowResult] = []
    creates: list[dict[str, Any]] = []
    updates: list[tuple[int, dict[str, Any]]] = []
    for r, errors, d in matched:
        v = r.values
        label = _text(r, "full_name")
        if d is not None and not errors:
            if d.id in first:
                errors.append(cols.error(r, "full_name", "duplicate_in_file", label, first_row=first[d.id]))
            else:
                first[d.id] = r.row
        inv = existing.get(d.id) if d is not None else None
        if d is not None and not errors:
            if inv is not None and inv.status not in ACTIVE_INVITATION:
                errors.append(cols.error(r, "full_name", "invitation_not_active", label))
            elif inv is None and d.id in busy:
                errors.append(cols.error(r, "full_name", "delegate_busy", label,
                                         conflicting_conference=busy[d.id]["title"]))
        cs_id = points.get(v["point_code"]) if "point_code" in v else None
        if d is not None and not errors and inv is None and cs_id is None:
            cs_id = unit_points.get(d.unit_id or 0)
            if cs_id is None:
                errors.append(cols.error(r, "point_code", "no_point_for_unit", ""))
        if errors:
            results.append(RowResult(r.row, "error", label, errors=errors))
            continue
        role = v.get("role")
        if inv is None:
            results.append(RowResult(r.row, "create", label))
            creates.append(dict(delegate_id=d.id, conference_site_id=cs_id, role=role or InvitationRole.delegate))
            continue
        wanted: dict[str, Any] = {}
        if cs_id is not None and cs_id != inv.conference_site_id:
            wanted["conference_site_id"] = cs_id
        if role is not None and role != inv.role:
            wanted["role"] = role
        changed = tuple("point_code" if k == "conference_site_id" else k for k in wanted)
        results.append(RowResult(r.row, "update" if wanted else "unchanged", label, changed))
        if wanted:
            updates.append((inv.id, wanted))

    async def write(s: AsyncSession) -> None:
        by_role: dict[InvitationRole, list[dict[str, Any]]] = {}
        for c in creates:
            by_role.setdefault(c["role"], []).append(dict(delegate_id=c["delegate_id"],
                                                          conference_site_id=c["conference_site_id"]))
        for role, batch in by_role.items():
            for chunk in _chunks(batch):
                await bulk._insert(s, p, conf, list(chunk), role)  # the invitations and their audit entries
        for inv_id, wanted in updates:  # one by one, as the invitation form: a delegate who moves is told
            inv = await s.get(Invitation, inv_id)
            old_site = inv.conference_site_id
            for k, val in wanted.items():
                setattr(inv, k, val)
            await outbox.invitation_changed(s, conf, inv, was_active=True, old_site_id=old_site)
            audit(s, p, "invitation.updated", conference_id=conf.id, subject=inv, fields=sorted(wanted),
                  source=ctx["source"])
        if creates or updates:
            ctx["uow"].emit(conf.id, "roster_changed", invited=len(creates), updated=len(updates))
    return _Plan(results, write)


PLANNERS = {"units": _plan_units, "points": _plan_points, "delegates": _plan_delegates,
            "invitations": _plan_invitations}


# ---- the one entry point ----
async def run_import(uow: UnitOfWork, p: Principal, kind: str, stream: BinaryIO, file_name: str = "", *,
                     conference_id: int | None = None, dry_run: bool = True, allow_duplicates: bool = False,
                     source: str = "import", limits: Limits = LIMITS) -> ImportReport:
    """Check (`dry_run`) or apply an import of `kind` from an XLSX or CSV file; see the module's description.

    Raises `InvalidInput` (field "file") for a file that cannot be imported at all; row problems are in the
    report. Applying a file with any row in error writes nothing and returns the report with `applied` false."""
    if kind not in KINDS:
        raise InvalidInput(f"unknown kind {kind!r}; one of {', '.join(KINDS)}", code="import_unknown_kind",
                           field="kind")
    require_staff(p)
    conf: Conference | None = None
    if kind == "invitations":
        if conference_id is None:
            raise InvalidInput("invitations are a conference's: name the conference", code="required",
                               field="conference_id")
        async with uow:  # who may not import here learns it before sending a file through the parser
            conf = await visible_conference(uow.session, p, conference_id)
            ensure_editable(conf)
    table, header, rows = await asyncio.to_thread(_read, stream, file_name, kind, limits)
    cols = _Cols(header, table.first_column)
    ctx: dict[str, Any] = {"allow_duplicates": allow_duplicates, "source": source, "uow": uow}
    async with uow:
        s = uow.session
        if conf is not None:
            conf = await visible_conference(s, p, conf.id, for_update=not dry_run)
            ensure_editable(conf)
            ctx["conference"] = conf
        plan = await PLANNERS[kind](s, p, rows, cols, ctx)
        counts = {a: 0 for a in ACTIONS}
        for res in plan.results:
            counts[res.action] += 1
        report = ImportReport(kind, file_name, table.format, table.sheet, header.row, dict(header.names),
                              list(header.ignored), plan.results, counts, dry_run,
                              conference_id=conf.id if conf else None, conference_title=conf.title if conf else "")
        if dry_run or not report.ok:
            return report  # nothing was written: the session closes and rolls back
        if report.changed:
            try:
                await plan.write(s)
                audit(s, p, "import.applied", conference_id=conf.id if conf else None, source=source, kind=kind,
                      file=file_name[:200], rows=len(rows), created=counts["create"], updated=counts["update"],
                      unchanged=counts["unchanged"])
                await uow.commit()
            except IntegrityError:
                raise Conflict("the registry changed while the file was imported; nothing was imported, run it "
                               "again", code="import_conflict") from None
        report.applied = True
        return report


# ---- the import page's form ----
@dataclass
class ImportForm:
    kind: str
    conference: Conference | None  # invitations: the conference they belong to
    conferences: list[Conference]  # invitations without one: the conferences that can still take invitations


async def import_form(uow: UnitOfWork, p: Principal, kind: str, conference_id: int | None = None) -> ImportForm:
    """What the import page offers (organizers and administrators)."""
    require_staff(p)
    if kind not in KINDS:
        kind = "delegates"
    async with uow:
        s = uow.session
        if kind != "invitations":
            return ImportForm(kind, None, [])
        if conference_id is not None:
            return ImportForm(kind, await visible_conference(s, p, conference_id), [])
        confs = (await s.execute(select(Conference).where(Conference.status.not_in(READ_ONLY))
                                 .order_by(Conference.starts_at, Conference.id).limit(200))).scalars().all()
        return ImportForm(kind, None, list(confs))
