"""plan_remote on arbitrary projects: applying its plan always yields the board, in one step.

A small in-memory project applies the operations the way GitHub does (creates appended at the
bottom, archive keeps the place, a move puts an item right after another or at the top). For
any board and any starting project (our items in any order and status, archived ones, copies
of one card, a person's items, another board's items), one plan must reach the board exactly,
and planning again must find nothing to do.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from kanbanger_daemon.core.sync.item_match import belongs_to
from kanbanger_daemon.core.sync.markers import marker_for_key, parse_marker_key, with_tag
from kanbanger_daemon.core.sync.push_plan import plan_remote
from kanbanger_daemon.models.github import RemoteItem
from kanbanger_daemon.models.sync import DesiredCard, OpKind, RemotePlan, StatusChoice, SyncState

BOARD = "b/_kanban.md"
OPTIONS = {
    "TODO": StatusChoice(option_id="o1", name="Todo"),
    "DOING": StatusChoice(option_id="o2", name="In Progress"),
    "DONE": StatusChoice(option_id="o3", name="Done"),
}


@dataclass
class Item:
    id: str
    title: str
    body: str
    option: str | None
    archived: bool = False


def ours(item: Item) -> bool:
    return belongs_to(parse_marker_key(item.body), BOARD)


def snapshot(items: list[Item]) -> list[RemoteItem]:
    return [
        RemoteItem(
            item_id=i.id,
            content_id=f"DI{i.id}",
            title=i.title,
            body=i.body,
            is_archived=i.archived,
            status_option_id=i.option,
        )
        for i in items
    ]


def apply(plan: RemotePlan, items: list[Item]) -> None:
    by_id = {i.id: i for i in items}
    created: dict[str, str] = {}
    order = [OpKind.ADOPT, OpKind.UPDATE, OpKind.UNARCHIVE, OpKind.ARCHIVE, OpKind.CREATE]
    for kind in order:
        for op in plan.of_kind(kind):
            if kind == OpKind.CREATE:
                new = Item(f"new{len(items)}", op.title or "", op.body or "", None)
                items.append(new)
                by_id[new.id] = new
                created[op.key] = new.id
            elif kind in (OpKind.ADOPT, OpKind.UPDATE):
                by_id[op.item_id or ""].title = op.title or ""
                by_id[op.item_id or ""].body = op.body or ""
            else:
                by_id[op.item_id or ""].archived = kind == OpKind.ARCHIVE
    for op in plan.of_kind(OpKind.STATUS):
        by_id[op.item_id or created[op.key]].option = op.option_id
    for op in plan.of_kind(OpKind.MOVE):
        item = by_id[op.item_id or created[op.key]]
        after = op.after_id or (created.get(op.after_key) if op.after_key else None)
        if op.after_key is not None and after is None:
            after = next(i.id for i in items if parse_marker_key(i.body) == op.after_key)
        items.remove(item)
        index = 0 if after is None else items.index(by_id[after]) + 1
        items.insert(index, item)


cards_strategy = st.lists(
    st.tuples(st.integers(0, 12), st.sampled_from(sorted(OPTIONS)), st.booleans()),
    max_size=10,
    unique_by=lambda t: t[0],
)
remote_strategy = st.lists(
    st.tuples(
        st.integers(0, 12),  # card number
        st.sampled_from([None, *sorted(o.option_id for o in OPTIONS.values())]),
        st.booleans(),  # archived
        st.sampled_from(["ours", "ours", "ours", "person", "other board"]),
    ),
    max_size=14,
)


@settings(max_examples=300, deadline=None)
@given(cards_strategy, remote_strategy)
def test_one_plan_reaches_the_board_and_the_next_plan_is_empty(
    cards: list[tuple[int, str, bool]], remote: list[tuple[int, str | None, bool, str]]
) -> None:
    desired = [
        DesiredCard(
            key=f"{BOARD}/c{n}",
            title=f"Card {n}{' renamed' if renamed else ''}",
            column=column,
            position=pos,
        )
        for pos, (n, column, renamed) in enumerate(cards)
    ]
    items: list[Item] = []
    for index, (n, option, archived, owner) in enumerate(remote):
        board = {"ours": BOARD, "other board": "other/_kanban.md"}.get(owner)
        # Ours were written by this workspace ("me"): this workspace may remove them.
        body = (with_tag(marker_for_key(f"{board}/c{n}"), None, f"Card {n}", "me") if board
                else f"person note {n}")
        items.append(Item(f"i{index}", f"Card {n}", body, option, archived))
    foreign = [vars(i).copy() for i in items if not ours(i)]

    mine = SyncState(workspace_id="me")
    plan = plan_remote(desired, mine, snapshot(items), OPTIONS, board_key=BOARD)
    assert plan.waiting == []
    apply(plan, items)

    live = [i for i in items if ours(i) and not i.archived]
    # Each column (Status) shows the board's cards in board order; the order across columns
    # shows nowhere on GitHub's board view and is not planned.
    for column, choice in OPTIONS.items():
        shown = [i.title for i in live if i.option == choice.option_id]
        assert shown == [c.title for c in desired if c.column == column]
    assert len(live) == len(desired)
    assert [vars(i) for i in items if not ours(i)] == foreign  # untouched
    again = plan_remote(desired, mine, snapshot(items), OPTIONS, board_key=BOARD)
    assert again.ops == []
