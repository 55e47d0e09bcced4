"""The failure classification table (DESIGN §6), decided only in github/failures.py."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from kanbanger_daemon.errors import (
    AuthError,
    GraphQLValidationError,
    NotFoundError,
    PermanentError,
    RateLimitError,
    ScopeError,
    SecondaryRateLimitError,
    TransientError,
)
from kanbanger_daemon.github.auth import check_scopes, token_kind
from kanbanger_daemon.github.failures import (
    classify_response,
    classify_transport_error,
    parse_retry_after,
)

NOW = 1_700_000_000.0
OK_HEADERS = {"x-ratelimit-remaining": "4000", "x-ratelimit-reset": "1700000900"}


def body(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def gql_error(message: str, type_: str | None = None, path: list[str] | None = None) -> bytes:
    error: dict[str, Any] = {"message": message}
    if type_:
        error["type"] = type_
    if path:
        error["path"] = path
    return body({"data": None, "errors": [error]})


# (status, headers, body) → (error class, maybe_applied, shrink)
TABLE: list[tuple[str, int, dict[str, str], bytes, type[Exception], bool, bool]] = [
    ("401 bad credentials", 401, {}, body({"message": "Bad credentials"}), AuthError, False, False),
    (
        "primary: remaining 0 on 403",
        403,
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000600"},
        body({"message": "API rate limit exceeded"}),
        RateLimitError,
        False,
        False,
    ),
    (
        "primary: RATE_LIMITED on 200",
        200,
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000600"},
        gql_error("API rate limit exceeded for user", "RATE_LIMITED"),
        RateLimitError,
        False,
        False,
    ),
    (
        "primary: RATE_LIMIT type",
        200,
        {},
        gql_error("limit", "RATE_LIMIT"),
        RateLimitError,
        False,
        False,
    ),
    (
        "secondary: 403 + retry-after",
        403,
        {"retry-after": "30"},
        body({"message": "You have exceeded a secondary rate limit"}),
        SecondaryRateLimitError,
        False,
        False,
    ),
    (
        "secondary: message only",
        403,
        {},
        body({"message": "You have exceeded a secondary rate limit. Please wait"}),
        SecondaryRateLimitError,
        False,
        False,
    ),
    (
        "secondary: 429",
        429,
        {"retry-after": "5"},
        body({"message": "slow down"}),
        SecondaryRateLimitError,
        False,
        False,
    ),
    (
        "secondary: submitted too quickly (200)",
        200,
        {},
        gql_error("was submitted too quickly"),
        SecondaryRateLimitError,
        False,
        False,
    ),
    ("502 html", 502, {}, b"<html>Bad gateway</html>", TransientError, True, True),
    ("504", 504, {}, b"", TransientError, True, True),
    ("500", 500, {}, b"{}", TransientError, True, False),
    (
        "200 something went wrong",
        200,
        {},
        gql_error("Something went wrong while executing your query. Please include `ABC` ..."),
        TransientError,
        True,
        False,
    ),
    (
        "200 couldn't respond in time",
        200,
        {},
        gql_error("We couldn't respond to your request in time. Sorry about that."),
        TransientError,
        True,
        True,
    ),
    ("200 not JSON", 200, {}, b"<html>oops</html>", TransientError, True, False),
    (
        "validation",
        200,
        {},
        gql_error("Field 'x' doesn't exist on type 'Query'"),
        GraphQLValidationError,
        False,
        False,
    ),
    (
        "not found",
        200,
        {},
        gql_error("Could not resolve to a node", "NOT_FOUND"),
        NotFoundError,
        False,
        False,
    ),
    (
        "insufficient scopes",
        200,
        {},
        gql_error("needs read:project", "INSUFFICIENT_SCOPES"),
        ScopeError,
        False,
        False,
    ),
    (
        "forbidden",
        200,
        {},
        gql_error("Resource not accessible", "FORBIDDEN"),
        PermanentError,
        False,
        False,
    ),
    (
        "403 plain",
        403,
        {},
        body({"message": "Must have admin rights"}),
        PermanentError,
        False,
        False,
    ),
    (
        "400",
        400,
        {},
        body({"message": "Problems parsing JSON"}),
        GraphQLValidationError,
        False,
        False,
    ),
    (
        "primary: RATE_LIMITED error on 403, budget not reported",
        403,
        {},
        body({"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]}),
        RateLimitError,
        False,
        False,
    ),
    (
        "403 missing scope",
        403,
        {},
        body({"message": "Your token has not been granted the required scopes"}),
        ScopeError,
        False,
        False,
    ),
    ("404 no endpoint", 404, {}, body({"message": "Not Found"}), NotFoundError, False, False),
    ("200 without data", 200, {}, body({"data": None}), TransientError, True, False),
    (
        "200 with a malformed error entry only",
        200,
        {},
        body({"data": None, "errors": ["not an object"]}),
        TransientError,
        True,
        False,
    ),
]


@pytest.mark.parametrize(
    ("status", "headers", "raw", "error_class", "maybe_applied", "shrink"),
    [row[1:] for row in TABLE],
    ids=[row[0] for row in TABLE],
)
def test_classification_table(
    status: int,
    headers: dict[str, str],
    raw: bytes,
    error_class: type[Exception],
    maybe_applied: bool,
    shrink: bool,
) -> None:
    reply = classify_response(status, headers, raw, wall_now=NOW)
    assert reply.failure is not None
    assert type(reply.failure.error) is error_class
    assert reply.failure.maybe_applied is maybe_applied
    assert reply.failure.shrink is shrink
    expected_retry = error_class in (RateLimitError, SecondaryRateLimitError, TransientError)
    assert reply.failure.retryable is expected_retry


def test_rate_limit_errors_carry_their_waits() -> None:
    primary = classify_response(
        200,
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000600"},
        gql_error("limit", "RATE_LIMITED"),
        wall_now=NOW,
    ).failure
    assert primary is not None and isinstance(primary.error, RateLimitError)
    assert primary.error.reset_at == 1_700_000_600
    secondary = classify_response(
        403, {"retry-after": "42"}, body({"message": "secondary rate limit"}), wall_now=NOW
    ).failure
    assert secondary is not None and isinstance(secondary.error, SecondaryRateLimitError)
    assert secondary.error.retry_after == 42
    without = classify_response(
        403, {}, body({"message": "You have exceeded a secondary rate limit"}), wall_now=NOW
    ).failure
    assert without is not None and isinstance(without.error, SecondaryRateLimitError)
    assert without.error.retry_after is None  # the pacer then waits 60 s, doubling


def test_success_with_spent_budget_is_not_a_failure_but_reports_it() -> None:
    reply = classify_response(
        200,
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000600"},
        body({"data": {"viewer": {"login": "x"}}}),
        wall_now=NOW,
    )
    assert reply.failure is None and reply.data == {"viewer": {"login": "x"}}
    assert reply.rate_limit is not None
    assert (reply.rate_limit.remaining, reply.rate_limit.reset_at) == (0, 1_700_000_600)


@pytest.mark.parametrize(
    ("status", "raw"),
    [
        (401, body({"message": "Bad credentials"})),
        (403, body({"message": "Must have admin rights"})),
        (200, gql_error("Field 'x' doesn't exist on type 'Query'")),
        (200, body({"data": None})),
    ],
    ids=["401", "403", "200 with errors", "200 without data"],
)
def test_a_failed_reply_still_reports_the_budget_and_scopes(status: int, raw: bytes) -> None:
    headers = {**OK_HEADERS, "x-oauth-scopes": "repo, project"}
    reply = classify_response(status, headers, raw, wall_now=NOW)
    assert reply.failure is not None
    assert reply.rate_limit is not None and reply.rate_limit.remaining == 4000
    assert reply.scopes == ("repo", "project")


def test_partial_failure_is_tied_to_its_alias() -> None:
    payload = {
        "data": {"m0": {"item": {"id": "A"}}, "m1": None, "m2": {"item": {"id": "C"}}},
        "errors": [{"type": "NOT_FOUND", "path": ["m1"], "message": "Could not resolve"}],
    }
    reply = classify_response(200, OK_HEADERS, body(payload), wall_now=NOW)
    assert reply.failure is None
    assert set(reply.field_errors) == {"m1"}
    assert isinstance(reply.field_errors["m1"].error, NotFoundError)


def test_primary_limit_on_an_alias_stops_the_whole_document() -> None:
    payload = {
        "data": {"m0": None},
        "errors": [{"type": "RATE_LIMITED", "path": ["m0"], "message": "limit"}],
    }
    reply = classify_response(200, OK_HEADERS, body(payload), wall_now=NOW)
    assert reply.failure is not None and isinstance(reply.failure.error, RateLimitError)


def test_document_failure_prefers_rate_limits_over_other_errors() -> None:
    payload = {
        "errors": [
            {"message": "Field 'x' doesn't exist"},
            {"type": "RATE_LIMITED", "message": "limit"},
        ]
    }
    reply = classify_response(200, OK_HEADERS, body(payload), wall_now=NOW)
    assert reply.failure is not None and isinstance(reply.failure.error, RateLimitError)


@pytest.mark.parametrize(
    ("exc", "maybe_applied", "shrink"),
    [
        (httpx.ConnectError("refused"), False, False),
        (httpx.ConnectTimeout("slow connect"), False, False),
        (httpx.ReadTimeout("slow reply"), True, True),
        (httpx.WriteTimeout("slow send"), True, True),
        (httpx.ReadError("reset by peer"), True, False),
        (httpx.RemoteProtocolError("server disconnected"), True, False),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
def test_transport_errors(exc: Exception, maybe_applied: bool, shrink: bool) -> None:
    failure = classify_transport_error(exc, timeout=30)
    assert isinstance(failure.error, TransientError)
    assert (failure.maybe_applied, failure.shrink) == (maybe_applied, shrink)


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert parse_retry_after({"retry-after": "12"}, wall_now=NOW) == 12
    date = "Tue, 14 Nov 2023 22:13:40 GMT"  # NOW + 20 s
    assert parse_retry_after({"retry-after": date}, wall_now=NOW) == pytest.approx(20)
    assert parse_retry_after({"retry-after": "soon"}, wall_now=NOW) is None
    assert parse_retry_after({}, wall_now=NOW) is None


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("ghp_abc", "classic"),
        ("github_pat_11A", "fine-grained"),
        ("gho_x", "oauth"),
        ("ghs_x", "app-installation"),
        ("ghu_x", "app-user"),
        ("test-token", "unknown"),
    ],
)
def test_token_kind(token: str, kind: str) -> None:
    assert token_kind(token) == kind


def test_scope_checks_explain_what_to_do_in_one_sentence() -> None:
    assert check_scopes("classic", ("repo", "project")) is None
    missing = check_scopes("classic", ("repo", "read:project"))
    assert missing is not None and "`project` scope" in missing.message
    assert "gh auth refresh -s project" in missing.message
    app = check_scopes("app-installation", None)
    assert app is not None and "GitHub App token" in app.message
    fine = check_scopes("fine-grained", None)
    assert fine is not None and "fine-grained" in fine.message and "classic token" in fine.message
    for error in (missing, app, fine):
        assert error.message.endswith(".") and error.message.count(". ") == 0
