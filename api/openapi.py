"""An exact OpenAPI document: one hook, run once on the generated document, instead of annotations on every
handler.

- Every error answer is an RFC 9457 problem (`application/problem+json`, the `Problem` schema); each operation
  lists the codes it can answer: 400 (a body that cannot be read), 422 (a value that breaks a rule, also a path or
  query value), 401/403 (signed-in routes; 403 also `password_change_required`), 404, 409 (changes), 429 (sign-in
  and password change), 503 (the database is unreachable: `Retry-After`).
- Request bodies that refuse unknown fields say `additionalProperties: false`.
- Routes that answer files declare their media type (`text/calendar`, `image/png`, `image/svg+xml`,
  `application/pdf`, `application/zip`, HTML) instead of JSON.
"""
from __future__ import annotations

import re
from typing import Any

from litestar import Litestar

from api.auth import PUBLIC_PATHS
from api.errors import NOT_PAGES

PAGE_FILES = (".png", ".svg", ".ics", ".pdf", ".zip")  # api.errors.is_page: these are files, not pages

PROBLEM = "application/problem+json"
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "code": {"type": "string", "description": "stable machine code"},
        "instance": {"type": "string"}, "field": {"type": "string", "description": "the field at fault"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "additionalProperties": True,  # some codes add what they name (conflicting_conference, retry_after, …)
}
DESCRIPTIONS = {
    400: "The body could not be read (malformed JSON, wrong type, unknown field).",
    401: "No valid credentials (bearer token, session cookie or link).",
    403: "Not allowed for this role, or the password set by an administrator must be changed first.",
    404: "Not found, or the caller may not know it exists.",
    409: "Conflicts with the current state.",
    422: "A value breaks a rule (the field is named); also a path or query value that is not valid.",
    429: "Too many attempts; `Retry-After` says when to try again.",
    503: "The database cannot be reached right now; `Retry-After`.",
}
FILE_TYPES = ((".ics", "text/calendar"), (".png", "image/png"), (".svg", "image/svg+xml"),
              (".pdf", "application/pdf"), (".zip", "application/zip"), (".xlsx",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (".csv", "text/csv"))
THROTTLED = ("login", "changePassword")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Operations whose file type the path does not tell (it is set on the Response they return).
MEDIA_BY_OPERATION = {"getImportTemplate": (XLSX, "text/csv"), "getImportList": (XLSX, "text/csv")}  # ?format=
# Operations that answer a second success code with the same body: a walk-in at a closed window is 200.
ALSO_SUCCESS = {"registerWalkIn": ("201", "200")}
UNSAFE = ("post", "put", "patch", "delete")
# Reads that can conflict with the state: a pass sheet with no active pass to print (`409 no_active_passes`).
READS_THAT_CONFLICT = ("getPassSheetPdf", "getPassSheetZip")


def _public(path: str) -> bool:
    return any(re.match(pattern, path) for pattern in PUBLIC_PATHS)


def _handlers(app: Litestar) -> dict[tuple[str, str], Any]:
    out: dict[tuple[str, str], Any] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in getattr(handler, "http_methods", ()):
                out[(route.path_format or "/", method.lower())] = handler
    return out


def _media_type(path: str, handler: Any, operation_id: str | None) -> str | tuple[str, ...] | None:
    if operation_id in MEDIA_BY_OPERATION:
        return MEDIA_BY_OPERATION[operation_id]
    declared = getattr(handler, "media_type", "") or ""
    declared = str(getattr(declared, "value", declared))  # MediaType.JSON is an enum: its value, not its name
    if declared and not declared.startswith("application/json"):
        return declared.split(";")[0].strip()
    if path.startswith("/ical/"):
        return "text/calendar"
    return next((kind for suffix, kind in FILE_TYPES if path.endswith(suffix)), None)


def _input_names() -> set[str]:
    from api.schemas import Input

    found, todo = set(), [Input]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            found.add(sub.__name__)
            todo.append(sub)
    return found


def refine(spec: dict[str, Any], app: Litestar) -> dict[str, Any]:
    if spec.get("x-bridgepoint-refined"):
        return spec
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    inputs = _input_names()
    for name, schema in schemas.items():
        if name.split("_")[-1] in inputs or name in inputs:
            schema["additionalProperties"] = False
    handlers = _handlers(app)
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            handler = handlers.get((path, method))
            responses: dict[str, Any] = op.setdefault("responses", {})
            kind = _media_type(path, handler, op.get("operationId"))
            if op.get("operationId") in ALSO_SUCCESS:
                documented, extra = ALSO_SUCCESS[op["operationId"]]
                if documented in responses:
                    responses.setdefault(extra, dict(responses[documented]))
            if kind:
                kinds = kind if isinstance(kind, tuple) else (kind,)
                for status, answer in responses.items():
                    if status.startswith("2") and "content" in answer:
                        answer["content"] = {k: {"schema": {"type": "string", **(
                            {"format": "binary"} if k.startswith(("image/png", "application/pdf", "application/zip",
                                                                  "application/vnd")) else {})}} for k in kinds}
            public = _public(path) or bool(handler is not None and getattr(handler, "exclude_from_auth", False))
            codes = {400, 404, 422, 503}
            if not public:
                codes |= {401, 403}
            if method in UNSAFE or op.get("operationId") in READS_THAT_CONFLICT:
                codes.add(409)
            if op.get("operationId") in THROTTLED:
                codes |= {401, 429}
            if path == "/health":
                codes = {503}
            # Pages (the delegate's /p/… pages) answer their errors as pages, in the reader's language.
            page = not path.startswith(NOT_PAGES) and not path.endswith(PAGE_FILES)
            error_content = ({"text/html": {"schema": {"type": "string"}}} if page else
                             {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}})
            for code in sorted(codes):
                responses[str(code)] = {"description": DESCRIPTIONS[code], "content": error_content}
    spec["x-bridgepoint-refined"] = True
    return spec


def install(app: Litestar) -> None:
    """Refine the document the app serves (called once at start-up, before the first request reads it)."""
    from litestar._openapi.plugin import OpenAPIPlugin

    refine(app.plugins.get(OpenAPIPlugin).provide_openapi_schema(), app)  # the cached dict /schema serves
