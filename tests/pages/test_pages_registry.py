"""Registry pages: the unit tree, bridge points, delegates (role matrix, CSRF, bad input, duplicates, search)."""
from __future__ import annotations

import itertools
import re
from typing import Any

from sqlalchemy import func, select

from api.pages import registry
from domain.models import BridgeSite, Delegate, Unit
from tests.conftest import Api
from tests.support.factories import World
from tests.support.matrix import Walk, modules_of, routes_of
from tests.support.pages import PageClient, browser, sign_in
from tests.platform.test_role_matrix import _world_for_matrix

ROLES = ["anon", "admin", "org", "chair", "op", "op_out", "viewer"]
STAFF = {"admin", "org"}
_n = itertools.count(1)


def expect(ok: int, **others: int) -> dict[str, int]:
    """`ok` for organizers and admins; others 403; without a session a GET goes to the sign-in page (303)."""
    out = {r: 403 for r in ROLES}
    out.update(anon=303, admin=ok, org=ok)
    out.update(others)
    return out


READ_ALL = {r: 200 for r in ROLES} | {"anon": 303}


async def _count(api: Api, model: type) -> int:
    async with api.sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


def _unit_body(w: World) -> dict[str, Any]:
    n = next(_n)
    return {"code": f"U-{n}", "name": f"Phòng {n}", "parent_id": str(w.unit)}


def _site_body(w: World) -> dict[str, Any]:
    n = next(_n)
    return {"code": f"P-{n}", "name": f"Điểm cầu {n}", "unit_id": str(w.unit), "capacity": "30",
            "timezone": "Asia/Ho_Chi_Minh", "active": "on"}


def _delegate_body(w: World) -> dict[str, Any]:
    return {"full_name": f"Đại biểu số {next(_n)}", "unit_id": str(w.unit), "rank": "Đại tá"}


async def _fresh_unit(api: Api, w: World, role: str) -> str:
    if role not in STAFF:
        return f"/registry/units/{w.unit}/delete"
    unit = await api.post("/api/units", {"code": f"DEL-{next(_n)}", "name": "Đơn vị tạm"})
    return f"/registry/units/{unit['id']}/delete"


# (method, name, path or async maker, form body maker, expected by role)
MATRIX: list[tuple[str, str, Any, Any, dict[str, int]]] = [
    ("GET", "unit tree", "/registry/units", None, READ_ALL),
    ("GET", "unit search", "/registry/units?q=quan%20khu", None, READ_ALL),
    ("GET", "new unit form", "/registry/units/new", None, expect(200)),
    ("POST", "create unit", "/registry/units", _unit_body, expect(303)),
    ("GET", "unit", "/registry/units/{w.unit}", None, READ_ALL),
    ("POST", "update unit", "/registry/units/{w.unit}", lambda w: {"code": "BQP", "name": "Bộ Quốc phòng"},
     expect(303)),
    ("POST", "delete unit", _fresh_unit, lambda w: {}, expect(303)),
    ("GET", "points", "/registry/points?unit={w.unit}&active=yes", None, READ_ALL),
    ("GET", "new point form", "/registry/points/new", None, expect(200)),
    ("POST", "create point", "/registry/points", _site_body, expect(303)),
    ("GET", "point", "/registry/points/{w.qk3}", None, READ_ALL),
    ("POST", "update point", "/registry/points/{w.qk3}", lambda w: {
        "code": "DC-QK3", "name": "Điểm cầu Quân khu 3", "timezone": "Asia/Ho_Chi_Minh", "capacity": "60",
        "active": "on"}, expect(303)),
    # delegates answer as GET /api/delegates does: operators and chairs see those invited at their points or
    # conferences, a wall board none
    ("GET", "delegates", "/registry/delegates", None, READ_ALL | {"viewer": 403}),
    ("GET", "new delegate form", "/registry/delegates/new", None, expect(200)),
    ("POST", "create delegate", "/registry/delegates", _delegate_body, expect(303)),
    ("GET", "delegate", "/registry/delegates/{w.delegates[ngoc]}", None, READ_ALL | {"op_out": 404, "viewer": 404}),
    ("GET", "delegate at another point", "/registry/delegates/{w.delegates[vinh]}", None,
     READ_ALL | {"op": 404, "op_out": 404, "viewer": 404}),
    ("POST", "update delegate", "/registry/delegates/{w.delegates[ngoc]}", lambda w: {
        "full_name": "Nguyễn Quang Ngọc", "rank": "Thượng tướng"}, expect(303, op_out=404, viewer=404)),
]


async def test_every_registry_page_for_every_role(api: Api) -> None:
    w = await _world_for_matrix(api)
    clients: dict[str, PageClient] = {"anon": browser(api, "en")}
    for role in ROLES[1:]:
        clients[role] = await sign_in(api, role, "en")
    walk = Walk(routes_of(api.app, modules_of(registry.ROUTES)), html_errors=True)
    for method, name, where, body, expected in MATRIX:
        for role in ROLES:
            c = clients[role]
            path = await where(api, w, role) if callable(where) else where.format(w=w)
            if method == "GET":
                r = await c.get(path, expect=None)
            else:
                r = await c.post(path, body(w), expect=None, csrf=role != "anon")
            walk.check(method, name, path, role, r, expected[role])
            if role == "anon" and method == "POST":
                assert r.status_code == 303 and r.headers["location"].startswith("/login")
    walk.assert_complete("registry pages")
    for c in clients.values():
        await c.aclose()


async def test_a_registry_form_without_its_csrf_token_changes_nothing(api: Api) -> None:
    await api.post("/api/units", {"code": "BQP", "name": "Bộ Quốc phòng"})
    b = await sign_in(api, "org", "en")
    units, sites, people = await _count(api, Unit), await _count(api, BridgeSite), await _count(api, Delegate)
    for path, body in (("/registry/units", {"code": "X1", "name": "Phòng X"}),
                       ("/registry/points", {"code": "X1", "name": "Điểm X", "timezone": "Asia/Ho_Chi_Minh"}),
                       ("/registry/delegates", {"full_name": "Trần Văn X"}),
                       ("/registry/units/1/delete", {})):
        r = await b.post(path, body, csrf=False, expect=403)
        assert r.headers["X-Error-Code"] == "csrf_failed"
        await b.post(path, {**body, "_csrf": "forged"}, csrf=False, expect=403)
        await b.post(path, body, csrf=False, htmx=True, expect=403)
    assert (units, sites, people) == (await _count(api, Unit), await _count(api, BridgeSite),
                                      await _count(api, Delegate))
    await b.aclose()


def _field_error(html: str, field: str) -> str:
    m = re.search(rf'<small id="e-{field}" class="error">([^<]+)</small>', html)
    assert m, f"no error at {field}: {html[:2000]}"
    return m.group(1)


async def test_bad_unit_input_is_shown_at_the_field_and_nothing_is_saved(api: Api) -> None:
    parent = await api.post("/api/units", {"code": "BQP", "name": "Bộ Quốc phòng"})
    for locale, blank, taken in (("en", "must not be blank", "already"), ("vi", "không được để trống", "đã")):
        b = await sign_in(api, "org", locale)
        before = await _count(api, Unit)
        r = await b.post("/registry/units", {"code": "QK9", "name": "  ", "parent_id": str(parent["id"])}, expect=422)
        assert blank in _field_error(r.text, "name").lower()
        assert 'value="QK9"' in r.text  # what was typed stays
        r = await b.post("/registry/units", {"code": "", "name": "Quân khu 9"}, expect=422)
        assert _field_error(r.text, "code")
        r = await b.post("/registry/units", {"code": "QK 9", "name": "Quân khu 9"}, expect=422)
        assert _field_error(r.text, "code")
        r = await b.post("/registry/units", {"code": "BQP", "name": "Bộ khác"}, expect=409)
        assert taken in _field_error(r.text, "code")
        r = await b.post("/registry/units", {"code": "QK9", "name": "Quân khu 9", "parent_id": "abc"}, expect=422)
        assert _field_error(r.text, "parent_id")
        r = await b.post("/registry/units", {"code": "QK9", "name": "Quân khu 9", "parent_id": "999999"}, expect=422)
        assert _field_error(r.text, "parent_id")
        assert await _count(api, Unit) == before
        await b.aclose()
    # a unit cannot go under itself; the page keeps the unit as it was
    b = await sign_in(api, "org", "en")
    r = await b.post(f"/registry/units/{parent['id']}", {"code": "BQP", "name": "Bộ Quốc phòng",
                                                        "parent_id": str(parent["id"])}, expect=422)
    assert _field_error(r.text, "parent_id")  # its own subtree is not offered; posted anyway, it is refused
    assert f'<option value="{parent["id"]}"' not in (await b.get(f"/registry/units/{parent['id']}")).text
    assert (await api.get(f"/api/units/{parent['id']}"))["parent_id"] is None
    await b.aclose()


async def test_units_are_created_edited_and_deleted_only_when_unused(api: Api) -> None:
    b = await sign_in(api, "org", "vi")
    r = await b.post("/registry/units", {"code": "BQP", "name": "Bộ Quốc phòng"})
    top = int(r.headers["location"].rsplit("/", 1)[1])
    r = await b.post("/registry/units", {"code": "QK3", "name": "Quân khu 3", "parent_id": str(top)})
    qk3 = int(r.headers["location"].rsplit("/", 1)[1])
    page = await b.get(r.headers["location"])
    assert "Bộ Quốc phòng" in page.text and "Đã tạo đơn vị" in page.text  # path and flash, in Vietnamese
    await b.post(f"/registry/units/{qk3}", {"code": "QK3", "name": "Bộ Tư lệnh Quân khu 3", "parent_id": str(top)})
    assert (await api.get(f"/api/units/{qk3}"))["name"] == "Bộ Tư lệnh Quân khu 3"
    # in use (a child unit): refused with the translated reason, nothing deleted
    r = await b.post(f"/registry/units/{top}/delete", expect=409)
    assert "vẫn đang được" in r.text and r.headers.get("X-Error-Code") is None
    await api.get(f"/api/units/{top}")
    await b.post(f"/registry/units/{qk3}/delete")
    await api.get(f"/api/units/{qk3}", expect=404)
    tree = await b.get("/registry/units")
    assert "Bộ Quốc phòng" in tree.text and "Quân khu 3" not in tree.text
    await b.aclose()


async def test_the_unit_tree_nests_and_search_shows_the_path_ignoring_accents(api: Api) -> None:
    top = (await api.post("/api/units", {"code": "BQP", "name": "Bộ Quốc phòng"}))["id"]
    qk3 = (await api.post("/api/units", {"code": "QK3", "name": "Quân khu 3", "parent_id": top}))["id"]
    await api.post("/api/units", {"code": "QK3-BTM", "name": "Bộ Tham mưu Quân khu 3", "parent_id": qk3})
    await api.post("/api/units", {"code": "HVQP", "name": "Học viện Quốc phòng", "parent_id": top})
    b = await sign_in(api, "org", "en")
    tree = (await b.get("/registry/units")).text
    assert tree.index("Bộ Quốc phòng") < tree.index("Quân khu 3") < tree.index("Bộ Tham mưu Quân khu 3")
    assert "<details" in tree
    found = (await b.get("/registry/units?q=bo%20tham%20muu")).text
    assert "Bộ Tham mưu Quân khu 3" in found and "Bộ Quốc phòng › Quân khu 3" in found
    assert "Học viện Quốc phòng" not in found
    assert "Học viện Quốc phòng" in (await b.get("/registry/units?q=HOC%20VIEN")).text
    await b.aclose()


async def test_points_page_filters_by_unit_subtree_and_pages_on_the_server(api: Api) -> None:
    top = (await api.post("/api/units", {"code": "BQP", "name": "Bộ Quốc phòng"}))["id"]
    qk3 = (await api.post("/api/units", {"code": "QK3", "name": "Quân khu 3", "parent_id": top}))["id"]
    sub = (await api.post("/api/units", {"code": "QK3-BTM", "name": "Bộ Tham mưu", "parent_id": qk3}))["id"]
    other = (await api.post("/api/units", {"code": "QK9", "name": "Quân khu 9", "parent_id": top}))["id"]
    for i in range(55):
        await api.post("/api/sites", {"code": f"DC-{i:03}", "name": f"Điểm cầu số {i}", "unit_id": sub})
    await api.post("/api/sites", {"code": "DC-CT", "name": "Điểm cầu Cần Thơ", "unit_id": other,
                                  "address": "Ninh Kiều, Cần Thơ", "active": False})
    b = await sign_in(api, "org", "en")
    r = (await b.get(f"/registry/points?unit={qk3}")).text
    assert "55 bridge points found" in r and "DC-000" in r and "DC-049" in r and "DC-050" not in r
    assert 'rel="next"' in r and "DC-CT" not in r
    r = (await b.get(f"/registry/points?unit={qk3}&offset=50")).text
    assert "DC-050" in r and "DC-054" in r and "DC-000" not in r
    r = (await b.get("/registry/points?q=can%20tho")).text
    assert "DC-CT" in r and "1 bridge points found" in r
    assert "DC-CT" not in (await b.get("/registry/points?active=yes&q=can")).text
    await b.get("/registry/points?unit=abc", expect=422)
    assert "Bộ Tham mưu" in (await b.get("/registry/points?unit=&active=&q=")).text
    await b.aclose()


async def test_a_point_is_created_and_edited_with_every_field(api: Api) -> None:
    unit = (await api.post("/api/units", {"code": "QK3", "name": "Quân khu 3"}))["id"]
    b = await sign_in(api, "org", "en")
    form = {"code": "DC-QK3", "name": "Điểm cầu Quân khu 3", "unit_id": str(unit), "address": "Hải Phòng",
            "capacity": "60", "timezone": "Asia/Ho_Chi_Minh", "video_endpoint": "sip:qk3@video.bqp.vn",
            "contact": "Đại úy Phạm Văn Tâm, 0912 345 678", "active": "on"}
    r = await b.post("/registry/points", form)
    site_id = int(r.headers["location"].rsplit("/", 1)[1])
    got = await api.get(f"/api/sites/{site_id}")
    assert {k: got[k] for k in ("code", "unit_id", "capacity", "video_endpoint", "contact", "active")} == {
        "code": "DC-QK3", "unit_id": unit, "capacity": 60, "video_endpoint": "sip:qk3@video.bqp.vn",
        "contact": "Đại úy Phạm Văn Tâm, 0912 345 678", "active": True}
    # unticking "active" deactivates; a bad time zone and a negative capacity are refused at their fields
    await b.post(f"/registry/points/{site_id}", {**form, "active": ""})
    assert (await api.get(f"/api/sites/{site_id}"))["active"] is False
    r = await b.post(f"/registry/points/{site_id}", {**form, "timezone": "Mars/Olympus"}, expect=422)
    assert "time zone" in _field_error(r.text, "timezone").lower()
    r = await b.post(f"/registry/points/{site_id}", {**form, "capacity": "-3"}, expect=422)
    assert _field_error(r.text, "capacity")
    r = await b.post("/registry/points", {**form, "name": ""}, expect=422)
    assert _field_error(r.text, "name")
    r = await b.post("/registry/points", form, expect=409)
    assert _field_error(r.text, "code")
    assert await _count(api, BridgeSite) == 1
    await b.aclose()


async def test_delegates_search_ignores_accents_and_filters_by_unit_subtree(api: Api) -> None:
    top = (await api.post("/api/units", {"code": "BQP", "name": "Bộ Quốc phòng"}))["id"]
    qk3 = (await api.post("/api/units", {"code": "QK3", "name": "Quân khu 3", "parent_id": top}))["id"]
    sub = (await api.post("/api/units", {"code": "QK3-BTM", "name": "Bộ Tham mưu", "parent_id": qk3}))["id"]
    await api.post("/api/delegates", {"full_name": "Lê Huy Vịnh", "unit_id": top})
    await api.post("/api/delegates", {"full_name": "Nguyễn Văn Đông", "unit_id": sub})
    await api.post("/api/delegates", {"full_name": "Nguyễn Văn Hùng", "unit_id": top})
    b = await sign_in(api, "org", "en")
    r = (await b.get("/registry/delegates?q=le%20huy%20vinh")).text
    assert "Lê Huy Vịnh" in r and "Nguyễn" not in r
    r = (await b.get("/registry/delegates?q=NGUYEN%20VAN")).text
    assert "Nguyễn Văn Đông" in r and "Nguyễn Văn Hùng" in r
    r = (await b.get(f"/registry/delegates?q=nguyen%20van&unit={qk3}")).text
    assert "Nguyễn Văn Đông" in r and "Nguyễn Văn Hùng" not in r and "1 delegates found" in r
    assert "Nguyễn Văn Đông" in (await b.get("/registry/delegates?q=dong")).text
    await b.aclose()


async def test_a_second_person_with_the_same_name_and_unit_is_a_warning_first(api: Api) -> None:
    unit = (await api.post("/api/units", {"code": "QK3", "name": "Quân khu 3"}))["id"]
    other = (await api.post("/api/units", {"code": "QK9", "name": "Quân khu 9"}))["id"]
    first = await api.post("/api/delegates", {"full_name": "Nguyễn Văn An", "unit_id": unit,
                                              "email": "an@qk3.bqp.vn"})
    b = await sign_in(api, "org", "en")
    before = await _count(api, Delegate)
    # the same name without marks or capitals, in the same unit
    r = await b.post("/registry/delegates", {"full_name": "nguyen van  AN", "unit_id": str(unit), "rank": "Đại tá"},
                     expect=409)
    assert "may already be registered" in r.text and f'href="/registry/delegates/{first["id"]}"' in r.text
    assert 'name="confirm_duplicate" value="true"' in r.text and 'value="nguyen van  AN"' in r.text
    assert "same name and unit" in r.text
    assert await _count(api, Delegate) == before
    # "create anyway"
    r = await b.post("/registry/delegates", {"full_name": "nguyen van  AN", "unit_id": str(unit), "rank": "Đại tá",
                                             "confirm_duplicate": "true"})
    assert await _count(api, Delegate) == before + 1
    # the same name in another unit is another person; the same e-mail anywhere is a warning
    await b.post("/registry/delegates", {"full_name": "Nguyễn Văn An", "unit_id": str(other)})
    r = await b.post("/registry/delegates", {"full_name": "Trần Thị Bình", "email": "AN@qk3.bqp.vn"}, expect=409)
    assert f'href="/registry/delegates/{first["id"]}"' in r.text and "same e-mail" in r.text
    vi = await sign_in(api, "org", "vi")
    r = await vi.post("/registry/delegates", {"full_name": "Trần Thị Bình", "email": "an@qk3.bqp.vn"}, expect=409)
    assert "Tạo mới dù trùng" in r.text and "trùng thư điện tử" in r.text
    assert await _count(api, Delegate) == before + 2
    await b.aclose()
    await vi.aclose()


async def test_the_json_api_refuses_a_possible_duplicate_unless_confirmed(api: Api) -> None:
    unit = (await api.post("/api/units", {"code": "QK3", "name": "Quân khu 3"}))["id"]
    first = await api.post("/api/delegates", {"full_name": "Lê Huy Vịnh", "unit_id": unit, "email": "vinh@bqp.vn"})
    r = await api.call("POST", "/api/delegates", json={"full_name": "LE HUY VINH", "unit_id": unit}, expect=409)
    body = r.json()
    assert body["code"] == "possible_duplicate" and body["field"] == "full_name"
    assert body["existing"] == [{"id": first["id"], "full_name": "Lê Huy Vịnh", "unit_id": unit,
                                 "email": "vinh@bqp.vn", "match": "name_unit"}]
    r = await api.call("POST", "/api/delegates", json={"full_name": "Phạm Văn Tâm", "email": "VINH@bqp.vn"},
                       expect=409)
    assert r.json()["existing"][0]["match"] == "email" and r.json()["field"] == "email"
    vi = await api.client.post("/api/delegates", json={"full_name": "Lê Huy Vịnh", "unit_id": unit},
                               headers={**api.as_("org"), "Accept-Language": "vi"})
    assert vi.status_code == 409 and "đã có" in vi.json()["detail"].lower()
    # without a unit: the same name without a unit is the same check; another name is fine
    await api.post("/api/delegates", {"full_name": "Lê Huy Vịnh"})
    await api.post("/api/delegates", {"full_name": "Lê Huy Vịnh"}, expect=409)
    await api.post("/api/delegates", {"full_name": "Lê Huy Vịnh", "unit_id": unit, "confirm_duplicate": True})
    await api.post("/api/delegates", {"full_name": "Lê Huy Vinh Anh", "unit_id": unit})  # a longer name differs
    assert (await api.get(f"/api/delegates?unit_id={unit}"))["total"] == 3
    await api.post("/api/delegates", {"full_name": "X", "confirm_duplicate": "yes"}, expect=400)


async def test_bad_delegate_input_is_shown_at_the_field(api: Api) -> None:
    b = await sign_in(api, "org", "en")
    for body, field, status in (({"full_name": " "}, "full_name", 422), ({"full_name": ""}, "full_name", 422),
                                ({"full_name": "A", "email": "not-an-address"}, "email", 422),
                                ({"full_name": "A", "phone": "call me"}, "phone", 422),
                                ({"full_name": "A", "unit_id": "424242"}, "unit_id", 422)):
        r = await b.post("/registry/delegates", body, expect=status)
        assert _field_error(r.text, field)
    assert await _count(api, Delegate) == 0
    await b.aclose()


async def test_read_only_roles_see_no_forms(api: Api) -> None:
    w = await _world_for_matrix(api)
    op = await sign_in(api, "op", "en")
    for path in (f"/registry/units/{w.unit}", f"/registry/points/{w.qk3}", f"/registry/delegates/{w.delegates['ngoc']}"):
        r = await op.get(path)
        assert "<form method=\"post\" action=\"/registry" not in r.text and "read-only" in r.text
    r = await op.get("/registry/delegates")
    assert "Nguyễn Quang Ngọc" in r.text and "Lê Huy Vịnh" not in r.text  # only those invited at their point
    assert "New delegate" not in r.text
    await op.aclose()


async def test_a_delegates_language_is_chosen_in_the_form_and_shown_in_the_list(api: Api) -> None:
    b = await sign_in(api, "org", "en")
    r = await b.get("/registry/delegates/new")
    assert 'name="locale"' in r.text and '<option value="vi" selected>Tiếng Việt</option>' in r.text
    assert "Language for e-mails and the personal page" in r.text
    r = await b.post("/registry/delegates", {"full_name": "John Carter", "email": "carter@embassy.example",
                                             "locale": "en"}, expect=303)
    did = int(r.headers["location"].rsplit("/", 1)[1])
    assert (await api.get(f"/api/delegates/{did}"))["locale"] == "en"
    r = await b.get(f"/registry/delegates/{did}")
    assert '<option value="en" selected>English</option>' in r.text
    r = await b.get("/registry/delegates?q=john carter")
    assert 'class="badge lang-en"' in r.text and ">EN<" in r.text and "English" in r.text
    await b.post(f"/registry/delegates/{did}", {"full_name": "John Carter", "email": "carter@embassy.example",
                                                "locale": "vi"}, expect=303)
    assert (await api.get(f"/api/delegates/{did}"))["locale"] == "vi"
    r = await b.post(f"/registry/delegates/{did}", {"full_name": "John Carter", "locale": "fr"}, expect=422)
    assert _field_error(r.text, "locale") and (await api.get(f"/api/delegates/{did}"))["locale"] == "vi"
    r = await b.post("/registry/delegates", {"full_name": "Jane Roe", "locale": "klingon"}, expect=422)
    assert _field_error(r.text, "locale") and await _count(api, Delegate) == 1
    vi = await sign_in(api, "org", "vi")
    r = await vi.get(f"/registry/delegates/{did}")
    assert "Ngôn ngữ dùng cho thư điện tử và trang cá nhân" in r.text and '<option value="vi" selected>Tiếng Việt</option>' in r.text
    await b.aclose()
    await vi.aclose()
