"""Optional project fields (the ``project_fields`` setting): which field of the project a card's
value goes to.

A card's wanted values are named as ``core.insight.metrics`` names them (``Backups used``,
``SPEC``); the project may spell a field differently (case, spaces), so values are renamed to
the project's spelling before planning, and a value whose field is missing or of another kind
is dropped with a clear error (never sent: GitHub would refuse it alias by alias).
"""

from __future__ import annotations

from collections.abc import Sequence

from kanbanger_daemon.core.sync.status_options import normalise
from kanbanger_daemon.models.github import ProjectField, ProjectInfo
from kanbanger_daemon.models.sync import DesiredCard, FieldValue

# GitHub's ProjectV2FieldType of the field a value of each Python type goes to.
NUMBER = "NUMBER"
TEXT = "TEXT"


def data_type_of(value: FieldValue) -> str:
    return TEXT if isinstance(value, str) else NUMBER


def find_field(project: ProjectInfo, name: str) -> ProjectField | None:
    """The project's field called ``name`` (case- and space-insensitive, like Status)."""
    wanted = normalise(name)
    return next((f for f in project.fields if normalise(f.name) == wanted), None)


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
