"""Every speakers route × every role: need-to-know (404), not-allowed (403), no credentials (401)."""
from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

from api.controllers import speakers as speakers_routes
from tests.support.speakers import Stage, make_stage
from tests.support.matrix import Walk, modules_of, routes_of

ROLES = ["anon", "admin", "org", "chair", "chair_out", "op", "op_out", "viewer", "delegate"]
MANAGERS = {"admin", "org", "chair"}
_n = itertools.count(1)

Prep = Callable[[Any, Stage, str], Awaitable[tuple[str, Any]]]


def table(ok: int, **others: int) -> dict[str, int]:
    """`ok` for the chair and organizers; 403 for other roles that see the conference; 404 for those who don't."""
    out = {r: 403 for r in ROLES} | {"anon": 401, "chair_out": 404, "op_out": 404}
    return out | {r: ok for r in MANAGERS} | others


READ = table(200, op=200, viewer=200, delegate=200)
MANAGE = table(200)


def at(path: str, body: Any = None) -> Prep:
    async def prep(api: Any, st: Stage, role: str) -> tuple[str, Any]:
        return st.base + path, body
    return prep


def managed(make: Callable[[Any, Stage], Awaitable[tuple[str, Any]]]) -> Prep:
    """Prepare a state in which the call can succeed for the chair and organizers; the roles that are refused
    anyway try the last prepared call again."""
    last: list[tuple[str, Any]] = []

    async def prep(api: Any, st: Stage, role: str) -> tuple[str, Any]:
        if role in MANAGERS or not last:
            path, body = await make(api, st)
            last[:] = [(st.base + path, body)]
        return last[0]
    return prep


async def _state(api: Any, st: Stage) -> dict[str, Any]:
    return await api.get(st.base)


async def _fresh_invitation(api: Any, st: Stage) -> int:
    delegate = await api.post("/api/delegates", {"full_name": f"Đại biểu {next(_n)}"})
    return (await api.post(f"{st.conference}/invitations", {"delegate_id": delegate["id"],
                                                            "conference_site_id": st.w.cs_qk3}))["id"]


async def _waiting_entry(api: Any, st: Stage) -> int:
    state = await api.post(f"{st.base}/entries", {"invitation_id": await _fresh_invitation(api, st)})
    return state["waiting"][-1]["id"]


async def _speaking(api: Any, st: Stage) -> dict[str, Any]:
    state = await _state(api, st)
    if state["current"] is None:
        await _waiting_entry(api, st)
        state = await api.post(f"{st.base}/next", expect=200)
    if state["current"]["paused"]:
        state = await api.post(f"{st.base}/resume", expect=200)
    return state


async def _idle(api: Any, st: Stage) -> None:
    if (await _state(api, st))["current"] is not None:
        await api.post(f"{st.base}/end", expect=200)


async def _closed(api: Any, st: Stage, closed: bool) -> None:
    if (await _state(api, st))["closed"] != closed:
        await api.post(f"{st.base}/{'close' if closed else 'reopen'}", expect=200)


async def _pending_request(api: Any, st: Stage, invitation_id: int | None = None) -> int:
    await _closed(api, st, False)
    inv = invitation_id or await _fresh_invitation(api, st)
    pending = (await api.get(f"{st.base}/requests?status=pending"))["items"]
    mine = [r["id"] for r in pending if r["invitation_id"] == inv]
    return mine[0] if mine else (await api.post(f"{st.base}/requests", {"invitation_id": inv}))["id"]


async def _new_item(api: Any, st: Stage) -> tuple[str, Any]:
    await _idle(api, st)
    item = await api.post(f"{st.conference}/agenda", {"kind": "discussion", "title": f"Tham luận {next(_n)}"})
    return "/current-item", {"agenda_item_id": item["id"]}


async def _entry(api: Any, st: Stage) -> tuple[str, Any]:
    return f"/entries/{await _waiting_entry(api, st)}", None


async def _add(api: Any, st: Stage) -> tuple[str, Any]:
    return "/entries", {"invitation_id": await _fresh_invitation(api, st)}


async def _update(api: Any, st: Stage) -> tuple[str, Any]:
    return f"/entries/{await _waiting_entry(api, st)}", {"topic": "Bổ sung", "allotted_minutes": 3}


async def _start(api: Any, st: Stage) -> tuple[str, Any]:
    return f"/entries/{await _waiting_entry(api, st)}/start", None


async def _next(api: Any, st: Stage) -> tuple[str, Any]:
    await _waiting_entry(api, st)
    return "/next", None


async def _pause(api: Any, st: Stage) -> tuple[str, Any]:
    await _speaking(api, st)
    return "/pause", None


async def _resume(api: Any, st: Stage) -> tuple[str, Any]:
    await _speaking(api, st)
    await api.post(f"{st.base}/pause", expect=200)
    return "/resume", None


async def _end(api: Any, st: Stage) -> tuple[str, Any]:
    await _speaking(api, st)
    return "/end", None


async def _readd(api: Any, st: Stage) -> tuple[str, Any]:
    await _speaking(api, st)
    await api.post(f"{st.base}/end", expect=200)
    return "/readd-last", None


async def _reorder(api: Any, st: Stage) -> tuple[str, Any]:
    state = await _state(api, st)
    return "/reorder", {"entry_ids": [e["id"] for e in reversed(state["waiting"])], "version": state["version"]}


async def _close(api: Any, st: Stage) -> tuple[str, Any]:
    await _closed(api, st, False)
    return "/close", None


async def _reopen(api: Any, st: Stage) -> tuple[str, Any]:
    await _closed(api, st, True)
    return "/reopen", None


async def _ask(api: Any, st: Stage, role: str) -> tuple[str, Any]:
    await _closed(api, st, False)
    if role == "delegate":
        return f"{st.base}/requests", {"topic": "Kiến nghị"}
    return f"{st.base}/requests", {"invitation_id": await _fresh_invitation(api, st), "topic": "Tham luận"}


def resolve(action: str, body: Any = None) -> Prep:
    async def prep(api: Any, st: Stage, role: str) -> tuple[str, Any]:
        return f"{st.base}/requests/{await _pending_request(api, st)}/{action}", body
    return prep


async def _withdraw(api: Any, st: Stage, role: str) -> tuple[str, Any]:
    inv = st.inv["ngoc"] if role == "delegate" else None
    return f"{st.base}/requests/{await _pending_request(api, st, inv)}/withdraw", None


MATRIX: list[tuple[str, str, Prep, dict[str, int]]] = [
    ("GET", "state", at(""), READ),
    ("GET", "history", at("/history"), READ),
    ("GET", "totals", at("/totals"), READ),
    ("GET", "requests", at("/requests"), READ | {"viewer": 403}),
    ("PUT", "current item", managed(_new_item), MANAGE),
    ("POST", "add speaker", managed(_add), table(201)),
    ("PATCH", "update speaker", managed(_update), MANAGE),
    ("DELETE", "remove speaker", managed(_entry), MANAGE),
    ("POST", "start speaker", managed(_start), MANAGE),
    ("POST", "next speaker", managed(_next), MANAGE),
    ("POST", "pause", managed(_pause), MANAGE),
    ("POST", "resume", managed(_resume), MANAGE),
    ("POST", "end", managed(_end), MANAGE),
    ("POST", "readd last", managed(_readd), MANAGE),
    ("POST", "reorder", managed(_reorder), MANAGE),
    ("POST", "close", managed(_close), MANAGE),
    ("POST", "reopen", managed(_reopen), MANAGE),
    ("POST", "request floor", _ask, table(201, op=201, delegate=201)),
    ("POST", "accept", resolve("accept"), MANAGE),
    ("POST", "decline", resolve("decline", {"reason": "Không đủ thời gian"}), MANAGE),
    ("POST", "withdraw", _withdraw, table(200, op=200, delegate=200)),
]


async def test_every_speakers_route_for_every_role(api):
    st = await make_stage(api)
    await api.user("admin", "admin")
    await api.user("chair_out", "chair")
    routes = routes_of(api.app, modules_of(speakers_routes.ROUTES))
    assert len(routes) >= 20, routes
    walk = Walk(routes)
    for method, name, prep, expected in MATRIX:
        for role in ROLES:
            path, body = await prep(api, st, role)
            r = await api.call(method, path, None if role == "anon" else role, json=body)
            walk.check(method, name, path, role, r, expected[role])
    walk.assert_complete("speakers")
