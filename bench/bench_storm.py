"""Storm: one progress file rewritten 1,000 times in 2 s → how many reconciles, board correct?

    python bench/bench_storm.py [--writes 1000] [--seconds 2] [--quiet-ms 300] [--github]

Real runtime, real observer, real local reconciler; with ``--github`` also the real client
pushing to the fake GitHub (counting HTTP requests). Targets: ≤ 3 reconciles and ≤ 3 requests
for the stormed board, and the final board equal to what a fresh reconcile would write.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from common import (
    TEMPLATE,
    Times,
    build_daemon,
    github_env,
    key_of,
    make_workspace,
    settings_for,
)

from kanbanger_daemon.boards.reconcile import reconcile_local

if TYPE_CHECKING:  # the fake (graphql-core, httpx) only loads with --github
    from kanbanger_daemon.testing import FakeGitHub


def storm(progress: Path, writes: int, seconds: float) -> None:
    doc = json.loads(progress.read_text())
    start = time.monotonic()
    for i in range(writes):
        # The last write (odd i) differs from the start, so the board must change once.
        doc["tasks"][-1]["status"] = "completed" if i % 2 else "in_progress"
        doc["tasks"][-1]["note"] = f"write {i}"
        progress.write_text(json.dumps(doc, indent=2))
        # Pace the writes evenly over the storm (a busy executor, not a benchmark sleep).
        ahead = start + (i + 1) * seconds / writes - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)


async def measure(
    root: Path, writes: int, seconds: float, quiet_ms: int, fake: FakeGitHub | None
) -> None:
    files = make_workspace(root, 3)
    progress = files[0]
    key = key_of(root, progress)
    written: Times = defaultdict(list)
    calls: Times = defaultdict(list)
    github = github_env(fake) if fake else None
    settings = settings_for(root, quiet_ms, github=github)
    push = None
    if fake is not None:
        from kanbanger_daemon.sync.pusher import BoardPusher, client_from

        push = BoardPusher(root, settings, client_from(settings)).push_ops
    daemon = build_daemon(root, settings, written, calls, push)
    task = asyncio.create_task(daemon.run())
    try:
        await daemon.wait_until(lambda: daemon.rescans >= 1 and daemon.idle.is_set(), 60)
        before = len(calls[key])
        requests_before = fake.counters.requests if fake else 0
        idle_before = daemon.idle_count
        started = time.monotonic()
        writer = threading.Thread(target=storm, args=(progress, writes, seconds))
        writer.start()
        await asyncio.to_thread(writer.join)
        storm_s = time.monotonic() - started
        await daemon.wait_idle_after(idle_before, 60)
        settled_s = time.monotonic() - started
        runs = len(calls[key]) - before
        requests = (fake.counters.requests - requests_before) if fake else None
    finally:
        daemon.request_stop()
        await task
    board = (progress.parent / "_kanban.md").read_text()
    fresh = reconcile_local(root, key, settings, dry_run=True).text
    print(f"storm: {writes} rewrites of one progress file in {storm_s:.2f} s "
          f"(quiet_ms={quiet_ms}, max_wait_ms={settings.max_wait_ms})")
    print(f"  reconciles of that board: {runs}   (target ≤ 3: {'met' if runs <= 3 else 'MISSED'})")
    print(f"  other boards reconciled meanwhile: "
          f"{sum(len(v) for k, v in calls.items() if k != key) - 2}")
    print(f"  settled {settled_s - storm_s:.2f} s after the last write")
    print(f"  final board correct: {'yes' if board == fresh else 'NO'}")
    if requests is None:
        print("  HTTP requests: not measured (run with --github for the fake GitHub)")
    else:
        print(f"  HTTP requests to GitHub: {requests}   "
              f"(target ≤ 3: {'met' if requests <= 3 else 'MISSED'})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--quiet-ms", type=int, default=300)
    parser.add_argument("--github", action="store_true", help="push to the fake GitHub too")
    args = parser.parse_args()
    if not TEMPLATE.is_dir():
        print(f"needs {TEMPLATE}", file=sys.stderr)
        return 2
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="kd-bench-"))
        fake = None
        if args.github:
            from kanbanger_daemon.testing import FakeGitHub

            fake = stack.enter_context(FakeGitHub())
        asyncio.run(measure(Path(tmp), args.writes, args.seconds, args.quiet_ms, fake))
    return 0


if __name__ == "__main__":
    sys.exit(main())
