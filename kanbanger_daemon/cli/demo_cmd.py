"""`demo`: the daemon on a copy of examples/, pushing to a local fake GitHub, while a SPEC runs.

Nothing leaves this machine: the fake GitHub listens on 127.0.0.1 and the settings are built
here from scratch (the user's own GITHUB_* variables and config files are not read), so the
demo can never touch a real project.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kanbanger_daemon.boards.atomic import write_atomic
from kanbanger_daemon.daemon.runtime import Daemon, RuntimeOptions
from kanbanger_daemon.daemon.wiring import wire_github_daemon
from kanbanger_daemon.settings import load_settings
from kanbanger_daemon.sync.pusher import BoardPusher, client_from
from kanbanger_daemon.testing import FakeGitHub, render_project

SPEC_DIR = Path("SPECs") / "ACGTACGT" / "spec_data_pipeline"
PROGRESS = SPEC_DIR / "progress_data_pipeline.json"

# (what happens, {task id: (status, extra fields)}) — a short SPEC execution.
SCRIPT: list[tuple[str, dict[str, dict[str, Any]]]] = [
    ("Task 1 starts", {"1": {"status": "in_progress"}}),
    ("Task 1 done (its critical step needed Backup #1); Task 2 starts",
     {"1": {"status": "completed", "steps": [{"id": 1, "status": "completed",
                                              "method_used": "backup_1"}]},
      "2": {"status": "in_progress"}}),
    ("Task 2 done; Task 3 starts", {"2": {"status": "completed"},
                                    "3": {"status": "in_progress"}}),
    ("Task 3 done; Task 4 starts", {"3": {"status": "completed"},
                                    "4": {"status": "in_progress"}}),
    ("Task 4 done: the SPEC is complete", {"4": {"status": "completed"}}),
]


def examples_dir() -> Path:
    here = Path(__file__).resolve().parents[2] / "examples"
    if not here.is_dir():
        raise SystemExit("kanbanger-daemon demo: examples/ not found (run it from a checkout)")
    return here


def demo_environ(root: Path, fake: FakeGitHub) -> dict[str, str]:
    return {
        "GITHUB_GRAPHQL_URL": fake.url,
        "GITHUB_TOKEN": fake.token,
        "GITHUB_REPO": "octo/specs",
        "GITHUB_PROJECT_NUMBER": "1",
        # Faster than GitHub's pacing, which is fine for a local fake.
        "KANBANGER_MUTATION_INTERVAL_S": "0.2",
        "KANBANGER_QUIET_MS": "200",
        "HOME": str(root),
    }


def _write_progress(root: Path, tasks: dict[str, dict[str, Any]]) -> None:
    doc = {
        "descriptor": "data_pipeline",
        "status": "in_progress",
        "tasks": [{"id": int(k), **v} for k, v in sorted(tasks.items())],
    }
    write_atomic(root / PROGRESS, (json.dumps(doc, indent=2) + "\n").encode("utf-8"))


def _show(title: str, fake: FakeGitHub, out: Callable[[str], None]) -> None:
    out(f"\n--- {title}\n{render_project(fake)}")


async def _apply_and_wait(daemon: Daemon, root: Path, tasks: dict[str, dict[str, Any]]) -> None:
    key = SPEC_DIR.as_posix()
    done = daemon.reconciles_of(key)
    _write_progress(root, tasks)
    # Idle alone is not enough: events of the writer's temp file pass through first.
    await daemon.wait_until(
        lambda: daemon.reconciles_of(key) > done and daemon.is_idle(), within_s=60
    )


async def _play(root: Path, fake: FakeGitHub, out: Callable[[str], None], steps: int) -> int:
    environ = demo_environ(root, fake)
    settings = load_settings(root, environ=environ)
    pusher = BoardPusher(root, settings, client_from(settings), environ=environ)
    # Wired as `kanbanger-daemon run` wires it: push, two-way pull, targets in status.
    daemon = wire_github_daemon(root, settings, pusher,
                                options=RuntimeOptions(install_signal_handlers=False, environ={}))
    running = asyncio.create_task(daemon.run())
    try:
        await daemon.wait_idle_after(0, within_s=60)
        _show("the daemon started: both SPEC boards are on GitHub", fake, out)
        tasks: dict[str, dict[str, Any]] = {}
        for title, change in SCRIPT[:steps]:
            for task_id, fields in change.items():
                tasks.setdefault(task_id, {}).update(fields)
            await _apply_and_wait(daemon, root, tasks)
            _show(f"progress: {title}", fake, out)
        out(f"\nThe board file:\n{(root / SPEC_DIR / '_kanban.md').read_text()}")
    finally:
        daemon.request_stop()
        code = await running
        await pusher.aclose()
    return code


def cmd_demo(args: argparse.Namespace) -> int:
    steps = len(SCRIPT) if args.steps is None else max(0, min(args.steps, len(SCRIPT)))
    tmp = Path(tempfile.mkdtemp(prefix="kanbanger-demo-"))
    root = tmp / "workspace"
    shutil.copytree(examples_dir(), root)

    def out(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    out(f"kanbanger-daemon demo: workspace {root}\n")
    try:
        with FakeGitHub() as fake:
            out(f"fake GitHub at {fake.url} (no token needed, nothing leaves this machine)\n")
            code = asyncio.run(_play(root, fake, out, steps))
    finally:
        if args.keep:
            out(f"\nkept {root}\n")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    out("\nDone. Next: `kanbanger-daemon run --root PATH` on your own workspace "
        "(local-only until GITHUB_TOKEN, GITHUB_REPO and GITHUB_PROJECT_NUMBER are set).\n")
    return code
