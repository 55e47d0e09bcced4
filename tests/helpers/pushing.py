"""For tests that call push_board themselves: desired cards, and the board a person sees on
the fake GitHub's project after a push."""

from __future__ import annotations

from pathlib import Path

import pytest

from kanbanger_daemon.boards.reconcile import reconcile_local
from kanbanger_daemon.core.sync.markers import parse_marker_key
from kanbanger_daemon.models.board import ColumnKind
from kanbanger_daemon.models.sync import DesiredCard
from kanbanger_daemon.settings import load_settings
from kanbanger_daemon.sync.pusher import BoardPusher, client_from
from kanbanger_daemon.testing import FakeGitHub, FakeItem

# A workspace's id in the sync tags (the daemon makes one per workspace: sync.workspace_id).
WORKSPACE_ID = "feed0001"
# The fake GitHub as push tests want it (conftest's ``fake``): on the test's ``clock``, which
# the client sleeps on too, and refusing creates beyond GitHub's limits.
ON_THE_CLOCK = pytest.mark.fake_github(on_clock=True, enforce_creation_limits=True)

BOARD = "specs/analysis/_kanban.md"
KINDS = {"TODO": ColumnKind.TODO, "DOING": ColumnKind.DOING, "DONE": ColumnKind.DONE}


def cards(spec: list[tuple[str, str]]) -> list[DesiredCard]:
    """[(title, column)] -> desired cards keyed by the number in "Task <n>..."."""
    out = []
    for position, (title, column) in enumerate(spec):
        number = title.split()[1].rstrip(":")
        out.append(
            DesiredCard(
                key=f"{BOARD}/spec.md#{number}",
                title=title,
                column=column,
                column_kind=KINDS[column],
                position=position,
            )
        )
    return out


STATUS_RANK = {"Todo": 0, "In Progress": 1, "Done": 2}


def by_column(cards: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Grouped by Status column, order kept within each: what GitHub's board view shows."""
    return sorted(cards, key=lambda c: STATUS_RANK.get(c[1] or "", 3))


def board_of(fake: FakeGitHub) -> list[tuple[str, str | None]]:
    """Our live items as (title, status), column by column, in project order within each."""
    return by_column([(i.title, i.status) for i in live(fake)])


def live(fake: FakeGitHub) -> list[FakeItem]:
    return [i for i in fake.items() if not i.archived and parse_marker_key(i.body)]


def marker_counts(fake: FakeGitHub) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in fake.items():
        key = parse_marker_key(item.body)
        if key:
            counts[key] = counts.get(key, 0) + 1
    return counts


EXPECTED_STATUS = {"TODO": "Todo", "DOING": "In Progress", "DONE": "Done"}


def expected(desired: list[DesiredCard]) -> list[tuple[str, str | None]]:
    return by_column([(c.title, EXPECTED_STATUS[c.column]) for c in desired])


FIRST = [("Task 1: Collect", "TODO"), ("Task 2: Clean", "DOING"), ("Task 3: Model", "DONE")]


async def rescan(root: Path, key: str) -> None:
    """The daemon's periodic full rescan of board ``key``: a forced push, which lists the
    project (and so sees what people changed in bodies, and every item's database id)."""
    settings = load_settings(root)
    pusher = BoardPusher(root, settings, client_from(settings), health_delay_s=None)
    try:
        await pusher.push(key, reconcile_local(root, key, settings), force=True)
    finally:
        await pusher.aclose()
