"""The bridge-point desk in Debian's Chromium: a keyboard-wedge burst, focus that always comes back, a pass of
another point, the camera (Chromium's fake capture device playing a video made from a pass), an outage with a
reload in the middle and an upload that counts every check-in exactly once, and who may open a desk.

Each test makes its own conference on bridge points of its own (unique codes), starting within the check-in
window (opens two hours before the start), so nothing of the demo or of the other tests is touched.
"""
from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from domain.text import fold
from tests.browser.conftest import CHROMIUM, DEMO_PASSWORDS, PHONE, axe_serious, shoot, sign_in

DESKTOP = {"width": 1366, "height": 900}
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE = ["Văn", "Quang", "Thị", "Đức", "Minh", "Hữu"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phong", "Quân", "Sơn", "Tâm",
         "Thắng", "Trung", "Tuấn", "Việt", "Vinh"]
RANKS = ["Đại tá", "Thượng tá", "Trung tá", "Thiếu tá", "Đại úy"]
RESULT = "#result"


class Setup:
    """A scheduled conference of our own starting in 40 minutes (so check-in is open), on a new host hall and two
    new points A and B; `n_a` delegates invited at A and 3 at B, each with their pass."""

    def __init__(self, page: Any, base: str, n_a: int = 24) -> None:
        login = page.request.post(f"{base}/api/auth/login",
                                  data={"username": "vanphong", "password": DEMO_PASSWORDS["vanphong"]})
        self.page, self.base = page, base
        self.headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        tag = uuid.uuid4().hex[:6].upper()
        self.tag = tag
        sites = {}
        for key, name in (("host", f"Hội trường kiểm thử {tag}"), ("a", f"Điểm cầu Kiểm thử A {tag}"),
                          ("b", f"Điểm cầu Kiểm thử B {tag}")):
            sites[key] = self.post("/api/sites", {"code": f"T-{key.upper()}-{tag}", "name": name, "capacity": 80})
        self.site_names = {k: v["name"] for k, v in sites.items()}
        now = datetime.now(timezone.utc).replace(microsecond=0)
        self.title = f"Hội nghị kiểm thử bàn điểm danh {tag}"
        self.id = self.post("/api/conferences", {
            "title": self.title, "starts_at": (now + timedelta(minutes=40)).isoformat(),
            "ends_at": (now + timedelta(hours=3)).isoformat(), "host_site_id": sites["host"]["id"]})["id"]
        self.cs = {"host": self.get(f"/api/conferences/{self.id}/sites")["items"][0]["id"]}
        for key in ("a", "b"):
            self.cs[key] = self.post(f"/api/conferences/{self.id}/sites",
                                     {"site_id": sites[key]["id"], "expected_attendance": 0})["id"]
        names = random.sample([f"{s} {m} {g}" for s in SURNAMES for m in MIDDLE for g in GIVEN], n_a + 3)
        self.people: dict[str, list[dict[str, Any]]] = {"a": [], "b": []}
        for i, name in enumerate(names):
            key = "a" if i < n_a else "b"
            d = self.post("/api/delegates", {"full_name": name, "rank": random.choice(RANKS),
                                             "confirm_duplicate": True})
            self.people[key].append({"delegate_id": d["id"], "full_name": name})
        for key in ("a", "b"):
            bulk = self.post(f"/api/conferences/{self.id}/invitations/bulk", {
                "delegate_ids": [p["delegate_id"] for p in self.people[key]], "conference_site_id": self.cs[key]})
            by_delegate = {item["delegate_id"]: item["invitation_id"] for item in bulk["items"]}
            for p in self.people[key]:
                p["invitation_id"] = by_delegate[p["delegate_id"]]
        self.post(f"/api/conferences/{self.id}/schedule")
        item = self.post(f"/api/conferences/{self.id}/agenda", {"kind": "discussion", "title": "Tham luận"})
        r = self.page.request.put(f"{base}/api/conferences/{self.id}/speakers/current-item", headers=self.headers,
                                  data={"agenda_item_id": item["id"]})
        assert r.ok, r.text()
        for key in ("a", "b"):
            for p in self.people[key]:
                p["pass"] = self.pass_of(p["invitation_id"])

    def pass_of(self, invitation_id: int) -> str:
        return str(self.get(f"/api/conferences/{self.id}/invitations/{invitation_id}/pass")["token"])

    def desk(self, key: str = "a") -> str:
        return f"/desk/conferences/{self.id}/points/{self.cs[key]}"

    def present_at(self, key: str) -> int:
        counts = self.get(f"/api/conferences/{self.id}/attendance")
        return next(s["present"] for s in counts["sites"] if s["conference_site_id"] == self.cs[key])

    def get(self, path: str) -> Any:
        r = self.page.request.get(self.base + path, headers=self.headers)
        assert r.ok, r.text()
        return r.json()

    def post(self, path: str, body: Any = None) -> Any:
        r = self.page.request.post(self.base + path, headers=self.headers, data=body)
        assert r.ok, f"{path}: {r.status} {r.text()}"
        return r.json() if r.body() else None


def open_desk(page: Any, s: Setup, locale: str = "en", key: str = "a") -> None:
    sign_in(page, "vanphong", locale)
    page.goto(s.desk(key))
    page.wait_for_selector("#desk[data-ready=true]")
    page.wait_for_selector("#link-state.link-live", timeout=15000)


def wedge(page: Any, text: str) -> None:
    """What a USB keyboard-wedge scanner does: the characters one by one, then Enter."""
    page.keyboard.type(text, delay=0)
    page.keyboard.press("Enter")


def recent(page: Any) -> list[dict[str, str]]:
    return page.eval_on_selector_all("#recent li", """els => els.map(li => ({cls: li.className,
        text: li.textContent}))""")


def test_a_wedge_burst_of_20_registers_every_scan_and_none_joins_the_next(page: Any, live_server: str) -> None:
    s = Setup(page, live_server, n_a=20)
    open_desk(page, s)
    assert page.evaluate("document.activeElement.id") == "scan"
    for p in s.people["a"]:
        wedge(page, p["pass"])
        page.wait_for_timeout(30)
    page.wait_for_function("() => document.querySelectorAll('#recent li.outcome-ok').length === 20", timeout=15000)
    texts = [row["text"] for row in recent(page)]
    for p in s.people["a"]:
        assert sum(p["full_name"] in t for t in texts) == 1, (p["full_name"], texts)
    assert page.input_value("#scan") == ""
    assert s.present_at("a") == 20
    page.wait_for_function("() => document.getElementById('c-present').textContent === '20'", timeout=10000)
    # the same pass again: already checked in, when and where, not counted again
    wedge(page, s.people["a"][0]["pass"])
    page.wait_for_selector(f"{RESULT}.outcome-already_checked_in")
    assert s.site_names["a"] in page.inner_text(RESULT)
    assert s.present_at("a") == 20


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_a_pass_of_another_point_names_the_right_point_and_focus_comes_back(page: Any, live_server: str,
                                                                              locale: str) -> None:
    s = Setup(page, live_server, n_a=4)
    open_desk(page, s, locale)
    assert not axe_serious(page), axe_serious(page)
    wedge(page, s.people["b"][0]["pass"])
    page.wait_for_selector(f"{RESULT}.outcome-wrong_site")
    text = page.inner_text(RESULT)
    assert s.site_names["b"] in text and s.people["b"][0]["full_name"] in text
    assert page.locator(RESULT).evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(138, 75, 0)"
    # a tampered pass: not valid, no name shown
    tampered = s.people["a"][0]["pass"][:-3] + ("AAA" if not s.people["a"][0]["pass"].endswith("AAA") else "BBB")
    wedge(page, tampered)
    page.wait_for_selector(f"{RESULT}.outcome-invalid")
    wedge(page, s.people["a"][1]["pass"])
    page.wait_for_selector(f"{RESULT}.outcome-ok")
    shoot(page, f"desk-scan-{locale}-desktop")
    # focus: after a dialog, after a click on a button, after a click on the page
    page.click("#walk-in-open")
    assert page.evaluate("document.activeElement.id") == "f-full_name"
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.activeElement.id === 'scan'")
    page.click("input[name=direction][value=out]")
    page.wait_for_function("() => document.activeElement.id === 'scan'")
    page.click("input[name=direction][value=in]")
    page.click("#h-recent")
    page.wait_for_function("() => document.activeElement.id === 'scan'")
    # a scanner that starts while a button has the focus still types into the scan field
    page.focus("#upload-now") if page.is_visible("#upload-now") else page.focus("#camera-toggle")
    wedge(page, s.people["a"][2]["pass"])
    page.wait_for_function("() => document.querySelectorAll('#recent li.outcome-ok').length === 2")
    # a walk-in through the dialog, then the focus is back on the scan field
    page.click("#walk-in-open")
    page.fill("#f-full_name", f"Khách mời {s.tag}")
    page.fill("#f-rank", "Trung tá")
    page.click("#walk-in-form button.primary")
    page.wait_for_function("() => document.querySelectorAll('#recent li.outcome-ok').length === 3")
    page.wait_for_function("() => document.activeElement.id === 'scan'")
    # the manual search ignores diacritics
    page.fill("#manual-q", "khach moi " + s.tag.lower())
    page.press("#manual-q", "Enter")
    page.wait_for_selector("#manual-results li")
    assert f"Khách mời {s.tag}" in page.inner_text("#manual-results")
    # an expected delegate marked absent with a reason: counted as absent at once
    absent = s.people["a"][3]
    page.fill("#manual-q", fold(absent["full_name"]))
    page.press("#manual-q", "Enter")
    page.wait_for_selector(f"#manual-results li:has-text('{absent['full_name']}')")
    page.click(f"#manual-results li:has-text('{absent['full_name']}') button:nth-of-type(2)")
    page.select_option("#f-reason", "illness")
    page.fill("#absence-form #f-note", "Nằm viện")
    page.click("#absence-form button.primary")
    page.wait_for_selector("#manual-results .tag-absent")
    page.wait_for_function("() => document.getElementById('c-absent').textContent === '1'", timeout=10000)
    page.wait_for_function("() => document.activeElement.id === 'scan'")
    # the floor for a delegate of this point, its state following the chair's decision live
    asker = s.people["a"][1]
    page.click("#floor-open")
    page.fill("#floor-q", fold(asker["full_name"]))
    page.click(f"#floor-people button:has-text('{asker['full_name']}')")
    page.fill("#floor-form #f-topic", "Kết quả chuyển đổi số")
    page.fill("#floor-form #f-requested_minutes", "5")
    page.click("#floor-form button.primary")
    page.wait_for_selector("#floor-list li.req-pending")
    request_id = page.get_attribute("#floor-list li", "data-request-id")
    s.post(f"/api/conferences/{s.id}/speakers/requests/{request_id}/accept")
    page.wait_for_selector("#floor-list li.req-queued", timeout=10000)
    assert ("xếp thứ 1" if locale == "vi" else "queued at position 1") in page.inner_text("#floor-list")
    page.wait_for_function("() => document.activeElement.id === 'scan'")
    assert not axe_serious(page), axe_serious(page)
    page.set_viewport_size(PHONE)
    assert not axe_serious(page), axe_serious(page)
    shoot(page, f"desk-scan-{locale}-phone")
    page.set_viewport_size(DESKTOP)


def test_an_outage_with_a_reload_loses_nothing_and_counts_each_check_in_once(page: Any, context: Any,
                                                                            live_server: str) -> None:
    s = Setup(page, live_server, n_a=48)
    revoked = s.people["a"][47]  # a pass re-issued: the old one is revoked (the kit knows the new version)
    old_pass = revoked["pass"]
    s.post(f"/api/conferences/{s.id}/invitations/{revoked['invitation_id']}/pass/reissue")
    valid = s.people["a"][:47]
    tampered = valid[5]["pass"][:-4] + ("AAAA" if not valid[5]["pass"].endswith("AAAA") else "BBBB")
    open_desk(page, s)
    page.wait_for_timeout(500)  # the service worker has taken the page
    context.set_offline(True)
    page.wait_for_selector("#link-state.link-offline")
    first, second = valid[:25], valid[25:]
    for p in first:
        wedge(page, p["pass"])
    for p in first[:2]:  # two passes shown twice: caught here
        wedge(page, p["pass"])
    page.wait_for_function("() => window.bridgepointDesk.state.queued === 27")
    page.reload()  # no link: the service worker brings the page back, IndexedDB the kit and the queue
    page.wait_for_selector("#desk[data-ready=true]")
    page.wait_for_selector("#link-state.link-offline")
    assert page.inner_text("#queue-count").startswith("27")
    for p in second:
        wedge(page, p["pass"])
    wedge(page, second[0]["pass"])  # the third duplicate, after the reload
    wedge(page, old_pass)
    page.wait_for_selector(f"{RESULT}.outcome-revoked")
    wedge(page, tampered)
    page.wait_for_selector(f"{RESULT}.outcome-invalid")
    page.wait_for_function("() => window.bridgepointDesk.state.queued === 52")
    local = page.eval_on_selector_all("#recent li", "els => els.map(li => li.className)")
    assert sum("outcome-already_checked_in" in c for c in local[:20]) >= 1
    decided = page.evaluate("window.bridgepointDesk.timings.decidedOffline")
    assert decided and max(decided) < 500
    assert s.present_at("a") == 0  # nothing reached the server yet
    shoot(page, "desk-offline-en-desktop")

    # The link comes back; the first upload is answered by the server but the answer is lost, and the page
    # is reloaded before it could learn anything: the queue goes up again and the server replays it.
    calls: list[int] = []

    def lose_the_answer(route: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            route.fetch()  # the server records the whole batch …
            route.abort()  # … and the page never hears about it
        else:
            route.continue_()

    page.route("**/checkin/offline", lose_the_answer)
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('recent').children.length > 0")
    page.wait_for_timeout(1500)
    page.reload()
    page.wait_for_selector("#desk[data-ready=true]")
    page.wait_for_function("() => window.bridgepointDesk.state.queued === 0", timeout=20000)
    assert len(calls) >= 2
    assert s.present_at("a") == 47
    roster = s.get(f"/api/conferences/{s.id}/checkin/roster?conference_site_id={s.cs['a']}&present=true&limit=100")
    assert roster["total"] == 47
    assert {p["invitation_id"] for p in valid} == {r["invitation_id"] for r in roster["items"]}
    page.wait_for_function("() => document.getElementById('c-present').textContent === '47'", timeout=15000)
    assert page.evaluate("window.bridgepointDesk.state.queued") == 0
    assert page.locator("#conflicts li").count() == 0  # the server decided as the desk did
    page.unroute("**/checkin/offline")


def test_the_offline_decision_names_conflicts_the_server_settles(page: Any, context: Any, live_server: str) -> None:
    """Checked in meanwhile at another desk: the desk said ok without the link, the server says already in."""
    s = Setup(page, live_server, n_a=3)
    open_desk(page, s)
    page.wait_for_timeout(300)
    context.set_offline(True)
    page.wait_for_selector("#link-state.link-offline")
    wedge(page, s.people["a"][0]["pass"])
    page.wait_for_selector(f"{RESULT}.outcome-ok.decided-here")
    s.post(f"/api/conferences/{s.id}/checkin/scan", {"text": s.people["a"][0]["pass"], "nonce": f"x-{s.tag}",
                                                      "conference_site_id": s.cs["a"]})  # another desk, online
    context.set_offline(False)
    page.wait_for_selector("#conflicts li.outcome-already_checked_in", timeout=20000)
    assert s.people["a"][0]["full_name"] in page.inner_text("#conflicts")
    assert s.present_at("a") == 1


def test_a_live_socket_waiting_out_its_backoff_tries_again_as_soon_as_the_browser_is_online(
        page: Any, context: Any, live_server: str) -> None:
    """After a long outage a screen's next try may be 15 s away: the browser's `online` event cuts it short (a
    client whose backoff is a minute: it is live again within seconds of the link coming back)."""
    s = Setup(page, live_server, n_a=1)
    open_desk(page, s)
    context.set_offline(True)
    page.evaluate("""async (id) => {
      const {LiveClient} = await import("/static/js/live-client.js");
      window.probeStates = [];
      window.probeClient = new LiveClient({conferenceId: id, minBackoffMs: 60000, maxBackoffMs: 60000,
                                           onStatus: (st) => window.probeStates.push(st.state)});
      window.probeClient.start();
    }""", s.id)
    page.wait_for_function("() => window.probeStates.includes('stale')", timeout=5000)
    context.set_offline(False)
    page.wait_for_function("() => window.probeStates.at(-1) === 'live'", timeout=5000)
    page.evaluate("() => window.probeClient.stop()")


def test_an_operator_of_another_point_gets_404_and_the_chooser_lists_the_desks(page: Any,
                                                                               live_server: str) -> None:
    s = Setup(page, live_server, n_a=1)
    sign_in(page, "vanhanh.qk3", "en")
    r = page.goto(s.desk("a"))
    assert r.status == 404
    page.goto("/desk")
    assert f"/desk/conferences/{s.id}/" not in page.content()
    assert not axe_serious(page)
    page.click("header form[action='/logout'] button")
    for locale in ("vi", "en"):
        sign_in(page, "vanphong", locale)
        page.goto("/desk")
        assert page.locator(f"a[href='{s.desk('a')}']").count() == 1
        assert not axe_serious(page)
        shoot(page, f"desk-chooser-{locale}-desktop")
        page.set_viewport_size(PHONE)
        shoot(page, f"desk-chooser-{locale}-phone")
        page.set_viewport_size(DESKTOP)
        page.click("header form[action='/logout'] button")
        page.wait_for_url("**/login")


def _y4m(png: bytes, path: Path, frames: int = 20) -> None:
    """A short YUV 4:2:0 video (Y4M, full-range like JPEG) of the pass's QR code on a white 640×480 frame."""
    import io

    from PIL import Image
    qr = Image.open(io.BytesIO(png)).convert("L")
    side = 360
    qr = qr.resize((side, side), Image.NEAREST)
    frame = Image.new("RGB", (640, 480), "white")
    frame.paste(qr.convert("RGB"), ((640 - side) // 2, (480 - side) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (320, 240)
    body = y.tobytes() + cb.resize(half, Image.BILINEAR).tobytes() + cr.resize(half, Image.BILINEAR).tobytes()
    with path.open("wb") as f:
        f.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            f.write(b"FRAME\n" + body)


def test_the_camera_reads_a_pass_from_chromiums_fake_capture_device(page: Any, live_server: str, playwright: Any,
                                                                     tmp_path: Path) -> None:
    s = Setup(page, live_server, n_a=2)
    person = s.people["a"][1]
    png = page.request.get(f"{live_server}/api/conferences/{s.id}/invitations/{person['invitation_id']}/pass/qr.png",
                           headers=s.headers).body()
    video = tmp_path / "pass.y4m"
    _y4m(png, video)
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        context = browser.new_context(base_url=live_server, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                                      viewport=DESKTOP, permissions=["camera"])
        cam = context.new_page()
        errors: list[str] = []
        cam.on("pageerror", lambda e: errors.append(str(e)))
        cam.on("console", lambda m: errors.append(m.text) if m.type == "error" and (
            "Content Security Policy" in m.text or "Refused" in m.text) else None)
        open_desk(cam, s, "vi")
        assert cam.evaluate("'BarcodeDetector' in window") is False  # Linux: the zxing-wasm path
        cam.click("#camera-toggle")
        cam.wait_for_selector(f"{RESULT}.outcome-ok", timeout=30000)
        assert person["full_name"] in cam.inner_text(RESULT)
        assert cam.get_attribute("#desk", "data-camera") == "zxing-wasm"
        assert cam.evaluate("document.activeElement.id") == "scan"
        cam.wait_for_timeout(1500)  # the pass stays in front of the camera: reported once, not every frame
        assert cam.locator("#recent li").count() == 1
        shoot(cam, "desk-camera-vi-desktop")
        cam.click("#camera-toggle")
        assert not errors, errors
        assert s.present_at("a") == 1
    finally:
        browser.close()
