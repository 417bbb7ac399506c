"""One place that turns errors into RFC 9457 problem details with a stable `code`."""
from __future__ import annotations

import logging
from typing import Any

from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from api.i18n import gettext
from api.i18n.errors import message_for, registered_text
from domain.db import is_disconnect
from domain.errors import Unavailable
from domain.errors import (N_, Conflict, DomainError, Forbidden, InvalidInput, NotFound, RateLimited,
                           Unauthenticated)

log = logging.getLogger("bridgepoint")
PROBLEM = "application/problem+json"
STATUS = {InvalidInput: 422, NotFound: 404, Forbidden: 403, Unauthenticated: 401, Conflict: 409, RateLimited: 429}
TITLES = {400: N_("Bad request"), 401: N_("Authentication required"), 403: N_("Forbidden"), 404: N_("Not found"),
          405: N_("Method not allowed"), 409: N_("Conflict"), 413: N_("Request too large"),
          422: N_("Invalid input"), 429: N_("Too many requests"), 500: N_("Internal server error"),
          503: N_("Service unavailable")}
STATUS[Unavailable] = 503  # the database cannot be reached for now (retried a few seconds first): Retry-After
HTTP_CODES = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
              413: "too_large", 429: "rate_limited"}


# Paths that answer JSON or files; everything else is a page and gets its errors as a page.
NOT_PAGES = ("/api/", "/ws/", "/ical/", "/schema", "/health", "/static/")


def is_page(request: Request) -> bool:
    path = request.url.path
    return not path.startswith(NOT_PAGES) and not path.endswith((".png", ".svg", ".ics", ".pdf", ".zip"))


def error_page(request: Request, status: int, code: str, detail: str) -> Response[Any]:
    """A page's error in the user's language, with the same status and code as the API would give; a page that
    needs a signed-in user sends the browser to the sign-in page and back."""
    if code == "password_change_required":  # a password set by an administrator: the change comes first
        if request.headers.get("hx-request") == "true":
            return Response("", status_code=403, headers={"HX-Redirect": "/account/password"})
        return Redirect("/account/password", status_code=303)
    if status == 401:
        target = "/login?next=" + quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        if request.headers.get("hx-request") == "true":
            return Response("", status_code=401, headers={"HX-Redirect": target})
        return Redirect(target, status_code=303)
    from api.pages.render import render  # the pages import this module
    html = render("error.html", status=status, code=code, detail=registered_text(code) or detail,
                  title=gettext(TITLES.get(status, "Error")), session=None, request=request)
    return Response(html, status_code=status, media_type=MediaType.HTML, headers={"X-Error-Code": code})


def problem(request: Request, status: int, code: str, detail: str, field: str | None = None,
            extra: dict[str, Any] | None = None) -> Response[Any]:
    if is_page(request):
        return error_page(request, status, code, detail)
    body: dict[str, Any] = {"type": f"urn:bridgepoint:problem:{code}", "title": TITLES.get(status, "Error"),
                            "status": status, "detail": message_for(code, detail, extra), "code": code,
                            "instance": request.url.path}
    if field:
        body["field"] = field
    body.update({k: v for k, v in (extra or {}).items() if k not in body})
    headers = {"WWW-Authenticate": 'Bearer realm="bridgepoint"'} if status == 401 else {}
    if status == 429 and "retry_after" in body:
        headers["Retry-After"] = str(body["retry_after"])
    return Response(body, status_code=status, media_type=PROBLEM, headers=headers or None)


def domain_error(request: Request, exc: DomainError) -> Response[dict[str, Any]]:
    status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
    response = problem(request, status, exc.code, exc.message, exc.field, exc.extra)
    if isinstance(exc, Unavailable):
        response.headers["Retry-After"] = str(exc.extra.get("retry_after", 1))
    return response


def _field_of(error: dict[str, Any]) -> str | None:
    key = error.get("key")
    msg = str(error.get("message", ""))
    if key and key != "data":
        return str(key)
    if "at `$." in msg:  # msgspec: "Expected `int`, got `str` - at `$.capacity`"
        return msg.split("at `$.", 1)[1].rstrip("`").split("[")[0].split(".")[0]
    if "Object contains unknown field" in msg or "Object missing required field" in msg:
        return msg.split("`")[1] if "`" in msg else None
    return str(key) if key else None


def _query_names(request: Request, errors: list[dict[str, Any]]) -> None:
    """A query parameter is named as the client sent it (`from`), not as the handler calls it (`date_from`)."""
    try:
        parameters = request.scope["route_handler"].parsed_fn_signature.parameters  # type: ignore[index]
    except (KeyError, AttributeError):
        return
    for e in errors:
        found = parameters.get(str(e.get("key"))) if e.get("source") == "query" else None
        alias = getattr(getattr(found, "kwarg_definition", None), "query", None)
        if alias:
            e["key"] = alias


def validation_error(request: Request, exc: ValidationException) -> Response[dict[str, Any]]:
    errors = [e for e in (exc.extra or []) if isinstance(e, dict)] if isinstance(exc.extra, list) else []
    _query_names(request, errors)
    fields = [f for f in (_field_of(e) for e in errors) if f]
    detail = "; ".join(str(e.get("message")) for e in errors) or str(exc.detail)
    malformed = any("malformed" in str(e.get("message", "")).lower() or "JSON is malformed" in str(e.get("message", ""))
                    for e in errors) or "malformed" in str(exc.detail).lower()
    code = "malformed_json" if malformed else "invalid_input"
    # A body that cannot be read is a 400; a path or query value that is not a valid id, number or date is a 422
    # (the request is well-formed, one of its values is not), like the services' own checks.
    in_parameters = bool(errors) and all(e.get("source") in ("query", "path", "header", "cookie") for e in errors)
    return problem(request, 422 if in_parameters else 400, code, detail, fields[0] if fields else None,
                   {"errors": [{"field": _field_of(e), "message": e.get("message"), "source": e.get("source")}
                               for e in errors]})


def http_error(request: Request, exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    if status >= 500:
        return server_error(request, exc)
    # A plain 400 (not a ValidationException) comes from decoding the body: truncated, not JSON, bad UTF-8.
    code = HTTP_CODES.get(status, "malformed_json" if status == 400 else "bad_request")
    response = problem(request, status, code, str(exc.detail))
    if status == 405 and exc.headers and "allow" in {k.lower() for k in exc.headers}:  # 405 says what is allowed
        response.headers["Allow"] = next(v for k, v in exc.headers.items() if k.lower() == "allow")
    return response


def server_error(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    if is_disconnect(exc):  # the database restarted or dropped the connection: retryable, not a bug
        log.warning("database unreachable on %s %s: %s", request.method, request.url.path,
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return domain_error(request, Unavailable("the database cannot be reached right now; try again in a "
                                                 "moment", retry_after=1))
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(request, HTTP_500_INTERNAL_SERVER_ERROR, "internal_error",
                   "an unexpected error occurred; it has been logged")


EXCEPTION_HANDLERS = {
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    Exception: server_error,
}
MEDIA = MediaType.JSON
