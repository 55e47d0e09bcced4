"""What the bench scripts share (not a script itself): a workspace of example SPEC folders,
its settings, the daemon over the real local reconcile, the fake GitHub's environment.

The scripts import it as ``common`` (Python puts the script's folder first on the path).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kanbanger_daemon.boards.reconcile import LocalResult, reconcile_local
from kanbanger_daemon.boards.workspace import board_for_path, find_boards
from kanbanger_daemon.daemon.runtime import Daemon, RuntimeOptions
from kanbanger_daemon.daemon.triggers import Run
from kanbanger_daemon.daemon.wiring import BoardFiles
from kanbanger_daemon.models.status import ReconcileResult
from kanbanger_daemon.settings import Settings, load_settings

if TYPE_CHECKING:  # the fake (graphql-core, httpx) only loads when a bench pushes
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


PushFn = Callable[[str, LocalResult], Awaitable[int]]


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


def key_of(root: Path, progress: Path) -> str:
    return progress.parent.relative_to(root).as_posix()
