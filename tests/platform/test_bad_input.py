"""Malformed JSON, wrong types, unknown fields, overlong strings and bad ids on every write endpoint: 4xx, never 500."""
from __future__ import annotations

import re
from typing import Any

from tests.support.factories import make_world

BAD_IDS = ["0", "-1", "2147483648", "99999999999999999999", "abc", "1.5"]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _bodies(spec: dict[str, Any], op: dict[str, Any]) -> list[Any]:
    bodies: list[Any] = [b'{"title": ', b"\xff\xfe not json", b"[]", b'"text"', b"null", b"{}"]
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return bodies
    schema = _resolve(spec, content["schema"])
    props = schema.get("properties", {})
    bodies.append({"no_such_field": 1, **{k: None for k in list(props)[:1]}})
    for name, prop in props.items():
        types = {s.get("type") for s in prop.get("oneOf", [prop])}
        bodies.append({name: {"nested": [1, 2]}})
        bodies.append({name: "x" * 100_000} if "string" in types else {name: "not-a-number"})
        bodies.append({name: "\x00bad"})
        if "integer" in types or "array" in types:
            bodies.append({name: 2**63} if "integer" in types else {name: [0, -5, 2**40]})
    return bodies


def _concrete(template: str, ids: dict[str, int]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), template)


async def test_no_write_endpoint_answers_bad_input_with_a_500(api):
    w = await make_world(api)
    ids = {"conference_id": w.conference, "conference_site_id": w.cs_qk3, "unit_id": w.unit, "site_id": w.qk3,
           "delegate_id": w.delegates["ngoc"], "invitation_id": w.invitations["ngoc"], "item_id": 1, "user_id": 1}
    spec = (await api.get("/schema/openapi.json", who=None))
    problems: list[str] = []
    count = 0
    for template, ops in spec["paths"].items():
        for method, op in ops.items():
            if method.upper() not in ("POST", "PATCH", "PUT", "DELETE") or template == "/api/auth/logout":
                continue
            targets = [_concrete(template, ids)]
            for name in re.findall(r"\{(\w+)\}", template):
                targets += [_concrete(template, {**ids, name: bad}) for bad in BAD_IDS]  # type: ignore[dict-item]
            for url in targets:
                for body in _bodies(spec, op):
                    kw = {"content": body, "headers": {**api.as_("org"), "content-type": "application/json"}} \
                        if isinstance(body, bytes) else {"json": body, "headers": api.as_("org")}
                    r = await api.client.request(method.upper(), url, **kw)
                    count += 1
                    if r.status_code >= 500 or (r.status_code >= 400 and "code" not in r.json()):
                        problems.append(f"{method.upper()} {url} {str(body)[:60]!r}: {r.status_code} {r.text[:120]}")
    assert count > 500
    assert not problems, "\n".join(problems[:20])


async def test_validation_errors_name_the_field(api):
    r = await api.call("POST", "/api/sites", json={"code": "OK", "name": "Điểm", "capacity": "many"})
    assert r.status_code == 400 and r.json()["field"] == "capacity" and r.json()["code"] == "invalid_input"
    r = await api.call("POST", "/api/sites", json={"code": "OK", "name": "Điểm", "colour": "red"})
    assert r.status_code == 400 and r.json()["field"] == "colour"
    r = await api.call("POST", "/api/sites", json={"code": "OK", "name": "x" * 301})
    assert r.status_code == 400 and r.json()["field"] == "name"
    r = await api.client.post("/api/sites", content=b'{"code": ', headers={**api.as_("org"),
                                                                         "content-type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "malformed_json"
    r = await api.call("POST", "/api/sites", json={"code": "OK", "name": "Điểm", "unit_id": 4242})
    assert r.status_code == 422 and r.json()["field"] == "unit_id" and r.json()["code"] == "unknown_reference"
    r = await api.call("POST", "/api/sites", json={"code": "OK", "name": "Điểm", "timezone": "Mars/Olympus"})
    assert r.status_code == 422 and r.json()["field"] == "timezone"
    r = await api.call("GET", "/api/units", params={"limit": 100000})
    assert r.status_code == 422 and r.json()["field"] == "limit"  # a query value: 422 (a body that cannot be read: 400)
