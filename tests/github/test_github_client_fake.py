"""GitHubClient against the fake GitHub server (real HTTP on 127.0.0.1, real GraphQL execution)."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest

from kanbanger_daemon.core.sync.status_options import match_status_option
from kanbanger_daemon.errors import AuthError, NotFoundError, RetryableError, ScopeError
from kanbanger_daemon.github import DraftSpec, GitHubClient, PacingConfig
from kanbanger_daemon.testing import FakeGitHub, Faults
from tests.helpers.clock import FakeClock

pytestmark = pytest.mark.fake_github(on_clock=True)  # the server reads the test's clock


def client_for(fake: FakeGitHub, clock: FakeClock, **kwargs: object) -> GitHubClient:
    return GitHubClient(
        token=str(kwargs.pop("token", fake.token)),
        url=fake.url,
        clock=clock.monotonic,
        wall_clock=clock.wall,
        sleep=clock.sleep,
        rng=random.Random(5),
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
async def client(fake: FakeGitHub, clock: FakeClock) -> AsyncIterator[GitHubClient]:
    async with client_for(fake, clock) as c:
        yield c


def specs(n: int) -> list[DraftSpec]:
    return [
        DraftSpec(key=f"k{i}", title=f"Task {i}", body=f"<!-- kanbanger-daemon:card=b/k{i} -->")
        for i in range(n)
    ]


async def test_preflight_discovery_and_a_first_push(
    client: GitHubClient, fake: FakeGitHub
) -> None:
    who = await client.preflight()
    assert who.scopes == ("repo", "project")
    project = await client.discover(f"{fake.owner}/{fake.repo}", 1)
    assert project.project_id == fake.project_id()
    assert project.status_field.id == fake.status_field_id()
    todo = match_status_option("TODO", project.status_field.options)
    assert todo is not None
    created = await client.create_drafts(project.project_id, specs(60))
    assert all(r.ok for r in created)
    statuses = await client.set_statuses(
        project.project_id, project.status_field.id, [(r.item_id or "", todo.id) for r in created]
    )
    assert all(r.ok for r in statuses)
    assert [(i.title, i.status) for i in fake.items()] == [(f"Task {i}", "Todo") for i in range(60)]
    counters = fake.counters
    assert counters.creates == 60
    assert counters.mutation_documents == 3 + 2  # 25+25+10 creates, 50+10 statuses
    assert client.stats.http_requests == counters.requests == 7
    listed = await client.list_items(project.project_id)
    assert [i.item_id for i in listed] == [r.item_id for r in created]


async def test_discovery_and_listings_say_where_items_open_on_github_com(
    client: GitHubClient, fake: FakeGitHub
) -> None:
    project = await client.discover(f"{fake.owner}/{fake.repo}", 1)
    assert project.url == fake.project_url()
    created = await client.create_drafts(project.project_id, specs(2))
    listed = await client.list_items(project.project_id)
    on_github = [i.database_id for i in fake.items()]
    # The create's reply and the listing carry the id; neither costs a request more.
    assert [r.database_id for r in created] == [i.database_id for i in listed] == on_github
    assert client.stats.http_requests == 3  # discovery, one create document, one listing


async def test_missing_scope_and_bad_token(
    fake: FakeGitHub, client: GitHubClient, clock: FakeClock
) -> None:
    fake.scopes = ("repo",)
    with pytest.raises(ScopeError, match="`project` scope"):
        await client.preflight()
    async with client_for(fake, clock, token="ghp_not_the_right_one") as wrong:
        with pytest.raises(AuthError):
            await wrong.preflight()


async def test_unknown_project_names_the_linked_ones(
    client: GitHubClient, fake: FakeGitHub
) -> None:
    with pytest.raises(NotFoundError, match="#1"):
        await client.discover(f"{fake.owner}/{fake.repo}", 9)


async def test_adding_options_on_the_fake_keeps_every_card_status(
    client: GitHubClient, fake: FakeGitHub
) -> None:
    project = await client.discover(f"{fake.owner}/{fake.repo}", 1)
    a = fake.person_add_draft("by hand", status_name="In Progress")
    b = fake.person_add_draft("done by hand", status_name="Done")
    before = {o.name: o.id for o in fake.status_options()}
    updated = await client.ensure_status_options(project, ["BACKLOG", "DOING", "REVIEW", "DONE"])
    after = {o.name: o.id for o in fake.status_options()}
    assert {k: after[k] for k in before} == before
    assert set(after) == {"Todo", "In Progress", "Done", "Backlog", "In Review"}
    assert {o.name for o in updated.status_field.options} == set(after)
    assert (fake.item(a).status, fake.item(b).status) == ("In Progress", "Done")


async def test_creation_budget_means_zero_refusals_from_githubs_limit(
    fake: FakeGitHub, clock: FakeClock
) -> None:
    fake.enforce_creation_limits = True  # 80/min, 500/h in the fake's (our fake) clock
    async with client_for(fake, clock) as client:
        project = await client.discover(f"{fake.owner}/{fake.repo}", 1)
        created = await client.create_drafts(project.project_id, specs(250))
    assert all(r.ok for r in created)
    assert fake.counters.rate_limit_refusals == 0
    assert len(fake.items()) == 250
    assert clock.now >= 240  # 250 creates at <= 60/min


# Faults whose effect is settled when the client gets its answer. (A slow reply runs the
# document *after* the client gave up, so only the sync engine's pending creates can tell it
# from a lost one; see test_slow_create_is_ambiguous_and_never_replayed.)
CLIENT_FAULTS = (
    "connection_reset",
    "http_502",
    "http_504",
    "something_went_wrong",
    "secondary_rate_limit",
    "primary_rate_limit",
    "lost_reply",
    "partial_failure",
)


async def test_slow_create_is_ambiguous_and_never_replayed(
    fake: FakeGitHub, clock: FakeClock
) -> None:
    fake.faults = Faults(seed=1, slow_reply=1.0, slow_seconds=0.3)
    async with client_for(fake, clock, timeout=0.1) as c:
        results = await c.create_drafts(fake.project_id(), specs(3))
    assert all(r.ambiguous and not r.ok for r in results)
    # The document still runs on the server after the client gave up: stopping the fake ends
    # the slow wait at once and joins the thread that runs it.
    await asyncio.to_thread(fake.stop)
    assert [i.title for i in fake.items()] == ["Task 0", "Task 1", "Task 2"]
    assert fake.counters.mutation_documents == 1  # sent once, never replayed


CHAOS_CASES = [(k, seed) for k in CLIENT_FAULTS for seed in range(2)] + [
    ("all", seed) for seed in range(6)
]


@pytest.mark.parametrize(("kind", "seed"), CHAOS_CASES)
async def test_faults_never_duplicate_and_converge_with_adoption(
    fake: FakeGitHub, clock: FakeClock, kind: str, seed: int
) -> None:
    """A minimal push loop on the client: create what is missing (adopting by marker after an
    ambiguous reply), then set statuses. Every fault at 20%: exactly one item per card."""
    rates: dict[str, Any] = {k: 0.2 for k in (CLIENT_FAULTS if kind == "all" else (kind,))}
    fake.faults = Faults(seed=seed, slow_seconds=0.2, **rates)
    wanted = specs(30)
    async with client_for(
        fake, clock, timeout=0.1, pacing=PacingConfig(create_batch_size=10, other_batch_size=10)
    ) as c:
        project = await c.discover(f"{fake.owner}/{fake.repo}", 1)
        done = match_status_option("DONE", project.status_field.options)
        assert done is not None
        for _round in range(40):
            try:
                items = await c.list_items(project.project_id)
            except RetryableError:
                continue  # retries exhausted (likely with every fault at 20%): a new round
            by_body = {i.body: i for i in items}
            missing = [d for d in wanted if d.body not in by_body]
            stale = [(i.item_id, done.id) for i in items if i.status_option_id != done.id]
            if not missing and not stale:
                break
            try:
                if missing:
                    await c.create_drafts(project.project_id, missing)  # ambiguous: re-read
                else:
                    await c.set_statuses(project.project_id, project.status_field.id, stale)
            except RetryableError:
                continue
        else:
            pytest.fail("did not converge in 40 rounds")
    bodies = Counter(i.body for i in fake.items())
    assert sorted(bodies) == sorted(d.body for d in wanted)
    assert set(bodies.values()) == {1}
    assert all(i.status == "Done" for i in fake.items())


async def test_status_update_is_posted(client: GitHubClient, fake: FakeGitHub) -> None:
    result = await client.post_status_update(
        fake.project_id(), "3 of 5 tasks done", status="ON_TRACK"
    )
    assert result.ok and result.content_id
    assert fake.status_updates() == [("ON_TRACK", "3 of 5 tasks done")]


async def test_boards_asking_for_one_project_at_once_share_one_discovery(
    client: GitHubClient, fake: FakeGitHub
) -> None:
    repo = f"{fake.owner}/{fake.repo}"
    found = await asyncio.gather(*(client.discover(repo, 1) for _ in range(5)))
    assert len({p.project_id for p in found}) == 1
    assert fake.counters.queries == 1
    await client.discover(repo, 1)  # known: no request
    await client.discover(repo, 1, refresh=True)  # the periodic rescan asks again
    assert fake.counters.queries == 2


async def test_linked_projects_are_what_the_set_up_offers_and_a_missing_repo_is_named(
    client: GitHubClient, fake: FakeGitHub
) -> None:
    fake.add_project(4, "Roadmap")
    fake.add_project(2, "Ops")
    fake.link_project(4)
    fake.link_project(2)
    repo = f"{fake.owner}/{fake.repo}"
    numbers = [number for number, _title in await client.linked_projects(repo)]
    assert numbers == sorted(numbers) and {2, 4} <= set(numbers)
    assert (4, "Roadmap") in await client.linked_projects(repo)
    with pytest.raises(NotFoundError, match=f"Repository {fake.owner}/nope was not found"):
        await client.linked_projects(f"{fake.owner}/nope")
