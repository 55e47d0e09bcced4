"""Two-way sync, the I/O half: list a board's project, take its remote changes into ``_kanban.md``.

Runs inside the board's reconcile (so never at the same time as another reconcile of the board):
list the project (one query per 100 items, shared by every board that goes to it within one poll
round), find the edits (``core.sync.pull_edits``), re-plan the board with them applied, record in
``.kanban.json`` the ones that stayed, and leave the rest to the push that follows: a person's
move of a card whose task has a progress status is undone there (progress is the authority).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from kanbanger_daemon.boards.board_memory import BoardMemory
from kanbanger_daemon.boards.own_writes import OwnWrites
from kanbanger_daemon.boards.reconcile import LocalResult, read_guarded, reconcile_local
from kanbanger_daemon.boards.workspace import BoardKey, board_path
from kanbanger_daemon.core.board.format import parse_board
from kanbanger_daemon.core.specs.decode import decode_text
from kanbanger_daemon.core.sync.desired import desired_cards
from kanbanger_daemon.core.sync.listing import absorb_listing
from kanbanger_daemon.core.sync.pull_edits import (
    RemoteEdit,
    apply_remote_edits,
    find_remote_edits,
    survivors,
)
from kanbanger_daemon.core.sync.pull_record import (
    bind_taken_drafts,
    listing_view,
    record_kept_edits,
    record_left_values,
    record_people_items,
    replan_from_listing,
)
from kanbanger_daemon.core.sync.status_options import column_of_status
from kanbanger_daemon.errors import ConfigError
from kanbanger_daemon.models.board import Board
from kanbanger_daemon.models.github import ProjectInfo, RemoteItem
from kanbanger_daemon.models.sync import DesiredCard, SyncState
from kanbanger_daemon.settings import Settings
from kanbanger_daemon.sync.pusher import STATE_FILE, BoardPusher, Target
from kanbanger_daemon.sync.state_file import load_state, save_state

log = structlog.get_logger(__name__)


@dataclass
class PullOutcome:
    edits: list[RemoteEdit] = field(default_factory=list)
    kept: list[RemoteEdit] = field(default_factory=list)
    local: LocalResult | None = None
    # The listing showed every item as the state already had it: the board needs no reconcile.
    quiet: bool = False


def _read_board(root: Path, key: BoardKey) -> Board | None:
    path = board_path(root, key)
    if not path.exists():
        return None
    return parse_board(decode_text(read_guarded(path, root), file=str(path)))


async def _listing(pusher: BoardPusher, key: BoardKey, state: SyncState,
                   listings: dict[str, list[RemoteItem]]
                   ) -> tuple[ProjectInfo, list[RemoteItem]] | None:
    """The board's project and its items (one listing per project per round); None when the
    board's state is of another project (it was never pushed there)."""
    project = await pusher.project(pusher.target_of(key))
    if project.project_id != state.project_id:
        return None
    if project.project_id not in listings:
        listings[project.project_id] = await pusher.list_items(project)
    return project, listings[project.project_id]


@dataclass
class _Pull:
    """One pull of one board: where its files are and what the daemon knows of them."""

    root: Path
    key: BoardKey
    settings: Settings
    memory: BoardMemory
    own_writes: OwnWrites | None

    @property
    def state_path(self) -> Path:
        return board_path(self.root, self.key).parent / STATE_FILE

    async def plan(self, edits: Sequence[RemoteEdit]) -> list[DesiredCard]:
        """The board's cards with ``edits`` applied and planned again (nothing written)."""
        planned = await asyncio.to_thread(
            reconcile_local, self.root, self.key, self.settings, dry_run=True,
            edit=lambda board: apply_remote_edits(board, edits), memory=self.memory)
        return desired_cards(planned.board, self.key)

    async def write(self, edits: Sequence[RemoteEdit], bound: SyncState | None) -> LocalResult:
        """Write the board with ``edits`` applied. A person's draft taken in is bound in the
        state (``bound``, saved first), so that a crash in between never leaves a card the
        next push would create a second item for: the draft is offered again instead."""
        if bound is not None:
            await asyncio.to_thread(save_state, self.state_path, bound)
        return await asyncio.to_thread(
            reconcile_local, self.root, self.key, self.settings,
            edit=lambda board: apply_remote_edits(board, edits), memory=self.memory,
            own_writes=self.own_writes)


async def pull_board(
    pusher: BoardPusher, key: BoardKey, settings: Settings, *, take_new_drafts: bool,
    listings: dict[str, list[RemoteItem]], memory: BoardMemory | None = None,
    own_writes: OwnWrites | None = None,
) -> PullOutcome:
    """Take the remote changes of board ``key`` into ``_kanban.md`` (see the module docstring).

    ``listings`` caches the listing of each project for one poll round; ``memory`` and
    ``own_writes`` are the daemon's (see ``reconcile_local``). What is recorded in the state is
    ``core.sync.pull_record``'s. Crash order, so that a crash at any point loses no one's edit
    and makes no second item:

    1. the edits are found by comparing the listing with the state as last saved, and the
       board is re-planned with them without writing anything;
    2. people's drafts taken in are bound to their cards in the state as loaded, saved BEFORE
       the board is written: a crash in between leaves the draft offered again (its card is not
       on the board), never a card the next push would create a second item for;
    3. the board is written;
    4. everything else is saved in the state AFTER the board write: a crash before it leaves
       the state as last saved, so the next pull compares the listing with it again and
       nothing a person did is lost;
    5. a poll that saw nothing new (``quiet``) writes nothing.
    """
    pull = _Pull(pusher.root, key, settings, BoardMemory() if memory is None else memory,
                 own_writes)
    state, aside = await asyncio.to_thread(load_state, pull.state_path, set_aside=False)
    board = await asyncio.to_thread(_read_board, pull.root, key)
    if aside is not None or board is None or state.project_id is None:
        return PullOutcome()  # never pushed (or the state is unreadable): nothing to compare
    listed = await _listing(pusher, key, state, listings)
    if listed is None:
        return PullOutcome()
    project, remote = listed
    state.workspace_id = pusher.workspace_id
    # Edits compare the listing with the state as last synced, before the listing updates it.
    edits = find_remote_edits(board, key, state, remote, column_of_status(board, project),
                              take_new_drafts=take_new_drafts)
    before, as_loaded = listing_view(state), state.model_copy(deep=True)
    state = absorb_listing(state, remote, key)
    outcome = PullOutcome(edits=edits, quiet=not edits and listing_view(state) == before)
    if not outcome.quiet:
        replan_from_listing(state, remote, key)
    if edits:
        final = await pull.plan(edits)
        outcome.kept = survivors(edits, final)
        record_kept_edits(state, outcome.kept, final, remote)
        record_left_values(state, edits, outcome.kept)
        _log_edits(key, edits, outcome.kept)
        bound = bind_taken_drafts(as_loaded, outcome.kept, final, remote)
        outcome.local = await pull.write(edits, bound)
    record_people_items(state, remote, edits, outcome.kept)
    if state != as_loaded:  # a quiet poll writes nothing
        await asyncio.to_thread(save_state, pull.state_path, state)
    return outcome


def _log_edits(key: BoardKey, edits: Sequence[RemoteEdit], kept: Sequence[RemoteEdit]) -> None:
    for edit in edits:
        if edit in kept:
            log.info("pull.taken", board=key, change=edit.describe())
        elif edit.by_person:
            log.warning("pull.undone", board=key, change=edit.describe(),
                        reason="progress is the authority for this card's column")
        else:
            log.info("pull.left", board=key, change=edit.describe(),
                     reason="set by another workspace; this one's progress disagrees")


class Puller:
    """The daemon's pull hook: one listing per project per poll round, new drafts to the board
    that is alone in going to that project (with several, which one gets them is a guess)."""

    def __init__(self, pusher: BoardPusher, settings: Settings,
                 boards: Callable[[], Sequence[BoardKey]], *, listing_ttl_s: float = 10.0,
                 memory: BoardMemory | None = None, own_writes: OwnWrites | None = None):
        self.pusher = pusher
        self.settings = settings
        self.memory = BoardMemory() if memory is None else memory
        self.own_writes = own_writes
        self.boards = boards
        self.listing_ttl_s = listing_ttl_s
        self._listings: dict[str, list[RemoteItem]] = {}
        self._listed_at = float("-inf")
        self._pulled: set[BoardKey] = set()
        self._keys: Sequence[BoardKey] | None = None  # the workspace's boards, once per round

    async def __call__(self, key: BoardKey) -> bool:
        """Pull board ``key``; True when the board needs its reconcile (something differs)."""
        return not (await self.pull(key)).quiet

    async def pull(self, key: BoardKey) -> PullOutcome:
        now = asyncio.get_running_loop().time()
        # A round pulls each board once: a board pulled again starts a new round (fresh lists).
        if key in self._pulled or now - self._listed_at > self.listing_ttl_s:
            self._listings, self._listed_at, self._pulled = {}, now, set()
            self._keys = None
        self._pulled.add(key)
        # Targets as last read (a push reads its board's again): a poll reads no settings.
        target = self.pusher.target_of(key)
        if self._keys is None:
            self._keys = await asyncio.to_thread(self.boards)
        sharing = [k for k in self._keys if self._target_or_none(k) == target]
        return await pull_board(self.pusher, key, self.settings,
                                take_new_drafts=len(sharing) <= 1, listings=self._listings,
                                memory=self.memory, own_writes=self.own_writes)

    def _target_or_none(self, key: BoardKey) -> Target | None:
        try:
            return self.pusher.target_of(key)
        except ConfigError:
            return None
