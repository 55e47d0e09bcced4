"""plan_remote when others write to the project too: another workspace pushing the same board,
a person moving or renaming items on GitHub, late echoes of this workspace's own writes. What
a push changes when no one else writes is in ``test_push_plan``."""

from __future__ import annotations

from kanbanger_daemon.core.sync.markers import (
    SyncTag,
    marker_for_key,
    parse_marker,
    parse_tag,
    title_digest,
    with_tag,
)
from kanbanger_daemon.models.github import RemoteItem
from kanbanger_daemon.models.sync import CardState, DesiredCard, OpKind, SyncState
from tests.helpers.push_plans import BOARD, OPTIONS, card, item, plan, synced


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
