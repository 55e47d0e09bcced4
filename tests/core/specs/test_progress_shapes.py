"""parse_progress on every log shape Spec_Engine writes, and normalise_status."""

from __future__ import annotations

import json

import pytest

from kanbanger_daemon.core.specs.progress import parse_progress
from kanbanger_daemon.core.specs.statuses import normalise_status
from kanbanger_daemon.models.spec import Progress, Status


def _parse(doc: object, file: str = "progress_x.json") -> Progress:
    return parse_progress(json.dumps(doc), file=file)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("completed", Status.COMPLETED), ("Complete", Status.COMPLETED), ("DONE", Status.COMPLETED),
        ("success", Status.COMPLETED), ("ready_for_deployment", Status.COMPLETED),
        ("deployment_ready", Status.COMPLETED), ("in_progress", Status.IN_PROGRESS),
        ("In Progress", Status.IN_PROGRESS), ("in-progress", Status.IN_PROGRESS),
        ("running", Status.IN_PROGRESS), ("started", Status.IN_PROGRESS),
        ("code_complete_pending_verification", Status.IN_PROGRESS),
        ("blocked", Status.BLOCKED), ("On Hold", Status.BLOCKED), ("failed", Status.FAILED),
        ("error", Status.FAILED), ("skipped", Status.SKIPPED), ("not_applicable", Status.SKIPPED),
        ("pending", Status.PENDING), ("not_started", Status.PENDING), ("todo", Status.PENDING),
        ("TO DO", Status.PENDING), ("  Not-Started ", Status.PENDING),
        ("✅ completed", Status.COMPLETED), ("deployment_failed", Status.FAILED),
        ("purple", None), ("", None), ("???", None),
    ],
)
def test_normalise_status(raw: str, expected: Status | None) -> None:
    assert normalise_status(raw) is expected


def test_list_of_tasks_with_int_and_string_ids_and_either_name_key() -> None:
    progress = _parse({"tasks": [
        {"task_id": 1, "name": "One", "status": "completed"},
        {"id": "2", "description": "Two", "status": "in_progress"},
        {"id": 0, "status": "blocked"},
    ]})
    assert {k: (t.name, t.status) for k, t in progress.tasks.items()} == {
        "1": ("One", Status.COMPLETED), "2": ("Two", Status.IN_PROGRESS),
        "0": (None, Status.BLOCKED),
    }
    assert progress.descriptor == "x" and progress.diagnostics == []


def test_dict_of_tasks_keyed_task_n_with_nested_step_dicts() -> None:
    progress = _parse({"tasks": {
        "task_1": {"status": "completed", "steps": {"step_1_1": {"status": "completed"}}},
        "task_2": {"id": 2, "status": "failed"},
    }})
    assert list(progress.tasks) == ["1", "2"]
    assert [s.id for s in progress.tasks["1"].steps] == ["1.1"]


def test_backup_use_is_read_from_steps_and_counts() -> None:
    progress = _parse({"tasks": [
        {"task_id": 1, "status": "completed", "steps": [
            {"step_id": 1, "status": "completed", "method_used": "primary", "backup_attempts": []},
            {"step_id": 2, "status": "completed", "method_used": "backup_2",
             "backup_attempts": [1, 2]},
        ]},
        {"task_id": 2, "status": "completed", "steps": [
            {"step_id": 1, "status": "completed", "method_used": "backup[1]"},
        ]},
        {"task_id": 3, "status": "completed", "backups_used": 1},
        {"task_id": 4, "status": "completed", "backups_used": 0},
    ]})
    tasks = progress.tasks
    assert [tasks[k].backup_used for k in "1234"] == [2, 1, 1, None]
    assert [s.backup_attempts for s in tasks["1"].steps] == [0, 2]
    assert tasks["1"].steps[1].backup_used == 2


def test_backups_exhausted_only_for_failed_or_blocked_tasks_that_tried_them() -> None:
    progress = _parse({"tasks": [
        {"task_id": 1, "status": "failed", "steps": [
            {"step_id": 1, "status": "failed", "method_used": "backup_1",
             "backup_attempts": [1]}]},
        {"task_id": 2, "status": "blocked", "backups_exhausted": True},
        {"task_id": 3, "status": "failed"},
        {"task_id": 4, "status": "completed", "backups_exhausted": True},
    ]})
    assert [progress.tasks[k].backups_exhausted for k in "1234"] == [True, True, False, False]


def test_task_status_is_derived_from_steps_when_missing() -> None:
    progress = _parse({"tasks": [
        {"task_id": 1, "steps": [{"step_id": 1, "status": "completed"},
                                 {"step_id": 2, "status": "pending"}]},
        {"task_id": 2, "steps": [{"step_id": 1, "status": "completed"}]},
    ]})
    assert progress.tasks["1"].status is Status.IN_PROGRESS
    assert progress.tasks["2"].status is Status.COMPLETED
    assert progress.diagnostics == []


def test_unknown_status_is_kept_reported_and_treated_as_pending() -> None:
    progress = _parse({"tasks": [{"task_id": 7, "status": "purple"}]})
    task = progress.tasks["7"]
    assert (task.status, task.raw_status) == (Status.PENDING, "purple")
    (warning,) = progress.diagnostics
    assert warning.severity == "warning" and "purple" in warning.message


def test_flat_append_only_log_groups_entries_by_task_later_entries_win() -> None:
    progress = _parse({"run_id": "r", "steps": [
        {"task_id": 1, "step_id": 1, "status": "started"},
        {"task_id": 1, "step_id": 1, "status": "completed", "method_used": "backup_1"},
        {"task_id": 2, "step_id": 1, "status": "failed", "backup_attempts": [1, 2]},
    ]})
    assert progress.is_spec_progress
    assert progress.tasks["1"].status is Status.COMPLETED
    assert progress.tasks["1"].backup_used == 1
    assert progress.tasks["2"].status is Status.FAILED
    assert progress.tasks["2"].backups_exhausted


def test_speclet_logs_master_and_speclet_progress_dict() -> None:
    master = _parse({"speclets": [{"id": 0, "name": "Base", "status": "deployment_ready"}]},
                    file="progress_app_MASTER.json")
    assert master.tasks == {} and master.speclets["0"].status is Status.COMPLETED
    keyed = _parse({"speclet_progress": {"platform_foundation": {"status": "not_started"}}})
    assert keyed.speclets["platform_foundation"].status is Status.PENDING


def test_ids_prefixed_by_the_speclet_join_its_tasks() -> None:
    progress = _parse({"speclet_id": 3, "tasks": [{"id": "task-3-2", "status": "done"},
                                                  {"id": "Task 4", "status": "done"}]})
    assert progress.speclet_id == "3"
    assert list(progress.tasks) == ["2", "4"]


def test_initial_log_with_no_tasks_yet_is_a_spec_log() -> None:
    progress = _parse({"run_id": "t", "status": "initializing", "tasks": []})
    assert progress.is_spec_progress and progress.tasks == {}
    assert progress.diagnostics == []


def test_one_entry_per_step_appended_to_the_tasks_list() -> None:
    # Spec_template's log example: {"task_id": "task1", "step_id": "step2", ...} per step.
    progress = _parse({"tasks": [
        {"task_id": "task1", "step_id": "step1", "status": "completed"},
        {"task_id": "task1", "step_id": "step2", "status": "failed", "method_used": "backup_1",
         "backup_attempts": [1]},
    ]})
    (task,) = progress.tasks.values()
    assert task.id == "1" and [s.id for s in task.steps] == ["1", "2"]
    assert (task.status, task.backup_used, task.backups_exhausted) == (Status.FAILED, 1, True)


def test_same_step_joins_log_numbering_to_markdown_numbering() -> None:
    from kanbanger_daemon.core.specs.progress_values import same_step

    assert same_step("1.2", "1.2") and same_step("1.2", "2") and same_step("2", "2")
    assert not same_step("1.2", "1") and not same_step("1", "2")


def test_steps_completed_and_tasks_completed_lists_of_real_logs() -> None:
    # Shapes of Spec_Engine's progress_speclet_6_integration.json and progress_Troubleshoot.json.
    progress = _parse({
        "current_state": {"current_task": 3, "task_name": "Implement fixes"},
        "tasks_completed": [{
            "task_id": 0, "task_name": "Initialise", "status": "completed",
            "steps_completed": [{"step_id": 0, "status": "completed"},
                                {"step_id": "0.1", "status": "pending_user_action"}],
        }],
    })
    assert progress.is_spec_progress
    assert progress.tasks["0"].name == "Initialise"
    assert [(s.id, s.status) for s in progress.tasks["0"].steps] == [
        ("0", Status.COMPLETED), ("0.1", Status.BLOCKED),
    ]
    current = progress.tasks["3"]
    assert (current.status, current.name) == (Status.IN_PROGRESS, "Implement fixes")


def test_statuses_written_as_bare_strings_or_symbols() -> None:
    progress = _parse({"tasks": {"task_1": "completed", "task_2": "in progress", "task_3": "⏳",
                                 "notes": "not a status at all"}})
    assert {k: t.status for k, t in progress.tasks.items()} == {
        "1": Status.COMPLETED, "2": Status.IN_PROGRESS, "3": Status.IN_PROGRESS,
    }
    assert normalise_status("✔️") is Status.COMPLETED and normalise_status("❌") is Status.FAILED
