"""The desk pages: who may open which desk (the role matrix), what the page and the chooser show, the service
worker, and the desk page's own Content-Security-Policy (the camera's WebAssembly decoder)."""
from __future__ import annotations

from api.pages import desk
from tests.conftest import Api
from tests.support.factories import World, make_world
from tests.support.matrix import Walk, modules_of, routes_of
from tests.support.pages import PageClient, browser, sign_in

ROLES = ["anon", "admin", "org", "chair", "op", "op_host", "op_out", "viewer"]
DESK = "/desk/conferences/{w.conference}/points/{w.cs_qk3}"


async def _world(api: Api) -> World:
    w = await make_world(api)
    await api.user("admin", "admin")
    await api.user("chair", "chair")
    await api.user("op", "operator", sites=[w.qk3])
    await api.user("op_host", "operator", sites=[w.hq])  # another point of the same conference
    await api.user("op_out", "operator", sites=[w.other_site])  # a point that is not in the conference
    await api.user("viewer", "viewer")
    await api.patch(f"/api/conferences/{w.conference}", {"manager_ids": [await api.user_id("chair")]})
    await api.post(f"/api/conferences/{w.conference}/schedule", expect=200)
    return w


async def _clients(api: Api) -> dict[str, PageClient]:
    clients: dict[str, PageClient] = {"anon": browser(api, "en")}
    for role in ROLES[1:]:
        clients[role] = await sign_in(api, role, "en")
    return clients


def expect(**cells: int) -> dict[str, int]:
    out = {"anon": 303, "admin": 200, "org": 200, "chair": 403, "op": 200, "op_host": 404, "op_out": 404,
           "viewer": 403}
    out.update(cells)
    return out


PAGES: list[tuple[str, str, dict[str, int]]] = [
    ("GET", "/desk", expect(op_host=200, op_out=200)),
    ("GET", DESK, expect()),  # the wall board's cell depends on the conference's visibility (below)
    ("GET", "/desk/conferences/{w.conference}/points/999999", expect(op=404, admin=404, org=404)),
    ("GET", "/desk/conferences/999999/points/{w.cs_qk3}", expect(op=404, admin=404, org=404, chair=404,
                                                                 viewer=404)),
    ("GET", "/desk/sw.js", {r: 200 for r in ROLES}),
]


async def test_every_desk_route_for_every_role(api: Api) -> None:
    w = await _world(api)
    clients = await _clients(api)
    # A wall board may see an internal conference (and so is refused the desk, 403) — or not see it at all (404).
    visible_to_viewer = (await api.call("GET", f"/api/conferences/{w.conference}", "viewer")).status_code == 200
    walk = Walk(routes_of(api.app, modules_of(desk.ROUTES)), html_errors=True)
    for method, template, expected in PAGES:
        path = template.format(w=w)
        cells = dict(expected)
        if "{w.conference}" in template:  # chair and viewer: no desk for their role, if they know the conference
            cells["viewer"] = 403 if visible_to_viewer else 404
        for role in ROLES:
            r = await clients[role].get(path, expect=None)
            walk.check(method, template, path, role, r, cells[role])
            if r.status_code in (403, 404) and path != "/desk/sw.js":
                assert r.headers.get("x-error-code"), (path, role)
    walk.assert_complete("desk")
    for b in clients.values():
        await b.aclose()


async def test_the_desk_page_names_the_point_and_carries_what_the_script_needs(api: Api) -> None:
    w = await _world(api)
    b = await sign_in(api, "op", "vi")
    r = await b.get(DESK.format(w=w))
    html = r.text
    assert "Điểm cầu Quân khu 3" in html and "Hội nghị tổng kết công tác văn phòng năm 2026" in html
    assert f'data-conference-id="{w.conference}"' in html and f'data-conference-site-id="{w.cs_qk3}"' in html
    assert 'data-site-code="DC-QK3"' in html
    assert '<script type="module" src="/static/js/desk.js"></script>' in html
    assert 'id="scan"' in html and "autofocus" in html
    assert "Quét thẻ" in html or "Quét" in html  # Vietnamese labels
    csp = r.headers["content-security-policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in csp and "'unsafe-inline'" not in csp
    assert "camera=(self)" in r.headers["permissions-policy"]
    assert "<script>" not in html and 'style="' not in html
    # the operator runs only this point of the conference: no other point is offered
    assert "/points/%d" % w.cs_hq not in html
    # other pages keep the strict policy
    home = await b.get("/")
    assert "wasm-unsafe-eval" not in home.headers["content-security-policy"]
    await b.aclose()


async def test_an_organizer_opens_any_desk_and_the_chooser_lists_every_point(api: Api) -> None:
    w = await _world(api)
    b = await sign_in(api, "org", "en")
    r = await b.get(DESK.format(w=w).replace(str(w.cs_qk3), str(w.cs_hq)))
    assert "Hội trường Bộ Quốc phòng" in r.text
    chooser = await b.get("/desk")
    for cs in (w.cs_hq, w.cs_qk3):
        assert f"/desk/conferences/{w.conference}/points/{cs}" in chooser.text
    await b.aclose()


async def test_an_operator_chooser_lists_only_their_points(api: Api) -> None:
    w = await _world(api)
    b = await sign_in(api, "op", "en")
    chooser = (await b.get("/desk")).text
    assert f"/desk/conferences/{w.conference}/points/{w.cs_qk3}" in chooser
    assert f"/points/{w.cs_hq}\"" not in chooser
    out = await sign_in(api, "op_out", "en")
    assert "No conference of your points is live or coming up." in (await out.get("/desk")).text
    # an operator of another point of the same conference: the desk does not exist for them
    other = await sign_in(api, "op_host", "en")
    r = await other.get(DESK.format(w=w), expect=404)
    assert r.headers["x-error-code"] == "conference_site_not_found"
    assert "Điểm cầu Quân khu 3" not in r.text
    for c in (b, out, other):
        await c.aclose()


async def test_a_draft_conference_is_not_on_the_chooser(api: Api) -> None:
    w = await make_world(api)
    await api.user("op", "operator", sites=[w.qk3])
    b = await sign_in(api, "op", "en")
    assert f"/desk/conferences/{w.conference}/" not in (await b.get("/desk")).text
    await b.aclose()


async def test_the_service_worker_is_served_for_the_desk_scope(api: Api) -> None:
    r = await browser(api).get("/desk/sw.js")
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["service-worker-allowed"] == "/desk/"
    assert "bridgepoint-desk-v1" in r.text
    page_cache = (desk.SERVICE_WORKER.parent / "desk.js").read_text()
    assert '"bridgepoint-desk-v1"' in page_cache  # the page keeps itself in the worker's cache
