"""Short synchronous conversations with GitHub for the wizard and doctor.

Each call opens its own client and event loop: the wizard waits on a person between calls, and
an ``httpx.AsyncClient`` must not outlive the loop it was made in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from kanbanger_daemon.core.sync.status_options import missing_option_names
from kanbanger_daemon.github import GitHubClient, Preflight, ProjectInfo
from kanbanger_daemon.models import ColumnMapping

T = TypeVar("T")

BASE_COLUMNS = ("TODO", "DOING", "DONE")


def wanted_columns(mapping: ColumnMapping, *, review: bool = False) -> tuple[str, ...]:
    """Board columns the project's Status field needs an option for (REVIEW: the gate is on)."""
    base = (*BASE_COLUMNS, "BLOCKED") if mapping is ColumnMapping.EXECUTION_STATE else BASE_COLUMNS
    return (*base, "REVIEW") if review else base


@dataclass(frozen=True)
class GitHubProbe:
    token: str
    url: str
    timeout_s: float = 30.0
    max_attempts: int = 3  # a person is waiting: fail fast rather than retry for minutes

    def _run(self, work: Callable[[GitHubClient], Awaitable[T]]) -> T:
        async def go() -> T:
            async with GitHubClient(token=self.token, url=self.url, timeout=self.timeout_s,
                                    max_attempts=self.max_attempts) as client:
                return await work(client)

        return asyncio.run(go())

    def preflight(self) -> Preflight:
        return self._run(lambda c: c.preflight())

    def linked_projects(self, repo: str) -> list[tuple[int, str]]:
        """(number, title) of the projects linked to ``repo`` (NotFoundError if no such repo)."""
        return self._run(lambda c: c.linked_projects(repo))

    def project(self, repo: str, number: int, status_field: str = "Status") -> ProjectInfo:
        return self._run(lambda c: c.discover(repo, number, status_field=status_field))

    def add_status_options(self, project: ProjectInfo, wanted: Sequence[str]) -> ProjectInfo:
        return self._run(lambda c: c.ensure_status_options(project, wanted))


def missing_columns(project: ProjectInfo, mapping: ColumnMapping, *,
                    review: bool = False) -> list[str]:
    return missing_option_names(wanted_columns(mapping, review=review),
                                project.status_field.options)
