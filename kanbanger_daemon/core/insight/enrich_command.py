"""LLM enrichment: what the ``enrich.command`` program gets, and what its answer must be. Pure.

``enrich_prompt`` is what the program gets on stdin (the SPEC, the board, the rules);
``validate_enriched`` accepts what it prints only if it is a kanbanger board that keeps every
SPEC task card (where the planner put it), and otherwise raises ``InputError`` saying why. The
program is run by ``boards.enrich_runner``; the deterministic rules are ``core.insight.enrich``.
"""

from __future__ import annotations

from kanbanger_daemon.core.board.cards import card_identity, identity_of, one_line, safe_file
from kanbanger_daemon.core.board.format import (
    board_cards,
    board_columns,
    card_parts,
    parse_board,
    render_board,
)
from kanbanger_daemon.core.insight.enrich import spec_section_items
from kanbanger_daemon.core.specs.markdown_lines import fence_open
from kanbanger_daemon.errors import InputError
from kanbanger_daemon.models.board import Board, ColumnKind
from kanbanger_daemon.models.spec import Spec

MAX_ENRICHED_CHARS = 256 * 1024
MAX_ENRICHED_CARDS = 500
REQUIRED_COLUMNS = (ColumnKind.BACKLOG, ColumnKind.TODO, ColumnKind.DOING, ColumnKind.DONE)
ENRICH_SOURCE = "enrich command output"
_PROMPT_SECTION_ITEMS = 20
_PROMPT_GOAL_CHARS = 1500


def enrich_prompt(spec: Spec, spec_text: str, board: Board) -> str:
    """What the ``enrich.command`` program gets on stdin: the SPEC, the board, the rules."""
    lines = [
        "You are helping a team follow the execution of a SPEC on a kanban board.",
        "",
        f"SPEC file: {safe_file(spec.file)}",
        f"Goal: {one_line(spec.goal or spec.title or spec.descriptor)[:_PROMPT_GOAL_CHARS]}",
        "",
        "Tasks, in order:",
    ]
    for task in spec.tasks:
        lines.append(f"- Task {task.id}: {one_line(task.title)}")
        lines += [f"  - Step {step.id}: {one_line(step.title)}" for step in task.steps]
    names = {"components": "Components", "stack": "Software stack",
             "verification": "Verification / Definition of Complete"}
    for key, items in spec_section_items(spec_text).items():
        if items:
            lines += ["", f"{names[key]}:"]
            lines += [f"- {item}" for item in items[:_PROMPT_SECTION_ITEMS]]
    lines += [
        "",
        "Current board:",
        "",
        render_board(board).removeprefix("\ufeff").rstrip("\r\n"),
        "",
        "Print an improved board in the kanbanger markdown format, and nothing else:",
        "- the first line is `# <title>`, then the columns `## BACKLOG`, `## TODO`, `## DOING`"
        " and `## DONE`, in this order;",
        "- every card is one line: `*   [ ] text` (`*   [x] text` only for cards already"
        " checked);",
        "- keep every card that starts with `Task <n>:` exactly as it is, in the column where it"
        " is: the daemon moves those cards itself from the progress log;",
        "- you may add cards: preparatory work (setup, dependencies, environment) at the top of"
        " TODO, validation and documentation work in BACKLOG; keep them short;",
        "- no explanations and no code fences.",
    ]
    return "\n".join(lines) + "\n"


def _unwrap(text: str) -> str:
    """The board inside an answer. Models add words and code fences despite being asked not
    to: a fence opened before the first heading is unwrapped, and words before the first
    heading or after the last column's cards are dropped."""
    rows = text.removeprefix("\ufeff").splitlines(keepends=True)
    heading = next((i for i, r in enumerate(rows) if r.lstrip().startswith("#")), len(rows))
    opening = next((i for i in range(heading) if fence_open(rows[i].strip())), None)
    if opening is not None:
        closing = next((i for i in range(len(rows) - 1, opening, -1)
                        if fence_open(rows[i].strip())), len(rows))
        rows = rows[opening + 1 : closing]
    start = next((i for i, r in enumerate(rows) if r.lstrip().startswith("#")), len(rows))
    rows = rows[start:]
    while rows and rows[-1].strip() and not (
        rows[-1].lstrip().startswith("#") or card_parts(rows[-1]) is not None
    ):
        rows.pop()
    return "".join(rows)


def _task_column(board: Board, identity: str) -> tuple[ColumnKind, bool] | None:
    for card in board_cards(board):
        if card_identity(card.text) == identity:
            return card.column_kind, card.checked
    return None


def validate_enriched(
    board_text: str, spec: Spec, *, expected: Board | None = None, prefix: str | None = None,
    source: str = ENRICH_SOURCE,
) -> Board:
    """The board an enrich command printed, if acceptable; else ``InputError`` saying why.

    Acceptable: a kanbanger board with BACKLOG, TODO, DOING and DONE columns that keeps a card
    for every SPEC task (``Task n: … (SPEC: file)``). With ``expected`` (the board the planner
    made), each task card must also stay in its column with its checkbox: only progress moves
    task cards.
    """
    if "\x00" in board_text:
        raise InputError("not text (contains NUL bytes)", file=source)
    if len(board_text) > MAX_ENRICHED_CHARS:
        raise InputError(f"too long: {len(board_text)} characters (limit {MAX_ENRICHED_CHARS})",
                         file=source)
    text = _unwrap(board_text)
    if not text.strip():
        raise InputError("no board: the enrich command printed no markdown heading",
                         file=source)
    board = parse_board(text)
    kinds = {kind for _, kind, _ in board_columns(board)}
    missing = [k.value for k in REQUIRED_COLUMNS if k not in kinds]
    if missing:
        raise InputError(f"not a kanbanger board: missing column(s) {', '.join(missing)}",
                         file=source)
    cards = board_cards(board)
    if len(cards) > MAX_ENRICHED_CARDS:
        raise InputError(f"too many cards: {len(cards)} (limit {MAX_ENRICHED_CARDS})",
                         file=source)
    present = {card_identity(c.text) for c in cards}
    dropped = [t.id for t in spec.tasks
               if identity_of("Task", t.id, spec.file, prefix=prefix) not in present]
    if dropped:
        names = ", ".join(f"Task {i}" for i in dropped)
        raise InputError(
            f"drops SPEC task card(s) {names}: every 'Task n: … (SPEC: "
            f"{safe_file(spec.file)})' card must be kept", file=source)
    if expected is not None:
        for task in spec.tasks:
            identity = identity_of("Task", task.id, spec.file, prefix=prefix)
            want, got = _task_column(expected, identity), _task_column(board, identity)
            if want is not None and got is not None and want != got:
                raise InputError(
                    f"moves Task {task.id} from {want[0].value} to {got[0].value}"
                    f"{' (checkbox changed)' if want[0] is got[0] else ''}: only progress moves"
                    " task cards", file=source)
    return board
