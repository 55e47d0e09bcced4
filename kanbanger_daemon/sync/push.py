"""push_board: make a GitHub project show one board, without duplicates and without losing changes.

One push is a few rounds of: snapshot (a full listing, or the state when it is trusted) ->
``plan_remote`` (pure) -> apply the plan in one mutation document (plus one per chunk of
creates, see ``apply``), persisting ``.kanban.json`` after every confirmed document. Creates are
recorded as *pending* in the state before they are sent, so a lost reply or a crash ends in
adoption of the item by its body marker, never in a second create.

Request budget: an unchanged board (same fingerprint as the last confirmed push) costs nothing;
a change planned from a trusted state costs one mutation document (shared with the other boards
pushing through the same client at the time); otherwise one listing more. Optional field values
(cards with ``values``) share the documents and are read by the same listing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog

from kanbanger_daemon.core.sync.desired import fingerprint
from kanbanger_daemon.core.sync.listing import trusted_snapshot
from kanbanger_daemon.core.sync.project_fields import matched_values
from kanbanger_daemon.core.sync.push_plan import (
    DEFAULT_ADOPT_PATIENCE,
    plan_remote,
)
from kanbanger_daemon.core.sync.status_options import status_option_map
from kanbanger_daemon.errors import KanbangerError, RetryableError
from kanbanger_daemon.github import ExpectedCaller
from kanbanger_daemon.models.github import ProjectInfo, RemoteItem
from kanbanger_daemon.models.sync import (
    DesiredCard,
    OpKind,
    PushResult,
    RemotePlan,
    StatusOptionMap,
    SyncState,
)
from kanbanger_daemon.sync.apply import PushRun, SyncClient, apply_plan
from kanbanger_daemon.sync.state_file import load_state

log = structlog.get_logger(__name__)

# Enough rounds for an item confirmed but not listed yet to be waited for (2 x patience).
DEFAULT_MAX_ROUNDS = 2 * DEFAULT_ADOPT_PATIENCE + 2
# GitHub gives up on a request after about 10 s; a create not listed after this long never ran.
DEFAULT_SETTLE_SECONDS = 30.0


@dataclass(frozen=True)
class _Rules:
    """How one push goes: what it may do, and how long it waits for lost creates."""

    dry_run: bool
    force: bool
    max_rounds: int
    adopt_patience: int
    settle_seconds: float
    clock: Callable[[], float]

    def settled_before(self) -> float:
        """A create sent before this (by ``clock``) that is not listed never ran."""
        return self.clock() - self.settle_seconds


async def push_board(
    client: SyncClient,
    project: ProjectInfo,
    board_key: str,
    desired: Sequence[DesiredCard],
    state_path: Path,
    *,
    dry_run: bool = False,
    force: bool = False,
    max_rounds: int = DEFAULT_MAX_ROUNDS,
    adopt_patience: int = DEFAULT_ADOPT_PATIENCE,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    clock: Callable[[], float] = time.time,
    workspace_id: str | None,
    caller: ExpectedCaller | None = None,
) -> PushResult:
    """Make ``project`` show ``desired`` for ``board_key``; the state lives at ``state_path``.

    ``workspace_id`` names this workspace in the sync tags it writes; it outlives the state
    file (``sync.workspace_id`` makes it, once, in ``.kanbanger/workspace-id``), so that a
    lost state file does not make this workspace's own items look like another workspace's.
    None only for a dry run of a workspace that has none yet. ``caller``: the expected caller
    this push sends its mutations as (``GitHubClient.expecting``: boards changed together share
    documents).

    ``dry_run`` lists the project and returns the plan without sending any mutation. ``force``
    ignores the fingerprint and the trusted state (a periodic full rescan). A create whose reply
    was lost is sent again only once ``settle_seconds`` (by ``clock``) have passed and
    ``adopt_patience`` listings did not show it. Retryable faults end
    the round and the next round starts from a fresh listing; permanent ones are raised after the
    state is saved.
    """
    rules = _Rules(dry_run, force, max_rounds, adopt_patience, settle_seconds, clock)
    state, aside = load_state(state_path, set_aside=not dry_run)
    if aside is not None:
        log.warning("sync.state.corrupt", path=str(state_path), kept_as=str(aside))
    state = _for_this_board(state, project, board_key)
    if workspace_id is not None:
        state.workspace_id = workspace_id
    start = client.stats.http_requests
    digest = fingerprint(project.project_id, board_key, desired)
    if not force and state.complete and state.fingerprint == digest:
        return PushResult(
            board_key=board_key,
            plan=RemotePlan(board_key=board_key),
            dry_run=dry_run,
            in_sync=True,
            skipped=True,
            state_recovered=str(aside) if aside else None,
        )
    push = PushRun(client, project, board_key, state, state_path, caller)
    desired, value_fields, field_errors = matched_values(project, desired, keep_missing=dry_run)
    push.errors.extend(field_errors)
    options = await _status_options(push, desired, dry_run=dry_run)
    plan, rounds, in_sync = await _rounds(push, desired, options, value_fields, digest, rules)
    return _result(push, plan, start, rounds, in_sync=in_sync, aside=aside, dry_run=dry_run)


async def _status_options(push: PushRun, desired: Sequence[DesiredCard], *, dry_run: bool
                          ) -> StatusOptionMap:
    """Each column's Status option, the missing ones added to the project (not in a dry run)."""
    options = status_option_map(push.project, desired)
    missing = sorted({c.column for c in desired if c.column not in options})
    if missing and not dry_run:
        try:
            push.project = await push.client.ensure_status_options(push.project, missing,
                                                                   caller=push.caller)
            options = status_option_map(push.project, desired)
        except KanbangerError as exc:
            push.errors.append(f"Status options {missing} could not be added: {exc}")
    return options


async def _snapshot(push: PushRun, value_fields: Sequence[str], rules: _Rules, *,
                    trusted: bool) -> list[RemoteItem] | None:
    """What the project holds: the state when it is trusted, else a listing (None: the listing
    failed, the round is lost)."""
    if trusted:
        return trusted_snapshot(push.state)
    try:
        remote = await push.client.list_items(
            push.project.project_id,
            status_field=push.project.status_field.name,
            value_fields=value_fields,
        )
    except RetryableError as exc:
        push.errors.append(f"listing failed: {exc}")
        return None
    push.absorb_listing(remote, rules.adopt_patience, rules.settled_before())
    return remote


async def _rounds(push: PushRun, desired: Sequence[DesiredCard], options: StatusOptionMap,
                  value_fields: Sequence[str], digest: str, rules: _Rules
                  ) -> tuple[RemotePlan, int, bool]:
    """Plan and apply until the project shows the board: (last plan, rounds, in sync)."""
    state, plan, rounds = push.state, RemotePlan(board_key=push.board_key), 0
    for rounds in range(1, rules.max_rounds + 1):
        trusted = (rounds == 1 and not rules.force and not rules.dry_run and state.complete
                   and not state.pending)
        remote = await _snapshot(push, value_fields, rules, trusted=trusted)
        if remote is None:
            continue
        plan = plan_remote(desired, push.state, remote, options, board_key=push.board_key,
                           adopt_patience=rules.adopt_patience, now=rules.clock(),
                           settle_seconds=rules.settle_seconds)
        if rules.dry_run:
            return plan, rounds, plan.is_empty
        if trusted and (plan.of_kind(OpKind.CREATE) or plan.of_kind(OpKind.ARCHIVE)):
            # The saved state may be stale (another clone made the card, a person or another
            # clone retitled it): a create or an archive is decided on a fresh listing.
            continue
        _note_agreed(push.state, plan)
        if plan.waiting and not plan.ops and _only_unsettled(push.state, plan,
                                                             rules.settled_before()):
            push.save()  # keeps the count of listings that missed the lost creates
            return plan, rounds, False  # listing again right now proves nothing
        if plan.is_empty or await _applied_cleanly(push, plan, rules):
            _finish(push, desired, digest)
            return plan, rounds, True
    return plan, rounds, rules.dry_run and plan.is_empty


async def _applied_cleanly(push: PushRun, plan: RemotePlan, rules: _Rules) -> bool:
    """Apply ``plan``; True when every op was confirmed and nothing needs a fresh listing."""
    push.clean = True
    push.state.complete = False
    push.state.fingerprint = None
    push.save()
    try:
        await apply_plan(push, plan, rules.clock())
    except RetryableError as exc:
        push.clean = False
        push.errors.append(str(exc))
    finally:
        push.save()
    # An unarchived item comes back where it was: check the order with a fresh listing.
    verify = bool(plan.of_kind(OpKind.UNARCHIVE))
    return push.clean and not plan.waiting and not verify


def _note_agreed(state: SyncState, plan: RemotePlan) -> None:
    """Cards whose item shows what the board wants are synced at those values."""
    for key, (status, title) in plan.agreed.items():
        card = state.cards.get(key)
        if card is not None:
            card.synced_status, card.synced_title = status, title
    for key, (base_status, base_title) in plan.baseline.items():
        card = state.cards.get(key)
        if card is not None:
            card.synced_status = card.synced_status or base_status
            card.synced_title = card.synced_title or base_title
    for key, values in plan.agreed_values.items():
        card = state.cards.get(key)
        if card is not None:
            card.synced_values.update(values)


def _only_unsettled(state: SyncState, plan: RemotePlan, settled_before: float) -> bool:
    """True when every waiting key is a lost create GitHub may still be running."""
    return all(
        key in state.pending and state.pending[key].sent_at > settled_before for key in plan.waiting
    )


def _for_this_board(state: SyncState, project: ProjectInfo, board_key: str) -> SyncState:
    """Forget what the state says of another project or board (kanbanger's tasks are kept)."""
    if state.project_id not in (None, project.project_id):
        state = SyncState(tasks={}, board_key=board_key)
    elif state.board_key not in (None, board_key):
        state = state.model_copy(
            update={"cards": {}, "pending": {}, "complete": False, "fingerprint": None}
        )
    return state.model_copy(
        update={
            "project_id": project.project_id,
            "repo_node_id": project.repo_id,
            "board_key": board_key,
            "project_url": project.url or state.project_url,
        }
    )


def _finish(push: PushRun, desired: Sequence[DesiredCard], digest: str) -> None:
    for card in desired:
        if card.key in push.state.cards:
            push.state.cards[card.key].position = card.position
    push.state.fingerprint = digest
    push.state.complete = True
    push.save()


def _result(
    push: PushRun,
    plan: RemotePlan,
    start: int,
    rounds: int,
    *,
    in_sync: bool,
    aside: Path | None,
    dry_run: bool = False,
) -> PushResult:
    return PushResult(
        board_key=push.board_key,
        plan=plan,
        dry_run=dry_run,
        in_sync=in_sync,
        requests=push.client.stats.http_requests - start,
        rounds=rounds,
        applied=dict(push.applied),
        errors=list(push.errors),
        state_recovered=str(aside) if aside else None,
    )


