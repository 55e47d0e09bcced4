"""Progress logs that only make sense with their SPEC (core.specs.progress_join): the exe template's
step entries, SPECLet-level entries, and entries for tasks the SPEC does not have."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kanbanger_daemon.core.board.format import board_cards
from kanbanger_daemon.core.board.plan import plan_board
from kanbanger_daemon.core.specs.parse import parse_spec
from kanbanger_daemon.core.specs.progress import parse_progress
from kanbanger_daemon.core.specs.progress_join import join_progress, spec_input
from kanbanger_daemon.models import BoardOptions, Status
from kanbanger_daemon.models.board import ColumnKind

SPEC_3X3 = (
    "# Spec: Demo\n## Goal\nShip it\n## Tasks\n"
    + "".join(
        f"### Task [{t}]: Task number {t}\n"
        + "".join(f"- **Step [{t}.{s}]:** do {t}.{s}\n" for s in (1, 2, 3))
        for t in (1, 2, 3)
    )
)


def _join(entries: list[dict[str, Any]], spec_text: str = SPEC_3X3,
          **top: object) -> dict[str, Status]:
    spec = parse_spec(spec_text, file="spec_demo.md")
    progress = parse_progress(json.dumps({**top, "steps": entries} if top else entries),
                              file="progress_demo.json")
    joined = join_progress(spec, progress)
    return {task_id: entry.status for task_id, entry in joined.tasks.items()}


def _step(task: int, step: int, status: str | None, **extra: object) -> dict[str, Any]:
    entry: dict[str, Any] = {"task_id": task, "step_id": f"{task}.{step}", **extra}
    if status is not None:
        entry["status"] = status
    return entry


def _columns(spec_text: str, log: object) -> dict[str, ColumnKind]:
    spec = parse_spec(spec_text, file="spec_demo.md")
    progress = parse_progress(json.dumps(log), file="progress_demo.json")
    board = plan_board([spec_input(spec, progress)], None, BoardOptions(), title="Demo")
    return {card.text.split(":")[0]: card.column_kind for card in board_cards(board)}


def test_one_completed_step_of_three_is_in_progress_not_done() -> None:
    # The exe template's own log: today's bug marked task 1 DONE after its first step.
    assert _join([_step(1, 1, "completed")]) == {"1": Status.IN_PROGRESS}
    assert _columns(SPEC_3X3, [_step(1, 1, "completed")])["Task 1"] is ColumnKind.DOING


def test_every_step_completed_or_skipped_is_completed() -> None:
    log = [_step(1, 1, "started"), _step(1, 1, "completed"), _step(1, 2, "skipped"),
           _step(1, 3, "retried"), _step(1, 3, "completed", method_used="backup_1")]
    assert _join(log) == {"1": Status.COMPLETED}
    assert _columns(SPEC_3X3, log)["Task 1"] is ColumnKind.DONE
    spec = parse_spec(SPEC_3X3, file="spec_demo.md")
    joined = join_progress(spec, parse_progress(json.dumps(log), file="progress_demo.json"))
    assert joined.tasks["1"].backup_used == 1  # method_used backup_N → the backup note


def test_a_failed_step_with_nothing_after_it_blocks_and_a_halt_fails() -> None:
    assert _join([_step(2, 1, "completed"), _step(2, 2, "failed")]) == {"2": Status.BLOCKED}
    halted = [_step(2, 1, "completed"),
              _step(2, 2, "failed", error_propagation_decision="halt")]
    assert _join(halted) == {"2": Status.FAILED}
    assert _join([_step(2, 1, "failed")], run_complete=True) == {"2": Status.FAILED}


def test_a_failure_the_run_moved_past_is_in_progress_and_a_later_success_clears_it() -> None:
    moved_on = [_step(1, 1, "failed"), _step(1, 2, "completed")]
    assert _join(moved_on) == {"1": Status.IN_PROGRESS}
    recovered = [_step(1, 1, "failed"), _step(1, 1, "completed"), _step(1, 2, "completed"),
                 _step(1, 3, "completed")]
    assert _join(recovered) == {"1": Status.COMPLETED}


def test_entries_without_a_status_mean_started_or_finished() -> None:
    assert _join([_step(1, 1, None, method_used="primary")]) == {"1": Status.IN_PROGRESS}
    finished = [_step(1, s, None, expected_output_match=True) for s in (1, 2, 3)]
    assert _join(finished) == {"1": Status.COMPLETED}


def test_a_task_level_status_wins_over_its_steps() -> None:
    log = {"tasks": [{"task_id": 1, "status": "completed",
                      "steps": [{"step_id": "1.1", "status": "completed"}]}]}
    spec = parse_spec(SPEC_3X3, file="spec_demo.md")
    joined = join_progress(spec, parse_progress(json.dumps(log), file="progress_demo.json"))
    assert joined.tasks["1"].status is Status.COMPLETED


_STEP_STATUSES = ("started", "completed", "retried", "failed", "skipped")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.sampled_from(_STEP_STATUSES)), max_size=12),
       st.booleans())
def test_derived_status_follows_the_rules_for_any_step_sequence(
    events: list[tuple[int, str]], halted: bool
) -> None:
    entries = [_step(1, step, status) for step, status in events]
    if halted and entries:
        entries[-1]["error_propagation_decision"] = "halt"
    got = _join(entries).get("1")
    # The rules, stated independently of the implementation: the latest entry of each step.
    latest: dict[int, tuple[int, str]] = {}
    for seq, (step, status) in enumerate(events):
        latest[step] = (seq, status)
    if not events:
        assert got is None
        return
    if len(latest) == 3 and all(s in ("completed", "skipped") for _, s in latest.values()):
        assert got is Status.COMPLETED
        return
    failures = [seq for seq, s in latest.values() if s == "failed"]
    if failures and not any(seq > max(failures) and s != "failed"
                            for seq, s in latest.values()):
        last_failed_is_last_event = max(failures) == len(events) - 1
        expected = Status.FAILED if halted and last_failed_is_last_event else Status.BLOCKED
        assert got is expected
        return
    assert got is Status.IN_PROGRESS


SPECLET_SPEC = "# Spec: Big\n" + "".join(
    f"## SPECLet [{s}]: Part {s}\n"
    + "".join(f"### Task [{s}.{t}]: Work {s}.{t}\n" for t in (1, 2, 3))
    for s in (1, 2, 3)
)


def test_speclet_level_entries_move_their_tasks() -> None:
    log = {"speclets": [
        {"speclet_id": 1, "status": "completed", "tasks_completed": 3, "tasks_total": 3},
        {"speclet_id": 2, "status": "in_progress", "tasks_completed": 1, "tasks_total": 3},
        {"speclet_id": 3, "status": "pending", "tasks_completed": 0, "tasks_total": 3},
    ]}
    columns = _columns(SPECLET_SPEC, log)
    assert [columns[f"Task 1.{t}"] for t in (1, 2, 3)] == [ColumnKind.DONE] * 3
    assert [columns[f"Task 2.{t}"] for t in (1, 2, 3)] == [
        ColumnKind.DONE, ColumnKind.DOING, ColumnKind.TODO]
    assert [columns[f"Task 3.{t}"] for t in (1, 2, 3)] == [ColumnKind.TODO] * 3


def test_tasks_completed_equal_to_total_completes_a_speclet_whatever_its_status_word() -> None:
    log = {"speclets": [{"speclet_id": 2, "status": "verifying", "tasks_completed": 3,
                         "tasks_total": 3}]}
    columns = _columns(SPECLET_SPEC, log)
    assert [columns[f"Task 2.{t}"] for t in (1, 2, 3)] == [ColumnKind.DONE] * 3


def test_an_entry_for_a_task_the_spec_does_not_have_is_reported() -> None:
    spec = parse_spec(SPEC_3X3, file="spec_demo.md")
    log = {"tasks": [{"id": 1, "status": "completed"}, {"id": 4, "status": "completed"}]}
    joined = join_progress(spec, parse_progress(json.dumps(log), file="progress_demo.json"))
    warnings = [d for d in joined.diagnostics if d.severity == "warning"]
    assert [d.message for d in warnings] == [
        "an entry for task 4, which spec_demo.md does not have"]
    assert set(joined.tasks) == {"1", "4"}  # kept, never dropped silently


def test_step_entries_timestamps_say_when_a_step_started_and_finished() -> None:
    log = [_step(1, 1, "started", timestamp="2026-01-01T00:00:00Z"),
           _step(1, 1, "completed", timestamp="2026-01-01T00:10:00Z"),
           _step(1, 2, "started", timestamp="2026-01-01T00:11:00Z")]
    task = parse_progress(json.dumps(log), file="progress_demo.json").tasks["1"]
    assert [(s.started_at, s.completed_at) for s in task.steps] == [
        ("2026-01-01T00:00:00Z", "2026-01-01T00:10:00Z"), ("2026-01-01T00:11:00Z", None)]
