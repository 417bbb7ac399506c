"""A conference's invitations by name (issue 15): each invitation carries its delegate's search name, kept by the
database; the invitations list and the desk's roster page by offset or by a cursor (`after` = the `next` of the
page before), and both give the same rows in the same order; a cursor that is not one is a 422 naming it."""
from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import insert, select

from domain.models import Delegate, Invitation
from domain.text import search_text
from tests.support.factories import World, make_world

# ties on purpose (the same name twice: the delegate's id decides), case and diacritics that fold together
NAMES = ["Nguyễn Văn An", "nguyen van an", "Nguyễn Văn Ân", "Đặng Thị Bình", "Dang Thi Binh", "Lê Huy Vịnh",
         "Lê Huy Vinh", "Trần Quốc Toản", "Phạm Ngọc Thạch", "Võ Nguyên Giáp", "Hoàng Văn Thái",
         "Bùi Thị Xuân", "Nguyễn Trãi", "Lý Thường Kiệt", "Trần Hưng Đạo", "Ngô Quyền", "Đinh Bộ Lĩnh",
         "Nguyễn Huệ"]


async def _search_names(api: Any, conference_id: int) -> dict[int, tuple[str, str]]:
    """invitation id → (its own search name, its delegate's)"""
    async with api.sessionmaker() as s:
        rows = await s.execute(select(Invitation.id, Invitation.search, Delegate.search)
                               .join(Delegate, Delegate.id == Invitation.delegate_id)
                               .where(Invitation.conference_id == conference_id))
        return {i: (own, theirs) for i, own, theirs in rows.tuples()}


async def _crowd(api: Any) -> tuple[World, list[int]]:
    w = await make_world(api)
    invited = []
    for n, name in enumerate(NAMES):
        email = f"d{n}@bqp.vn" if n >= 5 else ""  # the first five fold into two names: ties
        d = (await api.post("/api/delegates", {"full_name": name, "email": email,
                                               "confirm_duplicate": True}))["id"]
        cs = w.cs_qk3 if n % 3 == 0 else w.cs_hq
        invited.append((await api.post(f"/api/conferences/{w.conference}/invitations",
                                       {"delegate_id": d, "conference_site_id": cs}))["id"])
    return w, invited


async def _walk(api: Any, path: str, who: str = "org", limit: int = 4) -> list[dict[str, Any]]:
    """Every item of a list, page after page by cursor."""
    sep = "&" if "?" in path else "?"
    page = await api.get(f"{path}{sep}limit={limit}", who=who)
    items, total = list(page["items"]), page["total"]
    while page["next"] is not None:
        assert len(page["items"]) == limit
        page = await api.get(f"{path}{sep}limit={limit}&after={page['next']}", who=who)
        assert page["total"] == total and page["offset"] == 0
        items += page["items"]
    assert len(items) == total
    return items


async def test_each_invitation_carries_its_delegates_search_name_kept_by_the_database(api):
    w, invited = await _crowd(api)
    names = await _search_names(api, w.conference)
    assert len(names) == len(NAMES) + 2
    assert all(own == theirs != "" for own, theirs in names.values()), names
    # a rename passes on to the delegate's invitations (the API sets the delegate's search name)
    renamed = w.delegates["ngoc"]
    await api.patch(f"/api/delegates/{renamed}", {"full_name": "Nguyễn Quang Ngọc Anh"})
    names = await _search_names(api, w.conference)
    assert names[w.invitations["ngoc"]][0] == search_text("Nguyễn Quang Ngọc Anh", "")
    assert all(own == theirs for own, theirs in names.values())
    # rows written without the ORM (a bulk load) get the name too, and so does an invitation moved to another
    # delegate
    async with api.sessionmaker() as s:
        other = (await api.post("/api/conferences", {
            "title": "Hội nghị khác", "starts_at": "2027-01-05T01:00:00+00:00",
            "ends_at": "2027-01-05T03:00:00+00:00", "host_site_id": w.other_site}))["id"]
        cs = (await api.get(f"/api/conferences/{other}/sites"))["items"][0]["id"]
        await s.execute(insert(Invitation).values(conference_id=other, delegate_id=w.delegates["vinh"],
                                                  conference_site_id=cs))
        await s.commit()
        inv = (await s.execute(select(Invitation).where(Invitation.conference_id == other))).scalar_one()
        assert inv.search == search_text("Lê Huy Vịnh", "")
        inv.delegate_id = w.delegates["ngoc"]
        await s.commit()
    assert list((await _search_names(api, other)).values()) == [(search_text("Nguyễn Quang Ngọc Anh", ""),) * 2]


async def test_the_lists_by_cursor_give_what_the_lists_by_offset_give_in_name_order(api):
    w, _ = await _crowd(api)
    base = f"/api/conferences/{w.conference}"
    for path in (f"{base}/invitations/", f"{base}/checkin/roster"):
        whole = (await api.get(f"{path}?limit=500"))["items"]
        key = "id" if "invitations" in path else "invitation_id"
        walked = await _walk(api, path)
        assert [i[key] for i in walked] == [i[key] for i in whole]
        by_offset = []
        for offset in range(0, len(whole), 5):
            by_offset += (await api.get(f"{path}?limit=5&offset={offset}"))["items"]
        assert [i[key] for i in by_offset] == [i[key] for i in whole]
        # in the order of the folded names, a delegate's id after an equal name
        names = await _search_names(api, w.conference)
        async with api.sessionmaker() as s:
            result = await s.execute(select(Invitation.id, Invitation.delegate_id)
                                     .where(Invitation.conference_id == w.conference))
            delegate_of = {i: d for i, d in result.tuples()}
        keys = [(names[i[key]][0], delegate_of[i[key]]) for i in whole]
        assert keys == sorted(keys) or not all(k[0].isascii() for k in keys)  # (the database's collation)
        assert len({k[0] for k in keys}) < len(keys)  # there were ties
        # a search pages by cursor too, diacritics-blind
        found = await _walk(api, f"{path}?q=NGUYEN%20VAN", limit=1)
        assert len(found) == 3  # Nguyễn Văn An twice, Nguyễn Văn Ân
        assert [i[key] for i in found] == [i[key] for i in (await api.get(f"{path}?q=nguyen%20van"))["items"]]
        # the last page says there is none after it
        last = await api.get(f"{path}?limit={len(whole)}")
        assert last["next"] is None and len(last["items"]) == len(whole)


async def test_an_operator_walks_only_their_points_invitations(api):
    w, _ = await _crowd(api)
    await api.user("op3", "operator", sites=[w.qk3])
    base = f"/api/conferences/{w.conference}"
    for path, key in ((f"{base}/invitations/", "id"), (f"{base}/checkin/roster", "invitation_id")):
        walked = await _walk(api, path, who="op3", limit=2)
        assert walked and all(i["conference_site_id"] == w.cs_qk3 for i in walked)
        assert [i[key] for i in walked] == [i[key] for i in (await api.get(f"{path}?limit=500", who="op3"))["items"]]


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


async def test_a_cursor_that_is_not_one_is_refused_naming_it(api):
    w = await make_world(api)
    base = f"/api/conferences/{w.conference}"
    good = (await api.get(f"{base}/invitations/?limit=1"))["next"]
    assert good
    for path in (f"{base}/invitations/", f"{base}/checkin/roster"):
        for bad in ("not-a-cursor", "%25%25", _cursor([1, 2]), _cursor(["x"]), _cursor(["x", True]),
                    _cursor(["x", 2**40]), _cursor(["x", -1]), _cursor({"search": "x"}), _cursor(["x" * 2100, 1])):
            r = await api.call("GET", f"{path}?after={bad}", expect=422)
            assert r.json()["code"] == "invalid_cursor" and r.json()["field"] == "after", (bad, r.text)
        r = await api.call("GET", f"{path}?after={good}&offset=5", expect=422)
        assert r.json()["code"] == "cursor_and_offset" and r.json()["field"] == "offset"
        r = await api.call("GET", f"{path}?after={'x' * 3001}", expect=422)  # the parameter's own bound
        assert r.headers["content-type"].startswith("application/problem+json") and r.json()["field"] == "after"
