"""Optional project fields (the ``project_fields`` setting): create the missing ones on GitHub,
and the input that sets a value. Which field a card's value goes to is core's
(``core.sync.project_fields``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import structlog

from kanbanger_daemon.core.sync.project_fields import find_field
from kanbanger_daemon.errors import PermanentError
from kanbanger_daemon.github.sender import ExpectedCaller
from kanbanger_daemon.models.github import MutationResult, ProjectField, ProjectInfo
from kanbanger_daemon.models.sync import FieldValue

log = structlog.get_logger(__name__)


def value_input(value: FieldValue) -> dict[str, Any]:
    """The ``ProjectV2FieldValue`` input that sets ``value``."""
    return {"text": value} if isinstance(value, str) else {"number": float(value)}


class FieldsClient(Protocol):
    """What creating fields needs from the client."""

    async def create_fields(
        self, project_id: str, fields: Sequence[tuple[str, str]], *,
        caller: ExpectedCaller | None = None,
    ) -> list[MutationResult]: ...

    async def discover(
        self, repo: str, project_number: int, *, status_field: str = "Status",
        refresh: bool = False,
    ) -> ProjectInfo: ...


async def add_missing_fields(
    client: FieldsClient, project: ProjectInfo, wanted: Sequence[tuple[str, str]], *,
    caller: ExpectedCaller | None = None,
) -> ProjectInfo:
    """``project`` with every (name, data type) of ``wanted`` it lacks created, in one document.

    A field with the name but another type is left alone (``matched_values`` reports it).
    Returns ``project`` itself when nothing is missing (no request at all). A create whose
    reply was lost, or that GitHub refused, is checked by discovering the fields again.
    """
    missing = [(name, kind) for name, kind in wanted if find_field(project, name) is None]
    if not missing:
        return project
    results = await client.create_fields(project.project_id, missing, caller=caller)
    created = [
        ProjectField(id=result.content_id, name=name, data_type=kind)
        for (name, kind), result in zip(missing, results, strict=True)
        if result.ok and result.content_id
    ]
    if len(created) == len(missing):
        log.info("github.fields.created", fields=[name for name, _ in missing])
        return project.model_copy(update={"fields": (*project.fields, *created)})
    # A lost reply, or "name already taken" (another workspace was quicker): look again.
    again = await client.discover(project.repo, project.number,
                                  status_field=project.status_field.name, refresh=True)
    still = [name for name, _ in missing if find_field(again, name) is None]
    if still:
        errors = [str(r.error) for r in results if not r.ok and r.error is not None]
        raise PermanentError(
            f"the project fields {', '.join(still)} could not be created"
            + (f": {errors[0]}" if errors else "")
        )
    return again
