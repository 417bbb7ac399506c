"""The agenda editor and the conclusions pages: who may see and change what, bad input at its field, reordering
by the keyboard's form posts and by the JSON the drag and drop sends, planned times, notices with an attachment and
each point's acknowledgement."""
from __future__ import annotations

import re
from typing import Any

from api.pages import agenda as agenda_pages, notices as notice_pages
from domain.conferences.agenda import planned_times
from tests.support.factories import T0, World
from tests.support.matrix import Walk, modules_of, routes_of
from tests.support.pages import PageClient, browser, sign_in
from tests.platform.test_role_matrix import _world_for_matrix

ROLES = ["anon", "admin", "org", "chair", "op", "op_out", "viewer"]
A = "/conferences/{w.conference}/agenda"
N = "/conferences/{w.conference}/notices"


async def items(api: Any, w: World) -> list[dict[str, Any]]:
    return (await api.get(f"/api/conferences/{w.conference}/agenda"))["items"]


def times(html: str) -> list[str]:
    """The planned start of each item, as the page shows it."""
    return re.findall(r'<span class="pos">\d+\.</span>\s*<time[^>]*>([0-9:]+)</time>', html)


async def clients(api: Any) -> dict[str, PageClient]:
    out = {"anon": browser(api, "en")}
    for role in ROLES[1:]:
        out[role] = await sign_in(api, role, "en")
    return out


def test_planned_times_follow_the_durations_before_each_item() -> None:
    assert planned_times(T0, [10, 30, 0, 15]) == [T0, T0.replace(hour=1, minute=10), T0.replace(hour=1, minute=40),
                                                  T0.replace(hour=1, minute=40)]
    assert planned_times(T0, []) == []


async def test_every_agenda_and_notice_page_route_for_every_role(api: Any) -> None:
    w = await _world_for_matrix(api)
    item = w.agenda  # type: ignore[attr-defined]
    b = await clients(api)
    walk = Walk(routes_of(api.app, modules_of([*agenda_pages.ROUTES, *notice_pages.ROUTES])), html_errors=True)
    read = {"anon": 303, "admin": 200, "org": 200, "chair": 200, "op": 200, "op_out": 404, "viewer": 200}
    staff_write = {"anon": 303, "admin": 303, "org": 303, "chair": 403, "op": 403, "op_out": 404, "viewer": 403}
    roster = {**read, "viewer": 403}
    staff_read = {**read, "chair": 403, "op": 403, "viewer": 403}  # the picker is the editor's

    async def fresh_item() -> int:
        return (await api.post(f"/api/conferences/{w.conference}/agenda", {"kind": "speech", "title": "Phát biểu"}))["id"]

    for role in ROLES:
        c = b[role]
        cases: list[tuple[str, str, dict[str, Any] | None, dict[str, int]]] = [
            ("GET", A, None, read),
            ("POST", A, {"kind": "report", "title": "Báo cáo", "duration_minutes": "20"}, staff_write),
            ("GET", A + f"/{item}/edit", None, read),
            ("POST", A + f"/{item}", {"kind": "opening", "title": "Khai mạc hội nghị", "duration_minutes": "10"},
             staff_write),
            ("POST", A + f"/{item}/move", {"direction": "down"}, staff_write),
            ("POST", A + f"/{await fresh_item() if role in ('admin', 'org') else item}/delete", {}, staff_write),
            ("GET", A + "/presenters?q=vinh", None, staff_read),
            ("GET", N, None, roster),
            ("POST", N, {"title": "Kết luận", "body": "Nội dung"}, {**staff_write, "admin": 409, "org": 409}),
            ("POST", N + "/1/receipts/1/acknowledge", {}, {**roster, "anon": 303, "admin": 404, "org": 404,
                                                           "chair": 404, "op": 404}),
        ]
        for method, template, body, expected in cases:
            path = template.format(w=w)
            if method == "GET":
                r = await c.get(path, expect=None)
            elif template == N:
                r = await c.client.post(path, data={**(body or {}), "_csrf": c.csrf},
                                        files={"attachment": ("", b"", "application/octet-stream")})
            else:
                r = await c.post(path, body, expect=None)
            walk.check(method, template, path, role, r, expected[role])
        # the order the drag and drop posts: JSON with the CSRF header
        ids = [i["id"] for i in await items(api, w)]
        r = await c.client.post(A.format(w=w) + "/order", json={"item_ids": ids[::-1]},
                                headers={"X-CSRF-Token": c.csrf})
        walk.check("POST", "order", A.format(w=w) + "/order", role, r,
                   {**staff_write, "admin": 200, "org": 200}[role])
    walk.assert_complete("agenda and notice pages")
    for c in b.values():
        await c.aclose()


async def _organizer(api: Any) -> tuple[World, PageClient]:
    from tests.support.factories import make_world
    w = await make_world(api)
    return w, await sign_in(api, "org", "en")


async def test_a_form_post_without_the_csrf_token_changes_nothing(api: Any) -> None:
    w, b = await _organizer(api)
    r = await b.post(A.format(w=w), {"kind": "opening", "title": "Khai mạc"}, csrf=False, expect=403)
    assert r.headers["X-Error-Code"] == "csrf_failed"
    await b.post(A.format(w=w), {"kind": "opening", "title": "Khai mạc", "_csrf": "forged"}, csrf=False, expect=403)
    assert await items(api, w) == []
    await b.aclose()


async def test_bad_input_is_shown_at_its_field_and_nothing_is_saved(api: Any) -> None:
    w, b = await _organizer(api)
    url = A.format(w=w)
    for body, field, text in [
        ({"kind": "report", "title": "   ", "duration_minutes": "10"}, "title", "must not be blank"),
        ({"kind": "report", "title": "Báo cáo", "duration_minutes": "-5"}, "duration_minutes", "out of range"),
        ({"kind": "report", "title": "Báo cáo", "duration_minutes": "mười"}, "duration_minutes", "not valid"),
        ({"kind": "report", "title": "Báo cáo", "speaking_minutes": "2000"}, "speaking_minutes", "out of range"),
        ({"kind": "nap", "title": "Báo cáo"}, "kind", "required"),
        ({"kind": "report", "title": "x" * 301}, "title", "too long"),
        ({"kind": "report", "title": "Báo cáo", "presenter_invitation_id": "999"}, "presenter_invitation_id",
         "does not exist"),
    ]:
        r = await b.post(url, body, expect=422)
        assert f'id="e-{field}" class="error"' in r.text, (field, r.text[:2000])
        assert text in r.text.lower(), (field, text)
        assert "Báo cáo" in r.text or field == "title"  # the values typed are kept
    assert await items(api, w) == []
    # the same at an item's own form
    item = await api.post(f"/api/conferences/{w.conference}/agenda", {"kind": "opening", "title": "Khai mạc"})
    r = await b.post(f"{url}/{item['id']}", {"kind": "opening", "title": "Khai mạc", "duration_minutes": "-1"},
                     expect=422)
    assert 'id="e-duration_minutes"' in r.text and 'aria-invalid="true"' in r.text
    assert (await items(api, w))[0]["duration_minutes"] == 0
    await b.aclose()


async def test_an_organizer_builds_the_agenda_with_presenters_and_planned_times(api: Any) -> None:
    w, b = await _organizer(api)
    url = A.format(w=w)
    for kind, title, minutes, presenter in [("opening", "Khai mạc", 10, ""), ("report", "Báo cáo tổng kết", 30,
                                            str(w.invitations["vinh"])), ("discussion", "Tham luận Quân khu 3", 15,
                                            str(w.invitations["ngoc"])), ("break", "Giải lao", 15, "")]:
        r = await b.post(url, {"kind": kind, "title": title, "duration_minutes": str(minutes), "speaking_minutes": "7",
                               "presenter_invitation_id": presenter, "notes": "Ghi chú"})
        assert r.headers["location"].startswith(url + "#item-")
    page = await b.get(url)
    assert "The item was added." in page.text
    assert times(page.text) == ["08:00", "08:10", "08:40", "08:55"]
    assert "Lê Huy Vịnh" in page.text and "Điểm cầu Quân khu 3" in page.text
    assert "4 items" in page.text and "70 minutes in all" in page.text and "planned end 09:10" in page.text
    # a longer report moves everything after it, on the page and in what delegates receive
    listed = await items(api, w)
    await b.post(f"{url}/{listed[1]['id']}", {"kind": "report", "title": "Báo cáo tổng kết năm 2026",
                                              "duration_minutes": "45", "presenter_invitation_id":
                                              str(w.invitations["vinh"])})
    page = await b.get(url)
    assert times(page.text) == ["08:00", "08:10", "08:55", "09:10"]
    assert [i["planned_start"][11:16] for i in await items(api, w)] == ["08:00", "08:10", "08:55", "09:10"]
    # the edit form shows the item as it is, with its presenter chosen
    edit = await b.get(f"{url}/{listed[1]['id']}/edit")
    assert 'value="Báo cáo tổng kết năm 2026"' in edit.text and "Lê Huy Vịnh" in edit.text
    assert re.search(rf'value="{w.invitations["vinh"]}"\s+checked', edit.text)
    # removing an item moves the ones after it up
    await b.post(f"{url}/{listed[0]['id']}/delete")
    page = await b.get(url)
    assert times(page.text) == ["08:00", "08:45", "09:00"]
    # running past the conference's end (11:30) is pointed out
    await b.post(url, {"kind": "speech", "title": "Phát biểu chỉ đạo", "duration_minutes": "200"})
    assert "runs 65 minutes past the conference" in (await b.get(url)).text
    await b.aclose()


async def test_the_presenter_search_ignores_case_and_diacritics(api: Any) -> None:
    w, b = await _organizer(api)
    r = await b.get(A.format(w=w) + "/presenters?q=le%20huy%20VINH", headers={"HX-Request": "true"})
    assert "Lê Huy Vịnh" in r.text and "Nguyễn Quang Ngọc" not in r.text and "<html" not in r.text
    r = await b.get(A.format(w=w) + f"/presenters?q=zzz&presenter_invitation_id={w.invitations['ngoc']}")
    assert "Nguyễn Quang Ngọc" in r.text and "checked" in r.text and "No invited delegate matches" not in r.text
    r = await b.get(A.format(w=w) + "/presenters?q=zzz&presenter_invitation_id=")
    assert "No invited delegate matches «zzz»" in r.text
    await b.aclose()


async def test_a_wall_board_sees_the_agenda_but_not_who_presents(api: Any) -> None:
    w, b = await _organizer(api)
    await api.post(f"/api/conferences/{w.conference}/agenda", {"kind": "report", "title": "Báo cáo",
                                                               "presenter_invitation_id": w.invitations["vinh"]})
    await api.user("board", "viewer")
    v = await sign_in(api, "board", "en")
    page = await v.get(A.format(w=w))
    assert "Báo cáo" in page.text and "Lê Huy Vịnh" not in page.text and "a delegate" in page.text
    assert "/move" not in page.text and "Add an item" not in page.text
    await v.aclose()
    await b.aclose()


async def _five(api: Any, w: World) -> list[int]:
    ids = []
    for n, minutes in enumerate([10, 20, 30, 40, 50], start=1):
        ids.append((await api.post(f"/api/conferences/{w.conference}/agenda", {
            "kind": "discussion", "title": f"Mục {n}", "duration_minutes": minutes}))["id"])
    return ids


async def test_the_keyboard_moves_an_item_with_plain_form_posts_or_htmx(api: Any) -> None:
    w, b = await _organizer(api)
    ids = await _five(api, w)
    url = A.format(w=w)
    r = await b.post(f"{url}/{ids[2]}/move", {"direction": "up"})
    assert r.headers["location"] == f"{url}#item-{ids[2]}"
    assert [i["id"] for i in await items(api, w)] == [ids[0], ids[2], ids[1], ids[3], ids[4]]
    assert times((await b.get(url)).text) == ["08:00", "08:10", "08:40", "09:00", "09:40"]
    # through htmx: the list comes back, the focus stays on the moved item's button, the move is announced
    r = await b.post(f"{url}/{ids[2]}/move", {"direction": "up"}, htmx=True, expect=200)
    assert "<html" not in r.text and "is now item 1 of 5" in r.text and 'hx-swap-oob="true"' in r.text
    focused = [f for f in re.findall(r"<form.*?</form>", r.text, re.S) if "data-focus" in f]
    assert len(focused) == 1 and 'value="down"' in focused[0]  # item 1 cannot go up: the focus goes to its Down
    r = await b.post(f"{url}/{ids[4]}/move", {"direction": "down"}, htmx=True, expect=200)
    assert "is now item 5 of 5" in r.text
    assert [i["id"] for i in await items(api, w)] == [ids[2], ids[0], ids[1], ids[3], ids[4]]
    # what delegates receive moved too
    assert [i["planned_start"][11:16] for i in await items(api, w)] == ["08:00", "08:30", "08:40", "09:00", "09:40"]
    await b.post(f"{url}/{ids[0]}/move", {"direction": "sideways"}, expect=422)
    await b.aclose()


async def test_the_drag_and_drop_posts_the_whole_order_as_json(api: Any) -> None:
    w, b = await _organizer(api)
    ids = await _five(api, w)
    url = A.format(w=w) + "/order"
    order = [ids[3], ids[0], ids[1], ids[2], ids[4]]
    r = await b.client.post(url, json={"item_ids": order}, headers={"X-CSRF-Token": b.csrf})
    assert r.status_code == 200 and "<html" not in r.text
    assert times(r.text) == ["08:00", "08:40", "08:50", "09:10", "09:40"]
    assert [i["id"] for i in await items(api, w)] == order
    # the same service as the API: an order that leaves an item out is refused and changes nothing
    r = await b.client.post(url, json={"item_ids": order[:4]}, headers={"X-CSRF-Token": b.csrf})
    assert r.status_code == 422 and r.headers["X-Error-Code"] == "incomplete_order"
    r = await b.client.post(url, json={"item_ids": order[::-1]})
    assert r.status_code == 403 and r.headers["X-Error-Code"] == "csrf_failed"
    assert [i["id"] for i in await items(api, w)] == order
    audit = await api.get("/api/audit", params={"action": "agenda.reordered"})
    assert audit["items"][0]["detail"]["order"] == order
    await b.aclose()


async def test_an_ended_conference_keeps_its_agenda(api: Any) -> None:
    w, b = await _organizer(api)
    ids = await _five(api, w)
    for action in ("schedule", "start", "end"):
        await api.post(f"/api/conferences/{w.conference}/{action}", expect=200)
    page = await b.get(A.format(w=w))
    assert "Mục 5" in page.text and "/move" not in page.text and "Add an item" not in page.text
    r = await b.post(A.format(w=w), {"kind": "report", "title": "Muộn"}, expect=409)
    assert "can no longer be changed" in r.text
    await b.post(A.format(w=w) + f"/{ids[0]}/move", {"direction": "down"}, expect=409)
    await b.aclose()


# ---- conclusions ----
PDF = b"%PDF-1.4\n% ket luan hoi nghi\n"


async def _ended(api: Any) -> tuple[World, PageClient]:
    w, b = await _organizer(api)
    for action in ("schedule", "start", "end"):
        await api.post(f"/api/conferences/{w.conference}/{action}", expect=200)
    return w, b


def _multipart(b: PageClient, url: str, data: dict[str, str], file: tuple[str, bytes, str] | None) -> Any:
    files = {"attachment": file or ("", b"", "application/octet-stream")}
    return b.client.post(url, data={**data, "_csrf": b.csrf}, files=files)


async def test_conclusions_are_published_after_the_conference_with_an_attachment(api: Any) -> None:
    w, b = await _organizer(api)
    url = N.format(w=w)
    page = await b.get(url)
    assert "published once the conference has ended" in page.text and 'enctype="multipart/form-data"' not in page.text
    r = await _multipart(b, url, {"title": "Kết luận", "body": "Nội dung"}, None)
    assert r.status_code == 409 and "has not ended yet" in r.text
    for action in ("schedule", "start", "end"):
        await api.post(f"/api/conferences/{w.conference}/{action}", expect=200)
    page = await b.get(url)
    assert 'enctype="multipart/form-data"' in page.text and "No conclusions have been published yet." in page.text
    r = await _multipart(b, url, {"title": "Thông báo kết luận của Thủ trưởng Bộ", "body": "1. Đánh giá...\n2. Nhiệm vụ..."},
                         ("ket-luan-hoi-nghi.pdf", PDF, "application/pdf"))
    assert r.status_code == 303, r.text[:500]
    page = await b.get(url)
    assert "The conclusions were published to every point." in page.text
    assert "Thông báo kết luận của Thủ trưởng Bộ" in page.text and "ket-luan-hoi-nghi.pdf" in page.text
    assert "0 of 2 points acknowledged" in page.text and "2 points have not yet" in page.text
    assert page.text.count("Not yet") == 2
    notice = (await api.get(f"/api/conferences/{w.conference}/notices"))[0]
    got = await b.get(f"/api/conferences/{w.conference}/notices/{notice['id']}/attachment")
    assert got.content == PDF and got.headers["content-type"].startswith("application/pdf")
    # the Military Region 3 operator acknowledges for their point, on the same page
    await api.user("op3", "operator", sites=[w.qk3])
    op = await sign_in(api, "op3", "en")
    mine = await op.get(url)
    assert "Acknowledge receipt" in mine.text and "Hội trường Bộ Quốc phòng" not in mine.text
    r = await op.post(f"{url}/{notice['id']}/receipts/{w.cs_qk3}/acknowledge", {"note": "Đã nhận"})
    assert r.headers["location"].endswith(f"#notice-{notice['id']}")
    page = await b.get(url)
    assert "1 of 2 points acknowledged" in page.text and "1 point has not yet" in page.text
    row = re.search(r"Điểm cầu Quân khu 3.*?</tr>", page.text, re.S).group(0)
    assert "✓" in row and "op3" in row and "Đã nhận" in row
    # an organizer does not acknowledge for a point
    await b.post(f"{url}/{notice['id']}/receipts/{w.cs_hq}/acknowledge", {}, expect=403)
    await op.aclose()
    await b.aclose()


async def test_a_notice_without_title_or_with_a_bad_file_is_not_published(api: Any) -> None:
    w, b = await _ended(api)
    url = N.format(w=w)
    r = await _multipart(b, url, {"title": "  ", "body": "Nội dung kết luận"}, None)
    assert r.status_code == 422 and 'id="e-title" class="error"' in r.text and "Nội dung kết luận" in r.text
    r = await _multipart(b, url, {"title": "Kết luận", "body": "Nội dung"}, ("trống.pdf", b"", "application/pdf"))
    assert r.status_code == 422 and 'id="e-attachment" class="error"' in r.text and "file is empty" in r.text
    before = len(await api.get(f"/api/conferences/{w.conference}/notices"))
    big = b"x" * (5 * 1024 * 1024 + 1)
    r = await _multipart(b, url, {"title": "Kết luận", "body": "Nội dung"}, ("lớn.pdf", big, "application/pdf"))
    assert r.status_code == 422 and 'id="e-attachment" class="error"' in r.text and "too large" in r.text
    assert len(await api.get(f"/api/conferences/{w.conference}/notices")) == before
    await b.aclose()


async def test_pages_speak_vietnamese(api: Any) -> None:
    w, _b = await _organizer(api)
    await _b.aclose()
    await _five(api, w)
    b = await sign_in(api, "org", "vi")
    page = await b.get(A.format(w=w))
    assert "Thêm mục" in page.text and "5 mục" in page.text
    r = await b.post(A.format(w=w), {"kind": "report", "title": " "}, expect=422)
    assert "không được để trống" in r.text
    page = await b.get(N.format(w=w))
    assert "Kết luận" in page.text
    await b.aclose()
