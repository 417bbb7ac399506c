"""Passwords: at least 12 characters, not well known, not the username; a password an administrator set must be
changed at first sign-in (API: 403 password_change_required; pages: the change-password page); the command line
never takes one from argv."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from domain.demo.standard import LOGINS
from domain.errors import InvalidInput
from domain.users.passwords import check_password
from tests.conftest import PASSWORD, Api
from tests.support.pages import FORM_CSRF, browser, sign_in

NEW = "quiet-lantern-orchard-7"


@pytest.mark.parametrize(("password", "username", "code"), [
    ("short-pw-1", "an", "password_too_short"),
    ("password1234", "an", "password_common"),           # in the list of well-known passwords
    ("Password2026!!", "an", "password_common"),         # the same, decorated
    ("qwertyuiop12", "an", "password_common"),           # a keyboard pattern
    ("aaaaaaaaaaaaaa", "an", "password_common"),
    ("nguyenvana123", "nguyenvana", "password_is_username"),
    ("NguyenVanA!!!!", "nguyenvana", "password_is_username"),
    ("nguyenvana-demo", "nguyenvana", "password_common"),  # the username is a known word to the estimate
])
def test_the_policy_refuses_short_well_known_and_username_passwords(password: str, username: str,
                                                                    code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        check_password(password, username)
    assert err.value.code == code and err.value.field == "password"


def test_good_passwords_and_every_demo_password_pass() -> None:
    for password in (NEW, PASSWORD, "k7qm-x2pa-9hdt", "Hội-nghị-trực-tuyến-2026"):
        check_password(password, "vanphong")
    for login in LOGINS:  # `make run` prints them: they must satisfy the rule they would be checked by
        check_password(login.password, login.username, login.display_name)


async def test_the_api_refuses_weak_passwords_with_the_field_named(api: Api) -> None:
    await api.user("root", "admin")
    for password, code in (("short", "password_too_short"), ("iloveyou1234", "password_common"),
                           ("hoang.van.b", "password_too_short"), ("hoangvanb2026", "password_is_username")):
        r = await api.call("POST", "/api/users", "root", json={"username": "hoangvanb", "password": password,
                                                                "role": "viewer"})
        assert r.status_code == 422 and r.json()["code"] == code and r.json()["field"] == "password", r.text
    assert (await api.get("/api/users?role=viewer", who="root"))["total"] == 0
    uid = await api.user_id("org")
    r = await api.call("PATCH", f"/api/users/{uid}", "root", json={"password": "123456789012"})
    assert r.status_code == 422 and r.json()["code"] == "password_common"


async def test_a_password_set_by_an_admin_must_be_changed_before_anything_else(api: Api) -> None:
    await api.user("root", "admin")
    made = await api.post("/api/users", {"username": "tamnv", "password": NEW, "role": "organizer"}, who="root",
                          expect=None)
    assert made["username"] == "tamnv"
    r = await api.client.post("/api/auth/login", json={"username": "tamnv", "password": NEW})
    assert r.status_code == 200
    temp = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = await api.client.get("/api/conferences", headers=temp)
    assert r.status_code == 403 and r.json()["code"] == "password_change_required"
    assert (await api.client.get("/api/auth/me", headers=temp)).status_code == 200
    # the new one follows the same rules; the current one must be right
    r = await api.client.post("/api/auth/password", headers=temp,
                              json={"current_password": NEW, "new_password": "tamnv-2026-2027"})
    assert r.status_code == 422 and r.json()["code"] == "password_is_username"
    r = await api.client.post("/api/auth/password", headers=temp,
                              json={"current_password": "not-the-one-123", "new_password": "amber-fjord-cactus"})
    assert r.status_code == 422 and r.json()["field"] == "current_password"
    r = await api.client.post("/api/auth/password", headers=temp,
                              json={"current_password": NEW, "new_password": "amber-fjord-cactus"})
    assert r.status_code == 200, r.text
    fresh = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert (await api.client.get("/api/conferences", headers=fresh)).status_code == 200
    r = await api.client.get("/api/conferences", headers=temp)  # the token of the temporary password ended
    assert r.status_code == 401 and r.json()["code"] == "bad_token"
    # an admin's reset makes it temporary again
    uid = await api.user_id("tamnv")
    await api.patch(f"/api/users/{uid}", {"password": "second-temporary-pass"}, who="root")
    assert (await api.client.get("/api/conferences", headers=fresh)).status_code == 401
    r = await api.client.post("/api/auth/login", json={"username": "tamnv", "password": "second-temporary-pass"})
    again = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert (await api.client.get("/api/conferences", headers=again)).json()["code"] == "password_change_required"


async def _page_sign_in(api: Api, username: str, password: str):  # type: ignore[no-untyped-def]
    b = browser(api, "en")
    form = await b.get("/login")
    r = await b.client.post("/login", data={"username": username, "password": password, "next": "/conferences",
                                            "_csrf": FORM_CSRF.search(form.text).group(1)})  # type: ignore[union-attr]
    assert r.status_code == 303
    return b


async def test_the_pages_send_a_temporary_password_to_the_change_page(api: Api) -> None:
    await api.user("root", "admin")
    await api.post("/api/users", {"username": "lanpt", "password": NEW, "role": "organizer"}, who="root",
                   expect=None)
    b = await _page_sign_in(api, "lanpt", NEW)
    r = await b.get("/conferences", expect=303)
    assert r.headers["location"] == "/account/password"
    r = await b.get("/conferences", expect=403, headers={"HX-Request": "true"})
    assert r.headers["hx-redirect"] == "/account/password"
    page = await b.get("/account/password")
    assert "set by an administrator" in page.text and 'autocomplete="new-password"' in page.text
    r = await b.post("/account/password", {"current_password": NEW, "new_password": "amber-fjord-cactus",
                                           "confirm_password": "amber-fjord-cactu"}, expect=422)
    assert "differ" in r.text
    r = await b.post("/account/password", {"current_password": NEW, "new_password": "password2026!",
                                           "confirm_password": "password2026!"}, expect=422)
    assert 'aria-invalid="true"' in r.text
    r = await b.post("/account/password", {"current_password": NEW, "new_password": "amber-fjord-cactus",
                                           "confirm_password": "amber-fjord-cactus"})
    assert r.headers["location"] == "/"
    await b.get("/conferences")  # the new session goes on
    await b.aclose()
    old = await _page_sign_in(api, "lanpt", "amber-fjord-cactus")
    await old.get("/conferences")
    await old.aclose()


async def test_account_page_answers_every_role(api: Api) -> None:
    """The role matrix of the password page: every signed-in role may change their own; anonymous signs in."""
    from api.pages import account
    from tests.support.matrix import Walk, modules_of, routes_of

    walk = Walk(routes_of(api.app, modules_of(account.ROUTES)), html_errors=True)
    for role in ("admin", "organizer", "chair", "operator", "viewer"):
        await api.user(f"u-{role}", role)
    for role in ("anon", "admin", "organizer", "chair", "operator", "viewer"):
        b = browser(api) if role == "anon" else await sign_in(api, f"u-{role}")
        walk.check("GET", "password page", "/account/password", role,
                   await b.get("/account/password", expect=None), 303 if role == "anon" else 200)
        r = await b.post("/account/password", {"current_password": "wrong-one-entirely", "new_password": NEW,
                                               "confirm_password": NEW}, expect=None)
        walk.check("POST", "change password", "/account/password", role, r, 303 if role == "anon" else 422)
        if role != "anon":
            r = await b.post("/account/password", {"current_password": PASSWORD, "new_password": NEW,
                                                   "confirm_password": NEW}, expect=None)
            assert r.status_code == 303 and r.headers["location"] == "/"
        await b.aclose()
    walk.assert_complete("account pages")


def test_users_create_takes_the_password_from_the_environment_never_argv(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "bridgepoint"
    env = {"BRIDGEPOINT_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([str(exe), "users", "create", "khach", "--role", "viewer", "--password", NEW], env=env,
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "--password" in r.stderr  # argparse: no such option
    r = subprocess.run([str(exe), "users", "create", "khach", "--role", "viewer"], env=env, capture_output=True,
                       text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "BRIDGEPOINT_NEW_PASSWORD" in r.stderr  # no terminal to ask in
    weak = {**env, "BRIDGEPOINT_NEW_PASSWORD": "khach12345678"}
    r = subprocess.run([str(exe), "users", "create", "khach", "--role", "viewer"], env=weak, capture_output=True,
                       text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 1 and "password_is_username" in r.stderr
    good = {**env, "BRIDGEPOINT_NEW_PASSWORD": NEW}
    r = subprocess.run([str(exe), "users", "create", "khach", "--role", "viewer", "--temporary"], env=good,
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0 and "created viewer khach" in r.stdout, r.stderr
    assert os.environ.get("BRIDGEPOINT_NEW_PASSWORD") is None or True
