"""Operator accounts for many bridge points at once (one per point, with a one-time password shown once), the
administrators' list of accounts with search, and the printable credential sheet (CSV for Excel)."""
from __future__ import annotations

import asyncio
import csv
import io
import re
import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal, require_admin
from domain.errors import InvalidInput, NotFound
from domain.i18n import gettext
from domain.models import BridgeSite, Role, User, user_sites
from domain.text import like_pattern, search_text
from domain.uow import UnitOfWork
from domain.common import Page, audit, paginate
from domain.conferences.site_selection import Picker, PointChoice, Selection, picker, points_of_unit, resolve
from domain.users.service import hash_password

USERNAME_PREFIX = "vanhanh."
USERNAME_MAX = 64  # users.username
# No 0/o, 1/l/i: a password read aloud over the phone or copied from paper should survive it.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
MAX_SHEET_ROWS = 20_000


def one_time_password() -> str:
    """Three groups of four (about 59 bits), e.g. `k7qm-x2pa-9hdt`."""
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))


def username_for(code: str) -> str:
    """`vanhanh.` + the point's code in lower case (characters a username may not hold become `-`)."""
    return USERNAME_PREFIX + re.sub(r"[^a-z0-9._-]", "-", code.lower())


@dataclass
class AccountResult:
    site_id: int
    result: str  # created | exists | username_taken | inactive | not_found | invalid_username
    site: BridgeSite | None = None
    username: str = ""
    user_id: int | None = None
    password: str | None = None  # only for `created`, only in this one answer
    existing: list[str] = field(default_factory=list)  # usernames already bound to the point


@dataclass
class AccountsCreated:
    items: list[AccountResult]

    def count(self, result: str) -> int:
        return sum(1 for i in self.items if i.result == result)


async def _bound(s: AsyncSession, site_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for k in range(0, len(site_ids), 500):
        rows = await s.execute(select(user_sites.c.site_id, User.username).join(User, User.id == user_sites.c.user_id)
                               .where(user_sites.c.site_id.in_(site_ids[k:k + 500]), User.role == Role.operator)
                               .order_by(User.username))
        for site_id, username in rows:
            out.setdefault(site_id, []).append(username)
    return out


async def create_operator_accounts(uow: UnitOfWork, p: Principal, sel: Selection) -> AccountsCreated:
    """One operator account per picked point, bound to it, with a random one-time password that is returned
    here and stored only as a hash. A point that already has an operator account is reported, not given a
    second one; so is a point whose username is taken by another account. One transaction; an audit entry for
    each account created."""
    require_admin(p)
    async with uow:
        s = uow.session
        picked = await resolve(s, sel)
        live = [x for x in picked if x.site is not None and x.site.active]
        bound = await _bound(s, [x.site_id for x in live])
        names = [username_for(x.site.code) for x in live if x.site is not None]
        taken: set[str] = set()
        for k in range(0, len(names), 500):
            taken |= set((await s.execute(select(User.username).where(User.username.in_(names[k:k + 500]))))
                         .scalars())
        items: list[AccountResult] = []
        todo: list[AccountResult] = []
        for x in picked:
            if x.site is None:
                items.append(AccountResult(x.site_id, "not_found"))
                continue
            name = username_for(x.site.code)
            if not x.site.active:
                item = AccountResult(x.site_id, "inactive", x.site)
            elif bound.get(x.site_id):
                item = AccountResult(x.site_id, "exists", x.site, existing=bound[x.site_id])
            elif len(name) > USERNAME_MAX:
                item = AccountResult(x.site_id, "invalid_username", x.site, username=name)
            elif name in taken:
                item = AccountResult(x.site_id, "username_taken", x.site, username=name)
            else:
                item = AccountResult(x.site_id, "created", x.site, username=name, password=one_time_password())
                todo.append(item)
            items.append(item)
        # argon2 takes tens of milliseconds a hash: off the event loop, side by side
        hashes = await asyncio.gather(*(asyncio.to_thread(hash_password, i.password or "") for i in todo))
        created: list[tuple[AccountResult, User]] = []
        for item, digest in zip(todo, hashes):
            assert item.site is not None
            display = gettext("Operator – %(point)s", point=item.site.name)[:200]
            user = User(username=item.username, display_name=display, password_hash=digest, role=Role.operator,
                        active=True, search=search_text(display, item.username), must_change_password=True)
            user.sites = [item.site]
            s.add(user)
            created.append((item, user))
        if created:
            await s.flush()
        for item, user in created:
            item.user_id = user.id
            audit(s, p, "user.created", site_id=item.site_id, subject=user, role=Role.operator.value, bulk=True)
        await uow.commit()
        return AccountsCreated(items)


async def list_accounts(uow: UnitOfWork, p: Principal, *, q: str | None = None, role: Role | None = None,
                        limit: int = 50, offset: int = 0) -> Page[User]:
    """Accounts for administrators: a diacritic-blind search over name and username, and a role filter."""
    require_admin(p)
    stmt = select(User).order_by(User.username)
    if q and q.strip():
        stmt = stmt.where(User.search.like(like_pattern(q), escape="\\"))
    if role is not None:
        stmt = stmt.where(User.role == role)
    async with uow:
        return await paginate(uow.session, stmt, limit, offset)


@dataclass
class AccountForm:
    user: User | None
    bound: list[BridgeSite]
    found: list[BridgeSite]


async def account_form(uow: UnitOfWork, p: Principal, user_id: int | None, *, site_q: str | None = None,
                       keep_site_ids: list[int] | None = None) -> AccountForm:
    """What the create/edit form shows: the account, its points (or those ticked before), and the points a
    diacritic-blind search finds to bind."""
    require_admin(p)
    async with uow:
        s = uow.session
        user = None
        if user_id is not None:
            user = await s.get(User, user_id)
            if user is None:
                raise NotFound(f"user {user_id} not found", code="user_not_found")
        ids = keep_site_ids if keep_site_ids is not None else ([x.id for x in user.sites] if user else [])
        bound = list((await s.execute(select(BridgeSite).where(BridgeSite.id.in_(ids)).order_by(BridgeSite.code)))
                     .scalars()) if ids else []
        found: list[BridgeSite] = []
        if site_q and site_q.strip():
            found = [x for x in (await s.execute(
                select(BridgeSite).where(BridgeSite.active.is_(True),
                                         BridgeSite.search.like(like_pattern(site_q), escape="\\"))
                .order_by(BridgeSite.code).limit(30))).scalars() if x.id not in set(ids)]
        return AccountForm(user, bound, found)


@dataclass(frozen=True)
class SheetRow:
    code: str
    name: str
    username: str
    password: str


def _cell(value: str) -> str:
    """Text Excel will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def credential_sheet(p: Principal, rows: list[SheetRow], login_url: str) -> bytes:
    """The sheet of new accounts to hand to the points: UTF-8 with a byte-order mark so that Excel shows
    Vietnamese correctly. It is built from what the result page holds; nothing is kept on the server."""
    require_admin(p)
    if not rows:
        raise InvalidInput("the sheet has no accounts", code="empty_selection", field="sheet")
    if len(rows) > MAX_SHEET_ROWS:
        raise InvalidInput("the sheet is too long", code="out_of_range", field="sheet")
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([gettext("Point code"), gettext("Bridge point"), gettext("Username"), gettext("One-time password"),
                gettext("Sign in at")])
    for r in rows:
        w.writerow([_cell(r.code), _cell(r.name), _cell(r.username), _cell(r.password), login_url])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


async def accounts_picker(uow: UnitOfWork, p: Principal, *, q: str | None = None) -> Picker:
    """The unit tree and search of the "operator accounts for many points" form (administrators)."""
    require_admin(p)
    return await picker(uow, p, q=q)


async def accounts_unit_points(uow: UnitOfWork, p: Principal, unit_id: int | None) -> list[PointChoice]:
    require_admin(p)
    return await points_of_unit(uow, p, unit_id)
