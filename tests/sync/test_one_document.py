"""One document per change: what a push round costs in requests, read from the fake's request log.

A moved card is one mutation document (its Status first); a first push of 100 cards is a listing
and five documents (the creates' Statuses share the next chunk's document); boards pushed at the
same time through one client share their document; a document cut halfway still converges with
no duplicate, and so does a server that refuses creates mixed with other mutations.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from kanbanger_daemon.errors import TransientError
from kanbanger_daemon.github.batching import Mutation
from kanbanger_daemon.github.client import GitHubClient
from kanbanger_daemon.github.failures import Failure, Reply
from kanbanger_daemon.models.board import ColumnKind
from kanbanger_daemon.models.github import ProjectInfo
from kanbanger_daemon.models.sync import DesiredCard
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
    marker_counts,
)

pytestmark = ON_THE_CLOCK

ME = "ws0001"
STATUS_FIELD = "updateProjectV2ItemFieldValue"


def mutation_documents(fake: FakeGitHub) -> list[str]:
    """The text of every mutation document the fake received, oldest first."""
    out = []
    for request in fake.requests_log:
        query = request.body.get("query", "") if isinstance(request.body, dict) else ""
        if query.lstrip().startswith("mutation"):
            out.append(query)
    return out


def fields_in_order(document: str) -> list[str]:
    """The mutation fields of a document, alias by alias (``m0: field(…)``)."""
    return [part.split("(")[0].strip() for part in document.split(": ")[1:]
            if part.split("(")[0].strip().isidentifier() and "input" in part]


def many(count: int, board: str = BOARD, column: str = "TODO") -> list[DesiredCard]:
    kinds = {"TODO": ColumnKind.TODO, "DOING": ColumnKind.DOING, "DONE": ColumnKind.DONE}
    return [DesiredCard(key=f"{board}/spec.md#{n}", title=f"Task {n}: part {n}", column=column,
                        column_kind=kinds[column], position=n) for n in range(1, count + 1)]


async def test_a_moved_card_is_one_mutation_document_with_its_status_first(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    state = tmp_path / ".kanban.json"
    await push_board(client, project, BOARD, cards(FIRST), state, workspace_id=ME)
    fake.reset_counters()
    # Task 1 goes to Done, below Task 3: its Status, its sync tag and its place all change.
    moved = cards([("Task 2: Clean", "DOING"), ("Task 3: Model", "DONE"),
                   ("Task 1: Collect", "DONE")])
    result = await push_board(client, project, BOARD, moved, state, workspace_id=ME)
    assert result.in_sync, result.errors
    assert board_of(fake) == expected(moved)
    [document] = mutation_documents(fake)
    assert fake.counters.requests == 1  # planned from the saved state: no listing either
    kinds = fields_in_order(document)
    assert kinds[0] == STATUS_FIELD
    assert set(kinds) == {STATUS_FIELD, "updateProjectV2ItemPosition",
                          "updateProjectV2DraftIssue"}


async def test_a_first_push_of_100_cards_is_a_listing_and_five_documents(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    desired = many(100)
    result = await push_board(client, project, BOARD, desired, tmp_path / ".kanban.json",
                              workspace_id=WORKSPACE_ID)
    assert result.in_sync, result.errors
    assert result.requests == 6  # + discovery: a first sync of 100 tasks in 7 requests
    documents = mutation_documents(fake)
    assert len(documents) == 5
    assert [fields_in_order(d).count("addProjectV2DraftIssue") for d in documents] == [
        25, 25, 25, 25, 0]
    assert [fields_in_order(d).count(STATUS_FIELD) for d in documents] == [0, 25, 25, 25, 25]
    assert board_of(fake) == expected(desired) and set(marker_counts(fake).values()) == {1}


async def test_boards_pushed_together_share_one_document(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    boards = [f"SPECs/b{n}/_kanban.md" for n in range(10)]

    def board_cards(board: str, moved: bool) -> list[DesiredCard]:
        first, *rest = many(3, board)
        if moved:  # one card of the board goes to Done
            first = first.model_copy(update={"column": "DONE", "column_kind": ColumnKind.DONE})
        return [first, *rest]

    async def push(n: int, board: str, moved: bool) -> bool:
        with client.expecting() as caller:
            await asyncio.sleep(0.001 * n)  # the boards are planned one after the other
            result = await push_board(client, project, board, board_cards(board, moved),
                                      tmp_path / f"{n}.json", workspace_id=ME, caller=caller)
            return result.in_sync

    assert all(await asyncio.gather(*(push(n, b, False) for n, b in enumerate(boards))))
    fake.reset_counters()
    assert all(await asyncio.gather(*(push(n, b, True) for n, b in enumerate(boards))))
    assert fake.counters.requests == fake.counters.mutation_documents == 1
    assert sorted(i.status or "" for i in fake.items()) == ["Done"] * 10 + ["Todo"] * 20


async def test_a_document_cut_halfway_converges_without_duplicates(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = tmp_path / ".kanban.json"
    await push_board(client, project, BOARD, cards(FIRST), state, workspace_id=ME)
    send = client._send_document  # the one place a document leaves the client
    cuts = 0

    async def cut_halfway(mutations: list[Mutation]) -> Reply:
        nonlocal cuts
        if cuts or len(mutations) < 4:
            return await send(mutations)
        cuts += 1
        await send(mutations[: len(mutations) // 2])  # GitHub ran the first half…
        lost = Failure(TransientError("connection reset"), maybe_applied=True)
        return Reply(None, failure=lost)  # …and the connection dropped

    monkeypatch.setattr(client, "_send_document", cut_halfway)
    # Every kind at once: moves, a retitle, an archive, new cards and their Statuses.
    changed = cards([("Task 4: Report", "DONE"), ("Task 3: Model", "TODO"),
                     ("Task 1: Collect data", "DOING"), ("Task 5: Ship", "TODO")])
    for _ in range(10):
        result = await push_board(client, project, BOARD, changed, state, workspace_id=ME,
                                  settle_seconds=0)
        if result.in_sync:
            break
    assert cuts == 1 and result.in_sync, result.errors
    assert board_of(fake) == expected(changed)
    assert set(marker_counts(fake).values()) == {1}


async def test_a_server_refusing_mixed_documents_still_converges(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    fake.creates_alone = True
    state = tmp_path / ".kanban.json"
    await push_board(client, project, BOARD, many(3), state, workspace_id=WORKSPACE_ID)
    desired = [*many(3, column="DONE"), *many(6)[3:]]
    result = await push_board(client, project, BOARD, desired, state, workspace_id=WORKSPACE_ID)
    assert result.in_sync, result.errors
    assert board_of(fake) == expected(desired) and set(marker_counts(fake).values()) == {1}
    mixed = [d for d in mutation_documents(fake)
             if "addProjectV2DraftIssue" in fields_in_order(d) != ["addProjectV2DraftIssue"]
             * len(fields_in_order(d))]
    assert len(mixed) == 1  # refused once: creates then go in documents of their own


async def test_calls_handed_in_by_two_callers_keep_their_own_results(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub
) -> None:
    from kanbanger_daemon.github import calls

    made = {t: fake.person_add_draft(t) for t in ("A", "B", "C")}
    pid = project.project_id

    async def archive(titles: Sequence[str]) -> list[tuple[str, bool]]:
        with client.expecting() as caller:
            await asyncio.sleep(0)  # both callers are under way before either hands calls in
            results = await client.mutate([calls.archive_item(pid, made[t]) for t in titles],
                                          caller=caller)
            return [(r.key, r.ok) for r in results]

    first, second = await asyncio.gather(archive(["A", "B"]), archive(["C"]))
    assert first == [(made["A"], True), (made["B"], True)] and second == [(made["C"], True)]
    assert fake.counters.mutation_documents == 1


async def test_boards_pushing_together_add_a_missing_status_option_once(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    def reviewed(board: str) -> list[DesiredCard]:
        return [DesiredCard(key=f"{board}/spec.md#1", title="Task 1: check", column="REVIEW",
                            column_kind=ColumnKind.REVIEW, position=0)]

    boards = ["SPECs/a/_kanban.md", "SPECs/b/_kanban.md"]
    results = await asyncio.gather(*(
        push_board(client, project, b, reviewed(b), tmp_path / f"{n}.json",
                   workspace_id=WORKSPACE_ID)
        for n, b in enumerate(boards)))
    assert all(r.in_sync for r in results), [r.errors for r in results]
    assert [o.name for o in fake.status_options()] == ["Todo", "In Progress", "Done", "In Review"]
    assert {i.status for i in fake.items()} == {"In Review"}
