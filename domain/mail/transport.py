"""Where e-mail goes: an SMTP server (aiosmtplib), or one .eml file per message in a folder when no
SMTP server is configured (development, `make run`)."""
from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib


@dataclass(frozen=True)
class Envelope:
    outbox_id: int
    sender: str
    recipient: str
    data: bytes  # the message, flattened with CRLF line ends (off the event loop, by the worker)


class TransportUnavailable(Exception):
    """The server cannot be reached (or the connection dropped): try every message again later."""


class DeliveryFailed(Exception):
    """The server refused this message; `permanent` (5xx) means retrying will not help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class Connection(Protocol):
    async def send(self, envelope: Envelope) -> None: ...


class Transport(Protocol):
    def connect(self) -> AbstractAsyncContextManager[Connection]: ...


class SmtpConnection:
    def __init__(self, client: aiosmtplib.SMTP) -> None:
        self._client = client

    async def send(self, envelope: Envelope) -> None:
        try:
            await self._client.sendmail(envelope.sender, [envelope.recipient], envelope.data)
        except aiosmtplib.SMTPRecipientsRefused as e:
            raise DeliveryFailed("; ".join(f"{r.code} {r.message}" for r in e.recipients),
                                 permanent=all(r.code >= 500 for r in e.recipients)) from e
        except aiosmtplib.SMTPResponseException as e:
            raise DeliveryFailed(f"{e.code} {e.message}", permanent=e.code >= 500) from e
        except (aiosmtplib.SMTPException, OSError) as e:
            raise TransportUnavailable(f"connection lost: {e}") from e


class SmtpTransport:
    """`smtp://[user:password@]host[:port]` (STARTTLS when offered) or `smtps://…` (TLS from the start)."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"not an smtp:// or smtps:// URL: {url!r}")
        self._tls = parts.scheme == "smtps"
        self._options = dict(hostname=parts.hostname, port=parts.port or (465 if self._tls else 25),
                             username=unquote(parts.username) if parts.username else None,
                             password=unquote(parts.password) if parts.password else None,
                             use_tls=self._tls, timeout=timeout)

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[SmtpConnection]:
        client = aiosmtplib.SMTP(**self._options)
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as e:
            raise TransportUnavailable(f"cannot reach {self._options['hostname']}:{self._options['port']}: {e}") from e
        try:
            yield SmtpConnection(client)
        finally:
            if client.is_connected:
                with suppress(aiosmtplib.SMTPException, OSError):
                    await client.quit()


class DirectoryTransport:
    """One `<outbox id>.eml` per message; sending the same message again rewrites the same file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @asynccontextmanager
    async def connect(self) -> AsyncIterator["DirectoryTransport"]:
        self.directory.mkdir(parents=True, exist_ok=True)
        yield self

    async def send(self, envelope: Envelope) -> None:
        await asyncio.to_thread(self._write, envelope)

    def _write(self, envelope: Envelope) -> None:
        path = self.directory / f"{envelope.outbox_id:08d}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(envelope.data)
        os.replace(tmp, path)


def transport_for(smtp_url: str, mail_dir: Path) -> SmtpTransport | DirectoryTransport:
    return SmtpTransport(smtp_url) if smtp_url else DirectoryTransport(mail_dir)
