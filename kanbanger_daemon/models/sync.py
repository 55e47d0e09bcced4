"""The sync engine's data: desired cards, planned remote operations, the sync state, results.

Plain data only. ``SyncState`` is what ``.kanban.json`` holds; it keeps kanbanger's fields
(``schema_version``, ``repo_node_id``, ``project_id``, ``board_key``, ``tasks``) so a kanbanger
user switches without duplicates, plus the daemon's own (``cards``, ``pending``, ``fingerprint``,
``complete``). The GitHub token is never part of any of these models.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from kanbanger_daemon.models.board import ColumnKind

STATE_SCHEMA_VERSION = 1

# The value of an optional project field: a number (NUMBER field) or a text (TEXT field).
FieldValue = float | str


class DesiredCard(BaseModel):
    """One card as the board wants it on GitHub. ``key`` is ``<board-key>/<card-key>``."""

    model_config = ConfigDict(frozen=True)

    key: str
    title: str
    column: str = ""
    column_kind: ColumnKind = ColumnKind.OTHER
    position: int = 0
    # Optional project fields the card's item should show, by field name (``project_fields``
    # setting); empty: the card sets none, and its other fields are left as they are.
    values: dict[str, FieldValue] = Field(default_factory=dict)
    # The reason of the card's ``[REJECTED: …]`` note, shown in its draft's body on GitHub
    # (``core.sync.body_note``); None: the card has no such note.
    rejection: str | None = None


class StatusChoice(BaseModel):
    """The Status option a column maps to."""

    model_config = ConfigDict(frozen=True)

    option_id: str
    name: str


# Column heading text (as on the board) -> the Status option it maps to. A column absent from the
# map has no matching option: its cards are created/kept without touching their Status.
StatusOptionMap = dict[str, StatusChoice]


class OpKind(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    ADOPT = "adopt"
    STATUS = "status"
    MOVE = "move"
    ARCHIVE = "archive"
    UNARCHIVE = "unarchive"
    FIELD = "field"  # set one optional project field (``field_name``) to ``value``


class RemoteOp(BaseModel):
    """One planned change on the project.

    ``item_id`` is None only for a CREATE, and for the STATUS / FIELD / MOVE of a card created in
    the same plan (the engine resolves ``key`` to the new item id). ``after_key`` names the card a
    MOVE goes after (None: to the top); ``after_id`` is its item id when already known.
    """

    model_config = ConfigDict(frozen=True)

    kind: OpKind
    key: str
    item_id: str | None = None
    draft_id: str | None = None
    title: str | None = None
    body: str | None = None
    option_id: str | None = None
    option_name: str | None = None
    after_key: str | None = None
    after_id: str | None = None
    old_title: str | None = None
    # ADOPT / UPDATE: the body the new ``body`` was built from, as GitHub should still show it
    # right before the write (what it shows instead was written by someone else meanwhile).
    old_body: str | None = None
    after_title: str | None = None
    reason: str = ""
    field_name: str | None = None  # FIELD: the project field, as the project spells it
    value: FieldValue | None = None  # FIELD: the value to set
    old_value: FieldValue | None = None  # FIELD: what the item shows now (None: unset)


class RemotePlan(BaseModel):
    """Everything one push should do, in the order it is applied by kind.

    ``waiting`` lists keys whose item may exist but is not visible yet (a create whose reply was
    lost, or a fresh item GitHub does not list yet): nothing is created for them until
    ``adopt_patience`` listings have missed them. ``adopted`` maps keys to items found by marker
    (or by a kanbanger state entry) that the state did not know.
    """

    board_key: str
    ops: list[RemoteOp] = Field(default_factory=list)
    waiting: list[str] = Field(default_factory=list)
    adopted: dict[str, str] = Field(default_factory=dict)
    unmapped_columns: list[str] = Field(default_factory=list)
    forgotten: list[str] = Field(default_factory=list)  # state keys whose item is gone for good
    # Cards another workspace changed on GitHub while this board did not change them: left alone.
    left: list[str] = Field(default_factory=list)
    # Cards whose item shows what the board wants: key -> (Status name, title), the synced values.
    agreed: dict[str, tuple[str | None, str]] = Field(default_factory=dict)
    # Cards this workspace never synced whose item shows another workspace's values: this
    # workspace takes its own (Status, title) as synced without pushing them (None: not that one).
    baseline: dict[str, tuple[str | None, str | None]] = Field(default_factory=dict)
    # Cards whose item shows some of the wanted field values: key -> {field name: value}.
    agreed_values: dict[str, dict[str, FieldValue]] = Field(default_factory=dict)

    def of_kind(self, kind: OpKind) -> list[RemoteOp]:
        return [op for op in self.ops if op.kind == kind]

    @property
    def is_empty(self) -> bool:
        return not self.ops and not self.waiting


class CardState(BaseModel):
    """What the daemon last confirmed about one card's item."""

    item_id: str | None = None
    draft_id: str | None = None
    title: str = ""
    status: str | None = None  # Status option name
    option_id: str | None = None
    position: int = 0
    archived: bool = False
    body: str | None = None  # None: the bare marker (kept only when a person added text)
    # A body the daemon's last write to this draft replaced, holding text someone else had
    # written since the daemon last read it: the next push writes it back (with our lines).
    # None: nothing to put back.
    lost_body: str | None = None
    unseen: int = 0  # consecutive listings that did not show the item
    listed: bool = True  # False from its create until a listing first shows the item
    # What this workspace last pushed or accepted (None: unknown). A remote value that differs
    # while the board still wants these was changed elsewhere; see ``core.sync.push_plan``.
    synced_status: str | None = None
    synced_title: str | None = None
    foreign: bool = False  # a person's draft the board took in (two-way sync): left unmarked
    # Two-way sync: values another workspace set that this board's progress overrules; polls
    # that see them again have nothing new to take in.
    left_status: str | None = None
    left_title: str | None = None
    # Optional project fields (``project_fields``): what the item shows, as last confirmed, and
    # what this workspace last pushed or accepted, by field name. Same rule as synced_status.
    values: dict[str, FieldValue] = Field(default_factory=dict)
    synced_values: dict[str, FieldValue] = Field(default_factory=dict)
    # The item's ``fullDatabaseId``, from its create's reply or a listing: with the project's
    # ``url`` it makes the item's address on github.com (``core.sync.links``). None: not known.
    database_id: str | None = None

    @model_serializer(mode="wrap")
    def _without_empty_values(self, handler: SerializerFunctionWrapHandler) -> Any:
        # With the option off, .kanban.json stays exactly as it was before the option existed
        # (and a card with no known address adds nothing either).
        data = handler(self)
        if isinstance(data, dict):
            for name in ("values", "synced_values", "database_id"):
                if not data.get(name):
                    data.pop(name, None)
            if data.get("lost_body") is None:  # "" is a body: a person emptied it
                data.pop("lost_body", None)
        return data


class PendingCreate(BaseModel):
    """A create whose reply was lost: the item may exist. Never created again blindly."""

    title: str = ""
    unseen: int = 0  # listings since the create that did not show its marker
    sent_at: float = 0.0  # clock reading when the create was sent (GitHub may apply it late)


class KanbangerTask(BaseModel):
    """kanbanger's per-title entry (``tasks`` in ``.kanban.json``)."""

    model_config = ConfigDict(extra="allow")

    item_id: str | None = None
    status: str | None = None


class SyncState(BaseModel):
    """``.kanban.json``: kanbanger's fields plus the daemon's own. Unknown keys are kept."""

    model_config = ConfigDict(extra="allow")

    schema_version: int = STATE_SCHEMA_VERSION
    repo_node_id: str | None = None
    project_id: str | None = None
    board_key: str | None = None
    tasks: dict[str, KanbangerTask] = Field(default_factory=dict)
    cards: dict[str, CardState] = Field(default_factory=dict)
    pending: dict[str, PendingCreate] = Field(default_factory=dict)
    fingerprint: str | None = None
    # Two-way sync: a hand-written card retitled on GitHub keeps its item under its new key
    # (item id -> new key, until a push rewrites its marker); ids of people's items already
    # listed (None: never listed).
    aliases: dict[str, str] = Field(default_factory=dict)
    people_items: list[str] | None = None
    # This workspace's id in the sync tags it writes (``core.sync.markers``); set at the first push.
    workspace_id: str | None = None
    # Where a person opens the project on github.com (its ``url``, from discovery): what
    # ``get_board`` needs, with the cards' ``database_id``, to link each card without a request.
    project_url: str | None = None
    # True only when the last push confirmed every operation: the state then mirrors our items
    # on the project and a push may plan from it without listing the project again.
    complete: bool = False


class PushResult(BaseModel):
    """What one ``push_board`` did. ``in_sync`` is True when the project matches the board."""

    board_key: str
    plan: RemotePlan
    dry_run: bool = False
    in_sync: bool = False
    skipped: bool = False  # nothing changed since the last confirmed push: no request made
    requests: int = 0
    rounds: int = 0
    applied: dict[str, int] = Field(default_factory=dict)  # op kind -> confirmed count
    errors: list[str] = Field(default_factory=list)
    state_recovered: str | None = None  # where a corrupt state file was kept aside
