"""Keep a project's status update current: post only when the health progress calls for changed.

The last posted fingerprint per project lives in ``<root>/.kanbanger/health.json`` so that a
restart does not post the same update again. A lost reply (``ambiguous``) counts as posted:
like a create, a status update is never replayed blindly (a duplicate entry in the project's
history is what a user would notice); the next real change posts again anyway.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kanbanger_daemon.boards.atomic import write_atomic
from kanbanger_daemon.boards.workspace import STATE_DIR
from kanbanger_daemon.core.insight.health import project_health
from kanbanger_daemon.errors import KanbangerError
from kanbanger_daemon.github import ExpectedCaller, GitHubClient, ProjectInfo
from kanbanger_daemon.logging import get_logger
from kanbanger_daemon.models.board import SpecInput
from kanbanger_daemon.models.metrics import HealthUpdate

HEALTH_FILE = "health.json"
_VERSION = 1

log = get_logger("kanbanger_daemon.health")


@dataclass(frozen=True)
class HealthPostResult:
    """What one call did: ``posted`` (a mutation was sent), or why not (``reason``/``error``)."""

    update: HealthUpdate
    posted: bool
    reason: str = ""
    error: str | None = None


@dataclass
class HealthPoster:
    """Posts status updates for the projects of the workspace ``root`` through ``client``."""

    root: Path
    client: GitHubClient
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def path(self) -> Path:
        return self.root / STATE_DIR / HEALTH_FILE

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("health state unreadable: the next update is posted again",
                        file=str(self.path), error=str(exc))
            return {}
        projects = data.get("projects") if isinstance(data, dict) else None
        return projects if isinstance(projects, dict) else {}

    def _save(self, projects: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"version": _VERSION, "projects": projects}, indent=2, sort_keys=True)
        write_atomic(self.path, (text + "\n").encode("utf-8"))

    def last_posted(self, project_id: str) -> str | None:
        """The fingerprint last posted to ``project_id`` (None: never)."""
        entry = self._load().get(project_id)
        value = entry.get("fingerprint") if isinstance(entry, dict) else None
        return value if isinstance(value, str) else None

    async def post_if_changed(
        self, project: ProjectInfo, inputs: Sequence[SpecInput], *, dry_run: bool = False,
        caller: ExpectedCaller | None = None,
    ) -> HealthPostResult:
        """Post the status update ``inputs`` call for, unless it was the last one posted.

        ``inputs`` must be every SPEC whose board goes to ``project``: one project has one
        status. Never raises for GitHub faults: the error is logged and returned, and the
        fingerprint is not recorded, so the next call tries again. ``caller``: the expected
        caller the update is sent as (``GitHubClient.expecting``).
        """
        update = project_health(inputs)
        if update.tasks_total == 0:
            return HealthPostResult(update, posted=False, reason="no tasks")
        async with self._lock:
            projects = self._load()
            entry = projects.get(project.project_id)
            if isinstance(entry, dict) and entry.get("fingerprint") == update.fingerprint:
                return HealthPostResult(update, posted=False, reason="unchanged")
            if dry_run:
                return HealthPostResult(update, posted=False, reason="dry run")
            try:
                result = await self.client.post_status_update(
                    project.project_id, update.body, status=update.status.value, caller=caller
                )
            except KanbangerError as exc:
                log.warning("status update not posted", project=project.number,
                            status=update.status.value, error=exc.message)
                return HealthPostResult(update, posted=False, reason="failed", error=exc.message)
            if not result.ok and not result.ambiguous:
                message = result.error.message if result.error else "GitHub did not confirm"
                log.warning("status update refused", project=project.number,
                            status=update.status.value, error=message)
                return HealthPostResult(update, posted=False, reason="failed", error=message)
            projects[project.project_id] = {
                "fingerprint": update.fingerprint,
                "status": update.status.value,
                "confirmed": result.ok,
            }
            self._save(projects)
        log.info("status update posted", project=project.number, status=update.status.value,
                 confirmed=result.ok)
        return HealthPostResult(update, posted=True, reason="posted")
