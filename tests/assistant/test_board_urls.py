"""`get_board` gives each card pushed to GitHub the address a person opens on github.com, from
the files alone: no request, the daemon down and GitHub unreachable; null when it is not known."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kanbanger_daemon.assistant.commands import sync
from kanbanger_daemon.assistant.views import board_view
from kanbanger_daemon.assistant.workspace import Workspace
from kanbanger_daemon.core.sync.markers import parse_marker_key
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.pushing import rescan

STATE = Path("SPECs/website/.kanban.json")


def github_of(view: dict[str, Any]) -> dict[str, dict[str, Any] | None]:
    """Card text -> what get_board says GitHub shows of it."""
    return {card["text"]: card.get("github") for column in view["columns"]
            for card in column["cards"]}


def addresses(fake: FakeGitHub) -> dict[str, str]:
    """Item title -> its address on github.com, as the fake GitHub would link it."""
    return {item.title: f"{fake.project_url()}?pane=issue&itemId={item.database_id}"
            for item in fake.items(include_archived=False) if parse_marker_key(item.body)}


async def test_every_pushed_card_has_its_github_url_with_github_down(
    one_board_workspace: Path, fake: FakeGitHub
) -> None:
    ws = Workspace(one_board_workspace)
    await sync(ws)
    expected = addresses(fake)
    assert len(expected) == 3
    fake.reset_counters()
    fake.stop()  # GitHub unreachable, and no daemon runs: get_board reads the files alone
    shown = github_of(board_view(ws, "website"))
    assert {text: github["url"] for text, github in shown.items() if github} == expected
    assert fake.counters.requests == 0


async def test_a_url_not_known_yet_is_null_until_the_next_listing(
    one_board_workspace: Path, fake: FakeGitHub
) -> None:
    ws = Workspace(one_board_workspace)
    await sync(ws)
    state_file = one_board_workspace / STATE
    # A state written before the daemon kept item addresses: ids, but no database ids.
    state = json.loads(state_file.read_text())
    for card in state["cards"].values():
        card.pop("database_id", None)
    state_file.write_text(json.dumps(state))
    shown = github_of(board_view(ws, "website"))
    assert all(g is not None and g["item_id"] and g["url"] is None for g in shown.values())
    fake.reset_counters()
    again = await sync(ws)  # unchanged: no request, so nothing new is known yet
    assert again["http_requests"] == 0 and fake.counters.requests == 0
    await rescan(one_board_workspace, "SPECs/website")  # the daemon's periodic full listing
    shown = github_of(board_view(ws, "website"))
    assert {text: github["url"] for text, github in shown.items() if github} == addresses(fake)
