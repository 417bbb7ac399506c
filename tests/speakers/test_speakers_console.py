"""domain.speakers.console: the chair console's one read — the current list, only the pending floor requests of
every item (oldest first), the totals so far, the agenda — and only for those who run the list."""
from __future__ import annotations

import pytest

from domain.access import Principal
from domain.errors import Forbidden, NotFound
from domain.models import Role
from domain.speakers.console import console
from tests.conftest import Api
from tests.support.speakers import ORGANIZER, make_stage, uow


async def test_the_console_reads_the_list_the_pending_requests_and_the_totals(api: Api) -> None:
    st = await make_stage(api)
    base = st.base
    await api.post(f"{base}/next", expect=200)  # the presenter «vinh» speaks …
    await api.post(f"{base}/end", expect=200)   # … and is done
    first = await api.call("POST", f"{base}/requests", "op", 201, json={"invitation_id": st.inv["tan"],
                                                                        "topic": "Trước"})
    await api.call("POST", f"{base}/requests", "op", 201, json={"invitation_id": st.inv["tuyen"], "topic": "Sau",
                                                                 "requested_minutes": 2})
    await api.call("POST", f"{base}/requests", "op", 201, json={"invitation_id": st.inv["ngoc"], "topic": "Nhận"})
    accepted = (await api.get(f"{base}/requests"))["items"][-1]["id"]
    await api.post(f"{base}/requests/{accepted}/accept", {}, expect=200)

    view = await console(uow(api), ORGANIZER, st.w.conference)
    assert view.conference.id == st.w.conference and [i.id for i in view.items] == [st.item]
    assert [e["delegate_name"] for e in view.state["waiting"]] == ["Nguyễn Quang Ngọc"]
    assert [(r["topic"], r["status"]) for r in view.requests] == [("Trước", "pending"), ("Sau", "pending")]
    assert view.requests[0]["id"] == first.json()["id"] and view.requests[1]["requested_minutes"] == 2
    assert [d["delegate_name"] for d in view.totals["delegates"]] == ["Lê Huy Vịnh"]
    assert view.totals["speeches"] == 1


async def test_only_those_who_run_the_list_open_the_console(api: Api) -> None:
    st = await make_stage(api)
    chair = Principal(user_id=await api.user_id("chair"), username="chair", role=Role.chair)
    assert (await console(uow(api), chair, st.w.conference)).state["agenda_item_id"] == st.item
    op = Principal(user_id=await api.user_id("op"), username="op", role=Role.operator, site_ids=frozenset({st.w.qk3}))
    with pytest.raises(Forbidden) as refused:
        await console(uow(api), op, st.w.conference)
    assert refused.value.code == "forbidden_role"
    await api.user("chair_out", "chair")
    outsider = Principal(user_id=await api.user_id("chair_out"), username="chair_out", role=Role.chair)
    with pytest.raises(NotFound):
        await console(uow(api), outsider, st.w.conference)
