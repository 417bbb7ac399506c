"""Organisation tree of units."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal, require_staff
from domain.errors import Conflict, InvalidInput, NotFound
from domain.models import BridgeSite, Delegate, Unit
from domain.text import like_pattern, search_text
from domain.uow import UnitOfWork
from domain.common import Page, check_text, must_exist, paginate


async def list_units(uow: UnitOfWork, p: Principal, *, q: str | None = None, parent_id: int | None = None,
                     limit: int = 50, offset: int = 0) -> Page[Unit]:
    stmt = select(Unit).order_by(Unit.code)
    if q:
        stmt = stmt.where(Unit.search.like(like_pattern(q), escape="\\"))
    if parent_id is not None:
        stmt = stmt.where(Unit.parent_id == parent_id)
    async with uow:
        return await paginate(uow.session, stmt, limit, offset)


async def _get(uow: UnitOfWork, unit_id: int) -> Unit:
    unit = await uow.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"unit {unit_id} not found", code="unit_not_found")
    return unit


async def get_unit(uow: UnitOfWork, p: Principal, unit_id: int) -> Unit:
    async with uow:
        return await _get(uow, unit_id)


async def _check_code(uow: UnitOfWork, code: str, own_id: int | None = None) -> None:
    found = (await uow.session.execute(select(Unit.id).where(Unit.code == code))).scalar_one_or_none()
    if found is not None and found != own_id:
        raise Conflict(f"a unit with code {code!r} exists", code="duplicate_code", field="code")


async def create_unit(uow: UnitOfWork, p: Principal, fields: dict[str, Any]) -> Unit:
    require_staff(p)
    check_text(fields.get("code"), "code")
    check_text(fields.get("name"), "name")
    async with uow:
        await _check_code(uow, fields["code"])
        await must_exist(uow.session, Unit, fields.get("parent_id"), "parent_id")
        unit = Unit(**fields, search=search_text(fields["name"], fields["code"]))
        uow.session.add(unit)
        await uow.commit()
        return unit


async def update_unit(uow: UnitOfWork, p: Principal, unit_id: int, fields: dict[str, Any]) -> Unit:
    require_staff(p)
    for f in ("code", "name"):
        check_text(fields.get(f), f)
    async with uow:
        unit = await _get(uow, unit_id)
        if "code" in fields:
            await _check_code(uow, fields["code"], unit.id)
        if fields.get("parent_id") is not None:
            ancestor = await must_exist(uow.session, Unit, fields["parent_id"], "parent_id")
            while ancestor is not None:
                if ancestor.id == unit.id:
                    raise InvalidInput("a unit cannot be placed under itself", code="unit_cycle",
                                       field="parent_id")
                ancestor = await uow.session.get(Unit, ancestor.parent_id) if ancestor.parent_id else None
        for k, v in fields.items():
            setattr(unit, k, v)
        unit.search = search_text(unit.name, unit.code)
        await uow.commit()
        return unit


async def delete_unit(uow: UnitOfWork, p: Principal, unit_id: int) -> None:
    require_staff(p)
    async with uow:
        unit = await _get(uow, unit_id)
        s = uow.session
        for model, what in ((Unit, "child units"), (BridgeSite, "bridge sites"), (Delegate, "delegates")):
            col = model.parent_id if model is Unit else model.unit_id
            if (await s.execute(select(exists().where(col == unit.id)))).scalar():
                raise Conflict(f"unit {unit.code} still has {what}", code="unit_in_use")
        await s.delete(unit)
        await uow.commit()


# ---- the tree, for the registry pages ----
@dataclass
class UnitNode:
    """A unit in the tree: its ancestors' names (root first), depth, children, and how much hangs on it.
    `unit` is a row with the unit's id, code, name and parent_id."""
    unit: Any
    path: list[str]
    depth: int
    children: list["UnitNode"] = field(default_factory=list)
    sites: int = 0
    delegates: int | None = None  # counted for those who may read delegate data (staff) only

    @property
    def label(self) -> str:
        """The unit's name indented by its depth (options of a <select>)."""
        return "\u2003" * self.depth + self.unit.name


@dataclass
class UnitTree:
    roots: list[UnitNode]
    nodes: list[UnitNode]  # depth-first, children by name (ignoring accents, as in Vietnamese order): the order of
    #                        the tree and of every unit <select>
    by_id: dict[int, UnitNode]
    matches: list[UnitNode] | None = None  # for a search: the units found, each with its path

    def options(self, exclude_subtree_of: int | None = None) -> list[tuple[int, str]]:
        skip = set(subtree(self.by_id[exclude_subtree_of])) if exclude_subtree_of in self.by_id else set()
        return [(n.unit.id, n.label) for n in self.nodes if n.unit.id not in skip]

    def path_of(self, unit_id: int | None) -> str:
        node = self.by_id.get(unit_id) if unit_id is not None else None
        return " › ".join([*node.path, node.unit.name]) if node else ""


def subtree(node: UnitNode) -> list[int]:
    out = [node.unit.id]
    for child in node.children:
        out.extend(subtree(child))
    return out


def within(unit_id: int) -> Select[Any]:
    """Ids of a unit and every unit under it (a recursive query, the same on SQLite and PostgreSQL)."""
    tree = select(Unit.id).where(Unit.id == unit_id).cte("unit_subtree", recursive=True)
    tree = tree.union_all(select(Unit.id).where(Unit.parent_id == tree.c.id))
    return select(tree.c.id)


async def load_tree(session: AsyncSession, *, counts: bool = False, delegate_counts: bool = False) -> UnitTree:
    # plain rows (id, code, name, parent_id), not ORM objects: the tree is built on every registry page
    # in the order of the name ignoring accents (the search column starts with it), as a Vietnamese reader expects
    units = (await session.execute(select(Unit.id, Unit.code, Unit.name, Unit.parent_id)
                                   .order_by(Unit.search, Unit.id))).all()
    kids: dict[int | None, list[Any]] = {}
    ids = {u.id for u in units}
    for u in units:  # a parent that vanished cannot happen (RESTRICT), but never lose a unit over it
        kids.setdefault(u.parent_id if u.parent_id in ids else None, []).append(u)
    sites: dict[int, int] = {}
    people: dict[int, int] = {}
    if counts:
        sites = dict((await session.execute(select(BridgeSite.unit_id, func.count()).where(
            BridgeSite.unit_id.is_not(None)).group_by(BridgeSite.unit_id))).tuples().all())
    if delegate_counts:
        people = dict((await session.execute(select(Delegate.unit_id, func.count()).where(
            Delegate.unit_id.is_not(None)).group_by(Delegate.unit_id))).tuples().all())
    nodes: list[UnitNode] = []
    by_id: dict[int, UnitNode] = {}

    def build(parent: int | None, path: list[str], depth: int) -> list[UnitNode]:
        out = []
        for u in kids.get(parent, []):
            node = UnitNode(u, path, depth, sites=sites.get(u.id, 0),
                            delegates=people.get(u.id, 0) if delegate_counts else None)
            nodes.append(node)
            by_id[u.id] = node
            node.children = build(u.id, [*path, u.name], depth + 1)
            out.append(node)
        return out

    roots = build(None, [], 0)
    return UnitTree(roots, nodes, by_id)


async def unit_tree(uow: UnitOfWork, p: Principal, *, q: str | None = None) -> UnitTree:
    """The whole tree (readable by every signed-in role, like the unit list); with `q`, the units whose name or
    code matches, ignoring case and diacritics, each with its path."""
    async with uow:
        tree = await load_tree(uow.session, counts=True, delegate_counts=p.is_staff)
        if q and q.strip():
            found = set((await uow.session.execute(
                select(Unit.id).where(Unit.search.like(like_pattern(q), escape="\\")))).scalars().all())
            tree.matches = [n for n in tree.nodes if n.unit.id in found]
        return tree


@dataclass
class UnitForm:
    """A unit's page: the unit (None for a new one), where it sits, and the parents it may be placed under."""
    unit: Unit | None
    node: UnitNode | None
    parents: list[tuple[int, str]]


async def unit_form(uow: UnitOfWork, p: Principal, unit_id: int | None = None) -> UnitForm:
    """A unit with its place in the tree (every signed-in role may read it); a new one only for organizers."""
    if unit_id is None:
        require_staff(p)
    async with uow:
        unit = await _get(uow, unit_id) if unit_id is not None else None
        tree = await load_tree(uow.session, counts=unit is not None, delegate_counts=p.is_staff)
        return UnitForm(unit, tree.by_id.get(unit_id) if unit_id is not None else None,
                        tree.options(exclude_subtree_of=unit_id))
