"""The project id each target had when last discovered, on disk: ``.kanbanger/projects.json``.

Discovery itself (the project, its fields and options) is the client's, cached there for the
process. What is kept here survives a restart: the id alone, so that a board unchanged since its
last confirmed push costs no request at all, not even a discovery. The periodic rescan
refreshes it (a forced push discovers again).
"""

from __future__ import annotations

import json
from pathlib import Path

from kanbanger_daemon.boards.atomic import write_atomic
from kanbanger_daemon.boards.workspace import STATE_DIR

PROJECTS_FILE = "projects.json"


def _name(repo: str, number: int) -> str:
    return f"{repo}#{number}"


class KnownProjects:
    def __init__(self, root: Path) -> None:
        self.path = root / STATE_DIR / PROJECTS_FILE

    def _read(self) -> dict[str, object]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def project_id(self, repo: str, number: int) -> str | None:
        value = self._read().get(_name(repo, number))
        return value if isinstance(value, str) else None

    def remember(self, repo: str, number: int, project_id: str) -> None:
        data = self._read()
        if data.get(_name(repo, number)) == project_id:
            return
        data[_name(repo, number)] = project_id
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps(data, indent=2, sort_keys=True).encode("utf-8"))
