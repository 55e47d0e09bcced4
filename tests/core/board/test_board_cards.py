"""Card identity: the key the GitHub sync relies on must be stable and readable back."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kanbanger_daemon.core.board.cards import (
    backup_note,
    card_identity,
    generated_card_text,
    hand_card_key,
    identity_of,
    waiting_note,
)
from kanbanger_daemon.core.board.format import board_cards, card_line, parse_board

_notes = st.lists(st.sampled_from(
    ["[BLOCKED]", "[SKIPPED]", "(backups exhausted)", backup_note(1), backup_note(12),
     waiting_note(["0", "a b"])]), max_size=3)


@given(
    kind=st.sampled_from(["Task", "Step", "SPECLet"]),
    item_id=st.text(min_size=1, max_size=6),
    title=st.text(max_size=30),
    file=st.text(min_size=1, max_size=12),
    prefix=st.one_of(st.none(), st.text(min_size=1, max_size=8)),
    notes=_notes,
)
@settings(derandomize=True, max_examples=500)
def test_generated_text_reads_back_its_identity_through_a_board(
    kind: str, item_id: str, title: str, file: str, prefix: str | None, notes: list[str]
) -> None:
    text = generated_card_text(kind, item_id, title, file, prefix=prefix, notes=notes)
    expected = identity_of(kind, item_id, file, prefix=prefix)
    assert card_identity(text) == expected
    # ...also after a trip through a board file, as kanbanger and we read it back.
    cards = board_cards(parse_board(f"## TODO\n{card_line(text)}\n"))
    assert [c.text for c in cards] == [text]
    # A rename or different notes keep the identity.
    renamed = generated_card_text(kind, item_id, title + " v2", file, prefix=prefix)
    assert card_identity(renamed) == expected


def test_different_tasks_specs_and_prefixes_have_different_identities() -> None:
    keys = {
        identity_of("Task", "1", "spec_a.md"),
        identity_of("Task", "2", "spec_a.md"),
        identity_of("Step", "1.1", "spec_a.md"),
        identity_of("SPECLet", "1", "spec_a.md"),
        identity_of("Task", "1", "spec_b.md"),
        identity_of("Task", "1", "spec_a.md", prefix="a"),
    }
    assert len(keys) == 6


def test_hand_card_keys_depend_on_text_and_occurrence_only() -> None:
    assert hand_card_key("Buy milk", 0) == hand_card_key("Buy  milk", 0)
    assert hand_card_key("Buy milk", 0) != hand_card_key("Buy milk", 1)
    assert hand_card_key("Buy milk", 0) != hand_card_key("Buy bread", 0)
    assert "/" not in hand_card_key("a/b", 0)
