"""Latency: progress edits → p50/p95/p99 from the file write to the board written.

    python bench/bench_latency.py [--boards 20] [--edits 200] [--quiet-ms 300]
    python bench/bench_latency.py --github [--latency-ms 100] [--together 10] [--rounds 10]

Runs the real daemon runtime in-process on real files with the real local reconciler
(read, plan, compare-and-swap write). With ``--github`` the real ``run`` wiring pushes every board
to the fake GitHub of ``kanbanger_daemon.testing`` and the headline is the time from the write to
the card's new Status visible to a query on the fake, for one board at a time and for
``--together`` boards written at once (see ``github_latency.py``). Prints figures; asserts
nothing.
Reference: the guide's `watch -n 60 sync-spec-progress` averages 30 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kanbanger_daemon.boards.reconcile import reconcile_local
from kanbanger_daemon.boards.workspace import board_for_path, find_boards
from kanbanger_daemon.daemon.runtime import Daemon, RuntimeOptions
from kanbanger_daemon.daemon.triggers import Run
from kanbanger_daemon.daemon.wiring import BoardFiles
from kanbanger_daemon.models.status import ReconcileResult
from kanbanger_daemon.settings import Settings, load_settings

if TYPE_CHECKING:  # the fake (graphql-core, httpx) only loads with --github
    from kanbanger_daemon.testing import FakeGitHub

TEMPLATE = Path(__file__).resolve().parent.parent / "examples" / "SPECs" / "website"
Times = dict[str, list[float]]


def github_env(fake: FakeGitHub, mutation_interval_s: float = 1.0) -> dict[str, str]:
    """Settings that point at ``fake``; also put in os.environ, because the pusher re-reads
    each SPEC folder's settings, environment included."""
    env = {"GITHUB_TOKEN": fake.token, "GITHUB_REPO": f"{fake.owner}/{fake.repo}",
           "GITHUB_PROJECT_NUMBER": "1", "GITHUB_GRAPHQL_URL": fake.url,
           "KANBANGER_MUTATION_INTERVAL_S": str(mutation_interval_s)}
    os.environ.update(env)
    return env


def make_workspace(root: Path, boards: int) -> list[Path]:
    """``boards`` copies of the example SPEC folder; returns their progress files."""
    progress_files = []
    for i in range(boards):
        folder = root / "SPECs" / f"s{i:04d}" / "spec_website"
        shutil.copytree(TEMPLATE, folder)
        progress_files.append(folder / "progress_website.json")
    return progress_files


def progress_doc(path: Path, flip: int) -> str:
    doc = json.loads(path.read_text())
    doc["tasks"][-1]["status"] = "in_progress" if flip % 2 else "completed"
    return json.dumps(doc, indent=2)


PushFn = Callable[[str, object], Awaitable[int]]


def build_daemon(
    root: Path,
    settings: Settings,
    written: Times,
    calls: Times,
    push: PushFn | None = None,
    pushed: Times | None = None,
) -> Daemon:
    layout = settings.effective_layout

    files = BoardFiles()

    async def reconcile(key: str, run: Run) -> ReconcileResult:
        calls[key].append(time.monotonic())
        result = await asyncio.to_thread(reconcile_local, root, key, settings,
                                         memory=files.memory, own_writes=files.own_writes)
        if result.written:
            written[key].append(time.monotonic())
        ops = await push(key, result) if push is not None else 0
        if ops and pushed is not None:
            pushed[key].append(time.monotonic())
        return ReconcileResult(wrote_board=result.written, remote_ops=ops)

    return Daemon(
        root,
        settings,
        reconcile=reconcile,
        discover=lambda: find_boards(root, settings.specs_dir, layout),
        board_for_path=lambda p: board_for_path(root, p, settings.specs_dir, layout),
        own_writes=files.own_writes,
        options=RuntimeOptions(install_signal_handlers=False, use_lock=True),
    )


def settings_for(
    root: Path, quiet_ms: int, max_wait_ms: int = 3000, github: dict[str, str] | None = None
) -> Settings:
    return load_settings(root, environ={"HOME": str(root), **(github or {})},
                         flags={"quiet_ms": quiet_ms, "max_wait_ms": max_wait_ms})


async def until(daemon: Daemon, predicate: Callable[[], bool], within_s: float = 60) -> None:
    await daemon.wait_until(predicate, within_s)


def board_written_after(written: Times, key: str, start: float) -> Callable[[], bool]:
    return lambda: bool(written[key]) and written[key][-1] > start


def key_of(root: Path, progress: Path) -> str:
    return progress.parent.relative_to(root).as_posix()


async def measure(root: Path, boards: int, edits: int, quiet_ms: int) -> list[float]:
    files = make_workspace(root, boards)
    written: Times = defaultdict(list)
    calls: Times = defaultdict(list)
    settings = settings_for(root, quiet_ms)
    daemon = build_daemon(root, settings, written, calls)
    task = asyncio.create_task(daemon.run())
    to_board: list[float] = []
    try:
        await until(daemon, lambda: daemon.rescans >= 1 and daemon.idle.is_set(), 600)
        for i in range(edits):
            progress = files[i % boards]
            key = key_of(root, progress)
            text = progress_doc(progress, i // boards)
            start = time.monotonic()
            progress.write_text(text)
            await until(daemon, board_written_after(written, key, start))
            to_board.append(written[key][-1] - start)
    finally:
        daemon.request_stop()
        await task
    return to_board


def _print_quantiles(what: str, seconds: list[float]) -> float:
    q = statistics.quantiles([x * 1000 for x in seconds], n=100, method="inclusive")
    print(f"  {what}: p50 {q[49]:.0f} ms   p95 {q[94]:.0f} ms   p99 {q[98]:.0f} ms   "
          f"max {max(seconds) * 1000:.0f} ms")
    return q[98]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boards", type=int, default=20)
    parser.add_argument("--edits", type=int, default=None,
                        help="edits to time (default 200; 50 with --github)")
    parser.add_argument("--quiet-ms", type=int, default=300)
    parser.add_argument("--github", action="store_true", help="push to the fake GitHub too")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="--github: latency the fake adds to every request")
    parser.add_argument("--together", type=int, default=10,
                        help="--github: boards written at once in the second scenario")
    parser.add_argument("--rounds", type=int, default=10,
                        help="--github: rounds of the boards-together scenario")
    args = parser.parse_args()
    if not TEMPLATE.is_dir():
        print(f"needs {TEMPLATE}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kd-bench-") as tmp:
        if args.github:
            from github_latency import main_github

            main_github(args.boards, 50 if args.edits is None else args.edits, args.together,
                        args.rounds, args.quiet_ms, args.latency_ms, Path(tmp))
            return 0
        edits = 200 if args.edits is None else args.edits
        to_board = asyncio.run(measure(Path(tmp), args.boards, edits, args.quiet_ms))
    print(f"latency ({len(to_board)} edits, {args.boards} boards, quiet_ms={args.quiet_ms}):")
    p99 = _print_quantiles("progress write → _kanban.md written", to_board)
    print(f"  target p99 ≤ quiet_ms + 200 = {args.quiet_ms + 200} ms: "
          f"{'met' if p99 <= args.quiet_ms + 200 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
