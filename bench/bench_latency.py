"""Latency: 200 progress edits → p50/p95/p99 from the file write to the board written.

    python bench/bench_latency.py [--boards 20] [--edits 200] [--quiet-ms 300] [--github]

Runs the real daemon runtime in-process on real files with the real local reconciler
(read, plan, compare-and-swap write). With ``--github`` every board is also pushed through the
real client to the fake GitHub of ``kanbanger_daemon.testing`` (0 ms latency), and the times to
the first mutation sent and to the push confirmed are reported too (with mutation pacing, a
change of several documents is confirmed a pacing interval per document later). Prints
figures; asserts nothing.
Reference: the guide's `watch -n 60 sync-spec-progress` averages 30 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
from typing import TYPE_CHECKING, Any

from kanbanger_daemon.daemon.local import reconcile_local
from kanbanger_daemon.daemon.runtime import Daemon, RuntimeOptions
from kanbanger_daemon.daemon.workspace import board_for_path, find_boards
from kanbanger_daemon.models.status import ReconcileResult
from kanbanger_daemon.settings import Settings, load_settings

if TYPE_CHECKING:  # the fake (graphql-core, httpx) only loads with --github
    from kanbanger_daemon.github import GitHubClient
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

    async def reconcile(key: str) -> ReconcileResult:
        calls[key].append(time.monotonic())
        result = await asyncio.to_thread(reconcile_local, root, key, settings)
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


def record_mutations(client: GitHubClient, sent: list[float]) -> None:
    """Bench instrumentation: note when each mutation document leaves the client."""
    send = client._mutate  # measuring the real client from outside

    async def timed(*args: Any, **kwargs: Any) -> Any:
        sent.append(time.monotonic())
        return await send(*args, **kwargs)

    client._mutate = timed  # type: ignore[method-assign]


async def measure(
    root: Path, boards: int, edits: int, quiet_ms: int, github: dict[str, str] | None
) -> tuple[list[float], list[float], list[float]]:
    files = make_workspace(root, boards)
    written: Times = defaultdict(list)
    pushed: Times = defaultdict(list)
    calls: Times = defaultdict(list)
    settings = settings_for(root, quiet_ms, github=github)
    push: PushFn | None = None
    sent: list[float] = []
    if github:
        from kanbanger_daemon.daemon.remote import BoardPusher, client_from

        client = client_from(settings)
        record_mutations(client, sent)
        push = BoardPusher(root, settings, client).push_ops
    daemon = build_daemon(root, settings, written, calls, push, pushed)
    task = asyncio.create_task(daemon.run())
    to_board: list[float] = []
    to_github: list[float] = []
    to_first_mutation: list[float] = []
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
            if github:
                await until(daemon, board_written_after(pushed, key, start))
                to_github.append(pushed[key][-1] - start)
                # Edits run one at a time: the first document sent after the write is its own.
                to_first_mutation.append(next(t for t in sent if t > start) - start)
    finally:
        daemon.request_stop()
        await task
    return to_board, to_first_mutation, to_github


def _print_quantiles(what: str, seconds: list[float]) -> float:
    q = statistics.quantiles([x * 1000 for x in seconds], n=100, method="inclusive")
    print(f"  {what}: p50 {q[49]:.0f} ms   p95 {q[94]:.0f} ms   p99 {q[98]:.0f} ms   "
          f"max {max(seconds) * 1000:.0f} ms")
    return q[98]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boards", type=int, default=20)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--quiet-ms", type=int, default=300)
    parser.add_argument("--github", action="store_true", help="push to the fake GitHub too")
    parser.add_argument("--mutation-interval-s", type=float, default=1.0)
    args = parser.parse_args()
    if not TEMPLATE.is_dir():
        print(f"needs {TEMPLATE}", file=sys.stderr)
        return 2
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="kd-bench-"))
        github = None
        if args.github:
            from kanbanger_daemon.testing import FakeGitHub

            fake = stack.enter_context(FakeGitHub())
            github = github_env(fake, args.mutation_interval_s)
        to_board, to_first_mutation, to_github = asyncio.run(
            measure(Path(tmp), args.boards, args.edits, args.quiet_ms, github)
        )
    print(f"latency ({len(to_board)} edits, {args.boards} boards, quiet_ms={args.quiet_ms}):")
    p99 = _print_quantiles("progress write → _kanban.md written", to_board)
    print(f"  target p99 ≤ quiet_ms + 200 = {args.quiet_ms + 200} ms: "
          f"{'met' if p99 <= args.quiet_ms + 200 else 'MISSED'}")
    if to_github:
        p99 = _print_quantiles("progress write → first GitHub mutation sent (fake, 0 ms)",
                               to_first_mutation)
        print(f"  target p99 ≤ quiet_ms + 200 = {args.quiet_ms + 200} ms: "
              f"{'met' if p99 <= args.quiet_ms + 200 else 'MISSED'}")
        _print_quantiles("progress write → GitHub push confirmed (fake, 0 ms)", to_github)
        print(f"  (mutation pacing: {args.mutation_interval_s} s between mutations)")
    else:
        print("  GitHub: not measured (run with --github for the fake GitHub)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
