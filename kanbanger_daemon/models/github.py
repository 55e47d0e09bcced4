"""What GitHub Projects V2 says, as the client hands it to the sync engine. Plain data.

Node ids are GitHub's opaque strings (``PVT_…`` projects, ``PVTI_…`` items, ``DI_…`` draft issues,
``PVTSSF_…`` single-select fields, 8-hex option ids).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from kanbanger_daemon.errors import KanbangerError
from kanbanger_daemon.models.sync import FieldValue


class StatusOption(BaseModel):
    """One option of the Status single-select field (a board column on github.com)."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    color: str = "GRAY"
    description: str = ""


class StatusField(BaseModel):
    """The project's single-select field that plays the role of kanban columns."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    options: tuple[StatusOption, ...] = ()

    def option_by_id(self, option_id: str) -> StatusOption | None:
        return next((o for o in self.options if o.id == option_id), None)


class ProjectField(BaseModel):
    """Any field of the project (Status, Title, custom text/number fields…)."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    data_type: str = ""  # GitHub's ProjectV2FieldType: TEXT, NUMBER, SINGLE_SELECT, TITLE…


class ProjectInfo(BaseModel):
    """The result of discovery: where the board lives and what its Status field looks like."""

    model_config = ConfigDict(frozen=True)

    repo: str  # "owner/name" as GitHub spells it
    repo_id: str
    project_id: str
    number: int
    title: str
    status_field: StatusField
    linked_projects: tuple[tuple[int, str], ...] = ()  # (number, title) of projects linked to repo
    fields: tuple[ProjectField, ...] = ()  # every field discovery saw (the first 50)
    url: str | None = None  # where a person opens the project on github.com


class RemoteItem(BaseModel):
    """One project item as listed (archived ones included, flagged). List order = board order."""

    model_config = ConfigDict(frozen=True)

    item_id: str
    is_archived: bool = False
    type: str = "DRAFT_ISSUE"  # DRAFT_ISSUE | ISSUE | PULL_REQUEST | REDACTED
    content_id: str | None = None  # the DraftIssue id (None for non-draft items)
    title: str | None = None
    body: str | None = None
    status_option_id: str | None = None
    status_name: str | None = None
    # Values of the optional project fields the listing asked for, by field name (an unset
    # value is absent); None when the listing did not ask for any.
    field_values: dict[str, FieldValue] | None = None
    # GitHub's ``fullDatabaseId`` (a BigInt, as a string): the ``itemId`` of the item's address
    # on github.com (``core.sync.links``). None: not known.
    database_id: str | None = None


class RateLimitInfo(BaseModel):
    """GitHub's primary rate-limit counters, from ``x-ratelimit-*`` headers or ``rateLimit``."""

    model_config = ConfigDict(frozen=True)

    limit: int | None = None
    remaining: int | None = None
    used: int | None = None
    reset_at: float | None = None  # epoch seconds
    resource: str | None = None
    cost: int | None = None


class DraftSpec(BaseModel):
    """A draft issue to create. ``key`` is the caller's name for it (echoed in the result)."""

    model_config = ConfigDict(frozen=True)

    key: str
    title: str
    body: str = ""


class MutationResult(BaseModel):
    """The outcome of one aliased mutation.

    ``ambiguous`` means the request was sent and its reply lost: the mutation may or may not have
    happened. For creates the client never replays such a batch; re-read the project and adopt
    items by the hidden body marker instead.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    key: str
    ok: bool
    item_id: str | None = None
    content_id: str | None = None
    database_id: str | None = None  # a created item's ``fullDatabaseId``
    # The draft's body as the payload showed it (None: not asked for, or not a draft). A call
    # that runs before a write to the same draft in one document shows the body right before
    # that write (mutation fields run one after the other, each payload read before the next).
    body: str | None = None
    error: KanbangerError | None = None
    ambiguous: bool = False


class Preflight(BaseModel):
    """Who the token belongs to and what it may do."""

    model_config = ConfigDict(frozen=True)

    login: str
    scopes: tuple[str, ...] = ()
    token_kind: str = "unknown"  # classic | oauth | fine-grained | app-user | app-installation…
    rate_limit: RateLimitInfo | None = None


class ClientStats(BaseModel):
    """Counters a status page or benchmark can show. A snapshot: later requests don't mutate it."""

    http_requests: int = 0
    documents: int = 0
    query_documents: int = 0
    mutation_documents: int = 0
    mutations: int = 0  # aliased mutations sent, counted one by one
    creates: int = 0  # content-creating mutations sent (the sliding-window budget)
    retries: int = 0
    rate_limit_remaining: int | None = None
    rate_limit_reset: float | None = None  # epoch seconds
    paused_until: float | None = None  # epoch seconds; None when not paused
    # When GitHub last answered a request as this token (epoch seconds): the token worked then.
    auth_verified_at: float | None = None
    mutations_by_name: dict[str, int] = Field(default_factory=dict)
