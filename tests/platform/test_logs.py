"""Tokens in query strings and in secret paths never reach the server's log."""
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


def test_tokens_in_secret_paths_are_redacted():
    for path, secret, logged in [("/p/BPabc123/agenda", "BPabc123", "/p/[redacted]/agenda"),
                                 ("/p/BPabc123", "BPabc123", "/p/[redacted]"),
                                 ("/ical/delegates/AwEC9x.ics", "AwEC9x", "/ical/delegates/[redacted]"),
                                 ("/ical/staff/BAEF-_x.ics?x=1", "BAEF-_x", "/ical/staff/[redacted]?x=1")]:
        record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                                   ("127.0.0.1:5000", "GET", path, "1.1", 200), None)
        RedactTokens().filter(record)
        assert secret not in record.getMessage() and logged in record.getMessage(), record.getMessage()
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "%s %s",
                               ("GET", "/api/conferences/2/passes"), None)
    RedactTokens().filter(record)
    assert record.getMessage() == "GET /api/conferences/2/passes"  # ordinary paths are left alone
