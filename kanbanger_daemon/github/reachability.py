"""Giving up on an unreachable GitHub, for one-shot commands.

The daemon retries a request that got no reply at all (connection refused, DNS, connect timeout)
with backoff for as long as it takes. A one-shot command (``sync``, which the git hook runs) has
a person or a hook waiting: with a budget set, the client stops retrying once the next wait would
take the streak of unanswered attempts past the budget, and from then on every request fails at
once with the same one-line error, so a sync of many boards does not wait once per board.
"""

from __future__ import annotations

from collections.abc import Callable

from kanbanger_daemon.errors import TransientError


class Reachability:
    """Tracks the current streak of requests that got no reply (see the module docstring)."""

    def __init__(self, url: str, clock: Callable[[], float]) -> None:
        self._url = url
        self._clock = clock
        self.budget_s: float | None = None  # None: retry as long as the attempts allow
        self.attempt_s = 0.0  # how long one more attempt may take (the connect timeout)
        self._unanswered_since: float | None = None
        self.gave_up: TransientError | None = None

    def answered(self) -> None:
        self._unanswered_since = None

    def unanswered(self, started: float) -> None:
        """An attempt that started at ``started`` got no reply at all."""
        if self._unanswered_since is None:
            self._unanswered_since = started

    def out_of_time(self, next_wait_s: float, error: object) -> bool:
        """True (and ``gave_up`` set) when waiting ``next_wait_s`` and trying once more could
        pass the budget."""
        if self.budget_s is None or self._unanswered_since is None:
            return False
        spent = self._clock() - self._unanswered_since
        if spent + next_wait_s + self.attempt_s <= self.budget_s:
            return False
        self.gave_up = TransientError(
            f"GitHub is unreachable at {self._url}: {error}; gave up after {spent:.0f} s "
            "(check the network, or GITHUB_GRAPHQL_URL)"
        )
        return True
