"""Logs: JSON lines off a terminal, and no secret ever rendered."""

from __future__ import annotations

import io
import json
import logging

from kanbanger_daemon.errors import register_secret
from kanbanger_daemon.logging import configure_logging, get_logger


def test_json_lines_and_redaction() -> None:
    token = "ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123"
    other = "registered-secret-value"
    register_secret(other)
    out = io.StringIO()
    configure_logging(fmt="auto", stream=out)
    log = get_logger()
    log.info("pushing", token=token, headers={"Authorization": f"bearer {other}"})
    try:
        raise RuntimeError(f"failed with {other}")
    except RuntimeError as exc:
        log.error("boom", error=exc)
    text = out.getvalue()
    assert token not in text and other not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[0]["event"] == "pushing" and lines[0]["level"] == "info"
    assert "***" in lines[1]["error"]


def test_a_library_warning_is_a_structured_line_too() -> None:
    out = io.StringIO()
    configure_logging(fmt="auto", stream=out)
    logging.getLogger("watchdog.observers.inotify").error("queue_events() called when inactive")
    logging.getLogger("httpx").info("HTTP Request: POST ... (info: not shown)")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines == [{**lines[0], "event": "queue_events() called when inactive",
                      "level": "error", "logger": "watchdog.observers.inotify"}]
