"""The cards a board wants on its project: keys, titles, columns, order, optional field values.
PURE."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from hashlib import sha256

from kanbanger_daemon.core.board.cards import (
    board_namespaces,
    card_identity,
    hand_card_key,
    identity_of,
    step_full_id,
)
from kanbanger_daemon.core.board.format import board_cards
from kanbanger_daemon.core.board.review import clean_reason, rejection_of
from kanbanger_daemon.core.board.text import github_title
from kanbanger_daemon.core.insight.metrics import BACKUPS_USED_FIELD, SPEC_FIELD, task_field_values
from kanbanger_daemon.models.board import Board, BoardOptions, SpecInput
from kanbanger_daemon.models.sync import DesiredCard, FieldValue

# The optional project fields (name, GitHub data type) the ``project_fields`` setting creates.
PROJECT_FIELDS: tuple[tuple[str, str], ...] = ((BACKUPS_USED_FIELD, "NUMBER"), (SPEC_FIELD, "TEXT"))

CardValues = dict[str, dict[str, FieldValue]]


def card_field_values(inputs: Sequence[SpecInput], options: BoardOptions) -> CardValues:
    """The optional field values of every generated card, by card identity: ``SPEC`` (the SPEC
    file) on each, ``Backups used`` on task cards (``core.insight.metrics.task_field_values``)."""
    out: CardValues = {}
    for item, (prefix, _ns) in zip(inputs, board_namespaces(inputs, options), strict=True):
        spec = item.spec
        spec_only: dict[str, FieldValue] = {SPEC_FIELD: spec.file}
        per_task = task_field_values(spec, item.progress)
        for speclet in spec.speclets:
            out.setdefault(identity_of("SPECLet", speclet.id, spec.file, prefix=prefix),
                           dict(spec_only))
        for task in spec.tasks:
            # A duplicate id in the SPEC: the first task owns the card (as in core.board.cards).
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
    A card with a ``[REJECTED: …]`` note carries its reason, for its draft's body.
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
        reason = clean_reason(rejection_of(card.text) or "")
        out.append(
            DesiredCard(
                key=key,
                title=github_title(card.text),
                column=card.column,
                column_kind=card.column_kind,
                position=position,
                values=dict(values),
                rejection=reason or None,
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
        if card.rejection is not None:  # likewise: only a rejected card adds its reason
            digest.update(f"\x1e{card.rejection}".encode())
    return digest.hexdigest()
