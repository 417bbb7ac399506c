"""Every staff page, in both languages: it opens, axe finds nothing serious, nothing is left untranslated and
the Content-Security-Policy holds (the autouse fixture). Routes are discovered from the app, so a new page is
walked without being listed here."""
from __future__ import annotations

import re
from typing import Any

import pytest

from api.app import create_app
from domain import i18n
from tests.browser.conftest import axe_serious, shoot, sign_in

# Demo ids for the parameters of page routes (conference 1: scheduled, with points, invitations and agenda).
PARAMS = {"conference_id": "1"}
SKIP = re.compile(r"/(login|logout|lang)\b|/(actions|delete|host-options|search|tree|progress|download|sheet)")


def staff_page_routes() -> list[str]:
    app = create_app()
    paths = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.fn.__module__.startswith("api.pages.") and "GET" in handler.http_methods:
                path = route.path
                for name, value in PARAMS.items():
                    path = re.sub(r"\{" + name + r":\w+\}", value, path)
                if "{" not in path and not path.startswith("/p/") and not SKIP.search(path):
                    paths.add(path)
    return sorted(paths)


def _messages(locale: str) -> list[tuple[str, str]]:
    """(English, Vietnamese) pairs long enough that finding one on a page is no coincidence."""
    pairs = [(m.id, m.string) for m in i18n.catalog("vi") if isinstance(m.id, str) and m.id and m.string
             and m.id != m.string and "%(" not in m.id and len(m.id) >= 14 and " " in m.id]
    return pairs


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_staff_page_opens_translated_and_accessible(page: Any, locale: str) -> None:
    routes = staff_page_routes()
    assert len(routes) >= 10, routes
    sign_in(page, "admin", locale)
    pairs = _messages(locale)
    problems: list[str] = []
    for path in routes:
        response = page.goto(path)
        if response is None or response.status != 200:
            problems.append(f"{path}: status {response.status if response else None}")
            continue
        if "<!doctype html" not in response.text()[:200].lower():
            continue  # an htmx fragment, not a page of its own
        text = page.inner_text("body")
        for english, vietnamese in pairs:
            if locale == "vi" and english in text:
                problems.append(f"{path}: untranslated «{english}»")
            if locale == "en" and vietnamese in text:
                problems.append(f"{path}: Vietnamese on an English page «{vietnamese}»")
        problems += [f"{path}: {v}" for v in axe_serious(page)]
        shoot(page, "staff" + path.replace("/", "-") + f"-{locale}")
    assert not problems, "\n".join(problems)
