"""The chair's speaker console page and the delegate page's service worker: every route × every role, what the
console is drawn from (the list, the floor requests, the totals, the agenda) in both languages, and the delegate's
page behind the personal link (pass, agenda with the own slot, calendar, asking for the floor)."""
from __future__ import annotations

import html
import json
import re
from typing import Any

from api.pages import chair as chair_pages
from api.pages import delegate as delegate_pages
from domain.speakers.models import FloorRequest
from tests.conftest import Api
from tests.support.matrix import Walk, modules_of, routes_of
from tests.support.pages import PageClient, browser, sign_in
from tests.support.speakers import Stage, delegate_token, make_stage

ROLES = ["anon", "admin", "org", "chair", "chair_out", "op", "op_out", "viewer"]


def data(page: str, name: str) -> Any:
    """A JSON data attribute of the console's root element."""
    found = re.search(rf'data-{name}="([^"]*)"', page)
    assert found, name
    return json.loads(html.unescape(found.group(1)))


async def _clients(api: Api) -> dict[str, PageClient]:
    await api.user("admin", "admin")
    await api.user("chair_out", "chair")
    clients = {"anon": browser(api, "en")}
    for role in ROLES[1:]:
        clients[role] = await sign_in(api, role, "en")
    return clients


async def test_every_chair_and_delegate_page_route_for_every_role(api: Api) -> None:
    st = await make_stage(api)
    clients = await _clients(api)
    token = await delegate_token(api, st.inv["ngoc"])
    walk = Walk(routes_of(api.app, modules_of([*chair_pages.ROUTES, *delegate_pages.ROUTES])), html_errors=True)
    console = {r: 403 for r in ROLES} | {"anon": 303, "admin": 200, "org": 200, "chair": 200, "chair_out": 404,
                                         "op_out": 404}
    worker = {r: 200 for r in ROLES}  # the same script for every link: nothing to hide
    cases = [("GET", "chair console", f"/conferences/{st.w.conference}/chair", console),
             ("GET", "delegate service worker", f"/p/{token}/sw.js", worker)]
    for method, name, path, expected in cases:
        for role in ROLES:
            r = await clients[role].get(path, expect=None)
            if role == "anon" and r.status_code == 303:
                assert r.headers["location"].startswith("/login")
            walk.check(method, name, path, role, r, expected[role])
    walk.assert_complete("chair and delegate pages")
    r = await clients["op"].get(f"/conferences/{st.w.conference}/chair", expect=403)
    assert r.headers["X-Error-Code"] == "forbidden_role" and "<html" in r.text
    r = await clients["chair"].get("/conferences/999999/chair", expect=404)
    for b in clients.values():
        await b.aclose()


async def _busy_list(api: Api, st: Stage) -> None:
    """«vinh» (the presenter) speaks, «tan» finished before him, «giang» waits, «tuyen» asked the floor."""
    base = st.base
    await api.post(f"{base}/entries", {"invitation_id": st.inv["tan"], "topic": "Báo cáo nhanh"})
    await api.post(f"{base}/entries/{(await api.get(base))['waiting'][-1]['id']}/start", expect=200)
    await api.post(f"{base}/end", expect=200)
    await api.post(f"{base}/next", expect=200)
    await api.post(f"{base}/entries", {"invitation_id": st.inv["giang"], "kind": "point_of_order"})
    await api.call("POST", f"{base}/requests", "op", 201, json={
        "invitation_id": st.inv["tuyen"], "topic": "Kiến nghị đường truyền", "requested_minutes": 4})


async def test_the_console_is_drawn_from_the_list_the_requests_and_the_totals(api: Api) -> None:
    st = await make_stage(api)
    await _busy_list(api, st)
    b = await sign_in(api, "chair", "en")
    page = (await b.get(f"/conferences/{st.w.conference}/chair")).text
    state = data(page, "state")
    assert state["current"]["delegate_name"] == "Lê Huy Vịnh"
    assert [e["delegate_name"] for e in state["waiting"]] == ["Phan Văn Giang"]
    assert state["waiting"][0]["kind"] == "point_of_order" and state["waiting"][0]["site_name"]
    requests = data(page, "requests")
    assert [(r["delegate_name"], r["topic"], r["requested_minutes"], r["site_name"]) for r in requests] == [
        ("Nguyễn Viết Tuyên", "Kiến nghị đường truyền", 4, "Điểm cầu Quân khu 3")]
    totals = data(page, "totals")
    assert [d["delegate_name"] for d in totals["delegates"]] == ["Phùng Sĩ Tấn"]
    assert totals["sites"][0]["speeches"] == 1
    assert "Tham luận: chuyển đổi số trong công tác văn phòng" in page  # the agenda item to give the floor to
    assert 'data-speaker-queue' in page and "Keyboard shortcuts" in page and "/static/js/chair.js" in page
    texts = data(page, "texts")
    assert texts["overrun"] == "Over time"
    await b.aclose()

    vi = await sign_in(api, "org", "vi")
    page = (await vi.get(f"/conferences/{st.w.conference}/chair")).text
    assert "Phím tắt" in page and data(page, "texts")["overrun"] == "Quá giờ"
    await vi.aclose()


async def test_the_console_of_a_conference_whose_floor_is_not_given_yet(api: Api) -> None:
    st = await make_stage(api, live=False)
    await api.call("PUT", f"{st.base}/current-item", "chair", 200, json={"agenda_item_id": None})
    b = await sign_in(api, "chair", "en")
    page = (await b.get(f"/conferences/{st.w.conference}/chair")).text
    state = data(page, "state")
    assert state["agenda_item_id"] is None and state["waiting"] == [] and data(page, "requests") == []
    assert 'data-status="draft"' in page
    await b.aclose()


async def test_the_delegate_page_shows_the_pass_the_own_slot_the_calendar_and_the_floor_form(api: Api) -> None:
    st = await make_stage(api)
    token = await delegate_token(api, st.inv["vinh"])  # the presenter of the discussion item: his own slot
    b = browser(api)
    r = await b.get(f"/p/{token}")
    page = r.text
    assert r.headers["cache-control"] == "no-store"
    assert 'class="pass"' in page and "data:image/svg+xml;base64," in page
    assert re.search(r'<li data-item-id="\d+" class="own">', page)
    assert 'href="webcal://' in page and ".ics" in page
    assert 'id="request-form"' in page and f'data-invitation-id="{st.inv["vinh"]}"' in page
    assert "/static/js/delegate.js" in page and f'href="/p/{token}/agenda"' in page
    assert "Thẻ đại biểu" in page  # the delegate's language (Vietnamese by default)
    en = await b.get(f"/p/{token}?lang=en")
    assert "Delegate pass" in en.text and "Ask for the floor" in en.text and f"/p/{token}/agenda?lang=en" in en.text
    worker = await b.get(f"/p/{token}/sw.js")
    assert worker.headers["service-worker-allowed"] == f"/p/{token}"
    assert worker.headers["content-type"].startswith("text/javascript") and "caches.open" in worker.text
    await b.get("/p/not-a-link", expect=404)
    await b.aclose()


async def test_a_delegate_asks_the_floor_with_the_personal_link_and_bad_input_saves_nothing(api: Api) -> None:
    """What the page's form sends: the JSON API with the personal link as the bearer token."""
    st = await make_stage(api)
    token = await delegate_token(api, st.inv["tuyen"])
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "vi"}
    r = await api.client.post(f"{st.base}/requests", json={"topic": "x" * 301}, headers=headers)
    assert r.status_code == 400 and r.json()["field"] == "topic"
    r = await api.client.post(f"{st.base}/requests", json={"requested_minutes": 0}, headers=headers)
    assert r.status_code == 400 and r.json()["field"] == "requested_minutes"
    async with api.sessionmaker() as s:
        assert (await s.execute(FloorRequest.__table__.select())).first() is None
    r = await api.client.post(f"{st.base}/requests", json={"topic": "Ý kiến về chuyển đổi số",
                                                           "requested_minutes": 3}, headers=headers)
    assert r.status_code == 201, r.text
    mine = await api.client.get(f"{st.base}/requests", headers=headers)
    assert [x["topic"] for x in mine.json()["items"]] == ["Ý kiến về chuyển đổi số"]
    r = await api.client.post(f"{st.base}/requests", json={"topic": "Lần nữa"}, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "request_pending"
    # another delegate's request is not theirs to see
    other = await delegate_token(api, st.inv["ngoc"])
    theirs = await api.client.get(f"{st.base}/requests", headers={"Authorization": f"Bearer {other}"})
    assert theirs.json()["items"] == []
