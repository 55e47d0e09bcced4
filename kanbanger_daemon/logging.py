"""The one place that configures structlog.

The daemon (``run``): JSON lines when stderr is not a terminal (journald, launchd log files), a
readable console when it is. One-shot commands: plain lines on stderr, warnings and worse only
unless asked (``-v``), so their stdout stays their result. Every event passes
``redact_secrets`` last before rendering, so a token that slipped into an event (in a message,
a URL, an exception) is replaced by ``***``. An event logged with ``once=True`` is shown the
first time only (``ShowOnce``).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

from kanbanger_daemon.core.board.text import terminal_safe
from kanbanger_daemon.errors import redact

# GitHub token shapes (classic, fine-grained, app, OAuth), caught even if never registered.
_TOKEN_PATTERN = re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b")
_AUTH_HEADER = re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(bearer|token)?\s*[^\s'\",}]+")


def scrub(text: str) -> str:
    """Remove registered secrets, token-shaped strings and Authorization values from text."""
    text = redact(text)
    text = _TOKEN_PATTERN.sub("***", text)
    return _AUTH_HEADER.sub(r"\1***", text)


def _scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _scrub_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_value(v) for v in value]
    if isinstance(value, BaseException):
        return scrub(f"{type(value).__name__}: {value}")
    return value


def redact_secrets(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: scrub every value of the event."""
    for key in list(event_dict):
        event_dict[key] = _scrub_value(event_dict[key])
    return event_dict


class ShowOnce:
    """structlog processor: an event logged with ``once=True`` is shown the first time only, by
    its level and text (settings load for every push; a note about them is worth one line).

    The logging configuration owns it, and a reconfiguration of the process keeps it (``run``
    configures logging again once the settings are read), so "once" is once per process."""

    def __init__(self) -> None:
        self._shown: set[tuple[str, str]] = set()

    def __call__(self, logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
                 ) -> MutableMapping[str, Any]:
        if event_dict.pop("once", False):
            key = (method_name, str(event_dict.get("event")))
            if key in self._shown:
                raise structlog.DropEvent
            self._shown.add(key)
        return event_dict

    @staticmethod
    def of_current_configuration() -> ShowOnce:
        """The one the current configuration has, or a new one."""
        found = [p for p in structlog.get_config()["processors"] if isinstance(p, ShowOnce)]
        return found[0] if found else ShowOnce()


class _CurrentStderrLogger:
    """Writes to whatever ``sys.stderr`` is at the moment of each call (tests swap it)."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


class _ToStructlog(logging.Handler):
    """Routes the standard library's records (watchdog, httpx) through our renderer, so that
    every line of the daemon's log is structured and no bare text reaches it."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            structlog.get_logger(record.name).log(record.levelno, record.getMessage(),
                                                  logger=record.name)
        except Exception:
            self.handleError(record)


def _route_stdlib_logging() -> None:
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _ToStructlog)]:
        root.removeHandler(handler)
    root.addHandler(_ToStructlog(level=logging.WARNING))  # libraries' info lines stay out


def configure_logging(
    *, level: str = "info", fmt: str = "auto", stream: TextIO | None = None
) -> None:
    """Configure structlog once for the process. ``fmt``: auto, json or console.

    Without ``stream``, every line goes to the ``sys.stderr`` of the moment it is written.
    """
    out = stream if stream is not None else sys.stderr
    factory: Any = (
        structlog.PrintLoggerFactory(file=stream)
        if stream is not None
        else (lambda *_args: _CurrentStderrLogger())
    )
    use_json = fmt == "json" or (fmt == "auto" and not out.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    structlog.configure(
        processors=[
            ShowOnce.of_current_configuration(),
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_secrets,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=factory,
        cache_logger_on_first_use=False,
    )
    _route_stdlib_logging()


def plain_line(logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> str:
    """structlog renderer for one-shot commands: ``kanbanger-daemon: warning: what (k=v, …)``.

    Values come from files anyone may write: control characters are written out.
    """
    level = event_dict.pop("level", method_name)
    event = event_dict.pop("event", "")
    event_dict.pop("timestamp", None)
    extras = ", ".join(f"{key}={value}" for key, value in event_dict.items())
    return terminal_safe(f"kanbanger-daemon: {level}: {event}" + (f" ({extras})" if extras else ""))


def configure_cli_logging(*, verbose: bool = False) -> None:
    """One-shot commands: plain lines on stderr; warnings and worse, info too when ``verbose``."""
    structlog.configure(
        processors=[
            ShowOnce.of_current_configuration(),
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.format_exc_info,
            redact_secrets,
            plain_line,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.INFO if verbose else logging.WARNING
        ),
        logger_factory=lambda *_args: _CurrentStderrLogger(),
        cache_logger_on_first_use=False,
    )
    _route_stdlib_logging()


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name) if name else structlog.get_logger()
