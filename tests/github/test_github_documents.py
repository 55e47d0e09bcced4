"""Every GraphQL document the client can send validates against GitHub's published schema.

Two sources: ``queries.all_documents()`` (every document shape and every batch size up to the
configured maximum), and the documents + variables a client really sends in a full scenario
(variables are coerced against the schema's input types too).
"""

from __future__ import annotations

from typing import Any

import pytest

from kanbanger_daemon.github import DraftSpec, PacingConfig, queries
from tests.helpers.clock import FakeClock
from tests.helpers.mini_github import MiniGitHub, make_client

graphql = pytest.importorskip("graphql", reason="graphql-core (dev extra) validates documents")


def validation_errors(schema: Any, document: str) -> list[str]:
    return [e.message for e in graphql.validate(schema, graphql.parse(document))]


def test_every_document_shape_and_batch_size_is_valid(github_schema: Any) -> None:
    config = PacingConfig()
    documents = list(queries.all_documents(config.max_create_batch, config.other_batch_size))
    # queries (the items page with 0, 1 or 2 optional fields), creates (drafts and project
    # fields) at every batch size, other batched mutations, single-call mutations, and a push
    # round's document mixing every kind
    assert len(documents) == 2 + (1 + queries.MAX_VALUE_FIELDS) + 2 * 25 + 5 * 50 + 2 + 1
    failures = {
        doc[:80]: errs for doc in documents if (errs := validation_errors(github_schema, doc))
    }
    assert failures == {}


def test_batched_documents_pass_every_input_as_a_variable() -> None:
    document = queries.batched_mutation(queries.ADD_DRAFT, 3)
    assert document.count("$i") == 6  # 3 declarations + 3 uses, no inline literals
    assert '"' not in document


def test_a_broken_document_is_caught(github_schema: Any) -> None:
    """The check can fail: a field GitHub does not have is reported."""
    bad = queries.ITEMS_PAGE.replace("isArchived", "isHidden")
    assert validation_errors(github_schema, bad)
    from graphql.execution.values import get_variable_values

    operation = graphql.parse(queries.batched_mutation(queries.UPDATE_FIELD, 1)).definitions[0]
    wrong = {"i0": {"fieldId": "F", "singleSelectOptions": [{"name": "X", "color": "NOPE"}]}}
    coerced = get_variable_values(github_schema, operation.variable_definitions, wrong)
    assert isinstance(coerced, list) and coerced  # errors: bad colour, missing description


async def test_documents_and_variables_really_sent_are_valid(github_schema: Any) -> None:
    from graphql.execution.values import get_variable_values

    clock = FakeClock()
    github = MiniGitHub(clock)
    async with make_client(github, clock, seed=1) as client:
        await client.preflight()
        project = await client.discover("octo/repo", 1)
        created = await client.create_drafts(
            project.project_id, [DraftSpec(key=str(i), title=f"t{i}", body="b") for i in range(30)]
        )
        ids = [r.item_id or "" for r in created]
        await client.set_statuses(
            project.project_id, project.status_field.id, [(i, "aaaa0001") for i in ids]
        )
        await client.update_drafts([(created[0].content_id or "", "new", "body"),
                                    (created[1].content_id or "", "title alone", None),
                                    (created[2].content_id or "", None, "body alone")])
        await client.move_items(project.project_id, [(ids[3], None), (ids[4], ids[0])])
        await client.archive_items(project.project_id, ids[:2])
        await client.unarchive_items(project.project_id, ids[:1])
        await client.list_items(project.project_id)
        await client.ensure_status_options(project, ["REVIEW"])
    kinds = {s.document.split("(")[0].split("{")[0].strip() for s in github.sent}
    assert kinds >= {"query Preflight", "query Discover", "query Items", "mutation"}
    for sent in github.sent:
        ast = graphql.parse(sent.document)
        assert graphql.validate(github_schema, ast) == [], sent.document
        operation = ast.definitions[0]
        coerced = get_variable_values(
            github_schema, operation.variable_definitions or [], sent.variables
        )
        assert not isinstance(coerced, list), (sent.document[:60], coerced)  # list = errors
