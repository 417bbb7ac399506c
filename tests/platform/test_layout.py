"""The house plan holds: domain/ knows nothing of HTTP, realtime/ nothing of the API, pages call services."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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


def test_no_module_is_named_with_a_feature_prefix() -> None:
    """Features are packages (domain/checkin/, domain/speakers/, ...): no models_*.py, schemas_*.py or *_schemas.py."""
    names = [p.relative_to(ROOT) for package in ("domain", "api", "realtime") for p in (ROOT / package).rglob("*.py")]
    assert [str(p) for p in names if p.stem.startswith(("models_", "schemas_")) or p.stem.endswith("_schemas")] == []


def test_every_parameter_type_is_defined_once_in_api_params() -> None:
    """Path, query and form parameter types live in api/params.py; handlers import them, never define their own."""
    found = []
    for path in (ROOT / "api").rglob("*.py"):
        if path.name == "params.py" or "schemas" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "Annotated":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
    tree = ast.parse((ROOT / "api" / "params.py").read_text())
    names = [t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)]
    assert len(names) == len(set(names))


def test_test_helpers_live_in_tests_support() -> None:
    """Factories, worlds and the role-matrix walker are in tests/support/; every other test module is a test_*.py."""
    stray = [str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("*.py")
             if "support" not in p.parts and p.name not in ("__init__.py", "conftest.py") and not p.name.startswith("test_")]
    assert stray == []
