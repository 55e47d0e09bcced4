"""Many machines, one board: two clones of a workspace syncing the same project converge.

Each clone has its own machine-local files (``progress_*.json``, ``.kanban.json``, ``.env``)
and pushes to one fake GitHub. Edits happen on both; both keep syncing (as two `sync` loops and
as a daemon's periodic forced rescan would). Expected: one item per card, no duplicates, each
machine's change lands, and no card flaps back and forth.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from kanbanger_daemon.boards.reconcile import reconcile_local
from kanbanger_daemon.boards.workspace import find_boards
from kanbanger_daemon.cli import main
from kanbanger_daemon.core.sync.markers import parse_marker_key
from kanbanger_daemon.settings import load_settings
from kanbanger_daemon.sync.pusher import BoardPusher, client_from
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.fake_github import point_at_fake
from tests.helpers.paths import EXAMPLES

WEBSITE = "SPECs/website"
BUILD = "Task 2: Build (SPEC: spec_website.md)"
LAUNCH = "Task 3: Launch (SPEC: spec_website.md)"
ROUNDS = 4

@pytest.fixture
def clones(tmp_path: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
           ) -> tuple[Path, Path]:
    point_at_fake(monkeypatch, tmp_path, fake)
    a, b = tmp_path / "machine-a", tmp_path / "machine-b"
    shutil.copytree(EXAMPLES, a)
    shutil.copytree(EXAMPLES, b)
    return a, b


def sync(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sync", "--json", "--root", str(root)])
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    assert all(not b.get("error") for b in json.loads(out.out)["boards"])


async def _forced(root: Path) -> None:
    settings = load_settings(root)
    pusher = BoardPusher(root, settings, client_from(settings))
    try:
        for key in find_boards(root, settings.specs_dir, settings.effective_layout):
            local = await asyncio.to_thread(reconcile_local, root, key, settings)
            result = await pusher.push(key, local, force=True)
            assert not result.errors, result.errors
    finally:
        await pusher.aclose()


def forced_rescan(root: Path) -> None:
    """What the daemon's periodic rescan does: push every board, trusting no cache."""
    asyncio.run(_forced(root))


def set_task_status(root: Path, task_id: int, status: str) -> None:
    path = root / WEBSITE / "progress_website.json"
    doc = json.loads(path.read_text())
    tasks = [t for t in doc["tasks"] if t["id"] != task_id]
    tasks.append({"id": task_id, "status": status})
    doc["tasks"] = sorted(tasks, key=lambda t: t["id"])
    path.write_text(json.dumps(doc, indent=2))


def board_snapshot(fake: FakeGitHub) -> dict[str, str | None]:
    """card marker key → Status, over live items; asserts one live item per card."""
    live = [i for i in fake.items() if not i.archived]
    keys = [parse_marker_key(i.body) for i in live]
    assert None not in keys, [i.title for i in live]
    duplicates = {k for k in keys if keys.count(k) > 1}
    assert not duplicates, f"duplicate items for {sorted(map(str, duplicates))}"
    return {str(parse_marker_key(i.body)): i.status for i in live}


def status_of(fake: FakeGitHub, title: str) -> str | None:
    return next(i.status for i in fake.items() if i.title == title and not i.archived)


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
