"""Why a board's reconcile runs, handed to the reconcile function with the run itself.

A board may be asked to run for several reasons before a worker takes it (a poll, then a file
change); the run gets all of them. The strongest names the run:

    change    files of the board changed       rescan    start, SIGHUP, overflow, restart
    periodic  the ~10-minute safety rescan     retry     a failed run comes back
    poll      two-way sync: look at GitHub first (the weakest: a poll and nothing else)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Trigger(StrEnum):
    POLL = "poll"
    RETRY = "retry"
    CHANGE = "change"
    RESCAN = "rescan"
    PERIODIC = "periodic"


_RANK = {trigger: rank for rank, trigger in enumerate(Trigger)}


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Run:
    """One reconcile of a board: why it runs, and how it says it is slow but moving."""

    reasons: frozenset[Trigger]
    # Called by a long reconcile (a paced push) after each step: the systemd watchdog is
    # withheld while a reconcile runs longer than ``reconcile_stuck_after_s`` without it.
    # Safe from the reconcile's task and from threads it started.
    alive: Callable[[], None] = field(default=_nothing, compare=False)

    @classmethod
    def of(cls, *reasons: Trigger, alive: Callable[[], None] = _nothing) -> Run:
        return cls(frozenset(reasons or (Trigger.CHANGE,)), alive)

    @property
    def trigger(self) -> Trigger:
        """The strongest reason."""
        return max(self.reasons, key=_RANK.__getitem__)

    @property
    def polled(self) -> bool:
        """Two-way sync asked for a look at GitHub before this run."""
        return Trigger.POLL in self.reasons


class Reasons:
    """The reasons gathered for each board waiting to run (owned by the reconcile queue)."""

    def __init__(self) -> None:
        self._by_key: dict[str, set[Trigger]] = {}

    def add(self, key: str, trigger: Trigger) -> None:
        self._by_key.setdefault(key, set()).add(trigger)

    def pending(self, key: str) -> frozenset[Trigger]:
        """The reasons noted for the next run so far."""
        return frozenset(self._by_key.get(key, ()))

    def take(self, key: str) -> frozenset[Trigger]:
        """The reasons of the run starting now (a change, when none was noted)."""
        return frozenset(self._by_key.pop(key, set()) or {Trigger.CHANGE})
