"""Every route of the mail/calendar feature × every role: need-to-know (404), not allowed (403), no credentials
(401); and a check that no route of the feature is left out."""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from api.controllers import mail as mail_routes
from domain.invitations.links import link_token
from domain.models import Invitation
from domain.mail.models import MailStatus, OutboxMessage
from tests.support.factories import T0, World, iso, make_world
from tests.support.mail import no_background_sender  # noqa: F401 - fixture
from tests.support.matrix import Walk, modules_of, routes_of
from tests.platform.test_role_matrix import ROLES, STAFF

pytestmark = pytest.mark.usefixtures("no_background_sender")

ALL = {r: 200 for r in ROLES} | {"anon": 401}
PUBLIC = {r: 200 for r in ROLES}
CONF_READ = ALL | {"op_out": 404}
ROSTER_READ = ALL | {"op_out": 404, "viewer": 403}


def expect(ok: int, **others: int) -> dict[str, int]:
    """`ok` for organizers; others default to 403; anon 401."""
    return {r: 403 for r in ROLES} | {"anon": 401, "admin": ok, "org": ok} | others


@dataclass
class MailWorld:
    w: World
    ended: int          # an ended conference with HQ and QK3, and a published notice
    cs_ended_qk3: int
    cs_ended_hq: int
    notice: int
    message: int        # an outbox message (the notice to QK3)
    chair_id: int
    org_id: int
    link: str           # Nguyễn Quang Ngọc's personal link
    feed: str           # path of his calendar feed
    staff_feed: str     # path of the QK3 operator's subscription to the QK3 site calendar


async def build(api: Any) -> MailWorld:
    w = await make_world(api)
    c = f"/api/conferences/{w.conference}"
    await api.post(c + "/agenda", {"kind": "opening", "title": "Khai mạc"})
    for key, delegate_id in w.delegates.items():
        await api.patch(f"/api/delegates/{delegate_id}", {"email": f"{key}@test.bqp.vn"})
    await api.post(c + "/schedule", expect=200)
    await api.patch(f"/api/sites/{w.qk3}", {"contact": "truc.ban@qk3.test.bqp.vn"})

    await api.user("admin", "admin")
    await api.user("chair", "chair")
    await api.user("op", "operator", sites=[w.qk3])
    await api.user("op_out", "operator", sites=[w.other_site])
    await api.user("viewer", "viewer")
    chair_id = await api.user_id("chair")
    await api.patch(c, {"manager_ids": [chair_id]})
    day = T0 + timedelta(days=2)
    ended = (await api.post("/api/conferences", {"title": "Kiểm tra Quân khu 3", "starts_at": iso(day),
                                                  "ends_at": iso(day + timedelta(hours=2)), "host_site_id": w.hq,
                                                  "manager_ids": [chair_id]}))["id"]
    cs_ended_hq = (await api.get(f"/api/conferences/{ended}/sites"))["items"][0]["id"]
    cs_ended_qk3 = (await api.post(f"/api/conferences/{ended}/sites", {"site_id": w.qk3}))["id"]
    for action in ("schedule", "start", "end"):
        await api.post(f"/api/conferences/{ended}/{action}", expect=200)
    notice = await api.post(f"/api/conferences/{ended}/notices", {
        "title": "Kết luận kiểm tra", "body": "Đơn vị khắc phục các tồn tại trước quý I.",
        "attachment": {"filename": "ket-luan.txt", "content_type": "text/plain",
                       "content": base64.b64encode("Kết luận".encode()).decode()}})
    message = (await api.get("/api/outbox", params={"notice_id": notice["id"]}))["items"][0]["id"]

    async with api.sessionmaker() as s:
        link = link_token(api.app.state.keyring, await s.get(Invitation, w.invitations["ngoc"]))
    feed = (await api.get(f"/api/delegates/{w.delegates['ngoc']}/calendar-feed"))["url"]
    [staff_feed] = (await api.get("/api/me/calendar-feeds", who="op"))["items"]
    return MailWorld(w, ended, cs_ended_qk3, cs_ended_hq, notice["id"], message, chair_id,
                     await api.user_id("org"), link, _path(feed), _path(staff_feed["url"]))


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


async def failed_message(api: Any, m: MailWorld) -> str:
    """A message that failed for good, so an organizer's retry succeeds."""
    async with api.sessionmaker() as s:
        await s.execute(update(OutboxMessage).where(OutboxMessage.id == m.message).values(status=MailStatus.failed))
        await s.commit()
    return f"/api/outbox/{m.message}/retry"


C = "/api/conferences/{m.w.conference}"
E = "/api/conferences/{m.ended}"
N = E + "/notices/{m.notice}"
MATRIX: list[tuple[str, str, str, Any, dict[str, int]]] = [
    ("GET", "personal agenda page", "/p/{m.link}/agenda", None, PUBLIC),
    ("GET", "delegate feed", "{m.feed}", None, PUBLIC),
    ("GET", "staff feed", "{m.staff_feed}", None, PUBLIC),
    ("GET", "my calendar feeds", "/api/me/calendar-feeds", None, ALL),
    ("POST", "revoke my calendar feeds", "/api/me/calendar-feeds/revoke", None, ALL),  # after "staff feed"
    ("GET", "personal agenda", C + "/invitations/{m.w.invitations[ngoc]}/agenda", None, ROSTER_READ),
    ("GET", "personal agenda at another site", C + "/invitations/{m.w.invitations[vinh]}/agenda", None,
     ROSTER_READ | {"op": 404}),
    ("GET", "conference calendar", C + "/calendar.ics?items=true", None, CONF_READ),
    ("GET", "site calendar", "/api/sites/{m.w.qk3}/calendar.ics", None, expect(200, op=200)),
    ("GET", "missing site calendar", "/api/sites/999999/calendar.ics", None, ALL | {r: 404 for r in ROLES[1:]}),
    ("GET", "organizer calendar", "/api/organizers/{m.chair_id}/calendar.ics", None, expect(200, chair=200)),
    ("GET", "another organizer's calendar", "/api/organizers/{m.org_id}/calendar.ics", None, expect(200)),
    ("GET", "delegate feed URL", "/api/delegates/{m.w.delegates[ngoc]}/calendar-feed", None,
     expect(200, op_out=404, viewer=404)),
    ("POST", "revoke delegate feed", "/api/delegates/{m.w.delegates[vinh]}/calendar-feed/revoke", None,
     expect(200, op=404, op_out=404, viewer=404)),
    ("POST", "send invitations", C + "/send-invitations", None, expect(202, op_out=404)),
    ("GET", "outbox", "/api/outbox", None, expect(200)),
    ("GET", "outbox message", "/api/outbox/{m.message}", None, expect(200)),
    ("POST", "retry message", "/api/outbox/{m.message}/retry", None, expect(200)),
    ("POST", "publish notice", E + "/notices", {"title": "Bổ sung kết luận", "body": "Nội dung bổ sung."},
     expect(201, op_out=404)),
    ("GET", "notices", E + "/notices", None, ROSTER_READ),
    ("GET", "notice", N, None, ROSTER_READ),
    ("GET", "notice attachment", N + "/attachment", None, ROSTER_READ),
    ("POST", "acknowledge", N + "/receipts/{m.cs_ended_qk3}/acknowledge", {"note": "Đã nhận"},
     expect(403, op=200, op_out=404)),
    ("POST", "acknowledge for another site", N + "/receipts/{m.cs_ended_hq}/acknowledge", None,
     expect(403, op=404, op_out=404)),
    ("GET", "site notices", "/api/sites/{m.w.qk3}/notices", None, expect(200, op=200)),
]


async def test_every_mail_route_for_every_role(api):
    m = await build(api)
    walk = Walk(routes_of(api.app, modules_of(mail_routes.ROUTES)))
    for method, name, template, body, expected in MATRIX:
        path = template.format(m=m)
        for role in ROLES:
            if name == "retry message" and role in STAFF:
                await failed_message(api, m)
            r = await api.call(method, path, None if role == "anon" else role, json=body)
            walk.check(method, name, path, role, r, expected[role])
    walk.assert_complete("mail")
