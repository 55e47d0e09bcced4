"""Aliased mutation documents: build one, read its reply alias by alias, size the next one.

A document may mix mutation kinds (``Mutation``): a push round sends every change that needs no
other's result in one document (``sync.apply``). Its reply is resolved per alias
(``errors[].path[0]``): each call is ``ok``, ``failed`` (permanent), ``retry`` (safe to send
again) or ``ambiguous`` (a create whose fate is unknown — never replayed; the sync engine
re-reads and adopts by marker). ``github.sender`` runs calls through as many documents as it
takes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kanbanger_daemon.errors import AmbiguousMutationError
from kanbanger_daemon.github.discovery import database_id
from kanbanger_daemon.github.failures import Failure, Reply, missing_result
from kanbanger_daemon.github.queries import MutationKind, alias, mutation_document, variable
from kanbanger_daemon.models.github import MutationResult


@dataclass(frozen=True)
class Call:
    """One aliased mutation: the caller's key for it and its input object."""

    key: str
    input: dict[str, Any]


@dataclass(frozen=True)
class Mutation:
    """A call and the mutation field it goes to: one document may hold several kinds."""

    kind: MutationKind
    call: Call


class CallState(StrEnum):
    OK = "ok"
    FAILED = "failed"
    RETRY = "retry"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class CallOutcome:
    call: Call
    state: CallState
    item_id: str | None = None
    content_id: str | None = None
    failure: Failure | None = None
    database_id: str | None = None  # a created item's ``fullDatabaseId``
    body: str | None = None  # the draft's body as the payload showed it


def build_document(mutations: Sequence[Mutation]) -> tuple[str, dict[str, Any]]:
    """The document and its variables for ``mutations`` (aliases m0…, variables $i0…)."""
    document = mutation_document([m.kind for m in mutations])
    variables = {variable(i): m.call.input for i, m in enumerate(mutations)}
    return document, variables


def build_batch(kind: MutationKind, calls: Sequence[Call]) -> tuple[str, dict[str, Any]]:
    """The document and its variables for ``calls``, all of ``kind``."""
    return build_document([Mutation(kind, call) for call in calls])


def _ids(payload: dict[str, Any]) -> tuple[str | None, str | None]:
    """(item id, content id) from any of the payload shapes in ``queries``."""
    node = _item_node(payload)
    if node is not None:
        content = node.get("content")
        content_id = content.get("id") if isinstance(content, dict) else None
        return node.get("id"), content_id
    # What these create is not an item: its id is reported as the content id.
    for key in ("draftIssue", "statusUpdate", "projectV2Field"):
        node = payload.get(key)
        if isinstance(node, dict):
            return None, node.get("id")
    items = payload.get("items")
    if isinstance(items, dict):
        nodes = items.get("nodes") or []
        first = nodes[0] if nodes and isinstance(nodes[0], dict) else {}
        return first.get("id"), None
    return None, None


def _body(payload: dict[str, Any]) -> str | None:
    """The draft body a payload shows: an item's content, or the draft itself."""
    node = _item_node(payload)
    draft = node.get("content") if node is not None else payload.get("draftIssue")
    body = draft.get("body") if isinstance(draft, dict) else None
    return body if isinstance(body, str) else None


def _item_node(payload: dict[str, Any]) -> dict[str, Any] | None:
    for key in ("projectItem", "projectV2Item", "item"):
        node = payload.get(key)
        if isinstance(node, dict):
            return node
    return None


def _from_failure(kind: MutationKind, call: Call, failure: Failure) -> CallOutcome:
    if not failure.retryable:
        return CallOutcome(call, CallState.FAILED, failure=failure)
    if failure.maybe_applied and kind.creates_content:
        return CallOutcome(call, CallState.AMBIGUOUS, failure=failure)
    return CallOutcome(call, CallState.RETRY, failure=failure)


def resolve_document(mutations: Sequence[Mutation], reply: Reply) -> list[CallOutcome]:
    """What happened to each call of a document, from the (classified) reply."""
    outcomes: list[CallOutcome] = []
    data = reply.data or {}
    for index, mutation in enumerate(mutations):
        kind, call = mutation.kind, mutation.call
        name = alias(index)
        payload = data.get(name)
        if isinstance(payload, dict):
            item_id, content_id = _ids(payload)
            outcomes.append(CallOutcome(call, CallState.OK, item_id, content_id,
                                        database_id=database_id(_item_node(payload) or {}),
                                        body=_body(payload)))
        elif name in reply.field_errors:
            outcomes.append(_from_failure(kind, call, reply.field_errors[name]))
        elif reply.failure is not None:
            outcomes.append(_from_failure(kind, call, reply.failure))
        else:
            unexplained = missing_result(kind.field, name)
            outcomes.append(_from_failure(kind, call, unexplained))
    return outcomes


def resolve_batch(kind: MutationKind, calls: Sequence[Call], reply: Reply) -> list[CallOutcome]:
    """What happened to each call of a batch of ``kind``."""
    return resolve_document([Mutation(kind, call) for call in calls], reply)


class BatchSizer:
    """Current document sizes, creates and other mutations apart (a document may hold both):
    halved after a timeout or 502, regrown slowly after successes."""

    GROW_AFTER = 8  # consecutive clean documents before doubling again

    def __init__(self, create_size: int, other_size: int) -> None:
        self._max = {True: create_size, False: other_size}
        self._size = dict(self._max)
        self._clean = {True: 0, False: 0}

    def size(self, kind: MutationKind) -> int:
        return self._size[kind.in_create_batch]

    def shrink(self, kind: MutationKind) -> int:
        key = kind.in_create_batch
        self._size[key] = max(1, self._size[key] // 2)
        self._clean[key] = 0
        return self._size[key]

    def note_clean(self, kind: MutationKind) -> None:
        key = kind.in_create_batch
        self._clean[key] += 1
        if self._clean[key] >= self.GROW_AFTER and self._size[key] < self._max[key]:
            self._size[key] = min(self._max[key], self._size[key] * 2)
            self._clean[key] = 0

    def shrink_all(self, kinds: Iterable[MutationKind]) -> None:
        """A document of these kinds timed out: each class it held is halved."""
        for creates in {kind.in_create_batch for kind in kinds}:
            self.shrink(_CLASS_KIND[creates])

    def note_clean_all(self, kinds: Iterable[MutationKind]) -> None:
        for creates in {kind.in_create_batch for kind in kinds}:
            self.note_clean(_CLASS_KIND[creates])

    def fits(self, mutations: Sequence[Mutation]) -> int:
        """How many of ``mutations``, from the first, one document may hold."""
        room = dict(self._size)
        for index, mutation in enumerate(mutations):
            creates = mutation.kind.in_create_batch
            if room[creates] == 0:
                return index
            room[creates] -= 1
        return len(mutations)


# One kind of each size class, to name the class to ``shrink``/``note_clean``.
_CLASS_KIND = {
    True: MutationKind("create", "", "", creates_content=True),
    False: MutationKind("other", "", ""),
}


def to_result(kind: MutationKind, outcome: CallOutcome) -> MutationResult:
    """The caller's view of one call's outcome."""
    key = outcome.call.key
    error = outcome.failure.error if outcome.failure else None
    if outcome.state is CallState.OK:
        return MutationResult(
            key=key, ok=True, item_id=outcome.item_id, content_id=outcome.content_id,
            database_id=outcome.database_id, body=outcome.body,
        )
    if outcome.state is CallState.AMBIGUOUS:
        return MutationResult(
            key=key,
            ok=False,
            ambiguous=True,
            error=AmbiguousMutationError(
                f"{kind.field} may or may not have happened ({error}); re-read the project "
                "and adopt by marker before creating again"
            ),
        )
    return MutationResult(key=key, ok=False, error=error)
