"""kill -9 in the middle of pushes, then restart: no card is ever duplicated, the board converges.

The real `kanbanger-daemon run` in a child process pushes a workspace of 3 boards (one with 40
tasks) to the fake GitHub in small batches. It is killed with SIGKILL after a seeded random
number of mutation documents (so at a different point of a push each time: between a create
and its state save, mid-status, mid-move), progress changes while it is down, and it restarts.
After the last restart it must settle with GitHub showing exactly the local boards and every
card made once. Waits are on the fake's counters and on the daemon's published status (its
idle flag), with deadlines; never fixed sleeps.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from kanbanger_daemon.core.board.format import parse_board
from kanbanger_daemon.core.sync.desired import desired_cards
from kanbanger_daemon.core.sync.markers import parse_marker_key
from kanbanger_daemon.daemon.status import read_status
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.paths import EXAMPLES

pytestmark = [pytest.mark.timeout(240),
              pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")]
KILLS = 6
STATUS_NAMES = {"TODO": "Todo", "DOING": "In Progress", "DONE": "Done", "BACKLOG": None}


def wait_for(predicate: Callable[[], bool], within_s: float, what: str) -> None:
    deadline = time.monotonic() + within_s
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


def big_spec(folder: Path, tasks: int) -> None:
    folder.mkdir(parents=True)
    body = "".join(f"## Task {n}: Part {n}\n### Step {n}.1: Do part {n}\n\n"
                   for n in range(1, tasks + 1))
    (folder / "spec_big.md").write_text(f"# Goal\nA big run.\n\n{body}")


def set_progress(folder: Path, done: int) -> None:
    """The big SPEC's log: tasks 1..done completed, the next in progress."""
    tasks = [{"id": n, "status": "completed"} for n in range(1, done + 1)]
    tasks.append({"id": done + 1, "status": "in_progress"})
    (folder / "progress_big.json").write_text(json.dumps({"descriptor": "big", "tasks": tasks}))


def start(root: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "kanbanger_daemon", "run", "--root", str(root)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def expected(root: Path) -> dict[str, tuple[str, str | None]]:
    """marker key -> (title, Status) of every card of every local board."""
    out: dict[str, tuple[str, str | None]] = {}
    for board in root.glob("SPECs/**/_kanban.md"):
        key = board.parent.relative_to(root).as_posix()
        for card in desired_cards(parse_board(board.read_text("utf-8")), key):
            out[card.key] = (card.title, STATUS_NAMES.get(card.column))
    return out


def on_github(fake: FakeGitHub) -> dict[str, tuple[str, str | None]]:
    return {str(parse_marker_key(i.body)): (i.title, i.status)
            for i in fake.items() if not i.archived and parse_marker_key(i.body)}


def settled(root: Path) -> bool:
    doc = read_status(root).status or {}
    boards = doc.get("boards") or {}
    return (doc.get("state") == "running" and bool(doc.get("idle")) and len(boards) == 3
            and all(b.get("last_ok") and not b.get("pending_events") for b in boards.values()))


def test_kill_9_during_pushes_then_restart_converges_without_duplicates(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    big = root / "SPECs" / "big"
    big_spec(big, 40)
    set_progress(big, 0)
    rng = random.Random(20261201)
    with FakeGitHub() as fake:
        env = {**os.environ, "HOME": str(tmp_path), "GITHUB_GRAPHQL_URL": fake.url,
               "GITHUB_TOKEN": fake.token, "GITHUB_REPO": "octo/specs",
               "GITHUB_PROJECT_NUMBER": "1", "KANBANGER_MUTATION_INTERVAL_S": "0.02",
               "KANBANGER_BATCH_CREATES": "3", "KANBANGER_BATCH_MUTATIONS": "3",
               "KANBANGER_QUIET_MS": "50", "KANBANGER_STATUS_UPDATES": "false",
               # The fake never applies a request late: a create it did not list soon after
               # it was sent never ran (GitHub needs the default 30 s).
               "KANBANGER_LOST_CREATE_SETTLE_S": "1"}
        for name in ("KANBANGER_CONFIG", "XDG_CONFIG_HOME"):
            env.pop(name, None)
        kills = mid_push = 0
        for round_ in range(KILLS):
            target = fake.counters.mutation_documents + rng.randint(1, 8)
            proc = start(root, env)
            try:
                wait_for(lambda t=target: fake.counters.mutation_documents >= t or settled(root),
                         60, f"round {round_}: mutation document {target}")
            finally:
                mid_push += not settled(root)
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
            kills += proc.returncode == -signal.SIGKILL
            set_progress(big, 4 * (round_ + 1))  # the executor goes on while the daemon is down

        proc = start(root, env)
        try:
            wait_for(lambda: settled(root) and on_github(fake) == expected(root), 120,
                     "the restarted daemon to settle with GitHub showing the local boards")
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(15) == 0

    assert kills == KILLS
    assert mid_push >= KILLS // 2, f"only {mid_push} kills landed mid-push"
    made = Counter(parse_marker_key(i.body) for i in fake.items() if parse_marker_key(i.body))
    assert made and max(made.values()) == 1, [k for k, n in made.items() if n > 1]
    assert len(made) == len(expected(root)) == 47  # big 40 + website 3 + data pipeline 4
