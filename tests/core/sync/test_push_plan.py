"""plan_remote: what a push would change on the project, decided from data alone."""

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
from kanbanger_daemon.core.sync.push_plan import plan_remote
from kanbanger_daemon.models.github import RemoteItem
from kanbanger_daemon.models.sync import (
    CardState,
    DesiredCard,
    KanbangerTask,
    OpKind,
    PendingCreate,
    RemoteOp,
    RemotePlan,
    StatusChoice,
    SyncState,
)

BOARD = "specs/analysis/_kanban.md"
OPTIONS = {
    "TODO": StatusChoice(option_id="aaaa0001", name="Todo"),
    "DOING": StatusChoice(option_id="aaaa0002", name="In Progress"),
    "DONE": StatusChoice(option_id="aaaa0003", name="Done"),
}


def card(
    n: int, column: str = "TODO", title: str | None = None, pos: int | None = None
) -> DesiredCard:
    return DesiredCard(
        key=f"{BOARD}/spec.md#{n}",
        title=title or f"Task {n}",
        column=column,
        position=n if pos is None else pos,
    )


def item(
    n: int,
    column: str = "TODO",
    title: str | None = None,
    *,
    archived: bool = False,
    body: str | None = None,
    item_id: str | None = None,
) -> RemoteItem:
    choice = OPTIONS[column]
    return RemoteItem(
        item_id=item_id or f"PVTI_{n}",
        content_id=f"DI_{n}",
        title=title or f"Task {n}",
        body=body if body is not None else marker_for_key(f"{BOARD}/spec.md#{n}"),
        is_archived=archived,
        status_option_id=choice.option_id,
        status_name=choice.name,
    )


def kinds(plan_ops: list[RemoteOp]) -> list[str]:
    return [str(op.kind) for op in plan_ops]


def plan(
    desired: list[DesiredCard], remote: list[RemoteItem], state: SyncState | None = None
) -> RemotePlan:
    return plan_remote(desired, state or SyncState(), remote, OPTIONS, board_key=BOARD)


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


def synced(n: int, column: str, *, title: str | None = None) -> tuple[str, CardState]:
    """A state entry: this workspace last synced card ``n`` in ``column``."""
    return f"{BOARD}/spec.md#{n}", CardState(
        item_id=f"PVTI_{n}", synced_status=OPTIONS[column].name, synced_title=title or f"Task {n}"
    )


def tagged(n: int, column: str, title: str | None = None) -> RemoteItem:
    """Card ``n`` as a workspace left it on GitHub: in ``column``, its sync tag agreeing."""
    name = title or f"Task {n}"
    body = with_tag(marker_for_key(f"{BOARD}/spec.md#{n}"), OPTIONS[column].name, name)
    return item(n, column, name, body=body)


def test_a_change_another_workspace_made_is_left_alone_while_this_board_did_not_change() -> None:
    state = SyncState(cards=dict([synced(1, "TODO"), synced(2, "TODO")]))
    # Another clone (with the progress this one lacks) moved card 1 and renamed card 2.
    remote = [tagged(1, "DONE"), tagged(2, "TODO", title="Task 2: renamed there")]
    result = plan([card(1), card(2)], remote, state)
    assert result.ops == [] and sorted(result.left) == [f"{BOARD}/spec.md#1", f"{BOARD}/spec.md#2"]


def test_a_change_this_board_made_since_its_last_push_wins_over_another_workspaces() -> None:
    state = SyncState(cards=dict([synced(1, "TODO")]))
    result = plan([card(1, "DOING")], [tagged(1, "DONE")], state)
    assert [(op.kind, op.option_name) for op in result.ops] == [
        (OpKind.UPDATE, None),
        (OpKind.STATUS, "In Progress"),
    ]


def test_a_late_echo_of_this_workspaces_own_old_write_is_repaired_not_left() -> None:
    # GitHub applied an old request of ours (status Todo) after the newer one (Done): the tag
    # agrees with the item, but the writer is this workspace, so it is no one else's change.
    state = SyncState(cards=dict([synced(1, "DONE")]), workspace_id="me01")
    echo = item(1, "TODO", body=with_tag(marker_for_key(f"{BOARD}/spec.md#1"), "Todo",
                                         "Task 1", "me01"))
    result = plan([card(1, "DONE")], [echo], state)
    assert [(op.kind, op.option_name) for op in result.ops] == [
        (OpKind.UPDATE, None),
        (OpKind.STATUS, "Done"),
    ]
    assert parse_tag(result.ops[0].body) == SyncTag("Done", title_digest("Task 1"), "me01")
    other = item(1, "TODO", body=with_tag(marker_for_key(f"{BOARD}/spec.md#1"), "Todo",
                                          "Task 1", "them"))
    assert plan([card(1, "DONE")], [other], state).ops == []  # another workspace's: left


def test_a_title_pushed_while_another_workspaces_status_is_left_tags_the_status_shown() -> None:
    state = SyncState(cards=dict([synced(1, "TODO")]), workspace_id="me01")
    theirs = item(1, "DONE", body=with_tag(marker_for_key(f"{BOARD}/spec.md#1"), "Done",
                                           "Task 1", "them"))
    result = plan([card(1, "TODO", title="Task 1: renamed here")], [theirs], state)
    assert [op.kind for op in result.ops] == [OpKind.UPDATE]  # the title only
    assert parse_tag(result.ops[0].body) == SyncTag(
        "Done", title_digest("Task 1: renamed here"), "me01"
    )


def test_a_live_item_is_never_archived_as_a_duplicate_of_an_archived_one() -> None:
    # The state knows the archived item; another clone made a live one with the same marker.
    state = SyncState(cards={f"{BOARD}/spec.md#1": CardState(item_id="PVTI_old", archived=True,
                                                             synced_title="Task 1")})
    old = item(1, archived=True, item_id="PVTI_old")
    new = item(1, item_id="PVTI_new")
    result = plan([card(1)], [old, new], state)
    assert [(op.kind, op.item_id) for op in result.ops] == []
    assert result.adopted == {f"{BOARD}/spec.md#1": "PVTI_new"}


def test_a_persons_move_or_rename_on_github_is_repaired() -> None:
    state = SyncState(cards=dict([synced(1, "TODO"), synced(2, "TODO")]))
    moved = item(1, "DONE", body=tagged(1, "TODO").body)  # Status changed, tag untouched
    renamed = item(2, "TODO", "scribbled", body=tagged(2, "TODO").body)
    result = plan([card(1), card(2)], [moved, renamed], state)
    # The tag already says Todo, so putting card 1 back needs no body write.
    assert {(op.kind, op.key[-1]) for op in result.ops} == {
        (OpKind.STATUS, "1"),
        (OpKind.UPDATE, "2"),
    }
    assert not result.left


def test_removed_card_is_archived_and_readded_card_unarchived() -> None:
    state = SyncState(cards=dict([synced(1, "TODO"), synced(2, "TODO")]))
    result = plan([card(2)], [item(1), item(2)], state)
    assert [(op.kind, op.item_id) for op in result.ops] == [(OpKind.ARCHIVE, "PVTI_1")]
    result = plan([card(1), card(2)], [item(1, archived=True), item(2)])
    assert [(op.kind, op.item_id) for op in result.ops] == [(OpKind.UNARCHIVE, "PVTI_1")]


def test_a_card_another_workspace_added_is_not_archived_by_a_clone_that_lacks_it() -> None:
    # Another clone added card 3 to the shared board and pushed it; this clone has not got the
    # board file yet. The item is not this workspace's to remove.
    state = SyncState(cards=dict([synced(1, "TODO")]), workspace_id="me01")
    theirs = item(3, body=with_tag(marker_for_key(f"{BOARD}/spec.md#3"), "Todo", "Task 3",
                                   "them"))
    result = plan([card(1)], [item(1), theirs], state)
    assert result.ops == [] and result.left == [f"{BOARD}/spec.md#3"]
    ours = item(3, body=with_tag(marker_for_key(f"{BOARD}/spec.md#3"), "Todo", "Task 3",
                                 "me01"))
    result = plan([card(1)], [item(1), ours], state)
    assert [(op.kind, op.item_id) for op in result.ops] == [(OpKind.ARCHIVE, "PVTI_3")]


def test_a_hand_written_card_retitled_elsewhere_adopts_its_item_instead_of_a_new_one() -> None:
    # The card was retitled on GitHub and another clone took the new title in; this clone got
    # the board file by git, so its card has the new text and a new key; the item the old one.
    old_key = f"{BOARD}/hand:old"
    retitled = RemoteItem(item_id="PVTI_h", content_id="DI_h", title="Buy the domain",
                          body=marker_for_key(old_key), status_option_id="aaaa0001",
                          status_name="Todo")
    state = SyncState(cards={old_key: CardState(item_id="PVTI_h", synced_status="Todo",
                                                synced_title="Buy domain")})
    new = DesiredCard(key=f"{BOARD}/hand:new", title="Buy the domain", column="TODO")
    result = plan([new], [retitled], state)
    assert [(op.kind, op.item_id) for op in result.ops] == [(OpKind.ADOPT, "PVTI_h")]
    assert parse_marker(result.ops[0].body) == (BOARD, "hand:new")


def test_a_persons_items_and_other_boards_items_are_never_touched() -> None:
    person = RemoteItem(item_id="PVTI_p", content_id="DI_p", title="Buy milk", body="x")
    other = RemoteItem(
        item_id="PVTI_o",
        content_id="DI_o",
        title="Other",
        body=marker_for_key("other/_kanban.md/spec.md#1"),
    )
    result = plan([card(1)], [person, item(1), other])
    assert result.ops == []
    result = plan([], [person, other])
    assert result.ops == []


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
