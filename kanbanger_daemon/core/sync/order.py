"""Card order on a project: the fewest moves that make each Status column follow the board. PURE."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

from kanbanger_daemon.models.github import RemoteItem
from kanbanger_daemon.models.sync import DesiredCard, OpKind, RemoteOp, RemotePlan


def plan_moves(
    plan: RemotePlan,
    wanted: Mapping[str, DesiredCard],
    keepers: Mapping[str, RemoteItem],
    remote: Sequence[RemoteItem],
    unarchived: set[str],
    created: Sequence[str],
) -> None:
    """Moves that make our live items follow board order within each column, touching as few
    items as possible (a project's board view shows each Status as a column ordered by item
    position; the order across columns shows nowhere, so it is left as it is).

    The predicted order is the listing order of our kept items (unarchived ones keep their place)
    followed by created items in creation order (GitHub appends new items). Per column, items on
    the longest subsequence already in board order stay; every other item goes right after its
    board predecessor in that column (the first one to the top), in board order.
    """
    item_key: dict[str, str] = {item.item_id: key for key, item in keepers.items() if key in wanted}
    for key, item_id in plan.adopted.items():
        item_key.setdefault(item_id, key)
    ids = {key: item_id for item_id, key in item_key.items()}
    current: list[str] = []
    for item in remote:
        maybe_key = item_key.get(item.item_id)
        if maybe_key is None or (item.is_archived and item.item_id not in unarchived):
            continue
        current.append(maybe_key)
    current.extend(created)
    board_index = {key: i for i, key in enumerate(wanted)}
    columns: dict[str, list[str]] = {}
    for key in current:
        columns.setdefault(wanted[key].column, []).append(key)
    for column_keys in columns.values():
        ordered = sorted(column_keys, key=lambda k: (wanted[k].position, board_index[k]))
        stay = _longest_increasing(column_keys, {k: i for i, k in enumerate(ordered)})
        previous: str | None = None
        for key in ordered:
            if key not in stay:
                plan.ops.append(
                    RemoteOp(
                        kind=OpKind.MOVE,
                        key=key,
                        item_id=ids.get(key),
                        title=wanted[key].title,
                        after_key=previous,
                        after_id=ids.get(previous) if previous else None,
                        after_title=wanted[previous].title if previous else None,
                    )
                )
            previous = key


def _longest_increasing(seq: Sequence[str], rank: Mapping[str, int]) -> set[str]:
    """Members of one longest subsequence of ``seq`` whose ranks increase (patience sorting)."""
    tails: list[int] = []  # rank of the last element of the best run of each length
    tail_idx: list[int] = []
    parent: list[int] = [-1] * len(seq)
    for i, key in enumerate(seq):
        r = rank[key]
        pos = bisect.bisect_left(tails, r)
        if pos == len(tails):
            tails.append(r)
            tail_idx.append(i)
        else:
            tails[pos] = r
            tail_idx[pos] = i
        parent[i] = tail_idx[pos - 1] if pos > 0 else -1
    out: set[str] = set()
    i = tail_idx[-1] if tail_idx else -1
    while i >= 0:
        out.add(seq[i])
        i = parent[i]
    return out
