"""Hardening (issue 13): personal links only to organizers, every date in a sane range, busy rules on real
times, and the API contract's details (feeds' headers, 405 with Allow, bad query values)."""
from __future__ import annotations

from tests.conftest import Api
from tests.support.factories import make_world


async def test_only_organizers_and_the_delegate_receive_the_personal_link(api: Api) -> None:
    w = await make_world(api)
    await api.user("op3", "operator", sites=[w.qk3])
    url = f"/api/conferences/{w.conference}/invitations/{w.invitations['ngoc']}/pass"  # at the operator's point
    staff = await api.get(url)
    assert staff["personal_link"].startswith("http") and "/p/" in staff["personal_link"]
    seen = await api.call("GET", url, "op3")
    assert seen.status_code == 200, seen.text
    assert seen.json()["personal_link"] is None and seen.json()["token"].startswith("BP")
    token = (await api.get(url))["personal_link"].rsplit("/p/", 1)[1]
    own = await api.client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert own.status_code == 200 and own.json()["personal_link"].endswith(token)
