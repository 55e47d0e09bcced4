"""The workspace ``.env``: read, update in place (other lines untouched), always mode 0600.

It holds the token, so it is created private, tightened when found readable by others, and its
values are never printed.
"""

from __future__ import annotations

import stat
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

from kanbanger_daemon.boards.atomic import write_atomic
from kanbanger_daemon.errors import ConfigError

ENV_FILE = ".env"
PRIVATE_MODE = 0o600


def read_env(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def _quote(value: str) -> str:
    # Plain when safe; else single quotes (python-dotenv reads them without escapes); double
    # quotes with escapes only for a value holding a single quote or a line break.
    if value and all(c.isalnum() or c in "_-./:@+,#" for c in value) and not value.startswith("#"):
        return value
    if "'" not in value and "\n" not in value:
        return f"'{value}'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _key_of(line: str) -> str | None:
    body = line.strip()
    if not body or body.startswith("#"):
        return None
    body = body.removeprefix("export ").lstrip()
    key, sep, _ = body.partition("=")
    return key.strip() if sep else None


def render_update(current: str, values: Mapping[str, str]) -> str:
    """``current`` with each key of ``values`` set: replaced where it is, appended otherwise."""
    lines = current.splitlines()
    done: set[str] = set()
    out: list[str] = []
    for line in lines:
        key = _key_of(line)
        if key is None or key not in values:
            out.append(line)
        elif key not in done:
            out.append(f"{key}={_quote(values[key])}")
            done.add(key)
        # else: a later duplicate would override the value we set, so it is dropped
    out.extend(f"{k}={_quote(v)}" for k, v in values.items() if k not in done)
    return "\n".join(out) + "\n" if out else ""


def is_private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def update_env(path: Path, values: Mapping[str, str]) -> list[str]:
    """Set ``values`` in the ``.env`` at ``path``; returns the keys whose value changed.

    Writes only when a value differs (an unchanged file keeps its bytes and mtime); the file
    is written whole (``write_atomic``) with mode 0600.
    """
    for key, value in values.items():
        if "${" in value:
            # python-dotenv (as settings read it) expands ${VAR} even inside quotes.
            raise ConfigError(f"{key} cannot contain '${{' in a .env file", key=key)
    existing = read_env(path)
    changed = [k for k, v in values.items() if existing.get(k) != v]
    if not changed:
        return []
    current = path.read_text("utf-8") if path.is_file() else ""
    write_atomic(path, render_update(current, values).encode("utf-8"), mode=PRIVATE_MODE)
    return changed


def tighten(path: Path) -> bool:
    """Make an existing ``.env`` private; True when its mode had to change."""
    if not path.is_file() or is_private(path):
        return False
    path.chmod(PRIVATE_MODE)
    return True
