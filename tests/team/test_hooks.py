"""`hooks install|uninstall` in a real git repository, with real commits."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from kanbanger_daemon.cli import main
from kanbanger_daemon.team import hooks
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.git import git, git_env
from tests.helpers.paths import EXAMPLES

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

DAEMON = [sys.executable, "-m", "kanbanger_daemon"]


@pytest.fixture
def repo(tmp_path: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository whose `ws/` folder is a workspace pointed at the fake."""
    top = tmp_path / "repo"
    shutil.copytree(EXAMPLES, top / "ws")
    env = git_env(tmp_path)
    assert git(top, env, "init", "-q").returncode == 0
    (top / "ws" / ".env").write_text(
        f"GITHUB_TOKEN={fake.token}\nGITHUB_REPO=octo/specs\nGITHUB_PROJECT_NUMBER=1\n"
        f"GITHUB_GRAPHQL_URL={fake.url}\nKANBANGER_MUTATION_INTERVAL_S=0\n")
    (top / ".gitignore").write_text(".env\n.kanban.json\n.kanbanger/\n")
    for name in list(os.environ):
        if name.startswith(("GITHUB_", "KANBANGER_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return top


def statuses(fake: FakeGitHub) -> dict[str, str | None]:
    return {i.title: i.status for i in fake.items(include_archived=False)}


def test_commit_syncs_the_touched_boards_and_keeps_an_existing_hook(
    repo: Path, fake: FakeGitHub, tmp_path: Path
) -> None:
    env = git_env(tmp_path)
    old_hook = repo / ".git" / "hooks" / "post-commit"
    old_hook.write_text(f"#!/bin/sh\necho ran >> '{tmp_path / 'old-hook-ran'}'\n")
    old_hook.chmod(0o755)

    done = hooks.install(repo / "ws", DAEMON)
    assert any("kept your hook" in line for line in done)
    assert hooks.install(repo / "ws", DAEMON)[-1].startswith("already installed")

    git(repo, env, "add", "-A")
    commit = git(repo, env, "commit", "-qm", "specs")
    assert commit.returncode == 0, commit.stderr
    assert commit.stderr == "", commit.stderr  # a good sync is silent
    assert (tmp_path / "old-hook-ran").read_text() == "ran\n"
    assert statuses(fake)["Task 2: Build (SPEC: spec_website.md)"] == "In Progress"

    progress = repo / "ws" / "SPECs" / "website" / "progress_website.json"
    doc = json.loads(progress.read_text())
    doc["tasks"][1]["status"] = "completed"
    progress.write_text(json.dumps(doc))
    git(repo, env, "add", "-A")
    assert git(repo, env, "commit", "-qm", "build done").returncode == 0
    assert statuses(fake)["Task 2: Build (SPEC: spec_website.md)"] == "Done"
    assert (tmp_path / "old-hook-ran").read_text() == "ran\nran\n"

    assert hooks.uninstall(repo / "ws")[-1].startswith("restored your earlier hook")
    assert old_hook.read_text().startswith("#!/bin/sh\necho ran")


def test_a_commit_touching_no_board_sends_nothing(
    repo: Path, fake: FakeGitHub, tmp_path: Path
) -> None:
    env = git_env(tmp_path)
    git(repo, env, "add", "-A")
    assert git(repo, env, "commit", "-qm", "before the hook").returncode == 0
    hooks.install(repo / "ws", DAEMON)
    (repo / "README.txt").write_text("hello\n")
    git(repo, env, "add", "README.txt")
    commit = git(repo, env, "commit", "-qm", "docs")
    assert commit.returncode == 0 and commit.stderr == ""
    assert fake.counters.requests == 0


def test_a_failing_sync_is_printed_and_the_commit_still_succeeds(
    repo: Path, fake: FakeGitHub, tmp_path: Path
) -> None:
    env = git_env(tmp_path)
    bad = "ghp_revokedREVOKEDrevoked0000000000000"
    dotenv = repo / "ws" / ".env"
    dotenv.write_text(dotenv.read_text().replace(fake.token, bad))
    hooks.install(repo / "ws", DAEMON)
    git(repo, env, "add", "-A")
    commit = git(repo, env, "commit", "-qm", "specs")
    assert commit.returncode == 0
    assert "kanbanger-daemon hook: sync failed (exit 1); the commit is done" in commit.stderr
    assert "401" in commit.stderr  # the reason, not swallowed
    assert bad not in commit.stderr
    assert git(repo, env, "log", "--oneline").stdout.count("\n") == 1


@pytest.mark.parametrize("has_timeout_command", [True, False], ids=["timeout", "plain-sh"])
def test_a_hanging_sync_is_cut_off_by_the_time_limit(
    repo: Path, tmp_path: Path, has_timeout_command: bool
) -> None:
    env = git_env(tmp_path)
    if not has_timeout_command:  # e.g. macOS without coreutils: the hook's own watchdog
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        for tool in ("git", "sh", "dirname", "sleep", "mktemp", "cat", "rm"):
            found = shutil.which(tool)
            assert found is not None
            (bin_dir / tool).symlink_to(found)
        env["PATH"] = str(bin_dir)
    slow = tmp_path / "slow-daemon"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    hooks.install(repo / "ws", [str(slow)], timeout_s=1)
    git(repo, env, "add", "-A")
    started = time.monotonic()
    commit = git(repo, env, "commit", "-qm", "specs")
    elapsed = time.monotonic() - started
    assert commit.returncode == 0
    assert "sync gave up after 1s" in commit.stderr
    assert elapsed < 15


def test_core_hooks_path_is_respected_and_a_foreign_hook_is_not_removed(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = git_env(tmp_path)
    git(repo, env, "config", "core.hooksPath", ".githooks")
    assert main(["hooks", "install", "--root", str(repo / "ws")]) == 0
    assert "note: this workspace has no GitHub settings" not in capsys.readouterr().out
    hook = repo / ".githooks" / "post-commit"
    assert hooks.is_ours(hook) and os.access(hook, os.X_OK)
    assert not (repo / ".git" / "hooks" / "post-commit").exists()
    # The hook names the workspace relative to the work tree: it works in every clone.
    assert str(tmp_path) not in hook.read_text().split("exe=")[0]
    assert main(["hooks", "uninstall", "--root", str(repo / "ws")]) == 0
    assert not hook.exists()
    hook.write_text("#!/bin/sh\nexit 0\n")
    assert main(["hooks", "uninstall", "--root", str(repo / "ws")]) == 0
    assert "left untouched" in capsys.readouterr().out
    assert hook.exists()


def test_outside_a_git_repository_install_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "plain").mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert main(["hooks", "install", "--root", str(tmp_path / "plain")]) == 1
    assert "is not inside a git work tree" in capsys.readouterr().err


def test_installing_in_a_workspace_without_settings_points_to_setup(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "ws" / ".env").unlink()
    assert main(["hooks", "install", "--root", str(repo / "ws")]) == 0
    out = capsys.readouterr().out
    assert "installed" in out
    assert "no GitHub settings yet: run `kanbanger-daemon setup`" in out


def test_a_workspace_path_with_spaces_and_quotes_is_synced(
    repo: Path, fake: FakeGitHub, tmp_path: Path
) -> None:
    env = git_env(tmp_path)
    odd = repo / "team's specs"
    (repo / "ws").rename(odd)
    hooks.install(odd, DAEMON)
    (repo / "notes.txt").write_text("not a board\n")
    git(repo, env, "add", "-A")
    commit = git(repo, env, "commit", "-qm", "specs")
    assert commit.returncode == 0 and commit.stderr == "", commit.stderr
    assert statuses(fake)["Task 2: Build (SPEC: spec_website.md)"] == "In Progress"
