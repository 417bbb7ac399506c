"""Building blocks for the check-in tests: a world with operators, a settable clock, scans and recorded events."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domain.uow import DomainEvent
from tests.support.factories import T0, World, make_world

_nonces = itertools.count(1)


class Clock:
    """The time the check-in desks see (app.state.clock)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Desks:
    """make_world's conference plus operators: `op` at QK3 (Nguyễn Quang Ngọc's site), `op_hq` at HQ."""
    w: World
    clock: Clock
    events: list[DomainEvent] = field(default_factory=list)

    @property
    def c(self) -> str:
        return f"/api/conferences/{self.w.conference}"


async def desks(api: Any, *, status: str = "scheduled", now: datetime = T0 - timedelta(minutes=30)) -> Desks:
    w = await make_world(api)
    for action in {"draft": [], "scheduled": ["schedule"], "live": ["schedule", "start"]}[status]:
        await api.post(f"/api/conferences/{w.conference}/{action}", expect=200)
    d = Desks(w, Clock(now))
    api.app.state.clock = d.clock
    await api.user("op", "operator", sites=[w.qk3])
    await api.user("op2", "operator", sites=[w.qk3])
    await api.user("op_hq", "operator", sites=[w.hq])
    publish = api.app.state.publisher

    async def record(events: list[DomainEvent]) -> None:
        d.events.extend(events)
        if publish is not None:
            await publish(events)
    api.app.state.publisher = record
    return d


async def pass_of(api: Any, d: Desks, key: str) -> str:
    return (await api.get(f"{d.c}/invitations/{d.w.invitations[key]}/pass"))["token"]


def nonce() -> str:
    return f"n-{next(_nonces)}"


async def scan(api: Any, d: Desks, text: str, *, who: str = "op", cs: int | None = None,
               direction: str = "in", nonce_: str | None = None) -> dict[str, Any]:
    return await api.post(f"{d.c}/checkin/scan", {
        "text": text, "conference_site_id": cs or d.w.cs_qk3, "nonce": nonce_ or nonce(), "direction": direction},
        who=who, expect=200)


async def totals(api: Any, d: Desks) -> dict[str, int]:
    return (await api.get(f"{d.c}/attendance"))["totals"]


async def site_counts(api: Any, d: Desks, cs: int) -> dict[str, int]:
    return next(s for s in (await api.get(f"{d.c}/attendance"))["sites"] if s["conference_site_id"] == cs)


async def audit(api: Any, d: Desks, action: str) -> list[dict[str, Any]]:
    return (await api.get("/api/audit", params={"conference_id": d.w.conference, "action": action}))["items"]
