"""Walking a role matrix: every route × every role, and proof that no route of the feature was left out."""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any


def modules_of(entries: Iterable[Any]) -> set[str]:
    """The modules that define these controllers or route handlers."""
    return {entry.__module__ if isinstance(entry, type) else entry.fn.__module__ for entry in entries}


def routes_of(app: Any, modules: set[str]) -> set[tuple[str, str]]:
    """(method, path template) of every route whose handler is defined in one of `modules`."""
    return {(method, route.path) for route in app.routes for handler in getattr(route, "route_handlers", [])
            if handler.fn.__module__ in modules
            for method in handler.http_methods if method not in ("OPTIONS", "HEAD")}


def template_matches(template: str, path: str) -> bool:
    pattern = re.sub(r"\\\{[^}]+:(int|str)\\\}", "[^/]+", re.escape(template))
    return re.fullmatch(pattern, path.split("?")[0]) is not None


class Walk:
    """Collects the cells whose status differs from the matrix, and the routes no cell has reached."""

    def __init__(self, routes: set[tuple[str, str]], *, html_errors: bool = False) -> None:
        assert routes, "no routes found: the matrix would prove nothing"
        self.untested = set(routes)
        self.failures: list[str] = []
        self.html_errors = html_errors  # pages may answer an error as HTML instead of problem details

    def check(self, method: str, name: str, path: str, role: str, response: Any, expected: int) -> None:
        self.untested = {(m, t) for m, t in self.untested if not (m == method and template_matches(t, path))}
        if response.status_code != expected:
            self.failures.append(f"{method} {name} ({path}) as {role}: {response.status_code} != {expected} "
                                 f"{response.text[:120]}")
        elif response.status_code >= 400 and not (
                self.html_errors and response.headers["content-type"].startswith("text/html")):
            assert response.json()["code"], response.text

    def assert_complete(self, what: str) -> None:
        assert not self.failures, "\n" + "\n".join(self.failures)
        assert not self.untested, f"routes missing from the {what} role matrix: {sorted(self.untested)}"
