"""push_board against the fake GitHub: what a user sees on the project after a push."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from kanbanger_daemon.core.sync.plan_text import format_plan
from kanbanger_daemon.errors import KanbangerError
from kanbanger_daemon.github import ExpectedCaller
from kanbanger_daemon.github.batching import Mutation
from kanbanger_daemon.github.client import GitHubClient
from kanbanger_daemon.models.board import ColumnKind
from kanbanger_daemon.models.github import MutationResult, ProjectInfo
from kanbanger_daemon.models.sync import DesiredCard, PushResult
from kanbanger_daemon.sync.push import push_board
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.pushing import (
    BOARD,
    FIRST,
    ON_THE_CLOCK,
    WORKSPACE_ID,
    board_of,
    cards,
    expected,
    live,
    marker_counts,
)

pytestmark = ON_THE_CLOCK


async def test_first_push_creates_the_board_and_an_unchanged_board_costs_nothing(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    state = tmp_path / ".kanban.json"
    desired = cards(FIRST)
    result = await push_board(client, project, BOARD, desired, state, workspace_id=WORKSPACE_ID)
    assert result.in_sync and result.errors == []
    assert board_of(fake) == expected(desired)
    assert result.requests == 3  # one listing, one create document, one status document
    again = await push_board(client, project, BOARD, desired, state, workspace_id=WORKSPACE_ID)
    assert again.in_sync and again.skipped and again.requests == 0
    assert fake.counters.requests == 1 + 3  # discovery + first push; nothing since


async def test_changes_rename_move_remove_readd_reorder(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    state = tmp_path / ".kanban.json"
    await push_board(client, project, BOARD, cards(FIRST), state, workspace_id=WORKSPACE_ID)
    ids = {i.title: i.id for i in live(fake)}

    renamed = cards(
        [("Task 1: Collect data", "TODO"), ("Task 2: Clean", "DONE"), ("Task 3: Model", "DONE")]
    )
    result = await push_board(client, project, BOARD, renamed, state, workspace_id=WORKSPACE_ID)
    assert result.in_sync and board_of(fake) == expected(renamed)
    assert {i.title: i.id for i in live(fake)}["Task 1: Collect data"] == ids["Task 1: Collect"]
    assert fake.counters.mutations.get("archiveProjectV2Item", 0) == 0
    assert result.requests <= 2  # planned from the trusted state: no listing

    removed = cards([("Task 1: Collect data", "TODO"), ("Task 3: Model", "DONE")])
    result = await push_board(client, project, BOARD, removed, state, workspace_id=WORKSPACE_ID)
    assert board_of(fake) == expected(removed)
    assert fake.item(ids["Task 2: Clean"]).archived  # archived, not deleted

    readded = cards(
        [("Task 2: Clean", "DOING"), ("Task 1: Collect data", "TODO"), ("Task 3: Model", "DONE")]
    )
    result = await push_board(client, project, BOARD, readded, state, workspace_id=WORKSPACE_ID)
    assert result.in_sync and board_of(fake) == expected(readded)
    assert not fake.item(ids["Task 2: Clean"]).archived
    assert sum(marker_counts(fake).values()) == 3  # no item was ever created twice


async def test_a_persons_items_are_never_touched(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    mine = fake.person_add_draft("Buy milk", "Todo", body="remember")
    await push_board(client, project, BOARD, cards(FIRST), tmp_path / ".kanban.json", force=True,
                     workspace_id=WORKSPACE_ID)
    await push_board(client, project, BOARD, [], tmp_path / ".kanban.json", force=True,
                     workspace_id=WORKSPACE_ID)
    item = fake.item(mine)
    assert (item.title, item.body, item.status, item.archived) == (
        "Buy milk",
        "remember",
        "Todo",
        False,
    )
    assert live(fake) == []


async def test_forced_push_repairs_what_a_person_changed_on_github(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    state = tmp_path / ".kanban.json"
    desired = cards(FIRST)
    await push_board(client, project, BOARD, desired, state, workspace_id=WORKSPACE_ID)
    first, second, _third = live(fake)
    fake.person_move(first.id, "Done")
    fake.person_rename(second.id, "scribbled")
    fake.person_delete(_third.id)
    result = await push_board(client, project, BOARD, desired, state, force=True,
                              workspace_id=WORKSPACE_ID)
    assert result.in_sync, result.errors
    assert board_of(fake) == expected(desired)


async def test_dry_run_lists_but_sends_no_mutation(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    state = tmp_path / ".kanban.json"
    result = await push_board(client, project, BOARD, cards(FIRST), state, dry_run=True,
                              workspace_id=WORKSPACE_ID)
    assert fake.counters.mutation_documents == 0 and live(fake) == []
    assert not state.exists()
    text = format_plan(result.plan)
    assert '+ create    "Task 2: Clean" in In Progress' in text
    assert "3 to create" in text


# --- zero duplicates after lost replies, crashes and lost or foreign state files -------------


async def test_lost_reply_after_a_create_ends_in_adoption(
    client: GitHubClient,
    project: ProjectInfo,
    fake: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_mutate = client.mutate

    async def create_then_lose_reply(mutations: Sequence[Mutation], *,
                                     caller: ExpectedCaller | None = None
                                     ) -> list[MutationResult]:
        results = await real_mutate(mutations, caller=caller)
        if not any(m.kind.creates_content for m in mutations):
            return results
        monkeypatch.setattr(client, "mutate", real_mutate)
        return [MutationResult(key=r.key, ok=False, ambiguous=True) for r in results]

    monkeypatch.setattr(client, "mutate", create_then_lose_reply)
    desired = cards(FIRST)
    result = await push_board(client, project, BOARD, desired, tmp_path / ".kanban.json",
                              workspace_id=WORKSPACE_ID)
    assert result.in_sync, result.errors
    assert board_of(fake) == expected(desired)
    assert set(marker_counts(fake).values()) == {1}


async def test_crash_between_create_and_state_save_ends_in_adoption(
    client: GitHubClient,
    project: ProjectInfo,
    fake: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_mutate = client.mutate

    async def create_then_crash(mutations: Sequence[Mutation], *,
                                caller: ExpectedCaller | None = None) -> list[MutationResult]:
        await real_mutate(mutations, caller=caller)
        raise KeyboardInterrupt  # the process dies before the state is saved

    monkeypatch.setattr(client, "mutate", create_then_crash)
    state = tmp_path / ".kanban.json"
    desired = cards(FIRST)
    with pytest.raises(KeyboardInterrupt):
        await push_board(client, project, BOARD, desired, state, workspace_id=WORKSPACE_ID)
    monkeypatch.setattr(client, "mutate", real_mutate)
    result = await push_board(client, project, BOARD, desired, state, workspace_id=WORKSPACE_ID)
    assert result.in_sync, result.errors
    assert board_of(fake) == expected(desired)
    assert set(marker_counts(fake).values()) == {1}


@pytest.mark.parametrize("damage", ["deleted", "corrupt", "emptied"])
async def test_lost_or_corrupt_state_file_never_duplicates(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path, damage: str
) -> None:
    state = tmp_path / ".kanban.json"
    desired = cards(FIRST)
    # The workspace's id outlives its state file (the daemon keeps it in .kanbanger/), so the
    # items it wrote stay recognisably its own and its changes are pushed.
    me = "ws0001"
    await push_board(client, project, BOARD, desired, state, workspace_id=me)
    if damage == "deleted":
        state.unlink()
    elif damage == "corrupt":
        state.write_text('{"cards": {"x": ')
    else:
        state.write_text("{}")
    changed = cards(
        [
            ("Task 1: Collect", "DONE"),
            ("Task 2: Clean", "DOING"),
            ("Task 3: Model", "DONE"),
            ("Task 4: Report", "TODO"),
        ]
    )
    result = await push_board(client, project, BOARD, changed, state, workspace_id=me)
    assert result.in_sync, result.errors
    assert board_of(fake) == expected(changed)
    assert set(marker_counts(fake).values()) == {1}
    if damage == "corrupt":
        assert result.state_recovered is not None
        assert (tmp_path / ".kanban.json.corrupt-1").read_text() == '{"cards": {"x": '


async def test_kanbanger_written_state_is_adopted_without_duplicates(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    # What kanbanger's kanban-sync leaves: drafts without our marker, tasks keyed by title.
    made = {title: fake.person_add_draft(title, "Todo") for title, _ in FIRST}
    state = tmp_path / ".kanban.json"
    state.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "repo_node_id": "R_x",
                "project_id": project.project_id,
                "board_key": "0123456789abcdef0123456789abcdef",
                "tasks": {
                    title: {"item_id": item_id, "status": "Todo"} for title, item_id in made.items()
                },
            }
        )
    )
    desired = cards(FIRST)
    result = await push_board(client, project, BOARD, desired, state, workspace_id=WORKSPACE_ID)
    assert result.in_sync, result.errors
    assert board_of(fake) == expected(desired)
    assert [i.id for i in live(fake)] == list(made.values())
    assert len(fake.items()) == 3
    saved = json.loads(state.read_text())
    assert set(saved["tasks"]) == {title for title, _ in FIRST}


async def test_several_items_with_one_marker_are_reduced_to_one(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    state = tmp_path / ".kanban.json"
    desired = cards(FIRST)
    await push_board(client, project, BOARD, desired, state, workspace_id=WORKSPACE_ID)
    first = live(fake)[0]
    copy = fake.person_add_draft(first.title, "Todo", body=first.body)  # another tool's copy
    result = await push_board(client, project, BOARD, desired, state, force=True,
                              workspace_id=WORKSPACE_ID)
    assert result.in_sync
    assert fake.item(copy).archived and not fake.item(first.id).archived
    assert board_of(fake) == expected(desired)


# --- the token ------------------------------------------------------------------------------


def files_text(folder: Path) -> list[str]:
    return [p.read_text(errors="replace") for p in folder.iterdir()]


async def test_token_never_in_state_result_or_errors(
    client: GitHubClient,
    project: ProjectInfo,
    fake: FakeGitHub,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    state = tmp_path / ".kanban.json"
    result = await push_board(client, project, BOARD, cards(FIRST), state,
                              workspace_id=WORKSPACE_ID)
    captured: list[str] = [state.read_text(), result.model_dump_json(), format_plan(result.plan)]
    fake.scopes = ("repo",)
    fake.stop()  # a dead endpoint: every request fails
    try:
        await push_board(client, project, BOARD, cards(FIRST[:1]), state, max_rounds=1,
                         workspace_id=WORKSPACE_ID)
    except KanbangerError as exc:
        captured.append(repr(exc) + str(exc))
    else:
        result2: PushResult = await push_board(client, project, BOARD, [], state, max_rounds=1,
                                               workspace_id=WORKSPACE_ID)
        captured.append(result2.model_dump_json())
    out = capsys.readouterr()
    captured += [out.out, out.err, state.read_text()]
    captured += files_text(tmp_path)
    assert all(fake.token not in text for text in captured)


async def test_a_column_without_status_option_gets_one_added_keeping_the_others(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    state = tmp_path / ".kanban.json"
    await push_board(client, project, BOARD, cards(FIRST), state, workspace_id=WORKSPACE_ID)
    before = {o.name: o.id for o in fake.status_options()}
    review = [
        *cards(FIRST),
        DesiredCard(
            key=f"{BOARD}/spec.md#4",
            title="Task 4: Review",
            column="REVIEW",
            column_kind=ColumnKind.REVIEW,
            position=3,
        ),
    ]
    result = await push_board(client, project, BOARD, review, state, workspace_id=WORKSPACE_ID)
    assert result.in_sync, result.errors
    after = {o.name: o.id for o in fake.status_options()}
    assert {k: after[k] for k in before} == before  # existing options kept their ids
    assert board_of(fake) == [*expected(cards(FIRST)), ("Task 4: Review", "In Review")]
