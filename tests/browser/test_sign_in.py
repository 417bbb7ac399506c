"""Signing in through a real browser, in both languages, at phone and projector sizes."""
from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PHONE, PROJECTOR, axe_serious, shoot, sign_in


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_an_organizer_signs_in_and_out(page: Any, locale: str) -> None:
    page.goto("/")
    assert "/login" in page.url
    assert not axe_serious(page)
    sign_in(page, "vanphong", locale)
    assert page.locator("html").get_attribute("lang") == locale
    assert page.locator("main h1").is_visible()
    assert not axe_serious(page)
    for name, size in (("phone", PHONE), ("projector", PROJECTOR)):
        page.set_viewport_size(size)
        shoot(page, f"home-{locale}-{name}")
    page.click("header form[action='/logout'] button")
    page.wait_for_url("**/login")


def test_wrong_password_is_shown_at_the_form(page: Any) -> None:
    page.goto("/login")
    page.fill("#f-username", "vanphong")
    page.fill("#f-password", "wrong-password")
    page.click("button[type=submit].primary")
    assert page.locator("div.error[role=alert]").inner_text().startswith("Sai tên đăng nhập")
