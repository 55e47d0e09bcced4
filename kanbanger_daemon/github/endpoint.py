"""The client's one way to GitHub: a GraphQL document posted, a classified reply back.

Every request goes through ``Endpoint._post``: the pacer grants a slot (one request at a time,
spacing, budgets, pauses), ``failures`` classifies the reply, and the rate limits the reply
reports start the pauses they ask for. What is safe to retry is retried by one driver per
request, with one policy (``retry``): a query whole (``query``), a mutation document call by
call in the client's document queue (``sender``; ``send_mutations`` sends a document once).
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx
import structlog

from kanbanger_daemon.errors import (
    AuthError,
    ConfigError,
    NotFoundError,
    RateLimitError,
    SecondaryRateLimitError,
    TransientError,
)
from kanbanger_daemon.github.auth import check_token
from kanbanger_daemon.github.batching import Mutation, build_document
from kanbanger_daemon.github.failures import (
    Failure,
    Reply,
    classify_response,
    classify_transport_error,
)
from kanbanger_daemon.github.pacing import Pacer, PacingConfig
from kanbanger_daemon.github.queries import MutationKind
from kanbanger_daemon.github.reachability import Reachability
from kanbanger_daemon.github.retry import RetryPolicy
from kanbanger_daemon.models.github import ClientStats

log = structlog.get_logger(__name__)


def query_failure(reply: Reply) -> Failure | None:
    """For a query, any error counts, except a NOT_FOUND the parser explains better."""
    if reply.failure is not None:
        return reply.failure
    for failure in reply.field_errors.values():
        if not isinstance(failure.error, NotFoundError):
            return failure
    return None


def _check_url(url: str) -> None:
    """Refuse a URL no request could go out to, before any request."""
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in ("http", "https") or not url.partition("://")[2].strip("/"):
        raise ConfigError(
            f"the GraphQL endpoint {url!r} is not an http(s) URL "
            "(e.g. https://api.github.com/graphql)",
            key="GITHUB_GRAPHQL_URL",
        )


class Endpoint:
    """One token and GraphQL URL: pacing, reachability, retries and the client's counters."""

    def __init__(
        self,
        *,
        token: str,
        url: str,
        transport: httpx.AsyncBaseTransport | None,
        timeout: float,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        rng: random.Random | None,
        pacing: PacingConfig,
        max_attempts: int,
    ) -> None:
        check_token(token)
        _check_url(url)
        self._url = url
        self._timeout = timeout
        self._clock = clock
        self._wall_clock = wall_clock
        self.pacer = Pacer(pacing, clock=clock, wall_clock=wall_clock, sleep=sleep)
        self._on_sent: Callable[[int, int], None] | None = None
        self._reach = Reachability(url, clock)
        self._stats = ClientStats()
        self.retry = RetryPolicy(
            max_attempts=max_attempts, base_s=pacing.retry_base, max_s=pacing.retry_max,
            rng=rng or random.Random(), sleep=sleep, reach=self._reach,
            on_retry=self._count_retry)
        # The token lives only in this header (httpx masks it in reprs).
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={
                "Authorization": f"bearer {token}",
                "Accept": "application/json",
                "User-Agent": "kanbanger-daemon",
            },
        )

    def __repr__(self) -> str:
        return f"Endpoint(url={self._url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    def give_up_after(self, seconds: float) -> None:
        """Stop retrying a GitHub that gives no reply at all after ``seconds`` (connects time
        out after a third of it); every later request then fails at once (``unreachable``)."""
        self._reach.budget_s = seconds
        self._reach.attempt_s = min(self._timeout, seconds / 3)
        self._http.timeout = httpx.Timeout(self._timeout, connect=self._reach.attempt_s)

    @property
    def unreachable(self) -> TransientError | None:
        return self._reach.gave_up

    @property
    def stats(self) -> ClientStats:
        snapshot = self._stats.model_copy(deep=True)
        snapshot.paused_until = self.pacer.paused_until_wall
        return snapshot

    def listen(self, *, sent: Callable[[int, int], None],
               waiting: Callable[[float, str], None]) -> None:
        self._on_sent = sent
        self.pacer.on_wait = waiting

    # --- the two kinds of document ----------------------------------------------------------

    async def query(
        self, document: str, variables: dict[str, Any], *, shrinkable: bool = False
    ) -> Reply:
        """A query, retried whole while the policy allows (not a timeout the caller answers
        with a smaller page: ``shrinkable``)."""
        def should_retry(reply: Reply) -> bool:
            failure = query_failure(reply)
            if failure is None or not failure.retryable:
                return False
            return not (failure.shrink and shrinkable)

        self._stats.documents += 1
        self._stats.query_documents += 1
        return await self.retry.run(lambda: self._post(document, variables), should_retry)

    async def send_mutations(self, mutations: Sequence[Mutation]) -> Reply:
        """One mutation document, sent once (its calls are retried by the caller)."""
        document, variables = build_document(mutations)
        self._stats.documents += 1
        self._stats.mutation_documents += 1
        return await self._post(document, variables, mutations=[m.kind for m in mutations])

    # --- one request ------------------------------------------------------------------------

    async def _post(
        self,
        document: str,
        variables: dict[str, Any],
        *,
        mutations: Sequence[MutationKind] | None = None,
    ) -> Reply:
        """Send one document once. ``mutations``: the kinds of its aliased calls (None: a
        query)."""
        if self._reach.gave_up is not None:  # a one-shot command gave up on GitHub already
            return Reply(None, failure=Failure(self._reach.gave_up))
        creates = sum(kind.creates_content for kind in mutations or ())
        async with self.pacer.slot(mutation=mutations is not None, creates=creates):
            self._count_request(mutations, creates)
            started = self._clock()
            try:
                response = await self._http.post(
                    self._url, json={"query": document, "variables": variables}
                )
            except httpx.TransportError as exc:
                reply = Reply(None, failure=classify_transport_error(exc, timeout=self._timeout))
                self._reach.unanswered(started)
            else:
                self._reach.answered()
                reply = classify_response(
                    response.status_code,
                    response.headers,
                    response.content,
                    wall_now=self._wall_clock(),
                )
            self._observe(reply)
            return reply

    def _count_request(self, mutations: Sequence[MutationKind] | None, creates: int) -> None:
        self._stats.http_requests += 1
        if mutations is None:
            return
        self._stats.mutations += len(mutations)
        self._stats.creates += creates
        if self._on_sent is not None:
            self._on_sent(len(mutations), creates)
        by_name = self._stats.mutations_by_name
        for kind in mutations:
            by_name[kind.field] = by_name.get(kind.field, 0) + 1

    def _count_retry(self) -> None:
        self._stats.retries += 1

    def _observe(self, reply: Reply) -> None:
        """Record rate-limit headers and start the pauses a reply asks for."""
        if not isinstance(reply.failure.error if reply.failure else None,
                          AuthError | TransientError):
            self._stats.auth_verified_at = self._wall_clock()  # GitHub answered as this token
        limit = reply.rate_limit
        if limit is not None:
            self._stats.rate_limit_remaining = limit.remaining
            self._stats.rate_limit_reset = limit.reset_at
        failures = [reply.failure, *reply.field_errors.values()]
        errors = [f.error for f in failures if f is not None]
        primary = next((e for e in errors if isinstance(e, RateLimitError)), None)
        secondary = next((e for e in errors if isinstance(e, SecondaryRateLimitError)), None)
        if primary is not None:
            waited = self.pacer.pause_for_primary(primary.reset_at)
            log.warning("github.rate_limit.primary", pause_s=round(waited, 1))
        elif limit is not None and limit.remaining == 0:
            waited = self.pacer.pause_for_primary(limit.reset_at)
            log.warning("github.rate_limit.spent", pause_s=round(waited, 1))
        if secondary is not None:
            waited = self.pacer.pause_for_secondary(secondary.retry_after)
            log.warning("github.rate_limit.secondary", pause_s=round(waited, 1))
        elif reply.failure is None:
            self.pacer.note_success()
