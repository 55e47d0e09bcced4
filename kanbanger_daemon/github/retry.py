"""One retry policy for every request: how often, how long to wait between tries, when to stop.

Each request is retried by exactly one driver, and both drivers ask this policy:

* a query (or a one-off document) is retried whole by :meth:`RetryPolicy.run`;
* a mutation document is retried by the client's document queue (``github.sender``), call by
  call: a document that failed as a whole is the case where every call of it failed, and a call
  that may already have run (a create whose reply was lost) is never sent again.

Waits are jittered exponential backoff, except after a rate limit: the pacer then holds every
request until the pause GitHub asked for is over. A one-shot command gives up on a GitHub that
does not answer at all once its time budget is spent (``Reachability``).
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable

import structlog

from kanbanger_daemon.errors import RateLimitError, SecondaryRateLimitError
from kanbanger_daemon.github.failures import Failure, Reply
from kanbanger_daemon.github.reachability import Reachability

log = structlog.get_logger(__name__)


class RetryPolicy:
    def __init__(self, *, max_attempts: int, base_s: float, max_s: float, rng: random.Random,
                 sleep: Callable[[float], Awaitable[None]], reach: Reachability,
                 on_retry: Callable[[], None]) -> None:
        self.max_attempts = max(1, max_attempts)
        self._base_s = base_s
        self._max_s = max_s
        self._rng = rng
        self._sleep = sleep
        self._reach = reach
        self._on_retry = on_retry

    def backoff(self, attempt: int) -> float:
        """Jittered exponential back-off (equal jitter) before try ``attempt`` + 1."""
        return float(self._longest(attempt) * (0.5 + 0.5 * self._rng.random()))

    def _longest(self, attempt: int) -> float:
        return float(min(self._max_s, self._base_s * 2.0 ** max(0, attempt - 1)))

    def gives_up(self, attempt: int, failure: Failure | None) -> bool:
        """After ``attempt`` tries that ended in ``failure``: no more tries (attempts spent, or
        a one-shot command's budget for an unreachable GitHub)."""
        if attempt >= self.max_attempts:
            return True
        return self._reach.out_of_time(self._longest(attempt), failure.error if failure else None)

    def final(self, reply: Reply) -> Reply:
        """A failed reply as the caller sees it once the policy gave up on an unreachable
        GitHub: the one-line "unreachable" error."""
        if self._reach.gave_up is not None and reply.failure is not None:
            return Reply(None, failure=Failure(self._reach.gave_up))
        return reply

    async def pause(self, attempt: int, failure: Failure | None) -> None:
        """Count and log a retry, and wait before try ``attempt`` + 1."""
        self._on_retry()
        error = failure.error if failure else None
        # A one-shot command ends on one clear line; the daemon logs each retry.
        say = log.debug if self._reach.budget_s is not None else log.info
        say("github.retry", attempt=attempt, error=str(error))
        if not isinstance(error, RateLimitError | SecondaryRateLimitError):
            await self._sleep(self.backoff(attempt))

    async def run(self, send: Callable[[], Awaitable[Reply]],
                  should_retry: Callable[[Reply], bool]) -> Reply:
        """Send until the reply is final: ``should_retry`` says no, or the policy gives up."""
        attempt = 0
        while True:
            attempt += 1
            reply = await send()
            if not should_retry(reply) or self.gives_up(attempt, reply.failure):
                return self.final(reply)
            await self.pause(attempt, reply.failure)
