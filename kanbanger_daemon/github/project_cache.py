"""The client's one cache of discovered projects, kept for the client's life.

Callers discovering the same project at the same time share one discovery. A change to a
project's set-up (Status options, fields) is made one at a time, from the freshest cached copy,
and the result replaces every cached copy of that project, so later callers see it for free.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from kanbanger_daemon.core.sync.status_options import normalise
from kanbanger_daemon.models.github import ProjectInfo

# (repository, lower-cased; project number; Status field name, normalised)
ProjectKey = tuple[str, int, str]


class ProjectCache:
    def __init__(self) -> None:
        self._projects: dict[ProjectKey, ProjectInfo] = {}
        self._discovering: dict[ProjectKey, asyncio.Lock] = {}
        # Adding options or fields reads and rewrites a project's set-up: one at a time, from
        # the freshest copy (boards pushing together may hold an older one).
        self._setup_lock = asyncio.Lock()

    async def get(
        self,
        repo: str,
        project_number: int,
        status_field: str,
        discover: Callable[[], Awaitable[ProjectInfo]],
        *,
        refresh: bool = False,
    ) -> ProjectInfo:
        """The cached project, or the one ``discover`` finds (always, with ``refresh``)."""
        key = (repo.strip().lower(), project_number, normalise(status_field))
        async with self._discovering.setdefault(key, asyncio.Lock()):
            if not refresh and key in self._projects:
                return self._projects[key]
            project = await discover()
            self._projects[key] = project
            return project

    async def change_setup(
        self, project: ProjectInfo, change: Callable[[ProjectInfo], Awaitable[ProjectInfo]]
    ) -> ProjectInfo:
        """``change`` applied to the freshest copy of ``project``, alone; a changed project
        replaces every cached copy."""
        async with self._setup_lock:
            project = self._freshest(project)
            updated = await change(project)
            if updated is not project:
                self._replace(updated)
            return updated

    def _replace(self, updated: ProjectInfo) -> None:
        for key, cached in list(self._projects.items()):
            if cached.project_id == updated.project_id:
                self._projects[key] = updated

    def _freshest(self, project: ProjectInfo) -> ProjectInfo:
        """The cached copy of ``project`` (updated by every change made through this client)."""
        for cached in self._projects.values():
            same_status = cached.status_field.id == project.status_field.id
            if cached.project_id == project.project_id and same_status:
                return cached
        return project
