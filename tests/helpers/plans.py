"""Small SPECs, progress logs and plan_board calls, for the tests of the board's rules."""

from __future__ import annotations

from kanbanger_daemon.core.board.format import board_cards, parse_board
from kanbanger_daemon.core.board.plan import plan_board
from kanbanger_daemon.models.board import Board, BoardOptions, SpecInput
from kanbanger_daemon.models.spec import Progress, Spec, Status, Step, Task, TaskProgress

FILE = "spec_analysis.md"


def spec(*titles: str, file: str = FILE, steps: int = 0) -> Spec:
    return Spec(
        file=file,
        descriptor=file.removeprefix("spec_").removesuffix(".md"),
        tasks=[
            Task(id=str(n), title=t,
                 steps=[Step(id=str(s), title=f"s{s}") for s in range(1, steps + 1)])
            for n, t in enumerate(titles, start=1)
        ],
    )


def progress(**statuses: Status | tuple[Status, int]) -> Progress:
    tasks = {}
    for key, value in statuses.items():
        status, backup = value if isinstance(value, tuple) else (value, None)
        tid = key.removeprefix("t")
        tasks[tid] = TaskProgress(id=tid, status=status, raw_status=status.value,
                                  backup_used=backup)
    return Progress(file="progress_analysis.json", tasks=tasks)


def plan(s: Spec, p: Progress | None = None, board: str | Board | None = None,
         **options: object) -> Board:
    current = parse_board(board) if isinstance(board, str) else board
    return plan_board([SpecInput(spec=s, progress=p)], current, BoardOptions(**options),
                      title="Analysis")


def columns(board: Board) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for card in board_cards(board):
        out.setdefault(card.column, []).append(("[x] " if card.checked else "") + card.text)
    return out
