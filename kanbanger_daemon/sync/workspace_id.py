"""This workspace's id in the sync tags it writes on GitHub: ``.kanbanger/workspace-id``.

Made once, here and nowhere else, and kept apart from the sync state: a lost or copied state
file must not change which items look like this workspace's own writes. Never taken from a
state file either: a state file may have been copied from another machine, and two workspaces
sharing an id would take each other's writes for their own late echoes.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from kanbanger_daemon.boards.atomic import write_atomic
from kanbanger_daemon.boards.workspace import STATE_DIR

WORKSPACE_ID_FILE = "workspace-id"


def _valid(value: str) -> bool:
    return value.isalnum() and value.islower() and 4 <= len(value) <= 32


class WorkspaceId:
    def __init__(self, root: Path) -> None:
        self.path = root / STATE_DIR / WORKSPACE_ID_FILE
        self._known: str | None = None

    def saved(self) -> str | None:
        """The id already saved, if any: a dry run plans with it and never makes one."""
        if self._known is None:
            try:
                value = self.path.read_text("utf-8").strip()
            except OSError:
                return None
            self._known = value if _valid(value) else None
        return self._known

    def get(self) -> str:
        """The id, made and saved the first time it is needed."""
        known = self.saved()
        if known is None:
            known = secrets.token_hex(4)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, f"{known}\n".encode())
            self._known = known
        return known
