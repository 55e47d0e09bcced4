"""Column ↔ Status option matching and the option list sent when adding options."""

from __future__ import annotations

import pytest

from kanbanger_daemon.core.board.format import parse_board
from kanbanger_daemon.core.sync.desired import desired_cards
from kanbanger_daemon.core.sync.status_options import (
    column_of_status,
    display_name,
    match_status_option,
    missing_option_names,
    status_option_map,
)
from kanbanger_daemon.github import ProjectInfo, StatusField, StatusOption
from kanbanger_daemon.github.options import lost_options, option_inputs


def opts(*names: str) -> list[StatusOption]:
    return [StatusOption(id=f"id{i}", name=n) for i, n in enumerate(names)]


@pytest.mark.parametrize(
    ("column", "options", "expected"),
    [
        ("DOING", ("Todo", "In Progress", "Done"), "In Progress"),
        ("DOING", ("Todo", "InProgress", "Done"), "InProgress"),
        ("doing", ("todo", "in-progress", "done"), "in-progress"),
        ("In Progress", ("Todo", "in_progress"), "in_progress"),
        ("TODO", ("To Do", "Doing"), "To Do"),
        ("TODO", ("Backlog", "Todo"), "Todo"),
        ("DONE", ("Todo", "Complete"), "Complete"),
        ("DONE", ("Todo", "Done", "Complete"), "Done"),
        ("BACKLOG", ("backlog", "Todo"), "backlog"),
        ("REVIEW", ("In Review", "Done"), "In Review"),
        ("BLOCKED", ("Blocked", "Done"), "Blocked"),
        ("Doing", ("Doing", "In Progress"), "Doing"),  # an exact name wins over a synonym
        ("QA", ("Todo", "qa"), "qa"),  # unknown columns match by normalised name
    ],
)
def test_columns_match_options_ignoring_case_spaces_underscores_hyphens(
    column: str, options: tuple[str, ...], expected: str
) -> None:
    found = match_status_option(column, opts(*options))
    assert found is not None and found.name == expected


@pytest.mark.parametrize(
    ("column", "options"),
    [("REVIEW", ("Todo", "Done")), ("BLOCKED", ("Todo",)), ("QA", ("Todo",)), ("DONE", ())],
)
def test_no_match_is_none(column: str, options: tuple[str, ...]) -> None:
    assert match_status_option(column, opts(*options)) is None


def test_missing_options_get_githubs_usual_names_once() -> None:
    existing = opts("Todo", "In Progress", "Done")
    wanted = ["TODO", "DOING", "REVIEW", "In Review", "BLOCKED", "DONE", "Needs QA"]
    assert missing_option_names(wanted, existing) == ["In Review", "Blocked", "Needs QA"]
    assert display_name("DOING") == "In Progress"


def test_option_inputs_resend_every_existing_option_with_its_id() -> None:
    existing = [
        StatusOption(id="a1", name="Todo", color="GREEN", description="to do"),
        StatusOption(id="b2", name="Done", color="PURPLE", description=""),
    ]
    inputs = option_inputs(existing, ["In Review"])
    assert inputs == [
        {"id": "a1", "name": "Todo", "color": "GREEN", "description": "to do"},
        {"id": "b2", "name": "Done", "color": "PURPLE", "description": ""},
        {"name": "In Review", "color": "BLUE", "description": ""},
    ]


def test_lost_options_are_those_whose_id_is_gone_or_renamed() -> None:
    before = opts("Todo", "Done")
    assert lost_options(before, before) == []
    renamed = [StatusOption(id="id0", name="Todo"), StatusOption(id="id1", name="Finished")]
    assert [o.name for o in lost_options(before, renamed)] == ["Done"]
    assert [o.name for o in lost_options(before, opts("Todo"))] == ["Done"]


def test_a_push_and_a_pull_read_a_column_and_its_option_the_same_way() -> None:
    """A board whose headings are not GitHub's option names: a card pushed from "🔨 Doing now"
    goes to "In Progress", and an item someone moves to "In Progress" comes back to that column;
    a column with no option ("Parking lot") is left alone both ways."""
    board = parse_board("# Board\n\n## Parking lot\n\n*   [ ] Task 3: Later\n\n"
                        "## 🔨 Doing now\n\n*   [ ] Task 1: Build\n\n"
                        "## Completed ✅\n\n*   [x] Task 2: Ship\n")
    project = ProjectInfo(repo="o/r", repo_id="R", project_id="P", number=1, title="t",
                          status_field=StatusField(id="F", name="Status",
                                                   options=tuple(opts("Todo", "In Progress",
                                                                      "Done"))))
    column_of = column_of_status(board, project)
    assert column_of == {"In Progress": "🔨 Doing now", "Done": "Completed ✅"}
    desired = desired_cards(board, "b")
    pushed = status_option_map(project, desired)
    assert {column: choice.name for column, choice in pushed.items()} == {
        "🔨 Doing now": "In Progress", "Completed ✅": "Done"}
    assert all(column_of[choice.name] == column for column, choice in pushed.items())
