"""Sign-in under attack: password checks off the event loop, back-off per account and per address."""
from __future__ import annotations

import asyncio
import threading
import time

import pytest
from sqlalchemy import event

from domain.errors import RateLimited
from domain.users.login_guard import LoginGuard
from tests.conftest import Api
from tests.support.pages import FORM_CSRF, browser


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_back_off_starts_at_the_limit_doubles_and_is_forgotten_after_the_window() -> None:
    clock = Clock()
    guard = LoginGuard(account_limit=3, address_limit=100, base_delay=1, window=60, clock=clock)
    for _ in range(2):
        guard.failed("vp", "10.0.0.1")
        guard.check("vp", "10.0.0.1")
    assert guard.failed("vp", "10.0.0.1") is True
    with pytest.raises(RateLimited) as e:
        guard.check("VP", "10.0.0.2")  # the account, whatever the case or the address
    assert e.value.extra["retry_after"] == 1
    clock.now += 1.5
    guard.check("vp", "10.0.0.1")
    guard.failed("vp", "10.0.0.1")
    with pytest.raises(RateLimited) as e:
        guard.check("vp", "10.0.0.1")
    assert e.value.extra["retry_after"] == 2
    clock.now += 61
    guard.check("vp", "10.0.0.1")


def test_one_address_is_stopped_across_many_accounts_and_a_success_clears_the_account() -> None:
    clock = Clock()
    guard = LoginGuard(account_limit=3, address_limit=5, clock=clock)
    for n in range(5):
        guard.failed(f"user{n}", "10.0.0.9")
    with pytest.raises(RateLimited):
        guard.check("someone-else", "10.0.0.9")
    guard.check("someone-else", "10.0.0.10")
    guard.failed("vp", "10.0.0.10")
    guard.succeeded("vp")
    assert "vp" not in guard._accounts


async def test_two_hundred_wrong_passwords_end_in_429_with_retry_after(api: Api) -> None:
    await api.user("vp", "organizer")
    statuses = []
    for _ in range(200):
        r = await api.client.post("/api/auth/login", json={"username": "vp", "password": "wrong-password-1"})
        statuses.append(r.status_code)
    assert set(statuses[:5]) == {401}
    assert statuses[-1] == 429 and statuses.count(429) >= 190
    assert int(r.headers["Retry-After"]) >= 1 and r.json()["code"] == "rate_limited"
    # the right password is refused too while the account backs off
    r = await api.client.post("/api/auth/login", json={"username": "vp", "password": "correct-horse-42"})
    assert r.status_code == 429
    audit = await api.get("/api/audit?limit=500")
    assert any(e["action"] == "user.login_throttled" for e in audit["items"])


async def test_forty_wrong_logins_at_once_are_checked_off_the_event_loop_a_few_at_a_time(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The argon2 checks run in worker threads, at most `concurrency` at once, and no pooled database connection
    is held while one waits: /health answers between them (its latency under load is in bench/login_flood.py)."""
    from domain.users import service as users

    running, seen = [0], {"max": 0, "threads": set()}
    loop_thread = threading.get_ident()
    real_hasher = users._hasher

    def verify(stored: str, password: str) -> bool:
        running[0] += 1
        seen["max"] = max(seen["max"], running[0])
        seen["threads"].add(threading.get_ident())
        try:
            time.sleep(0.02)
            return real_hasher.verify(stored, password)
        finally:
            running[0] -= 1

    monkeypatch.setattr(users, "_hasher", type("Hasher", (), {"verify": staticmethod(verify)})())
    health: list[int] = []

    async def probe() -> None:
        for _ in range(20):
            health.append((await api.client.get("/health")).status_code)
            await asyncio.sleep(0.01)

    pool = api.app.state.engine.sync_engine.pool
    held = {"now": 0, "max": 0}

    def out(*_: object) -> None:
        held["now"] += 1
        held["max"] = max(held["max"], held["now"])

    def back(*_: object) -> None:
        held["now"] -= 1

    event.listen(pool, "checkout", out)
    event.listen(pool, "checkin", back)
    logins = [api.client.post("/api/auth/login", json={"username": f"nobody{n}", "password": "wrong-password-1"})
              for n in range(40)]
    try:
        results = await asyncio.gather(probe(), *logins)
    finally:
        event.remove(pool, "checkout", out)
        event.remove(pool, "checkin", back)
    assert {r.status_code for r in results[1:]} <= {401, 429}
    assert health == [200] * 20
    assert loop_thread not in seen["threads"]
    assert 1 <= seen["max"] <= api.app.state.login_guard.concurrency
    # the flood read its accounts a few at a time: the pool kept connections for everyone else (the probe, an
    # audit entry of a back-off, the live tick, the mail sender); unbounded, the 40 lookups took 29-30 of them
    assert held["max"] <= api.app.state.login_guard.readers + 6


async def test_a_check_takes_one_core_and_an_older_hash_is_replaced_at_the_next_sign_in(api: Api) -> None:
    """argon2's default four lanes run four threads per check: one wrong login took both cores of a small server.
    Hashes are made with one lane; an account whose hash has other parameters gets a new one when it signs in."""
    from argon2 import PasswordHasher, extract_parameters
    from sqlalchemy import select, update

    from domain.models import User
    from domain.users.service import hash_password

    assert extract_parameters(hash_password("correct-horse-42")).parallelism == 1
    await api.user("vp", "organizer")
    async with api.sessionmaker() as s:
        await s.execute(update(User).where(User.username == "vp")
                        .values(password_hash=PasswordHasher().hash("correct-horse-42")))
        await s.commit()
    r = await api.client.post("/api/auth/login", json={"username": "vp", "password": "correct-horse-42"})
    assert r.status_code == 200
    async with api.sessionmaker() as s:
        stored = (await s.execute(select(User.password_hash).where(User.username == "vp"))).scalar_one()
    assert extract_parameters(stored).parallelism == 1
    r = await api.client.post("/api/auth/login", json={"username": "vp", "password": "correct-horse-42"})
    assert r.status_code == 200


async def test_the_login_page_says_when_to_try_again_in_the_users_language(api: Api) -> None:
    await api.user("vp", "organizer")
    b = browser(api, "vi")
    r = None
    for _ in range(8):
        form = await b.get("/login")
        r = await b.client.post("/login", data={"username": "vp", "password": "nope-nope-nope",
                                                "_csrf": FORM_CSRF.search(form.text).group(1)})
    assert r is not None and r.status_code == 429 and "Quá nhiều lần thử" in r.text
    await b.aclose()
