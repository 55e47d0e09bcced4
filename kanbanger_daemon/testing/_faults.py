"""Fault injection for the fake GitHub: what can go wrong, how often, decided by a seeded die.

A fault decided before execution applies nothing; `lost_reply` applies everything and then
loses the answer; `partial_failure` fails one alias of a mutation document and applies the rest;
`invisible_new_item` hides a created item from the next `invisible_for_queries` item listings.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields
from typing import Any

# Faults decided before a document runs, in the order the die is rolled (the first hit wins).
BEFORE_EXECUTION = (
    "connection_reset",
    "http_502",
    "http_504",
    "slow_reply",
    "something_went_wrong",
    "secondary_rate_limit",
    "primary_rate_limit",
)
FAULT_KINDS = (*BEFORE_EXECUTION, "lost_reply", "partial_failure", "invisible_new_item")


@dataclass(frozen=True)
class Faults:
    """Each kind is a probability per request (or per created item for invisible_new_item)."""

    seed: int = 0
    http_502: float = 0.0
    http_504: float = 0.0
    connection_reset: float = 0.0
    # The reply comes after `slow_seconds` of real time (set client timeouts below it); the
    # document still runs, as on GitHub, so a slow mutation is applied.
    slow_reply: float = 0.0
    slow_seconds: float = 0.3
    something_went_wrong: float = 0.0
    secondary_rate_limit: float = 0.0
    secondary_retry_after: int = 1  # the `retry-after` header, seconds (GitHub: 1..60)
    primary_rate_limit: float = 0.0
    primary_reset_after: int = 1  # `x-ratelimit-reset` = now + this many seconds
    primary_status: int = 200  # GitHub answers a spent primary limit with 200 or 403
    lost_reply: float = 0.0  # mutation documents only: applied, then reset or 502
    invisible_new_item: float = 0.0
    invisible_for_queries: int = 2
    partial_failure: float = 0.0  # mutation documents only: one alias fails

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in FAULT_KINDS and not 0.0 <= value <= 1.0:
                raise ValueError(f"Faults.{f.name} is a probability, got {value!r}")
        if self.slow_seconds < 0 or self.invisible_for_queries < 0:
            raise ValueError("Faults.slow_seconds and invisible_for_queries must be >= 0")
        if not 1 <= self.secondary_retry_after <= 3600 or self.primary_reset_after < 0:
            raise ValueError("Faults.secondary_retry_after must be 1..3600 s")

    @classmethod
    def everything(cls, probability: float, seed: int = 0) -> Faults:
        """Every fault kind at the same probability (a chaos run)."""
        probabilities: dict[str, Any] = {kind: probability for kind in FAULT_KINDS}
        return cls(seed=seed, **probabilities)


class FaultDice:
    """Rolls the seeded die; the server calls it under its lock, so runs are reproducible."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._random = random.Random(faults.seed)

    def _hit(self, probability: float) -> bool:
        return probability > 0 and self._random.random() < probability

    def before_execution(self, is_mutation: bool) -> str | None:
        for kind in BEFORE_EXECUTION:
            if self._hit(getattr(self.faults, kind)):
                return kind
        return None

    def lost_reply(self, is_mutation: bool) -> str | None:
        """None, or how the reply of an applied mutation document is lost: reset or 502."""
        if not is_mutation or not self._hit(self.faults.lost_reply):
            return None
        return self._random.choice(("connection_reset", "http_502"))

    def failing_alias(self, is_mutation: bool, aliases: list[str]) -> str | None:
        if not is_mutation or not aliases or not self._hit(self.faults.partial_failure):
            return None
        return self._random.choice(aliases)

    def hide_new_item(self) -> int:
        """How many item listings a just-created item stays invisible to (0: visible)."""
        if self._hit(self.faults.invisible_new_item):
            return self.faults.invisible_for_queries
        return 0
