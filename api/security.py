"""Browser security headers on every response: a Content-Security-Policy that the pages satisfy without inline
scripts or styles, no framing, no sniffing, no referrer leaks, and the camera only on the check-in desk."""
from __future__ import annotations

from litestar.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
       "connect-src 'self'; media-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
# The desk page scans passes with the camera; no other page may ask for it.
CAMERA_PATHS = ("/desk/",)


# Swagger UI (the API viewer) sets style attributes in its markup; its scripts are still our own files.
API_VIEWER_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def _kind(path: str) -> tuple[bool, bool]:
    """What the headers depend on: (the camera may be used, the API viewer)."""
    return path.startswith(CAMERA_PATHS), path.rstrip("/") == "/schema"


def headers_for(path: str, https: bool) -> list[tuple[str, str]]:
    camera_ok, api_viewer = _kind(path)
    camera = "camera=(self)" if camera_ok else "camera=()"
    csp = API_VIEWER_CSP if api_viewer else CSP
    out = [("content-security-policy", csp), ("x-content-type-options", "nosniff"),
           ("x-frame-options", "DENY"), ("referrer-policy", "same-origin"),
           ("permissions-policy", f"{camera}, microphone=(), geolocation=(), payment=(), usb=()"),
           ("cross-origin-opener-policy", "same-origin")]
    if https:
        out.append(("strict-transport-security", "max-age=31536000; includeSubDomains"))
    return out


class SecurityHeadersMiddleware:
    """Adds `headers_for(path)` to every HTTP response that does not set a header of the same name itself. The
    headers are encoded once per kind of path (three kinds), not per response."""

    def __init__(self, app: ASGIApp, https: bool = False) -> None:
        self.app, self.https = app, https
        self._encoded: dict[tuple[bool, bool], list[tuple[bytes, bytes]]] = {}

    def _headers(self, path: str) -> list[tuple[bytes, bytes]]:
        kind = _kind(path)
        found = self._encoded.get(kind)
        if found is None:
            found = self._encoded[kind] = [(name.encode(), value.encode())
                                           for name, value in headers_for(path, self.https)]
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._headers(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or ())
                own = {bytes(name).lower() for name, _ in headers}
                # a response may set its own, stricter one (e.g. no-referrer)
                headers.extend(pair for pair in extra if pair[0] not in own)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
