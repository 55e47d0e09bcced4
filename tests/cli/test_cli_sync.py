"""`sync` against the fake GitHub: plan, apply, zero-cost no-op, per-SPEC target."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from kanbanger_daemon.cli import main
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.fake_github import point_at_fake
from tests.helpers.paths import EXAMPLES

pytestmark = pytest.mark.fake_github(second_project="Other")


@pytest.fixture
def ws(tmp_path: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    point_at_fake(monkeypatch, tmp_path, fake)
    return root


def sync(ws: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["sync", "--json", "--root", str(ws), *extra])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, json.loads(out.out)


def titles_by_status(fake: FakeGitHub, number: int = 1) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in fake.items(number, include_archived=False):
        out.setdefault(item.status or "-", []).append(item.title)
    return out


def test_first_sync_creates_the_boards_then_no_change_costs_nothing(
    ws: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = sync(ws, capsys)
    assert code == 0 and doc["failed"] == 0
    board = titles_by_status(fake)
    assert board["Done"] == ["Task 1: Design (SPEC: spec_website.md)"]
    assert board["In Progress"] == ["Task 2: Build (SPEC: spec_website.md)"]
    assert len(board["Todo"]) == 5
    fake.reset_counters()
    code, doc = sync(ws, capsys)
    assert code == 0 and doc["http_requests"] == 0
    assert fake.counters.requests == 0


def test_dry_run_prints_the_plan_and_sends_no_mutation(
    ws: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sync", "--dry-run", "--root", str(ws)])
    out = capsys.readouterr().out
    assert code == 0
    assert '+ create    "Task 1: Design (SPEC: spec_website.md)" in Done' in out
    assert fake.counters.mutation_documents == 0 and fake.items() == []
    assert not (ws / "SPECs" / "website" / "_kanban.md").exists()


def test_a_progress_change_moves_one_card(
    ws: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    sync(ws, capsys)
    log_path = ws / "SPECs" / "website" / "progress_website.json"
    log = json.loads(log_path.read_text())
    log["tasks"][1]["status"] = "completed"
    log_path.write_text(json.dumps(log))
    code, doc = sync(ws, capsys)
    assert code == 0
    assert "Task 2: Build (SPEC: spec_website.md)" in titles_by_status(fake)["Done"]
    # discovery, then one document: the card's Status, its place in the column, its draft (the
    # sync tag) and the project status update
    assert doc["http_requests"] == 2
    [document] = [r.body["query"] for r in fake.requests_log[-1:]]
    assert "createProjectV2StatusUpdate" in document
    assert len(fake.items()) == 7  # nothing duplicated


def test_a_spec_folder_env_sends_its_board_to_another_project(
    ws: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    (ws / "SPECs" / "website" / ".env").write_text("GITHUB_PROJECT_NUMBER=2\n")
    code, _ = sync(ws, capsys)
    assert code == 0
    assert all("spec_website" not in i.title for i in fake.items(1))
    assert {i.title for i in fake.items(2)} >= {"Task 1: Design (SPEC: spec_website.md)"}


def test_token_is_never_printed_and_missing_settings_exit_1(
    ws: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    main(["sync", "--root", str(ws)])
    out = capsys.readouterr()
    assert fake.token not in out.out + out.err
    monkeypatch.delenv("GITHUB_TOKEN")
    assert main(["sync", "--root", str(ws)]) == 1
    assert "GITHUB_TOKEN" in capsys.readouterr().err


def test_bad_token_is_one_clear_line(
    ws: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrongwrongwrongwrongwrongwrong1234")
    assert main(["sync", "--root", str(ws)]) == 1
    out = capsys.readouterr()
    assert "ghp_wrongwrong" not in out.out + out.err
    assert "Traceback" not in out.err


def test_project_status_update_is_posted_only_when_it_changes(
    ws: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    sync(ws, capsys)
    assert [s for s, _ in fake.status_updates(1)] == ["ON_TRACK"]
    sync(ws, capsys)
    assert len(fake.status_updates(1)) == 1
    for folder, log_name, ids in (
        ("website", "progress_website.json", (1, 2, 3)),
        ("ACGTACGT/spec_data_pipeline", "progress_data_pipeline.json", (1, 2, 3, 4)),
    ):
        done = {"tasks": [{"id": i, "status": "completed"} for i in ids]}
        (ws / "SPECs" / folder / log_name).write_text(json.dumps(done))
    code, _ = sync(ws, capsys)
    assert code == 0
    assert [s for s, _ in fake.status_updates(1)] == ["ON_TRACK", "COMPLETE"]


def test_json_carries_the_spec_metrics_of_each_board(
    ws: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = sync(ws, capsys, "--dry-run")
    assert code == 0
    metrics = {b["board"]: b["metrics"] for b in doc["boards"]}
    [website] = metrics["SPECs/website"]
    assert website["path"] == "SPECs/website/spec_website.md"
    assert website["tasks"] == {"total": 3, "completed": 1, "in_progress": 1, "blocked": 0,
                                "skipped": 0}
    assert website["backups"]["steps_recorded"] == 3
    assert (website["backups"]["used"], website["backups"]["usage_rate"]) == (0, 0.0)
    # The example log has no timestamps: velocity and time per column are unknown, not zero.
    assert website["velocity_tasks_per_hour"] is None and website["time_in_column_s"] == {}
    assert "per_task" not in website
    [pipeline] = metrics["SPECs/ACGTACGT/spec_data_pipeline"]
    assert pipeline["tasks"]["completed"] == 0 and pipeline["backups"]["usage_rate"] is None
