"""Keep secrets out of the server's logs: tokens travel in query strings (websockets, calendar feeds)."""
from __future__ import annotations

import logging
import re

SECRET_PARAM = re.compile(r"((?:access_token|token)=)[^&\s\"']+")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(SECRET_PARAM.sub(r"\1[redacted]", a) if isinstance(a, str) else a
                                for a in record.args)
        if isinstance(record.msg, str):
            record.msg = SECRET_PARAM.sub(r"\1[redacted]", record.msg)
        return True


def redact_tokens() -> None:
    """uvicorn logs the path with its query string for every request and websocket."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
