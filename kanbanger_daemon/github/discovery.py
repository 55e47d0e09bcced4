"""Turn discovery and item-listing replies into models. Pure: the client does the talking."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kanbanger_daemon.core.sync.status_options import normalise
from kanbanger_daemon.errors import NotFoundError, PermanentError
from kanbanger_daemon.github.queries import value_alias
from kanbanger_daemon.models.github import (
    ProjectField,
    ProjectInfo,
    RemoteItem,
    StatusField,
    StatusOption,
)
from kanbanger_daemon.models.sync import FieldValue


def split_repo(repo: str) -> tuple[str, str]:
    """``"owner/name"`` → ``("owner", "name")``; anything else is a clear error."""
    owner, sep, name = repo.strip().partition("/")
    if not sep or not owner or not name or "/" in name:
        raise NotFoundError(f"GITHUB_REPO must look like owner/name, not {repo!r}")
    return owner, name


def _status_field(project: dict[str, Any], wanted: str, where: str) -> StatusField:
    nodes = ((project.get("fields") or {}).get("nodes")) or []
    fields = [n for n in nodes if isinstance(n, dict) and n.get("id")]
    for node in fields:
        if normalise(str(node.get("name", ""))) != normalise(wanted):
            continue
        if node.get("options") is None:
            raise PermanentError(
                f"The field {node.get('name')!r} of {where} is not a single-select field, so it "
                "cannot hold board columns: pick another with the status_field setting."
            )
        options = tuple(
            StatusOption(
                id=str(o["id"]),
                name=str(o["name"]),
                color=str(o.get("color") or "GRAY"),
                description=str(o.get("description") or ""),
            )
            for o in node["options"]
            if isinstance(o, dict)
        )
        return StatusField(id=str(node["id"]), name=str(node["name"]), options=options)
    names = ", ".join(sorted(str(n.get("name")) for n in fields)) or "none"
    raise NotFoundError(
        f"{where} has no single-select field named {wanted!r} (fields: {names}): add one on "
        "github.com or set the status_field setting."
    )


def _fields(project: dict[str, Any]) -> tuple[ProjectField, ...]:
    nodes = ((project.get("fields") or {}).get("nodes")) or []
    return tuple(
        ProjectField(id=str(n["id"]), name=str(n.get("name") or ""),
                     data_type=str(n.get("dataType") or ""))
        for n in nodes
        if isinstance(n, dict) and n.get("id")
    )


def _repository(data: dict[str, Any], repo: str) -> dict[str, Any]:
    repository = data.get("repository")
    if not isinstance(repository, dict):
        raise NotFoundError(
            f"Repository {repo} was not found or the token cannot see it (check GITHUB_REPO "
            "and that the token has the `repo` scope for private repositories)."
        )
    return repository


def _linked(repository: dict[str, Any]) -> tuple[tuple[int, str], ...]:
    return tuple(
        (int(p["number"]), str(p.get("title") or ""))
        for p in ((repository.get("projectsV2") or {}).get("nodes") or [])
        if isinstance(p, dict) and p.get("number") is not None
    )


def parse_linked_projects(data: dict[str, Any], repo: str) -> list[tuple[int, str]]:
    """A discovery reply → (number, title) of the projects linked to ``repo``, by number."""
    return sorted(_linked(_repository(data, repo)))


def parse_project(data: dict[str, Any], repo: str, number: int, status_field: str) -> ProjectInfo:
    """A discovery reply → ``ProjectInfo`` (NotFoundError naming what is missing)."""
    repository = _repository(data, repo)
    linked = _linked(repository)
    project = repository.get("projectV2")
    if not isinstance(project, dict):
        known = ", ".join(f"#{n} {t!r}" for n, t in linked) or "none"
        raise NotFoundError(
            f"Project #{number} is not linked to {repo} (linked projects: {known}): check "
            "GITHUB_PROJECT_NUMBER or link the project to the repository."
        )
    where = f"project #{number} of {repo}"
    return ProjectInfo(
        repo=str(repository.get("nameWithOwner") or repo),
        repo_id=str(repository["id"]),
        project_id=str(project["id"]),
        number=int(project.get("number") or number),
        title=str(project.get("title") or ""),
        status_field=_status_field(project, status_field, where),
        linked_projects=linked,
        fields=_fields(project),
        url=str(project["url"]) if project.get("url") else None,
    )


def _value(raw: Any) -> FieldValue | None:
    """A number or text field value as listed (None: unset, or a field of another kind)."""
    if not isinstance(raw, dict):
        return None
    if isinstance(raw.get("number"), int | float):
        return float(raw["number"])
    if isinstance(raw.get("text"), str):
        return str(raw["text"])
    return None


def _field_values(raw: dict[str, Any], names: Sequence[str]) -> dict[str, FieldValue] | None:
    if not names:
        return None  # not asked: the caller keeps what it knew
    values = {name: _value(raw.get(value_alias(i))) for i, name in enumerate(names)}
    return {name: value for name, value in values.items() if value is not None}


def database_id(raw: dict[str, Any]) -> str | None:
    """An item node's ``fullDatabaseId`` (GitHub sends a BigInt as a string; a number is taken
    too), from a listing or a create's reply."""
    value = raw.get("fullDatabaseId")
    return str(value) if isinstance(value, str | int) and str(value).isdigit() else None


def parse_items_page(
    data: dict[str, Any], project_id: str, value_fields: Sequence[str] = ()
) -> tuple[list[RemoteItem], bool, str | None]:
    """One items page → (items, has_next_page, end_cursor); ``value_fields`` names the
    optional fields the page was asked to read (``queries.items_page``), in order."""
    node = data.get("node")
    items_conn = node.get("items") if isinstance(node, dict) else None
    if not isinstance(items_conn, dict):
        raise NotFoundError(f"Project {project_id} was not found or the token cannot see it.")
    items: list[RemoteItem] = []
    for raw in items_conn.get("nodes") or []:
        if not isinstance(raw, dict) or not raw.get("id"):
            continue
        raw_content = raw.get("content")
        content: dict[str, Any] = raw_content if isinstance(raw_content, dict) else {}
        raw_value = raw.get("fieldValueByName")
        value: dict[str, Any] = raw_value if isinstance(raw_value, dict) else {}
        items.append(
            RemoteItem(
                item_id=str(raw["id"]),
                is_archived=bool(raw.get("isArchived")),
                type=str(raw.get("type") or "DRAFT_ISSUE"),
                content_id=content.get("id"),
                title=content.get("title"),
                body=content.get("body"),
                status_option_id=value.get("optionId"),
                status_name=value.get("name"),
                field_values=_field_values(raw, value_fields),
                database_id=database_id(raw),
            )
        )
    page = items_conn.get("pageInfo") or {}
    cursor = page.get("endCursor")
    return items, bool(page.get("hasNextPage")), str(cursor) if cursor else None
