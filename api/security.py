"""Browser security headers on every response: a Content-Security-Policy that the pages satisfy without inline
scripts or styles, no framing, no sniffing, no referrer leaks, and the camera only on the check-in desk."""
from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
       "connect-src 'self'; media-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
# The desk page scans passes with the camera; no other page may ask for it.
CAMERA_PATHS = ("/desk/",)


# Swagger UI (the API viewer) sets style attributes in its markup; its scripts are still our own files.
API_VIEWER_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def headers_for(path: str, https: bool) -> list[tuple[str, str]]:
    camera = "camera=(self)" if path.startswith(CAMERA_PATHS) else "camera=()"
    csp = API_VIEWER_CSP if path.rstrip("/") == "/schema" else CSP
    out = [("content-security-policy", csp), ("x-content-type-options", "nosniff"),
           ("x-frame-options", "DENY"), ("referrer-policy", "same-origin"),
           ("permissions-policy", f"{camera}, microphone=(), geolocation=(), payment=(), usb=()"),
           ("cross-origin-opener-policy", "same-origin")]
    if https:
        out.append(("strict-transport-security", "max-age=31536000; includeSubDomains"))
    return out


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, https: bool = False) -> None:
        self.app, self.https = app, https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope["path"], self.https)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in extra:
                    if name not in headers:  # a response may set its own, stricter one (e.g. no-referrer)
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
