"""Pacing with a fake clock: spacing, creation windows, pauses, one request at a time."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import httpx
import pytest

from kanbanger_daemon.github import DraftSpec, GitHubClient, PacingConfig
from kanbanger_daemon.github.pacing import Pacer
from tests.helpers.clock import FakeClock
from tests.helpers.mini_github import RESET_AT, TOKEN, MiniGitHub, make_client


def make_pacer(clock: FakeClock, **config: Any) -> Pacer:
    return Pacer(
        PacingConfig(**config), clock=clock.monotonic, wall_clock=clock.wall, sleep=clock.sleep
    )


async def send(
    pacer: Pacer, clock: FakeClock, *, mutation: bool = False, creates: int = 0, took: float = 0.0
) -> float:
    """Take a slot, 'send' for ``took`` seconds; return when it started."""
    async with pacer.slot(mutation=mutation, creates=creates):
        started = clock.now
        clock.now += took
    return started


async def test_mutation_documents_are_at_least_a_second_apart() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock)
    starts = [await send(pacer, clock, mutation=True, took=0.25) for _ in range(4)]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(gap >= 1.25 for gap in gaps)  # 1 s after the previous one *ended*
    query_start = await send(pacer, clock)
    assert query_start == clock.now  # queries are not spaced


async def test_creation_window_caps_creates_per_minute() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock, creates_per_minute=60, creates_per_hour=400)
    starts = [await send(pacer, clock, mutation=True, creates=25) for _ in range(5)]
    assert starts[:2] == [0.0, 1.0]
    assert starts[2] == pytest.approx(60.0)  # 50 + 25 > 60: wait for the first 25 to age out
    assert starts[3] == pytest.approx(61.0)
    assert starts[4] == pytest.approx(120.0)
    # In any 60 s window, at most 60 creations.
    for t in starts:
        inside = sum(25 for s in starts if t - 60 < s <= t)
        assert inside <= 60


async def test_creation_window_caps_creates_per_hour() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock, creates_per_minute=60, creates_per_hour=100, create_batch_size=50)
    starts = [await send(pacer, clock, mutation=True, creates=50) for _ in range(3)]
    assert starts[1] == pytest.approx(60.0)
    assert starts[2] == pytest.approx(3600.0)


async def test_secondary_pause_doubles_without_retry_after_and_resets_after_success() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock)
    assert pacer.pause_for_secondary(None) == 60
    assert pacer.pause_for_secondary(None) == 120
    assert pacer.pause_for_secondary(7) == 7  # GitHub's retry-after wins
    pacer.note_success()
    assert pacer.pause_for_secondary(None) == 60


async def test_primary_pause_lasts_until_github_reset() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock)
    pacer.pause_for_primary(clock.wall() + 300)
    assert pacer.paused_until_wall == pytest.approx(clock.wall() + 301)
    started = await send(pacer, clock)
    assert started == pytest.approx(301)
    assert pacer.paused_until_wall is None


# --- through the client ----------------------------------------------------------------------


def client_for(github: MiniGitHub, clock: FakeClock, **config: Any) -> GitHubClient:
    return make_client(github, clock, seed=3, pacing=PacingConfig(**config))


async def test_a_spent_primary_budget_pauses_everything_until_reset() -> None:
    clock = FakeClock(wall_start=RESET_AT - 500)
    github = MiniGitHub(clock, remaining=0)
    async with client_for(github, clock) as client:
        await client.discover("octo/repo", 1)
        assert client.stats.paused_until == pytest.approx(RESET_AT + 1)
        github.remaining = 4999
        await client.list_items("PVT_kwProject1")
    assert github.sent[1].at >= 500  # not a byte before the reset


async def test_rate_limited_error_is_retried_after_reset() -> None:
    clock = FakeClock(wall_start=RESET_AT - 120)
    github = MiniGitHub(clock)
    limited = httpx.Response(
        200,
        json={"data": None, "errors": [{"type": "RATE_LIMITED", "message": "API rate limit"}]},
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(RESET_AT)},
    )
    github.script.append(limited)
    async with client_for(github, clock) as client:
        results = await client.create_drafts("PVT_x", [DraftSpec(key="a", title="A")])
    assert results[0].ok and len(github.items) == 1
    assert [round(s.at) for s in github.sent] == [0, 121]


async def test_secondary_limit_honours_retry_after_then_doubles_without_it() -> None:
    clock = FakeClock()
    github = MiniGitHub(clock)
    github.script.extend(
        [
            httpx.Response(
                403, json={"message": "secondary rate limit"}, headers={"retry-after": "9"}
            ),
            httpx.Response(403, json={"message": "You have exceeded a secondary rate limit"}),
            httpx.Response(403, json={"message": "You have exceeded a secondary rate limit"}),
        ]
    )
    async with client_for(github, clock) as client:
        await client.discover("octo/repo", 1)
    times = [s.at for s in github.sent]
    assert [b - a for a, b in itertools.pairwise(times)] == [9, 60, 120]


async def test_first_sync_of_100_cards_is_paced_by_the_creation_budget() -> None:
    clock = FakeClock()
    github = MiniGitHub(clock)
    async with client_for(github, clock) as client:
        specs = [DraftSpec(key=str(i), title=f"t{i}") for i in range(100)]
        created = await client.create_drafts("PVT_x", specs)
        await client.set_statuses("PVT_x", "F", [(r.item_id or "", "aaaa0001") for r in created])
        assert client.stats.http_requests == 6  # 4 create documents + 2 status documents
    creates = [s.at for s in github.mutation_documents("addProjectV2DraftIssue")]
    assert creates == pytest.approx([0, 1, 60, 61])
    statuses = [s.at for s in github.mutation_documents("updateProjectV2ItemFieldValue")]
    assert statuses == pytest.approx([62, 63])


async def test_only_one_request_is_in_flight_at_a_time() -> None:
    in_flight = 0
    peak = 0
    github = MiniGitHub(FakeClock())

    class SlowTransport(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.001)
            await request.aread()
            response = github.handle(request)
            in_flight -= 1
            return response

    async with GitHubClient(token=TOKEN, transport=SlowTransport()) as client:
        await asyncio.gather(
            client.discover("octo/repo", 1),
            client.list_items("PVT_kwProject1"),
            client.preflight(),
            client.list_items("PVT_kwProject1"),
        )
    assert peak == 1 and len(github.sent) == 4


async def test_a_pause_holds_every_request_of_the_client() -> None:
    """A secondary limit seen by one task also holds the requests other tasks queue meanwhile."""
    clock = FakeClock()
    github = MiniGitHub(clock)
    refusal = httpx.Response(
        403, json={"message": "secondary rate limit"}, headers={"retry-after": "30"}
    )
    github.script.append(refusal)
    async with client_for(github, clock) as client:
        await asyncio.gather(
            client.discover("octo/repo", 1),
            client.list_items("PVT_kwProject1"),
            client.preflight(),
        )
    assert [s.at for s in github.sent] == [0, 30, 30, 30]


async def test_the_first_document_after_a_quiet_second_goes_at_once() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock)
    await send(pacer, clock, mutation=True, took=0.1)
    await pacer.wait_turn()  # a second document right away waits out the spacing…
    assert clock.now == pytest.approx(1.1)
    await send(pacer, clock, mutation=True, took=0.1)
    clock.now += 1.5  # …but after a quiet second nothing waits
    before = pacer.total_waited
    await pacer.wait_turn()
    assert await send(pacer, clock, mutation=True) == clock.now
    assert pacer.total_waited == before


async def test_a_long_wait_is_told_with_its_reason_and_the_ordinary_rhythm_is_not() -> None:
    clock = FakeClock()
    pacer = make_pacer(clock, creates_per_minute=60, creates_per_hour=400)
    told: list[tuple[float, str]] = []
    pacer.on_wait = lambda seconds, why: told.append((seconds, why))
    for _ in range(3):
        await send(pacer, clock, mutation=True, creates=25)
    assert told and all(w >= 2.0 for w, _ in told)  # the 1 s pacing itself is not news
    assert "creation limit (60/min, 400/h)" in told[0][1]
    assert told[0][0] == pytest.approx(59.0)
