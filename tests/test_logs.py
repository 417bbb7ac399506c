"""Tokens in query strings never reach the server's log."""
from __future__ import annotations

import logging

from api.logs import RedactTokens


def test_tokens_in_logged_paths_are_redacted():
    record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, '%s - "WebSocket %s" [accepted]',
                               ("127.0.0.1:5000", "/ws/conferences/2?token=s3cr3t&since=41"), None)
    RedactTokens().filter(record)
    assert "s3cr3t" not in record.getMessage()
    assert "since=41" in record.getMessage() and "token=[redacted]" in record.getMessage()
    access = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "%s %s", ("GET", "/feed.ics?access_token=abc"),
                               None)
    RedactTokens().filter(access)
    assert access.getMessage() == "GET /feed.ics?access_token=[redacted]"
