"""The setup wizard at a real (pseudo-)terminal: a person types answers and reads the screen.

Uses the stdlib only (os.openpty + subprocess); every wait is bounded and waits for text to
appear on the screen, never for a fixed time.
"""

from __future__ import annotations

import os
import select
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kanbanger_daemon.team.dotenv_file import read_env
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.paths import EXAMPLES

pytestmark = [pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty"),
              # project 1 lacks "In Progress"; project 2 is complete
              pytest.mark.fake_github(status_options=("Todo", "Done"), second_project="Team board")]

WAIT_S = 20.0


class Terminal:
    """A child process on a pty: ``expect`` reads until text shows, ``type`` sends keys."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.master, slave = os.openpty()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     cwd=cwd, start_new_session=True, close_fds=True)
        os.close(slave)
        self.screen = ""

    def _read(self, deadline: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        if not chunk:
            return False
        self.screen += chunk.decode("utf-8", errors="replace").replace("\r\n", "\n")
        return True

    def expect(self, text: str) -> str:
        deadline = time.monotonic() + WAIT_S
        while text not in self.screen:
            if time.monotonic() >= deadline or not self._read(deadline):
                raise AssertionError(f"{text!r} never appeared; screen:\n{self.screen}")
        return self.screen

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode("utf-8"))

    def finish(self) -> int:
        deadline = time.monotonic() + WAIT_S
        while self._read(deadline):
            pass
        code = self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        os.close(self.master)
        return code


def child_env(tmp_path: Path, fake: FakeGitHub) -> dict[str, str]:
    # A PATH with git only: no `gh` (so no real token is found) and no GITHUB_TOKEN.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    git = shutil.which("git")
    if git and not (bin_dir / "git").exists():
        (bin_dir / "git").symlink_to(git)
    return {"PATH": str(bin_dir), "HOME": str(tmp_path / "home"), "LANG": "C.UTF-8",
            "PYTHONIOENCODING": "utf-8", "GITHUB_GRAPHQL_URL": fake.url, "TERM": "dumb"}


def test_wizard_at_a_terminal(tmp_path: Path, fake: FakeGitHub) -> None:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    term = Terminal([sys.executable, "-m", "kanbanger_daemon", "setup", "--root", str(root)],
                    child_env(tmp_path, fake), root)
    try:
        term.expect("to .gitignore? [Y/n]: ")
        term.type("\n")
        term.expect("Paste a GitHub token (input hidden): ")
        term.type(fake.token + "\n")
        term.expect("✓ token from what you typed: octo (classic token")
        term.expect("GitHub repository (OWNER/NAME): ")
        term.type("octo/specs\n")
        term.expect("Which project holds the board? [1]: ")
        assert "1) #1 Specs" in term.screen and "2) #2 Team board" in term.screen
        term.type("1\n")
        term.expect("✗ missing: In Progress")
        term.expect("no card loses its Status) [Y/n]: ")
        term.type("y\n")
        term.expect("+ added In Progress")
        term.expect("one board for all SPECs? [per-spec]: ")
        term.type("2\n")
        term.expect("Install and start the user service now? [y/N]: ")
        term.type("\n")
        term.expect("Ready.")
    finally:
        code = term.finish()
    assert code == 0, term.screen
    # The terminal never showed the token: echo was off while it was typed.
    assert fake.token not in term.screen
    assert [o.name for o in fake.status_options(1)] == ["Todo", "Done", "In Progress"]
    env = read_env(root / ".env")
    assert (env["GITHUB_REPO"], env["GITHUB_PROJECT_NUMBER"], env["KANBANGER_LAYOUT"]) == (
        "octo/specs", "1", "single")
    assert env["GITHUB_TOKEN"] == fake.token
    assert stat.S_IMODE((root / ".env").stat().st_mode) == 0o600

    # Again at the terminal: everything is already right; Enter keeps each current answer.
    mtimes = {n: (root / n).stat().st_mtime_ns for n in (".env", ".gitignore")}
    term = Terminal([sys.executable, "-m", "kanbanger_daemon", "setup", "--root", str(root)],
                    child_env(tmp_path, fake), root)
    try:
        term.expect("✓ already ignores .env")
        term.expect("✓ token from .env (GITHUB_TOKEN)")
        term.expect("GitHub repository (OWNER/NAME) [octo/specs]: ")
        term.type("\n")
        term.expect("Which project holds the board? [1]: ")
        term.type("\n")
        term.expect("✓ every board column has an option")
        term.expect("one board for all SPECs? [single]: ")
        term.type("\n")
        term.expect("[y/N]: ")
        term.type("n\n")
        term.expect("✓ already up to date")
        term.expect("Ready.")
    finally:
        code = term.finish()
    assert code == 0, term.screen
    assert {n: (root / n).stat().st_mtime_ns for n in (".env", ".gitignore")} == mtimes
