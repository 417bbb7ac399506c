"""Office pages for conferences: home by role, list and calendar, the wizard, edit, overview and lifecycle."""
from __future__ import annotations

import itertools
import re
from datetime import datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from api.pages import conferences as conference_pages, home as home_page
from domain.db import utcnow
from domain.mail.models import ConclusionNotice, MailKind, MailStatus, NoticeReceipt, OutboxMessage
from tests.conftest import Api
from tests.support.factories import T0, iso, make_world
from tests.support.matrix import Walk, modules_of, routes_of
from tests.support.pages import PageClient, sign_in
from tests.platform.test_role_matrix import _world_for_matrix

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
_n = itertools.count(1)


def form(**changes: Any) -> dict[str, Any]:
    """A valid wizard form: 15 January 2027, 08:00–10:00 in Hà Nội."""
    return {"title": "Giao ban trực tuyến tháng 1", "description": "", "kind": "online", "visibility": "internal",
            "date": "2027-01-15", "starts_at": "08:00", "ends_at": "10:00", "end_date": "",
            "timezone": "Asia/Ho_Chi_Minh", "host_site_id": "", **changes}


async def new_site(api: Api, name: str = "Điểm cầu") -> int:
    n = next(_n)
    return (await api.post("/api/sites", {"code": f"P{n}", "name": f"{name} {n}"}))["id"]


async def conference(api: Api, title: str, starts: datetime, hours: float = 2, site: int | None = None,
                     actions: tuple[str, ...] = (), **extra: Any) -> int:
    body = {"title": title, "starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=hours)), **extra}
    if site is not None:
        body["host_site_id"] = site
    cid = (await api.post("/api/conferences", body))["id"]
    for action in actions:
        await api.post(f"/api/conferences/{cid}/{action}", expect=200)
    return cid


async def total_conferences(api: Api) -> int:
    return (await api.get("/api/conferences"))["total"]


def error_at(html: str, field: str) -> str:
    m = re.search(rf'<p id="e-{field}" class="error">(.*?)</p>', html, re.S)
    assert m, f"no error at {field}"
    return m.group(1)


def local_day() -> tuple[datetime, datetime]:
    today = utcnow().astimezone(HANOI).date()
    start = datetime.combine(today, time(0), HANOI)
    return start, start + timedelta(days=1)


# ---- home -------------------------------------------------------------------------------------------------

async def _home_world(api: Api) -> dict[str, int]:
    now = utcnow()
    day_start, day_end = local_day()
    w = await make_world(api)  # 18/12/2026: its invitations have no e-mail address
    ids = {"world": w.conference}
    ids["live"] = await conference(api, "Hội nghị đang diễn ra", now - timedelta(minutes=30), 3,
                                   site=await new_site(api), actions=("schedule", "start"))
    ids["today"] = await conference(api, "Giao ban hôm nay", day_start + timedelta(minutes=1),
                                    hours=(day_end - day_start).total_seconds() / 3600 - 0.1)
    ids["soon"] = await conference(api, "Tập huấn sắp tới", day_end + timedelta(days=3, hours=2),
                                   site=await new_site(api), actions=("schedule",))
    ids["later"] = await conference(api, "Hội nghị tháng sau", day_end + timedelta(days=25))
    await api.post(f"/api/conferences/{ids['soon']}/invitations", {
        "delegate_id": (await api.post("/api/delegates", {"full_name": "Trần Văn Bình", "email": "binh@example.vn"}))["id"],
        "conference_site_id": (await api.get(f"/api/conferences/{ids['soon']}/sites"))["items"][0]["id"]})
    for key in ("world",):
        await api.post(f"/api/conferences/{ids[key]}/schedule", expect=200)
    async with api.sessionmaker() as s:
        s.add(OutboxMessage(idempotency_key="test:failed", kind=MailKind.update, recipient="x@example.vn",
                            conference_id=ids["world"], status=MailStatus.failed, last_error="550"))
        notice = ConclusionNotice(conference_id=ids["world"], title="Kết luận", body="…")
        s.add(notice)
        await s.flush()
        s.add(NoticeReceipt(notice_id=notice.id, conference_site_id=w.cs_qk3))
        s.add(NoticeReceipt(notice_id=notice.id, conference_site_id=w.cs_hq, acknowledged_at=utcnow()))
        await s.commit()
    ids["qk3"], ids["cs_qk3"] = w.qk3, w.cs_qk3
    return ids


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find('<h2 id="', start + 10)
    return html[start:end if end > 0 else None]


async def test_the_organizers_home_shows_live_today_the_next_two_weeks_and_what_is_left_to_do(api: Api) -> None:
    ids = await _home_world(api)
    b = await sign_in(api, "org", "en")
    html = (await b.get("/")).text
    live = section(html, "h-live")
    assert "Hội nghị đang diễn ra" in live and "Present: 0 of 0" in live
    assert f'href="/conferences/{ids["live"]}"' in live
    assert "Giao ban hôm nay" in section(html, "h-today")
    upcoming = section(html, "h-next")
    assert "The next 14 days" in upcoming and "Tập huấn sắp tới" in upcoming
    assert "Hội nghị tháng sau" not in html  # 25 days ahead
    todo = html[html.index('id="h-todo"'):]
    # the world's two invitations have no e-mail address; the one of «Tập huấn» has one
    assert re.search(rf'/conferences/{ids["world"]}/invitations">[^<]+</a>: <strong>2</strong>', todo)
    assert "2 without an e-mail address" in todo
    assert re.search(rf'/conferences/{ids["soon"]}/invitations">[^<]+</a>: <strong>1</strong>', todo)
    assert re.search(rf'/conferences/{ids["world"]}/mail">[^<]+</a>: <strong class="error">1 failed', todo)
    assert re.search(rf'/conferences/{ids["world"]}/notices">[^<]+</a>: <strong>1 acknowledgements missing', todo)
    await api.post(f"/api/conferences/{ids['soon']}/send-invitations", expect=202)
    todo = (await b.get("/")).text.split('id="h-todo"')[1]
    assert f'/conferences/{ids["soon"]}/invitations' not in todo
    vi = (await (await sign_in(api, "org", "vi")).get("/")).text
    assert "Có mặt: 0 / 0" in vi and "Việc còn phải làm" in vi and "Thư gửi lỗi" in vi


async def test_other_roles_see_their_own_conferences_without_links_or_to_do(api: Api) -> None:
    ids = await _home_world(api)
    await api.user("op", "operator", sites=[ids["qk3"]])
    await api.user("chair", "chair")
    await api.user("viewer", "viewer")
    await api.patch(f"/api/conferences/{ids['soon']}", {"manager_ids": [await api.user_id("chair")]})
    op = (await (await sign_in(api, "op", "en")).get("/")).text
    assert "Hội nghị tổng kết công tác văn phòng năm 2026" in op and "Điểm cầu Quân khu 3" in op
    assert "Tập huấn sắp tới" not in op and "Hội nghị đang diễn ra" not in op
    chair = (await (await sign_in(api, "chair", "en")).get("/")).text
    assert "Tập huấn sắp tới" in chair and "Hội nghị tổng kết" not in chair
    viewer = (await (await sign_in(api, "viewer", "en")).get("/")).text
    assert "Hội nghị đang diễn ra" in viewer and "Tập huấn sắp tới" in viewer
    assert "Hội nghị tháng sau" not in viewer  # a draft
    for html in (op, chair, viewer):
        # no staff page is offered; a chair's titles open the speaker console, a live one has its wall board
        assert not re.search(r'href="/conferences/(?!\d+/(chair|board)")', html.split('<main', 1)[1])
        assert 'id="h-todo"' not in html
    assert f'href="/conferences/{ids["soon"]}/chair"' in chair


# ---- list and calendar -------------------------------------------------------------------------------------

async def test_the_list_filters_by_status_dates_and_accent_blind_text_and_pages_on_the_server(api: Api) -> None:
    w = await make_world(api)
    for i in range(26):
        await conference(api, f"Giao ban số {i + 1:02d}", T0 + timedelta(days=30 + i))
    b = await sign_in(api, "org", "en")
    html = (await b.get("/conferences?q=TONG%20KET")).text
    assert "Hội nghị tổng kết công tác văn phòng năm 2026" in html and "Giao ban số" not in html
    assert "1 conferences found" in html
    assert "Giao ban số" not in (await b.get("/conferences?status=scheduled")).text
    await api.post(f"/api/conferences/{w.conference}/schedule", expect=200)
    assert "tổng kết" in (await b.get("/conferences?status=scheduled")).text
    # 18/12/2026 08:00 in Hà Nội; «to» includes its whole local day
    assert "tổng kết" in (await b.get("/conferences?from=2026-12-18&to=2026-12-18")).text
    assert "tổng kết" not in (await b.get("/conferences?from=2026-12-19")).text
    first = (await b.get("/conferences")).text
    assert "1–25 of 27" in first and 'rel="next"' in first and "Giao ban số 25" not in first
    second = (await b.get("/conferences?offset=25")).text
    assert "26–27 of 27" in second and "Giao ban số 25" in second and "Giao ban số 26" in second
    bad = (await b.get("/conferences?from=2026-13-45")).text
    assert error_at(bad.replace('<small id="e-from" class="error">', '<p id="e-from" class="error">'), "from")


async def test_the_calendar_shows_a_conference_on_its_local_day_with_previous_and_next(api: Api) -> None:
    # 17/12 18:30 UTC is 18/12 01:30 in Hà Nội: the calendar puts it on the 18th
    await conference(api, "Trực ban đêm", datetime(2026, 12, 17, 18, 30, tzinfo=timezone.utc), 1)
    b = await sign_in(api, "org", "en")
    week = (await b.get("/conferences/calendar?view=week&date=2026-12-16")).text
    days = dict(re.findall(r'<h2 class="cal-week-day"[^>]*>([^<]+)</h2>(.*?)</li>\s*(?=<li|</ol>)', week, re.S))
    assert "Trực ban đêm" in next(v for k, v in days.items() if "18/12" in k)
    assert "Trực ban đêm" not in next(v for k, v in days.items() if "17/12" in k)
    assert "date=2026-12-09" in week and "date=2026-12-23" in week  # previous / next week
    month = (await b.get("/conferences/calendar?view=month&date=2026-12-05")).text
    assert "December 2026" in month and "Trực ban đêm" in month
    assert "date=2026-11-01" in month and "date=2027-01-01" in month
    assert "Trực ban đêm" not in (await b.get("/conferences/calendar?date=2027-01-05")).text
    vi = await sign_in(api, "org", "vi")
    assert "Tháng 12 2026" in (await vi.get("/conferences/calendar?date=2026-12-05")).text or \
        "Tháng Mười Hai" in (await vi.get("/conferences/calendar?date=2026-12-05")).text


# ---- the wizard ---------------------------------------------------------------------------------------------

async def test_the_wizard_creates_a_conference_in_local_time_and_opens_its_overview(api: Api) -> None:
    site = await new_site(api, "Hội trường")
    await api.user("chair1", "chair")
    chair = await api.user_id("chair1")
    b = await sign_in(api, "org", "en")
    page = (await b.get("/conferences/new")).text
    assert 'for="f-title"' in page and "chair1" in page and f'value="{site}"' in page
    r = await b.post("/conferences/new", form(host_site_id=str(site), manager_ids=[str(chair)],
                                               timezone="Asia/Bangkok", starts_at="09:00", ends_at="11:15"))
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    conf = await api.get(f"/api/conferences/{cid}")
    assert conf["starts_at"].startswith("2027-01-15T09:00:00+07:00") and conf["timezone"] == "Asia/Bangkok"
    assert conf["ends_at"].startswith("2027-01-15T11:15:00+07:00")
    assert conf["host_site_id"] == site and conf["manager_ids"] == [chair] and conf["status"] == "draft"
    overview = (await b.get(r.headers["location"])).text
    assert "The conference was created as a draft" in overview and "Hội trường" in overview
    assert f'href="/conferences/{cid}/points"' in overview


async def test_bad_input_is_shown_at_its_field_in_the_users_language_and_nothing_is_saved(api: Api) -> None:
    b = await sign_in(api, "org", "vi")
    before = await total_conferences(api)
    r = await b.post("/conferences/new", form(starts_at="10:00", ends_at="09:00"), expect=422)
    assert error_at(r.text, "ends_at") == "Thời gian kết thúc phải sau thời gian bắt đầu."
    ends = re.search(r'<input id="f-ends_at"[^>]*>', r.text).group(0)
    assert 'value="09:00"' in ends and 'aria-invalid="true"' in ends and "autofocus" in ends
    assert 'aria-describedby="e-ends_at"' in ends
    assert 'value="Giao ban trực tuyến tháng 1"' in r.text  # what was typed stays
    r = await b.post("/conferences/new", form(title="   "), expect=422)
    assert error_at(r.text, "title") == "Trường này không được để trống."
    en = await sign_in(api, "org", "en")
    r = await en.post("/conferences/new", form(date="", starts_at="8h"), expect=422)
    assert error_at(r.text, "date") == "Enter the date of the conference."
    assert error_at(r.text, "starts_at") == "Enter the start time, for example 08:00."
    r = await en.post("/conferences/new", form(starts_at="10:00", ends_at="09:00"), expect=422)
    assert error_at(r.text, "ends_at") == "The end must be after the start."
    r = await en.post("/conferences/new", form(timezone="Mars/Olympus"), expect=422)
    assert error_at(r.text, "timezone") == "Unknown time zone."
    r = await en.post("/conferences/new", form(host_site_id="999999"), expect=422)
    assert error_at(r.text, "host_site_id") == "The referenced item does not exist."
    assert await total_conferences(api) == before


async def test_a_busy_host_hall_is_shown_at_its_field_with_a_link_to_the_other_conference(api: Api) -> None:
    site = await new_site(api, "Hội trường")
    other = await conference(api, "Hội nghị trước", datetime(2027, 1, 15, 2, 0, tzinfo=timezone.utc), 2, site=site)
    before = await total_conferences(api)
    for locale, text in (("vi", "Điểm cầu đã tham gia hội nghị trùng thời gian «Hội nghị trước»"),
                         ("en", "The bridge point already takes part in the overlapping conference «Hội nghị trước»")):
        b = await sign_in(api, "org", locale)
        r = await b.post("/conferences/new", form(host_site_id=str(site)), expect=409)
        at = error_at(r.text, "host_site_id")
        assert text in at and f'<a href="/conferences/{other}">' in at
        assert f'<option value="{site}" selected>' in r.text  # the choice stays
    assert await total_conferences(api) == before


async def test_the_host_search_lists_matching_points_ignoring_accents(api: Api) -> None:
    await api.post("/api/sites", {"code": "HT-BQP", "name": "Hội trường Bộ Quốc phòng"})
    await api.post("/api/sites", {"code": "DC-QK3", "name": "Điểm cầu Quân khu 3"})
    b = await sign_in(api, "org", "en")
    r = await b.get("/conferences/host-options?host_q=hoi%20truong", headers={"HX-Request": "true"})
    assert "Hội trường Bộ Quốc phòng" in r.text and "Quân khu" not in r.text
    assert re.search(r'<option value="\d+" selected>Hội trường', r.text)  # the best match is chosen
    assert 'id="host-count"' in r.text and 'hx-swap-oob="true"' in r.text
    assert "No bridge point matches «zzz»" in (await b.get("/conferences/host-options?host_q=zzz")).text


async def test_a_form_without_its_csrf_token_is_refused(api: Api) -> None:
    b = await sign_in(api, "org", "en")
    before = await total_conferences(api)
    r = await b.post("/conferences/new", form(), csrf=False, expect=403)
    assert r.headers["X-Error-Code"] == "csrf_failed"
    await b.post("/conferences/new", {**form(), "_csrf": "forged"}, expect=403)
    assert await total_conferences(api) == before


# ---- edit, overview, lifecycle ------------------------------------------------------------------------------

async def test_edit_is_prefilled_and_a_reschedule_onto_a_busy_point_names_the_other_conference(api: Api) -> None:
    site = await new_site(api)
    a = await conference(api, "Hội nghị A", datetime(2027, 2, 1, 1, 0, tzinfo=timezone.utc), 2, site=site)
    bconf = await conference(api, "Hội nghị B", datetime(2027, 2, 2, 1, 0, tzinfo=timezone.utc), 2, site=site,
                             description="Mô tả")
    b = await sign_in(api, "org", "en")
    page = (await b.get(f"/conferences/{bconf}/edit")).text
    for value in ('value="Hội nghị B"', 'value="2027-02-02"', 'value="08:00"', 'value="10:00"', ">Mô tả</textarea>"):
        assert value in page
    r = await b.post(f"/conferences/{bconf}/edit", form(title="Hội nghị B", date="2027-02-01"), expect=409)
    at = error_at(r.text, "starts_at")
    assert "«Hội nghị A»" in at and f'<a href="/conferences/{a}">' in at
    assert (await api.get(f"/api/conferences/{bconf}"))["starts_at"].startswith("2027-02-02")
    r = await b.post(f"/conferences/{bconf}/edit", form(title="Hội nghị B (sửa)", date="2027-02-03"))
    assert r.headers["location"] == f"/conferences/{bconf}"
    conf = await api.get(f"/api/conferences/{bconf}")
    assert conf["title"] == "Hội nghị B (sửa)" and conf["starts_at"].startswith("2027-02-03T08:00:00+07:00")


async def test_the_overview_counts_and_the_lifecycle_with_confirmation(api: Api) -> None:
    w = await make_world(api)
    await api.post(f"/api/conferences/{w.conference}/agenda", {"kind": "opening", "title": "Khai mạc"})
    b = await sign_in(api, "org", "en")
    html = (await b.get(f"/conferences/{w.conference}")).text
    counts = re.sub(r"\s+", " ", html[html.index('id="h-counts"'):])
    assert "Bridge points</span> <strong>2</strong>" in counts and "Invitations</span> <strong>2</strong>" in counts
    assert "Agenda items</span> <strong>1</strong>" in counts and "Messages failed</span> <strong>0</strong>" in counts
    assert 'data-confirm="Schedule this conference?' in html and f'action="/conferences/{w.conference}/delete"' in html
    await b.post(f"/conferences/{w.conference}/actions/schedule")
    html = (await b.get(f"/conferences/{w.conference}")).text
    assert "The conference is scheduled." in html and "/actions/start" in html and "/delete" not in html
    # a transition the state does not allow is refused with the translated error, nothing changes
    vi = await sign_in(api, "org", "vi")
    r = await vi.post(f"/conferences/{w.conference}/actions/end", expect=409)
    assert "Không thể chuyển hội nghị sang trạng thái đó từ trạng thái hiện tại." in r.text
    empty = await conference(api, "Bản nháp trống", T0 + timedelta(days=40))
    r = await vi.post(f"/conferences/{empty}/actions/schedule", expect=409)
    assert "Hội nghị chưa có điểm cầu nào." in r.text
    r = await b.post(f"/conferences/{empty}/delete")
    assert r.headers["location"] == "/conferences"
    await api.get(f"/api/conferences/{empty}", expect=404)
    await b.post(f"/conferences/{w.conference}/actions/cancel")
    assert (await api.get(f"/api/conferences/{w.conference}"))["status"] == "cancelled"
    html = (await b.get(f"/conferences/{w.conference}")).text
    assert "/edit" not in html.split('class="tabs"')[1] and "/actions/" not in html
    await b.get(f"/conferences/{w.conference}/edit", expect=409)
    await b.post(f"/conferences/{w.conference}/actions/nonsense", expect=404)


# ---- role matrix ----------------------------------------------------------------------------------------------

ROLES = ["anon", "admin", "org", "chair", "op", "op_out", "viewer"]
STAFF = {"admin", "org"}


def expect(ok: int, **others: int) -> dict[str, int]:
    out = {r: 403 for r in ROLES}
    out.update(anon=303, admin=ok, org=ok)  # a page without a session sends the browser to sign in
    out.update(others)
    return out


EVERYONE = {r: 200 for r in ROLES} | {"anon": 303}


async def test_every_conference_page_for_every_role(api: Api) -> None:
    w = await _world_for_matrix(api)
    c = w.conference
    clients: dict[str, PageClient] = {r: await sign_in(api, r, "en") for r in ROLES if r != "anon"}
    from tests.support.pages import browser
    anon = browser(api, "en")

    async def fresh(draft: bool = True) -> int:
        return await conference(api, f"Mới {next(_n)}", T0 + timedelta(days=50 + next(_n)))

    edit_body = form(title="Hội nghị tổng kết công tác văn phòng năm 2026", date="2026-12-18", starts_at="08:00",
                     ends_at="11:30", manager_ids=[str(await api.user_id("chair"))])  # the chair keeps running it
    cells: list[tuple[str, str, Any, dict[str, int]]] = [
        ("GET", "home", "/", EVERYONE),
        ("GET", "list", "/conferences", EVERYONE),
        ("GET", "calendar", "/conferences/calendar?view=week", EVERYONE),
        ("GET", "host options", "/conferences/host-options?host_q=hq", EVERYONE),
        ("GET", "wizard", "/conferences/new", expect(200)),
        ("POST", "create", ("/conferences/new", lambda: form(title=f"Giao ban {next(_n)}",
                                                               date=f"2027-03-{next(_n) % 27 + 1:02d}")), expect(303)),
        ("GET", "overview", f"/conferences/{c}", EVERYONE | {"op_out": 404}),
        ("GET", "edit", f"/conferences/{c}/edit", expect(200, op_out=404)),
        ("POST", "update", (f"/conferences/{c}/edit", lambda: edit_body), expect(303, op_out=404)),
        ("POST", "schedule", "action:schedule", expect(303, op_out=404)),
        ("POST", "cancel", "action:cancel", expect(303, op_out=404)),
        ("POST", "delete", "delete", expect(303, op_out=404)),
    ]
    walk = Walk(routes_of(api.app, modules_of([*conference_pages.ROUTES, *home_page.ROUTES])), html_errors=True)
    for method, name, target, expected in cells:
        for role in ROLES:
            client = anon if role == "anon" else clients[role]
            body: dict[str, Any] | None = None
            if isinstance(target, tuple):
                path, make = target
                body = make()
            elif target.startswith("action:") or target == "delete":
                # organizers act on a fresh conference with a host hall; the others try the shared one
                cid = c
                if role in STAFF:
                    cid = await conference(api, f"Mới {next(_n)}", T0 + timedelta(days=60 + next(_n)),
                                           site=await new_site(api))
                path = f"/conferences/{cid}/delete" if target == "delete" else \
                    f"/conferences/{cid}/actions/{target.split(':')[1]}"
            else:
                path = target
            if method == "GET":
                r = await client.get(path, expect=None)
            else:
                r = await client.post(path, body or {}, expect=None, csrf=role != "anon")
            walk.check(method, name, path, role, r, expected[role])
    walk.assert_complete("conference pages")
