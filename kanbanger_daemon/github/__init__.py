"""The network edge: a GitHub Projects V2 client (httpx), paced, batched, retried by one policy.

Public surface, for every package outside ``github/``: ``GitHubClient`` and its configuration
``PacingConfig``; ``ExpectedCaller`` (a caller the next mutation document waits for, from
``GitHubClient.expecting``); ``Mutation`` (one call of a mutation document) with the inputs
``calls`` builds; ``value_input`` for optional project fields; ``split_repo``; the documents in
``queries``. Models live in ``kanbanger_daemon.models.github``.
"""

from kanbanger_daemon.github.batching import Mutation
from kanbanger_daemon.github.client import DEFAULT_URL, GitHubClient
from kanbanger_daemon.github.discovery import split_repo
from kanbanger_daemon.github.fields import value_input
from kanbanger_daemon.github.pacing import PacingConfig
from kanbanger_daemon.github.sender import ExpectedCaller
from kanbanger_daemon.models.github import (
    ClientStats,
    DraftSpec,
    MutationResult,
    Preflight,
    ProjectInfo,
    RateLimitInfo,
    RemoteItem,
    StatusField,
    StatusOption,
)

__all__ = [
    "DEFAULT_URL",
    "ClientStats",
    "DraftSpec",
    "ExpectedCaller",
    "GitHubClient",
    "Mutation",
    "MutationResult",
    "PacingConfig",
    "Preflight",
    "ProjectInfo",
    "RateLimitInfo",
    "RemoteItem",
    "StatusField",
    "StatusOption",
    "split_repo",
    "value_input",
]
