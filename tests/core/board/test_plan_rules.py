"""plan_board rules, each as a user would notice it on their _kanban.md."""

from __future__ import annotations

from kanbanger_daemon.core.board.cards import card_identity
from kanbanger_daemon.core.board.format import board_cards, parse_board, render_board
from kanbanger_daemon.core.board.plan import plan_board
from kanbanger_daemon.models.board import (
    BoardOptions,
    ColumnKind,
    ColumnMapping,
    Layout,
    SpecInput,
)
from kanbanger_daemon.models.spec import (
    Progress,
    Spec,
    Speclet,
    Status,
    StepProgress,
    Task,
    TaskProgress,
)
from tests.helpers.plans import FILE, columns, plan, progress, spec


def test_new_spec_makes_a_board_with_tasks_in_todo_in_spec_order() -> None:
    board = plan(spec("Data Collection", "Analysis", "Report"))
    assert render_board(board) == (
        "# Analysis\n\n## BACKLOG\n\n## TODO\n\n"
        "*   [ ] Task 1: Data Collection (SPEC: spec_analysis.md)\n"
        "*   [ ] Task 2: Analysis (SPEC: spec_analysis.md)\n"
        "*   [ ] Task 3: Report (SPEC: spec_analysis.md)\n\n## DOING\n\n## DONE\n"
    )


def test_progress_moves_cards_with_notes() -> None:
    board = plan(spec("A", "B", "C", "D"),
                 progress(t1=(Status.COMPLETED, 1), t2=Status.IN_PROGRESS, t3=Status.BLOCKED))
    assert columns(board) == {
        "TODO": ["Task 4: D (SPEC: spec_analysis.md)"],
        "DOING": ["Task 2: B (SPEC: spec_analysis.md)",
                  "Task 3: C (SPEC: spec_analysis.md) [BLOCKED]"],
        "DONE": ["[x] Task 1: A (SPEC: spec_analysis.md) (used Backup #1)"],
    }


def test_failed_after_all_backups_is_blocked_in_doing() -> None:
    p = Progress(file="p.json", tasks={"1": TaskProgress(
        id="1", status=Status.FAILED, raw_status="failed", backups_exhausted=True, backup_used=2)})
    assert columns(plan(spec("A"), p)) == {
        "DOING": ["Task 1: A (SPEC: spec_analysis.md) [BLOCKED] (backups exhausted) "
                  "(used Backup #2)"]
    }


def test_backup_note_comes_from_steps_when_the_task_does_not_say() -> None:
    p = Progress(file="p.json", tasks={"1": TaskProgress(
        id="1", status=Status.IN_PROGRESS, raw_status="in_progress",
        steps=[StepProgress(id="1", status=Status.COMPLETED, raw_status="completed",
                            backup_used=1)])})
    assert columns(plan(spec("A"), p))["DOING"] == [
        "Task 1: A (SPEC: spec_analysis.md) (used Backup #1)"]


def test_skipped_task_goes_to_done_unchecked_and_marked() -> None:
    assert columns(plan(spec("A"), progress(t1=Status.SKIPPED))) == {
        "DONE": ["Task 1: A (SPEC: spec_analysis.md) [SKIPPED]"]}


def test_hand_written_cards_survive_untouched_in_place() -> None:
    before = render_board(plan(spec("A", "B")))
    hand = before.replace("## DOING\n", "## DOING\n*  [X]   my own note - with detail  \n")
    after = render_board(plan(spec("A", "B"), progress(t1=Status.IN_PROGRESS), hand))
    assert "## DOING\n*  [X]   my own note - with detail  \n" in after
    assert columns(parse_board(after))["DOING"] == [
        "[x] my own note - with detail", "Task 1: A (SPEC: spec_analysis.md)"]


def test_hand_card_naming_another_spec_is_left_alone() -> None:
    text = "# B\n\n## TODO\n*   [ ] Task 9: Other (SPEC: spec_other.md)\n"
    after = render_board(plan(spec("A"), None, text))
    assert "*   [ ] Task 9: Other (SPEC: spec_other.md)\n" in after


def test_task_without_progress_stays_where_a_person_put_it() -> None:
    board = render_board(plan(spec("A", "B")))
    moved = board.replace("*   [ ] Task 2: B (SPEC: spec_analysis.md)\n", "").replace(
        "## BACKLOG\n", "## BACKLOG\n*   [ ] Task 2: B (SPEC: spec_analysis.md)\n")
    again = plan(spec("A", "B"), progress(t1=Status.PENDING), moved)
    assert render_board(again) == moved


def test_review_gate_holds_completed_work_until_a_person_approves() -> None:
    with_review = "# A\n\n## TODO\n\n## DOING\n\n## REVIEW\n\n## DONE\n"
    board = plan(spec("A"), progress(t1=Status.COMPLETED), with_review)
    assert columns(board) == {"REVIEW": ["Task 1: A (SPEC: spec_analysis.md)"]}
    # A person approves: moves the card from REVIEW to DONE.
    approved = render_board(board).replace("*   [ ] Task 1: A (SPEC: spec_analysis.md)\n", "")
    approved = approved.replace(
        "## DONE\n", "## DONE\n*   [ ] Task 1: A (SPEC: spec_analysis.md)\n")
    again = plan(spec("A"), progress(t1=Status.COMPLETED), approved)
    assert columns(again) == {"DONE": ["[x] Task 1: A (SPEC: spec_analysis.md)"]}


def test_renamed_task_keeps_its_place() -> None:
    board = render_board(plan(spec("Old name", "B")))
    moved = board.replace("## BACKLOG\n", "## BACKLOG\n<!-- here -->\n")
    moved = moved.replace("*   [ ] Task 1: Old name (SPEC: spec_analysis.md)\n", "").replace(
        "<!-- here -->\n", "<!-- here -->\n*   [ ] Task 1: Old name (SPEC: spec_analysis.md)\n")
    after = render_board(plan(spec("New name", "B"), None, moved))
    assert after == moved.replace("Old name", "New name")


def test_removed_task_leaves_the_board() -> None:
    board = plan(spec("A", "B", "C"))
    smaller = Spec(file=FILE, descriptor="analysis", tasks=[spec("A", "B", "C").tasks[0],
                                                           spec("A", "B", "C").tasks[2]])
    after = plan(smaller, None, board)
    assert columns(after) == {"TODO": ["Task 1: A (SPEC: spec_analysis.md)",
                                       "Task 3: C (SPEC: spec_analysis.md)"]}


def test_new_task_enters_todo_at_its_spec_position() -> None:
    first = Spec(file=FILE, descriptor="analysis", tasks=[Task(id="1", title="A"),
                                                          Task(id="3", title="C")])
    board = plan(first)
    grown = Spec(file=FILE, descriptor="analysis", tasks=[Task(id="1", title="A"),
                                                          Task(id="2", title="B"),
                                                          Task(id="3", title="C")])
    assert columns(plan(grown, None, board))["TODO"] == [
        "Task 1: A (SPEC: spec_analysis.md)", "Task 2: B (SPEC: spec_analysis.md)",
        "Task 3: C (SPEC: spec_analysis.md)"]


def test_duplicate_generated_cards_are_collapsed_to_the_first() -> None:
    text = ("# A\n\n## TODO\n*   [ ] Task 1: A (SPEC: spec_analysis.md)\n\n## DONE\n"
            "*   [x] Task 1: A (SPEC: spec_analysis.md)\n")
    assert columns(plan(spec("A"), None, text)) == {"TODO": ["Task 1: A (SPEC: spec_analysis.md)"]}


def test_crlf_bom_comments_and_missing_final_newline_survive() -> None:
    text = ("\ufeff# A\r\n<!-- kanbanger:board-id: 0123456789abcdef0123456789abcdef -->\r\n"
            "\r\nIntro text\r\n\r\n## TODO\r\n<!-- c -->\r\n\r\n## DOING\r\n\r\n## DONE")
    after = render_board(plan(spec("A"), progress(t1=Status.COMPLETED), text))
    assert after == text + "\r\n\r\n*   [x] Task 1: A (SPEC: spec_analysis.md)"
    assert plan(spec("A"), progress(t1=Status.COMPLETED), after) == parse_board(after)


def test_execution_state_mapping_creates_a_blocked_column() -> None:
    board = plan(spec("A", "B"), progress(t1=Status.BLOCKED),
                 column_mapping=ColumnMapping.EXECUTION_STATE)
    assert columns(board) == {"TODO": ["Task 2: B (SPEC: spec_analysis.md)"],
                              "BLOCKED": ["Task 1: A (SPEC: spec_analysis.md) [BLOCKED]"]}
    assert [c.column_kind for c in board_cards(board)][-1] is ColumnKind.BLOCKED
    assert "## DOING\n\n## BLOCKED\n\n*   [ ] Task 1" in render_board(board)


def test_include_steps_adds_step_cards_under_their_task() -> None:
    board = plan(spec("A", "B", steps=2), include_steps=True)
    assert columns(board)["TODO"] == [
        "Task 1: A (SPEC: spec_analysis.md)", "Step 1.1: s1 (SPEC: spec_analysis.md)",
        "Step 1.2: s2 (SPEC: spec_analysis.md)", "Task 2: B (SPEC: spec_analysis.md)",
        "Step 2.1: s1 (SPEC: spec_analysis.md)", "Step 2.2: s2 (SPEC: spec_analysis.md)"]


def test_single_layout_prefixes_cards_with_the_spec_name() -> None:
    inputs = [SpecInput(spec=spec("A")),
              SpecInput(spec=spec("X", file="spec_podcast.md"), progress=progress(
                  t1=Status.IN_PROGRESS))]
    board = plan_board(inputs, None, BoardOptions(layout=Layout.SINGLE), title="All")
    assert columns(board) == {"TODO": ["[analysis] Task 1: A (SPEC: spec_analysis.md)"],
                              "DOING": ["[podcast] Task 1: X (SPEC: spec_podcast.md)"]}


def test_hierarchical_speclets_wait_on_their_dependencies() -> None:
    s = Spec(file=FILE, descriptor="analysis",
             speclets=[Speclet(id="0", title="Platform"),
                       Speclet(id="2", title="Define", depends_on=["0"])],
             tasks=[Task(id="1", title="A", speclet="0"), Task(id="2", title="B", speclet="2")])
    board = plan(s, progress(t1=Status.IN_PROGRESS), column_mapping=ColumnMapping.HIERARCHICAL)
    assert columns(board) == {
        "BACKLOG": ["SPECLet 2: Define (SPEC: spec_analysis.md) [WAITING on 0]",
                    "Task 2: B (SPEC: spec_analysis.md) [WAITING on 0]"],
        "DOING": ["SPECLet 0: Platform (SPEC: spec_analysis.md)",
                  "Task 1: A (SPEC: spec_analysis.md)"],
    }
    done = plan(s, progress(t1=Status.COMPLETED), board, column_mapping=ColumnMapping.HIERARCHICAL)
    assert columns(done)["BACKLOG"] == ["SPECLet 2: Define (SPEC: spec_analysis.md)",
                                        "Task 2: B (SPEC: spec_analysis.md)"]


def test_master_board_holds_speclets_back_until_their_dependencies_complete() -> None:
    def speclet_file(sid: str, deps: list[str], *titles: str) -> Spec:
        s = spec(*titles, file=f"speclet_{sid}.md")
        return s.model_copy(update={
            "speclets": [Speclet(id=sid, title=f"S{sid}", depends_on=deps)]})

    platform = speclet_file("0", [], "Auth")
    define = speclet_file("2", ["0"], "Forms")
    options = BoardOptions(layout=Layout.SINGLE)
    running = plan_board([SpecInput(spec=platform, progress=progress(t1=Status.IN_PROGRESS)),
                          SpecInput(spec=define)], None, options, title="Master")
    assert columns(running) == {
        "BACKLOG": ["[speclet_2] Task 1: Forms (SPEC: speclet_2.md) [WAITING on 0]"],
        "DOING": ["[speclet_0] Task 1: Auth (SPEC: speclet_0.md)"]}
    finished = plan_board([SpecInput(spec=platform, progress=progress(t1=Status.COMPLETED)),
                           SpecInput(spec=define)], running, options, title="Master")
    assert columns(finished) == {
        "BACKLOG": ["[speclet_2] Task 1: Forms (SPEC: speclet_2.md)"],
        "DONE": ["[x] [speclet_0] Task 1: Auth (SPEC: speclet_0.md)"]}
    # On its own per-SPEC board, SPECLet 2 cannot see SPECLet 0: it does not wait.
    alone = plan(define)
    assert columns(alone) == {"TODO": ["Task 1: Forms (SPEC: speclet_2.md)"]}


def test_card_identity_survives_renames_and_notes() -> None:
    assert card_identity("Task 1: Data Collection (SPEC: spec_analysis.md) [BLOCKED]") == (
        "spec_analysis.md#1")
    assert card_identity("Task 1: Renamed (SPEC: spec_analysis.md) (used Backup #2)") == (
        "spec_analysis.md#1")
    assert card_identity("Step 1.2: Clean (SPEC: spec_analysis.md)") == "spec_analysis.md#1.2"
    assert card_identity("[analysis] Task 1: A (SPEC: spec_analysis.md)") == (
        "analysis/spec_analysis.md#1")
    assert card_identity("Buy milk") is None
    assert card_identity("Task 1: A (SPEC: spec_analysis.md) - words a person added") == (
        "spec_analysis.md#1")
    assert card_identity("Check Task 1: A (SPEC: spec_analysis.md)") is None


def test_words_a_person_appends_to_a_generated_card_do_not_duplicate_it() -> None:
    board = render_board(plan(spec("A")))
    edited = board.replace("(SPEC: spec_analysis.md)\n", "(SPEC: spec_analysis.md) - see Bob\n")
    assert columns(plan(spec("A"), None, edited)) == {
        "TODO": ["Task 1: A (SPEC: spec_analysis.md)"]}


def test_single_board_keeps_two_specs_with_the_same_name_apart() -> None:
    twins = [SpecInput(spec=spec("A")), SpecInput(spec=spec("B"))]
    board = plan_board(twins, None, BoardOptions(layout=Layout.SINGLE), title="All")
    assert columns(board) == {"TODO": ["[analysis] Task 1: A (SPEC: spec_analysis.md)",
                                       "[analysis~2] Task 1: B (SPEC: spec_analysis.md)"]}


def test_execution_state_mapping_mirrors_the_log_even_for_pending() -> None:
    board = render_board(plan(spec("A", "B")))
    moved = board.replace("*   [ ] Task 1: A (SPEC: spec_analysis.md)\n", "").replace(
        "## DOING\n", "## DOING\n*   [ ] Task 1: A (SPEC: spec_analysis.md)\n").replace(
        "*   [ ] Task 2: B (SPEC: spec_analysis.md)\n", "").replace(
        "## BACKLOG\n", "## BACKLOG\n*   [ ] Task 2: B (SPEC: spec_analysis.md)\n")
    after = plan(spec("A", "B"), progress(t1=Status.PENDING), moved,
                 column_mapping=ColumnMapping.EXECUTION_STATE)
    # Task 1 has a log entry (pending): back to TODO. Task 2 has none: stays in BACKLOG.
    assert columns(after) == {"BACKLOG": ["Task 2: B (SPEC: spec_analysis.md)"],
                              "TODO": ["Task 1: A (SPEC: spec_analysis.md)"]}
