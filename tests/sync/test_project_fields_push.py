"""Optional project fields against the fake GitHub: the real client and push engine create the
fields once, set only the values that differ, and cost nothing more while the option is off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kanbanger_daemon.core.sync.desired import PROJECT_FIELDS
from kanbanger_daemon.core.sync.markers import parse_marker_key
from kanbanger_daemon.github.client import GitHubClient
from kanbanger_daemon.models.board import ColumnKind
from kanbanger_daemon.models.github import ProjectInfo
from kanbanger_daemon.models.sync import DesiredCard
from kanbanger_daemon.sync.push import push_board
from kanbanger_daemon.testing import FakeGitHub, FakeItem
from tests.helpers.pushing import ON_THE_CLOCK, WORKSPACE_ID

pytestmark = ON_THE_CLOCK
BOARD = "SPECs/web/_kanban.md"
SET_VALUE = "updateProjectV2ItemFieldValue"


def cards(backups: list[float], *, with_values: bool = True) -> list[DesiredCard]:
    """Task cards 1..n in TODO, each with its Backups used (and the SPEC) when ``with_values``."""
    return [
        DesiredCard(
            key=f"{BOARD}/spec_web.md#{n}",
            title=f"Task {n}: Part {n} (SPEC: spec_web.md)",
            column="TODO",
            column_kind=ColumnKind.TODO,
            position=n,
            values={"Backups used": used, "SPEC": "spec_web.md"} if with_values else {},
        )
        for n, used in enumerate(backups, start=1)
    ]


def ours(fake: FakeGitHub) -> list[FakeItem]:
    return [i for i in fake.items() if parse_marker_key(i.body)]


def values(fake: FakeGitHub) -> list[dict[str, str | float]]:
    return [i.values for i in ours(fake)]


def queries_sent(fake: FakeGitHub) -> list[str]:
    return [str(r.body["query"]) for r in fake.requests_log if isinstance(r.body, dict)]


async def test_first_push_creates_the_fields_once_and_sets_the_values(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    state = tmp_path / ".kanban.json"
    fake.reset_counters()
    project = await client.ensure_fields(project, PROJECT_FIELDS)
    assert fake.counters.requests == 1  # both fields in one document
    assert fake.counters.mutations == {"createProjectV2Field": 2}
    assert {k: v for k, v in fake.fields().items() if k in ("Backups used", "SPEC")} == {
        "Backups used": "NUMBER", "SPEC": "TEXT"}
    assert await client.ensure_fields(project, PROJECT_FIELDS) is project  # known: no request
    cached = await client.discover(f"{fake.owner}/{fake.repo}", 1)
    assert await client.ensure_fields(cached, PROJECT_FIELDS) is cached
    assert fake.counters.requests == 1

    result = await push_board(client, project, BOARD, cards([0, 2, 0]), state,
                              workspace_id=WORKSPACE_ID)
    assert result.in_sync and result.errors == []
    # As without fields: one listing, one create document, one document for the Statuses
    # and the values together.
    assert result.requests == 3
    assert fake.counters.mutations[SET_VALUE] == 3 + 6
    assert values(fake) == [{"Backups used": b, "SPEC": "spec_web.md"} for b in (0.0, 2.0, 0.0)]

    fake.reset_counters()
    again = await push_board(client, project, BOARD, cards([0, 2, 0]), state,
                             workspace_id=WORKSPACE_ID)
    assert again.skipped and again.requests == 0 and fake.counters.requests == 0
    forced = await push_board(client, project, BOARD, cards([0, 2, 0]), state, force=True,
                              workspace_id=WORKSPACE_ID)
    # The listing reads the values: they agree, so nothing is sent.
    assert forced.in_sync and forced.requests == 1 and fake.counters.mutation_documents == 0


async def test_one_changed_figure_costs_one_mutation(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    state = tmp_path / ".kanban.json"
    project = await client.ensure_fields(project, PROJECT_FIELDS)
    await push_board(client, project, BOARD, cards([0, 0, 0]), state, workspace_id=WORKSPACE_ID)
    fake.reset_counters()
    result = await push_board(client, project, BOARD, cards([0, 1, 0]), state,
                              workspace_id=WORKSPACE_ID)
    assert result.in_sync and result.requests == 1  # planned from the trusted state
    assert fake.counters.mutations == {SET_VALUE: 1}
    assert [v["Backups used"] for v in values(fake)] == [0.0, 1.0, 0.0]


async def test_a_value_changed_on_github_is_repaired_by_a_forced_push_only_if_ours(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    """A value cleared on GitHub is restored; one changed to another figure is taken to be
    another workspace's (like a Status) and left until this workspace's figure changes."""
    state = tmp_path / ".kanban.json"
    project = await client.ensure_fields(project, PROJECT_FIELDS)
    await push_board(client, project, BOARD, cards([1, 1]), state, workspace_id=WORKSPACE_ID)
    first, second = ours(fake)
    number = next(f.id for f in project.fields if f.name == "Backups used")
    clear = ("mutation($i: ClearProjectV2ItemFieldValueInput!) {"
             " clearProjectV2ItemFieldValue(input: $i) { clientMutationId } }")
    fake.graphql(clear, {"i": {"projectId": project.project_id, "itemId": first.id,
                               "fieldId": number}})
    other = ("mutation($i: UpdateProjectV2ItemFieldValueInput!) {"
             " updateProjectV2ItemFieldValue(input: $i) { clientMutationId } }")
    fake.graphql(other, {"i": {"projectId": project.project_id, "itemId": second.id,
                               "fieldId": number, "value": {"number": 5}}})
    fake.reset_counters()
    result = await push_board(client, project, BOARD, cards([1, 1]), state, force=True,
                              workspace_id=WORKSPACE_ID)
    assert result.in_sync and fake.counters.mutations == {SET_VALUE: 1}
    assert [v["Backups used"] for v in values(fake)] == [1.0, 5.0]
    result = await push_board(client, project, BOARD, cards([1, 2]), state,
                              workspace_id=WORKSPACE_ID)
    assert [v["Backups used"] for v in values(fake)] == [1.0, 2.0]


async def test_with_the_option_off_nothing_changes(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    state = tmp_path / ".kanban.json"
    fake.reset_counters()
    result = await push_board(client, project, BOARD, cards([0, 2, 0], with_values=False), state,
                              workspace_id=WORKSPACE_ID)
    assert result.in_sync and result.requests == 3
    assert fake.counters.mutations == {"addProjectV2DraftIssue": 3, SET_VALUE: 3}
    assert "Backups used" not in fake.fields() and values(fake) == [{}, {}, {}]
    assert not any("value0" in q or "createProjectV2Field" in q for q in queries_sent(fake))
    assert '"values"' not in state.read_text()


async def test_a_field_of_another_kind_is_reported_and_the_rest_still_syncs(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path
) -> None:
    create = ("mutation($i: CreateProjectV2FieldInput!) {"
              " createProjectV2Field(input: $i) { clientMutationId } }")
    fake.graphql(create, {"i": {"projectId": project.project_id, "name": "spec",
                                "dataType": "NUMBER"}})
    project = await client.discover(f"{fake.owner}/{fake.repo}", 1, refresh=True)
    project = await client.ensure_fields(project, PROJECT_FIELDS)  # creates Backups used only
    assert fake.fields()["spec"] == "NUMBER" and "SPEC" not in fake.fields()
    result = await push_board(client, project, BOARD, cards([1]), tmp_path / ".kanban.json",
                              workspace_id=WORKSPACE_ID)
    assert result.in_sync
    assert result.errors == ["the project field 'spec' is a NUMBER field, not TEXT: its values "
                             "were not set (rename it, or remove it)"]
    assert values(fake) == [{"Backups used": 1.0}]


async def test_fields_another_workspace_just_created_are_found_not_duplicated(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub
) -> None:
    """Discovery said the fields were missing; by the time we create them they exist."""
    create = ("mutation($a: CreateProjectV2FieldInput!, $b: CreateProjectV2FieldInput!) {"
              " a: createProjectV2Field(input: $a) { clientMutationId }"
              " b: createProjectV2Field(input: $b) { clientMutationId } }")
    fake.graphql(create, {
        "a": {"projectId": project.project_id, "name": "Backups used", "dataType": "NUMBER"},
        "b": {"projectId": project.project_id, "name": "SPEC", "dataType": "TEXT"}})
    updated = await client.ensure_fields(project, PROJECT_FIELDS)  # refused: names taken
    assert {f.name for f in updated.fields} >= {"Backups used", "SPEC"}
    assert sorted(n for n in fake.fields() if n.casefold() in ("spec", "backups used")) == [
        "Backups used", "SPEC"]


async def test_every_document_sent_validates_against_githubs_schema(
    client: GitHubClient, project: ProjectInfo, fake: FakeGitHub, tmp_path: Path,
    github_schema: Any,
) -> None:
    graphql = pytest.importorskip("graphql", reason="graphql-core (dev extra) validates")
    from graphql.execution.values import get_variable_values

    schema = github_schema
    state = tmp_path / ".kanban.json"
    project = await client.ensure_fields(project, PROJECT_FIELDS)
    await push_board(client, project, BOARD, cards([0, 1]), state, workspace_id=WORKSPACE_ID)
    await push_board(client, project, BOARD, cards([2, 1]), state, force=True,
                     workspace_id=WORKSPACE_ID)
    sent: list[dict[str, Any]] = [r.body for r in fake.requests_log if isinstance(r.body, dict)]
    documents = {str(body["query"]).split("{")[0].split("(")[0].strip() for body in sent}
    assert documents >= {"query Discover", "query Items", "mutation"}
    assert any("value1: fieldValueByName" in str(b["query"]) for b in sent)
    for body in sent:
        ast = graphql.parse(body["query"])
        assert graphql.validate(schema, ast) == [], body["query"]
        coerced = get_variable_values(schema, ast.definitions[0].variable_definitions or [],
                                      body.get("variables") or {})
        assert not isinstance(coerced, list), (body["query"][:60], coerced)
