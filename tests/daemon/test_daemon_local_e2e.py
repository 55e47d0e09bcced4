"""The daemon with the real local reconcile (read, plan, compare-and-swap write) on examples/.

Skips while the local reconciler is not importable. Real observers, idle waits, no sleeps.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kanbanger_daemon.daemon.runtime import Daemon, RuntimeOptions
from kanbanger_daemon.daemon.status import read_status
from kanbanger_daemon.daemon.triggers import Run
from kanbanger_daemon.daemon.wiring import BoardFiles
from kanbanger_daemon.models.status import ReconcileResult
from kanbanger_daemon.settings import load_settings
from tests.helpers.paths import EXAMPLES
from tests.helpers.waiting import wait_for

# Every test here stops every thread it starts.
pytestmark = [pytest.mark.timeout(30), pytest.mark.usefixtures("no_leaked_threads")]

local = pytest.importorskip(
    "kanbanger_daemon.boards.reconcile", reason="local reconciler not built"
)
workspace = pytest.importorskip("kanbanger_daemon.boards.workspace", reason="workspace not built")


async def test_progress_edits_move_cards_on_the_real_board(tmp_path: Path) -> None:
    if not (EXAMPLES / "SPECs" / "website").is_dir():
        pytest.skip("examples/SPECs/website is absent")
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    settings = load_settings(root, environ={"HOME": str(tmp_path)},
                             flags={"quiet_ms": 100, "max_wait_ms": 1000})
    layout = settings.effective_layout
    calls: list[str] = []

    files = BoardFiles()

    async def reconcile(key: str, run: Run) -> ReconcileResult:
        calls.append(key)
        result = await asyncio.to_thread(local.reconcile_local, root, key, settings,
                                         memory=files.memory, own_writes=files.own_writes)
        return ReconcileResult(wrote_board=result.written)

    daemon = Daemon(
        root, settings, reconcile=reconcile,
        discover=lambda: workspace.find_boards(root, settings.specs_dir, layout),
        board_for_path=lambda p: workspace.board_for_path(root, p, settings.specs_dir, layout),
        own_writes=files.own_writes,
        options=RuntimeOptions(install_signal_handlers=False, heartbeat_interval_s=0.2,
                               supervise_interval_s=0.1),
    )
    task = asyncio.create_task(daemon.run())
    try:
        await daemon.wait_until(lambda: daemon.rescans >= 1 and daemon.idle.is_set())
        board = root / "SPECs" / "website" / "_kanban.md"
        assert board.is_file()
        first = board.read_text()
        runs = calls.count("SPECs/website")

        progress = root / "SPECs" / "website" / "progress_website.json"
        doc = json.loads(progress.read_text())
        for t in doc["tasks"]:
            t["status"] = "completed"
            for s in t["steps"]:
                s["status"] = "completed"
        progress.write_text(json.dumps(doc))
        await daemon.wait_until(
            lambda: calls.count("SPECs/website") > runs and daemon.idle.is_set()
            and board.read_text() != first
        )
        # Our own write of the board caused no further reconcile: prove it with a sentinel.
        runs = calls.count("SPECs/website")
        params = next((root / "SPECs").rglob("parameters_*.toml"))
        sentinel = params.parent.relative_to(root).as_posix()
        before = calls.count(sentinel)
        params.write_text(params.read_text() + "\n")
        await daemon.wait_until(lambda: calls.count(sentinel) > before and daemon.idle.is_set())
        assert calls.count("SPECs/website") == runs
    finally:
        daemon.request_stop()
        assert await asyncio.wait_for(task, 10) == 0


MAIN_RUN_SCRIPT = """
import sys
from pathlib import Path
from kanbanger_daemon.daemon.runtime import RuntimeOptions
from kanbanger_daemon.daemon.wiring import main_run
from kanbanger_daemon.settings import load_settings

root = Path(sys.argv[1])
settings = load_settings(root, environ={"HOME": sys.argv[2]}, flags={"quiet_ms": 100})
sys.exit(main_run(root, settings, options=RuntimeOptions(heartbeat_interval_s=0.2)))
"""


def test_main_run_serves_a_workspace_local_only_and_stops_on_sigterm(tmp_path: Path) -> None:
    if not (EXAMPLES / "SPECs" / "website").is_dir():
        pytest.skip("examples/SPECs/website is absent")
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    board = root / "SPECs" / "website" / "_kanban.md"
    proc = subprocess.Popen([sys.executable, "-c", MAIN_RUN_SCRIPT, str(root), str(tmp_path)])
    try:
        wait_for(lambda: read_status(root).code == 0 and board.is_file(), 15.0,
                 "the daemon to write the board and say it is healthy")
        report = read_status(root)
        assert report.status is not None and report.status["mode"] == "local-only"
        assert any("local-only" in note for note in report.status["notes"])
        first = board.read_text()
        progress = root / "SPECs" / "website" / "progress_website.json"
        progress.write_text(progress.read_text().replace('"in_progress"', '"completed"'))
        wait_for(lambda: board.read_text() != first, 15.0, "the board to change")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
        assert read_status(root).code == 3
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
