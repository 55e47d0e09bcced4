"""`doctor` on a healthy workspace and on broken ones: each failure found, each with its fix."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from kanbanger_daemon.cli import main
from kanbanger_daemon.service.names import instance_unit
from kanbanger_daemon.team.checks import Check, DoctorContext, run_checks
from kanbanger_daemon.team.service_state import ServiceControl
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.paths import EXAMPLES


@pytest.fixture
def ws(tmp_path: Path, fake: FakeGitHub) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    (root / ".gitignore").write_text(".env\n.kanban.json\n.kanbanger/\n")
    env = root / ".env"
    env.write_text(f"GITHUB_TOKEN={fake.token}\nGITHUB_REPO=octo/specs\n"
                   f"GITHUB_PROJECT_NUMBER=1\nGITHUB_GRAPHQL_URL={fake.url}\n")
    env.chmod(0o600)
    return root


def proc(tmp_path: Path, watches: int = 524288, instances: int = 128) -> Path:
    folder = tmp_path / "inotify"
    folder.mkdir(exist_ok=True)
    for name, value in (("max_user_watches", watches), ("max_user_instances", instances),
                        ("max_queued_events", 16384)):
        (folder / name).write_text(f"{value}\n")
    return folder


def doctor(ws: Path, tmp_path: Path, *, watches: int = 524288, network: bool = True,
           environ: dict[str, str] | None = None, local_only: bool = False) -> dict[str, Check]:
    ctx = DoctorContext(
        root=ws, environ=environ or {"HOME": str(tmp_path / "home")}, network=network,
        local_only=local_only,
        service=ServiceControl(home=tmp_path / "home", platform="systemd", runner=None,
                               command=["/opt/kd/bin/kanbanger-daemon"]),
        inotify_dir=proc(tmp_path, watches),
    )
    checks = run_checks(ctx)
    names = [c.name for c in checks]
    assert len(names) == len(set(names)), names
    return {c.name: c for c in checks}


def problems(checks: dict[str, Check]) -> dict[str, Check]:
    return {name: c for name, c in checks.items() if c.is_problem}


def test_healthy_workspace_has_no_problem(ws: Path, tmp_path: Path) -> None:
    checks = doctor(ws, tmp_path)
    assert problems(checks) == {}
    for name in ("config", "gitignore", "env-permissions", "token", "target", "layout",
                 "inputs", "inotify", "token-valid", "repo", "project-link", "status-options"):
        assert checks[name].ok, checks[name]
    assert checks["layout"].detail == "per-spec layout, 2 board(s)"
    # No service on this machine is worth a warning, not a failure (CI and hook users).
    assert not checks["service"].ok and checks["service"].severity == "warning"
    assert checks["service"].fix.startswith("kanbanger-daemon service install")


def test_doctor_command_exit_codes_and_json(
    ws: Path, fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(os.environ):
        if name.startswith(("GITHUB_", "KANBANGER_")) or name == "XDG_CONFIG_HOME":
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert main(["doctor", "--root", str(ws)]) == 0
    table = capsys.readouterr().out
    assert "✓ status-options" in table and fake.token not in table
    (ws / ".env").chmod(0o644)
    assert main(["doctor", "--json", "--no-network", "--root", str(ws)]) == 1
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert doc["ok"] is False and fake.token not in out
    failed = {c["name"]: c for c in doc["checks"] if not c["ok"]}
    assert failed["env-permissions"]["fix"] == f"chmod 600 {ws / '.env'}"
    assert {c["name"]: c["detail"] for c in doc["checks"]}["github"] == "skipped (--no-network)"
    # Only the first run talked to GitHub: preflight, linked projects, discovery.
    assert fake.counters.requests == 3


def test_broken_local_workspace(ws: Path, tmp_path: Path) -> None:
    (ws / ".env").chmod(0o640)
    (ws / ".gitignore").write_text("_kanban.md\n")
    progress = ws / "SPECs" / "website" / "progress_website.json"
    progress.write_text('{"tasks": [ {"id": 1, "status": "completed"')
    checks = doctor(ws, tmp_path, watches=1000, network=False)
    found = problems(checks)
    assert set(found) == {"env-permissions", "inputs", "inotify"}
    assert found["env-permissions"].fix.startswith("chmod 600")
    assert "progress_website.json" in found["inputs"].detail
    assert "inspect" in found["inputs"].fix
    assert "max_user_watches is 1000" in found["inotify"].detail
    assert "fs.inotify.max_user_watches=524288" in found["inotify"].fix
    assert checks["gitignore"].severity == "warning"
    assert "remove the _kanban.md line" in checks["gitignore"].fix


def test_bad_config_and_no_specs(ws: Path, tmp_path: Path) -> None:
    with (ws / ".env").open("a") as fh:
        fh.write("KANBANGER_QUIET_MS=soon\n")
    shutil.rmtree(ws / "SPECs")
    found = problems(doctor(ws, tmp_path))
    assert "KANBANGER_QUIET_MS" in found["config"].detail and ".env" in found["config"].detail
    assert "no SPECs/ folder" in found["layout"].detail
    assert "spec_<name>.md" in found["layout"].fix


def test_missing_settings(ws: Path, tmp_path: Path) -> None:
    (ws / ".env").write_text("GITHUB_REPO=octo/specs\n")
    found = problems(doctor(ws, tmp_path))
    assert found["token"].fix == "kanbanger-daemon setup (or set GITHUB_TOKEN)"
    assert found["target"].detail == "GITHUB_PROJECT_NUMBER not set"


def test_local_only_is_a_supported_state(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (ws / ".env").write_text("KANBANGER_QUIET_MS=200\n")
    checks = doctor(ws, tmp_path)
    assert problems(checks) == {}
    assert checks["github-settings"].detail.startswith("local-only: no GitHub settings")
    assert checks["github"].ok
    for name in list(os.environ):
        if name.startswith(("GITHUB_", "KANBANGER_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert main(["doctor", "--local-only", "--no-network", "--root", str(ws)]) == 0
    assert "local-only" in capsys.readouterr().out


def test_doctor_local_only_asserts_there_is_no_github_setting(ws: Path, tmp_path: Path) -> None:
    found = problems(doctor(ws, tmp_path, local_only=True, network=False))
    assert found["local-only"].detail == (
        "--local-only, but GitHub settings are present: GITHUB_TOKEN, GITHUB_REPO, "
        "GITHUB_PROJECT_NUMBER")


def test_github_failures_each_with_a_fix(ws: Path, fake: FakeGitHub, tmp_path: Path) -> None:
    fake.scopes = ("repo",)
    found = problems(doctor(ws, tmp_path))
    assert "lacks the `project` scope" in found["token-valid"].detail
    assert found["token-valid"].fix.startswith("gh auth refresh -s project")

    fake.scopes = ("repo", "project")
    fake.add_project(3, "Unlinked")
    env = ws / ".env"
    env.write_text(env.read_text().replace("GITHUB_PROJECT_NUMBER=1", "GITHUB_PROJECT_NUMBER=3"))
    found = problems(doctor(ws, tmp_path))
    assert "project #3 is not linked to octo/specs (linked: #1 'Specs')" in (
        found["project-link"].detail)
    assert found["project-link"].fix == "gh project link 3 --owner octo --repo octo/specs"

    fake.person_set_options(["Todo", "Done"])
    env.write_text(env.read_text().replace("GITHUB_PROJECT_NUMBER=3", "GITHUB_PROJECT_NUMBER=1"))
    found = problems(doctor(ws, tmp_path))
    assert "lacks In Progress" in found["status-options"].detail
    assert "--add-status-options" in found["status-options"].fix

    env.write_text(env.read_text().replace(fake.token, "ghp_badBADbad000000000000000000000000"))
    found = problems(doctor(ws, tmp_path))
    assert "401" in found["token-valid"].detail
    assert "ghp_badBAD" not in found["token-valid"].detail


def test_a_spec_folder_pointing_at_another_project_is_checked_too(
    ws: Path, fake: FakeGitHub, tmp_path: Path
) -> None:
    fake.add_project(2, "Pipeline", ("Todo", "Done"), link_to="specs")
    (ws / "SPECs" / "ACGTACGT" / "spec_data_pipeline" / ".env").write_text(
        "GITHUB_PROJECT_NUMBER=2\n")
    checks = doctor(ws, tmp_path)
    assert checks["status-options octo/specs#1"].ok
    assert set(problems(checks)) == {"status-options octo/specs#2"}
    assert "octo/specs #2: 'Status' lacks In Progress" in (
        checks["status-options octo/specs#2"].detail)


def test_installed_service_whose_daemon_is_not_running_is_a_problem(
    ws: Path, tmp_path: Path
) -> None:
    control = ServiceControl(home=tmp_path / "home", platform="systemd", runner=None,
                             command=["/opt/kd/bin/kanbanger-daemon"])
    control.install(ws)
    checks = doctor(ws, tmp_path, network=False)
    assert checks["service"].ok
    assert checks["daemon"].is_problem
    assert checks["daemon"].fix == f"systemctl --user restart {instance_unit(ws)}"


def test_a_misspelt_key_says_unknown_key_and_offers_the_name(ws: Path, tmp_path: Path) -> None:
    with (ws / ".env").open("a") as fh:
        fh.write("KANBANGER_LAYOT=single\n")
    found = problems(doctor(ws, tmp_path, network=False))
    assert found["config"].detail == (f"unknown key KANBANGER_LAYOT (did you mean "
                                      f"KANBANGER_LAYOUT?) in {ws / '.env'}")
    assert found["config"].fix == "rename or remove the key named above"


def test_where_each_github_value_came_from_and_a_stale_export(ws: Path, tmp_path: Path) -> None:
    env_file = ws / ".env"
    checks = doctor(ws, tmp_path, environ={"HOME": str(tmp_path / "home"),
                                           "GITHUB_REPO": "stale/other"})
    assert checks["token"].detail == f"set (GITHUB_TOKEN from workspace .env {env_file})"
    assert checks["target"].detail == (
        f"octo/specs project #1 (GITHUB_REPO from workspace .env {env_file}, "
        f"GITHUB_PROJECT_NUMBER from workspace .env {env_file})")
    assert checks["token-destination"].ok
    notes = checks["config-notes"]
    assert not notes.ok and not notes.is_problem
    assert "(octo/specs) overrides GITHUB_REPO in the environment (stale/other)" in notes.detail
