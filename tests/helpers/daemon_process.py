"""`kanbanger-daemon run` in a child process, on a workspace with long SPECs: start it, judge it
settled from the status it publishes, and compare its boards with the fake GitHub's project."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kanbanger_daemon.core.board.format import parse_board
from kanbanger_daemon.core.sync.desired import desired_cards
from kanbanger_daemon.core.sync.markers import parse_marker_key
from kanbanger_daemon.daemon.status import read_status
from kanbanger_daemon.testing import FakeGitHub

STATUS_NAMES = {"TODO": "Todo", "DOING": "In Progress", "DONE": "Done", "BACKLOG": None}


def write_long_spec(folder: Path, descriptor: str, tasks: int) -> None:
    """``spec_<descriptor>.md`` in a new ``folder``: tasks "Task n: Part n", a step each."""
    folder.mkdir(parents=True)
    body = "".join(f"## Task {n}: Part {n}\n### Step {n}.1: Do part {n}\n\n"
                   for n in range(1, tasks + 1))
    (folder / f"spec_{descriptor}.md").write_text(f"# Goal\nA run of {tasks} tasks.\n\n{body}")


def log_progress(folder: Path, descriptor: str, done: int, tasks: int) -> None:
    """The SPEC's progress log: tasks 1..done completed, the next one (if any) in progress."""
    log = [{"id": n, "status": "completed"} for n in range(1, done + 1)]
    if done < tasks:
        log.append({"id": done + 1, "status": "in_progress"})
    (folder / f"progress_{descriptor}.json").write_text(
        json.dumps({"descriptor": descriptor, "tasks": log}))


def start_daemon(root: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "kanbanger_daemon", "run", "--root", str(root)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def settled(root: Path, boards: int) -> bool:
    """The daemon says it runs, is idle, and has pushed each of its ``boards`` with no event
    pending."""
    doc = read_status(root).status or {}
    published = doc.get("boards") or {}
    return (doc.get("state") == "running" and bool(doc.get("idle"))
            and len(published) == boards
            and all(b.get("last_ok") and not b.get("pending_events")
                    for b in published.values()))


def expected(root: Path) -> dict[str, tuple[str, str | None]]:
    """marker key -> (title, Status) of every card of every local board."""
    out: dict[str, tuple[str, str | None]] = {}
    for board in root.glob("SPECs/**/_kanban.md"):
        key = board.parent.relative_to(root).as_posix()
        for card in desired_cards(parse_board(board.read_text("utf-8")), key):
            out[card.key] = (card.title, STATUS_NAMES.get(card.column))
    return out


def on_github(fake: FakeGitHub) -> dict[str, tuple[str, str | None]]:
    """marker key -> (title, Status) of every live item of ours on the fake's project."""
    return {str(parse_marker_key(i.body)): (i.title, i.status)
            for i in fake.items() if not i.archived and parse_marker_key(i.body)}
