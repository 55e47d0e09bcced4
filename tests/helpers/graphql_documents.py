"""GraphQL documents written by hand as the client sends them, and the calls that send them to a
fake, for the fake server's own tests (the client's real documents are in
kanbanger_daemon.github.queries)."""

from __future__ import annotations

from typing import Any

from kanbanger_daemon.testing import FakeGitHub

VIEWER = "query { viewer { login } }"

DISCOVERY = """query($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) { id nameWithOwner
    projectsV2(first: 20) { nodes { id number title } }
    projectV2(number: $number) { id number title url
      fields(first: 50) { nodes {
        ... on ProjectV2SingleSelectField { id name dataType options { id name color description } }
        ... on ProjectV2Field { id name dataType } } } } }
  rateLimit { limit remaining resetAt cost } }"""

ITEMS = """query($projectId: ID!, $first: Int!, $after: String, $statusField: String!) {
  node(id: $projectId) { ... on ProjectV2 { items(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id fullDatabaseId isArchived type
      content { ... on DraftIssue { id title body } }
      fieldValueByName(name: $statusField) {
        ... on ProjectV2ItemFieldSingleSelectValue { optionId name } } } } } }
  rateLimit { limit remaining resetAt cost } }"""

PAYLOADS = {
    "addProjectV2DraftIssue":
        "projectItem { id fullDatabaseId content { ... on DraftIssue { id body } } }",
    "updateProjectV2ItemFieldValue":
        "projectV2Item { id content { ... on DraftIssue { id body } } }",
    "updateProjectV2DraftIssue": "draftIssue { id title body }",
    "archiveProjectV2Item": "item { id }",
    "unarchiveProjectV2Item": "item { id }",
    "updateProjectV2ItemPosition": "items(first: 1) { nodes { id } }",
    "updateProjectV2Field":
        "projectV2Field { ... on ProjectV2SingleSelectField { id options { id name } } }",
    "createProjectV2StatusUpdate": "statusUpdate { id status body }",
    "createProjectV2Field": "projectV2Field { ... on ProjectV2Field { id name dataType } "
                            "... on ProjectV2SingleSelectField { id name options { id name } } }",
    "clearProjectV2ItemFieldValue": "projectV2Item { id }",
}
INPUT_TYPES = {
    "addProjectV2DraftIssue": "AddProjectV2DraftIssueInput",
    "updateProjectV2ItemFieldValue": "UpdateProjectV2ItemFieldValueInput",
    "updateProjectV2DraftIssue": "UpdateProjectV2DraftIssueInput",
    "archiveProjectV2Item": "ArchiveProjectV2ItemInput",
    "unarchiveProjectV2Item": "UnarchiveProjectV2ItemInput",
    "updateProjectV2ItemPosition": "UpdateProjectV2ItemPositionInput",
    "updateProjectV2Field": "UpdateProjectV2FieldInput",
    "createProjectV2StatusUpdate": "CreateProjectV2StatusUpdateInput",
    "createProjectV2Field": "CreateProjectV2FieldInput",
    "clearProjectV2ItemFieldValue": "ClearProjectV2ItemFieldValueInput",
}


def batch(*calls: tuple[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """A batched mutation document as the client sends it: aliases m0..mN, one variable each."""
    params = ", ".join(f"$i{n}: {INPUT_TYPES[name]}!" for n, (name, _) in enumerate(calls))
    body = " ".join(f"m{n}: {name}(input: $i{n}) {{ {PAYLOADS[name]} }}"
                    for n, (name, _) in enumerate(calls))
    return f"mutation({params}) {{ {body} }}", {f"i{n}": v for n, (_, v) in enumerate(calls)}


def send(fake: FakeGitHub, *calls: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """Sends ``calls`` to ``fake`` as one batched mutation; the reply's JSON (HTTP 200)."""
    query, variables = batch(*calls)
    reply = fake.graphql(query, variables)
    assert reply.status_code == 200, reply.text
    data: dict[str, Any] = reply.json()
    return data


def list_items(fake: FakeGitHub, first: int = 100) -> list[dict[str, Any]]:
    """Every item of ``fake``'s project 1, read page by page with ``ITEMS``."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        reply = fake.graphql(ITEMS, {"projectId": fake.project_id(), "first": first,
                                     "after": after, "statusField": "Status"}).json()
        page = reply["data"]["node"]["items"]
        nodes.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]
