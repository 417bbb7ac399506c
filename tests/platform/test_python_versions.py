"""Python 3.11 to 3.13 (Debian 13 ships 3.13): nothing in the code depends on one of them.

The suite runs on the interpreter that is here; this checks what a 3.13 run would trip over without one: the
modules 3.12 and 3.13 removed (PEP 594, distutils, imp, asynchat/asyncore/smtpd) and the calls they deprecated."""
from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]
REMOVED = {"aifc", "asynchat", "asyncore", "audioop", "cgi", "cgitb", "chunk", "crypt", "distutils", "imghdr", "imp",
           "lib2to3", "mailcap", "msilib", "nis", "nntplib", "ossaudiodev", "pipes", "smtpd", "sndhdr", "spwd",
           "sunau", "telnetlib", "uu", "xdrlib"}
DEPRECATED_CALLS = {"utcnow", "utcfromtimestamp", "get_event_loop"}


def _sources() -> list[Path]:
    return [p for package in ("api", "domain", "realtime", "migrations", "tests", "bench", "scripts")
            for p in (ROOT / package).rglob("*.py")]


def test_requires_python_covers_3_11_to_3_13() -> None:
    spec = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    assert all(v in spec for v in ("3.11", "3.12", "3.13"))
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in spec


def test_no_module_removed_in_3_12_or_3_13_and_no_deprecated_call() -> None:
    found = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            found += [f"{path.relative_to(ROOT)}: import {n}" for n in names if n.split(".")[0] in REMOVED]
            if isinstance(node, ast.Attribute) and node.attr in DEPRECATED_CALLS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{node.attr}")
    assert found == []
