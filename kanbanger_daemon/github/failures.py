"""The ONE place that decides what a GitHub reply or a transport exception means.

Classes (DESIGN §6): primary rate limit → pause everything until ``x-ratelimit-reset``;
secondary limit → wait ``retry-after`` or 60 s, doubling; transient → jittered exponential retry;
permanent → no retry. Besides the class, two facts matter to the caller:

* ``maybe_applied``: the request may have reached GitHub and run. A create in that state is
  never replayed blindly (the sync engine re-reads and adopts by marker).
* ``shrink``: a timeout or a 502/504 — GitHub gave up on a big document; a smaller one may pass.

Nothing here does I/O or reads a clock: the caller passes what it saw.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from kanbanger_daemon.errors import (
    AuthError,
    GitHubError,
    GraphQLValidationError,
    NotFoundError,
    PermanentError,
    RateLimitError,
    ScopeError,
    SecondaryRateLimitError,
    TransientError,
)
from kanbanger_daemon.models.github import RateLimitInfo

SECONDARY_MARKERS = ("secondary rate limit", "submitted too quickly", "abuse detection")
TRANSIENT_MARKERS = ("something went wrong while executing your query", "couldn't respond")
TIMEOUT_MARKERS = ("couldn't respond", "timeout", "timed out")
PRIMARY_TYPES = frozenset({"RATE_LIMITED", "RATE_LIMIT"})
SCOPE_TYPES = frozenset({"INSUFFICIENT_SCOPES"})
NOT_FOUND_TYPES = frozenset({"NOT_FOUND"})


@dataclass(frozen=True)
class Failure:
    """A classified fault: the error to report plus what it means for a retry."""

    error: GitHubError
    maybe_applied: bool = False
    shrink: bool = False

    @property
    def retryable(self) -> bool:
        return self.error.retryable


@dataclass(frozen=True)
class Reply:
    """A classified HTTP reply.

    ``failure`` concerns the whole document (nothing usable in ``data``); ``field_errors`` are
    errors tied to one top-level field or alias by ``errors[].path[0]`` (partial failure).
    """

    data: dict[str, Any] | None
    failure: Failure | None = None
    field_errors: dict[str, Failure] = field(default_factory=dict)
    rate_limit: RateLimitInfo | None = None
    scopes: tuple[str, ...] | None = None  # from x-oauth-scopes; None when the header is absent


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return int(float(raw.strip()))
    except ValueError:
        return None


def parse_rate_limit(headers: Mapping[str, str]) -> RateLimitInfo | None:
    """The ``x-ratelimit-*`` headers, or None when GitHub sent none."""
    remaining = _int_header(headers, "x-ratelimit-remaining")
    reset = _int_header(headers, "x-ratelimit-reset")
    if remaining is None and reset is None:
        return None
    return RateLimitInfo(
        limit=_int_header(headers, "x-ratelimit-limit"),
        remaining=remaining,
        used=_int_header(headers, "x-ratelimit-used"),
        reset_at=float(reset) if reset is not None else None,
        resource=headers.get("x-ratelimit-resource"),
    )


def parse_retry_after(headers: Mapping[str, str], *, wall_now: float) -> float | None:
    """``retry-after`` in seconds (GitHub sends seconds; an HTTP date is accepted too)."""
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(raw).timestamp() - wall_now)
    except (TypeError, ValueError):
        return None


def parse_scopes(headers: Mapping[str, str]) -> tuple[str, ...] | None:
    raw = headers.get("x-oauth-scopes")
    if raw is None:
        return None
    return tuple(s.strip() for s in raw.split(",") if s.strip())


def _message_of(body: Any) -> str:
    if isinstance(body, dict):
        msg = body.get("message")
        if isinstance(msg, str):
            return msg
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message", ""))
    return ""


def _secondary(message: str, retry_after: float | None) -> Failure:
    return Failure(
        SecondaryRateLimitError(
            f"GitHub's secondary rate limit refused the request: {message or 'retry later'}",
            retry_after=retry_after,
        )
    )


def _primary(message: str, reset_at: float | None) -> Failure:
    return Failure(
        RateLimitError(
            f"GitHub's primary rate limit is spent: {message or 'wait for the reset'}",
            reset_at=reset_at,
        )
    )


def classify_graphql_error(
    error: Mapping[str, Any], *, retry_after: float | None, reset_at: float | None
) -> Failure:
    """One entry of a GraphQL ``errors`` list."""
    kind = str(error.get("type") or "")
    message = str(error.get("message") or "")
    lowered = message.lower()
    if kind in PRIMARY_TYPES:
        return _primary(message, reset_at)
    if any(m in lowered for m in SECONDARY_MARKERS):
        return _secondary(message, retry_after)
    if any(m in lowered for m in TRANSIENT_MARKERS):
        shrink = any(m in lowered for m in TIMEOUT_MARKERS)
        return Failure(
            TransientError(f"GitHub failed: {message}"), maybe_applied=True, shrink=shrink
        )
    if kind in SCOPE_TYPES:
        return Failure(ScopeError(f"The token lacks a scope GitHub requires: {message}"))
    if kind in NOT_FOUND_TYPES:
        return Failure(NotFoundError(f"GitHub found nothing: {message}"))
    if kind:
        return Failure(PermanentError(f"GitHub refused ({kind}): {message}"))
    return Failure(GraphQLValidationError(f"GitHub rejected the document: {message}"))


def _rank(failure: Failure) -> int:
    """Which of several errors decides how the whole document is handled (lower wins)."""
    order = (RateLimitError, SecondaryRateLimitError, AuthError, ScopeError, TransientError)
    for rank, cls in enumerate(order):
        if isinstance(failure.error, cls):
            return rank
    return len(order)


@dataclass(frozen=True)
class _HttpReply:
    """An HTTP reply read once: its status, its JSON body and what its headers say."""

    status: int
    body: Any  # the parsed JSON, or None
    message: str  # the body's message, or its first error's
    rate_limit: RateLimitInfo | None
    scopes: tuple[str, ...] | None
    retry_after: float | None

    @property
    def reset_at(self) -> float | None:
        return self.rate_limit.reset_at if self.rate_limit else None

    def classified(
        self,
        data: dict[str, Any] | None,
        failure: Failure | None = None,
        field_errors: dict[str, Failure] | None = None,
    ) -> Reply:
        return Reply(data, failure=failure, field_errors=field_errors or {},
                     rate_limit=self.rate_limit, scopes=self.scopes)


def _read(status: int, headers: Mapping[str, str], body: bytes, wall_now: float) -> _HttpReply:
    try:
        parsed: Any = json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        parsed = None
    return _HttpReply(
        status=status,
        body=parsed,
        message=_message_of(parsed),
        rate_limit=parse_rate_limit(headers),
        scopes=parse_scopes(headers),
        retry_after=parse_retry_after(headers, wall_now=wall_now),
    )


def classify_response(
    status: int, headers: Mapping[str, str], body: bytes, *, wall_now: float
) -> Reply:
    """Decide what an HTTP reply to a GraphQL POST means."""
    reply = _read(status, headers, body, wall_now)
    failure = _status_failure(reply)
    if failure is not None:
        return reply.classified(None, failure)
    return _graphql_reply(reply, reply.body)


def _status_failure(reply: _HttpReply) -> Failure | None:
    """The failure the HTTP status means (None: a 200 with a JSON object, to be read on)."""
    status, message = reply.status, reply.message
    if status == 401:
        return Failure(
            AuthError(
                "GitHub rejected the token (401 Bad credentials): set GITHUB_TOKEN to a valid "
                "classic token with the `project` scope."
            )
        )
    if status in (403, 429):
        return _refusal(reply)
    if status >= 500:
        return Failure(
            TransientError(f"GitHub answered HTTP {status}"),
            maybe_applied=True,
            shrink=status in (502, 504),
        )
    if status == 404:
        return Failure(NotFoundError(f"No GraphQL endpoint here (HTTP 404): {message}"))
    if status != 200:
        return Failure(
            GraphQLValidationError(f"GitHub rejected the request (HTTP {status}): {message}")
        )
    if not isinstance(reply.body, dict):
        return Failure(
            TransientError("GitHub answered 200 without a JSON object"), maybe_applied=True
        )
    return None


def _refusal(reply: _HttpReply) -> Failure:
    """A 403 or 429: a secondary or primary rate limit, a missing scope, or a plain refusal."""
    message = reply.message
    lowered = message.lower()
    if reply.retry_after is not None or any(m in lowered for m in SECONDARY_MARKERS):
        return _secondary(message, reply.retry_after)
    errors = reply.body.get("errors") if isinstance(reply.body, dict) else None
    typed = {str(e.get("type")) for e in errors or [] if isinstance(e, dict)}
    spent = reply.rate_limit is not None and reply.rate_limit.remaining == 0
    if spent or typed & PRIMARY_TYPES:
        return _primary(message, reply.reset_at)
    if "scope" in lowered:
        return Failure(ScopeError(f"The token lacks a scope GitHub requires: {message}"))
    return Failure(PermanentError(f"GitHub refused the request (HTTP {reply.status}): {message}"))


def _graphql_reply(reply: _HttpReply, body: dict[str, Any]) -> Reply:
    """A 200 with a JSON object: its data, and its errors, each tied to an alias or to the whole
    document (the worst of those decides how the document is handled)."""
    data = body.get("data") if isinstance(body.get("data"), dict) else None
    field_errors: dict[str, Failure] = {}
    document_failures: list[Failure] = []
    for error in body.get("errors") or []:
        if not isinstance(error, dict):
            continue
        failure = classify_graphql_error(
            error, retry_after=reply.retry_after, reset_at=reply.reset_at
        )
        alias = _alias_of(error, data, failure)
        if alias is not None:
            field_errors.setdefault(alias, failure)
        else:
            document_failures.append(failure)
    if document_failures:
        return reply.classified(data, min(document_failures, key=_rank), field_errors)
    if data is None:
        return reply.classified(
            None, Failure(TransientError("GitHub answered 200 without data"), maybe_applied=True)
        )
    return reply.classified(data, field_errors=field_errors)


def _alias_of(
    error: Mapping[str, Any], data: dict[str, Any] | None, failure: Failure
) -> str | None:
    """The alias of ``data`` an error is tied to by ``path[0]`` (None: the whole document; a
    primary rate limit always stops the whole document)."""
    path = error.get("path")
    head = path[0] if isinstance(path, list) and path else None
    if data is None or not isinstance(head, str) or head not in data:
        return None
    return None if isinstance(failure.error, RateLimitError) else head


def missing_result(field: str, alias: str) -> Failure:
    """An alias that came back null with no error naming it: GitHub did something unexpected,
    so assume the mutation may have run."""
    return Failure(
        TransientError(f"GitHub returned no result for {field} ({alias})"), maybe_applied=True
    )


def classify_transport_error(exc: Exception, *, timeout: float) -> Failure:
    """A failure to get any HTTP reply. Connect errors happened before GitHub saw anything."""
    name = type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError | httpx.PoolTimeout):
        return Failure(TransientError(f"Could not connect to GitHub ({name})"))
    if isinstance(exc, httpx.TimeoutException):
        return Failure(
            TransientError(f"GitHub did not answer within {timeout:g} s ({name})"),
            maybe_applied=True,
            shrink=True,
        )
    return Failure(
        TransientError(f"The connection to GitHub failed mid-request ({name})"),
        maybe_applied=True,
    )

