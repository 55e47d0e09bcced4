"""HealthPoster against the fake GitHub: status updates are posted only when they change."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kanbanger_daemon.github import GitHubClient, PacingConfig, ProjectInfo
from kanbanger_daemon.models.board import SpecInput
from kanbanger_daemon.sync.health_poster import HEALTH_FILE, HealthPoster
from tests.helpers.health_spec import done, item

testing = pytest.importorskip(
    "kanbanger_daemon.testing", reason="the fake GitHub needs graphql-core"
)

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
async def client(fake: Any) -> AsyncIterator[GitHubClient]:
    pacing = PacingConfig(min_mutation_interval=0.0, retry_base=0.01, retry_max=0.05)
    async with GitHubClient(token=fake.token, url=fake.url, pacing=pacing) as c:
        yield c


def running() -> list[SpecInput]:
    return [item([done(1), {"id": 2, "status": "in_progress"}])]


def blocked() -> list[SpecInput]:
    return [item([done(1), {"id": 2, "status": "blocked"}])]


async def test_posts_once_then_only_on_change(
    tmp_path: Path, client: GitHubClient, project: ProjectInfo, fake: Any
) -> None:
    poster = HealthPoster(tmp_path, client)
    first = await poster.post_if_changed(project, running())
    again = await poster.post_if_changed(project, running())
    assert (first.posted, again.posted, again.reason) == (True, False, "unchanged")
    assert [status for status, _ in fake.status_updates()] == ["ON_TRACK"]

    changed = await poster.post_if_changed(project, blocked())
    assert changed.posted
    statuses = fake.status_updates()
    assert [status for status, _ in statuses] == ["ON_TRACK", "AT_RISK"]
    assert "Task 2: Test (blocked)" in (statuses[-1][1] or "")


async def test_a_restart_does_not_post_the_same_update_again(
    tmp_path: Path, client: GitHubClient, project: ProjectInfo, fake: Any
) -> None:
    await HealthPoster(tmp_path, client).post_if_changed(project, running())
    state = json.loads((tmp_path / ".kanbanger" / HEALTH_FILE).read_text("utf-8"))
    assert state["projects"][project.project_id]["status"] == "ON_TRACK"
    assert fake.token not in json.dumps(state)

    restarted = HealthPoster(tmp_path, client)
    result = await restarted.post_if_changed(project, running())
    assert not result.posted
    assert len(fake.status_updates()) == 1


async def test_a_refused_update_is_tried_again_next_time(
    tmp_path: Path, client: GitHubClient, project: ProjectInfo, fake: Any
) -> None:
    poster = HealthPoster(tmp_path, client)
    fake.scopes = ("repo", "read:project")  # the token may read the project, not write it
    failed = await poster.post_if_changed(project, running())
    assert not failed.posted and failed.error
    assert fake.status_updates() == []
    fake.scopes = ("repo", "project")
    retried = await poster.post_if_changed(project, running())
    assert retried.posted
    assert [status for status, _ in fake.status_updates()] == ["ON_TRACK"]


async def test_a_lost_reply_is_not_replayed(
    tmp_path: Path, client: GitHubClient, project: ProjectInfo, fake: Any
) -> None:
    poster = HealthPoster(tmp_path, client)
    fake.faults = testing.Faults(seed=1, lost_reply=1.0)
    await poster.post_if_changed(project, running())
    fake.faults = testing.Faults()
    await poster.post_if_changed(project, running())
    assert [status for status, _ in fake.status_updates()] == ["ON_TRACK"]


async def test_a_corrupt_state_file_means_one_more_post_not_a_crash(
    tmp_path: Path, client: GitHubClient, project: ProjectInfo, fake: Any
) -> None:
    (tmp_path / ".kanbanger").mkdir()
    (tmp_path / ".kanbanger" / HEALTH_FILE).write_text("{not json", "utf-8")
    poster = HealthPoster(tmp_path, client)
    assert (await poster.post_if_changed(project, running())).posted
    assert not (await poster.post_if_changed(project, running())).posted
    assert len(fake.status_updates()) == 1


async def test_no_tasks_posts_nothing(
    tmp_path: Path, client: GitHubClient, project: ProjectInfo, fake: Any
) -> None:
    result = await HealthPoster(tmp_path, client).post_if_changed(project, [])
    assert (result.posted, result.reason) == (False, "no tasks")
    assert fake.status_updates() == []
