"""Latency: progress edits → p50/p95/p99 from the file write to the board written.

    python bench/bench_latency.py [--boards 20] [--edits 200] [--quiet-ms 300]
    python bench/bench_latency.py --github [--latency-ms 100] [--together 10] [--rounds 10]

Runs the real daemon runtime in-process on real files with the real local reconciler
(read, plan, compare-and-swap write). With ``--github`` the real ``run`` wiring pushes every board
to the fake GitHub of ``kanbanger_daemon.testing`` and the headline is the time from the write to
the card's new Status visible to a query on the fake, for one board at a time and for
``--together`` boards written at once (``github_latency.py``, which this script loads only
then; both take their workspace and settings from ``common.py``). Prints figures; asserts
nothing.
Reference: the guide's `watch -n 60 sync-spec-progress` averages 30 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from common import (
    TEMPLATE,
    Times,
    build_daemon,
    key_of,
    make_workspace,
    progress_doc,
    settings_for,
)

from kanbanger_daemon.daemon.runtime import Daemon


async def until(daemon: Daemon, predicate: Callable[[], bool], within_s: float = 60) -> None:
    await daemon.wait_until(predicate, within_s)


def board_written_after(written: Times, key: str, start: float) -> Callable[[], bool]:
    return lambda: bool(written[key]) and written[key][-1] > start


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
