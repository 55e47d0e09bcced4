"""kanbanger must read every board we write exactly as we read it.

``kanbanger_read`` re-implements kanbanger's reader (``sync_kanban.LocalBoard.parse``) on its own,
from its documented rules, without using any of our code: text-mode reading (``\\r\\n`` and
``\\r`` become ``\\n``), ``str.strip()`` per line, the heading and task regexes, the column
substring rules in kanbanger's order, cards only after a heading.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kanbanger_daemon.core.board.format import board_cards, parse_board, render_board
from kanbanger_daemon.core.board.plan import plan_board
from kanbanger_daemon.models.board import (
    BoardOptions,
    ColumnKind,
    ColumnMapping,
    Layout,
    SpecInput,
)
from kanbanger_daemon.models.spec import Progress, Spec, Status, Step, Task, TaskProgress

_SECTION = re.compile(r"^##\s+(?:\d+\.\s+)?(.+)", re.IGNORECASE)
_TASK = re.compile(r"^\*\s+\[([ xX])\]\s+(.+)")


def kanbanger_read(text: str) -> list[tuple[str, str, bool]]:
    """(column, title, done) for every task, as kanbanger's LocalBoard.parse sees them."""
    content = io.StringIO(text, newline=None).read()  # what open(..., "r") does to newlines
    out: list[tuple[str, str, bool]] = []
    section: str | None = None
    for line in content.split("\n"):
        heading = _SECTION.match(line.strip())
        if heading:
            name = heading.group(1).strip()
            upper = name.upper()
            if "BACKLOG" in upper:
                section = "Backlog"
            elif "TO DO" in upper or "TODO" in upper:
                section = "Todo"
            elif "DOING" in upper or "IN PROGRESS" in upper:
                section = "InProgress"
            elif "REVIEW" in upper:
                section = "Review"
            elif "DONE" in upper or "COMPLETE" in upper:
                section = "Done"
            else:
                section = name
            continue
        if section:
            task = _TASK.match(line.strip())
            if task:
                out.append((section, task.group(2).strip(), task.group(1).lower() == "x"))
    return out


_KANBANGER_NAME = {
    ColumnKind.BACKLOG: "Backlog",
    ColumnKind.TODO: "Todo",
    ColumnKind.DOING: "InProgress",
    ColumnKind.REVIEW: "Review",
    ColumnKind.DONE: "Done",
}


def our_read(text: str) -> list[tuple[str, str, bool]]:
    return [
        (_KANBANGER_NAME.get(c.column_kind, c.column), c.text, c.checked)
        for c in board_cards(parse_board(text))
    ]


_PIECES = st.sampled_from(
    ["\n", "\r\n", "\r", "\ufeff", " ", "\t", "\x0c", "\x85", "## ", "##", "### ", "# ", "*",
     "*   ", "[ ]", "[x]", "[X]", "TODO", "DONE", "REVIEW", "BLOCKED", "in progress", "1. ",
     "x", "To Do"]
)


@given(st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=40).map("".join))
@settings(derandomize=True, max_examples=500)
def test_any_text_reads_the_same_for_kanbanger_and_us(text: str) -> None:
    assert our_read(text) == kanbanger_read(text)


_titles = st.text(min_size=0, max_size=25)
_few = st.integers(0, 2)
_statuses = st.one_of(st.none(), st.sampled_from(list(Status)))


@st.composite
def spec_inputs(draw: st.DrawFn) -> list[SpecInput]:
    inputs = []
    for n in range(draw(st.integers(1, 2))):
        tasks = [
            Task(id=str(i), title=draw(_titles),
                 steps=[Step(id=str(j), title=draw(_titles)) for j in range(draw(_few))])
            for i in range(draw(st.integers(0, 4)))
        ]
        progress = Progress(file=f"progress_s{n}.json", tasks={
            t.id: TaskProgress(id=t.id, status=s, raw_status=str(s),
                               backup_used=draw(st.one_of(st.none(), st.integers(1, 3))))
            for t in tasks if (s := draw(_statuses)) is not None
        })
        spec = Spec(file=f"spec_s{n}.md", descriptor=f"s{n}", tasks=tasks)
        inputs.append(SpecInput(spec=spec, progress=draw(st.sampled_from([None, progress]))))
    return inputs


@given(
    spec_inputs(),
    st.sampled_from(list(ColumnMapping)),
    st.booleans(),
    st.sampled_from(list(Layout)),
    st.sampled_from(["", "# Old\r\n\r\n## TODO\r\n*   [ ] mine\r\n\r\n## REVIEW\r\n\r\n## DONE"]),
)
@settings(derandomize=True, max_examples=150, deadline=None)
def test_boards_we_write_read_the_same_for_kanbanger(
    inputs: list[SpecInput], mapping: ColumnMapping, steps: bool, layout: Layout, start: str
) -> None:
    options = BoardOptions(column_mapping=mapping, include_steps=steps, layout=layout)
    text = render_board(plan_board(inputs, parse_board(start), options, title="T"))
    theirs = kanbanger_read(text)
    assert our_read(text) == theirs
    # kanbanger drops a second card whose title (before " - ") repeats in the same column.
    keys = [(col, title.split(" - ", 1)[0].strip()) for col, title, _ in theirs
            if "(SPEC: " in title]
    assert len(keys) == len(set(keys)), "kanbanger would drop a generated card as a duplicate"


@pytest.mark.parametrize("name", ["_kanban.md", "example_kanban.md"])
def test_kanbanger_corpus_boards_round_trip_and_read_the_same(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "kanbanger" / name
    if not path.is_file():
        pytest.skip(f"{path} is absent from the shared corpus")
    text = path.read_bytes().decode("utf-8")
    assert render_board(parse_board(text)) == text
    assert our_read(text) == kanbanger_read(text)
    assert our_read(text), "the corpus board has cards"


@pytest.mark.parametrize("name", ["_kanban.md", "example_kanban.md"])
def test_planning_onto_a_real_kanbanger_board_only_adds_our_cards(
    corpus_dir: Path, name: str
) -> None:
    path = corpus_dir / "kanbanger" / name
    if not path.is_file():
        pytest.skip(f"{path} is absent from the shared corpus")
    text = path.read_bytes().decode("utf-8")
    spec = Spec(file="spec_x.md", descriptor="x",
                tasks=[Task(id="1", title="One"), Task(id="2", title="Two")])
    progress = Progress(file="progress_x.json", tasks={"2": TaskProgress(
        id="2", status=Status.COMPLETED, raw_status="completed")})
    after = render_board(plan_board([SpecInput(spec=spec, progress=progress)], parse_board(text),
                                    BoardOptions(), title="ignored"))
    theirs_before, theirs_after = kanbanger_read(text), kanbanger_read(after)
    assert [c for c in theirs_after if "(SPEC: spec_x.md)" not in c[1]] == theirs_before
    assert ("Todo", "Task 1: One (SPEC: spec_x.md)", False) in theirs_after
    # Both corpus boards have a REVIEW column: finished work waits there for approval.
    assert ("Review", "Task 2: Two (SPEC: spec_x.md)", False) in theirs_after
    remaining = iter(after.splitlines())
    assert all(any(line == other for other in remaining) for line in text.splitlines())
