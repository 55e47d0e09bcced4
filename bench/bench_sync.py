"""GitHub sync cost: HTTP requests and time against the fake GitHub. Prints figures only.

    python bench/bench_sync.py

Scenarios (kanbanger's kanban-sync reference: 202 / 3 / 2 / 502 requests for the first four):
  1. first sync of a 100-task board            target <= 7 requests (discovery included)
  2. re-sync after moving 1 card               target 1 (one mutation document)
  3. re-sync with no change                    target 0
  4. first sync of a 250-task board            target <= 13
  5. scenario 1 with 100 ms latency per request
  6. `kanbanger-daemon sync` in a fresh process after one card moved   target <= 2
  7. the same after ten boards each moved one card                      target <= 2

Scenarios 6 and 7 run the real command in a child process against the fake (real clock, the
default 1 s between mutation documents), on copies of examples/SPECs/website; discovery is
counted (a fresh process has no cache of it).

The fake enforces GitHub's content-creation cap (80/min, 500/h). The client paces itself (>= 1 s
between mutation documents, <= 60 creates/min); those waits run on a fake clock, so the figures
show the real wall time AND the time the pacing would have taken against GitHub.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kanbanger_daemon.core.board.format import parse_board
from kanbanger_daemon.core.sync.desired import desired_cards
from kanbanger_daemon.github import GitHubClient
from kanbanger_daemon.sync.push import push_board
from kanbanger_daemon.testing import FakeGitHub

WORKSPACE_ID = "feed0001"  # this workspace's id in the sync tags

BOARD_KEY = "SPECs/bench/_kanban.md"
WEBSITE = Path(__file__).resolve().parent.parent / "examples" / "SPECs" / "website"


class FakeClock:
    """Client pacing and the fake's rate windows run on this clock; it moves when slept on."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.slept = 0.0

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.now += seconds
        self.slept += seconds
        await asyncio.sleep(0)


def board_text(tasks: int, *, moved: int | None = None) -> str:
    """A kanbanger board of generated task cards: thirds in TODO, DOING, DONE."""

    def card(n: int) -> str:
        return f"*   [ ] Task {n}: Bench task number {n} (SPEC: spec_bench.md)"

    columns: dict[str, list[int]] = {"TODO": [], "DOING": [], "DONE": []}
    for n in range(1, tasks + 1):
        column = ("TODO", "DOING", "DONE")[(n - 1) * 3 // tasks]
        columns["DOING" if n == moved else column].append(n)
    lines = ["# Bench", "", "## BACKLOG", ""]
    for name, numbers in columns.items():
        lines += [f"## {name}", "", *(card(n) for n in numbers), ""]
    return "\n".join(lines)


@dataclass
class Figure:
    name: str
    requests: int
    wall: float
    paced: float
    refusals: int
    target: str


async def run(tasks: int, latency: float, extra: bool) -> list[Figure]:
    clock = FakeClock()
    figures: list[Figure] = []
    with FakeGitHub(
        clock=clock.time,
        enforce_creation_limits=True,
        latency=latency,
        status_options=("Backlog", "Todo", "In Progress", "Done"),
    ) as fake:
        async with GitHubClient(
            token=fake.token,
            url=fake.url,
            clock=clock.time,
            wall_clock=clock.time,
            sleep=clock.sleep,
        ) as client:
            state = Path(tempfile.mkdtemp()) / ".kanban.json"

            async def measure(name: str, text: str, target: str, discover: bool) -> None:
                before, slept = fake.counters, clock.slept
                start = time.perf_counter()
                project = await client.discover(f"{fake.owner}/{fake.repo}", 1, refresh=discover)
                desired = desired_cards(parse_board(text), BOARD_KEY)
                result = await push_board(client, project, BOARD_KEY, desired, state,
                                          workspace_id=WORKSPACE_ID)
                wall = time.perf_counter() - start
                after = fake.counters
                if not result.in_sync:
                    print(f"  !! {name}: not in sync: {result.errors}")
                figures.append(
                    Figure(
                        name,
                        after.requests - before.requests,
                        wall,
                        clock.slept - slept,
                        after.rate_limit_refusals - before.rate_limit_refusals,
                        target,
                    )
                )

            suffix = f" ({latency * 1000:.0f} ms latency)" if latency else ""
            await measure(
                f"first sync, {tasks} tasks{suffix}",
                board_text(tasks),
                "<= 7" if tasks == 100 else "<= 13",
                True,
            )
            if extra:
                await measure(
                    "re-sync after moving 1 card", board_text(tasks, moved=2), "1", False
                )
                await measure("re-sync, no change", board_text(tasks, moved=2), "0", False)
            live = [i for i in fake.items() if not i.archived]
            if len(live) != tasks:
                print(f"  !! expected {tasks} items on the project, found {len(live)}")
    return figures


def cli_sync(root: Path, env: dict[str, str]) -> float:
    """``kanbanger-daemon sync`` in a child process; returns its wall time."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kanbanger_daemon", "sync", "--json", "--root",
                           str(root)], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        print(f"  !! sync exited {done.returncode}: {done.stderr.strip()[-300:]}")
    else:
        json.loads(done.stdout)
    return wall


def move_one_card(folder: Path, flip: int) -> None:
    """The website log's last task: in progress <-> completed (its card changes column)."""
    path = folder / "progress_website.json"
    doc = json.loads(path.read_text())
    doc["tasks"][-1]["status"] = "completed" if flip % 2 == 0 else "in_progress"
    path.write_text(json.dumps(doc, indent=2))


def fresh_process_figures() -> list[Figure]:
    """Scenarios 6 and 7: the real `sync` command, one process per run."""
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="kd-bench-") as tmp, FakeGitHub() as fake:
        root = Path(tmp) / "ws"
        folders = [root / "SPECs" / f"s{i:02d}" / "spec_website" for i in range(10)]
        for folder in folders:
            shutil.copytree(WEBSITE, folder)
        env = {**os.environ, "HOME": tmp, "GITHUB_TOKEN": fake.token,
               "GITHUB_REPO": f"{fake.owner}/{fake.repo}", "GITHUB_PROJECT_NUMBER": "1",
               "GITHUB_GRAPHQL_URL": fake.url}
        for name in ("KANBANGER_CONFIG", "XDG_CONFIG_HOME"):
            env.pop(name, None)
        cli_sync(root, env)  # the first sync of the ten boards
        flips = dict.fromkeys(folders, 0)
        for name, moved in (("sync, fresh process, 1 card moved", folders[:1]),
                            ("sync, fresh process, 10 boards moved", folders)):
            for folder in moved:
                move_one_card(folder, flips[folder])
                flips[folder] += 1
            before = fake.counters
            wall = cli_sync(root, env)
            after = fake.counters
            figures.append(Figure(name, after.requests - before.requests, wall, 0.0,
                                  after.rate_limit_refusals - before.rate_limit_refusals,
                                  "<= 2"))
    return figures


def main() -> None:
    figures: list[Figure] = []
    figures += asyncio.run(run(100, 0.0, extra=True))
    figures += asyncio.run(run(250, 0.0, extra=False))
    figures += asyncio.run(run(100, 0.1, extra=False))
    if WEBSITE.is_dir():
        figures += fresh_process_figures()
    print(
        f"{'scenario':44} {'requests':>8} {'target':>7} {'wall s':>8} {'paced s':>8} {'refused':>7}"
    )
    for f in figures:
        print(
            f"{f.name:44} {f.requests:8d} {f.target:>7} {f.wall:8.2f} {f.paced:8.1f} "
            f"{f.refusals:7d}"
        )
    print("requests: HTTP requests the fake received (discovery counted in first syncs);")
    print("paced s: time the client's pacing would have waited against GitHub (fake clock);")
    print("refused: rate-limit refusals by the fake (enforcing 80 creates/min, 500/h).")


if __name__ == "__main__":
    main()
