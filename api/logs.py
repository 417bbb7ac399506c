"""Keep secrets out of the server's logs: tokens travel in query strings (websockets, `?access_token=`) and in
the paths of personal links and subscribed calendars (`/p/{token}`, `/ical/delegates/{token}`,
`/ical/staff/{token}`)."""
from __future__ import annotations

import logging
import re

SECRET_PARAM = re.compile(r"((?:access_token|token)=)[^&\s\"']+")
SECRET_SEGMENT = re.compile(r"(/(?:p|ical/delegates|ical/staff)/)[^/?\s\"']+")


def _redact(text: str) -> str:
    return SECRET_SEGMENT.sub(r"\1[redacted]", SECRET_PARAM.sub(r"\1[redacted]", text))


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = _redact(record.msg)
        return True


def redact_tokens() -> None:
    """uvicorn logs the path with its query string for every request and websocket."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
