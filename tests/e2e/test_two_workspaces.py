"""Many machines, one board: two clones of a workspace syncing the same project converge.

Each clone has its own machine-local files (``progress_*.json``, ``.kanban.json``, ``.env``)
and pushes to one fake GitHub. Edits happen on both; both keep syncing (as two `sync` loops and
as a daemon's periodic forced rescan would). Expected: one item per card, no duplicates, each
machine's change lands, and no card flaps back and forth.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.two_clones import (
    BUILD,
    LAUNCH,
    board_snapshot,
    forced_rescan,
    set_task_status,
    status_of,
    sync,
)

ROUNDS = 4


def test_first_syncs_from_two_clones_make_one_item_per_card(
    clones: tuple[Path, Path], fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = clones
    sync(a, capsys)
    after_a = board_snapshot(fake)
    sync(b, capsys)  # B has no .kanban.json: it adopts A's items by their markers
    assert board_snapshot(fake) == after_a
    assert len(fake.items()) == len(after_a)
    fake.reset_counters()
    sync(a, capsys)
    sync(b, capsys)
    assert fake.counters.mutation_documents == 0


def edit_on_both_machines(clones: tuple[Path, Path], fake: FakeGitHub,
                          capsys: pytest.CaptureFixture[str]) -> int:
    """Both clones synced, then A finishes Build and B (lacking A's log) starts Launch."""
    a, b = clones
    sync(a, capsys)
    sync(b, capsys)
    set_task_status(a, 2, "completed")
    set_task_status(b, 3, "in_progress")
    return len(board_snapshot(fake))


def assert_converged(history: list[dict[str, str | None]], fake: FakeGitHub,
                     cards: int) -> None:
    assert status_of(fake, BUILD) == "Done"  # A's change landed and stayed
    assert status_of(fake, LAUNCH) == "In Progress"  # B's change landed and stayed
    assert len(history[-1]) == cards and len(fake.items()) == cards
    # No flapping: once both machines pushed their edit, no card changes column again.
    settled = history[1:]
    changes = [i for i in range(1, len(settled)) if settled[i] != settled[i - 1]]
    assert changes == [], f"the board changed again at steps {changes}"


def test_edits_on_both_machines_converge_through_sync_loops(
    clones: tuple[Path, Path], fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    cards = edit_on_both_machines(clones, fake, capsys)
    history: list[dict[str, str | None]] = []
    for _ in range(ROUNDS):
        for clone in clones:
            sync(clone, capsys)
            history.append(board_snapshot(fake))
    assert_converged(history, fake, cards)


def test_edits_on_both_machines_survive_the_daemons_forced_rescans(
    clones: tuple[Path, Path], fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    cards = edit_on_both_machines(clones, fake, capsys)
    history: list[dict[str, str | None]] = []
    for clone in clones:
        sync(clone, capsys)
        history.append(board_snapshot(fake))
    for _ in range(2):
        for clone in clones:  # the daemon's periodic rescan trusts no cache
            forced_rescan(clone)
            history.append(board_snapshot(fake))
    assert_converged(history, fake, cards)
