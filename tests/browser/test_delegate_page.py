"""The delegate's page behind the personal link in a real browser: the pass large enough to scan from a phone, who
speaks now and the delegate's place in the queue (live), asking for the floor and withdrawing, the agenda with the
own slot, the calendar links, the language switch — and, once loaded, the pass with no network at all (service
worker). Both languages, phone and desktop, axe-clean. The data is our own (tests/browser/test_chair.py)."""
from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PHONE, axe_serious, shoot
from tests.browser.test_chair import live_conference, ok, wait_order


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_delegate_follows_the_speakers_and_asks_for_the_floor(page: Any, live_server: str, viewport: str) -> None:
    world = live_conference(live_server)
    if viewport == "phone":
        page.set_viewport_size(PHONE)
    presenter = world.host[0]  # speaking now; the agenda's discussion item is his own slot
    page.goto(f"/p/{world.links[presenter]}")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.wait_for_selector("#live-status[data-state=live]")
    assert page.locator("#my-place").inner_text() == "Đồng chí đang phát biểu."
    assert page.locator(f".agenda-lines li.own[data-item-id='{world.item}']").is_visible()
    assert page.locator(f".agenda-lines li.now[data-item-id='{world.item}']").count() == 1
    webcal = page.locator(".calendar-links a").first.get_attribute("href")
    assert webcal.startswith("webcal://") and webcal.endswith(".ics")
    assert page.locator(".calendar-links a").nth(1).get_attribute("href").startswith("http")
    qr = page.locator(".pass img").bounding_box()
    assert qr["width"] >= min(300, PHONE["width"] * 0.75)  # large enough to scan from the phone's screen
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert not axe_serious(page)
    shoot(page, f"delegate-page-vi-{viewport}")

    # another delegate, in English, asks for the floor and sees the chair's answer
    asker = world.host[2]
    page.goto(f"/p/{world.links[asker]}?lang=en")
    page.wait_for_selector("#live-status[data-state=live]")
    state = world.state()
    mine = next(e for e in state["waiting"] if e["invitation_id"] == asker)
    assert page.locator("#my-place").get_attribute("data-place") == str(mine["position"])
    wait_order(page, "#queue li[data-entry-id]", [e["id"] for e in state["waiting"]])
    page.fill("#f-minutes", "0")  # the server refuses it at the field; nothing is sent on
    page.click("#request-form button[type=submit]")
    page.wait_for_selector("#f-minutes[aria-invalid=true]")
    assert page.locator("#e-requested_minutes").is_visible()
    page.fill("#f-minutes", "3")
    page.fill("#f-topic", "Point of order on the timetable")
    page.check("#f-kind")
    page.click("#request-form button[type=submit]")
    page.wait_for_selector("#my-requests li[data-status=pending]")
    assert page.locator("#request-done").inner_text() == "Your request was sent to the chair."
    with world.client() as c:
        pending = ok(c.get(world.speakers + "/requests", params={"status": "pending"}))["items"]
        request = next(r for r in pending if r["invitation_id"] == asker)
        assert request["kind"] == "point_of_order" and request["requested_minutes"] == 3
        ok(c.post(f"{world.speakers}/requests/{request['id']}/decline", json={"reason": "Not on this item"}))
    page.wait_for_selector("#my-requests li[data-status=declined]")
    assert "Not on this item" in page.locator("#my-requests li[data-status=declined]").inner_text()
    assert not axe_serious(page)
    shoot(page, f"delegate-page-en-{viewport}")


def test_the_pass_shows_with_no_network_once_loaded(page: Any, live_server: str) -> None:
    world = live_conference(live_server)
    page.set_viewport_size(PHONE)
    link = world.links[world.point[1]]  # an English-speaking delegate
    page.goto(f"/p/{link}")
    name = page.locator(".pass h1").inner_text()
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.wait_for_function("async () => !!(await caches.match(location.pathname))")
    page.context.set_offline(True)
    try:
        page.reload()
        assert page.locator(".pass h1").inner_text() == name
        assert page.locator(".pass img").is_visible()
        assert page.locator(".pass img").evaluate("img => img.complete && img.naturalWidth > 0")
        page.wait_for_selector("#live-status[data-state=offline]")
        assert "No network" in page.locator("#live-status").inner_text()
        shoot(page, "delegate-page-offline-en-phone")
    finally:
        page.context.set_offline(False)
