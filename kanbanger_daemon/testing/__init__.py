"""A fake GitHub (GraphQL, Projects V2) on 127.0.0.1 for tests, benchmarks and the demo.

    with FakeGitHub(faults=Faults(seed=1, http_502=0.2)) as fake:
        client = SomeClient(url=fake.url, token=fake.token)
        ...
        assert [i.title for i in fake.items()] == [...]

It serves a strict subset of GitHub's real schema (github_subset.graphql; proved by
tests/fake_github/test_fake_schema_subset.py) and reproduces the GitHub behaviour the client
relies on: GitHub-like node ids, `x-ratelimit-*` and `x-oauth-scopes` headers, 401 "Bad
credentials", pagination of at most 100, errors with `type` and `path` (one per failing alias,
the others applied), creates refused when batched with other mutations, the option-id hazard of
updateProjectV2Field (options sent without their id get new ids and items lose their value), the
primary point budget and, when enabled, the 80/min + 500/h creation cap (per aliased create; a
document over the cap is refused whole with 403 + retry-after), and the addresses of the
web pages: a project's `url` (`https://github.com/users/<owner>/projects/<n>`) and each item's
`fullDatabaseId` (a BigInt sent as a string, growing as items are added).

Faults (see Faults) are seeded probabilities; a fault before execution applies nothing,
`lost_reply` applies everything and loses the answer, `slow_reply` answers late but applies.

Public surface: FakeGitHub (start/stop/context manager, url, token, faults, scopes,
enforce_creation_limits, add_repository, add_project, link_project, unlink_project, items, item,
status_options, fields, status_updates, project_id, project_url, status_field_id, counters,
reset_counters, requests_log, graphql, person_move/rename/edit_body/archive/unarchive/delete/
add_draft/move_after/set_options), Faults, FakeItem, FakeOption, FakeCounters, LoggedRequest,
render_project.
`python -m kanbanger_daemon.testing --port 0` serves one standalone (first stdout line: JSON).
"""

from ._fake import DEFAULT_TOKEN, FakeCounters, FakeGitHub, FakeItem, FakeOption
from ._faults import FAULT_KINDS, Faults
from ._gateway import LoggedRequest
from ._render import render_project

__all__ = [
    "DEFAULT_TOKEN",
    "FAULT_KINDS",
    "FakeCounters",
    "FakeGitHub",
    "FakeItem",
    "FakeOption",
    "Faults",
    "LoggedRequest",
    "render_project",
]
