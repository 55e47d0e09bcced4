"""The few git facts the team commands need, asked of git itself (worktrees, hooksPath…)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

GIT_TIMEOUT_S = 10.0
_GITHUB_REMOTE = re.compile(
    r"github\.com[:/]+(?P<owner>[A-Za-z0-9_.-]+)/(?P<name>[A-Za-z0-9_.-]+?)(?:\.git)?/?$")


def _git(root: Path, *args: str) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run([git, "-C", str(root), *args], capture_output=True, text=True,
                              timeout=GIT_TIMEOUT_S, stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def toplevel(root: Path) -> Path | None:
    """The work tree holding ``root``, or None when ``root`` is not in a git work tree."""
    out = _git(root, "rev-parse", "--show-toplevel")
    return Path(out) if out else None


def hooks_dir(root: Path) -> Path | None:
    """Where git runs hooks from for ``root``: ``core.hooksPath`` when set, else the git dir's
    ``hooks`` (``--git-path`` resolves linked worktrees and ``.git`` files)."""
    top = toplevel(root)
    if top is None:
        return None
    configured = _git(root, "config", "--get", "core.hooksPath")
    if configured:
        path = Path(configured).expanduser()
        # A relative hooksPath is relative to where hooks run: the top of the work tree.
        return path if path.is_absolute() else top / path
    out = _git(top, "rev-parse", "--git-path", "hooks")
    if not out:
        return None
    path = Path(out)
    return path if path.is_absolute() else top / path


def origin_repo(root: Path) -> str | None:
    """``OWNER/NAME`` of the ``origin`` remote when it is on github.com, else None."""
    url = _git(root, "remote", "get-url", "origin")
    match = _GITHUB_REMOTE.search(url or "")
    return f"{match['owner']}/{match['name']}" if match else None
