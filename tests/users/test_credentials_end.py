"""A password change or reset, a deactivation, a role change and a logout end the user's API tokens and browser
sessions at once on every worker: two `bridgepoint serve` processes share one SQLite database on loopback, and a
credential ended through one is refused by the other on the very next request (no per-worker cache lets it live
on for a few seconds)."""
from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.support.servers import cli, environment, serve

pytestmark = pytest.mark.slow
ADMIN_PW, USER_PW, NEW_PW = "granite-heron-violet", "copper-meadow-kettle", "saffron-tundra-quill"


def _login(base: str, username: str, password: str) -> dict[str, str]:
    r = httpx.post(f"{base}/api/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _browser(base: str, username: str, password: str) -> httpx.Client:
    """A browser's session cookie, signed in through the login form of this worker."""
    b = httpx.Client(base_url=base)
    form = b.get("/login")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    r = b.post("/login", data={"username": username, "password": password, "next": "/", "_csrf": csrf})
    assert r.status_code == 303, r.text
    return b


def _cookie_only(b: httpx.Client, base: str) -> httpx.Client:
    """The same session cookie, sent to another worker."""
    other = httpx.Client(base_url=base)
    other.cookies.set("bp_session", b.cookies["bp_session"])
    return other


def test_ended_credentials_are_refused_at_once_by_the_other_worker(tmp_path: Path) -> None:
    env = environment(tmp_path)
    cli(env, "db", "upgrade")
    cli(env, "users", "create", "quantri", "--role", "admin", password=ADMIN_PW)
    for name in ("minhlt", "hoaint", "sonvq"):
        cli(env, "users", "create", name, "--role", "organizer", password=USER_PW)
    with serve(env) as a, serve(env) as b:
        admin = _login(a, "quantri", ADMIN_PW)
        ids = {u["username"]: u["id"] for u in httpx.get(f"{a}/api/users", headers=admin).json()["items"]}

        # a password change through worker A
        token = _login(a, "minhlt", USER_PW)
        page_a = _browser(a, "minhlt", USER_PW)
        page_b = _cookie_only(page_a, b)
        assert httpx.get(f"{b}/api/conferences", headers=token).status_code == 200  # B has seen them
        assert page_b.get("/conferences").status_code == 200
        r = httpx.post(f"{a}/api/auth/password", headers=token,
                       json={"current_password": USER_PW, "new_password": NEW_PW})
        assert r.status_code == 200, r.text
        r = httpx.get(f"{b}/api/conferences", headers=token)
        assert r.status_code == 401 and r.json()["code"] == "bad_token"
        r = page_b.get("/conferences")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        fresh = _login(a, "minhlt", NEW_PW)
        assert httpx.get(f"{b}/api/conferences", headers=fresh).status_code == 200

        # a logout through A
        assert httpx.post(f"{a}/api/auth/logout", headers=fresh).status_code == 204
        assert httpx.get(f"{b}/api/conferences", headers=fresh).status_code == 401

        # an administrator's reset, a deactivation, a role change through A
        for name, change in (("minhlt", {"password": "another-reset-value"}), ("hoaint", {"active": False}),
                             ("sonvq", {"role": "viewer"})):
            password = NEW_PW if name == "minhlt" else USER_PW
            token = _login(a, name, password)
            page_b = _cookie_only(_browser(a, name, password), b)
            assert httpx.get(f"{b}/api/auth/me", headers=token).status_code == 200
            assert page_b.get("/").status_code == 200
            r = httpx.patch(f"{a}/api/users/{ids[name]}", headers=admin, json=change)
            assert r.status_code == 200, r.text
            r = httpx.get(f"{b}/api/auth/me", headers=token)
            assert r.status_code == 401, (name, change, r.text)
            assert page_b.get("/").status_code == 303, (name, change)
