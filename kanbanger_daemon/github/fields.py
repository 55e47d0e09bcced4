"""Optional project fields (the ``project_fields`` setting): create the missing ones, and match
the values cards want to the fields the project has.

A card's wanted values are named as ``core.insight.metrics`` names them (``Backups used``,
``SPEC``); the project may spell a field differently (case, spaces), so values are renamed to
the project's spelling before planning, and a value whose field is missing or of another kind
is dropped with a clear error (never sent: GitHub would refuse it alias by alias).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import structlog

from kanbanger_daemon.errors import PermanentError
from kanbanger_daemon.github.discovery import find_field
from kanbanger_daemon.models.github import MutationResult, ProjectField, ProjectInfo
from kanbanger_daemon.models.sync import DesiredCard, FieldValue

log = structlog.get_logger(__name__)

# GitHub's ProjectV2FieldType of the field a value of each Python type goes to.
NUMBER = "NUMBER"
TEXT = "TEXT"


def data_type_of(value: FieldValue) -> str:
    return TEXT if isinstance(value, str) else NUMBER


def value_input(value: FieldValue) -> dict[str, Any]:
    """The ``ProjectV2FieldValue`` input that sets ``value``."""
    return {"text": value} if isinstance(value, str) else {"number": float(value)}


class FieldsClient(Protocol):
    """What creating fields needs from the client."""

    async def create_fields(
        self, project_id: str, fields: Sequence[tuple[str, str]]
    ) -> list[MutationResult]: ...

    async def discover(
        self, repo: str, project_number: int, *, status_field: str = "Status",
        refresh: bool = False,
    ) -> ProjectInfo: ...


async def add_missing_fields(
    client: FieldsClient, project: ProjectInfo, wanted: Sequence[tuple[str, str]]
) -> ProjectInfo:
    """``project`` with every (name, data type) of ``wanted`` it lacks created, in one document.

    A field with the name but another type is left alone (``matched_values`` reports it).
    Returns ``project`` itself when nothing is missing (no request at all). A create whose
    reply was lost, or that GitHub refused, is checked by discovering the fields again.
    """
    missing = [(name, kind) for name, kind in wanted if find_field(project, name) is None]
    if not missing:
        return project
    results = await client.create_fields(project.project_id, missing)
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


def matched_values(
    project: ProjectInfo, desired: Sequence[DesiredCard], *, keep_missing: bool = False
) -> tuple[list[DesiredCard], list[str], list[str]]:
    """(cards with their values renamed to the project's fields, the field names to read when
    listing, errors). ``keep_missing`` (a dry run) keeps values whose field does not exist yet,
    so that the plan shows them; otherwise they are dropped with an error."""
    wanted = sorted({(name, data_type_of(v)) for c in desired for name, v in c.values.items()})
    spelling: dict[str, str] = {}
    errors: list[str] = []
    for name, kind in wanted:
        found = find_field(project, name)
        if found is None:
            if keep_missing:
                spelling[name] = name
            else:
                errors.append(f"the project has no {kind} field {name!r}: its values were not set")
        elif found.data_type != kind:
            errors.append(f"the project field {found.name!r} is a {found.data_type} field, not "
                          f"{kind}: its values were not set (rename it, or remove it)")
        else:
            spelling[name] = found.name
    cards = [
        card if not card.values else card.model_copy(update={"values": {
            spelling[name]: value for name, value in card.values.items() if name in spelling
        }})
        for card in desired
    ]
    read = sorted({spelling[name] for name, _ in wanted if name in spelling
                   and find_field(project, spelling[name]) is not None})
    return cards, read, errors


def field_id(project: ProjectInfo, name: str) -> str | None:
    found = find_field(project, name)
    return found.id if found is not None else None
