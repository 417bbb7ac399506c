"""QR passes and personal links: rendering read back by a real decoder, the printable page, the delegate's link."""
from __future__ import annotations

import io
import re
import stat
from pathlib import Path

import zxingcpp
from PIL import Image

from domain.invitations.passes import Keyring, decode_pass, encode_pass
from tests.support.checkin import desks, pass_of

ALPHANUMERIC_QR = re.compile(r"^[0-9A-Z $%*+\-./:]+$")


def _decoded(png: bytes) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


async def test_rendered_png_decodes_to_the_same_token(api):
    d = await desks(api)
    p = await api.get(f"{d.c}/invitations/{d.w.invitations['ngoc']}/pass")
    png = await api.call("GET", p["qr_png"], expect=200)
    assert png.headers["content-type"] == "image/png" and png.headers["cache-control"] == "no-store"
    assert _decoded(png.content) == [p["token"]]


async def test_pass_is_short_and_in_the_qr_alphanumeric_alphabet(api):
    d = await desks(api)
    token = await pass_of(api, d, "ngoc")
    assert len(token) <= 120 and ALPHANUMERIC_QR.match(token)
    claims = decode_pass(api.app.state.keyring, token)
    assert (claims.conference_id, claims.invitation_id, claims.conference_site_id, claims.version) == \
        (d.w.conference, d.w.invitations["ngoc"], d.w.cs_qk3, 1)
    big = encode_pass(api.app.state.keyring, 2**31 - 1, 2**31 - 1, 2**31 - 1, 10_000)
    assert len(big) <= 136  # even with the largest ids the QR stays a version-6 code


async def test_svg_pass_is_a_vector_qr(api):
    d = await desks(api)
    svg = await api.call("GET", f"{d.c}/invitations/{d.w.invitations['ngoc']}/pass/qr.svg", expect=200)
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text and "<path" in svg.text


async def test_printable_pass_shows_name_rank_unit_conference_time_site_and_qr(api):
    d = await desks(api)
    await api.patch(f"/api/delegates/{d.w.delegates['ngoc']}", {"position": "Tư lệnh <Quân khu 3>"})
    page = await api.call("GET", f"{d.c}/invitations/{d.w.invitations['ngoc']}/pass/print", expect=200)
    html = page.text
    for text in ("Nguyễn Quang Ngọc", "Thượng tướng", "Quân khu 3", "Hội nghị tổng kết công tác văn phòng năm 2026",
                 "08:00 – 11:30", "18/12/2026", "Điểm cầu Quân khu 3", "data:image/svg+xml;base64,"):
        assert text in html, text
    assert "Tư lệnh &lt;Quân khu 3&gt;" in html and "<Quân khu 3>" not in html


async def test_personal_link_opens_the_pass_page_without_a_password(api):
    d = await desks(api)
    link = (await api.get(f"{d.c}/invitations/{d.w.invitations['ngoc']}/pass"))["personal_link"]
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = await api.call("GET", f"/{path}", who=None, expect=200)
    assert "Nguyễn Quang Ngọc" in page.text and page.headers["referrer-policy"] == "no-referrer"
    png = await api.call("GET", f"/{path}/qr.png", who=None, expect=200)
    assert _decoded(png.content) == [await pass_of(api, d, "ngoc")]


async def test_personal_link_is_a_bearer_token_for_the_delegates_own_pass_only(api):
    d = await desks(api)
    token = (await api.get(f"{d.c}/invitations/{d.w.invitations['ngoc']}/pass"))["personal_link"].rsplit("/", 1)[1]
    me = {"Authorization": f"Bearer {token}"}
    own = await api.client.get(f"{d.c}/invitations/{d.w.invitations['ngoc']}/pass", headers=me)
    assert own.status_code == 200 and own.json()["token"] == await pass_of(api, d, "ngoc")
    other = await api.client.get(f"{d.c}/invitations/{d.w.invitations['vinh']}/pass", headers=me)
    assert other.status_code == 404
    scan = await api.client.post(f"{d.c}/checkin/scan", headers=me, json={
        "text": own.json()["token"], "conference_site_id": d.w.cs_qk3, "nonce": "self"})
    assert scan.status_code == 403


async def test_renewed_personal_link_stops_the_old_one(api):
    d = await desks(api)
    url = f"{d.c}/invitations/{d.w.invitations['ngoc']}"
    old = (await api.get(f"{url}/pass"))["personal_link"].rsplit("/", 1)[1]
    new = (await api.post(f"{url}/link/renew", expect=200))["personal_link"].rsplit("/", 1)[1]
    assert new != old
    assert (await api.client.get(f"/p/{old}")).status_code == 404
    assert (await api.client.get(f"/p/{new}")).status_code == 200
    api.app.state.principal_cache.drop(old)
    r = await api.client.get(f"{url}/pass", headers={"Authorization": f"Bearer {old}"})
    assert r.status_code == 401


async def test_cancelled_invitation_has_no_personal_page(api):
    d = await desks(api)
    link = (await api.get(f"{d.c}/invitations/{d.w.invitations['ngoc']}/pass"))["personal_link"]
    await api.patch(f"{d.c}/invitations/{d.w.invitations['ngoc']}", {"status": "cancelled"})
    assert (await api.client.get("/p/" + link.rsplit("/", 1)[1])).status_code == 404
    page = await api.call("GET", f"{d.c}/invitations/{d.w.invitations['ngoc']}/pass/print", expect=200)
    assert "không còn hiệu lực" in page.text and "data:image/svg+xml" not in page.text


def test_keys_are_created_on_first_start_readable_by_the_owner_only(tmp_path: Path):
    ring = Keyring.load_or_create(tmp_path / "keys")
    files = list((tmp_path / "keys").glob("ed25519-*.pem"))
    assert len(files) == 1 and stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert Keyring.load_or_create(tmp_path / "keys").public_keys() == ring.public_keys()


def test_passes_signed_before_a_key_rotation_still_verify(tmp_path: Path):
    ring = Keyring.load_or_create(tmp_path)
    before = encode_pass(ring, 1, 2, 3, 1)
    rotated = ring.rotate(tmp_path)
    after = encode_pass(rotated, 1, 2, 3, 1)
    assert decode_pass(rotated, before).key_id == 1 and decode_pass(rotated, after).key_id == 2
    assert set(Keyring.load_or_create(tmp_path).public_keys()) == {1, 2}
