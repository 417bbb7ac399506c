"""The import page and the import API for every role; the page's check, apply and errors in both languages."""
from __future__ import annotations

import re
from typing import Any

from api.controllers import imports as import_api
from api.pages import imports as import_pages
from domain.models import AuditEntry, Delegate
from tests.conftest import Api
from tests.support.imports import count, upload, xlsx
from tests.support.matrix import Walk, modules_of, routes_of
from tests.support.pages import PageClient, browser, sign_in
from tests.platform.test_role_matrix import _world_for_matrix

ROLES = ["anon", "admin", "org", "chair", "op", "op_out", "viewer"]
STAFF = {"admin", "org"}
UNITS = xlsx([["Mã đơn vị", "Tên đơn vị"], ["PTM-1", "Phòng Tham mưu 1"]])


def _status(ok: int, anon: int) -> dict[str, int]:
    """Organizers and administrators may import; every other role is refused (403), anonymous callers too."""
    return {r: 403 for r in ROLES} | {"anon": anon, "admin": ok, "org": ok}


async def test_every_import_route_for_every_role(api: Api) -> None:
    w = await _world_for_matrix(api)
    walk = Walk(routes_of(api.app, modules_of([*import_api.ROUTES, *import_pages.ROUTES])), html_errors=True)
    conf = w.conference
    api_cases: list[tuple[str, str, Any, dict[str, int]]] = [
        ("POST", "/api/imports/units", {"files": {"file": ("u.xlsx", UNITS)}, "data": {"dry_run": "true"}},
         _status(200, 401)),
        ("POST", "/api/imports/units", {"files": {"file": ("u.xlsx", UNITS)}, "data": {"dry_run": "false"}},
         _status(200, 401)),
        ("POST", "/api/imports/invitations", {"files": {"file": ("i.xlsx", xlsx([["Họ và tên"], ["Lê Huy Vịnh"]]))},
                                              "data": {"conference_id": str(conf)}},
         _status(200, 401) | {"op_out": 403}),
        ("GET", "/api/imports/templates/delegates?format=xlsx&lang=vi", {}, _status(200, 401)),
        ("GET", f"/api/imports/current/invitations?conference_id={conf}", {}, _status(200, 401)),
        ("GET", "/api/imports/current/delegates?format=csv", {}, _status(200, 401)),
    ]
    for method, path, kw, expected in api_cases:
        for role in ROLES:
            r = await api.call(method, path, None if role == "anon" else role, **kw)
            walk.check(method, path, path, role, r, expected[role])
    clients: dict[str, PageClient] = {"anon": browser(api, "en")}
    for role in ROLES[1:]:
        clients[role] = await sign_in(api, role, "en")
    for role in ROLES:
        c = clients[role]
        for path in ("/imports", "/imports?kind=units", f"/imports?kind=invitations&conference={conf}"):
            r = await c.get(path, expect=None)
            walk.check("GET", "import page", path, role, r, _status(200, 303)[role])
        fresh = xlsx([["Mã đơn vị", "Tên đơn vị"], [f"PAGE-{role}", f"Phòng {role}"]])
        r = await c.post("/imports", {"kind": "units"}, files={"file": ("u.xlsx", fresh)}, expect=None,
                         csrf=role != "anon")
        walk.check("POST", "check a file", "/imports", role, r, _status(200, 303)[role])
        token = re.search(r'name="token" value="([^"]+)"', r.text)
        r = await c.post("/imports/apply", {"token": token.group(1) if token else "x" * 32}, expect=None,
                         csrf=role != "anon")
        walk.check("POST", "apply a file", "/imports/apply", role, r, _status(303, 303)[role])
    walk.assert_complete("imports")
    for c in clients.values():
        await c.aclose()


async def test_the_page_checks_then_imports(api: Api) -> None:
    await api.post("/api/units", {"code": "QK3", "name": "Quân khu 3"})
    b = await sign_in(api, "org", "vi")
    form = await b.get("/imports?kind=delegates")
    assert "Nhập danh sách từ bảng tính" in form.text and "/api/imports/templates/delegates?format=xlsx" in form.text
    content = xlsx([["STT", "Họ và tên", "Cấp bậc", "Đơn vị"], [1, "Nguyễn Văn An", "Đại tá", "Quân khu 3"],
                    [2, "Trần Văn Bình", "Trung tá", "Quân khu 3"]])
    check = await b.post("/imports", {"kind": "delegates"}, files={"file": ("dai-bieu.xlsx", content)}, expect=200)
    assert "Kết quả kiểm tra «dai-bieu.xlsx»" in check.text and "Nguyễn Văn An" in check.text
    assert await count(api, Delegate) == 0  # checking wrote nothing
    token = re.search(r'name="token" value="([^"]+)"', check.text).group(1)
    done = await b.post("/imports/apply", {"token": token})
    assert done.headers["location"] == "/registry/delegates"
    assert await count(api, Delegate) == 2
    listing = await b.get("/registry/delegates")
    assert "Đã nhập: 2 thêm mới, 0 cập nhật, 0 không đổi." in listing.text
    again = await b.post("/imports/apply", {"token": token}, expect=422)  # the kept file is gone once applied
    assert "không còn được lưu" in again.text
    await b.aclose()


async def test_rows_in_error_are_shown_in_the_users_language_and_nothing_can_be_applied(api: Api) -> None:
    content = xlsx([["Họ và tên", "Thư điện tử"], ["NguyÔn V¨n An", "an@x.vn"], ["Lê Văn Bình", "không-phải-thư"]])
    for lang, words in (("vi", ("bảng mã cũ TCVN3", "Nguyễn Văn An", "không hợp lệ")),
                        ("en", ("old TCVN3 (ABC) encoding", "Nguyễn Văn An", "not a valid e-mail"))):
        b = await sign_in(api, "org", lang)
        r = await b.post("/imports", {"kind": "delegates"}, files={"file": ("x.xlsx", content)}, expect=422)
        for word in words:
            assert word in r.text, (lang, word)
        assert 'name="token"' not in r.text and 'action="/imports/apply"' not in r.text
        await b.aclose()
    assert await count(api, Delegate) == 0


async def test_a_bad_file_is_told_at_the_file_field(api: Api) -> None:
    b = await sign_in(api, "org", "vi")
    r = await b.post("/imports", {"kind": "delegates"}, files={"file": ("x.pdf", b"%PDF-1.4 nothing")}, expect=422)
    assert 'id="e-file"' in r.text and "không phải bảng tính" in r.text
    r = await b.post("/imports", {"kind": "delegates"}, files={"file": ("", b"")}, expect=422)
    assert 'id="e-file"' in r.text
    audits = await count(api, AuditEntry)
    r = await b.post("/imports/apply", {"token": "../../etc/passwd"}, expect=422)
    assert await count(api, AuditEntry) == audits
    await b.aclose()


async def test_a_form_without_its_csrf_token_imports_nothing(api: Api) -> None:
    b = await sign_in(api, "org", "en")
    r = await b.post("/imports", {"kind": "units"}, files={"file": ("u.xlsx", UNITS)}, csrf=False, expect=403)
    assert r.status_code == 403
    report = await upload(api, "units", UNITS)  # the same file through the API (a bearer token needs no CSRF)
    assert report["counts"]["create"] == 1
    await b.aclose()
