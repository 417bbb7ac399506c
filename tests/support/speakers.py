"""A conference ready for the list of speakers: more delegates, a discussion item with the floor, the roles."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.access import Principal
from domain.invitations.links import link_token
from domain.models import Invitation, Role
from domain.uow import DomainEvent, UnitOfWork
from tests.support.factories import World, make_world

# (key, name, site) — delegates in addition to make_world's «vinh» (HQ) and «ngoc» (QK3).
MORE = (("tan", "Phùng Sĩ Tấn", "qk3"), ("giang", "Phan Văn Giang", "hq"), ("tuyen", "Nguyễn Viết Tuyên", "qk3"))


@dataclass
class Stage:
    w: World
    item: int
    inv: dict[str, int]
    events: list[DomainEvent] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"/api/conferences/{self.w.conference}/speakers"

    @property
    def conference(self) -> str:
        return f"/api/conferences/{self.w.conference}"


async def make_stage(api: Any, *, live: bool = True, speaking_minutes: int = 5) -> Stage:
    """make_world + three more delegates, users chair/op/op_out/viewer/delegate, a discussion item that has
    the floor (its presenter «vinh» queued), and — unless `live=False` — the conference started."""
    w = await make_world(api)
    inv = dict(w.invitations)
    for key, name, site in MORE:
        delegate = (await api.post("/api/delegates", {"full_name": name, "rank": "Thiếu tướng", "unit_id": w.unit}))
        cs = w.cs_qk3 if site == "qk3" else w.cs_hq
        inv[key] = (await api.post(f"/api/conferences/{w.conference}/invitations",
                                   {"delegate_id": delegate["id"], "conference_site_id": cs}))["id"]
    item = (await api.post(f"/api/conferences/{w.conference}/agenda", {
        "kind": "discussion", "title": "Tham luận: chuyển đổi số trong công tác văn phòng",
        "presenter_invitation_id": inv["vinh"], "speaking_minutes": speaking_minutes}))["id"]
    await api.user("chair", "chair")
    await api.user("op", "operator", sites=[w.qk3])
    await api.user("op_out", "operator", sites=[w.other_site])
    await api.user("viewer", "viewer")
    await api.patch(f"/api/conferences/{w.conference}", {"manager_ids": [await api.user_id("chair")]})
    api.tokens["delegate"] = await delegate_token(api, inv["ngoc"])
    stage = Stage(w, item, inv)
    await api.call("PUT", f"{stage.base}/current-item", "chair", 200, json={"agenda_item_id": item})
    if live:
        await api.post(f"{stage.conference}/schedule", expect=200)
        await api.post(f"{stage.conference}/start", expect=200)
    return stage


async def delegate_token(api: Any, invitation_id: int) -> str:
    async with api.sessionmaker() as s:
        return link_token(api.app.state.keyring, await s.get(Invitation, invitation_id))


def record_events(api: Any, stage: Stage) -> list[DomainEvent]:
    """From now on, keep the speakers events the app publishes after each commit."""
    async def publish(events: list[DomainEvent]) -> None:
        stage.events.extend(e for e in events if e.type == "speakers")
    api.app.state.publisher = publish
    return stage.events


def uow(api: Any) -> UnitOfWork:
    return UnitOfWork(api.sessionmaker)


ORGANIZER = Principal(user_id=None, username="test-organizer", role=Role.organizer)


def waiting_names(state: dict[str, Any]) -> list[str]:
    return [e["delegate_name"] for e in state["waiting"]]
