"""The wall board in a real browser: a scan posted through the API shows within a second; a network cut shows the
stale marker and, once restored, the board equals GET …/attendance; a revoked display link stops the board and
says why; 1080p, 4:3 and phone in both languages, axe-clean. Our own conference and points (the demo's are not
changed): a unit with two new points, a conference far ahead, started."""
from __future__ import annotations

import json
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from tests.browser.conftest import DEMO_PASSWORDS, PHONE, PROJECTOR, axe_serious, shoot, sign_in

FOUR_THREE = {"width": 1024, "height": 768}


@dataclass
class Board:
    base: str
    conference: int = 0
    host: int = 0  # conference site ids
    point: int = 0
    passes: list[tuple[int, str]] = field(default_factory=list)  # (conference site, pass text) not used yet
    token: str = ""

    def client(self) -> httpx.Client:
        if not self.token:
            self.token = httpx.post(f"{self.base}/api/auth/login", timeout=30, json={
                "username": "vanphong", "password": DEMO_PASSWORDS["vanphong"]}).json()["access_token"]
        return httpx.Client(base_url=self.base, timeout=30, headers={"Authorization": f"Bearer {self.token}"})

    def scan(self) -> float:
        """Check the next delegate in through the API; the time the answer came back (monotonic)."""
        cs, text = self.passes.pop(0)
        with self.client() as c:
            r = c.post(f"/api/conferences/{self.conference}/checkin/scan",
                       json={"text": text, "conference_site_id": cs, "nonce": uuid.uuid4().hex})
            assert r.status_code == 200 and r.json()["result"] == "ok", r.text
        return time.monotonic()

    def attendance(self) -> dict[str, Any]:
        with self.client() as c:
            return ok(c.get(f"/api/conferences/{self.conference}/attendance"))


class Cable:
    """A TCP proxy in front of the server that the test can cut: while cut, what either side sends is dropped
    (a dead link: nothing closes, as when a cable is pulled) and new connections are closed at once; restored,
    the dead connections are closed and new ones go through."""

    def __init__(self, upstream: str) -> None:
        host, port = upstream.rsplit("//", 1)[1].split(":")
        self.upstream = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.cut = False
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut:
                client.close()
                continue
            server = socket.create_connection(self.upstream)
            with self.lock:
                self.pairs.append((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                if not self.cut:
                    dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.close()
            except OSError:
                pass

    def pull(self) -> None:
        self.cut = True

    def plug(self) -> None:
        with self.lock:
            dead, self.pairs = self.pairs, []
        for pair in dead:
            for sock in pair:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
                except OSError:
                    pass
        self.cut = False

    def close(self) -> None:
        self.listener.close()
        self.plug()


def ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:400]}"
    return r.json()


def live_board(base: str, delegates: int = 8) -> Board:
    tag = uuid.uuid4().hex[:6].upper()
    b = Board(base)
    with b.client() as c:
        unit = ok(c.post("/api/units", json={"code": f"BT{tag}", "name": f"Bộ Tư lệnh thử nghiệm {tag}"}), 201)["id"]
        sub = ok(c.post("/api/units", json={"code": f"BT{tag}-1", "name": f"Lữ đoàn thử nghiệm {tag}",
                                            "parent_id": unit}), 201)["id"]
        hall = ok(c.post("/api/sites", json={"code": f"HT-{tag}", "name": f"Hội trường {tag}", "unit_id": unit,
                                             "capacity": 100}), 201)["id"]
        point = ok(c.post("/api/sites", json={"code": f"DC-{tag}", "name": f"Điểm cầu Lữ đoàn {tag}", "unit_id": sub,
                                              "capacity": 50}), 201)["id"]
        start = (datetime.now(timezone.utc) + timedelta(days=40 + int(tag, 16) % 600)).replace(
            hour=1, minute=0, second=0, microsecond=0)
        conf = ok(c.post("/api/conferences", json={
            "title": f"Hội nghị giao ban trực tuyến {tag}", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=3)).isoformat(), "host_site_id": hall}), 201)
        b.conference = conf["id"]
        b.host = ok(c.get(f"/api/conferences/{b.conference}/sites"))["items"][0]["id"]
        b.point = ok(c.post(f"/api/conferences/{b.conference}/sites",
                            json={"site_id": point, "expected_attendance": delegates}), 201)["id"]
        for i in range(delegates):
            cs = b.point if i % 2 == 0 else b.host
            d = ok(c.post("/api/delegates", json={"full_name": f"Đại biểu {i} {tag}", "rank": "Thượng tá",
                                                   "unit_id": sub if cs == b.point else unit}), 201)
            inv = ok(c.post(f"/api/conferences/{b.conference}/invitations",
                            json={"delegate_id": d["id"], "conference_site_id": cs}), 201)["id"]
            text = ok(c.get(f"/api/conferences/{b.conference}/invitations/{inv}/pass"))["token"]
            b.passes.append((cs, text))
        ok(c.post(f"/api/conferences/{b.conference}/schedule"))
        ok(c.post(f"/api/conferences/{b.conference}/start"))
    return b


def open_board(page: Any, b: Board, locale: str = "en") -> None:
    sign_in(page, "manhinh", locale)
    page.goto(f"/conferences/{b.conference}/board")
    page.wait_for_selector("#board[data-state='live'][data-rendered='1']", timeout=10000)


def present(page: Any) -> int:
    return int(page.locator("#t-present").text_content().replace(".", "").replace(",", ""))


def test_a_scan_shows_on_the_board_within_a_second(page: Any, live_server: str) -> None:
    b = live_board(live_server)
    open_board(page, b)
    assert present(page) == 0
    assert page.locator(f".tile[data-site='{b.point}']").count() == 1  # few points: every unit open
    for n in (1, 2, 3):
        answered = b.scan()
        page.wait_for_function("(n) => document.getElementById('t-present').textContent.trim() === String(n)",
                               arg=n, timeout=3000)
        seen = time.monotonic() - answered
        assert seen <= 1.0, f"check-in {n} shown {seen:.2f} s after the answer"
    tile = page.locator(f".tile[data-site='{b.host}'] .tile-count")
    assert tile.text_content().startswith("1 /")
    assert page.evaluate("() => window.boardMetrics.applied") >= 3


def test_a_network_cut_shows_stale_and_the_board_then_equals_the_attendance(page: Any, live_server: str) -> None:
    b = live_board(live_server)
    cable = Cable(live_server)  # the browser reaches the server through a cable the test can pull
    try:
        page.goto(f"{cable.base}/login")
        page.fill("#f-username", "manhinh")
        page.fill("#f-password", DEMO_PASSWORDS["manhinh"])
        page.click("button[type=submit].primary")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(f"{cable.base}/conferences/{b.conference}/board")
        page.wait_for_selector("#board[data-state='live'][data-rendered='1']", timeout=10000)
        b.scan()
        page.wait_for_function("() => document.getElementById('t-present').textContent.trim() === '1'", timeout=3000)
        cable.pull()
        cut = time.monotonic()
        for _ in range(3):
            b.scan()  # what happens meanwhile is caught up after the cut
        # nothing closes a pulled cable: the board's ping finds the socket dead (5 s + 4 s at most)
        page.wait_for_selector("#board[data-state='stale'] #board-status.st-stale", timeout=10000)
        marker = page.locator("#board-status").text_content()
        assert len([x for x in marker.split() if x.count(":") == 2]) == 1, marker  # "… since hh:mm:ss"
        assert page.locator("#t-present").text_content().strip() == "1"  # the old count, marked stale
        page.wait_for_timeout(max(0, 10 - (time.monotonic() - cut)) * 1000)
        assert page.locator("#board").get_attribute("data-state") == "stale"
        cable.plug()
        page.wait_for_selector("#board[data-state='live']", timeout=20000)
        assert page.locator("#board-status").is_hidden()
        want = b.attendance()
        assert want["totals"]["present"] == 4
        page.wait_for_function("(n) => document.getElementById('t-present').textContent.trim() === String(n)",
                               arg=want["totals"]["present"], timeout=3000)
        for site in want["sites"]:
            count = page.locator(f".tile[data-site='{site['conference_site_id']}'] .tile-count").text_content()
            assert count.startswith(f"{site['present']} / {site['expected']}"), (site, count)
    finally:
        cable.close()


def test_a_revoked_display_link_stops_the_board_and_says_why(page: Any, live_server: str) -> None:
    b = live_board(live_server, delegates=2)
    with b.client() as c:
        link = ok(c.post(f"/api/conferences/{b.conference}/display-links", json={"label": "Máy chiếu phòng họp"}), 201)
    page.goto(f"/display/{link['token']}")
    page.wait_for_selector("#board[data-state='live'][data-rendered='1']", timeout=10000)
    assert page.locator("header .who .user").count() == 0  # nobody signed in on this screen
    b.scan()
    page.wait_for_function("() => document.getElementById('t-present').textContent.trim() === '1'", timeout=3000)
    with b.client() as c:
        ok(c.post(f"/api/conferences/{b.conference}/display-links/{link['id']}/revoke"))
    page.wait_for_selector("#board[data-state='closed'] #board-status.st-closed", timeout=5000)
    assert "thu hồi" in page.locator("#board-status").text_content()  # the screen's browser asks for Vietnamese
    page.wait_for_timeout(2500)  # it does not come back
    assert page.locator("#board").get_attribute("data-state") == "closed"
    page.reload()
    assert "thu hồi" in page.locator("main").text_content()


def test_board_layouts_in_both_languages_are_accessible(page: Any, live_server: str) -> None:
    b = live_board(live_server, delegates=6)
    b.scan()
    b.scan()
    for locale in ("vi", "en"):
        open_board(page, b, locale)
        for name, size in (("desktop", PROJECTOR), ("4x3", FOUR_THREE), ("phone", PHONE)):
            page.set_viewport_size(size)
            page.wait_for_timeout(300)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= size["width"] + 1, (name, width)
            problems = axe_serious(page)
            assert problems == [], (locale, name, problems)
            shoot(page, f"board-wall-{locale}-{name}")
        page.set_viewport_size({"width": 1366, "height": 900})
        sign_in(page, "vanphong", locale)
        page.goto(f"/conferences/{b.conference}/displays")
        assert axe_serious(page) == []
        shoot(page, f"board-displays-{locale}-desktop")
        page.context.clear_cookies()


def test_a_degraded_worker_is_shown_and_a_new_socket_starts_clear(page: Any, live_server: str) -> None:
    """The server says its live view is degraded (its bus is gone: check-ins go on, counts may be late): the board
    shows "degraded since hh:mm:ss" and keeps its counts; the bus comes back, the board applies what it missed and
    the marker goes. The socket is then dropped; the new one reaches a worker that is not degraded. (The frame is put into the board's socket by the browser's
    WebSocket routing: a real Redis fault is tests/platform/test_faults_redis.py's.)"""
    b = live_board(live_server)
    routes: list[Any] = []

    def through(ws: Any) -> None:
        ws.connect_to_server()  # frames pass both ways unchanged
        routes.append(ws)
    page.route_web_socket(re.compile(r".*/ws/conferences/.*"), through)
    open_board(page, b)
    b.scan()
    page.wait_for_function("() => document.getElementById('t-present').textContent.trim() === '1'", timeout=3000)
    since = datetime.now(timezone.utc).replace(microsecond=0)
    routes[-1].send(json.dumps({"type": "degraded", "degraded": True, "since": since.isoformat(),
                                "at": since.isoformat()}))
    page.wait_for_selector("#board[data-state='degraded'] #board-status.st-degraded", timeout=3000)
    marker = page.locator("#board-status").text_content()
    assert len([x for x in marker.split() if x.count(":") == 2]) == 1, marker  # "… since hh:mm:ss"
    assert page.locator("#t-present").text_content().strip() == "1"
    shoot(page, "board-degraded-en")
    # The worker's bus is back: it sends what the screens missed (counts marked `resync`), then "no longer
    # degraded", on the same socket. The board takes the counts and reads its chart again.
    with page.expect_request(re.compile(r".*/attendance/series$"), timeout=3000):
        routes[-1].send(json.dumps({"type": "attendance", "sites": [], "resync": True, "at": since.isoformat(),
                                    "totals": {"present": 7, "expected": 9, "late": 0, "walk_ins": 0,
                                               "absent": 0, "missing": 2}}))
    routes[-1].send(json.dumps({"type": "degraded", "degraded": False, "at": since.isoformat()}))
    page.wait_for_selector("#board[data-state='live']", timeout=3000)
    assert page.locator("#t-present").text_content().strip() == "7" and page.locator("#board-status").is_hidden()
    sockets = len(routes)
    routes[-1].close(code=1012, reason="worker restarting")
    deadline = time.monotonic() + 15
    while len(routes) == sockets and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert len(routes) > sockets, "the board did not reconnect"
    page.wait_for_selector("#board[data-state='live']", timeout=10000)
    assert page.locator("#board-status").is_hidden()
    b.scan()
    page.wait_for_function("() => document.getElementById('t-present').textContent.trim() === '2'", timeout=3000)
