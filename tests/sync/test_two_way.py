"""Two-way sync: what a person changes on github.com lands in ``_kanban.md`` within one poll.

The daemon is wired as `kanbanger-daemon run` wires it (``wire_daemon`` with the real
BoardPusher and Puller) against the fake GitHub. Polls are triggered with ``request_poll`` (what
the poller does every ``poll_interval``) and waited for on the daemon's own idle state.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kanbanger_daemon.core.board.format import board_cards, parse_board
from kanbanger_daemon.daemon.runtime import Daemon, RuntimeOptions
from kanbanger_daemon.daemon.wiring import wire_github_daemon
from kanbanger_daemon.settings import load_settings
from kanbanger_daemon.sync.pusher import BoardPusher, client_from
from kanbanger_daemon.testing import FakeGitHub

pytestmark = [pytest.mark.timeout(60),
              pytest.mark.usefixtures("no_leaked_threads", "no_leaked_tasks")]
WEBSITE = "SPECs/website"
DESIGN = "Task 1: Design (SPEC: spec_website.md)"  # progress: completed
BUILD = "Task 2: Build (SPEC: spec_website.md)"  # progress: in_progress
LAUNCH = "Task 3: Launch (SPEC: spec_website.md)"  # no progress
WAIT_S = 20.0


@pytest.fixture
def workspace(one_board_workspace: Path) -> Path:
    return one_board_workspace


@dataclass
class Running:
    daemon: Daemon
    pusher: BoardPusher

    async def poll(self) -> None:
        """One poll round, as the poller runs it every poll_interval, and its settling."""
        before = self.daemon.idle_count
        self.daemon.request_poll()
        await self.daemon.wait_idle_after(before, WAIT_S)


@pytest.fixture
async def running(workspace: Path) -> AsyncIterator[Running]:
    settings = load_settings(workspace, flags={"quiet_ms": 50, "max_wait_ms": 500})
    pusher = BoardPusher(workspace, settings, client_from(settings), health_delay_s=None)
    options = RuntimeOptions(install_signal_handlers=False, heartbeat_interval_s=0.2,
                             supervise_interval_s=0.2, retry_base_s=0.05,
                             poll_interval_s=3600.0)  # polls come from the test
    daemon = wire_github_daemon(workspace, settings, pusher, options=options)
    task = asyncio.create_task(daemon.run())
    await daemon.wait_until(lambda: daemon.rescans >= 1 and daemon.idle.is_set(), WAIT_S)
    try:
        yield Running(daemon, pusher)
    finally:
        daemon.request_stop()
        assert await asyncio.wait_for(task, 15) == 0
        await pusher.aclose()


def local_columns(root: Path) -> dict[str, str]:
    """card text -> column, from the board file."""
    board = parse_board((root / WEBSITE / "_kanban.md").read_text("utf-8"))
    return {card.text: card.column for card in board_cards(board)}


def item_id(fake: FakeGitHub, title: str) -> str:
    return next(i.id for i in fake.items() if i.title == title and not i.archived)


def board_bytes(root: Path) -> bytes:
    return (root / WEBSITE / "_kanban.md").read_bytes()


async def test_status_shows_where_the_board_goes_and_that_github_is_polled(
    running: Running,
) -> None:
    from kanbanger_daemon.daemon.status import StatusReport, render_table

    snapshot = running.daemon.snapshot()
    assert snapshot.boards[WEBSITE].target == "octo/specs#1"
    assert any("two-way sync" in note for note in snapshot.notes)
    table = render_table(StatusReport(0, status=snapshot.model_dump(mode="json")))
    assert any(WEBSITE in line and "octo/specs#1" in line for line in table.splitlines())


async def test_remote_edits_land_locally_with_one_write_and_no_mutation(
    running: Running, fake: FakeGitHub, workspace: Path
) -> None:
    assert local_columns(workspace)[LAUNCH] == "TODO"
    fake.person_add_draft("Write the press release", "In Progress")
    fake.person_move(item_id(fake, LAUNCH), "Done")  # no progress for Launch: the move stands
    reconciles = running.daemon.reconciles_total
    fake.reset_counters()

    await running.poll()

    columns = local_columns(workspace)
    assert columns[LAUNCH] == "DONE"
    assert columns["Write the press release"] == "DOING"
    assert fake.counters.mutation_documents == 0  # nothing bounced back
    assert fake.counters.queries == 1  # one listing: the project has fewer than 100 items
    written = board_bytes(workspace)

    # Settled: the next poll and a full rescan change nothing, locally or on GitHub; the poll
    # costs its one listing and rewrites no file.
    state_file = workspace / WEBSITE / ".kanban.json"
    state_bytes, state_mtime = state_file.read_bytes(), state_file.stat().st_mtime_ns
    fake.reset_counters()
    await running.poll()
    assert fake.counters.requests == 1
    assert (state_file.read_bytes(), state_file.stat().st_mtime_ns) == (state_bytes, state_mtime)
    before = running.daemon.rescans
    running.daemon.request_rescan()
    await running.daemon.wait_until(
        lambda: running.daemon.rescans > before and running.daemon.idle.is_set(), WAIT_S)
    assert board_bytes(workspace) == written
    assert fake.counters.mutation_documents == 0
    assert running.daemon.reconciles_total > reconciles


async def test_archived_and_retitled_hand_written_cards_follow_github(
    running: Running, fake: FakeGitHub, workspace: Path
) -> None:
    board = workspace / WEBSITE / "_kanban.md"
    text = board.read_text("utf-8").replace("## TODO\n", "## TODO\n*   [ ] Buy domain\n"
                                            "*   [ ] Order stickers\n", 1)
    before = running.daemon.idle_count
    board.write_text(text, "utf-8")
    await running.daemon.wait_until(
        lambda: running.daemon.idle_count > before and running.daemon.idle.is_set()
        and {"Buy domain", "Order stickers"} <= {i.title for i in fake.items()}, WAIT_S)
    fake.person_rename(item_id(fake, "Buy domain"), "Buy the domain name")
    fake.person_archive(item_id(fake, "Order stickers"))
    fake.reset_counters()

    await running.poll()

    columns = local_columns(workspace)
    assert columns.get("Buy the domain name") == "TODO"
    assert "Buy domain" not in columns and "Order stickers" not in columns
    assert fake.counters.mutation_documents == 0
    assert fake.counters.creates == 0
    # The retitled card keeps its item: still one live item per card, nothing recreated.
    live = [i.title for i in fake.items() if not i.archived]
    assert sorted(live) == sorted(local_columns(workspace))


async def test_progress_wins_over_a_persons_move_and_the_move_is_undone_once(
    running: Running, fake: FakeGitHub, workspace: Path
) -> None:
    fake.person_move(item_id(fake, BUILD), "Done")  # progress says Build is in progress
    written = board_bytes(workspace)
    fake.reset_counters()

    await running.poll()

    assert local_columns(workspace)[BUILD] == "DOING"
    assert board_bytes(workspace) == written  # the local board never showed the move
    assert next(i.status for i in fake.items() if i.title == BUILD) == "In Progress"
    assert fake.counters.mutations.get("updateProjectV2ItemFieldValue") == 1
    # And it stays undone: the next poll sends nothing.
    fake.reset_counters()
    await running.poll()
    assert fake.counters.mutation_documents == 0


async def test_polls_while_a_board_is_already_pending_are_merged_into_one_reconcile(
    running: Running, fake: FakeGitHub, workspace: Path
) -> None:
    fake.person_move(item_id(fake, LAUNCH), "In Progress")
    before, reconciles = running.daemon.idle_count, running.daemon.reconciles_total
    for _ in range(3):  # the poller fires again before the worker took the board
        running.daemon.request_poll()
    await running.daemon.wait_idle_after(before, WAIT_S)
    assert local_columns(workspace)[LAUNCH] == "DOING"
    assert running.daemon.reconciles_total - reconciles == 1  # one board, one reconcile


async def test_a_lost_board_write_after_a_pull_ends_in_one_card_and_one_item(
    running: Running, fake: FakeGitHub, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kanbanger_daemon.boards.reconcile import reconcile_local as real
    from kanbanger_daemon.sync import pull

    failures: list[str] = []

    def crash_once(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("edit") is not None and not kwargs.get("dry_run") and not failures:
            failures.append("board write lost")
            raise OSError("disk gone (simulated crash before the board write)")
        return real(*args, **kwargs)

    monkeypatch.setattr(pull, "reconcile_local", crash_once)
    fake.person_add_draft("Write the press release", "In Progress")
    await running.poll()  # the state was saved, the board write failed
    assert failures and "Write the press release" not in local_columns(workspace)
    await running.poll()  # offered again: the card lands once
    assert local_columns(workspace).get("Write the press release") == "DOING"
    assert [i.title for i in fake.items()].count("Write the press release") == 1


async def test_a_crash_after_a_pulled_move_is_written_keeps_the_persons_move(
    running: Running, fake: FakeGitHub, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kanbanger_daemon.sync import pull
    from kanbanger_daemon.sync.state_file import save_state as real

    lost: list[Path] = []

    def crash_once(path: Path, state: Any) -> None:
        if not lost:
            lost.append(path)
            raise OSError("killed before the state was saved (simulated)")
        real(path, state)

    monkeypatch.setattr(pull, "save_state", crash_once)
    fake.person_move(item_id(fake, LAUNCH), "Done")  # no progress for Launch: the move stands
    await running.poll()
    assert lost and local_columns(workspace)[LAUNCH] == "DONE"  # the board was written
    fake.reset_counters()
    await running.poll()  # the restarted work sees the board and GitHub agree
    assert local_columns(workspace)[LAUNCH] == "DONE"
    assert next(i.status for i in fake.items() if i.title == LAUNCH) == "Done"
    assert fake.counters.mutations.get("updateProjectV2ItemFieldValue", 0) == 0


async def test_progress_moves_a_card_a_person_moved_before(
    running: Running, fake: FakeGitHub, workspace: Path
) -> None:
    fake.person_move(item_id(fake, LAUNCH), "In Progress")
    await running.poll()
    assert local_columns(workspace)[LAUNCH] == "DOING"
    # The executor then finishes Launch: progress moves the card, the push follows.
    path = workspace / WEBSITE / "progress_website.json"
    doc = json.loads(path.read_text())
    doc["tasks"].append({"id": 3, "status": "completed"})
    before = running.daemon.idle_count
    path.write_text(json.dumps(doc))
    await running.daemon.wait_until(
        lambda: running.daemon.idle_count > before and running.daemon.idle.is_set()
        and local_columns(workspace)[LAUNCH] == "DONE", WAIT_S)
    assert next(i.status for i in fake.items() if i.title == LAUNCH) == "Done"


async def test_an_item_a_person_deletes_on_github_comes_back_after_a_few_polls(
    running: Running, fake: FakeGitHub, workspace: Path
) -> None:
    gone = item_id(fake, LAUNCH)
    fake.person_delete(gone)
    for _ in range(4):  # patience: three listings must miss it before it is made again
        await running.poll()
    again = [i for i in fake.items() if i.title == LAUNCH and not i.archived]
    assert len(again) == 1 and again[0].id != gone
    assert local_columns(workspace)[LAUNCH] == "TODO"
