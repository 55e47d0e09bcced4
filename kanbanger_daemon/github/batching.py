"""Aliased mutation documents: build one, read its reply alias by alias, size the next one,
and run a list of calls through as many documents as it takes (``BatchRunner``).

A batch reply is resolved per alias (``errors[].path[0]``): each call is ``ok``, ``failed``
(permanent), ``retry`` (safe to send again) or ``ambiguous`` (a create whose fate is unknown —
never replayed; the sync engine re-reads and adopts by marker).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import structlog

from kanbanger_daemon.errors import (
    AmbiguousMutationError,
    RateLimitError,
    SecondaryRateLimitError,
)
from kanbanger_daemon.github.failures import Failure, Reply, missing_result
from kanbanger_daemon.github.queries import MutationKind, alias, batched_mutation, variable
from kanbanger_daemon.models.remote import MutationResult

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Call:
    """One aliased mutation: the caller's key for it and its input object."""

    key: str
    input: dict[str, Any]


class CallState(StrEnum):
    OK = "ok"
    FAILED = "failed"
    RETRY = "retry"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class CallOutcome:
    call: Call
    state: CallState
    item_id: str | None = None
    content_id: str | None = None
    failure: Failure | None = None


def build_batch(kind: MutationKind, calls: list[Call]) -> tuple[str, dict[str, Any]]:
    """The document and its variables for ``calls`` (aliases m0…, variables $i0…)."""
    document = batched_mutation(kind, len(calls))
    variables = {variable(i): call.input for i, call in enumerate(calls)}
    return document, variables


def _ids(payload: dict[str, Any]) -> tuple[str | None, str | None]:
    """(item id, content id) from any of the payload shapes in ``queries``."""
    for key in ("projectItem", "projectV2Item", "item"):
        node = payload.get(key)
        if isinstance(node, dict):
            content = node.get("content")
            content_id = content.get("id") if isinstance(content, dict) else None
            return node.get("id"), content_id
    # What these create is not an item: its id is reported as the content id.
    for key in ("draftIssue", "statusUpdate", "projectV2Field"):
        node = payload.get(key)
        if isinstance(node, dict):
            return None, node.get("id")
    items = payload.get("items")
    if isinstance(items, dict):
        nodes = items.get("nodes") or []
        first = nodes[0] if nodes and isinstance(nodes[0], dict) else {}
        return first.get("id"), None
    return None, None


def _from_failure(kind: MutationKind, call: Call, failure: Failure) -> CallOutcome:
    if not failure.retryable:
        return CallOutcome(call, CallState.FAILED, failure=failure)
    if failure.maybe_applied and kind.creates_content:
        return CallOutcome(call, CallState.AMBIGUOUS, failure=failure)
    return CallOutcome(call, CallState.RETRY, failure=failure)


def resolve_batch(kind: MutationKind, calls: list[Call], reply: Reply) -> list[CallOutcome]:
    """What happened to each call of a batch, from the (classified) reply."""
    outcomes: list[CallOutcome] = []
    data = reply.data or {}
    for index, call in enumerate(calls):
        name = alias(index)
        payload = data.get(name)
        if isinstance(payload, dict):
            item_id, content_id = _ids(payload)
            outcomes.append(CallOutcome(call, CallState.OK, item_id, content_id))
        elif name in reply.field_errors:
            outcomes.append(_from_failure(kind, call, reply.field_errors[name]))
        elif reply.failure is not None:
            outcomes.append(_from_failure(kind, call, reply.failure))
        else:
            unexplained = missing_result(kind.field, name)
            outcomes.append(_from_failure(kind, call, unexplained))
    return outcomes


class BatchSizer:
    """Current document sizes: halved after a timeout or 502, regrown slowly after successes."""

    GROW_AFTER = 8  # consecutive clean documents before doubling again

    def __init__(self, create_size: int, other_size: int) -> None:
        self._max = {True: create_size, False: other_size}
        self._size = dict(self._max)
        self._clean = {True: 0, False: 0}

    def size(self, kind: MutationKind) -> int:
        return self._size[kind.creates_content]

    def shrink(self, kind: MutationKind) -> int:
        key = kind.creates_content
        self._size[key] = max(1, self._size[key] // 2)
        self._clean[key] = 0
        return self._size[key]

    def note_clean(self, kind: MutationKind) -> None:
        key = kind.creates_content
        self._clean[key] += 1
        if self._clean[key] >= self.GROW_AFTER and self._size[key] < self._max[key]:
            self._size[key] = min(self._max[key], self._size[key] * 2)
            self._clean[key] = 0


# Sends one batch document (pacing and whole-document retries included) and says whether its
# retries were exhausted.
SendBatch = Callable[[MutationKind, list[Call]], Awaitable[tuple[Reply, bool]]]


def _result(kind: MutationKind, outcome: CallOutcome) -> MutationResult:
    key = outcome.call.key
    error = outcome.failure.error if outcome.failure else None
    if outcome.state is CallState.OK:
        return MutationResult(
            key=key, ok=True, item_id=outcome.item_id, content_id=outcome.content_id
        )
    if outcome.state is CallState.AMBIGUOUS:
        return MutationResult(
            key=key,
            ok=False,
            ambiguous=True,
            error=AmbiguousMutationError(
                f"{kind.field} may or may not have happened ({error}); re-read the project "
                "and adopt by marker before creating again"
            ),
        )
    return MutationResult(key=key, ok=False, error=error)


@dataclass
class BatchRunner:
    """Runs calls through batch documents: halves after a timeout/502, re-sends per alias what
    is safe to re-send (bounded by ``max_attempts``), never re-sends an ambiguous create."""

    send: SendBatch
    sizer: BatchSizer
    max_attempts: int
    backoff: Callable[[int], float]
    sleep: Callable[[float], Awaitable[None]]
    on_retry: Callable[[], None] = lambda: None

    async def run(self, kind: MutationKind, calls: Sequence[Call]) -> list[MutationResult]:
        """One result per call, in the order of ``calls``."""
        results: list[MutationResult | None] = [None] * len(calls)
        attempts = [0] * len(calls)
        pending: deque[int] = deque(range(len(calls)))
        while pending:
            count = min(self.sizer.size(kind), len(pending))
            indices = [pending.popleft() for _ in range(count)]
            chunk = [calls[i] for i in indices]
            reply, exhausted = await self.send(kind, chunk)
            if reply.failure is not None and reply.failure.shrink:
                size = self.sizer.shrink(kind)
                log.info("github.batch.shrink", mutation=kind.field, size=size)
            elif reply.failure is None and not reply.field_errors:
                self.sizer.note_clean(kind)
            retry: list[int] = []
            for index, outcome in zip(indices, resolve_batch(kind, chunk, reply), strict=True):
                attempts[index] += 1
                again = outcome.state is CallState.RETRY and not exhausted
                if again and attempts[index] < self.max_attempts:
                    retry.append(index)
                else:
                    results[index] = _result(kind, outcome)
            if retry:
                pending.extendleft(reversed(retry))  # retried calls keep their place in order
                await self._wait_before_retry(reply, max(attempts[i] for i in retry))
        return [r for r in results if r is not None]

    async def _wait_before_retry(self, reply: Reply, attempt: int) -> None:
        self.on_retry()
        failure = reply.failure or next(iter(reply.field_errors.values()), None)
        limited = failure is not None and isinstance(
            failure.error, RateLimitError | SecondaryRateLimitError
        )
        if not limited:  # after a rate limit the pacer already holds every request
            await self.sleep(self.backoff(attempt))
