"""Idle and slow connections are closed: uvicorn's HTTP protocol with a header timeout.

uvicorn closes a keep-alive connection that stays silent after a response (`timeout_keep_alive`), but it waits
for ever on a connection that never completes its request head: a client that opens a socket and trickles a
header byte now and then keeps it (and its memory) as long as it likes; 500 such sockets were seen held open. Here
the head of every request (request line and headers) must arrive within BRIDGEPOINT_HEADER_TIMEOUT_SECONDS of its
first byte (of the connection, for the first request), whatever trickles in meanwhile; otherwise the connection is
answered 408 and closed. Bodies and websockets are not affected."""
from __future__ import annotations

import asyncio
import os

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_KEEPALIVE = 5
REQUEST_TIMEOUT = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
                   b"content-length: 16\r\nconnection: close\r\n\r\nRequest Timeout\n")


def header_timeout() -> float:
    return float(os.environ.get("BRIDGEPOINT_HEADER_TIMEOUT_SECONDS", DEFAULT_HEADER_TIMEOUT))


def keepalive_timeout() -> int:
    return int(float(os.environ.get("BRIDGEPOINT_KEEPALIVE_SECONDS", DEFAULT_KEEPALIVE)))


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """`bridgepoint serve --http` protocol: HttpToolsProtocol plus a deadline for each request's head."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._head_timeout = header_timeout()
        self._head_timer: asyncio.TimerHandle | None = None
        self._awaiting_head = True

    def _arm(self) -> None:
        if self._head_timer is None and self._awaiting_head:
            self._head_timer = self.loop.call_later(self._head_timeout, self._head_expired)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_expired(self) -> None:
        self._head_timer = None
        if self._awaiting_head and not self.transport.is_closing():
            self.transport.write(REQUEST_TIMEOUT)
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()  # a connection that never sends a byte is closed too

    def data_received(self, data: bytes) -> None:
        self._arm()  # the first byte of the next request on a keep-alive connection starts its deadline
        super().data_received(data)

    def on_message_begin(self) -> None:
        self._awaiting_head = True
        self._arm()
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._awaiting_head = False
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        self._awaiting_head = True  # the next request's head: its deadline starts with its first byte
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)
