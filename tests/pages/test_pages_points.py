"""Pages: the points of a conference (add many from the unit tree or a search, per-row edits, the capacity
warning, removal) and Registry → users (search, one account, operator accounts for many points, the sheet)."""
from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import event, func, select

from api.controllers import bulk_points, bulk_users
from api.pages import points, users
from domain.models import AuditEntry, BridgeSite, ConferenceSite, SiteRole, Unit, User
from domain.text import search_text
from tests.conftest import Api
from tests.support.factories import T0, World, iso, make_world
from tests.support.matrix import Walk, modules_of, routes_of
from tests.support.pages import PageClient, browser, sign_in

ROLES = ["anon", "admin", "org", "chair", "op", "op_out", "viewer"]
STAFF = {"admin", "org"}
_n = itertools.count(1)
SHEET = re.compile(r'name="sheet" value="([^"]*)"')


async def _count(api: Api, model: type, *where: object) -> int:
    async with api.sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def _navy(api: Api, w: World) -> dict[str, int]:
    navy = (await api.post("/api/units", {"code": "QCHQ", "name": "Quân chủng Hải quân", "parent_id": w.unit}))["id"]
    academy = (await api.post("/api/units", {"code": "HVHQ", "name": "Học viện Hải quân", "parent_id": navy}))["id"]
    out = {"navy_unit": navy, "academy_unit": academy}
    for key, code, name, unit in (("navy", "DC-QCHQ", "Điểm cầu Quân chủng Hải quân", navy),
                                  ("academy", "DC-HVHQ", "Điểm cầu Học viện Hải quân", academy),
                                  ("old", "DC-CU", "Điểm cầu Đông Anh cũ", w.unit)):
        out[key] = (await api.post("/api/sites", {"code": code, "name": name, "unit_id": unit, "capacity": 40}))["id"]
    await api.patch(f"/api/sites/{out['old']}", {"active": False})
    return out


def _htmx() -> dict[str, str]:
    return {"HX-Request": "true"}


# ---- the points page ----------------------------------------------------------------------------------------

async def test_an_organizer_adds_a_subtree_and_a_search_pick_and_sees_each_result(api: Api) -> None:
    w = await make_world(api)
    t = await _navy(api, w)
    other = (await api.post("/api/conferences", {"title": "Giao ban Quân chủng", "starts_at": iso(T0),
                                                 "ends_at": iso(T0 + timedelta(hours=1))}))["id"]
    await api.post(f"/api/conferences/{other}/sites", {"site_id": t["academy"]})
    b = await sign_in(api, "org", "en")
    page = await b.get(f"/conferences/{w.conference}/points")
    assert 'aria-current="page">Points' in page.text and "every point under this unit" in page.text
    # the search ignores case and accents (and đ): «dong anh» finds nothing active, «hai quan» finds the Navy
    found = await b.get(f"/conferences/{w.conference}/points/search?q=HAI%20QUAN", headers=_htmx())
    assert f'name="unit_ids" value="{t["navy_unit"]}"' in found.text and 'form="add-points"' in found.text
    assert "Điểm cầu Quân chủng Hải quân" in found.text
    assert "Điểm cầu Đông Anh cũ" not in (await b.get(f"/conferences/{w.conference}/points/search?q=dong%20anh",
                                                      headers=_htmx())).text
    # a branch's own points load when it opens
    branch = await b.get(f"/conferences/{w.conference}/points/units/{t['navy_unit']}", headers=_htmx())
    assert f'value="{t["navy"]}"' in branch.text
    r = await b.post(f"/conferences/{w.conference}/points/add",
                     {"unit_ids": [t["navy_unit"]], "site_ids": [w.qk3, w.other_site]}, expect=200)
    assert "Points added: 2" in r.text
    assert "busy in the overlapping conference" in r.text and f'href="/conferences/{other}"' in r.text
    assert "already in this conference" in r.text
    cs = {x["site_id"] for x in (await api.get(f"/api/conferences/{w.conference}/sites"))["items"]}
    assert cs == {w.hq, w.qk3, t["navy"], w.other_site}
    # with htmx the answer is the part of the page that changes
    again = await b.post(f"/conferences/{w.conference}/points/add", {"site_ids": [w.other_site]}, htmx=True,
                         expect=200)
    assert again.text.lstrip().startswith('<div id="points-work">') and "<html" not in again.text
    await b.aclose()


async def test_nothing_ticked_is_said_at_the_add_form_in_vietnamese_and_nothing_changes(api: Api) -> None:
    w = await make_world(api)
    b = await sign_in(api, "org", "vi")
    before = await _count(api, ConferenceSite)
    r = await b.post(f"/conferences/{w.conference}/points/add", {}, expect=422)
    assert 'id="e-add"' in r.text and "Chọn ít nhất một điểm cầu hoặc đơn vị." in r.text
    r = await b.post(f"/conferences/{w.conference}/points/add", {"site_ids": ["abc"]}, expect=422)
    assert 'id="e-add"' in r.text
    r = await b.post(f"/conferences/{w.conference}/points/add", {"unit_ids": ["999999"]}, expect=422)
    assert 'id="e-add"' in r.text
    assert await _count(api, ConferenceSite) == before
    await b.aclose()


async def test_expected_attendance_above_capacity_shows_the_warning_at_the_row(api: Api) -> None:
    w = await make_world(api)
    await api.user("op.qk3", "operator", sites=[w.qk3])
    b = await sign_in(api, "org", "en")
    base = f"/conferences/{w.conference}/points"
    editor = await b.get(f"{base}/{w.cs_qk3}/edit", headers=_htmx())
    assert 'name="operator_ids"' in editor.text and "op.qk3" in editor.text and "Nguyễn Quang Ngọc" in editor.text
    op = await api.user_id("op.qk3")
    row = await b.post(f"{base}/{w.cs_qk3}", {"role": "remote", "expected_attendance": "75", "operator_ids": [op],
                                              "chair_delegate_id": str(w.delegates["ngoc"])}, htmx=True, expect=200)
    assert row.text.lstrip().startswith(f'<tr id="cs-{w.cs_qk3}"')
    assert "Above the capacity of 60" in row.text and "Nguyễn Quang Ngọc" in row.text and "op.qk3" in row.text
    page = await b.get(base)
    assert "Above the capacity of 60" in page.text and "above capacity: 1" in page.text
    # the page answers bad values at their field, keeping what was typed
    bad = await b.post(f"{base}/{w.cs_qk3}", {"role": "remote", "expected_attendance": "-3"}, htmx=True, expect=422)
    assert 'aria-invalid="true" aria-describedby="e-expected_attendance"' in bad.text and 'value="-3"' in bad.text
    host = await b.post(f"{base}/{w.cs_qk3}", {"role": "host", "expected_attendance": "5"}, htmx=True, expect=409)
    assert 'id="e-role"' in host.text
    other_op = await api.user("op.elsewhere", "operator", sites=[w.other_site])
    assert other_op
    wrong = await b.post(f"{base}/{w.cs_qk3}", {"role": "remote", "expected_attendance": "5",
                                                "operator_ids": [await api.user_id("op.elsewhere")]}, htmx=True,
                         expect=422)
    assert "The user does not operate this bridge point." in wrong.text
    got = await api.get(f"/api/conferences/{w.conference}/sites/{w.cs_qk3}")
    assert got["expected_attendance"] == 75 and got["operator_ids"] == [op]
    # without htmx: a full page to edit, and back to the list with the warning in the message
    assert "<html" in (await b.get(f"{base}/{w.cs_qk3}/edit")).text
    r = await b.post(f"{base}/{w.cs_qk3}", {"role": "remote", "expected_attendance": "61"})
    assert r.headers["location"] == f"{base}#cs-{w.cs_qk3}"
    assert "above the capacity 60" in (await b.get(base)).text
    await b.aclose()


async def test_removing_a_point_and_one_with_invitations(api: Api) -> None:
    w = await make_world(api)
    extra = await api.post(f"/api/conferences/{w.conference}/sites", {"site_id": w.other_site})
    b = await sign_in(api, "org", "en")
    base = f"/conferences/{w.conference}/points"
    assert 'data-confirm="Remove Điểm cầu Hải quân from this conference?"' in (await b.get(base)).text
    r = await b.post(f"{base}/{extra['id']}/remove")
    assert r.headers["location"] == base
    assert "Điểm cầu Hải quân was removed" in (await b.get(base)).text
    r = await b.post(f"{base}/{w.cs_qk3}/remove")  # a delegate is invited there
    assert "Delegates are still invited at this bridge point." in (await b.get(base)).text
    assert await _count(api, ConferenceSite, ConferenceSite.id == w.cs_qk3) == 1
    await b.aclose()


async def test_others_see_the_points_read_only_and_a_viewer_no_chairs(api: Api) -> None:
    w = await make_world(api)
    await api.patch(f"/api/conferences/{w.conference}/sites/{w.cs_qk3}",
                    {"chair_delegate_id": w.delegates["ngoc"]})
    await api.user("op", "operator", sites=[w.qk3])
    await api.user("viewer", "viewer")
    for who in ("op", "viewer"):
        b = await sign_in(api, who, "en")
        page = await b.get(f"/conferences/{w.conference}/points")
        assert "Điểm cầu Quân khu 3" in page.text
        assert "Nguyễn Quang Ngọc" not in page.text and "Add points" not in page.text and "/remove" not in page.text
        await b.aclose()


# ---- at scale: the list pages on the server, the tree loads by branch, the SQL stays bounded -------------------

REGIONS = 30


async def _many_points(api: Api, w: World, n: int = 600) -> list[int]:
    """`n` points in the conference, one unit each under REGIONS regional units under the world's root (the
    shape of `bridgepoint demo --points`), written directly: the API would take a call per point. Every 100th
    point expects more than its capacity. Returns the regional units' ids."""
    async with api.sessionmaker() as s:
        regions = [Unit(code=f"KV{r:02d}", name=f"Khu vực {r + 1}", parent_id=w.unit,
                        search=search_text(f"Khu vực {r + 1}", f"KV{r:02d}")) for r in range(REGIONS)]
        s.add_all(regions)
        await s.flush()
        units = [Unit(code=f"TD{i:04d}", name=f"Trung đoàn {i + 1}", parent_id=regions[i % REGIONS].id,
                      search=search_text(f"Trung đoàn {i + 1}", f"TD{i:04d}")) for i in range(n)]
        s.add_all(units)
        await s.flush()
        sites = [BridgeSite(code=f"DC-TD{i:04d}", name=f"Điểm cầu Trung đoàn {i + 1}", unit_id=units[i].id,
                            capacity=50, search=search_text(f"Điểm cầu Trung đoàn {i + 1}", f"DC-TD{i:04d}"))
                 for i in range(n)]
        s.add_all(sites)
        await s.flush()
        s.add_all(ConferenceSite(conference_id=w.conference, site_id=x.id, role=SiteRole.remote,
                                 expected_attendance=60 if i % 100 == 0 else 10) for i, x in enumerate(sites))
        await s.commit()
        return [r.id for r in regions]


class Statements:
    """SQL statements run on the app's engine while counting."""
    def __init__(self, api: Api) -> None:
        self.engine = api.app.state.engine.sync_engine
        self.n = 0

    def _count(self, *args: Any) -> None:
        self.n += 1

    async def during(self, call: Awaitable[Any]) -> tuple[Any, int]:
        self.n = 0
        event.listen(self.engine, "before_cursor_execute", self._count)
        try:
            result = await call
        finally:
            event.remove(self.engine, "before_cursor_execute", self._count)
        return result, self.n


ROW = re.compile(r'<tr id="cs-(\d+)"')


async def test_with_600_points_the_page_stays_small_and_its_sql_bounded(api: Api) -> None:
    w = await make_world(api)
    b = await sign_in(api, "org", "en")
    base = f"/conferences/{w.conference}/points"
    sql = Statements(api)
    small, small_n = await sql.during(b.get(base))
    regions = await _many_points(api, w)
    page, n = await sql.during(b.get(base))
    # a page of 50 rows, the totals over all 602 points from aggregates, the tree's two top levels only
    assert len(ROW.findall(page.text)) == 50 and "1–50 of 602" in page.text
    totals = re.search(r'<p class="totals">(.*?)</p>', page.text, re.S).group(1)
    assert "Points: 602" in totals and "expected 6,320 of a capacity of 30,260" in totals, totals
    assert "above capacity: 6" in page.text
    assert f'id="u-{regions[0]}"' in page.text and "<strong>Trung đoàn 1</strong>" not in page.text
    assert f'hx-get="{base}/tree/{regions[0]}"' in page.text
    assert len(page.content) < 100_000, len(page.content)
    assert n <= small_n + 2 and n <= 16, (small_n, n)
    # the next page: other rows, the same number of statements
    second, n2 = await sql.during(b.get(base + "?offset=50"))
    assert "51–100 of 602" in second.text and not set(ROW.findall(second.text)) & set(ROW.findall(page.text))
    assert n2 <= n + 2  # (+2: the session's last_seen_at is written now and then)
    # the list's search ignores accents and finds by the unit too; the unit filter takes the whole subtree
    found, n3 = await sql.during(b.get(base + "?find=TRUNG%20DOAN%2012"))
    assert "Points that match: 11" in found.text and len(ROW.findall(found.text)) == 11  # 12, 120–129
    assert n3 <= n + 2
    region = await b.get(f"{base}?unit={regions[1]}")
    assert "Points that match: 20" in region.text and len(ROW.findall(region.text)) == 20
    assert "Trung đoàn 2<" in region.text and "Trung đoàn 3<" not in region.text
    both = await b.get(f"{base}?unit={regions[1]}&find=trung%20doan%2032")
    assert "Points that match: 1" in both.text and "Điểm cầu Trung đoàn 32<" in both.text
    assert "No point of this conference matches." in (await b.get(f"{base}?find=zzz")).text
    assert 'href="?find=trung+doan&amp;offset=50"' in (await b.get(f"{base}?find=trung%20doan")).text
    bad = await b.get(f"{base}?unit=abc", expect=422)
    assert 'id="e-unit"' in bad.text and len(ROW.findall(bad.text)) == 50
    gone = await b.get(f"{base}?unit=999999", expect=422)
    assert 'id="e-unit"' in gone.text and len(ROW.findall(gone.text)) == 50
    # a branch opens on demand: the units right under it with their counts, their own branches lazy
    branch, n4 = await sql.during(b.get(f"{base}/tree/{regions[0]}", headers=_htmx()))
    assert branch.text.count('name="unit_ids"') == 20 and "every point under this unit (1); 1 already added" in \
        branch.text
    assert n4 <= 8 and len(branch.content) < 20_000, (n4, len(branch.content))
    # the add panel's search returns at most 40 of each
    pick, n5 = await sql.during(b.get(f"{base}/search?q=trung%20doan", headers=_htmx()))
    assert pick.text.count('name="site_ids"') == 40 and pick.text.count('name="unit_ids"') == 40
    assert "More points match" in pick.text and n5 <= 8, n5
    # "every point under this unit" resolves the subtree in SQL: a region's 20 points in another conference
    other = (await api.post("/api/conferences", {"title": "Giao ban khu vực", "starts_at": iso(T0 + timedelta(days=3)),
                                                 "ends_at": iso(T0 + timedelta(days=3, hours=1))}))["id"]
    added = await b.post(f"/conferences/{other}/points/add", {"unit_ids": [regions[2]]}, expect=200)
    assert "Points added: 20" in added.text
    assert await _count(api, ConferenceSite, ConferenceSite.conference_id == other) == 20
    await b.aclose()


async def test_a_root_with_many_units_stays_closed_and_is_counted_without_walking_it(api: Api,
                                                                                  monkeypatch: Any) -> None:
    from domain.conferences import site_selection
    monkeypatch.setattr(site_selection, "OPEN_CHILDREN", 5)
    w = await make_world(api)
    regions = await _many_points(api, w, n=60)
    police = (await api.post("/api/units", {"code": "BCA", "name": "Bộ Công an"}))["id"]
    for i in range(6):
        unit = (await api.post("/api/units", {"code": f"CA{i}", "name": f"Công an tỉnh {i}", "parent_id": police}))
        site = (await api.post("/api/sites", {"code": f"DC-CA{i}", "name": f"Điểm cầu Công an tỉnh {i}",
                                              "unit_id": unit["id"]}))["id"]
        if i < 2:
            await api.post(f"/api/conferences/{w.conference}/sites", {"site_id": site})
    b = await sign_in(api, "org", "en")
    base = f"/conferences/{w.conference}/points"
    page = await b.get(base)
    # both roots are closed (more than 5 units under each): their units load with the branch
    assert f'hx-get="{base}/tree/{w.unit}"' in page.text and f'hx-get="{base}/tree/{police}"' in page.text
    assert f'id="u-{regions[0]}"' not in page.text and "<details open>" not in page.text
    assert "every point under this unit (62); 62 already added" in page.text  # BQP: HQ, QK3 and the 60
    assert "every point under this unit (6); 2 already added" in page.text
    assert "Points without a unit (1)" in page.text
    branch = await b.get(f"{base}/tree/{w.unit}", headers=_htmx())
    assert f'id="u-{regions[0]}"' in branch.text and "every point under this unit (2); 2 already added" in branch.text
    assert 'value="%d"' % w.hq in branch.text  # the root's own point comes with its branch
    await b.aclose()


# ---- Registry → users ---------------------------------------------------------------------------------------

async def test_users_list_searches_without_accents_and_filters_by_role(api: Api) -> None:
    await api.user("boss", "admin")
    async with api.sessionmaker() as s:
        from domain.text import search_text
        user = (await s.execute(select(User).where(User.username == "org"))).scalar_one()
        user.display_name = "Đặng Thị Hương"
        user.search = search_text(user.display_name, user.username)
        await s.commit()
    b = await sign_in(api, "boss", "en")
    assert "Đặng Thị Hương" in (await b.get("/registry/users?q=dang%20thi%20huong")).text
    assert "Đặng Thị Hương" not in (await b.get("/registry/users?q=dang&role=operator")).text
    assert "boss" in (await b.get("/registry/users?role=admin")).text
    await b.aclose()


async def test_an_admin_creates_and_edits_one_account(api: Api) -> None:
    w = await make_world(api)
    await api.user("boss", "admin")
    b = await sign_in(api, "boss", "en")
    found = await b.get("/registry/users/points?site_q=quan%20khu", headers=_htmx())
    assert f'value="{w.qk3}"' in found.text and 'form="user-form"' in found.text
    bad = await b.post("/registry/users", {"username": "kt.qk3", "password": "short", "role": "operator",
                                           "site_ids": [w.qk3]}, expect=422)
    assert 'id="e-password"' in bad.text and 'value="kt.qk3"' in bad.text and f'id="bp-{w.qk3}"' in bad.text
    dup = await b.post("/registry/users", {"username": "org", "password": "long-enough-1", "role": "viewer"},
                       expect=409)
    assert 'id="e-username"' in dup.text
    r = await b.post("/registry/users", {"username": "kt.qk3", "password": "long-enough-1", "role": "operator",
                                         "display_name": "Kỹ thuật viên Quân khu 3", "site_ids": [w.qk3]})
    assert r.headers["location"].startswith("/registry/users")
    uid = await api.user_id("kt.qk3")
    form = await b.get(f"/registry/users/{uid}")
    assert "Kỹ thuật viên Quân khu 3" in form.text and f'id="bp-{w.qk3}"' in form.text
    wrong = await b.post(f"/registry/users/{uid}", {"display_name": "X", "role": "viewer", "site_ids": [w.qk3],
                                                    "active": "on"}, expect=422)
    assert 'id="e-site_ids"' in wrong.text
    await b.post(f"/registry/users/{uid}", {"display_name": "Trợ lý", "role": "viewer"})
    got = await api.get(f"/api/users/{uid}", who="boss")
    assert got["role"] == "viewer" and got["site_ids"] == [] and got["active"] is False
    await b.aclose()


async def test_operator_accounts_for_many_points_passwords_once_and_the_sheet(api: Api) -> None:
    w = await make_world(api)
    t = await _navy(api, w)
    await api.user("boss", "admin")
    await api.user("vanhanh.qk3", "operator", sites=[w.qk3])
    b = await sign_in(api, "boss", "vi")
    form = await b.get("/registry/users/operators")
    assert 'id="make-accounts"' in form.text and 'form="make-accounts"' in form.text
    r = await b.post("/registry/users/operators", {"unit_ids": [t["navy_unit"]], "site_ids": [w.qk3]}, expect=200)
    assert r.headers["cache-control"] == "no-store"
    passwords = re.findall(r'<span class="secret">([a-z0-9-]{14})</span>', r.text)
    assert len(passwords) == 2 and "vanhanh.dc-qchq" in r.text and "vanhanh.dc-hvhq" in r.text
    assert "vanhanh.qk3" in r.text  # the point that already has an operator is reported
    assert await _count(api, AuditEntry, AuditEntry.action == "user.created") == 2
    # the sheet: CSV in UTF-8 with a byte-order mark, from the result page's own data
    sheet = SHEET.search(r.text).group(1).replace("&#34;", '"')
    csv_r = await b.post("/registry/users/operators/sheet", {"sheet": sheet}, expect=200)
    assert csv_r.headers["content-type"].startswith("text/csv")
    assert csv_r.headers["content-disposition"].startswith("attachment; filename=\"operator-accounts-")
    assert csv_r.headers["cache-control"] == "no-store"
    assert csv_r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(csv_r.content.decode("utf-8-sig"))))
    assert rows[0] == ["Mã điểm cầu", "Điểm cầu", "Tên đăng nhập", "Mật khẩu dùng một lần", "Địa chỉ đăng nhập"]
    shown = dict(re.findall(r'>(vanhanh\.[a-z0-9.-]+)</td>\s*<td[^>]*><span class="secret">([a-z0-9-]{14})<', r.text))
    assert {x[2]: x[3] for x in rows[1:]} == shown and set(shown.values()) == set(passwords)
    assert {x[0]: x[2] for x in rows[1:]} == {"DC-HVHQ": "vanhanh.dc-hvhq", "DC-QCHQ": "vanhanh.dc-qchq"}
    assert "Điểm cầu Học viện Hải quân" in {x[1] for x in rows[1:]} and rows[1][4].endswith("/login")
    # the passwords are never shown again: not in the list, not on an account's page, not on a second run
    listing = await b.get("/registry/users?role=operator")
    account = await b.get(f"/registry/users/{await api.user_id('vanhanh.dc-qchq')}")
    second = await b.post("/registry/users/operators", {"unit_ids": [t["navy_unit"]]}, expect=200)
    for text in (listing.text, account.text, second.text):
        assert not any(p in text for p in passwords)
    assert 'class="secret"' not in second.text and 'name="sheet"' not in second.text
    # a broken sheet or nothing ticked: said, nothing made
    assert (await b.post("/registry/users/operators/sheet", {"sheet": "not json"}, expect=422)).status_code == 422
    empty = await b.post("/registry/users/operators", {}, expect=422)
    assert 'id="e-add"' in empty.text
    await b.aclose()


async def test_a_sheet_cell_never_becomes_an_excel_formula(api: Api) -> None:
    await api.user("boss", "admin")
    b = await sign_in(api, "boss", "en")
    sheet = json.dumps([["=HYPERLINK(\"x\")", "+1", "@a", "-b"]])
    r = await b.post("/registry/users/operators/sheet", {"sheet": sheet}, expect=200)
    row = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))[1]
    assert row[:4] == ["'=HYPERLINK(\"x\")", "'+1", "'@a", "'-b"]
    await b.aclose()


# ---- the role matrix of these pages and JSON routes ---------------------------------------------------------

Prep = Callable[[Api, World, str], Awaitable[tuple[str, Any]]]


def fixed(path: str, body: Any = None) -> Prep:
    async def prep(api: Api, w: World, role: str) -> tuple[str, Any]:
        return path.format(w=w), body
    return prep


async def _fresh_site(api: Api) -> int:
    return (await api.post("/api/sites", {"code": f"M{next(_n)}", "name": f"Điểm cầu {next(_n)}"}))["id"]


def fresh_site_body(key: str, path: str) -> Prep:
    async def prep(api: Api, w: World, role: str) -> tuple[str, Any]:
        return path.format(w=w), {key: [await _fresh_site(api)]}
    return prep


def fresh_cs_removal() -> Prep:
    async def prep(api: Api, w: World, role: str) -> tuple[str, Any]:
        if role not in STAFF:
            return f"/conferences/{w.conference}/points/{w.cs_qk3}/remove", {}
        cs = await api.post(f"/api/conferences/{w.conference}/sites", {"site_id": await _fresh_site(api)})
        return f"/conferences/{w.conference}/points/{cs['id']}/remove", {}
    return prep


def new_user() -> Prep:
    async def prep(api: Api, w: World, role: str) -> tuple[str, Any]:
        return "/registry/users", {"username": f"u{next(_n)}", "password": "long-enough-1", "role": "viewer"}
    return prep


def expect(ok: int, **others: int) -> dict[str, int]:
    out = {r: 403 for r in ROLES}
    out.update(anon=303, admin=ok, org=ok)
    out.update(others)
    return out


SEE = {"chair": 200, "op": 200, "viewer": 200, "op_out": 404}
C = "/conferences/{w.conference}/points"
ADMIN = {"org": 403}
SHEET_BODY = {"sheet": json.dumps([["DC-1", "Điểm cầu 1", "vanhanh.dc-1", "abcd-efgh-jkmn"]])}
# (method, name, prep, expected, htmx)
PAGES: list[tuple[str, str, Prep, dict[str, int], bool]] = [
    ("GET", "points", fixed(C), expect(200, **SEE), False),
    ("GET", "points search", fixed(C + "/search?q=quan"), expect(200, op_out=404), True),
    ("GET", "points of a unit", fixed(C + "/units/{w.unit}"), expect(200, op_out=404), True),
    ("GET", "points tree branch", fixed(C + "/tree/{w.unit}"), expect(200, op_out=404), True),
    ("POST", "add points", fresh_site_body("site_ids", C + "/add"), expect(200, op_out=404), False),
    ("GET", "point row", fixed(C + "/{w.cs_qk3}"), expect(200, **SEE), True),
    ("GET", "point editor", fixed(C + "/{w.cs_qk3}/edit"), expect(200, op_out=404), True),
    ("POST", "save point", fixed(C + "/{w.cs_qk3}", {"role": "remote", "expected_attendance": "21"}),
     expect(200, op_out=404), True),
    ("POST", "remove point", fresh_cs_removal(), expect(303, op_out=404), False),
    ("GET", "users", fixed("/registry/users"), expect(200, **ADMIN), False),
    ("GET", "new user", fixed("/registry/users/new"), expect(200, **ADMIN), False),
    ("GET", "user points search", fixed("/registry/users/points?site_q=quan"), expect(200, **ADMIN), True),
    ("POST", "create user", new_user(), expect(303, **ADMIN), False),
    ("GET", "user", fixed("/registry/users/1"), expect(200, **ADMIN), False),
    ("POST", "save user", fixed("/registry/users/1", {"display_name": "Văn phòng", "role": "organizer",
                                                     "active": "on"}), expect(303, **ADMIN), False),
    ("GET", "operator accounts", fixed("/registry/users/operators"), expect(200, **ADMIN), False),
    ("GET", "operator accounts search", fixed("/registry/users/operators/search?q=quan"), expect(200, **ADMIN),
     True),
    ("GET", "operator accounts unit", fixed("/registry/users/operators/units/{w.unit}"), expect(200, **ADMIN), True),
    ("POST", "create operator accounts", fresh_site_body("site_ids", "/registry/users/operators"),
     expect(200, **ADMIN), False),
    ("POST", "operator sheet", fixed("/registry/users/operators/sheet", SHEET_BODY), expect(200, **ADMIN), False),
]
JSON: list[tuple[str, str, Prep, dict[str, int]]] = [
    ("POST", "bulk sites", fresh_site_body("site_ids", "/api/conferences/{w.conference}/sites/bulk"),
     expect(200, anon=401, op_out=404)),
    ("POST", "operator accounts", fresh_site_body("site_ids", "/api/users/operators"),
     expect(200, anon=401, org=403)),
]


async def test_every_points_and_users_route_for_every_role(api: Api) -> None:
    w = await make_world(api)
    await api.user("admin", "admin")
    await api.user("chair", "chair")
    await api.user("op", "operator", sites=[w.qk3])
    await api.user("op_out", "operator", sites=[w.other_site])
    await api.user("viewer", "viewer")
    await api.patch(f"/api/conferences/{w.conference}", {"manager_ids": [await api.user_id("chair")]})
    clients: dict[str, PageClient] = {"anon": browser(api, "en")}
    for role in ROLES[1:]:
        clients[role] = await sign_in(api, role, "en")
    walk = Walk(routes_of(api.app, modules_of([*points.ROUTES, *users.ROUTES, *bulk_points.ROUTES,
                                               *bulk_users.ROUTES])), html_errors=True)
    for method, name, prep, expected, htmx in PAGES:
        for role in ROLES:
            path, body = await prep(api, w, role)
            b = clients[role]
            hx = htmx and role != "anon"
            if method == "GET":
                r = await b.get(path, expect=None, headers=_htmx() if hx else {})
            else:
                r = await b.post(path, body, expect=None, htmx=hx)
            walk.check(method, name, path, role, r, expected[role])
    for method, name, prep, expected in JSON:
        for role in ROLES:
            path, body = await prep(api, w, role)
            r = await api.call(method, path, None if role == "anon" else role, json=body)
            walk.check(method, name, path, role, r, expected[role])
    walk.assert_complete("points and users")
    for b in clients.values():
        await b.aclose()
