"""The client's document queue on its own: which callers a document waits for.

Boards reconciled together share one mutation document because the queue holds the next
document (at most ``hold_s``) for the callers it expects. An expected caller is a handle from
``DocumentQueue.expecting()``, handed to ``run`` by whoever sends that caller's calls, in any task.
On loop time: a document held for the whole ``hold_s`` shows as an hour gone.
"""

from __future__ import annotations

import asyncio
import random

import pytest

from kanbanger_daemon.github import calls, queries
from kanbanger_daemon.github.batching import BatchSizer, Mutation
from kanbanger_daemon.github.failures import Reply
from kanbanger_daemon.github.reachability import Reachability
from kanbanger_daemon.github.retry import RetryPolicy
from kanbanger_daemon.github.sender import DocumentQueue, ExpectedCaller

pytestmark = [pytest.mark.looptime, pytest.mark.timeout(10)]

HOLD_S = 3600.0


class Sent:
    """The documents the queue sent, each as the item ids it archived."""

    def __init__(self) -> None:
        self.documents: list[list[str]] = []

    async def send(self, mutations: list[Mutation]) -> Reply:
        self.documents.append([m.call.key for m in mutations])
        return Reply({queries.alias(i): {"item": {"id": m.call.key}}
                      for i, m in enumerate(mutations)})


def queue_for(sent: Sent) -> DocumentQueue:
    async def ready() -> None:
        return None

    def count_retry() -> None:
        return None

    retry = RetryPolicy(max_attempts=3, base_s=1.0, max_s=1.0, rng=random.Random(0),
                        sleep=asyncio.sleep, reach=Reachability("http://127.0.0.1", lambda: 0.0),
                        on_retry=count_retry)
    return DocumentQueue(send=sent.send, sizer=BatchSizer(25, 25), ready=ready, retry=retry,
                         hold_s=HOLD_S)


def archive(item: str) -> Mutation:
    return calls.archive_item("P", item)


async def under_way() -> None:
    """Let every task started so far run up to its next real wait."""
    for _ in range(10):
        await asyncio.sleep(0)


async def test_two_expected_callers_share_one_document() -> None:
    sent = Sent()
    queue = queue_for(sent)
    loop = asyncio.get_running_loop()
    start = loop.time()
    with queue.expecting() as first, queue.expecting() as second:
        # The handles go with the calls into other tasks (as boards pushed by gather do).
        early = asyncio.create_task(queue.run([archive("A"), archive("B")], caller=first))
        await under_way()
        assert sent.documents == []  # held: the second caller has not handed its calls in
        late = asyncio.create_task(queue.run([archive("C")], caller=second))
        results = await asyncio.gather(early, late)
    assert sent.documents == [["A", "B", "C"]]
    assert [[r.key for r in rs] for rs in results] == [["A", "B"], ["C"]]
    assert loop.time() - start < HOLD_S  # sent as soon as both were in, not after the hold


async def test_an_expected_caller_that_leaves_without_calls_does_not_hold_the_document() -> None:
    sent = Sent()
    queue = queue_for(sent)
    loop = asyncio.get_running_loop()
    start = loop.time()
    with queue.expecting():
        other = asyncio.create_task(queue.run([archive("A")]))
        await under_way()
        assert sent.documents == []  # held for the expected caller
    await other
    assert sent.documents == [["A"]]
    assert loop.time() - start < HOLD_S


async def test_an_expected_caller_does_not_wait_for_itself() -> None:
    sent = Sent()
    queue = queue_for(sent)
    loop = asyncio.get_running_loop()
    start = loop.time()
    with queue.expecting() as caller:
        await queue.run([archive("A")], caller=caller)
        await queue.run([archive("B")], caller=caller)  # and again: still its own calls
    assert sent.documents == [["A"], ["B"]]
    assert loop.time() - start < HOLD_S


async def test_a_document_waits_at_most_the_hold_for_an_expected_caller() -> None:
    sent = Sent()
    queue = queue_for(sent)
    loop = asyncio.get_running_loop()
    start = loop.time()
    with queue.expecting():
        await queue.run([archive("A")])  # not that caller's calls: they wait for it
        assert sent.documents == [["A"]]
        assert loop.time() - start == pytest.approx(HOLD_S, abs=1.0)


async def test_a_caller_handing_in_while_the_sender_starts_waiting_is_not_missed() -> None:
    """The expected caller hands its calls in right when the sender begins to wait for it (the
    two become ready in the same loop turn): the document goes then, not when the hold ends.
    Before the fix the wake-up fell between the wait being set up and it starting, and the
    document waited the whole ``hold_s`` (an hour here; in the daemon, half a second per move)."""
    sent = Sent()
    queue = queue_for(sent)
    loop = asyncio.get_running_loop()
    start = loop.time()
    go = asyncio.Event()

    async def hand_in(item: str, caller: ExpectedCaller) -> list[str]:
        await go.wait()
        return [r.key for r in await queue.run([archive(item)], caller=caller)]

    with queue.expecting() as first, queue.expecting() as second:
        sender = asyncio.create_task(hand_in("A", first))  # woken first: it sends
        other = asyncio.create_task(hand_in("B", second))  # woken in the same turn
        await under_way()
        go.set()
        results = await asyncio.gather(sender, other)
    assert list(results) == [["A"], ["B"]]
    assert loop.time() - start < 1.0
