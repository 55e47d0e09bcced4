"""`setup`: the wizard's questions (through streams), the non-interactive form, idempotency."""

from __future__ import annotations

import io
import os
import shutil
import stat
from pathlib import Path

import pytest

from kanbanger_daemon.cli import main
from kanbanger_daemon.errors import KanbangerError
from kanbanger_daemon.models import Layout
from kanbanger_daemon.service.names import instance_unit
from kanbanger_daemon.service.units import ServiceTarget, render_systemd
from kanbanger_daemon.team.dotenv_file import read_env
from kanbanger_daemon.team.prompts import FlagsOnly, StreamPrompter
from kanbanger_daemon.team.service_state import ServiceControl
from kanbanger_daemon.team.wizard import SetupAnswers, SetupEnvironment, SetupWizard
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.paths import EXAMPLES

OTHER_TOKEN = "ghp_otherTOKENfromGHcli0000000000000000"


# Project 1 lacks "In Progress"; project 2 is complete.
pytestmark = pytest.mark.fake_github(status_options=("Todo", "Done"), second_project="Team board")


@pytest.fixture
def ws(tmp_path: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    for name in ("KANBANGER_CONFIG", "XDG_CONFIG_HOME", "GITHUB_TOKEN", "GITHUB_REPO",
                 "GITHUB_PROJECT_NUMBER", "KANBANGER_GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GITHUB_GRAPHQL_URL", fake.url)
    return root


def environment(fake: FakeGitHub, tmp_path: Path, *, token: bool = True,
                gh: str | None = None) -> SetupEnvironment:
    environ = {"GITHUB_GRAPHQL_URL": fake.url, "HOME": str(tmp_path / "home")}
    if token:
        environ["GITHUB_TOKEN"] = fake.token
    return SetupEnvironment(
        environ=environ,
        gh=(lambda: gh) if gh is not None else None,
        service=ServiceControl(home=tmp_path / "home", platform="systemd", runner=None,
                               command=["/opt/kd/bin/kanbanger-daemon"]),
    )


def interactive(answers: str) -> tuple[StreamPrompter, io.StringIO]:
    out = io.StringIO()
    return StreamPrompter(io.StringIO(answers), out), out


def flat(screen: str) -> str:
    """The screen with line wrapping undone."""
    return " ".join(screen.split())


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {name: ((root / name).read_bytes(), (root / name).stat().st_mtime_ns)
            for name in (".env", ".gitignore")}


def test_interactive_answers_configure_the_workspace_and_never_echo_the_token(
    ws: Path, fake: FakeGitHub, tmp_path: Path
) -> None:
    env = environment(fake, tmp_path, token=False, gh=None)
    # gitignore: yes; token typed; repo; project 2 of the list; layout 2 (single); no service.
    ui, out = interactive(f"\n{fake.token}\nocto/specs\n2\n2\nn\n")
    code = SetupWizard(ws, SetupAnswers(), ui, env).run()
    screen = out.getvalue()
    assert code == 0, screen
    assert fake.token not in screen
    assert "1) #1 Specs" in screen and "2) #2 Team board" in screen
    assert "Ready." in screen
    values = read_env(ws / ".env")
    # The API URL stays in the environment, where it was set (DESIGN §9).
    assert values == {"GITHUB_TOKEN": fake.token, "GITHUB_REPO": "octo/specs",
                      "GITHUB_PROJECT_NUMBER": "2", "KANBANGER_LAYOUT": "single"}
    assert stat.S_IMODE((ws / ".env").stat().st_mode) == 0o600
    assert (ws / ".gitignore").read_text().splitlines()[1:] == [".env", ".kanban.json",
                                                               ".kanbanger/"]


def test_a_bad_token_is_explained_and_asked_again(
    ws: Path, fake: FakeGitHub, tmp_path: Path
) -> None:
    env = environment(fake, tmp_path, token=False, gh=OTHER_TOKEN)
    ui, out = interactive(f"\nghp_wrongwrongwrongwrong00000000000000\n{fake.token}\n"
                          "octo/specs\n1\nn\n1\nn\n")
    code = SetupWizard(ws, SetupAnswers(), ui, env).run()
    screen = out.getvalue()
    assert "the token from `gh auth token` does not work" in screen
    assert "401" in screen
    assert OTHER_TOKEN not in screen and fake.token not in screen
    assert "fine-grained token reports no scopes" in flat(screen)
    # Long explanations are wrapped to fit a terminal.
    explained = [line for line in screen.splitlines() if line.startswith("  ✗ the token")]
    assert explained and all(len(line) <= 88 for line in explained)
    # Declining to add the missing Status option leaves the workspace not ready, with why.
    assert code == 1
    assert "Status options missing (In Progress)" in screen
    assert [o.name for o in fake.status_options(1)] == ["Todo", "Done"]


def test_missing_scope_is_refused_with_the_command_that_fixes_it(
    ws: Path, fake: FakeGitHub, tmp_path: Path
) -> None:
    fake.scopes = ("repo",)
    code = SetupWizard(ws, SetupAnswers(repo="octo/specs", project=2), FlagsOnly(io.StringIO()),
                       environment(fake, tmp_path)).run()
    assert code == 1
    assert not (ws / ".env").exists()


def test_no_linked_project_explains_how_to_link_one(
    ws: Path, fake: FakeGitHub, tmp_path: Path
) -> None:
    fake.add_repository("empty")
    out = io.StringIO()
    code = SetupWizard(ws, SetupAnswers(repo="octo/empty"), FlagsOnly(out),
                       environment(fake, tmp_path)).run()
    assert code == 1
    assert "no project is linked to octo/empty" in out.getvalue()
    assert "gh project link" in out.getvalue()


def test_non_interactive_flags_then_a_second_run_changes_nothing(
    ws: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", fake.token)
    code = main(["setup", "--non-interactive", "--root", str(ws), "--repo", "octo/specs",
                 "--project", "1", "--layout", "single", "--add-status-options"])
    first = capsys.readouterr().out
    assert code == 0, first
    assert fake.token not in first
    assert [o.name for o in fake.status_options(1)] == ["Todo", "Done", "In Progress"]
    before = snapshot(ws)
    requests_before = fake.counters.mutation_documents

    # Again, with the token now only in .env: everything is already right.
    monkeypatch.delenv("GITHUB_TOKEN")
    code = main(["setup", "--non-interactive", "--root", str(ws)])
    second = capsys.readouterr().out
    assert code == 0, second
    assert snapshot(ws) == before
    assert fake.counters.mutation_documents == requests_before
    for line in ("✓ already ignores .env", "✓ token from .env", "✓ every board column",
                 "✓ single (1 board(s))", "✓ already up to date"):
        assert line in second


def test_non_interactive_reports_what_is_missing(
    ws: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", fake.token)
    assert main(["setup", "--non-interactive", "--root", str(ws), "--repo", "octo/specs"]) == 1
    assert "pass --project N (linked to octo/specs: #1 'Specs', #2 'Team board')" in flat(
        capsys.readouterr().out)
    assert main(["setup", "--non-interactive", "--root", str(ws), "--repo", "octo/specs",
                 "--project", "7"]) == 1
    assert "project #7 is not linked to octo/specs" in flat(capsys.readouterr().out)
    assert main(["setup", "--non-interactive", "--root", str(ws), "--repo", "octo/specs",
                 "--project", "1"]) == 1
    assert "rerun with --add-status-options" in flat(capsys.readouterr().out)
    assert [o.name for o in fake.status_options(1)] == ["Todo", "Done"]


def test_non_interactive_without_a_token_says_how_to_give_one(
    ws: Path, fake: FakeGitHub, tmp_path: Path
) -> None:
    out = io.StringIO()
    code = SetupWizard(ws, SetupAnswers(repo="octo/specs", project=2), FlagsOnly(out),
                       environment(fake, tmp_path, token=False, gh=None)).run()
    assert code == 1
    assert "no working token: set GITHUB_TOKEN" in out.getvalue()
    assert not (ws / ".env").exists()


def test_existing_env_lines_are_kept_and_a_readable_env_is_made_private(
    ws: Path, fake: FakeGitHub, tmp_path: Path
) -> None:
    (ws / ".env").write_text("# mine\nKANBANGER_QUIET_MS=500\nGITHUB_REPO=old/name\n")
    os.chmod(ws / ".env", 0o644)
    out = io.StringIO()
    code = SetupWizard(ws, SetupAnswers(repo="octo/specs", project=2), FlagsOnly(out),
                       environment(fake, tmp_path)).run()
    assert code == 0, out.getvalue()
    text = (ws / ".env").read_text()
    assert text.startswith("# mine\nKANBANGER_QUIET_MS=500\nGITHUB_REPO=octo/specs\n")
    assert stat.S_IMODE((ws / ".env").stat().st_mode) == 0o600
    assert "readable by others: now 0600" in out.getvalue()


def test_service_is_installed_on_request_and_then_reported_as_installed(
    ws: Path, fake: FakeGitHub, tmp_path: Path
) -> None:
    env = environment(fake, tmp_path)
    answers = SetupAnswers(repo="octo/specs", project=2, layout=Layout.PER_SPEC,
                           install_service=True)
    out = io.StringIO()
    assert SetupWizard(ws, answers, FlagsOnly(out), env).run() == 0
    user_dir = tmp_path / "home" / ".config" / "systemd" / "user"
    unit = user_dir / "kanbanger-daemon@.service"
    expected = render_systemd(ServiceTarget(["/opt/kd/bin/kanbanger-daemon"], ws,
                                            tmp_path / "home"))
    assert unit.read_text() == expected
    assert (user_dir / "default.target.wants" / instance_unit(ws)).is_symlink()
    mtime = unit.stat().st_mtime_ns
    out = io.StringIO()
    assert SetupWizard(ws, answers, FlagsOnly(out), env).run() == 0
    assert f"✓ installed ({instance_unit(ws)})" in out.getvalue()
    assert unit.stat().st_mtime_ns == mtime


def test_end_of_input_stops_the_wizard_cleanly(
    ws: Path, fake: FakeGitHub, tmp_path: Path
) -> None:
    ui, _ = interactive("\n")  # answers the .gitignore question, then nothing more
    env = environment(fake, tmp_path, token=False, gh=None)
    with pytest.raises(KanbangerError, match="setup ended: no more input"):
        SetupWizard(ws, SetupAnswers(), ui, env).run()
    assert not (ws / ".env").exists()


def test_a_malformed_repository_is_asked_again(
    ws: Path, fake: FakeGitHub, tmp_path: Path
) -> None:
    ui, out = interactive("\nspecs\nocto/nope\nocto/specs\n2\n1\nn\n")
    code = SetupWizard(ws, SetupAnswers(), ui, environment(fake, tmp_path)).run()
    screen = out.getvalue()
    assert code == 0, screen
    assert "✗ 'specs' does not look like OWNER/NAME" in screen
    assert "✗ Repository octo/nope was not found" in screen
    assert read_env(ws / ".env")["GITHUB_REPO"] == "octo/specs"


def test_installing_in_a_second_workspace_keeps_the_first_workspaces_service(
    ws: Path, fake: FakeGitHub, tmp_path: Path
) -> None:
    env = environment(fake, tmp_path)
    assert env.service is not None
    other = tmp_path / "other-workspace"
    env.service.install(other)
    out = io.StringIO()
    answers = SetupAnswers(repo="octo/specs", project=2, install_service=True)
    assert SetupWizard(ws, answers, FlagsOnly(out), env).run() == 0
    assert env.service.state(ws) == "same"
    assert env.service.state(other) == "same"
