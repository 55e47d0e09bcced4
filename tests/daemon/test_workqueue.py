"""Work queue semantics (client-go) and per-board debouncing, on a fake clock."""

from __future__ import annotations

import asyncio
import random

import pytest

from kanbanger_daemon.daemon.workqueue import AsyncWorkQueue, KeyQueue
from kanbanger_daemon.watch.debounce import Debouncer


def test_a_key_is_pending_at_most_once() -> None:
    q = KeyQueue()
    for _ in range(5):
        q.add("a")
    q.add("b")
    assert [q.get(), q.get(), q.get()] == ["a", "b", None]


def test_a_key_changed_while_processing_runs_once_more_afterwards_never_in_parallel() -> None:
    q = KeyQueue()
    q.add("a")
    assert q.get() == "a"
    q.add("a")
    q.add("a")
    assert q.get() is None  # not handed to a second worker while the first runs
    assert q.done("a") is True
    assert q.get() == "a"
    assert q.done("a") is False
    assert q.get() is None
    assert not q.is_busy()


def test_failures_back_off_exponentially_with_jitter_and_success_resets() -> None:
    q = KeyQueue(base_delay_s=1.0, max_delay_s=8.0, rng=random.Random(7))
    now = 100.0
    delays = []
    for _ in range(6):
        delays.append(q.add_rate_limited("a", now))
    for n, delay in enumerate(delays):
        nominal = min(1.0 * 2**n, 8.0)
        assert 0.5 * nominal <= delay <= 1.5 * nominal
    assert len({round(d, 6) for d in delays}) == len(delays)  # jittered, not lockstep
    q.forget("a")
    assert 0.5 <= q.backoff_delay("a") <= 1.5


def test_delayed_keys_become_ready_only_when_due() -> None:
    q = KeyQueue(base_delay_s=2.0, rng=random.Random(1))
    delay = q.add_rate_limited("a", now=10.0)
    assert q.get() is None
    assert q.promote_due(10.0 + delay - 0.01) == 0
    assert q.next_due() == pytest.approx(10.0 + delay)
    assert q.promote_due(10.0 + delay) == 1
    assert q.get() == "a"


def test_a_change_during_backoff_runs_immediately() -> None:
    q = KeyQueue(base_delay_s=60.0)
    q.add_rate_limited("a", now=0.0)
    q.add("a")
    assert q.get() == "a"


async def test_async_queue_hands_out_delayed_keys_on_a_fake_clock() -> None:
    now = [0.0]
    q = AsyncWorkQueue(KeyQueue(base_delay_s=0.0), clock=lambda: now[0])
    q.keys.add_after("late", 5.0, now=0.0)
    q.add("early")
    assert await q.get() == "early"
    now[0] = 5.0
    assert await asyncio.wait_for(q.get(), 1) == "late"
    q.close()
    assert await q.get() is None


def test_debouncer_fires_after_quiet_period() -> None:
    d = Debouncer(quiet_s=0.3, max_wait_s=3.0)
    d.note("a", 0.0)
    d.note("a", 0.2)
    assert d.pop_due(0.4) == []
    assert d.next_deadline() == pytest.approx(0.5)
    assert d.pop_due(0.5) == ["a"]
    assert len(d) == 0


def test_debouncer_fires_at_max_wait_under_continuous_events() -> None:
    d = Debouncer(quiet_s=0.3, max_wait_s=1.0)
    fired: list[float] = []
    for tick in range(31):  # an event every 100 ms for 3 s
        t = tick / 10
        d.note("a", t)
        if d.pop_due(t):
            fired.append(t)
    assert fired == [1.0, 2.1]  # each burst is cut at max_wait after its first event


def test_debouncer_keeps_boards_independent() -> None:
    d = Debouncer(quiet_s=0.3, max_wait_s=3.0)
    d.note("a", 0.0)
    d.note("b", 0.25)
    assert d.pop_due(0.3) == ["a"]
    assert d.pending_events("b") == 1
    assert d.pop_due(0.55) == ["b"]
