"""Where a GitHub token can come from: the environment, the workspace ``.env``, ``gh auth token``.

A ``FoundToken`` never shows its value in a repr or a message; only where it came from.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kanbanger_daemon.errors import register_secret
from kanbanger_daemon.settings import Origin, Trust
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
# A token typed at the wizard's prompt may go where one from the environment may: to an API URL
# the user set (environment, user config), never to one a workspace file chose.
TYPED = Origin("typed", "what you typed", Trust.USER)


@dataclass(frozen=True)
class FoundToken:
    source: str  # where it came from, safe to print
    value: str = field(repr=False)
    # How trusted that place is: the token may go only to an API URL as trusted (settings).
    origin: Origin = TYPED

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
) -> Iterator[FoundToken]:
    """Every distinct token candidate, best first: environment, ``.env``, then ``gh``.

    Lazy: ``gh auth token`` runs only when the earlier candidates were not taken.
    """
    seen: set[str] = set()

    def fresh(source: str, value: str | None, origin: Origin) -> FoundToken | None:
        value = (value or "").strip()
        if not value or value in seen:
            return None
        seen.add(value)
        return FoundToken(source, value, origin)

    dotenv = read_env(root / ENV_FILE)
    for where, label, kind, place, trust in (
        (environ, "the environment", "environment", "the environment", Trust.USER),
        (dotenv, ENV_FILE, "workspace .env", str(root / ENV_FILE), Trust.WORKSPACE),
    ):
        key = next((k for k in TOKEN_KEYS if where.get(k)), None)
        if key is None:
            continue
        found = fresh(f"{label} ({key})", where[key], Origin(kind, place, trust, key))
        if found is not None:
            yield found
    if gh is not None:
        found = fresh("`gh auth token`", gh(), Origin("gh", "`gh auth token`", Trust.USER))
        if found is not None:
            yield found
