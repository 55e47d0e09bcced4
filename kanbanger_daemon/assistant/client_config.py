"""The client configuration: ``.mcp.json`` for Claude Code, as kanbanger writes it.

Secrets never appear in it: the GitHub settings are ``${VAR:-}`` placeholders that Claude Code
fills from its own environment (empty when unset, and the server then treats an empty value
as unset, so the workspace ``.env`` still applies). ``install`` merges our entry into an
existing ``.mcp.json``, keeping every other server (kanbanger's own, say) as it is.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from kanbanger_daemon.boards.atomic import write_atomic
from kanbanger_daemon.errors import ConfigError

SERVER_NAME = "kanbanger-daemon"
CONFIG_FILE = ".mcp.json"
PASSED_THROUGH = ("GITHUB_TOKEN", "GITHUB_REPO", "GITHUB_PROJECT_NUMBER")


def _command() -> list[str]:
    """How to start this very install: its console script, else its Python with ``-m``."""
    script = Path(sys.executable).parent / "kanbanger-daemon"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "kanbanger_daemon"]


def server_entry(root: Path) -> dict[str, Any]:
    command = _command()
    return {
        "command": command[0],
        "args": [*command[1:], "mcp", "--root", str(root.absolute())],
        "env": {name: f"${{{name}:-}}" for name in PASSED_THROUGH},
    }


def client_config(root: Path) -> dict[str, Any]:
    """The whole ``.mcp.json`` document for a workspace that has none yet."""
    return {"mcpServers": {SERVER_NAME: server_entry(root)}}


def install(root: Path) -> tuple[Path, bool]:
    """Write our entry into ``root/.mcp.json``; (its path, whether an entry was replaced)."""
    path = root / CONFIG_FILE
    doc: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"cannot read it as JSON ({exc}); fix or remove it",
                              source=str(path)) from None
        if not isinstance(loaded, dict) or not isinstance(loaded.get("mcpServers", {}), dict):
            raise ConfigError("expected an object with an \"mcpServers\" object",
                              source=str(path))
        doc = loaded
    servers = doc.setdefault("mcpServers", {})
    replaced = SERVER_NAME in servers
    servers[SERVER_NAME] = server_entry(root)
    write_atomic(path, (json.dumps(doc, indent=2) + "\n").encode("utf-8"))
    return path, replaced


def drop_empty_placeholders(environ: MutableMapping[str, str]) -> None:
    """An unset ``${VAR:-}`` reaches the server as an empty value: count it as unset."""
    for name in [*PASSED_THROUGH, "GITHUB_GRAPHQL_URL"]:
        if environ.get(name) == "":
            del environ[name]
        if environ.get(f"KANBANGER_{name}") == "":
            del environ[f"KANBANGER_{name}"]
