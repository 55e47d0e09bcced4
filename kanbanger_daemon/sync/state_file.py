"""``.kanban.json``: the sync state beside a board. Atomic writes; a corrupt file is kept aside.

A missing file is an empty state. A file that is not valid JSON, or not a state, is renamed to
``.kanban.json.corrupt-<n>`` (first free n) and an empty state is returned: the next push then
finds every item again by its body marker (adoption), so nothing is duplicated. The token is
never part of the state; ``save_state`` refuses to write any registered secret.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import ValidationError

from kanbanger_daemon.boards.atomic import write_atomic
from kanbanger_daemon.errors import StateError, redact
from kanbanger_daemon.models.sync import KanbangerTask, SyncState

STATE_FILE_NAME = ".kanban.json"


def state_path_for(board_path: Path) -> Path:
    """Where the state of ``board_path`` (a ``_kanban.md``) lives: beside it."""
    return board_path.parent / STATE_FILE_NAME


def load_state(path: Path, *, set_aside: bool = True) -> tuple[SyncState, Path | None]:
    """The state at ``path`` and, when it was corrupt, where the bad file was moved.

    With ``set_aside=False`` (a dry run) a corrupt file is left in place and ``path`` returned.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return SyncState(), None
    except OSError as exc:
        raise StateError(f"{path}: cannot read the sync state: {exc.strerror or exc}") from exc
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return SyncState.model_validate(data), None
    except (UnicodeDecodeError, ValueError, ValidationError):
        return SyncState(), _set_aside(path) if set_aside else path


def _set_aside(path: Path) -> Path:
    n = 1
    while True:
        target = path.with_name(f"{path.name}.corrupt-{n}")
        if not target.exists():
            break
        n += 1
    try:
        os.replace(path, target)
    except OSError as exc:
        raise StateError(f"{path}: corrupt sync state could not be moved aside: {exc}") from exc
    return target


def with_kanbanger_tasks(state: SyncState) -> SyncState:
    """``state`` with kanbanger's ``tasks`` (by title) mirroring our live cards.

    kanbanger reads ``tasks``; entries it wrote for titles we do not manage are kept.
    """
    tasks = dict(state.tasks)
    ours = {card.item_id for card in state.cards.values()}
    tasks = {title: task for title, task in tasks.items() if task.item_id not in ours}
    for card in state.cards.values():
        if card.item_id and not card.archived and card.title:
            tasks[card.title] = KanbangerTask(item_id=card.item_id, status=card.status)
    return state.model_copy(update={"tasks": tasks})


def save_state(path: Path, state: SyncState) -> None:
    """Write ``state`` atomically and durably (``write_atomic``)."""
    text = (
        json.dumps(
            with_kanbanger_tasks(state).model_dump(mode="json"),
            indent=2,
            sort_keys=True,
            ensure_ascii=False,
        )
        + "\n"
    )
    if redact(text) != text:
        raise StateError(f"{path}: refusing to write a secret into the sync state")
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        raise StateError(f"{path}: cannot write the sync state: {exc.strerror or exc}") from exc
