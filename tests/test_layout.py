"""The house plan holds: domain/ knows nothing of HTTP, realtime/ nothing of the API, pages call services."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports_of(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(f"{path}: {name}" for path, names in imports_of(package).items() for name in names
                  if name.split(".")[0] in forbidden)


def test_domain_imports_nothing_from_the_api_realtime_or_litestar() -> None:
    assert offenders("domain", ("api", "realtime", "litestar")) == []


def test_realtime_imports_nothing_from_the_api() -> None:
    assert offenders("realtime", ("api",)) == []


def test_pages_never_call_json_controllers() -> None:
    assert [o for o in offenders("api/pages", ("api",)) if ".controllers" in o] == []
