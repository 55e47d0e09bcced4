"""Deterministic enrichment and the validation of an enriched board (pure core)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kanbanger_daemon.core.board.format import board_cards, parse_board, render_board
from kanbanger_daemon.core.board.plan import plan_board
from kanbanger_daemon.core.insight.enrich import (
    MAX_CARDS_PER_RULE,
    apply_enrichment,
    enrichment_cards,
    spec_section_items,
)
from kanbanger_daemon.core.insight.enrich_command import enrich_prompt, validate_enriched
from kanbanger_daemon.core.specs.parse import parse_spec
from kanbanger_daemon.errors import InputError
from kanbanger_daemon.models.board import BoardOptions, ColumnKind, SpecInput
from tests.helpers.enrich_spec import SPEC_MD, spec

BOTH = BoardOptions(add_preparatory_tasks=True, add_validation_tasks=True)


def planned(options: BoardOptions = BOTH) -> str:
    return render_board(plan_board([SpecInput(spec=spec())], None, options, title="Till"))


def test_sections_are_read_from_the_raw_markdown() -> None:
    items = spec_section_items(SPEC_MD)
    assert items["components"] == ["Receipt printer driver", "Sales database"]
    # Only the Technology Stack list, without its template placeholder.
    assert items["stack"] == ["Language: Python", "Database: SQLite"]
    # Group labels are skipped, their children kept; the fenced example is not a section.
    assert items["verification"] == [
        "Till prints receipts",
        "Daily totals exported to CSV",
        "Volunteers can use it without training",
        "Ring up ten sales and compare the totals",
    ]


def test_preparatory_cards_lead_todo_and_validation_cards_wait_in_backlog() -> None:
    board = apply_enrichment(parse_board(planned()), enrichment_cards(SPEC_MD, spec(), BOTH))
    columns: dict[ColumnKind, list[str]] = {}
    for card in board_cards(board):
        columns.setdefault(card.column_kind, []).append(card.text)
    assert columns[ColumnKind.TODO] == [
        "Prepare: Receipt printer driver (SPEC: spec_till.md)",
        "Prepare: Sales database (SPEC: spec_till.md)",
        "Prepare: set up Language: Python (SPEC: spec_till.md)",
        "Prepare: set up Database: SQLite (SPEC: spec_till.md)",
        "Task 1: Sales screen (SPEC: spec_till.md)",
        "Task 2: Receipts (SPEC: spec_till.md)",
    ]
    assert columns[ColumnKind.BACKLOG] == [
        "Validate: Till prints receipts (SPEC: spec_till.md)",
        "Validate: Daily totals exported to CSV (SPEC: spec_till.md)",
        "Validate: Volunteers can use it without training (SPEC: spec_till.md)",
        "Validate: Ring up ten sales and compare the totals (SPEC: spec_till.md)",
        "Document: Shop till: what was built, how to run it, what changed (SPEC: spec_till.md)",
    ]
    text = render_board(board)
    assert "## BACKLOG\n\n*   [ ] Validate:" in text  # readable: a blank line under headings
    assert "SPEC: spec_till.md)\n\n## TODO" in text


def test_each_rule_has_its_switch() -> None:
    prep = enrichment_cards(SPEC_MD, spec(), BoardOptions(add_preparatory_tasks=True))
    assert {c.rule for c in prep} == {"preparatory"}
    checks = enrichment_cards(SPEC_MD, spec(), BoardOptions(add_validation_tasks=True))
    assert {c.rule for c in checks} == {"validation", "documentation"}
    assert enrichment_cards(SPEC_MD, spec(), BoardOptions()) == []


def test_enrichment_is_idempotent_and_survives_the_planner() -> None:
    cards = enrichment_cards(SPEC_MD, spec(), BOTH)
    once = apply_enrichment(parse_board(planned()), cards)
    twice = apply_enrichment(once, cards)
    assert render_board(twice) == render_board(once)
    # The planner keeps them as the user's cards: re-planning changes nothing.
    replanned = plan_board([SpecInput(spec=spec())], once, BOTH, title="Till")
    assert render_board(replanned) == render_board(once)


def test_long_sections_are_capped_with_a_summary_card() -> None:
    many = "".join(f"- Part {n}\n" for n in range(MAX_CARDS_PER_RULE + 5))
    text = SPEC_MD.replace("- Receipt printer driver\n- Sales database\n", many)
    prep = enrichment_cards(text, spec(), BoardOptions(add_preparatory_tasks=True))
    assert len(prep) == MAX_CARDS_PER_RULE + 1
    assert prep[-1].text == "Prepare: the 7 other components and stack items (SPEC: spec_till.md)"


def test_a_spec_without_those_sections_gets_only_a_documentation_card() -> None:
    bare = "# Goal\nShip.\n\n## Task 1: Ship it\n"
    parsed = parse_spec(bare, file="spec_bare.md")
    cards = enrichment_cards(bare, parsed, BOTH)
    assert [c.rule for c in cards] == ["documentation"]


def test_corpus_specs_enrich_without_errors(corpus_dir: Path) -> None:
    files = sorted((corpus_dir / "spec_engine").rglob("spec_*.md"))
    assert files
    for path in files:
        text = path.read_text("utf-8")
        parsed = parse_spec(text, file=path.name)
        board = plan_board([SpecInput(spec=parsed)], None, BOTH, title=path.stem)
        enriched = apply_enrichment(board, enrichment_cards(text, parsed, BOTH))
        assert len(board_cards(enriched)) > len(board_cards(board)), path
        validate_enriched(render_board(enriched), parsed, expected=board)


# --- validation of an LLM's board ------------------------------------------------------------


def test_a_good_board_is_accepted_even_fenced_and_introduced() -> None:
    good = planned().replace("## TODO\n\n", "## TODO\n\n*   [ ] Install Python 3.12\n")
    answer = f"Here is the improved board:\n\n```markdown\n{good}```\n"
    board = validate_enriched(answer, spec(), expected=parse_board(planned()))
    assert "Install Python 3.12" in [c.text for c in board_cards(board)]
    assert render_board(board).startswith("# Till\n")


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("", "printed no markdown heading"),
        ("Sorry, I cannot help with that.", "printed no markdown heading"),
        ("# Till\n\n## TODO\n\n*   [ ] Task 1: Sales screen (SPEC: spec_till.md)\n",
         "missing column(s) BACKLOG, DOING, DONE"),
        ("x\x00y", "NUL"),
    ],
)
def test_invalid_boards_are_rejected_with_a_reason(answer: str, reason: str) -> None:
    with pytest.raises(InputError) as caught:
        validate_enriched(answer, spec())
    assert reason in str(caught.value)
    assert str(caught.value).startswith("enrich command output: ")


def test_dropping_a_spec_task_is_rejected() -> None:
    dropped = planned().replace("*   [ ] Task 2: Receipts (SPEC: spec_till.md)\n", "")
    with pytest.raises(InputError, match=r"drops SPEC task card\(s\) Task 2"):
        validate_enriched(dropped, spec())
    # A task card that lost its SPEC reference is not the task's card any more.
    unreferenced = planned().replace(" (SPEC: spec_till.md)\n*   [ ] Task 2", "\n*   [ ] Task 2")
    with pytest.raises(InputError, match=r"Task 1"):
        validate_enriched(unreferenced, spec())


def test_moving_a_task_card_is_rejected_when_the_plan_is_known() -> None:
    text = planned()
    moved = text.replace("*   [ ] Task 2: Receipts (SPEC: spec_till.md)\n", "").replace(
        "## DONE\n", "## DONE\n\n*   [x] Task 2: Receipts (SPEC: spec_till.md)\n")
    validate_enriched(moved, spec())  # a valid board on its own …
    with pytest.raises(InputError, match="moves Task 2 from TODO to DONE"):
        validate_enriched(moved, spec(), expected=parse_board(text))  # … but not what we asked


def test_the_prompt_gives_the_goal_tasks_sections_board_and_rules() -> None:
    prompt = enrich_prompt(spec(), SPEC_MD, parse_board(planned()))
    assert "Goal: Build a till for the charity shop." in prompt
    assert "- Task 2: Receipts" in prompt
    assert "- Receipt printer driver" in prompt
    assert "*   [ ] Task 1: Sales screen (SPEC: spec_till.md)" in prompt
    assert "## BACKLOG`, `## TODO`, `## DOING`" in prompt
    assert "keep every card that starts with `Task <n>:`" in prompt


def test_words_after_the_board_are_dropped() -> None:
    answer = planned() + "\nLet me know if you want more cards!\n"
    board = validate_enriched(answer, spec())
    assert render_board(board) == planned() + "\n"


def test_a_missing_column_is_created_where_it_belongs_and_crlf_is_kept() -> None:
    text = "# Till\r\n\r\n## TODO\r\n\r\n*   [ ] Task 1: Sales screen (SPEC: spec_till.md)\r\n" \
           "\r\n## DOING\r\n\r\n## DONE"
    cards = enrichment_cards(SPEC_MD, spec(), BoardOptions(add_validation_tasks=True))
    enriched = render_board(apply_enrichment(parse_board(text), cards))
    assert enriched.startswith(
        "# Till\r\n\r\n## BACKLOG\r\n\r\n"
        "*   [ ] Validate: Till prints receipts (SPEC: spec_till.md)\r\n")
    assert "(SPEC: spec_till.md)\r\n\r\n## TODO\r\n\r\n*   [ ] Task 1" in enriched
    assert "\n" not in enriched.replace("\r\n", "")
    assert enriched.endswith("## DONE")  # the file's own ending is left as it was
