"""plan_remote: what a push would change on the project, decided from data alone: creates,
statuses, renames, moves, archives, adoption of items found by marker, lost creates, and the
plan's text. When others write to the project too: ``test_push_plan_other_writers``."""

from __future__ import annotations

from kanbanger_daemon.core.sync.desired import fingerprint
from kanbanger_daemon.core.sync.listing import observe_listing, trusted_snapshot
from kanbanger_daemon.core.sync.markers import (
    SyncTag,
    marker_for_key,
    parse_marker,
    parse_tag,
    render_marker,
    title_digest,
    with_marker,
    with_tag,
)
from kanbanger_daemon.core.sync.plan_text import format_plan
from kanbanger_daemon.models.sync import (
    CardState,
    DesiredCard,
    KanbangerTask,
    OpKind,
    PendingCreate,
    SyncState,
)
from tests.helpers.push_plans import BOARD, card, item, kinds, plan, synced


def test_marker_round_trips_keys_with_odd_characters() -> None:
    for board, key in [(BOARD, "spec.md#1"), ("a b/c>d", "hand:1f2e"), ("x", "50%/y -->")]:
        marker = render_marker(board, key.replace("/", "%2F"))
        assert "-->" not in marker[:-3]
        assert parse_marker(f"some text\n{marker}\nmore") == (board, key.replace("/", "%2F"))
    assert parse_marker("no marker here") is None
    assert parse_marker(None) is None


def test_with_marker_keeps_a_persons_text_and_replaces_a_stale_marker() -> None:
    key = f"{BOARD}/spec.md#1"
    assert with_marker("", key) == marker_for_key(key)
    assert with_marker("notes", key) == f"notes\n\n{marker_for_key(key)}"
    stale = with_marker("notes", f"{BOARD}/spec.md#9")
    assert with_marker(stale, key) == f"notes\n\n{marker_for_key(key)}"


def test_empty_project_gets_creates_then_statuses_in_board_order_without_moves() -> None:
    result = plan([card(1), card(2, "DOING"), card(3, "DONE")], [])
    assert kinds(result.ops) == ["create"] * 3 + ["status"] * 3
    creates = result.of_kind(OpKind.CREATE)
    assert [op.title for op in creates] == ["Task 1", "Task 2", "Task 3"]
    assert all(
        parse_marker(op.body) == (BOARD, f"spec.md#{i}") for i, op in enumerate(creates, start=1)
    )
    statuses = result.of_kind(OpKind.STATUS)
    assert [op.option_name for op in statuses] == ["Todo", "In Progress", "Done"]


def test_project_matching_the_board_needs_nothing() -> None:
    desired = [card(1), card(2, "DOING")]
    result = plan(desired, [item(1), item(2, "DOING")])
    assert result.ops == [] and result.is_empty
    assert "No changes" in format_plan(result)


def test_renamed_card_is_updated_in_place_keeping_the_persons_body_text() -> None:
    body = "my notes\n\n" + marker_for_key(f"{BOARD}/spec.md#1")
    result = plan([card(1, title="Task 1: renamed")], [item(1, body=body)])
    assert kinds(result.ops) == ["update"]
    op = result.ops[0]
    assert (op.item_id, op.draft_id, op.title) == ("PVTI_1", "DI_1", "Task 1: renamed")
    assert op.body == with_tag(body, "Todo", "Task 1: renamed")
    assert op.body is not None and op.body.startswith(body)  # the person's text is kept


def test_card_moved_to_another_column_changes_its_status_and_tags_the_change() -> None:
    result = plan([card(1, "DOING"), card(2)], [item(1), item(2)])
    assert [(op.kind, op.item_id, op.option_name) for op in result.ops] == [
        (OpKind.UPDATE, "PVTI_1", None),
        (OpKind.STATUS, "PVTI_1", "In Progress"),
    ]
    assert parse_tag(result.ops[0].body) == SyncTag("In Progress", title_digest("Task 1"))


def test_removed_card_is_archived_and_readded_card_unarchived() -> None:
    state = SyncState(cards=dict([synced(1, "TODO"), synced(2, "TODO")]))
    result = plan([card(2)], [item(1), item(2)], state)
    assert [(op.kind, op.item_id) for op in result.ops] == [(OpKind.ARCHIVE, "PVTI_1")]
    result = plan([card(1), card(2)], [item(1, archived=True), item(2)])
    assert [(op.kind, op.item_id) for op in result.ops] == [(OpKind.UNARCHIVE, "PVTI_1")]


def test_several_items_with_one_marker_keep_the_first_and_archive_the_rest() -> None:
    result = plan(
        [card(1)],
        [
            item(1, item_id="PVTI_a"),
            item(1, item_id="PVTI_b"),
            item(1, item_id="PVTI_c", archived=True),
        ],
    )
    assert [(op.kind, op.item_id) for op in result.ops] == [(OpKind.ARCHIVE, "PVTI_b")]
    known = SyncState(cards={f"{BOARD}/spec.md#1": CardState(item_id="PVTI_b")})
    result = plan([card(1)], [item(1, item_id="PVTI_a"), item(1, item_id="PVTI_b")], known)
    assert [(op.kind, op.item_id) for op in result.ops] == [(OpKind.ARCHIVE, "PVTI_a")]


def test_item_found_by_marker_is_adopted_not_created_even_without_state() -> None:
    result = plan([card(1), card(2)], [item(2)])
    assert result.adopted == {f"{BOARD}/spec.md#2": "PVTI_2"}
    # The new card 1 is appended after card 2: one move puts them in board order again.
    assert kinds(result.ops) == ["create", "status", "move"]
    move = result.ops[2]
    assert (move.key, move.after_key) in {
        (f"{BOARD}/spec.md#1", None),
        (f"{BOARD}/spec.md#2", f"{BOARD}/spec.md#1"),
    }


def test_kanbanger_state_entries_are_adopted_by_title_and_get_the_marker() -> None:
    unmarked = item(1, body="", title="Task 1")
    state = SyncState(tasks={"Task 1": KanbangerTask(item_id="PVTI_1", status="Todo")})
    result = plan([card(1)], [unmarked], state)
    assert result.adopted == {f"{BOARD}/spec.md#1": "PVTI_1"}
    assert [op.kind for op in result.ops] == [OpKind.ADOPT]
    assert parse_marker(result.ops[0].body) == (BOARD, "spec.md#1")
    # Without the kanbanger entry the same unmarked item is a person's: a new card is created.
    result = plan([card(1)], [unmarked])
    assert kinds(result.ops) == ["create", "status"]


def test_lost_create_waits_for_the_listing_before_creating_again() -> None:
    key = f"{BOARD}/spec.md#1"
    state = SyncState(pending={key: PendingCreate(title="Task 1", unseen=1)})
    result = plan([card(1)], [], state)
    assert result.ops == [] and result.waiting == [key]
    state = SyncState(pending={key: PendingCreate(title="Task 1", unseen=3)})
    assert kinds(plan([card(1)], [], state).ops) == ["create", "status"]
    # Once listed, the item is adopted and the pending entry resolved.
    seen = observe_listing(SyncState(pending={key: PendingCreate(unseen=1)}), [item(1)], BOARD)
    assert seen.pending == {}


def test_known_item_missing_from_the_listing_is_awaited_not_duplicated() -> None:
    key = f"{BOARD}/spec.md#1"
    state = SyncState(cards={key: CardState(item_id="PVTI_1", title="Task 1")})
    state = observe_listing(state, [], BOARD)
    assert state.cards[key].unseen == 1
    assert plan([card(1)], [], state).waiting == [key]
    # Removing it from the board archives it by id even though it is not listed.
    result = plan([], [], state)
    assert [(op.kind, op.item_id) for op in result.ops] == [(OpKind.ARCHIVE, "PVTI_1")]


def test_order_changes_move_only_the_cards_whose_neighbours_changed() -> None:
    remote = [item(n) for n in range(1, 7)]
    desired = [card(n, pos=i) for i, n in enumerate([1, 2, 5, 3, 4, 6])]
    moves = plan(desired, remote).of_kind(OpKind.MOVE)
    assert [(op.item_id, op.after_id) for op in moves] == [("PVTI_5", "PVTI_2")]
    desired = [card(n, pos=i) for i, n in enumerate([6, 1, 2, 3, 4, 5])]
    moves = plan(desired, remote).of_kind(OpKind.MOVE)
    assert [(op.item_id, op.after_id) for op in moves] == [("PVTI_6", None)]


def test_new_card_in_the_middle_is_created_then_moved_after_its_predecessor() -> None:
    desired = [card(1, pos=0), card(9, pos=1), card(2, pos=2)]
    result = plan(desired, [item(1), item(2)])
    moves = result.of_kind(OpKind.MOVE)
    assert len(moves) == 1
    move = moves[0]
    # Either the new card goes after card 1 (resolved once created) or card 2 after it.
    assert (move.key, move.after_id) in {
        (f"{BOARD}/spec.md#9", "PVTI_1"),
        (f"{BOARD}/spec.md#2", None),
    }


def test_fingerprint_changes_with_any_visible_difference() -> None:
    base = fingerprint("PVT_1", BOARD, [card(1), card(2)])
    assert base == fingerprint("PVT_1", BOARD, [card(1), card(2)])
    assert base != fingerprint("PVT_2", BOARD, [card(1), card(2)])
    assert base != fingerprint("PVT_1", BOARD, [card(1, "DONE"), card(2)])
    assert base != fingerprint("PVT_1", BOARD, [card(1, title="x"), card(2)])
    assert base != fingerprint("PVT_1", BOARD, [card(2, pos=0), card(1, pos=1)])


def test_trusted_snapshot_plans_like_the_listing_it_mirrors() -> None:
    key1, key2 = f"{BOARD}/spec.md#1", f"{BOARD}/spec.md#2"
    state = SyncState(
        cards={
            key2: CardState(
                item_id="PVTI_2",
                draft_id="DI_2",
                title="Task 2",
                status="Todo",
                option_id="aaaa0001",
                position=1,
            ),
            key1: CardState(
                item_id="PVTI_1",
                draft_id="DI_1",
                title="Task 1",
                status="Todo",
                option_id="aaaa0001",
                position=0,
            ),
        }
    )
    snapshot = trusted_snapshot(state)
    assert [i.item_id for i in snapshot] == ["PVTI_1", "PVTI_2"]
    assert plan([card(1), card(2)], snapshot, state).ops == []


def test_format_plan_reads_like_terraform() -> None:
    state = SyncState(cards=dict([synced(1, "TODO"), synced(2, "TODO")]))
    result = plan([card(1, "DONE", title="Task 1 renamed"), card(3)], [item(1), item(2)], state)
    text = format_plan(result)
    assert '~ update    "Task 1" -> "Task 1 renamed"' in text
    assert '~ status    "Task 1 renamed": Todo -> Done' in text
    assert '- archive   "Task 2"' in text
    assert '+ create    "Task 3" in Todo' in text
    summary = "1 to create, 2 to update, 0 to move, 1 to archive, 0 to unarchive."
    assert text.rstrip().endswith(summary)


def test_columns_without_an_option_are_reported_and_leave_status_alone() -> None:
    result = plan([card(1), DesiredCard(key=f"{BOARD}/h", title="x", column="IDEAS")], [])
    assert result.unmapped_columns == ["IDEAS"]
    assert [op.key for op in result.of_kind(OpKind.STATUS)] == [f"{BOARD}/spec.md#1"]


def test_desired_cards_key_generated_cards_by_identity_and_hand_cards_by_text() -> None:
    from kanbanger_daemon.core.board.format import parse_board
    from kanbanger_daemon.core.sync.desired import desired_cards

    text = (
        "# Analysis\n\n## TODO\n\n"
        "*   [ ] Task 1: Collect (SPEC: spec_analysis.md)\n"
        "*   [ ] buy milk\n\n"
        "## DOING\n\n"
        "*   [ ] Task 2: Clean (SPEC: spec_analysis.md) [BLOCKED]\n"
        "*   [ ] buy milk\n"
    )
    desired = desired_cards(parse_board(text), BOARD)
    assert [(c.title, c.column, c.position) for c in desired] == [
        ("Task 1: Collect (SPEC: spec_analysis.md)", "TODO", 0),
        ("buy milk", "TODO", 1),
        ("Task 2: Clean (SPEC: spec_analysis.md) [BLOCKED]", "DOING", 2),
        ("buy milk", "DOING", 3),
    ]
    keys = [c.key for c in desired]
    assert len(set(keys)) == 4 and all(k.startswith(BOARD + "/") for k in keys)
    renamed = text.replace("Task 1: Collect", "Task 1: Collect data")
    assert desired_cards(parse_board(renamed), BOARD)[0].key == keys[0]
    for key in keys:  # every key survives the trip through a marker
        assert parse_marker(marker_for_key(key)) is not None
        board, card_key = parse_marker(marker_for_key(key)) or ("", "")
        assert f"{board}/{card_key}" == key
