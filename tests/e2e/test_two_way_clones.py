"""Two-way sync between clones: what one clone adds or moves is neither archived nor moved back by
another that lacks its files, and another board's items are never taken in as drafts.

Two real daemons (wired as `kanbanger-daemon run`), one fake GitHub; polls come from the test
and every wait is on the daemons' own idle state.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kanbanger_daemon.core.board.format import board_cards, parse_board
from kanbanger_daemon.core.sync.markers import parse_marker_key
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.two_clones import LAUNCH, WAIT_S, WEBSITE, Running, set_task_status, start

pytestmark = [pytest.mark.timeout(60),
              pytest.mark.usefixtures("no_leaked_threads", "no_leaked_tasks")]


def cards_of(root: Path, folder: str = WEBSITE) -> dict[str, str]:
    board = parse_board((root / folder / "_kanban.md").read_text("utf-8"))
    return {card.text: card.column for card in board_cards(board)}


def launch_status(fake: FakeGitHub) -> str | None:
    return next((i.status for i in fake.items() if i.title == LAUNCH and not i.archived), None)


def live_titles(fake: FakeGitHub) -> list[str]:
    return sorted(i.title for i in fake.items() if not i.archived)


@pytest.fixture
async def pair(clones: tuple[Path, Path]) -> AsyncIterator[tuple[Running, Running]]:
    a_root, b_root = clones
    a = start(a_root)
    await a.first_rescan()
    b = start(b_root)
    await b.first_rescan()
    try:
        yield a, b
    finally:
        assert [await a.stop(), await b.stop()] == [0, 0]


async def test_a_card_one_clone_adds_is_taken_in_by_the_other_not_archived(
    pair: tuple[Running, Running], clones: tuple[Path, Path], fake: FakeGitHub
) -> None:
    a, b = pair
    a_root, b_root = clones
    board = b_root / WEBSITE / "_kanban.md"
    before = b.daemon.idle_count
    board.write_text(board.read_text("utf-8").replace("## TODO\n", "## TODO\n*   [ ] Buy domain\n",
                                                      1), "utf-8")
    await b.daemon.wait_until(lambda: b.daemon.idle_count > before and b.daemon.idle.is_set()
                              and "Buy domain" in live_titles(fake), WAIT_S)
    # A has not got B's board file (no git pull yet). Its own progress changes first, so it
    # pushes before it polls: B's card is not A's to archive.
    before = a.daemon.idle_count
    set_task_status(a_root, 3, "in_progress")
    await a.daemon.wait_until(lambda: a.daemon.idle_count > before and a.daemon.idle.is_set()
                              and launch_status(fake) == "In Progress", WAIT_S)
    assert "Buy domain" in live_titles(fake)
    # Its poll then takes the card in.
    await a.settled()
    assert cards_of(a_root).get("Buy domain") == "TODO"
    await b.settled()
    await a.settled()
    assert cards_of(b_root).get("Buy domain") == "TODO"  # never archived, never dropped
    assert live_titles(fake).count("Buy domain") == 1
    assert sum(1 for i in fake.items() if i.title == "Buy domain") == 1  # made once


async def test_a_fresh_clone_never_moves_another_machines_card_back(
    clones: tuple[Path, Path], fake: FakeGitHub
) -> None:
    a_root, b_root = clones
    set_task_status(a_root, 3, "in_progress")  # only A runs Launch
    a = start(a_root)
    b: Running | None = None
    try:
        await a.daemon.wait_until(lambda: launch_status(fake) == "In Progress"
                                  and a.daemon.idle.is_set(), WAIT_S)
        b = start(b_root)  # no .kanban.json, no progress for Launch
        await b.first_rescan()
        assert launch_status(fake) == "In Progress"
        # A's polls afterwards are quiet: nothing to take in, nothing to push.
        fake.reset_counters()
        await a.settled()
        await a.settled()
        assert fake.counters.mutation_documents == 0
        assert cards_of(a_root)[LAUNCH] == "DOING"
    finally:
        codes = [await a.stop()] + ([await b.stop()] if b is not None else [])
    assert codes == [0] * len(codes)


async def test_another_boards_items_are_never_taken_in_as_a_persons_drafts(
    clones: tuple[Path, Path], fake: FakeGitHub
) -> None:
    a_root, b_root = clones
    shutil.rmtree(b_root / "SPECs" / "ACGTACGT")  # B has one board; the project holds two
    a = start(a_root)
    b: Running | None = None
    try:
        await a.first_rescan()
        b = start(b_root)
        await b.first_rescan()
        fake.person_add_draft("Call the printer", "Todo")  # a person's: B takes it in
        await b.settled()
        cards = cards_of(b_root)
        assert cards.get("Call the printer") == "TODO"
        assert not [c for c in cards if "spec_data_pipeline" in c]
        keys = [parse_marker_key(i.body) for i in fake.items() if parse_marker_key(i.body)]
        assert len(keys) == len(set(keys))  # nothing duplicated
    finally:
        codes = [await a.stop()] + ([await b.stop()] if b is not None else [])
    assert codes == [0] * len(codes)


async def test_a_retitle_taken_in_on_one_clone_keeps_one_item_when_the_other_gets_it_by_git(
    pair: tuple[Running, Running], clones: tuple[Path, Path], fake: FakeGitHub
) -> None:
    a, b = pair
    a_root, b_root = clones
    for running, root in ((a, a_root), (b, b_root)):  # the card is on the committed board
        board = root / WEBSITE / "_kanban.md"
        before = running.daemon.idle_count
        board.write_text(board.read_text("utf-8").replace(
            "## TODO\n", "## TODO\n*   [ ] Buy domain\n", 1), "utf-8")

        def pushed(r: Running = running, n: int = before) -> bool:
            return (r.daemon.idle_count > n and r.daemon.idle.is_set()
                    and "Buy domain" in live_titles(fake))

        await running.daemon.wait_until(pushed, WAIT_S)
    item = next(i for i in fake.items() if i.title == "Buy domain" and not i.archived)
    fake.person_rename(item.id, "Buy the domain")
    await a.settled()  # A takes the retitle in
    assert "Buy the domain" in cards_of(a_root)
    fake.reset_counters()
    # B gets A's board file through git while its own state still knows the old title.
    before = b.daemon.idle_count
    (b_root / WEBSITE / "_kanban.md").write_bytes((a_root / WEBSITE / "_kanban.md").read_bytes())
    await b.daemon.wait_until(lambda: b.daemon.idle_count > before and b.daemon.idle.is_set(),
                              WAIT_S)
    await a.settled()
    await b.settled()
    assert fake.counters.creates == 0
    assert [i.title for i in fake.items() if not i.archived].count("Buy the domain") == 1
    assert not [i for i in fake.items() if i.id == item.id and i.archived]  # the one item
    assert "Buy the domain" in cards_of(a_root) and "Buy the domain" in cards_of(b_root)


async def test_two_live_clones_write_the_same_board_bytes(
    clones: tuple[Path, Path], fake: FakeGitHub
) -> None:
    """``_kanban.md`` is committed: two clones with the same cards must write the same bytes,
    whether a card got there from a clone's own progress or was pulled in from GitHub (a blank
    line more on one side is a merge conflict in git)."""
    a_root, b_root = clones
    for root in clones:  # one board per workspace, so that a person's drafts are taken in
        shutil.rmtree(root / "SPECs" / "ACGTACGT")
    a = start(a_root)
    await a.first_rescan()
    b = start(b_root)
    try:
        await b.first_rescan()
        set_task_status(a_root, 3, "in_progress")  # only A runs Launch: B pulls its move
        await a.daemon.wait_until(lambda: launch_status(fake) == "In Progress"
                                  and a.daemon.idle.is_set(), WAIT_S)
        fake.person_add_draft("Call the printer", "Todo")
        fake.person_add_draft("Order stickers", "Done")
        for _ in range(2):
            await a.settled()
            await b.settled()
        assert cards_of(a_root) == cards_of(b_root)  # the same cards in the same columns …
        assert cards_of(b_root)[LAUNCH] == "DOING"
        assert cards_of(b_root)["Order stickers"] == "DONE"
        boards = [(root / WEBSITE / "_kanban.md").read_bytes() for root in clones]
        assert boards[1] == boards[0]  # … written the same way, byte for byte
        assert b"\n\n\n" not in boards[0] and b"## TODO\n\n*   [ ] Call" in boards[0]
    finally:
        codes = [await a.stop(), await b.stop()]
    assert codes == [0, 0]
