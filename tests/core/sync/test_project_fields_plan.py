"""Optional project fields, planning side (pure): which card wants which value, and which values
a plan sends (only those that differ, by the same rule as a Status)."""

from __future__ import annotations

import json

from kanbanger_daemon.core.board.format import parse_board, render_board
from kanbanger_daemon.core.board.plan import plan_board
from kanbanger_daemon.core.insight.metrics import BACKUPS_USED_FIELD, SPEC_FIELD
from kanbanger_daemon.core.specs.parse import parse_spec
from kanbanger_daemon.core.specs.progress import parse_progress
from kanbanger_daemon.core.sync.desired import card_field_values, desired_cards, fingerprint
from kanbanger_daemon.core.sync.listing import absorb_listing
from kanbanger_daemon.core.sync.plan_text import format_plan
from kanbanger_daemon.core.sync.push_plan import plan_remote
from kanbanger_daemon.models.board import BoardOptions, ColumnKind, Layout, SpecInput
from kanbanger_daemon.models.github import RemoteItem
from kanbanger_daemon.models.sync import (
    CardState,
    DesiredCard,
    OpKind,
    StatusChoice,
    SyncState,
)

BOARD = "SPECs/web/_kanban.md"
SPEC = """\
# Goal
Ship the site.

## Task 1: Design
### Step 1.1: Sketch
### Step 1.2: Review

## Task 2: Build
### Step 2.1: Code
"""
LOG = {"tasks": [
    {"id": 1, "status": "completed",
     "steps": [{"id": "1.1", "status": "completed", "method_used": "backup_1"},
               {"id": "1.2", "status": "completed", "method_used": "backup_2"}]},
    {"id": 2, "status": "in_progress", "steps": [{"id": "2.1", "status": "in_progress"}]},
]}


def spec_input(name: str | None = None, log: dict[str, object] | None = None) -> SpecInput:
    progress = parse_progress(json.dumps(log or LOG), file="progress_web.json")
    return SpecInput(spec=parse_spec(SPEC, file="spec_web.md"), progress=progress, name=name)


def test_task_cards_get_both_values_step_cards_the_spec_and_hand_cards_none() -> None:
    options = BoardOptions(include_steps=True)
    inputs = [spec_input()]
    board = plan_board(inputs, None, options, title="web")
    text = render_board(board).replace("## TODO\n", "## TODO\n*   [ ] Call the vendor\n")
    desired = desired_cards(parse_board(text), BOARD, card_field_values(inputs, options))
    values = {card.title.split(" (SPEC")[0]: card.values for card in desired}
    assert values["Task 1: Design"] == {BACKUPS_USED_FIELD: 2.0, SPEC_FIELD: "spec_web.md"}
    assert values["Task 2: Build"] == {BACKUPS_USED_FIELD: 0.0, SPEC_FIELD: "spec_web.md"}
    assert values["Step 1.1: Sketch"] == {SPEC_FIELD: "spec_web.md"}
    assert values["Call the vendor"] == {}


def test_same_named_specs_on_the_single_board_each_get_their_own_values() -> None:
    """``[web] …`` and ``[web~2] …`` cards: the values follow the numbering of core.board.cards."""
    options = BoardOptions(layout=Layout.SINGLE)
    quiet: dict[str, object] = {"tasks": [{"id": 1, "status": "completed"}]}
    inputs = [spec_input("web"), spec_input("web", quiet)]
    board = plan_board(inputs, None, options, title="all")
    desired = desired_cards(board, BOARD, card_field_values(inputs, options))
    used = {card.title.split(" (SPEC")[0]: card.values.get(BACKUPS_USED_FIELD)
            for card in desired}
    assert used == {"[web] Task 1: Design": 2.0, "[web] Task 2: Build": 0.0,
                    "[web~2] Task 1: Design": 0.0, "[web~2] Task 2: Build": 0.0}


def test_without_values_the_cards_and_their_fingerprint_are_what_they_were() -> None:
    options = BoardOptions()
    inputs = [spec_input()]
    board = plan_board(inputs, None, options, title="web")
    plain = desired_cards(board, BOARD)
    assert all(card.values == {} for card in plain)
    with_values = desired_cards(board, BOARD, card_field_values(inputs, options))
    assert [c.model_copy(update={"values": {}}) for c in with_values] == plain
    # A changed figure changes the fingerprint, so that an otherwise unchanged board is pushed.
    assert fingerprint("P", BOARD, plain) != fingerprint("P", BOARD, with_values)


TODO = StatusChoice(option_id="aaaa0001", name="Todo")


def card(n: int, values: dict[str, float | str]) -> DesiredCard:
    return DesiredCard(key=f"{BOARD}/spec_web.md#{n}", title=f"Task {n}: T (SPEC: spec_web.md)",
                       column="TODO", column_kind=ColumnKind.TODO, position=n, values=values)


def item(n: int, values: dict[str, float | str] | None) -> RemoteItem:
    from kanbanger_daemon.core.sync.markers import marker_for_key, with_tag

    key = f"{BOARD}/spec_web.md#{n}"
    title = f"Task {n}: T (SPEC: spec_web.md)"
    return RemoteItem(item_id=f"PVTI_{n}", content_id=f"DI_{n}", title=title,
                      body=with_tag(marker_for_key(key), "Todo", title),
                      status_option_id=TODO.option_id, status_name=TODO.name,
                      field_values=values)


def state(synced: dict[int, dict[str, float | str]]) -> SyncState:
    return SyncState(cards={
        f"{BOARD}/spec_web.md#{n}": CardState(
            item_id=f"PVTI_{n}", synced_status="Todo", title=f"Task {n}: T (SPEC: spec_web.md)",
            synced_title=f"Task {n}: T (SPEC: spec_web.md)", synced_values=values)
        for n, values in synced.items()
    })


def test_a_plan_sets_only_the_values_that_differ() -> None:
    desired = [card(1, {"Backups used": 1.0, "SPEC": "spec_web.md"}),
               card(2, {"Backups used": 0.0, "SPEC": "spec_web.md"})]
    remote = [item(1, {"Backups used": 0.0, "SPEC": "spec_web.md"}),
              item(2, {"Backups used": 0.0, "SPEC": "spec_web.md"})]
    plan = plan_remote(desired, state({1: {}, 2: {}}), remote, {"TODO": TODO}, board_key=BOARD)
    [op] = plan.ops
    assert (op.kind, op.item_id, op.field_name, op.value, op.old_value) == (
        OpKind.FIELD, "PVTI_1", "Backups used", 1.0, 0.0)
    assert "~ field     \"Task 1: T (SPEC: spec_web.md)\": Backups used 0 -> 1" in format_plan(plan)
    assert plan.agreed_values[f"{BOARD}/spec_web.md#2"] == {"Backups used": 0.0,
                                                            "SPEC": "spec_web.md"}


def test_a_value_set_elsewhere_is_left_until_this_workspaces_figure_changes() -> None:
    """Like a Status: another workspace with more progress set 3; this one still says 1, as
    it last pushed, so it leaves the 3 alone; when its own figure moves to 2 it pushes it."""
    remote = [item(1, {"Backups used": 3.0})]
    synced = state({1: {"Backups used": 1.0}})
    plan = plan_remote([card(1, {"Backups used": 1.0})], synced, remote, {"TODO": TODO},
                       board_key=BOARD)
    assert plan.ops == [] and plan.left == [f"{BOARD}/spec_web.md#1"]
    plan = plan_remote([card(1, {"Backups used": 2.0})], synced, remote, {"TODO": TODO},
                       board_key=BOARD)
    assert [(op.field_name, op.value) for op in plan.ops] == [("Backups used", 2.0)]
    cleared = [item(1, {})]  # a value someone cleared is restored
    plan = plan_remote([card(1, {"Backups used": 1.0})], synced, cleared, {"TODO": TODO},
                       board_key=BOARD)
    assert [(op.field_name, op.value) for op in plan.ops] == [("Backups used", 1.0)]


def test_new_cards_get_their_values_after_their_create() -> None:
    plan = plan_remote([card(1, {"SPEC": "spec_web.md"})], SyncState(), [], {"TODO": TODO},
                       board_key=BOARD)
    assert [op.kind for op in plan.ops] == [OpKind.CREATE, OpKind.STATUS, OpKind.FIELD]
    assert plan.ops[2].item_id is None  # resolved to the new item by the engine
    assert format_plan(plan).count("\n") == 2  # one "+ create" line and the summary


def test_a_listing_that_did_not_read_the_fields_keeps_what_was_known() -> None:
    """Two-way sync's poll lists without the optional fields: it must not forget the values."""
    before = state({1: {"Backups used": 1.0}})
    before.cards[f"{BOARD}/spec_web.md#1"].values = {"Backups used": 1.0}
    after = absorb_listing(before, [item(1, None)], BOARD)
    kept = after.cards[f"{BOARD}/spec_web.md#1"]
    assert kept.values == {"Backups used": 1.0} and kept.synced_values == {"Backups used": 1.0}
    read = absorb_listing(before, [item(1, {"Backups used": 4.0})], BOARD)
    assert read.cards[f"{BOARD}/spec_web.md#1"].values == {"Backups used": 4.0}


def test_the_state_file_has_no_trace_of_the_option_while_it_is_off() -> None:
    assert "values" not in CardState(item_id="PVTI_1").model_dump(mode="json")
    dumped = CardState(item_id="PVTI_1", values={"SPEC": "a"}).model_dump(mode="json")
    assert dumped["values"] == {"SPEC": "a"} and "synced_values" not in dumped
