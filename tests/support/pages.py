"""Pages under test: a browser-like client that signs in through the login form and sends the CSRF token."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from tests.conftest import PASSWORD, Api

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
FORM_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


@dataclass
class PageClient:
    """One browser: its own cookie jar, the session's CSRF token once signed in, and a language."""
    client: httpx.AsyncClient
    csrf: str = ""

    async def get(self, url: str, expect: int | None = 200, **kw: Any) -> httpx.Response:
        r = await self.client.get(url, **kw)
        if expect is not None:
            assert r.status_code == expect, f"GET {url}: {r.status_code} {r.text[:300]}"
        if (m := CSRF_META.search(r.text)) is not None:
            self.csrf = m.group(1)
        return r

    async def post(self, url: str, data: dict[str, Any] | None = None, expect: int | None = 303,
                   csrf: bool = True, htmx: bool = False, **kw: Any) -> httpx.Response:
        """A form post (the `_csrf` field), or with `htmx=True` an htmx request (the `X-CSRF-Token` header)."""
        data = dict(data or {})
        headers = dict(kw.pop("headers", {}))
        if htmx:
            headers["HX-Request"] = "true"
            if csrf:
                headers["X-CSRF-Token"] = self.csrf
        elif csrf:
            data.setdefault("_csrf", self.csrf)
        r = await self.client.post(url, data=data, headers=headers, **kw)
        if expect is not None:
            assert r.status_code == expect, f"POST {url}: {r.status_code} {r.text[:300]}"
        return r

    async def aclose(self) -> None:
        await self.client.aclose()


def browser(api: Api, locale: str | None = None) -> PageClient:
    """A fresh client on the app under test (no cookies), asking for `locale` in Accept-Language."""
    headers = {"Accept-Language": locale} if locale else {}
    return PageClient(httpx.AsyncClient(transport=api.client._transport, base_url="http://testserver",
                                        headers=headers))


async def sign_in(api: Api, username: str, locale: str | None = None, password: str = PASSWORD) -> PageClient:
    """Sign in through the login form as a user made with `api.user(...)`."""
    b = browser(api, locale)
    form = await b.get("/login")
    token = FORM_CSRF.search(form.text)
    assert token, form.text
    r = await b.client.post("/login", data={"username": username, "password": password, "next": "/",
                                            "_csrf": token.group(1)})
    assert r.status_code == 303, r.text[:500]
    await b.get("/")
    assert b.csrf
    return b
