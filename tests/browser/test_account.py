"""A password set by an administrator is changed at first sign-in, in a real browser, in both languages."""
from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from tests.browser.conftest import DEMO_PASSWORDS, PHONE, axe_serious, shoot, sign_in


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_a_new_account_changes_its_temporary_password_first(page: Any, live_server: str, locale: str) -> None:
    username, temporary = f"canbo.{secrets.token_hex(3)}", "granite-heron-violet"
    with httpx.Client(base_url=live_server) as c:
        token = c.post("/api/auth/login", json={"username": "admin", "password": DEMO_PASSWORDS["admin"]}
                       ).json()["access_token"]
        r = c.post("/api/users", headers={"Authorization": f"Bearer {token}"},
                   json={"username": username, "password": temporary, "role": "organizer",
                         "display_name": "Cán bộ văn phòng mới"})
        assert r.status_code == 201, r.text
    page.goto("/login")
    page.fill("#f-username", username)
    page.fill("#f-password", temporary)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/account/password")
    if page.locator("html").get_attribute("lang") != locale:
        page.click(f"header .who button[lang={locale}]")
        page.wait_for_function(f"document.documentElement.lang === '{locale}'")
    assert "/account/password" in page.url
    assert not axe_serious(page)
    shoot(page, f"account-password-{locale}-desktop")
    page.fill("#f-current_password", temporary)
    page.fill("#f-new_password", "password2026!")
    page.fill("#f-confirm_password", "password2026!")
    page.click("button[type=submit].primary")
    assert page.locator("#e-new_password").is_visible()
    assert not axe_serious(page)
    page.set_viewport_size(PHONE)
    shoot(page, f"account-password-error-{locale}-phone")
    page.fill("#f-current_password", temporary)
    page.fill("#f-new_password", "amber-fjord-cactus-lamp")
    page.fill("#f-confirm_password", "amber-fjord-cactus-lamp")
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/account/password" not in url)
    page.goto("/conferences")
    assert "/conferences" in page.url and page.locator("main h1").is_visible()
    sign_in(page, username, locale, password="amber-fjord-cactus-lamp")
