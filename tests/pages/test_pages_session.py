"""Browser sign-in: session cookie, CSRF, expiry, the language switch and translated errors."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from domain.db import utcnow
from domain.models import WebSession
from tests.conftest import Api
from tests.support.pages import FORM_CSRF, browser, sign_in


async def test_signing_in_sets_a_httponly_lax_cookie_and_shows_the_home_page(api: Api) -> None:
    await api.user("vp", "organizer")
    b = browser(api)
    form = await b.get("/login")
    r = await b.client.post("/login", data={"username": "vp", "password": "correct-horse-42", "next": "/conferences",
                                            "_csrf": FORM_CSRF.search(form.text).group(1)})
    assert r.status_code == 303 and r.headers["location"] == "/conferences"
    cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("bp_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    home = await b.get("/")
    assert "vp" in home.text
    await b.aclose()


async def test_a_page_without_a_session_sends_the_browser_to_sign_in_and_back(api: Api) -> None:
    b = browser(api)
    r = await b.get("/?x=1", expect=303)
    assert r.headers["location"] == "/login?next=/%3Fx%3D1"
    r = await b.client.get("/", headers={"HX-Request": "true"})
    assert r.status_code == 401 and r.headers["HX-Redirect"].startswith("/login")
    await b.aclose()


async def test_wrong_password_is_refused_in_the_users_language(api: Api) -> None:
    await api.user("vp", "organizer")
    for locale, text in (("vi", "Sai tên đăng nhập hoặc mật khẩu"), ("en", "Wrong username or password")):
        b = browser(api, locale)
        form = await b.get("/login")
        r = await b.client.post("/login", data={"username": "vp", "password": "nope-nope-nope",
                                                "_csrf": FORM_CSRF.search(form.text).group(1)})
        assert r.status_code == 401 and text in r.text
        assert "bp_session" not in r.headers.get("set-cookie", "")
        await b.aclose()


async def test_login_form_without_its_csrf_token_is_refused(api: Api) -> None:
    await api.user("vp", "organizer")
    b = browser(api, "en")
    await b.get("/login")
    r = await b.client.post("/login", data={"username": "vp", "password": "correct-horse-42"})
    assert r.status_code == 403 and "reload the page" in r.text
    await b.aclose()


async def test_a_form_or_htmx_post_without_the_csrf_token_is_refused(api: Api) -> None:
    await api.user("vp", "organizer")
    b = await sign_in(api, "vp", "en")
    r = await b.post("/logout", csrf=False, expect=403)
    assert r.headers["X-Error-Code"] == "csrf_failed"
    r = await b.post("/logout", {"_csrf": "forged"}, expect=403)
    r = await b.post("/logout", csrf=False, htmx=True, expect=403)
    # the JSON API with the cookie needs the token too; with a bearer token it does not (no ambient credential)
    r = await b.client.post("/api/conferences", json={"title": "x"})
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    await b.post("/logout", htmx=True, expect=303)
    await b.get("/", expect=303)
    await b.aclose()


async def test_signing_out_ends_the_session(api: Api) -> None:
    await api.user("vp", "organizer")
    b = await sign_in(api, "vp")
    cookie = b.client.cookies.get("bp_session")
    await b.post("/logout")
    other = browser(api)
    other.client.cookies.set("bp_session", cookie)
    await other.get("/", expect=303)
    await b.aclose()
    await other.aclose()


@pytest.mark.parametrize("column", ["last_seen_at", "expires_at"])
async def test_an_idle_or_expired_session_signs_out(api: Api, column: str) -> None:
    await api.user("vp", "organizer")
    b = await sign_in(api, "vp")
    async with api.sessionmaker() as s:
        when = utcnow() - (timedelta(hours=3) if column == "last_seen_at" else timedelta(seconds=1))
        await s.execute(update(WebSession).values({column: when}))
        await s.commit()
    api.app.state.principal_cache._items.clear()
    r = await b.get("/", expect=303)
    assert r.headers["location"].startswith("/login")
    await b.aclose()


async def test_deactivating_a_user_ends_their_session(api: Api) -> None:
    await api.user("vp", "organizer")
    await api.user("boss", "admin")
    b = await sign_in(api, "vp")
    uid = await api.user_id("vp")
    await api.patch(f"/api/users/{uid}", {"active": False}, who="boss")
    api.app.state.principal_cache._items.clear()
    await b.get("/", expect=303)
    await b.aclose()


async def test_the_language_follows_the_browser_then_the_users_choice(api: Api) -> None:
    await api.user("vp", "organizer")
    b = await sign_in(api, "vp", "en-GB,en;q=0.8")
    assert '<html lang="en">' in (await b.get("/")).text
    r = await b.post("/lang/vi", {"next": "/"})
    assert r.headers["location"] == "/"
    assert '<html lang="vi">' in (await b.get("/")).text
    # remembered on the account: a new browser asking for English still gets Vietnamese after signing in
    other = await sign_in(api, "vp", "en")
    assert '<html lang="vi">' in (await other.get("/")).text
    await b.aclose()
    await other.aclose()


async def test_without_any_preference_the_pages_are_vietnamese(api: Api) -> None:
    b = browser(api)
    r = await b.get("/login")
    assert '<html lang="vi">' in r.text and "Đăng nhập" in r.text
    await b.aclose()


async def test_the_next_parameter_never_leaves_the_site(api: Api) -> None:
    await api.user("vp", "organizer")
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil"):
        b = browser(api)
        form = await b.get("/login")
        r = await b.client.post("/login", data={"username": "vp", "password": "correct-horse-42", "next": target,
                                                "_csrf": FORM_CSRF.search(form.text).group(1)})
        assert r.headers["location"] == "/"
        await b.aclose()


async def test_problem_details_speak_the_requests_language_and_keep_their_code(api: Api) -> None:
    vi = await api.client.get("/api/conferences/999", headers={**api.as_("org"), "Accept-Language": "vi"})
    en = await api.client.get("/api/conferences/999", headers={**api.as_("org"), "Accept-Language": "en"})
    assert vi.json()["code"] == en.json()["code"] == "conference_not_found"
    assert vi.json()["detail"] == "Không tìm thấy hội nghị."
    assert en.json()["detail"] == "conference 999 not found"


async def test_a_page_error_is_a_page_in_the_users_language_with_the_apis_status(api: Api) -> None:
    await api.user("op", "operator")
    b = await sign_in(api, "op", "vi")
    r = await b.get("/audit", expect=None)
    assert r.status_code in (403, 404) and r.headers["content-type"].startswith("text/html")
    await b.aclose()


async def test_the_api_viewer_loads_its_assets_from_bridgepoint_itself(api: Api) -> None:
    r = await api.client.get("/schema")
    assert r.status_code == 200
    assert "cdn." not in r.text and "/static/vendor/swagger-ui/swagger-ui-bundle.js" in r.text
    assert "<script>" not in r.text and "/static/js/swagger-init.js" in r.text
    assert (await api.client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")).status_code == 200


async def test_every_response_carries_the_browser_security_headers(api: Api) -> None:
    for path in ("/login", "/api/conferences", "/static/css/app.css", "/health"):
        r = await api.client.get(path, headers=api.as_("org"))
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["permissions-policy"].startswith("camera=()")
        assert "strict-transport-security" not in r.headers  # http: no HSTS


async def test_a_token_in_the_url_of_a_rest_route_is_refused(api: Api) -> None:
    token = api.tokens["org"]
    r = await api.client.get(f"/api/conferences?access_token={token}")
    assert r.status_code == 401 and r.json()["code"] == "token_in_url"
    r = await api.client.get(f"/api/conferences?access_token={token}", headers=api.as_("org"))
    assert r.status_code == 401
    assert (await api.client.get("/api/conferences", headers=api.as_("org"))).status_code == 200


async def test_sign_in_routes_answer_every_role(api: Api) -> None:
    """The role matrix of the sign-in pages: open to everyone; signing out needs a session (and its token)."""
    from api.pages import session as session_pages
    from tests.support.matrix import Walk, modules_of, routes_of

    walk = Walk(routes_of(api.app, modules_of(session_pages.ROUTES)), html_errors=True)
    for role in ("admin", "organizer", "chair", "operator", "viewer"):
        await api.user(f"u-{role}", role)
    for role in ("anon", "admin", "organizer", "chair", "operator", "viewer"):
        b = browser(api) if role == "anon" else await sign_in(api, f"u-{role}")
        walk.check("GET", "login", "/login", role, await b.get("/login", expect=None), 200)
        r = await b.post("/lang/en", {"next": "/"}, expect=None)
        walk.check("POST", "language", "/lang/en", role, r, 303)
        r = await b.post("/logout", expect=None)
        walk.check("POST", "sign out", "/logout", role, r, 303)
        if role != "anon":
            assert r.headers["location"] == "/login"
        r = await b.client.post("/login", data={"username": f"u-{role}", "password": "x"})
        walk.check("POST", "sign in", "/login", role, r, 403)  # no login form token: refused
        await b.aclose()
    walk.assert_complete("sign-in pages")


def test_every_page_module_is_walked_by_a_role_matrix() -> None:
    """A page added without its role matrix fails here: some test walks each api.pages module to completion."""
    import ast
    import pkgutil
    from pathlib import Path

    import api.pages

    tests = [p.read_text() for p in Path(__file__).parents[1].rglob("test_*.py")]
    walked = {alias.name for text in tests if "assert_complete" in text for node in ast.walk(ast.parse(text))
              if isinstance(node, ast.ImportFrom) and node.module == "api.pages" for alias in node.names}
    pages = {m.name for m in pkgutil.iter_modules(api.pages.__path__)
             if getattr(__import__(f"api.pages.{m.name}", fromlist=["ROUTES"]), "ROUTES", None)}
    assert pages - walked == set()
