"""Text a person writes in a draft's body on github.com survives the daemon's next change to
that card, even when the push that makes the change does not list the project first.

Every change the daemon makes to a card (a Status move, a retitle, a review note) also writes
the draft's body (its marker and sync tag live there), built from the body it last saw. These
tests make the person's edit land after the last listing and before such a push.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from kanbanger_daemon.core.sync.markers import parse_marker_key, parse_tag, title_digest
from kanbanger_daemon.github.client import GitHubClient
from kanbanger_daemon.models.github import ProjectInfo, RemoteItem
from kanbanger_daemon.models.sync import DesiredCard, PushResult
from kanbanger_daemon.sync.push import push_board
from kanbanger_daemon.sync.state_file import load_state
from kanbanger_daemon.testing import FakeGitHub, FakeItem
from tests.helpers.pushing import BOARD, FIRST, ON_THE_CLOCK, WORKSPACE_ID, cards, live

pytestmark = ON_THE_CLOCK

PERSONS_TEXT = "Ask Anna for the data dump.\r\n\r\n- the old one is on the share  "


def item_titled(fake: FakeGitHub, prefix: str) -> FakeItem:
    (item,) = [i for i in live(fake) if i.title.startswith(prefix)]
    return item


async def push(client: GitHubClient, project: ProjectInfo,
               board: Sequence[tuple[str, str] | DesiredCard], state: Path, *,
               workspace_id: str = WORKSPACE_ID, force: bool = False) -> PushResult:
    desired = [c if isinstance(c, DesiredCard) else cards([c])[0] for c in board]
    desired = [c.model_copy(update={"position": n}) for n, c in enumerate(desired)]
    return await push_board(client, project, BOARD, desired, state, workspace_id=workspace_id,
                            force=force)


async def synced_then_noted(client: GitHubClient, project: ProjectInfo, fake: FakeGitHub,
                            state: Path, task: str) -> None:
    """The first board is pushed; then a person writes a note at the top of ``task``'s body on
    github.com (the daemon has not listed the project since)."""
    await push(client, project, FIRST, state)
    item = item_titled(fake, task)
    fake.person_edit_body(item.id, f"{PERSONS_TEXT}\n\n{item.body}")


def assert_ours_and_theirs(item: FakeItem, status: str, title: str,
                           by: str = WORKSPACE_ID) -> None:
    """The person's text, exactly, then our marker and a tag naming what the item shows."""
    assert item.body.startswith(PERSONS_TEXT), item.body
    assert item.body.count(PERSONS_TEXT) == 1
    assert parse_marker_key(item.body) is not None
    tag = parse_tag(item.body)
    assert tag is not None and (tag.status, tag.title_digest, tag.by) == (
        status, title_digest(title), by)
    assert (item.status, item.title) == (status, title)


async def test_a_move_keeps_the_text_a_person_wrote_in_the_body_since_the_last_listing(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    state = tmp_path / ".kanban.json"
    await synced_then_noted(client, project, fake, state, "Task 1")

    moved = [("Task 1: Collect", "DOING"), *FIRST[1:]]
    result = await push(client, project, moved, state)
    assert result.in_sync, result.errors
    # The move's one document showed the text it replaced; a listing and a second document
    # put it back.
    assert result.requests == 3
    assert_ours_and_theirs(item_titled(fake, "Task 1"), "In Progress", "Task 1: Collect")
    assert len(live(fake)) == 3

    # Once restored, nothing is left to do, and the next move is one request again.
    fake.reset_counters()
    again = [("Task 1: Collect", "DONE"), *FIRST[1:]]
    result = await push(client, project, again, state)
    assert result.in_sync and result.requests == 1
    assert_ours_and_theirs(item_titled(fake, "Task 1"), "Done", "Task 1: Collect")


async def test_a_retitle_keeps_the_text_a_person_wrote_in_the_body_since_the_last_listing(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    state = tmp_path / ".kanban.json"
    await synced_then_noted(client, project, fake, state, "Task 2")

    renamed = [FIRST[0], ("Task 2: Clean the data", "DOING"), FIRST[2]]
    result = await push(client, project, renamed, state)
    assert result.in_sync, result.errors
    assert_ours_and_theirs(item_titled(fake, "Task 2"), "In Progress", "Task 2: Clean the data")


async def test_without_a_persons_edit_a_retitle_is_one_document_reading_the_body_first(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    state = tmp_path / ".kanban.json"
    await push(client, project, FIRST, state)
    fake.reset_counters()
    renamed = [FIRST[0], ("Task 2: Clean the data", "DOING"), FIRST[2]]
    result = await push(client, project, renamed, state)
    assert result.in_sync and result.requests == 1
    # The title goes first, on its own: its reply shows the body the body write replaces.
    assert fake.counters.mutations == {"updateProjectV2DraftIssue": 2}


class _DiesAfterTheFirstDocument:
    """The client of a daemon killed (kill -9, or stopped) right after its first document."""

    def __init__(self, client: GitHubClient) -> None:
        self._client = client
        self.stats = client.stats
        self.create_chunk = client.create_chunk
        self.mutate = client.mutate
        self.ensure_status_options = client.ensure_status_options

    async def list_items(self, project_id: str, *, status_field: str = "Status",
                         value_fields: Sequence[str] = ()) -> list[RemoteItem]:
        raise KeyboardInterrupt


async def test_text_overwritten_just_before_a_crash_is_written_back_by_the_next_push(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    state = tmp_path / ".kanban.json"
    await synced_then_noted(client, project, fake, state, "Task 1")
    moved = [("Task 1: Collect", "DOING"), *FIRST[1:]]
    with pytest.raises(KeyboardInterrupt):
        await push_board(_DiesAfterTheFirstDocument(client), project, BOARD, cards(moved),
                         state, workspace_id=WORKSPACE_ID)
    assert PERSONS_TEXT not in item_titled(fake, "Task 1").body  # overwritten, for now
    saved, _ = load_state(state)
    assert any(PERSONS_TEXT in (c.lost_body or "") for c in saved.cards.values())

    result = await push(client, project, moved, state)  # the daemon, started again
    assert result.in_sync, result.errors
    assert_ours_and_theirs(item_titled(fake, "Task 1"), "In Progress", "Task 1: Collect")
    saved, _ = load_state(state)
    assert all(c.lost_body is None for c in saved.cards.values())


async def test_a_review_note_alone_keeps_a_persons_text(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    state = tmp_path / ".kanban.json"
    await synced_then_noted(client, project, fake, state, "Task 3")
    (done,) = cards([FIRST[2]])
    rejected = done.model_copy(update={"rejection": "the plots have no axes"})
    result = await push(client, project, [*FIRST[:2], rejected], state)
    assert result.in_sync, result.errors
    body = item_titled(fake, "Task 3").body
    assert_ours_and_theirs(item_titled(fake, "Task 3"), "Done", "Task 3: Model")
    assert "**Rejected in review:** the plots have no axes" in body


async def test_another_workspaces_tag_in_the_body_is_not_a_persons_text(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    """Another clone moved the card since this one last listed: its tag in the body is not
    text to keep, and this clone's next move is one request."""
    mine, theirs = tmp_path / "mine.json", tmp_path / "theirs.json"
    await push(client, project, FIRST, mine)
    await push(client, project, FIRST, theirs, workspace_id="0the2", force=True)
    moved = [("Task 1: Collect", "DOING"), *FIRST[1:]]
    await push(client, project, moved, theirs, workspace_id="0the2")
    assert parse_tag(item_titled(fake, "Task 1").body).by == "0the2"  # type: ignore[union-attr]

    fake.reset_counters()
    again = [("Task 1: Collect", "DONE"), *FIRST[1:]]
    result = await push(client, project, again, mine)
    assert result.in_sync and result.requests == 1
    tag = parse_tag(item_titled(fake, "Task 1").body)
    assert tag is not None and (tag.status, tag.by) == ("Done", WORKSPACE_ID)


async def test_a_move_leaves_a_title_a_person_changed_since_the_last_listing(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    """The move writes the Status and our body lines, not the title it did not change: the
    person's new title stays on GitHub, for the next listing to treat as a person's edit."""
    state = tmp_path / ".kanban.json"
    await push(client, project, FIRST, state)
    fake.person_rename(item_titled(fake, "Task 1").id, "Collect the 2025 data")

    fake.reset_counters()
    moved = [("Task 1: Collect", "DOING"), *FIRST[1:]]
    result = await push(client, project, moved, state)
    assert result.in_sync, result.errors
    assert result.requests == 1
    (renamed,) = [i for i in live(fake) if i.title == "Collect the 2025 data"]
    assert renamed.status == "In Progress"
    assert len(live(fake)) == 3
