"""A fake GitHub (GraphQL, Projects V2) on 127.0.0.1 for tests, benchmarks and the demo.

    with FakeGitHub(faults=Faults(seed=1, http_502=0.2)) as fake:
        client = SomeClient(url=fake.url, token=fake.token)
        ...
        assert [i.title for i in fake.items()] == [...]

It serves a strict subset of GitHub's real schema (github_subset.graphql) and reproduces the
GitHub behaviour the client relies on: ids, headers, pagination, errors with `type` and `path`,
the option-id hazard of updateProjectV2Field, rate limits and injected faults.
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
