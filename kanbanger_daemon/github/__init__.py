"""The network edge: a GitHub Projects V2 client (httpx), paced, batched, retried by one policy.

Public surface: ``GitHubClient`` and its configuration ``PacingConfig``; ``match_status_option``
for column ↔ Status option matching. Models live in ``kanbanger_daemon.models.remote``.
"""

from kanbanger_daemon.github.client import DEFAULT_URL, GitHubClient
from kanbanger_daemon.github.options import match_status_option
from kanbanger_daemon.github.pacing import PacingConfig
from kanbanger_daemon.models.remote import (
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
    "GitHubClient",
    "MutationResult",
    "PacingConfig",
    "Preflight",
    "ProjectInfo",
    "RateLimitInfo",
    "RemoteItem",
    "StatusField",
    "StatusOption",
    "match_status_option",
]
