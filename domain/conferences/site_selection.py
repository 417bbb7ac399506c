"""Picking many bridge points at once (the unit tree, diacritic-blind search, "every point under this unit"),
adding them to a conference in one transaction with a result per point, and the points page's view of a
conference's points (unit, role, chair, operators, expected attendance with its capacity warning)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.access import Principal, require_staff, visible_conference
from domain.errors import InvalidInput, NotFound
from domain.models import (ACTIVE_INVITATION, BridgeSite, Conference, ConferenceSite, Delegate, Invitation, Role,
                      SiteRole, Unit, User, conference_site_operators)
from domain.text import like_pattern
from domain.uow import UnitOfWork
from domain.conferences import sites as conference_sites
from domain.users import service as users
from domain.common import READ_ONLY, audit, ensure_editable, must_exist
from domain.registry.units import within
from domain.conferences.overlap import _overlapping  # the one definition of "overlapping conference" (also used by check_sites_free)

CHUNK = 500  # ids per IN (...) list: far below SQLite's and PostgreSQL's parameter limits
MAX_SELECTION = 20_000
MAX_UNITS = 1_000  # units ticked at once (each is one recursive query)
MAX_DEPTH = 100  # levels of units followed under a unit
OPEN_CHILDREN = 60  # a root of the lazy tree with more units right under it stays closed at first


# ---- the unit tree and the search ----
@dataclass
class UnitNode:
    unit: Unit
    depth: int
    direct: int = 0       # points directly at this unit
    total: int = 0        # points in this unit's subtree
    added: int = 0        # of those, already in the conference
    children: list["UnitNode"] = field(default_factory=list)
    lazy: bool = False    # the children are not loaded: they come with the branch when it opens

    @property
    def has_units(self) -> bool:
        """Units with points hang under this one (loaded or not)."""
        return bool(self.children) or (self.lazy and self.total > self.direct)


@dataclass
class PointChoice:
    site: BridgeSite
    unit_name: str
    added: bool = False   # already takes part in the conference


@dataclass
class Picker:
    """What the "add points" panel shows: the tree (no query) or what a query found."""
    roots: list[UnitNode]
    unassigned: int                      # active points without a unit
    q: str = ""
    units: list[UnitNode] = field(default_factory=list)
    points: list[PointChoice] = field(default_factory=list)
    more: bool = False


@dataclass
class Branch:
    """One branch of the tree opened (htmx): the units right under it and the points directly at it."""
    unit_id: int | None
    units: list[UnitNode]
    points: list[PointChoice]
    more: bool = False                   # more points are directly at this unit than shown


def _children(units: Iterable[Unit]) -> dict[int | None, list[Unit]]:
    out: dict[int | None, list[Unit]] = {}
    for u in units:
        out.setdefault(u.parent_id, []).append(u)
    for siblings in out.values():
        siblings.sort(key=lambda u: u.code)
    return out


def _added_flag(conference_id: int | None) -> tuple[Any, Any]:
    """A column "this point is already in the conference" and the outer join that gives it."""
    if conference_id is None:
        return literal(False), None
    cs = aliased(ConferenceSite)
    return cs.id.is_not(None), (cs, and_(cs.site_id == BridgeSite.id, cs.conference_id == conference_id))


async def _counts(s: AsyncSession, tops: list[int], conference_id: int | None,
                  own: list[int] | None = None) -> dict[int, tuple[int, int, int]]:
    """{unit id: (points in its subtree, of those already in the conference, points directly at it)} for the
    units `tops`, active points only, in one aggregate over a recursive query; the units `own` count only their
    own points (their subtrees are counted another way). A unit's depth under its top is bounded (MAX_DEPTH), so
    a loop in bad data ends instead of running forever."""
    if not tops and not own:
        return {}
    deep = case((Unit.id.in_(tops), 1), else_=0) if own else literal(1)
    anchor = select(Unit.id.label("top"), Unit.id.label("id"), deep.label("deep")).where(
        or_(Unit.id.in_(tops), Unit.id.in_(own)) if own else Unit.id.in_(tops))
    tree = anchor.cte("unit_tops", recursive=True)
    under = aliased(Unit)
    tree = tree.union_all(select(tree.c.top, under.id, tree.c.deep + 1).join(under, under.parent_id == tree.c.id)
                          .where(tree.c.deep > 0, tree.c.deep < MAX_DEPTH))
    added, join = _added_flag(conference_id)
    stmt = (select(tree.c.top, func.count(BridgeSite.id),
                   func.coalesce(func.sum(case((added, 1), else_=0)), 0),
                   func.coalesce(func.sum(case((BridgeSite.unit_id == tree.c.top, 1), else_=0)), 0))
            .select_from(tree).join(BridgeSite, and_(BridgeSite.unit_id == tree.c.id, BridgeSite.active.is_(True))))
    if join is not None:
        stmt = stmt.outerjoin(*join)
    rows = (await s.execute(stmt.group_by(tree.c.top))).all()
    return {top: (int(total), int(done), int(direct)) for top, total, done, direct in rows}


def _nodes(units: list[Any], counts: dict[int, tuple[int, int, int]], depth: int) -> list[UnitNode]:
    """Nodes of the units that lead to points, lazy (children come with their branch)."""
    out = []
    for u in units:
        total, added, direct = counts.get(u.id, (0, 0, 0))
        if total:
            out.append(UnitNode(u, depth, direct=direct, total=total, added=added, lazy=True))
    return out


async def _top_levels(s: AsyncSession, conference_id: int | None) -> tuple[list[UnitNode], int]:
    """The roots of the tree, each open with the units right under it when there are at most OPEN_CHILDREN of
    them (a bigger root stays closed and loads like any branch), with their point counts from aggregate queries:
    an open root's subtree is its own points plus its children's; a closed root's is counted by the recursive
    query, except the biggest one's, which is every point with a unit less the other roots' (so the cost of the
    page does not grow with the biggest subtree). Also the active points without a unit."""
    child = aliased(Unit)
    n_children = select(func.count(child.id)).where(child.parent_id == Unit.id).scalar_subquery()
    roots = (await s.execute(select(Unit, n_children).where(Unit.parent_id.is_(None)).order_by(Unit.code))).all()
    open_ids = [u.id for u, n in roots if n <= OPEN_CHILDREN]
    closed = sorted(((n, u.id) for u, n in roots if n > OPEN_CHILDREN), reverse=True)
    rest = closed[0][1] if closed else None
    children = list((await s.execute(select(Unit).where(Unit.parent_id.in_(open_ids)).order_by(Unit.code)))
                    .scalars()) if open_ids else []
    counts = await _counts(s, [*(i for _, i in closed[1:]), *(u.id for u in children)], conference_id,
                           own=[*open_ids, *([rest] if rest else [])])
    added, join = _added_flag(conference_id)
    with_unit = BridgeSite.unit_id.is_not(None)
    everything = select(func.count(BridgeSite.id).filter(with_unit),
                        func.count(BridgeSite.id).filter(and_(with_unit, added)),
                        func.count(BridgeSite.id).filter(BridgeSite.unit_id.is_(None))
                        ).where(BridgeSite.active.is_(True))
    if join is not None:
        everything = everything.outerjoin(*join)
    all_total, all_added, unassigned = (await s.execute(everything)).one()
    nodes = []
    for u, _ in roots:
        total, done, direct = counts.get(u.id, (0, 0, 0))
        node = UnitNode(u, 0, direct=direct, total=total, added=done, lazy=u.id not in open_ids)
        if not node.lazy:
            node.children = _nodes([c for c in children if c.parent_id == u.id], counts, 1)
            node.total = direct + sum(c.total for c in node.children)
            node.added = done + sum(c.added for c in node.children)
        nodes.append(node)
    for node in nodes:
        if node.unit.id == rest:
            node.total = int(all_total or 0) - sum(n.total for n in nodes if n is not node)
            node.added = int(all_added or 0) - sum(n.added for n in nodes if n is not node)
    return [n for n in nodes if n.total > 0], int(unassigned or 0)


async def _tree(s: AsyncSession, added_ids: set[int]) -> tuple[list[UnitNode], dict[int, UnitNode], int]:
    """The whole tree at once (the operator-accounts form, which has no branch route)."""
    units = list((await s.execute(select(Unit))).scalars())
    rows = (await s.execute(select(BridgeSite.id, BridgeSite.unit_id).where(BridgeSite.active.is_(True)))).all()
    kids = _children(units)
    nodes: dict[int, UnitNode] = {}

    def build(u: Unit, depth: int, path: frozenset[int]) -> UnitNode:
        node = UnitNode(u, depth)
        nodes[u.id] = node
        node.children = [build(c, depth + 1, path | {c.id}) for c in kids.get(u.id, []) if c.id not in path]
        return node

    roots = [build(u, 0, frozenset({u.id})) for u in kids.get(None, [])]
    parents = {u.id: u.parent_id for u in units}
    unassigned = 0
    for site_id, unit_id in rows:
        if unit_id is None or unit_id not in nodes:
            unassigned += 1
            continue
        nodes[unit_id].direct += 1
        uid: int | None = unit_id
        seen: set[int] = set()
        while uid is not None and uid in nodes and uid not in seen:
            seen.add(uid)
            nodes[uid].total += 1
            nodes[uid].added += site_id in added_ids
            uid = parents.get(uid)
    # only branches that lead to points are worth showing
    def prune(ns: list[UnitNode]) -> list[UnitNode]:
        kept = [n for n in ns if n.total]
        for n in kept:
            n.children = prune(n.children)
        return kept
    return prune(roots), nodes, unassigned


async def picker(uow: UnitOfWork, p: Principal, *, conference_id: int | None = None, q: str | None = None,
                 limit: int = 40, lazy: bool = False, tree: bool = True) -> Picker:
    """The unit tree with point counts and, for a query, the units and points a diacritic-blind search finds (at
    most `limit` of each). `lazy`: only the two top levels of the tree, counted by aggregate queries (the rest
    loads by branch, `branch()`); otherwise the whole tree. `tree=False`: only what the query finds."""
    async with uow:
        s = uow.session
        if conference_id is not None:
            await visible_conference(s, p, conference_id)  # 404 before 403, as everywhere
        require_staff(p)
        view = Picker([], 0, q=(q or "").strip())
        if tree and lazy:
            view.roots, view.unassigned = await _top_levels(s, conference_id)
        elif tree:
            view.roots, _, view.unassigned = await _tree(s, await _in_conference(s, conference_id))
        if view.q:
            pattern = like_pattern(view.q)
            found = list((await s.execute(select(Unit).where(Unit.search.like(pattern, escape="\\"))
                                          .order_by(Unit.code).limit(limit))).scalars())
            counts = await _counts(s, [u.id for u in found], conference_id) if found else {}
            view.units = _nodes(found, counts, 0)
            view.points = await _choices(s, select(BridgeSite).where(
                BridgeSite.active.is_(True), BridgeSite.search.like(pattern, escape="\\")), conference_id, limit + 1)
            view.more = len(view.points) > limit
            view.points = view.points[:limit]
        return view


async def _in_conference(s: AsyncSession, conference_id: int | None) -> set[int]:
    if conference_id is None:
        return set()
    return set((await s.execute(select(ConferenceSite.site_id)
                                .where(ConferenceSite.conference_id == conference_id))).scalars())


async def _choices(s: AsyncSession, stmt: Any, conference_id: int | None, limit: int) -> list[PointChoice]:
    added, join = _added_flag(conference_id)
    stmt = stmt.add_columns(Unit.name, added).outerjoin(Unit, Unit.id == BridgeSite.unit_id)
    if join is not None:
        stmt = stmt.outerjoin(*join)
    rows = (await s.execute(stmt.order_by(BridgeSite.code).limit(limit))).all()
    return [PointChoice(site, unit_name or "", bool(done)) for site, unit_name, done in rows]


async def points_of_unit(uow: UnitOfWork, p: Principal, unit_id: int | None, *,
                         conference_id: int | None = None, limit: int = 500) -> list[PointChoice]:
    """The active points directly at one unit (None: points without a unit), for one branch of the tree."""
    async with uow:
        s = uow.session
        if conference_id is not None:
            await visible_conference(s, p, conference_id)
        require_staff(p)
        if unit_id is not None:
            await must_exist(s, Unit, unit_id, "unit_id")
        cond = BridgeSite.unit_id == unit_id if unit_id is not None else BridgeSite.unit_id.is_(None)
        return await _choices(s, select(BridgeSite).where(BridgeSite.active.is_(True), cond), conference_id, limit)


async def branch(uow: UnitOfWork, p: Principal, conference_id: int, unit_id: int | None, *,
                 limit: int = 500) -> Branch:
    """One branch of the lazy tree: the units right under `unit_id` that lead to points (each counted by one
    aggregate query, their own branches lazy) and the points directly at it (None: the points without a unit)."""
    async with uow:
        s = uow.session
        await visible_conference(s, p, conference_id)
        require_staff(p)
        units: list[UnitNode] = []
        if unit_id is not None:
            await must_exist(s, Unit, unit_id, "unit_id")
            under = list((await s.execute(select(Unit).where(Unit.parent_id == unit_id).order_by(Unit.code)))
                         .scalars())
            counts = await _counts(s, [u.id for u in under], conference_id)
            units = _nodes(under, counts, 1)
        cond = BridgeSite.unit_id == unit_id if unit_id is not None else BridgeSite.unit_id.is_(None)
        points = await _choices(s, select(BridgeSite).where(BridgeSite.active.is_(True), cond), conference_id,
                                limit + 1)
        return Branch(unit_id, units, points[:limit], len(points) > limit)


# ---- a selection → the points it names ----
@dataclass
class Selection:
    site_ids: list[int] = field(default_factory=list)
    unit_ids: list[int] = field(default_factory=list)
    include_subunits: bool = True


@dataclass
class Picked:
    site_id: int
    site: BridgeSite | None  # None: no such point


async def resolve(s: AsyncSession, sel: Selection) -> list[Picked]:
    """The points a selection names, each once, in a stable order: the units' points by code, then the ids
    picked one by one. Nothing picked, or an unknown unit, is bad input naming the field."""
    if not sel.site_ids and not sel.unit_ids:
        raise InvalidInput("pick at least one bridge point or unit", code="empty_selection", field="site_ids")
    if len(sel.site_ids) > MAX_SELECTION:
        raise InvalidInput(f"at most {MAX_SELECTION} points at once", code="out_of_range", field="site_ids")
    if len(sel.unit_ids) > MAX_UNITS:
        raise InvalidInput(f"at most {MAX_UNITS} units at once", code="out_of_range", field="unit_ids")
    out: dict[int, Picked] = {}
    if sel.unit_ids:
        unit_ids = list(dict.fromkeys(sel.unit_ids))
        known: set[int] = set()
        for chunk in _chunks(unit_ids):
            known.update((await s.execute(select(Unit.id).where(Unit.id.in_(chunk)))).scalars())
        for uid in unit_ids:
            if uid not in known:
                await must_exist(s, Unit, uid, "unit_id")  # raises the usual "no such unit" at the field
        found: dict[int, BridgeSite] = {}
        for uid in unit_ids:  # the subtree in SQL (units.within), one statement per ticked unit
            where = BridgeSite.unit_id.in_(within(uid)) if sel.include_subunits else BridgeSite.unit_id == uid
            found.update((x.id, x) for x in (await s.execute(select(BridgeSite).where(
                where, BridgeSite.active.is_(True)))).scalars())
        for site in sorted(found.values(), key=lambda x: x.code):
            out.setdefault(site.id, Picked(site.id, site))
    ids = [i for i in dict.fromkeys(sel.site_ids) if i not in out]
    by_id: dict[int, BridgeSite] = {}
    for chunk in _chunks(ids):
        by_id.update((x.id, x) for x in (await s.execute(select(BridgeSite).where(BridgeSite.id.in_(chunk))))
                     .scalars())
    for i in ids:
        out[i] = Picked(i, by_id.get(i))
    return list(out.values())


async def _taken(s: AsyncSession, conference_id: int, site_ids: list[int]) -> set[int]:
    """Which of these points already take part in the conference."""
    out: set[int] = set()
    for chunk in _chunks(site_ids):
        out.update((await s.execute(select(ConferenceSite.site_id).where(
            ConferenceSite.conference_id == conference_id, ConferenceSite.site_id.in_(chunk)))).scalars())
    return out


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for k in range(0, len(ids), CHUNK):
        yield ids[k:k + CHUNK]


# ---- adding many points to a conference ----
@dataclass
class AddResult:
    site_id: int
    result: str  # added | already_added | busy | inactive | not_found
    site: BridgeSite | None = None
    conference_site_id: int | None = None
    conflicting_conference: dict[str, Any] | None = None


@dataclass
class BulkAdd:
    conference: Conference
    items: list[AddResult]

    def count(self, result: str) -> int:
        return sum(1 for i in self.items if i.result == result)


async def _busy(s: AsyncSession, conf: Conference, ids: list[int]) -> dict[int, Conference]:
    busy: dict[int, Conference] = {}
    for chunk in _chunks(ids):
        rows = (await s.execute(
            select(Conference, ConferenceSite.site_id).join(ConferenceSite, ConferenceSite.conference_id == Conference.id)
            .where(ConferenceSite.site_id.in_(chunk), *_overlapping(conf.starts_at, conf.ends_at, conf.id))
            .order_by(Conference.starts_at))).all()
        for other, site_id in rows:
            busy.setdefault(site_id, other)
    return busy


async def add_points(uow: UnitOfWork, p: Principal, conference_id: int, sel: Selection) -> BulkAdd:
    """Add every point of the selection as a remote point, in one transaction. Each point gets a result: added,
    already_added, busy (names the overlapping conference), inactive or not_found; the others are still added."""
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id, for_update=True)
        require_staff(p)
        ensure_editable(conf)
        picked = await resolve(s, sel)
        taken = await _taken(s, conf.id, [x.site_id for x in picked if x.site is not None])
        busy = await _busy(s, conf, [x.site_id for x in picked if x.site is not None and x.site_id not in taken])
        items: list[AddResult] = []
        new: list[tuple[AddResult, ConferenceSite]] = []
        for x in picked:
            if x.site is None:
                items.append(AddResult(x.site_id, "not_found"))
            elif x.site_id in taken:
                items.append(AddResult(x.site_id, "already_added", x.site))
            elif not x.site.active:
                items.append(AddResult(x.site_id, "inactive", x.site))
            elif x.site_id in busy:
                other = busy[x.site_id]
                items.append(AddResult(x.site_id, "busy", x.site,
                                       conflicting_conference={"id": other.id, "title": other.title}))
            else:
                cs = ConferenceSite(conference_id=conf.id, site_id=x.site_id, role=SiteRole.remote,
                                    expected_attendance=0)
                s.add(cs)
                item = AddResult(x.site_id, "added", x.site)
                items.append(item)
                new.append((item, cs))
        if new:
            await s.flush()
        for item, cs in new:
            item.conference_site_id = cs.id
            audit(s, p, "conference_site.added", conference_id=conf.id, site_id=cs.site_id, subject=cs, bulk=True)
            uow.emit(conf.id, "sites_changed", conference_site_id=cs.id)
        await uow.commit()
        return BulkAdd(conf, items)


# ---- the points page ----
@dataclass
class PointRow:
    conference_site: ConferenceSite
    site: BridgeSite
    unit_name: str
    chair: Delegate | None = None
    operators: list[User] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)


@dataclass
class PointsView:
    conference: Conference
    rows: list[PointRow]
    total: int
    limit: int
    offset: int
    editable: bool       # the caller may change the points and the conference is not read-only
    details: bool        # chair and operators are shown (organizers)
    expected: int = 0    # sum over all the conference's points
    capacity: int = 0
    over_capacity: int = 0
    matching: int = 0    # the points the search and the unit filter keep (all of them without a filter)
    q: str = ""          # the search over the point's and its unit's name and code
    unit_id: int | None = None                  # only points in this unit's subtree
    unit_options: list[tuple[int, str]] = field(default_factory=list)  # the units the filter offers

    @property
    def filtered(self) -> bool:
        return bool(self.q) or self.unit_id is not None


def _detail_allowed(p: Principal) -> bool:
    return p.is_staff


async def _rows(s: AsyncSession, cs_list: list[ConferenceSite], details: bool) -> list[PointRow]:
    if not cs_list:
        return []
    site_ids = [cs.site_id for cs in cs_list]
    sites = {x.id: (x, name or "") for x, name in (await s.execute(
        select(BridgeSite, Unit.name).outerjoin(Unit, Unit.id == BridgeSite.unit_id)
        .where(BridgeSite.id.in_(site_ids)))).all()}
    chairs: dict[int, Delegate] = {}
    ops: dict[int, list[User]] = {cs.id: [] for cs in cs_list}
    if details:
        chair_ids = [cs.chair_delegate_id for cs in cs_list if cs.chair_delegate_id]
        if chair_ids:
            chairs = {d.id: d for d in (await s.execute(select(Delegate).where(Delegate.id.in_(chair_ids)))).scalars()}
        for cs_id, user in (await s.execute(
                select(conference_site_operators.c.conference_site_id, User)
                .join(User, User.id == conference_site_operators.c.user_id)
                .where(conference_site_operators.c.conference_site_id.in_(list(ops)))
                .order_by(User.display_name, User.username))).all():
            ops[cs_id].append(user)
    rows = []
    for cs in cs_list:
        site, unit_name = sites[cs.site_id]
        rows.append(PointRow(cs, site, unit_name, chairs.get(cs.chair_delegate_id or 0), ops[cs.id],
                             conference_sites.capacity_warnings(site, cs.expected_attendance)))
    return rows


FILTER_UNITS = 400  # units offered by the list's unit filter (the two top levels of the tree)


async def _unit_options(s: AsyncSession, selected: int | None) -> list[tuple[int, str]]:
    """The list's unit filter: the roots and the units right under them (indented), and the selected unit when
    it sits deeper."""
    roots = select(Unit.id).where(Unit.parent_id.is_(None))
    units = (await s.execute(select(Unit.id, Unit.name, Unit.parent_id)
                             .where(Unit.parent_id.is_(None) | Unit.parent_id.in_(roots))
                             .order_by(Unit.code).limit(FILTER_UNITS))).all()
    kids: dict[int | None, list[Any]] = {}
    for u in units:
        kids.setdefault(u.parent_id, []).append(u)
    out = []
    for root in kids.get(None, []):
        out.append((root.id, root.name))
        out.extend((u.id, "\u2003" + u.name) for u in kids.get(root.id, []))
    if selected is not None and all(i != selected for i, _ in out):
        name = (await s.execute(select(Unit.name).where(Unit.id == selected))).scalar_one_or_none()
        if name is not None:
            out.insert(0, (selected, name))
    return out


async def conference_points(uow: UnitOfWork, p: Principal, conference_id: int, *, limit: int = 50,
                            offset: int = 0, q: str | None = None, unit_id: int | None = None) -> PointsView:
    """A page of the conference's points (host first, then by code), optionally only those a diacritic-blind
    search over the point's and its unit's name and code finds and those in a unit's subtree; with totals over
    all the conference's points from aggregate queries. Everyone who may see the conference sees its points;
    only organizers see chairs and operators and may change them."""
    q = (q or "").strip()
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        total, expected, capacity, over = (await s.execute(
            select(func.count(ConferenceSite.id), func.coalesce(func.sum(ConferenceSite.expected_attendance), 0),
                   func.coalesce(func.sum(BridgeSite.capacity), 0),
                   func.coalesce(func.sum(case((and_(BridgeSite.capacity > 0,
                                                     ConferenceSite.expected_attendance > BridgeSite.capacity), 1),
                                               else_=0)), 0))
            .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
            .where(ConferenceSite.conference_id == conf.id))).one()
        conds: list[Any] = [ConferenceSite.conference_id == conf.id]
        if unit_id is not None:
            await must_exist(s, Unit, unit_id, "unit_id")
            conds.append(BridgeSite.unit_id.in_(within(unit_id)))
        if q:
            pattern = like_pattern(q)
            conds.append(or_(BridgeSite.search.like(pattern, escape="\\"),
                             BridgeSite.unit_id.in_(select(Unit.id).where(Unit.search.like(pattern, escape="\\")))))
        matching = total
        if len(conds) > 1:
            matching = (await s.execute(select(func.count(ConferenceSite.id))
                                        .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
                                        .where(*conds))).scalar_one()
        page = list((await s.execute(select(ConferenceSite).join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
                                     .where(*conds).order_by(ConferenceSite.role, BridgeSite.code)
                                     .limit(limit).offset(offset))).scalars())
        details = _detail_allowed(p)
        rows = await _rows(s, page, details)
        return PointsView(conf, rows, int(total), limit, offset, p.is_staff and conf.status not in READ_ONLY,
                          details, int(expected), int(capacity), int(over), matching=int(matching), q=q,
                          unit_id=unit_id, unit_options=await _unit_options(s, unit_id))


@dataclass
class PointEditor:
    conference: Conference
    row: PointRow
    chair_options: list[Delegate] = field(default_factory=list)
    operator_options: list[users.PickedUser] = field(default_factory=list)


async def point_row(uow: UnitOfWork, p: Principal, conference_id: int, cs_id: int) -> tuple[Conference, PointRow]:
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        cs = await s.get(ConferenceSite, cs_id)
        if cs is None or cs.conference_id != conf.id:
            raise NotFound(f"conference site {cs_id} not found", code="conference_site_not_found")
        return conf, (await _rows(s, [cs], _detail_allowed(p)))[0]


async def point_editor(uow: UnitOfWork, p: Principal, conference_id: int, cs_id: int) -> PointEditor:
    """One point's edit form: the delegates who may chair it (invited at this point, or of the point's unit and
    the units under it) and the operators bound to it (the user picker)."""
    conf, row = await point_row(uow, p, conference_id, cs_id)
    require_staff(p)
    async with uow:
        s = uow.session
        invited = select(Invitation.delegate_id).where(Invitation.conference_site_id == cs_id,
                                                       Invitation.status.in_(ACTIVE_INVITATION))
        cond = Delegate.id.in_(invited)
        if row.site.unit_id is not None:
            cond = cond | Delegate.unit_id.in_(within(row.site.unit_id))
        chairs = list((await s.execute(select(Delegate).where(cond).order_by(Delegate.full_name).limit(300)))
                      .scalars())
        if row.chair is not None and all(d.id != row.chair.id for d in chairs):
            chairs.insert(0, row.chair)
    operators = await users.pick_users(uow, p, role=Role.operator, site_id=row.site.id, limit=100)
    known = {o.id for o in operators}
    operators += [users.PickedUser(u.id, u.username, u.display_name, u.role, []) for u in row.operators
                  if u.id not in known]
    return PointEditor(conf, row, chairs, operators)


async def save_point(uow: UnitOfWork, p: Principal, conference_id: int, cs_id: int,
                     fields: dict[str, Any]) -> tuple[Conference, PointRow]:
    """Change one point (the rules are conference_sites.update_conference_site's) and give back its row."""
    await conference_sites.update_conference_site(uow, p, conference_id, cs_id, fields)
    return await point_row(uow, p, conference_id, cs_id)


async def remove_point(uow: UnitOfWork, p: Principal, conference_id: int, cs_id: int) -> BridgeSite:
    """Remove one point (conference_sites.remove_conference_site's rules); the removed point, to name it."""
    _, row = await point_row(uow, p, conference_id, cs_id)
    await conference_sites.remove_conference_site(uow, p, conference_id, cs_id)
    return row.site


# ---- the page as a whole ----
@dataclass
class PointsPage:
    view: PointsView
    picker: Picker | None  # the "add points" panel, for those who may add
    added: BulkAdd | None = None


async def points_page(uow: UnitOfWork, p: Principal, conference_id: int, *, q: str | None = None,
                      limit: int = 50, offset: int = 0, list_q: str | None = None, unit_id: int | None = None,
                      added: BulkAdd | None = None) -> PointsPage:
    """The points tab: a page of the list (`list_q`, `unit_id`: its search and unit filter) and, for those who
    may add, the "add points" panel with the two top levels of the unit tree (and what `q` finds)."""
    view = await conference_points(uow, p, conference_id, limit=limit, offset=offset, q=list_q, unit_id=unit_id)
    pick = await picker(uow, p, conference_id=conference_id, q=q, lazy=True) if view.editable else None
    return PointsPage(view, pick, added)


async def add_points_page(uow: UnitOfWork, p: Principal, conference_id: int, sel: Selection, *,
                          limit: int = 50) -> PointsPage:
    """Add the selection (add_points), then the page with each point's result."""
    done = await add_points(uow, p, conference_id, sel)
    return await points_page(uow, p, conference_id, limit=limit, added=done)
