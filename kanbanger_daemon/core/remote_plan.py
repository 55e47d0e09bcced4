"""plan_remote: what to change on a GitHub project so that it shows one board. PURE.

Level-triggered: the plan depends only on (desired cards, sync state, remote snapshot), never on
what happened before. Our items are recognised by the hidden body marker (``core.markers``);
items without it belong to people and are never touched, items with another board's key are that
board's business. Orders of application (by the engine): adopt/update, unarchive, archive,
create, status and field values, move.

Optional project fields (the ``project_fields`` setting): ``card_field_values`` gives each
generated card the values it should show (``Backups used`` on task cards, ``SPEC`` on every
generated card; hand-written cards get none) and the plan sets only those that differ from what
the item shows, by the same rule as a Status (see ``_plan_existing``).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from hashlib import sha256

from kanbanger_daemon.core.board import board_cards
from kanbanger_daemon.core.cards import (
    card_identity,
    hand_card_key,
    identity_of,
    namespace_of,
    step_full_id,
)
from kanbanger_daemon.core.markers import (
    marker_for_key,
    parse_marker_key,
    split_key,
    tag_agrees,
    with_marker,
    with_tag,
)
from kanbanger_daemon.core.metrics import BACKUPS_USED_FIELD, SPEC_FIELD, task_field_values
from kanbanger_daemon.models.board import Board, BoardOptions, SpecInput
from kanbanger_daemon.models.remote import RemoteItem
from kanbanger_daemon.models.sync import (
    CardState,
    DesiredCard,
    FieldValue,
    OpKind,
    RemoteOp,
    RemotePlan,
    StatusChoice,
    SyncState,
)

DEFAULT_ADOPT_PATIENCE = 3

# The optional project fields (name, GitHub data type) the ``project_fields`` setting creates.
PROJECT_FIELDS: tuple[tuple[str, str], ...] = ((BACKUPS_USED_FIELD, "NUMBER"), (SPEC_FIELD, "TEXT"))

CardValues = dict[str, dict[str, FieldValue]]


def _prefixes(inputs: Sequence[SpecInput], options: BoardOptions) -> list[str | None]:
    """Each input's card prefix, numbering same-named SPECs exactly as
    ``core.cards.wanted_cards`` does (so that identities computed here match the cards')."""
    namespaces: set[str] = set()
    out: list[str | None] = []
    for item in inputs:
        prefix, namespace = namespace_of(item, options)
        if prefix is not None and namespace in namespaces:
            base, n = prefix, 2
            while namespace in namespaces:
                prefix, namespace = namespace_of(
                    item.model_copy(update={"name": f"{base}~{n}"}), options)
                n += 1
        namespaces.add(namespace)
        out.append(prefix)
    return out


def card_field_values(inputs: Sequence[SpecInput], options: BoardOptions) -> CardValues:
    """The optional field values of every generated card, by card identity: ``SPEC`` (the SPEC
    file) on each, ``Backups used`` on task cards (``core.metrics.task_field_values``)."""
    out: CardValues = {}
    for item, prefix in zip(inputs, _prefixes(inputs, options), strict=True):
        spec = item.spec
        spec_only: dict[str, FieldValue] = {SPEC_FIELD: spec.file}
        per_task = task_field_values(spec, item.progress)
        for speclet in spec.speclets:
            out.setdefault(identity_of("SPECLet", speclet.id, spec.file, prefix=prefix),
                           dict(spec_only))
        for task in spec.tasks:
            # A duplicate id in the SPEC: the first task owns the card (as in core.cards).
            out.setdefault(identity_of("Task", task.id, spec.file, prefix=prefix),
                           dict(per_task.get(task.id, spec_only)))
            for step in task.steps:
                step_id = step_full_id(task.id, step.id)
                out.setdefault(identity_of("Step", step_id, spec.file, prefix=prefix),
                               dict(spec_only))
    return out


def desired_cards(
    board: Board, board_key: str, field_values: CardValues | None = None
) -> list[DesiredCard]:
    """Every card of ``board`` as it should appear on the project, in board order.

    Generated cards are keyed by their identity (stable across renames and notes); hand-written
    cards, and a second copy of a generated card, by a hash of their text and occurrence. A ``/``
    inside a card key is escaped so that ``<board-key>/<card-key>`` splits at the last ``/``.
    ``field_values`` (``card_field_values``) gives generated cards their optional field values.
    """
    values_of = field_values or {}
    out: list[DesiredCard] = []
    seen: set[str] = set()
    occurrences: dict[str, int] = {}
    for position, card in enumerate(board_cards(board)):
        card_key = card_identity(card.text)
        values = values_of.get(card_key or "", {})
        if card_key is None or card_key in seen:
            n = occurrences.get(card.text, 0)
            occurrences[card.text] = n + 1
            card_key = hand_card_key(card.text, n)
            values = {}
        seen.add(card_key)
        key = f"{board_key}/{card_key.replace('%', '%25').replace('/', '%2F')}"
        out.append(
            DesiredCard(
                key=key,
                title=card.text,
                column=card.column,
                column_kind=card.column_kind,
                position=position,
                values=dict(values),
            )
        )
    return out


def fingerprint(project_id: str, board_key: str, desired: Iterable[DesiredCard]) -> str:
    """A digest of everything a push depends on locally: same digest, nothing to push."""
    digest = sha256(f"{project_id}\0{board_key}".encode())
    for card in desired:
        digest.update(f"\0{card.key}\x1f{card.title}\x1f{card.column}\x1f{card.position}".encode())
        if card.values:  # absent with the option off: the digest stays what it always was
            digest.update(f"\x1f{sorted(card.values.items())!r}".encode())
    return digest.hexdigest()


def belongs_to(key: str | None, board_key: str) -> bool:
    return key is not None and split_key(key)[0] == board_key


def marker_key_of(body: str | None, board_key: str, state: SyncState) -> str | None:
    """The key of this board's card an item's marker names (after a pulled retitle), or None."""
    key = parse_marker_key(body)
    if key is None or not belongs_to(key, board_key):
        return None
    return state.aliases.get(key, key)


def observe_listing(
    state: SyncState,
    remote: Sequence[RemoteItem],
    board_key: str,
    *,
    settled_before: float | None = None,
) -> SyncState:
    """The state after a full listing: count, per card, how many listings in a row missed it.

    A lost create counts only listings made once it settled (sent before ``settled_before``): a
    listing made while GitHub may still be running the request proves nothing.
    """
    seen_ids = {item.item_id for item in remote}
    seen_keys = {k for k in (marker_key_of(i.body, board_key, state) for i in remote) if k}
    cards = {
        key: card.model_copy(update={"unseen": 0 if _seen else card.unseen + 1})
        for key, card in state.cards.items()
        for _seen in [card.item_id in seen_ids or key in seen_keys]
    }
    pending = {
        key: p.model_copy(update={"unseen": p.unseen + int(settled)})
        for key, p in state.pending.items()
        if key not in seen_keys
        for settled in [settled_before is None or p.sent_at <= settled_before]
    }
    return state.model_copy(update={"cards": cards, "pending": pending})


def trusted_snapshot(state: SyncState) -> list[RemoteItem]:
    """Our items as the state last confirmed them, in project order (planning without a listing)."""
    ordered = sorted(
        (card.position, key, card) for key, card in state.cards.items() if card.item_id
    )
    return [
        RemoteItem(
            item_id=card.item_id or "",
            is_archived=card.archived,
            content_id=card.draft_id,
            title=card.title,
            body=card.body if card.body is not None else marker_for_key(key),
            status_option_id=card.option_id,
            status_name=card.status,
            field_values=dict(card.values),
        )
        for _pos, key, card in ordered
    ]


def keeper_of(group: list[RemoteItem], known_id: str | None) -> RemoteItem:
    """Of several items carrying one marker keep the one the state knows, else the first live."""
    for item in group:
        if item.item_id == known_id:
            return item
    return next((item for item in group if not item.is_archived), group[0])


def _norm_title(title: str) -> str:
    return " ".join(title.split()).casefold()


def _kanbanger_candidates(state: SyncState) -> dict[str, str]:
    """kanbanger's ``tasks`` by normalised title -> item id."""
    out: dict[str, str] = {}
    for title, task in state.tasks.items():
        if task.item_id:
            out.setdefault(_norm_title(title), task.item_id)
    return out


def plan_remote(
    desired: Sequence[DesiredCard],
    state: SyncState,
    remote: Sequence[RemoteItem],
    options: Mapping[str, StatusChoice],
    *,
    board_key: str,
    adopt_patience: int = DEFAULT_ADOPT_PATIENCE,
    now: float = 0.0,
    settle_seconds: float = 0.0,
) -> RemotePlan:
    """The operations that make ``remote`` show ``desired`` (see the module docstring).

    A create whose reply was lost is given up (and sent again) only after ``adopt_patience``
    listings missed it AND ``settle_seconds`` have passed since it was sent (``now``): GitHub
    may apply a request after the client stopped waiting for it.
    """
    plan = RemotePlan(board_key=board_key)
    wanted: dict[str, DesiredCard] = {}
    for card in desired:
        wanted.setdefault(card.key, card)
    plan.unmapped_columns = sorted({c.column for c in wanted.values() if c.column not in options})

    by_id = {item.item_id: item for item in remote}
    groups: dict[str, list[RemoteItem]] = {}
    for listed in remote:
        marker_key = marker_key_of(listed.body, board_key, state)
        if marker_key is not None:
            groups.setdefault(marker_key, []).append(listed)

    keepers: dict[str, RemoteItem] = {}
    for key, group in groups.items():
        known_card = state.cards.get(key)
        keeper = keeper_of(group, known_card.item_id if known_card else None)
        keepers[key] = keeper
        for dup in group:
            if dup is not keeper and not dup.is_archived:
                plan.ops.append(_op(OpKind.ARCHIVE, key, dup, reason="duplicate"))

    claimed = {item.item_id for group in groups.values() for item in group}
    kanbanger = _kanbanger_candidates(state)
    unarchived: set[str] = set()
    created: list[str] = []

    for key, card in wanted.items():
        item: RemoteItem | None = keepers.get(key)
        adopting = False
        if item is None:
            item = _unmarked_candidate(key, card, state, by_id, kanbanger, claimed)
            known = state.cards.get(key)
            # A person's draft the board took in stays unmarked until we change it.
            taken_in = item is not None and known is not None and known.foreign
            adopting = item is not None and not (taken_in and known is not None
                                                 and known.item_id == item.item_id)
        if item is None:
            if _should_wait(key, state, adopt_patience, now - settle_seconds):
                plan.waiting.append(key)
                continue
            choice = options.get(card.column)
            plan.ops.append(
                RemoteOp(
                    kind=OpKind.CREATE,
                    key=key,
                    title=card.title,
                    body=with_tag(marker_for_key(key), choice.name if choice else None, card.title),
                    option_id=choice.option_id if choice else None,
                    option_name=choice.name if choice else None,
                )
            )
            created.append(key)
            continue
        claimed.add(item.item_id)
        _plan_existing(plan, key, card, item, state.cards.get(key), options.get(card.column),
                       adopting=adopting)
        _plan_values(plan, key, card, item, state.cards.get(key))
        if item.is_archived:
            plan.ops.append(_op(OpKind.UNARCHIVE, key, item, title=card.title))
            unarchived.add(item.item_id)

    _plan_removals(plan, wanted, keepers, state, by_id, adopt_patience, now - settle_seconds)
    for key in created:
        choice = options.get(wanted[key].column)
        if choice is not None:
            plan.ops.append(
                RemoteOp(
                    kind=OpKind.STATUS,
                    key=key,
                    title=wanted[key].title,
                    option_id=choice.option_id,
                    option_name=choice.name,
                )
            )
        plan.ops.extend(
            RemoteOp(kind=OpKind.FIELD, key=key, title=wanted[key].title, field_name=name,
                     value=value)
            for name, value in wanted[key].values.items()
        )
    _plan_moves(plan, wanted, keepers, remote, unarchived, created)
    return plan


def _plan_existing(
    plan: RemotePlan,
    key: str,
    card: DesiredCard,
    item: RemoteItem,
    known: CardState | None,
    choice: StatusChoice | None,
    *,
    adopting: bool,
) -> None:
    """Title, body and Status of an item we keep. The rule for a value that differs:

    push the board's value when this workspace never synced the card, when the board changed it
    since this workspace's last push, or when a person changed it on GitHub (the item's sync tag
    disagrees); otherwise another workspace set it (its tag agrees) and it is left alone, so a
    clone lacking another machine's progress never moves that machine's cards back.
    """
    same_item = known is not None and known.item_id == item.item_id
    remote_title = item.title or ""
    status_tagged, title_tagged = tag_agrees(item.body, item.status_name, remote_title)
    title = card.title
    if remote_title != card.title and not adopting:
        base = known.synced_title if same_item and known else None
        if base == card.title and title_tagged:
            title = remote_title
            plan.left.append(key)
    status = item.status_name
    set_status = False
    if choice is not None and item.status_option_id != choice.option_id:
        base_status = known.synced_status if same_item and known else None
        if base_status == choice.name and status_tagged:
            if key not in plan.left:
                plan.left.append(key)
        else:
            status, set_status = choice.name, True
    elif choice is not None:
        status = choice.name
    shows_board = choice is not None and item.status_option_id == choice.option_id
    if choice is not None and shows_board and remote_title == card.title:
        plan.agreed[key] = (choice.name, card.title)  # the item already shows what we want
    body = with_tag(with_marker(item.body, key), status, title)
    if adopting or not same_item:
        plan.adopted[key] = item.item_id
    # The tag is written with every change we make (never on its own: an untagged item whose
    # values agree costs nothing; should it change later, it counts as a person's change).
    changes_draft = adopting or title != remote_title or (set_status and body != item.body)
    if item.content_id is not None and changes_draft:
        kind = OpKind.ADOPT if adopting else OpKind.UPDATE
        plan.ops.append(_op(kind, key, item, title=title, body=body, old_title=item.title))
    if set_status and choice is not None:
        plan.ops.append(
            _op(
                OpKind.STATUS,
                key,
                item,
                title=card.title,
                option_id=choice.option_id,
                option_name=choice.name,
                old_title=item.status_name,
            )
        )


def _plan_values(
    plan: RemotePlan, key: str, card: DesiredCard, item: RemoteItem, known: CardState | None
) -> None:
    """The optional field values of an item we keep, by the rule of ``_plan_existing``: a value
    the item does not show is set unless this workspace already pushed (or accepted) that very
    value and something else changed it since (another workspace with more progress, most
    likely): the next change of the figure here is pushed again. A cleared value is restored."""
    shown = item.field_values or {}
    same_item = known is not None and known.item_id == item.item_id
    agreed: dict[str, FieldValue] = {}
    for name, value in card.values.items():
        current = shown.get(name)
        if current == value:
            agreed[name] = value
            continue
        base = known.synced_values.get(name) if same_item and known else None
        if base == value and current is not None:
            if key not in plan.left:
                plan.left.append(key)
            continue
        plan.ops.append(
            RemoteOp(kind=OpKind.FIELD, key=key, item_id=item.item_id, draft_id=item.content_id,
                     title=card.title, field_name=name, value=value, old_value=current)
        )
    if agreed:
        plan.agreed_values[key] = agreed


def _op(kind: OpKind, key: str, item: RemoteItem, **fields: str | None) -> RemoteOp:
    values: dict[str, str | None] = {"title": item.title, **fields}
    return RemoteOp(kind=kind, key=key, item_id=item.item_id, draft_id=item.content_id, **values)


def _unmarked_candidate(
    key: str,
    card: DesiredCard,
    state: SyncState,
    by_id: Mapping[str, RemoteItem],
    kanbanger: Mapping[str, str],
    claimed: set[str],
) -> RemoteItem | None:
    """An item without any marker that the state says is this card's (ours or kanbanger's)."""
    known = state.cards.get(key)
    ids = [known.item_id if known else None, kanbanger.get(_norm_title(card.title))]
    for item_id in ids:
        item = by_id.get(item_id or "")
        if item is not None and item.item_id not in claimed and parse_marker_key(item.body) is None:
            return item
    return None


def _should_wait(key: str, state: SyncState, patience: int, settled_before: float) -> bool:
    """True while an item for ``key`` may exist without being listed yet."""
    pending = state.pending.get(key)
    if pending is not None and (pending.unseen < patience or pending.sent_at > settled_before):
        return True
    known = state.cards.get(key)
    return bool(known and known.item_id and not known.archived and known.unseen < patience)


def _plan_removals(
    plan: RemotePlan,
    wanted: Mapping[str, DesiredCard],
    keepers: Mapping[str, RemoteItem],
    state: SyncState,
    by_id: Mapping[str, RemoteItem],
    patience: int,
    settled_before: float,
) -> None:
    for key, item in keepers.items():
        if key not in wanted and not item.is_archived:
            plan.ops.append(_op(OpKind.ARCHIVE, key, item, reason="removed from the board"))
    for key, known in state.cards.items():
        if key in wanted or key in keepers or not known.item_id or known.archived:
            continue
        if known.item_id in by_id:
            continue  # listed, but its marker is gone: a person's now; leave it alone
        # Not listed (not visible yet, or deleted by a person): archive by id; "not found" is fine.
        plan.ops.append(
            RemoteOp(
                kind=OpKind.ARCHIVE,
                key=key,
                item_id=known.item_id,
                draft_id=known.draft_id,
                title=known.title,
                reason="removed from the board",
            )
        )
    for key, pending in state.pending.items():
        if key in wanted or key in keepers:
            continue
        if pending.unseen < patience or pending.sent_at > settled_before:
            plan.waiting.append(key)
        else:
            plan.forgotten.append(key)
    for key, known in state.cards.items():
        gone = known.archived and known.item_id not in by_id
        if key not in wanted and key not in keepers and gone:
            plan.forgotten.append(key)


def _plan_moves(
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


_SYMBOLS = {
    OpKind.CREATE: "+ create   ",
    OpKind.UNARCHIVE: "+ unarchive",
    OpKind.UPDATE: "~ update   ",
    OpKind.ADOPT: "~ adopt    ",
    OpKind.STATUS: "~ status   ",
    OpKind.FIELD: "~ field    ",
    OpKind.MOVE: "> move     ",
    OpKind.ARCHIVE: "- archive  ",
}


def _describe(op: RemoteOp) -> str:
    title = f'"{op.title}"'
    if op.kind == OpKind.CREATE:
        return f"{title} in {op.option_name}" if op.option_name else title
    if op.kind in (OpKind.UPDATE, OpKind.ADOPT) and op.old_title != op.title:
        return f'"{op.old_title}" -> {title}'
    if op.kind == OpKind.STATUS:
        return f"{title}: {op.old_title or '(none)'} -> {op.option_name}"
    if op.kind == OpKind.FIELD:
        return f"{title}: {op.field_name} {_shown(op.old_value)} -> {_shown(op.value)}"
    if op.kind == OpKind.MOVE:
        return f'{title} after "{op.after_title}"' if op.after_title else f"{title} to the top"
    if op.kind == OpKind.ARCHIVE and op.reason:
        return f"{title} ({op.reason})"
    return title


def _shown(value: FieldValue | None) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a count reads "2", not "2.0"
    return repr(value) if isinstance(value, str) else str(value)


def format_plan(plan: RemotePlan) -> str:
    """The plan as ``terraform plan`` would print it, one line per operation, then a summary."""
    created = {op.key for op in plan.of_kind(OpKind.CREATE)}
    # A new card's Status and field values are part of its "+ create" line, not changes of
    # their own.
    shown = [op for op in plan.ops
             if not (op.kind in (OpKind.STATUS, OpKind.FIELD) and op.key in created)]
    lines = [f"{_SYMBOLS[op.kind]} {_describe(op)}" for op in shown]
    lines.extend(f"? waiting  {key} (an item may exist; not listed yet)" for key in plan.waiting)
    lines.extend(f"! no Status option matches column {col!r}" for col in plan.unmapped_columns)
    counts = {kind: sum(1 for op in shown if op.kind == kind) for kind in OpKind}
    creates = counts[OpKind.CREATE]
    updates = (counts[OpKind.UPDATE] + counts[OpKind.ADOPT] + counts[OpKind.STATUS]
               + counts[OpKind.FIELD])
    archives = counts[OpKind.ARCHIVE]
    if not shown:
        lines.append(f"No changes. Board {plan.board_key!r} and the project are in sync.")
    else:
        lines.append(
            f"Plan: {creates} to create, {updates} to update, {counts[OpKind.MOVE]} to move, "
            f"{archives} to archive, {counts[OpKind.UNARCHIVE]} to unarchive."
        )
    return "\n".join(lines) + "\n"
