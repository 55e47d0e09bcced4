"""The client's one queue of mutations: the calls of every caller go out in shared documents.

Callers (the pushes of several boards) hand in their calls with ``DocumentQueue.run`` and wait
for their results. One caller at a time sends: it waits until the pacer would let a mutation
document go, waits (at most ``hold_s`` after the oldest queued call) for the callers it expects
to hand theirs in, then sends one document from the front of the queue, within the batch
sizes. So boards changed together share one document, and a caller whose calls went out in
another's document just gets its results.

Who is expected is explicit: ``expecting()`` gives an ``ExpectedCaller`` handle (a board being
reconciled right now), and whoever sends that board's calls hands it to ``run``, in any task.
The queue owns the handles: a caller is awaited while it is inside its block and has no calls
in flight.

Per document: halve the sizes after a timeout or 502, re-send per alias what is safe to re-send
(the client's ``RetryPolicy`` says how often and how long to wait: this queue is the only
driver of a mutation's retries), never re-send a create whose fate is unknown (``ambiguous``).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import structlog

from kanbanger_daemon.errors import (
    AuthError,
    ScopeError,
)
from kanbanger_daemon.github.batching import (
    BatchSizer,
    CallOutcome,
    CallState,
    Mutation,
    resolve_document,
    to_result,
)
from kanbanger_daemon.github.failures import Reply
from kanbanger_daemon.github.retry import RetryPolicy
from kanbanger_daemon.models.github import MutationResult

log = structlog.get_logger(__name__)

# Sends one document once (pacing included).
SendDocument = Callable[[list[Mutation]], Awaitable[Reply]]


class ExpectedCaller:
    """A caller the queue waits for (see ``DocumentQueue.expecting``); pass it to ``run`` with
    that caller's calls."""

    def __init__(self) -> None:
        self.inside = True  # within its ``expecting`` block
        self.running = 0  # its ``run`` calls in flight

    @property
    def away(self) -> bool:
        """Expected, and none of its calls handed in right now."""
        return self.inside and not self.running


@dataclass
class _Ticket:
    """One caller's calls: their results as they come in."""

    results: list[MutationResult | None]
    left: int


@dataclass
class _Entry:
    mutation: Mutation
    ticket: _Ticket
    index: int
    attempts: int = 0


class DocumentQueue:
    """Runs the calls of every caller through shared documents (see the module docstring)."""

    def __init__(
        self,
        *,
        send: SendDocument,
        sizer: BatchSizer,
        ready: Callable[[], Awaitable[None]],
        retry: RetryPolicy,
        hold_s: float = 0.5,
    ) -> None:
        self._send = send
        self._sizer = sizer
        self._ready = ready
        self._retry = retry
        self._hold_s = hold_s
        self._pending: deque[_Entry] = deque()
        self._queued_at = 0.0  # loop time when the queue last became non-empty
        self._sending = False
        self._expected: set[ExpectedCaller] = set()
        # Set when the server refused a document mixing creates with other mutations: from
        # then on creates go in documents of their own.
        self.creates_alone = False
        self._wake = asyncio.Event()

    @contextmanager
    def expecting(self) -> Iterator[ExpectedCaller]:
        """A caller that may hand in calls soon: the next document waits for it (at most
        ``hold_s``) unless it is already waiting for results (calls handed to ``run`` with the
        handle yielded here) or has left this block."""
        caller = ExpectedCaller()
        self._expected.add(caller)
        try:
            yield caller
        finally:
            caller.inside = False
            self._expected.discard(caller)
            self._notify()

    async def run(self, mutations: Sequence[Mutation], *, caller: ExpectedCaller | None = None
                  ) -> list[MutationResult]:
        """One result per mutation, in order. ``caller``: whose calls these are, when the queue
        expects them (see ``expecting``); without it the calls wait for the expected callers."""
        if not mutations:
            return []
        ticket = _Ticket([None] * len(mutations), len(mutations))
        if not self._pending:
            self._queued_at = asyncio.get_running_loop().time()
        self._pending.extend(_Entry(m, ticket, i) for i, m in enumerate(mutations))
        if caller is not None:
            caller.running += 1
        self._notify()
        try:
            while ticket.left:
                if self._sending:
                    await self._changed()
                    continue
                self._sending = True
                try:
                    await self._send_next(ticket)
                finally:
                    self._sending = False
                    self._notify()
        finally:
            if caller is not None:
                caller.running -= 1
            if ticket.left:  # cancelled or failed: what was not sent yet is not sent
                self._pending = deque(e for e in self._pending if e.ticket is not ticket)
        return [r for r in ticket.results if r is not None]

    # -- one document ---------------------------------------------------------------------

    async def _send_next(self, own: _Ticket) -> None:
        await self._ready()
        await self._gather()
        entries = self._take()
        if not entries:
            return
        mutations = [e.mutation for e in entries]
        try:
            reply = await self._send(mutations)
        except BaseException:
            self._abandon(entries, own)
            raise
        if self._refused_mix(mutations, reply):
            self._pending.extendleft(reversed(entries))  # nothing ran: all go again, apart
            return
        if reply.failure is not None and reply.failure.shrink:
            self._sizer.shrink_all(m.kind for m in mutations)
            log.info("github.batch.shrink", calls=len(mutations))
        elif reply.failure is None and not reply.field_errors:
            self._sizer.note_clean_all(m.kind for m in mutations)
        retry = [e for e, o in zip(entries, resolve_document(mutations, reply), strict=True)
                 if not self._settle(e, o)]
        if retry:
            self._pending.extendleft(reversed(retry))  # retried calls keep their place
            failure = reply.failure or next(iter(reply.field_errors.values()), None)
            await self._retry.pause(max(e.attempts for e in retry), failure)

    def _take(self) -> list[_Entry]:
        """The calls of the next document: from the front of the queue, within the sizes (and
        of one class only once creates must go alone)."""
        pending = [e.mutation for e in self._pending]
        count = max(1, self._sizer.fits(pending)) if pending else 0
        if self.creates_alone and pending:
            first = pending[0].kind.creates_content
            same = next((i for i, m in enumerate(pending) if m.kind.creates_content != first),
                        len(pending))
            count = min(count, same)
        return [self._pending.popleft() for _ in range(count)]

    def _refused_mix(self, mutations: Sequence[Mutation], reply: Reply) -> bool:
        """The whole document was refused, unrun, and it mixed creates with other calls."""
        failure = reply.failure
        mixed = len({m.kind.creates_content for m in mutations}) == 2
        if self.creates_alone or not mixed or failure is None or failure.retryable:
            return False
        if reply.data is not None or isinstance(failure.error, AuthError | ScopeError):
            return False  # a bad token refuses every document, mixed or not
        self.creates_alone = True
        log.warning("github.document.creates_alone", error=str(failure.error))
        return True

    def _settle(self, entry: _Entry, outcome: CallOutcome) -> bool:
        """Record ``outcome`` as the entry's result; False when the call goes again instead."""
        entry.attempts += 1
        if outcome.state is CallState.RETRY:
            if not self._retry.gives_up(entry.attempts, outcome.failure):
                return False
            final = self._retry.final(Reply(None, failure=outcome.failure))
            outcome = dataclasses.replace(outcome, failure=final.failure)
        self._resolve(entry, to_result(entry.mutation.kind, outcome))
        return True

    def _resolve(self, entry: _Entry, result: MutationResult) -> None:
        if entry.ticket.results[entry.index] is None:
            entry.ticket.results[entry.index] = result
            entry.ticket.left -= 1

    def _abandon(self, entries: list[_Entry], own: _Ticket) -> None:
        """The sender stopped mid-document: another caller's create may have been applied
        (ambiguous, never re-sent); its other calls are safe to send again."""
        back: list[_Entry] = []
        for entry in entries:
            if entry.ticket is own:
                continue
            if entry.mutation.kind.creates_content:
                outcome = CallOutcome(entry.mutation.call, CallState.AMBIGUOUS)
                self._resolve(entry, to_result(entry.mutation.kind, outcome))
            else:
                back.append(entry)
        self._pending.extendleft(reversed(back))

    async def _gather(self) -> None:
        """Wait for the expected callers to hand in their calls, at most ``hold_s`` after the
        oldest queued call (time spent waiting for the pacer counts)."""
        loop = asyncio.get_running_loop()
        deadline = self._queued_at + self._hold_s
        while (any(c.away for c in self._expected)
               and (left := deadline - loop.time()) > 0):
            try:
                await asyncio.wait_for(self._changed(), left)
            except TimeoutError:
                return

    # -- wake-ups -------------------------------------------------------------------------

    def _notify(self) -> None:
        self._wake.set()
        self._wake = asyncio.Event()

    def _changed(self) -> Coroutine[Any, Any, bool]:
        # Bound to the current event NOW, not when the waiting starts: ``wait_for`` runs it in
        # a task of its own, a loop turn later, and a change notified in between set (and
        # replaced) the event it must see, which would leave the wait to the whole hold.
        return self._wake.wait()
