"""Browser tests: Playwright drives Debian's Chromium against a real `bridgepoint serve` with the demo loaded.

Never `playwright install`: the browser is /usr/bin/chromium (or BRIDGEPOINT_CHROMIUM). Without it the tests
skip, except under CI=true, where they fail. `make screenshots` sets BRIDGEPOINT_SCREENSHOTS=docs/screenshots.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("BRIDGEPOINT_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = os.environ.get("BRIDGEPOINT_SCREENSHOTS")
PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1920, "height": 1080}
DEMO_PASSWORDS = {"vanphong": "vanphong-demo-2026", "admin": "admin-demo-2026", "vanhanh.qk3": "vanhanh.qk3-demo-2026",
                  "chutri": "chutri-demo-2026", "manhinh": "manhinh-demo-2026"}


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def _need(condition: bool, what: str) -> None:
    if not condition:
        if IN_CI:
            pytest.fail(f"{what} (CI=true: the browser tests must run)")
        pytest.skip(what)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`bridgepoint serve` on a free loopback port, SQLite, the demo loaded; stopped after the session."""
    data = tmp_path_factory.mktemp("browser-server")
    env = {**os.environ, "BRIDGEPOINT_DATA_DIR": str(data), "BRIDGEPOINT_DATABASE_URL": "",
           "BRIDGEPOINT_REDIS_URL": "", "PYTHONUNBUFFERED": "1"}
    port = _free_port()
    env["BRIDGEPOINT_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    cli = [sys.executable, "-m", "api.cli"]
    subprocess.run([*cli, "demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    log = (data / "server.log").open("wb")
    proc = subprocess.Popen([*cli, "serve", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/health", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the server did not start: {(data / 'server.log').read_text()[-3000:]}")
            time.sleep(0.2)
    yield base
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    _need(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (make browser installs Debian's)")
    return {"executable_path": CHROMIUM, "headless": True,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage"]}


@pytest.fixture(scope="session")
def browser_context_args(live_server: str) -> dict[str, Any]:
    return {"base_url": live_server, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh",
            "viewport": {"width": 1366, "height": 900}, "accept_downloads": True}


def sign_in(page: Any, username: str, locale: str = "vi", password: str | None = None) -> None:
    """Sign in through the form, then switch the language if needed (remembered on the account)."""
    page.goto("/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password or DEMO_PASSWORDS[username])
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/login" not in url)
    if page.locator("html").get_attribute("lang") != locale:
        page.click(f"header .who button[lang={locale}]")
        page.wait_for_function(f"document.documentElement.lang === '{locale}'")


def shoot(page: Any, name: str, tmp_dir: Path | None = None) -> Path:
    """A full-page screenshot: into docs/screenshots under `make screenshots`, else a temporary folder."""
    folder = Path(SHOTS) if SHOTS else (tmp_dir or Path("/tmp/bridgepoint-screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if SHOTS:  # kept in the repository: a 256-colour palette makes them a third of the size, sharp as before
        from PIL import Image
        with Image.open(path) as image:
            image.convert("RGB").quantize(256).save(path, optimize=True)
    return path


_AXE_SOURCE: list[str] = []


def _axe_source() -> str:
    if not _AXE_SOURCE:
        _AXE_SOURCE.append(AXE.read_text())
    return _AXE_SOURCE[0]


@pytest.fixture(autouse=True)
def no_csp_violations(page: Any) -> Iterator[None]:
    """Every browser test fails on a Content-Security-Policy violation or an uncaught script error."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and ("Content Security Policy" in m.text or "Refused to" in m.text) else None)
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    yield
    assert not problems, "\n".join(problems)


def axe_serious(page: Any) -> list[str]:
    """Serious and critical accessibility violations on the page, as axe-core (from npm) reports them."""
    _need(AXE.exists(), "axe-core missing: run make static")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())  # through DevTools, not a <script>: the page's CSP stays as it is
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result if v["impact"] in ("serious", "critical")]
