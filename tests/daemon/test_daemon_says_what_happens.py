"""What `run` tells a person: one line per card that moves on GitHub, one per push with its
request count, and whether the token still works even when no board changes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from kanbanger_daemon.core.sync.plan_text import card_changes
from kanbanger_daemon.daemon.runtime import RuntimeOptions
from kanbanger_daemon.daemon.wiring import wire_github_daemon
from kanbanger_daemon.models.sync import OpKind, RemoteOp, RemotePlan
from kanbanger_daemon.settings import load_settings
from kanbanger_daemon.sync.pusher import BoardPusher, client_from
from kanbanger_daemon.testing import FakeGitHub

pytestmark = [pytest.mark.timeout(60),
              pytest.mark.usefixtures("no_leaked_threads", "no_leaked_tasks")]
BUILD = "Task 2: Build (SPEC: spec_website.md)"


def test_each_card_change_reads_as_one_line() -> None:
    plan = RemotePlan(board_key="SPECs/website", ops=[
        RemoteOp(kind=OpKind.CREATE, key="k1", title="Task 3: Launch", option_name="Todo"),
        RemoteOp(kind=OpKind.STATUS, key="k1", item_id=None, title="Task 3: Launch",
                 option_name="Todo"),
        RemoteOp(kind=OpKind.STATUS, key="k2", item_id="I2", title=BUILD,
                 option_name="In Progress", old_title="Todo"),
        RemoteOp(kind=OpKind.ARCHIVE, key="k3", item_id="I3", title="Task 9: Gone"),
    ])
    assert card_changes(plan, "octo/specs#1") == [
        "Task 3: Launch new in Todo · octo/specs#1",
        f"{BUILD} Todo → In Progress · octo/specs#1",
        "Task 9: Gone archived · octo/specs#1",
    ]


@pytest.fixture
def workspace(one_board_workspace: Path) -> Path:
    return one_board_workspace


async def test_run_logs_each_moved_card_and_each_push_with_its_request_count(
    workspace: Path,
) -> None:
    settings = load_settings(workspace, flags={"quiet_ms": 50, "max_wait_ms": 500})
    pusher = BoardPusher(workspace, settings, client_from(settings), health_delay_s=None)
    daemon = wire_github_daemon(workspace, settings, pusher, options=RuntimeOptions(
        install_signal_handlers=False, heartbeat_interval_s=0.2, supervise_interval_s=0.2,
        poll_interval_s=3600.0))
    with capture_logs() as logs:
        task = asyncio.create_task(daemon.run())
        try:
            await daemon.wait_until(lambda: daemon.rescans >= 1 and daemon.idle.is_set(), 20)
            progress = workspace / "SPECs" / "website" / "progress_website.json"
            doc = json.loads(progress.read_text())
            for entry in doc["tasks"]:
                entry["status"] = "completed"
            reconciles = daemon.reconciles_of("SPECs/website")
            progress.write_text(json.dumps(doc))
            await daemon.wait_until(lambda: daemon.reconciles_of("SPECs/website") > reconciles
                                    and daemon.idle.is_set(), 20)
        finally:
            daemon.request_stop()
            assert await asyncio.wait_for(task, 15) == 0
            await pusher.aclose()
    events = [e["event"] for e in logs]
    assert f"{BUILD} In Progress → Done · octo/specs#1" in events
    pushes = [e for e in logs if e["event"] == "push.done" and e["changes"]]
    assert pushes and all(e["http_requests"] >= 1 for e in pushes)


async def test_the_token_is_checked_even_when_nothing_changes(
    workspace: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(workspace)
    pusher = BoardPusher(workspace, settings, client_from(settings), health_delay_s=None)
    try:
        await pusher.verify_token()
        assert pusher.status().auth_verified_at is not None
        assert pusher.status().last_error is None
    finally:
        await pusher.aclose()

    monkeypatch.setenv("GITHUB_TOKEN", "ghp_revoked0000000000000000000000000000")
    revoked = load_settings(workspace)
    pusher = BoardPusher(workspace, revoked, client_from(revoked), health_delay_s=None)
    try:
        await pusher.verify_token()
        status = pusher.status()
        assert status.auth_verified_at is None
        assert status.last_error is not None and status.last_error.startswith("token: ")
        assert "ghp_revoked" not in status.last_error
    finally:
        await pusher.aclose()
