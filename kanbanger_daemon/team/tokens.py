"""Where a GitHub token can come from: the environment, the workspace ``.env``, ``gh auth token``.

A ``FoundToken`` never shows its value in a repr or a message; only where it came from.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kanbanger_daemon.errors import register_secret
from kanbanger_daemon.team.dotenv_file import ENV_FILE, read_env

TOKEN_KEYS = ("KANBANGER_GITHUB_TOKEN", "GITHUB_TOKEN")  # the prefixed name wins, as in settings
GH_TIMEOUT_S = 10.0

TOKEN_HELP = (
    "A classic token (ghp_…) with the `project` scope (plus `repo` for private repositories) "
    "manages both user- and organisation-owned projects; a fine-grained token reports no scopes "
    "and cannot manage user-owned projects, so use a classic one (or `gh auth token` after "
    "`gh auth refresh -s project`)."
)

GhRunner = Callable[[], str | None]


@dataclass(frozen=True)
class FoundToken:
    source: str  # where it came from, safe to print
    value: str = field(repr=False)

    def __post_init__(self) -> None:
        register_secret(self.value)


def gh_auth_token() -> str | None:
    """``gh auth token`` when the GitHub CLI is installed and logged in, else None."""
    gh = shutil.which("gh")
    if gh is None:
        return None
    try:
        done = subprocess.run([gh, "auth", "token"], capture_output=True, text=True,
                              timeout=GH_TIMEOUT_S, stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = done.stdout.strip()
    return value if done.returncode == 0 and value else None


def find_tokens(
    root: Path, environ: Mapping[str, str], gh: GhRunner | None = gh_auth_token
) -> list[FoundToken]:
    """Every distinct token candidate, best first: environment, ``.env``, then ``gh``."""
    found: list[FoundToken] = []

    def add(source: str, value: str | None) -> None:
        value = (value or "").strip()
        if value and all(t.value != value for t in found):
            found.append(FoundToken(source, value))

    for key in TOKEN_KEYS:
        if environ.get(key):
            add(f"the environment ({key})", environ[key])
            break
    dotenv = read_env(root / ENV_FILE)
    for key in TOKEN_KEYS:
        if dotenv.get(key):
            add(f"{ENV_FILE} ({key})", dotenv[key])
            break
    if gh is not None:
        add("`gh auth token`", gh())
    return found
