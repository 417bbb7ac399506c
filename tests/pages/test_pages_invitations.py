"""The Invitations and Mail tabs: the roster paged with filters and diacritic-blind search, inviting in bulk (a unit
subtree, a point's roster, picked delegates) with a result per delegate, substitute and cancel, sending the
invitations with a progress fragment, resending one message; every page route × every role."""
from __future__ import annotations

import itertools
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from api.pages import invitations as invitation_pages, mailing as mail_pages
from domain.models import BridgeSite, Delegate, Invitation
from domain.text import search_text
from domain.mail.models import MailStatus, OutboxMessage
from tests.support.factories import T0, World, iso, make_world
from tests.support.mail import no_background_sender  # noqa: F401 - fixture
from tests.support.matrix import Walk, modules_of, routes_of
from tests.support.pages import PageClient, browser, sign_in
from tests.platform.test_role_matrix import ROLES, _world_for_matrix

_n = itertools.count(1)


def C(w: World) -> str:
    return f"/conferences/{w.conference}"


async def _delegate(api: Any, name: str, unit: int | None = None, email: str = "") -> int:
    body: dict[str, Any] = {"full_name": name, "email": email}
    if unit is not None:
        body["unit_id"] = unit
    return (await api.post("/api/delegates", body))["id"]


async def _count(api: Any, conference_id: int) -> int:
    async with api.sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(Invitation)
                                .where(Invitation.conference_id == conference_id))).scalar_one()


async def _invitation(api: Any, inv_id: int) -> Invitation:
    async with api.sessionmaker() as s:
        return await s.get(Invitation, inv_id)


async def _qk3_unit(api: Any) -> int:
    return (await api.get("/api/units?q=quan khu 3"))["items"][0]["id"]


# ---- the role matrix of the pages ----
async def _fresh_invitation(api: Any, w: World) -> int:
    d = await _delegate(api, f"Đại biểu ma trận {next(_n)}", w.unit)
    return (await api.post(f"/api/conferences/{w.conference}/invitations",
                           {"delegate_id": d, "conference_site_id": w.cs_qk3}))["id"]


async def _failed_message(api: Any, w: World) -> int:
    async with api.sessionmaker() as s:
        msg = OutboxMessage(idempotency_key=f"test:{next(_n)}", kind="invitation", recipient="x@test.bqp.vn",
                            conference_id=w.conference, invitation_id=w.invitations["ngoc"],
                            status=MailStatus.failed, attempts=3, last_error="550 no such mailbox")
        s.add(msg)
        await s.commit()
        return msg.id


STAFF_OK = {"admin", "org"}


def expect(ok: int, **others: int) -> dict[str, int]:
    """`ok` for organizers; the QK3 operator, the chair and the wall board may not (403); the operator of a point
    outside the conference may not know it (404); without a session a page sends the browser to sign in (303)."""
    return {r: 403 for r in ROLES} | {"anon": 303, "admin": ok, "org": ok, "op_out": 404} | others


@pytest.mark.usefixtures("no_background_sender")
async def test_every_page_route_for_every_role(api):
    w = await _world_for_matrix(api)
    await api.post(f"/api/conferences/{w.conference}/schedule", expect=200)
    clients: dict[str, PageClient] = {"anon": browser(api, "en")}
    for role in ROLES[1:]:
        clients[role] = await sign_in(api, role, "en")
    walk = Walk(routes_of(api.app, modules_of([*invitation_pages.ROUTES, *mail_pages.ROUTES])), html_errors=True)
    ngoc = w.invitations["ngoc"]
    cases: list[tuple[str, str, Any, dict[str, int]]] = [
        ("GET", "invitations", lambda: C(w) + "/invitations", expect(200, chair=200, op=200)),
        ("GET", "point options", lambda: C(w) + "/invitations/points?point_q=quan&picker=f-point",
         expect(200, chair=200, op=200)),
        ("GET", "invite", lambda: C(w) + "/invitations/invite?q=nguyen&unit_q=quan", expect(200)),
        ("POST", "bulk", lambda: C(w) + "/invitations/bulk", expect(200)),
        ("GET", "substitute form", lambda: C(w) + f"/invitations/{ngoc}/substitute?q=dai", expect(200)),
        ("POST", "substitute", None, expect(303)),
        ("POST", "cancel", None, expect(303)),
        ("GET", "mail", lambda: C(w) + "/mail", expect(200)),
        ("GET", "mail progress", lambda: C(w) + "/mail/progress", expect(200)),
        ("POST", "send", lambda: C(w) + "/mail/send", expect(303)),
        ("POST", "resend", None, expect(303)),
    ]
    for method, name, path_of, expected in cases:
        for role in ROLES:
            body: dict[str, Any] = {}
            if name == "bulk":
                body = {"mode": "pick", "delegate_ids": str(await _delegate(api, f"Mới {next(_n)}", w.unit))}
            if name in ("substitute", "cancel"):
                inv = await _fresh_invitation(api, w) if role in STAFF_OK else ngoc
                path = C(w) + f"/invitations/{inv}/{name}"
                if name == "substitute":
                    body = {"delegate_id": str(await _delegate(api, f"Thay {next(_n)}", w.unit))}
            elif name == "resend":
                path = C(w) + f"/mail/{await _failed_message(api, w)}/resend"
            else:
                path = path_of()
            b = clients[role]
            r = await (b.get(path, expect=None) if method == "GET" else b.post(path, body, expect=None))
            if role == "anon":
                assert r.status_code != 303 or r.headers["location"].startswith("/login"), r.headers
            walk.check(method, name, path, role, r, expected[role])
    walk.assert_complete("invitation pages")
    for b in clients.values():
        await b.aclose()


# ---- the list ----
async def test_the_list_searches_without_diacritics_filters_and_pages_on_the_server(api):
    w = await make_world(api)
    qk3u = await _qk3_unit(api)
    many = [await _delegate(api, f"Cán bộ số {i:02d}", qk3u) for i in range(55)]
    await api.post(f"/api/conferences/{w.conference}/invitations/bulk", {"delegate_ids": many}, expect=200)
    b = await sign_in(api, "org", "en")
    r = await b.get(C(w) + "/invitations?q=nguyen quang ngoc")
    assert "Nguyễn Quang Ngọc" in r.text and "Lê Huy Vịnh" not in r.text and "Invitations found: 1" in r.text
    assert f"/api/conferences/{w.conference}/invitations/{w.invitations['ngoc']}/pass/print" in r.text
    r = await b.get(C(w) + f"/invitations?point={w.cs_hq}")
    assert "Lê Huy Vịnh" in r.text and "Nguyễn Quang Ngọc" not in r.text
    r = await b.get(C(w) + "/invitations")
    assert "Invitations found: 57" in r.text and r.text.count('<tr id="inv-') == 50 and 'rel="next"' in r.text
    r = await b.get(C(w) + "/invitations?offset=50")
    assert r.text.count('<tr id="inv-') == 7 and 'rel="prev"' in r.text
    await api.patch(f"/api/conferences/{w.conference}/invitations/{w.invitations['vinh']}", {"role": "chair"})
    r = await b.get(C(w) + "/invitations?role=chair")
    assert "Lê Huy Vịnh" in r.text and r.text.count('<tr id="inv-') == 1
    r = await b.get(C(w) + "/invitations?status=cancelled")
    assert "No invitation matches these filters." in r.text
    r = await b.get(C(w) + "/invitations?status=bogus&point=x&offset=-4")  # junk in the query: ignored
    assert r.text.count('<tr id="inv-') == 50
    vi = await sign_in(api, "org", "vi")
    assert "Số giấy mời: 57" in (await vi.get(C(w) + "/invitations")).text
    await b.aclose()
    await vi.aclose()


async def test_an_operator_sees_only_their_points_invitations_and_no_actions(api):
    w = await make_world(api)
    await api.user("op", "operator", sites=[w.qk3])
    b = await sign_in(api, "op", "en")
    r = await b.get(C(w) + "/invitations")
    assert "Nguyễn Quang Ngọc" in r.text and "Lê Huy Vịnh" not in r.text
    assert "/substitute" not in r.text and "/cancel" not in r.text and "/pass/print" in r.text
    await b.get(C(w) + "/invitations/invite", expect=403)
    await b.aclose()


# ---- the point search (a conference may have 10,000 points: no page lists them all) ----
async def _many_points(api: Any, w: World, n: int) -> list[int]:
    """`n` more points in the conference (the bridge points written straight to the database, then added in bulk)."""
    async with api.sessionmaker() as s:
        sites = [BridgeSite(code=f"DC-XA-{i:04d}", name=f"Điểm cầu xã Đông Hưng {i:04d}", capacity=30,
                            search=search_text(f"Điểm cầu xã Đông Hưng {i:04d}", f"DC-XA-{i:04d}")) for i in range(n)]
        s.add_all(sites)
        await s.commit()
        ids = [site.id for site in sites]
    done = await api.post(f"/api/conferences/{w.conference}/sites/bulk", {"site_ids": ids}, expect=200)
    return [i["conference_site_id"] for i in done["items"]]


async def test_pages_stay_small_with_many_points_and_the_point_search_offers_twenty(api):
    w = await make_world(api)
    cs = await _many_points(api, w, 300)
    b = await sign_in(api, "org", "en")
    for path in ("/invitations", "/invitations/invite", f"/invitations?point={cs[150]}", "/invitations/invite?q=le"):
        r = await b.get(C(w) + path)
        assert len(r.content) < 40_000, (path, len(r.content))
        assert "DC-XA-0007" not in r.text and r.text.count("<option") < 20, path  # no point listed whole
    r = await b.get(C(w) + "/invitations/points?point_q=dong hung&picker=f-point")  # diacritics ignored
    assert r.text.count('role="option"') == 20 and "20 of 300 points shown" in r.text
    assert 'id="f-point-opt-' in r.text and 'id="f-point-count"' in r.text
    r = await b.get(C(w) + "/invitations/points?point_q=DC-XA-0123&picker=roster-point")
    assert r.text.count('role="option"') == 1 and f'data-id="{cs[123]}"' in r.text and "Đông Hưng 0123" in r.text
    r = await b.get(C(w) + "/invitations/points?point_q=khong co&picker=<script>")
    assert 'role="option"' not in r.text and "No bridge point matches" in r.text and "<script>" not in r.text
    r = await b.get(C(w) + "/invitations/points?picker=x")  # nothing typed: the first 20 (the host hall first)
    assert r.text.count('role="option"') == 20 and "Hội trường Bộ Quốc phòng" in r.text
    # the filter shows the chosen point as a chip that removes it (keeping the other filters)
    r = await b.get(C(w) + f"/invitations?point={cs[150]}&status=invited")
    assert 'class="chip"' in r.text and "Điểm cầu xã Đông Hưng 0150" in r.text
    assert f'name="point" value="{cs[150]}"' in r.text
    assert f'href="/conferences/{w.conference}/invitations?status=invited"' in r.text
    await b.aclose()


async def test_an_operator_finds_only_their_own_points(api):
    w = await make_world(api)
    await api.user("op", "operator", sites=[w.qk3])
    b = await sign_in(api, "op", "en")
    r = await b.get(C(w) + "/invitations/points?point_q=diem cau")
    assert "Điểm cầu Quân khu 3" in r.text and "Hội trường" not in r.text and r.text.count('role="option"') == 1
    r = await b.get(C(w) + f"/invitations?point={w.cs_hq}")  # another point's id: no chip, nothing of it shown
    assert 'class="chip"' not in r.text and "Lê Huy Vịnh" not in r.text
    await b.aclose()


# ---- inviting in bulk through the page ----
async def test_the_page_invites_a_unit_subtree_and_reports_each_delegate(api):
    w = await make_world(api)
    qk3u = await _qk3_unit(api)
    staff = (await api.post("/api/units", {"code": "QK3-BTM", "name": "Bộ Tham mưu Quân khu 3",
                                           "parent_id": qk3u}))["id"]
    members = [await _delegate(api, f"Tham mưu {i}", staff) for i in range(3)]
    b = await sign_in(api, "org", "en")
    r = await b.get(C(w) + "/invitations/invite?unit_q=quan khu 3")
    assert "Bộ Tham mưu Quân khu 3" in r.text and f'value="{qk3u}"' in r.text
    r = await b.post(C(w) + "/invitations/bulk", {"mode": "unit", "unit_id": str(qk3u), "include_subunits": "on",
                                                  "conference_site_id": "", "role": "delegate"}, expect=200)
    assert "3 delegates invited." in r.text and "Already invited" in r.text and "Nguyễn Quang Ngọc" in r.text
    for m in members:
        async with api.sessionmaker() as s:
            inv = (await s.execute(select(Invitation).where(Invitation.delegate_id == m))).scalar_one()
        assert inv.conference_site_id == w.cs_qk3
    await b.aclose()


async def test_the_page_invites_a_points_roster_and_picked_delegates_with_mixed_results(api):
    w = await make_world(api)
    qk3u = await _qk3_unit(api)
    roster = [await _delegate(api, f"Quân khu 3 người {i}", qk3u) for i in range(2)]
    b = await sign_in(api, "org", "en")
    r = await b.post(C(w) + "/invitations/bulk", {"mode": "roster", "conference_site_id": str(w.cs_qk3),
                                                  "role": "observer"}, expect=200)
    assert "2 delegates invited." in r.text
    fresh = await _delegate(api, "Hoàng Minh Thảo", w.unit)
    busy = await _delegate(api, "Trần Văn Bận", w.unit)
    other = (await api.post("/api/conferences", {"title": "Giao ban trùng giờ", "starts_at": iso(T0),
                                                 "ends_at": iso(T0 + timedelta(hours=1)),
                                                 "host_site_id": w.other_site}))["id"]
    other_cs = (await api.get(f"/api/conferences/{other}/sites"))["items"][0]["id"]
    await api.post(f"/api/conferences/{other}/invitations", {"delegate_id": busy, "conference_site_id": other_cs})
    r = await b.get(C(w) + "/invitations/invite?q=hoang minh thao")
    assert "Hoàng Minh Thảo" in r.text and f'name="delegate_ids" value="{fresh}"' in r.text
    r = await b.client.post(C(w) + "/invitations/bulk", data={
        "_csrf": b.csrf, "mode": "pick", "role": "delegate", "conference_site_id": str(w.cs_hq),
        "delegate_ids": [str(fresh), str(busy), str(roster[0])]})
    assert r.status_code == 200
    assert "1 delegates invited." in r.text and "2 skipped" in r.text
    assert f'href="/conferences/{other}"' in r.text and "Giao ban trùng giờ" in r.text  # the busy one's link
    await b.aclose()


async def test_bad_bulk_input_is_shown_at_its_field_and_saves_nothing(api):
    w = await make_world(api)
    before = await _count(api, w.conference)
    b = await sign_in(api, "org", "en")
    r = await b.post(C(w) + "/invitations/bulk", {"mode": "pick"}, expect=422)
    assert 'id="e-pick-delegate_ids"' in r.text and "no delegate was chosen" in r.text.lower()
    r = await b.post(C(w) + "/invitations/bulk", {"mode": "unit", "unit_q": ""}, expect=422)
    assert 'id="e-unit-unit_id"' in r.text
    r = await b.post(C(w) + "/invitations/bulk", {"mode": "unit", "unit_id": "424242"}, expect=422)
    assert 'id="e-unit-unit_id"' in r.text
    r = await b.post(C(w) + "/invitations/bulk", {"mode": "roster", "conference_site_id": ""}, expect=422)
    assert 'id="e-roster-conference_site_id"' in r.text and 'aria-invalid="true"' in r.text
    r = await b.post(C(w) + "/invitations/bulk", {"mode": "roster", "conference_site_id": str(w.cs_qk3),
                                                  "role": "king"}, expect=422)  # the point picked stays a chip
    assert 'id="e-roster-role"' in r.text and 'class="chip"' in r.text and "Điểm cầu Quân khu 3" in r.text
    assert f'name="conference_site_id" value="{w.cs_qk3}"' in r.text
    r = await b.post(C(w) + "/invitations/bulk", {"mode": "pick", "delegate_ids": "abc"}, expect=422)
    assert 'id="e-pick-delegate_ids"' in r.text
    r = await b.post(C(w) + "/invitations/bulk", {"mode": "pick", "delegate_ids": str(w.delegates["vinh"]),
                                                  "role": "king"}, expect=422)
    assert 'id="e-pick-role"' in r.text
    r = await b.post(C(w) + "/invitations/bulk", {"mode": "???"}, expect=422)
    assert await _count(api, w.conference) == before
    r = await b.post(C(w) + "/invitations/bulk", {"mode": "pick", "delegate_ids": str(w.delegates["vinh"])},
                     csrf=False, expect=403)
    assert r.headers["X-Error-Code"] == "csrf_failed"
    vi = await sign_in(api, "org", "vi")
    r = await vi.post(C(w) + "/invitations/bulk", {"mode": "pick"}, expect=422)
    assert "Chưa chọn đại biểu nào." in r.text
    await b.aclose()
    await vi.aclose()


# ---- substitute and cancel ----
async def test_substituting_through_the_page(api):
    w = await make_world(api)
    deputy = await _delegate(api, "Phạm Đức Thắng", w.unit)
    ngoc = w.invitations["ngoc"]
    b = await sign_in(api, "org", "en")
    r = await b.get(C(w) + f"/invitations/{ngoc}/substitute?q=pham duc thang")
    assert "Send a substitute for Nguyễn Quang Ngọc" in r.text and f'value="{deputy}"' in r.text
    r = await b.post(C(w) + f"/invitations/{ngoc}/substitute", {"q": "x"}, expect=422)
    assert 'id="e-delegate_id"' in r.text
    r = await b.post(C(w) + f"/invitations/{ngoc}/substitute", {"delegate_id": str(w.delegates["vinh"])},
                     expect=409)  # already invited to this conference
    assert 'id="e-delegate_id"' in r.text
    r = await b.post(C(w) + f"/invitations/{ngoc}/substitute", {"delegate_id": str(deputy)})
    assert r.headers["location"].startswith(C(w) + "/invitations")
    old = await _invitation(api, ngoc)
    assert old.status.value == "substituted" and old.pass_version == 2
    async with api.sessionmaker() as s:
        new = (await s.execute(select(Invitation).where(Invitation.replaces_id == ngoc))).scalar_one()
    assert new.delegate_id == deputy and new.conference_site_id == w.cs_qk3
    r = await b.get(r.headers["location"].split("#")[0])
    assert "The seat was passed on" in r.text and "Phạm Đức Thắng" in r.text
    await b.aclose()


async def test_substituting_with_a_busy_delegate_names_the_other_conference(api):
    w = await make_world(api)
    busy = await _delegate(api, "Trần Văn Bận", w.unit)
    other = (await api.post("/api/conferences", {"title": "Hội nghị khác", "starts_at": iso(T0),
                                                 "ends_at": iso(T0 + timedelta(hours=1)),
                                                 "host_site_id": w.other_site}))["id"]
    cs = (await api.get(f"/api/conferences/{other}/sites"))["items"][0]["id"]
    await api.post(f"/api/conferences/{other}/invitations", {"delegate_id": busy, "conference_site_id": cs})
    b = await sign_in(api, "org", "en")
    r = await b.post(C(w) + f"/invitations/{w.invitations['ngoc']}/substitute", {"delegate_id": str(busy)},
                     expect=409)
    assert 'id="e-delegate_id"' in r.text and f'href="/conferences/{other}"' in r.text
    assert (await _invitation(api, w.invitations["ngoc"])).status.value == "invited"
    await b.aclose()


async def test_cancelling_through_the_page_revokes_the_pass(api):
    w = await make_world(api)
    b = await sign_in(api, "org", "en")
    r = await b.get(C(w) + "/invitations?q=ngoc")
    assert "data-confirm=" in r.text and f"/invitations/{w.invitations['ngoc']}/cancel" in r.text
    path = C(w) + f"/invitations/{w.invitations['ngoc']}/cancel"
    await b.post(path, {"next": "/elsewhere"}, csrf=False, expect=403)
    assert (await _invitation(api, w.invitations["ngoc"])).status.value == "invited"
    r = await b.post(path, {"next": C(w) + "/invitations?q=ngoc"})
    assert r.headers["location"] == C(w) + "/invitations?q=ngoc"
    inv = await _invitation(api, w.invitations["ngoc"])
    assert inv.status.value == "cancelled" and inv.pass_version == 2
    r = await b.get(r.headers["location"])
    assert "The invitation was cancelled" in r.text and "Revoked" in r.text
    r = await b.post(C(w) + f"/invitations/{w.invitations['vinh']}/cancel", {"next": "https://evil.example/"})
    assert r.headers["location"] == C(w) + "/invitations"
    await b.aclose()


# ---- sending the invitations and their progress ----
def _counts(html: str) -> dict[str, int]:
    return {k: int(v.replace(".", "").replace(",", "")) for k, v in
            re.findall(r'data-count="(\w+)">([\d.,]+)<', html)}


@pytest.mark.usefixtures("no_background_sender")
async def test_sending_shows_progress_counts_and_a_failed_message_is_resent(api):
    w = await make_world(api)
    for key, d in w.delegates.items():
        await api.patch(f"/api/delegates/{d}", {"email": f"{key}@test.bqp.vn"})
    extra = [await _delegate(api, f"Đại biểu thư {i}", w.unit, f"thu{i}@test.bqp.vn") for i in range(3)]
    nomail = await _delegate(api, "Không thư", w.unit)
    await api.post(f"/api/conferences/{w.conference}/invitations/bulk", {"delegate_ids": [*extra, nomail]},
                   expect=200)
    b = await sign_in(api, "org", "en")
    r = await b.get(C(w) + "/mail")
    assert "Invitations go out once the conference is scheduled." in r.text
    r = await b.post(C(w) + "/mail/send")  # a draft: the tab says why, nothing is queued
    flash = (await b.get(r.headers["location"])).text.lower()
    assert "not scheduled" in flash or "schedule it first" in flash
    await api.post(f"/api/conferences/{w.conference}/schedule", expect=200)
    r = await b.get(C(w) + "/mail")
    assert "5 invited delegates have not been sent their invitation yet." in r.text
    assert "1 have no e-mail address." in r.text
    r = await b.post(C(w) + "/mail/send")
    page = await b.get(r.headers["location"])
    assert "5 invitations queued for sending." in page.text and "1 delegates have no e-mail address" in page.text
    frag = await b.get(C(w) + "/mail/progress", headers={"HX-Request": "true"})
    assert "<html" not in frag.text and 'hx-trigger="every 2s"' in frag.text
    assert _counts(frag.text) == {"queued": 5, "sending": 0, "sent": 0, "failed": 0}
    async with api.sessionmaker() as s:
        ids = list((await s.execute(select(OutboxMessage.id).order_by(OutboxMessage.id))).scalars())
        await s.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids[:3])).values(status=MailStatus.sent))
        await s.execute(update(OutboxMessage).where(OutboxMessage.id == ids[3]).values(status=MailStatus.sending))
        await s.execute(update(OutboxMessage).where(OutboxMessage.id == ids[4]).values(
            status=MailStatus.failed, last_error="550 5.1.1 no such mailbox"))
        await s.commit()
    frag = await b.get(C(w) + "/mail/progress", headers={"HX-Request": "true"})
    assert _counts(frag.text) == {"queued": 0, "sending": 1, "sent": 3, "failed": 1}
    assert '<progress aria-labelledby="progress-label" max="5" value="4">' in frag.text
    async with api.sessionmaker() as s:
        await s.execute(update(OutboxMessage).where(OutboxMessage.id == ids[3]).values(status=MailStatus.sent))
        await s.commit()
    frag = await b.get(C(w) + "/mail/progress", headers={"HX-Request": "true"})
    assert "hx-trigger" not in frag.text and "Done: 4 of 5 sent." in frag.text  # polling stops when all are handled
    page = await b.get(C(w) + "/mail?status=failed")
    assert page.text.count('<tr id="msg-') == 1 and "550 5.1.1 no such mailbox" in page.text
    assert f"/mail/{ids[4]}/resend" in page.text
    r = await b.post(C(w) + f"/mail/{ids[4]}/resend")
    assert "will be sent again" in (await b.get(r.headers["location"])).text
    async with api.sessionmaker() as s:
        assert (await s.get(OutboxMessage, ids[4])).status is MailStatus.pending
    r = await b.post(C(w) + f"/mail/{ids[4]}/resend")  # not failed any more: said on the tab
    flash = (await b.get(r.headers["location"])).text.lower()
    assert "only failed messages are retried" in flash or "only a failed message" in flash
    other = (await api.post("/api/conferences", {"title": "Khác", "starts_at": iso(T0 + timedelta(days=50)),
                                                 "ends_at": iso(T0 + timedelta(days=50, hours=1))}))["id"]
    await b.post(f"/conferences/{other}/mail/{ids[0]}/resend", expect=404)  # a message of another conference
    await b.aclose()
