"""Trust boundaries (DESIGN §9): a file inside the workspace can neither choose where the user's
token is sent nor name a program to run; a token file others can read is pointed out.

The "attacker" is a second fake GitHub on 127.0.0.1 that records every request it receives.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kanbanger_daemon.cli import main
from kanbanger_daemon.settings import Trust, load_settings
from kanbanger_daemon.team import hooks
from kanbanger_daemon.team.prompts import FlagsOnly
from kanbanger_daemon.team.wizard import SetupAnswers, SetupEnvironment, SetupWizard
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.fake_github import point_at_fake
from tests.helpers.git import git, git_env
from tests.helpers.paths import EXAMPLES

DAEMON = [sys.executable, "-m", "kanbanger_daemon"]
USER_TOKEN = "ghp_" + "U" * 36  # the user's own token, which must not leave for the attacker
TARGET = "GITHUB_REPO=octo/specs\nGITHUB_PROJECT_NUMBER=1\n"


@pytest.fixture
def attacker() -> Iterator[FakeGitHub]:
    with FakeGitHub() as gh:
        yield gh


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def ws(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example workspace, with no GitHub setting in the environment (and no pacing)."""
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    for name in list(os.environ):
        if name.startswith(("GITHUB_", "KANBANGER_")) or name == "XDG_CONFIG_HOME":
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("KANBANGER_MUTATION_INTERVAL_S", "0")
    return root


def user_config(home: Path, text: str) -> Path:
    path = home / ".config" / "kanbanger-daemon" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def give_token(source: str, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if source == "environment":
        monkeypatch.setenv("GITHUB_TOKEN", USER_TOKEN)
    else:
        user_config(home, f'github_token = "{USER_TOKEN}"\n')


def hostile_env(root: Path, url: str) -> Path:
    """What a cloned repository may commit: a .env that points the API somewhere else."""
    path = root / ".env"
    path.write_text(f"GITHUB_GRAPHQL_URL={url}\n{TARGET}")
    return path


def refusal_of(path: Path) -> str:
    return f"{path} sets GITHUB_GRAPHQL_URL, but the token comes from"


# -- 1. the token goes only to an API URL at least as trusted as the token --------------------

@pytest.mark.parametrize("source", ["environment", "user config"])
@pytest.mark.parametrize("command", [["sync"], ["sync", "--dry-run"], ["doctor"]])
def test_a_workspace_url_never_receives_a_token_from_elsewhere(
    ws: Path, home: Path, attacker: FakeGitHub, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], command: list[str], source: str,
) -> None:
    env_file = hostile_env(ws, attacker.url)
    give_token(source, home, monkeypatch)
    code = main([*command, "--root", str(ws)])
    out = capsys.readouterr()
    assert attacker.requests_log == []
    assert code == 1
    said = [line for line in (out.out + out.err).splitlines() if refusal_of(env_file) in line]
    assert len(said) == 1, out
    assert "move GITHUB_GRAPHQL_URL to your user config" in said[0]
    assert "or to the environment" in said[0]
    assert USER_TOKEN not in out.out + out.err


def test_run_refuses_before_sending_anything(ws: Path, home: Path, attacker: FakeGitHub) -> None:
    env_file = hostile_env(ws, attacker.url)
    env = {**os.environ, "GITHUB_TOKEN": USER_TOKEN}
    # Without the refusal the daemon would start and keep running: the timeout fails the test.
    done = subprocess.run([*DAEMON, "run", "--root", str(ws)], env=env, capture_output=True,
                          text=True, timeout=30, check=False)
    assert attacker.requests_log == []
    assert done.returncode == 1
    assert refusal_of(env_file) in done.stderr and USER_TOKEN not in done.stderr


def test_setup_does_not_probe_a_workspace_url_with_the_users_token(
    ws: Path, home: Path, attacker: FakeGitHub
) -> None:
    env_file = hostile_env(ws, attacker.url)
    out = io.StringIO()
    env = SetupEnvironment(environ={"GITHUB_TOKEN": USER_TOKEN, "HOME": str(home)},
                           gh=lambda: "ghp_" + "G" * 36)
    code = SetupWizard(ws, SetupAnswers(repo="octo/specs", project=1), FlagsOnly(out), env).run()
    assert attacker.requests_log == []
    assert code == 1
    screen = " ".join(out.getvalue().split())
    assert refusal_of(env_file) in screen and USER_TOKEN not in screen


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_git_hook_sends_no_token_to_a_workspace_url(
    tmp_path: Path, attacker: FakeGitHub
) -> None:
    top = tmp_path / "repo"
    shutil.copytree(EXAMPLES, top / "ws")
    env = {**git_env(tmp_path), "GITHUB_TOKEN": USER_TOKEN}
    assert git(top, env, "init", "-q").returncode == 0
    env_file = hostile_env(top / "ws", attacker.url)
    (top / ".gitignore").write_text(".env\n.kanban.json\n.kanbanger/\n")
    hooks.install(top / "ws", DAEMON)
    git(top, env, "add", "-A")
    commit = git(top, env, "commit", "-qm", "specs")
    assert commit.returncode == 0
    assert attacker.requests_log == []
    assert refusal_of(env_file) in commit.stderr and USER_TOKEN not in commit.stderr


def sync_ok(ws: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sync", "--root", str(ws)])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert fake.requests_log and fake.items()


def test_a_workspace_env_holding_both_token_and_url_is_used(
    ws: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    env_file = hostile_env(ws, fake.url)
    env_file.write_text(env_file.read_text() + f"GITHUB_TOKEN={fake.token}\n")
    env_file.chmod(0o600)
    sync_ok(ws, fake, capsys)


def test_a_url_from_the_environment_is_used(
    ws: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (ws / ".env").write_text(TARGET)
    monkeypatch.setenv("GITHUB_GRAPHQL_URL", fake.url)
    monkeypatch.setenv("GITHUB_TOKEN", fake.token)
    sync_ok(ws, fake, capsys)


def test_a_url_from_the_user_config_is_used_with_a_token_from_the_environment(
    ws: Path, home: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (ws / ".env").write_text(TARGET)
    user_config(home, f'[github]\ngraphql_url = "{fake.url}"\n')
    monkeypatch.setenv("GITHUB_TOKEN", fake.token)
    sync_ok(ws, fake, capsys)


def test_which_sources_may_choose_the_url_for_which_token(tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/graphql"
    (tmp_path / ".env").write_text(f"GITHUB_TOKEN={USER_TOKEN}\n")
    cfg = tmp_path / "user.toml"
    cfg.write_text(f'github_graphql_url = "{url}"\n')
    # A workspace token may go to a URL the user chose; a flag is trusted most.
    settings = load_settings(tmp_path, config=cfg, environ={})
    assert settings.origin("github_graphql_url").trust is Trust.USER
    assert settings.github_endpoint() == (USER_TOKEN, url)
    # A SPEC folder's .env is a workspace file too, but not the same one.
    spec = tmp_path / "SPECs" / "a"
    spec.mkdir(parents=True)
    (spec / ".env").write_text(f"GITHUB_GRAPHQL_URL={url}\n")
    refused = load_settings(tmp_path, spec_dir=spec, environ={}).token_destination_error()
    assert refused is not None and str(spec / ".env") in str(refused)
    # No token, nothing to refuse.
    assert load_settings(spec, environ={}).token_destination_error() is None


# -- 2. no workspace file may make the daemon run a command -----------------------------------

def pwn_lines(pwned: Path) -> str:
    return f"KANBANGER_ENRICH_WITH_LLM=true\nKANBANGER_ENRICH_COMMAND=\"sh -c 'id > {pwned}'\"\n"


def test_generate_ignores_a_command_named_by_the_workspace_env(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pwned = tmp_path / "pwned"
    (ws / ".env").write_text(pwn_lines(pwned))
    code = main(["generate", str(ws / "SPECs" / "website"), "--root", str(ws)])
    err = capsys.readouterr().err
    assert code == 0 and (ws / "SPECs" / "website" / "_kanban.md").is_file()
    assert not pwned.exists()
    assert f"ignored KANBANGER_ENRICH_COMMAND in {ws / '.env'}" in err


def test_sync_ignores_a_command_named_by_the_workspace_env(
    ws: Path, tmp_path: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    point_at_fake(monkeypatch, tmp_path / "home", fake)
    pwned = tmp_path / "pwned"
    (ws / ".env").write_text(pwn_lines(pwned))
    assert main(["sync", "--root", str(ws)]) == 0
    assert not pwned.exists()
    assert f"ignored KANBANGER_ENRICH_COMMAND in {ws / '.env'}" in capsys.readouterr().err


def test_guide_json_turns_enrichment_on_but_a_spec_env_names_no_command(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pwned = tmp_path / "pwned"
    (ws / ".spec-kanban.config.json").write_text('{"enrich_with_llm": true}')
    spec = ws / "SPECs" / "website"
    (spec / ".env").write_text(f"KANBANGER_ENRICH_COMMAND=\"sh -c 'id > {pwned}'\"\n")
    assert main(["generate", str(spec), "--root", str(ws)]) == 0
    assert not pwned.exists()
    assert f"ignored KANBANGER_ENRICH_COMMAND in {spec / '.env'}" in capsys.readouterr().err
    # The same command configured by the user does run (so the check above can see it).
    (spec / ".env").unlink()
    (spec / "_kanban.md").unlink()
    monkeypatch.setenv("KANBANGER_ENRICH_COMMAND", f"sh -c 'id > {pwned}'")
    assert main(["generate", str(spec), "--root", str(ws)]) == 0
    assert pwned.exists()


def test_a_command_in_the_guide_json_is_ignored_with_a_note(tmp_path: Path) -> None:
    (tmp_path / ".spec-kanban.config.json").write_text('{"enrich_command": "sh -c id"}')
    settings = load_settings(tmp_path, environ={})
    assert settings.enrich_command is None
    assert any(str(tmp_path / ".spec-kanban.config.json") in n for n in settings.notes)


# -- 3. a token file others can read is pointed out, once --------------------------------------

def test_sync_warns_once_about_a_token_file_others_can_read(
    ws: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    env_file = hostile_env(ws, fake.url)
    env_file.write_text(env_file.read_text() + f"GITHUB_TOKEN={fake.token}\n")
    env_file.chmod(0o644)
    assert main(["sync", "--root", str(ws)]) == 0
    err = capsys.readouterr().err
    assert err.count(f"chmod 600 {env_file}") == 1, err
    env_file.chmod(0o600)
    assert main(["sync", "--root", str(ws)]) == 0
    assert "chmod 600" not in capsys.readouterr().err


def test_run_warns_about_a_token_file_others_can_read(ws: Path) -> None:
    env_file = ws / ".env"
    env_file.write_text("GITHUB_TOKEN=" + USER_TOKEN + "\n")  # local-only: no repository
    env_file.chmod(0o640)
    proc = subprocess.Popen([*DAEMON, "run", "--root", str(ws)], env=dict(os.environ),
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    deadline = threading.Timer(30, proc.kill)  # a missing warning fails, it does not hang
    deadline.start()
    try:
        assert proc.stderr is not None
        seen = ""
        while f"chmod 600 {env_file}" not in seen and (line := proc.stderr.readline()):
            seen += line
        proc.send_signal(signal.SIGTERM)
        seen += proc.communicate()[1]
    finally:
        deadline.cancel()
        proc.kill()
        proc.wait()
    assert seen.count(f"chmod 600 {env_file}") == 1, seen
    assert USER_TOKEN not in seen
