"""SPEC metrics computed from progress logs written here, with answers worked out by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kanbanger_daemon.core.insight.metrics import (
    metrics_lines,
    metrics_report,
    spec_metrics,
    task_field_values,
)
from kanbanger_daemon.core.specs.parse import parse_spec
from kanbanger_daemon.core.specs.progress import parse_progress
from kanbanger_daemon.models.spec import Progress, Spec
from tests.helpers.metrics_spec import PARAMETERS, SPEC_MD


def spec() -> Spec:
    parsed = parse_spec(SPEC_MD, file="spec_analysis.md", parameters=PARAMETERS,
                        parameters_file="parameters_analysis.toml")
    assert [t.id for t in parsed.tasks] == ["1", "2", "3", "4"]
    assert [s.critical for t in parsed.tasks for s in t.steps] == [True, False, True, True, None]
    return parsed


def progress(doc: dict[str, Any]) -> Progress:
    return parse_progress(json.dumps(doc), file="progress_analysis.json")


# Task 1: 10:00 → 11:00, step 1.1 (critical) needed backup 1, step 1.2 primary.
# Task 2: 11:00 → 13:00, step 2.1 (critical) primary.
# Task 3: started 13:00, its critical step failed after its backups: failed.
# Task 4: not started.
RUN = {
    "tasks": [
        {"id": 1, "status": "completed", "started_at": "2025-11-03T10:00:00Z",
         "completed_at": "2025-11-03T11:00:00Z",
         "steps": [{"id": "1.1", "status": "completed", "method_used": "backup_1"},
                   {"id": "1.2", "status": "completed", "method_used": "primary"}]},
        {"id": 2, "status": "completed", "started_at": "2025-11-03T11:00:00Z",
         "completed_at": "2025-11-03T13:00:00Z",
         "steps": [{"id": "2.1", "status": "completed", "method_used": "primary"}]},
        {"id": 3, "status": "failed", "started_at": "2025-11-03T13:00:00Z",
         "steps": [{"id": "3.1", "status": "failed", "backup_attempts": 2}]},
    ]
}


def test_velocity_is_completed_tasks_per_hour_of_the_run() -> None:
    m = spec_metrics(spec(), progress(RUN))
    # Two completions between 10:00 (first start) and 13:00 (last completion): 2 / 3 h.
    assert m.velocity_tasks_per_hour == pytest.approx(2 / 3)
    assert (m.tasks_total, m.tasks_completed, m.tasks_blocked) == (4, 2, 1)


def test_backup_usage_counts_recorded_steps_that_needed_one() -> None:
    m = spec_metrics(spec(), progress(RUN))
    assert (m.steps_recorded, m.steps_with_backup) == (4, 1)
    assert m.backup_usage_rate == pytest.approx(0.25)
    assert (m.tasks_with_backup, m.backups_used) == (1, 1)


def test_critical_failure_rate_counts_failed_critical_steps() -> None:
    m = spec_metrics(spec(), progress(RUN))
    # Critical steps recorded: 1.1 (done with backup), 2.1 (done), 3.1 (failed).
    assert (m.critical_steps_recorded, m.critical_steps_failed) == (3, 1)
    assert m.critical_failure_rate == pytest.approx(1 / 3)


def test_time_in_each_column_as_of_the_last_timestamp() -> None:
    m = spec_metrics(spec(), progress(RUN))
    # Without a reading time, the log's last timestamp (13:00) is "now".
    by_task = {t.id: t.time_in_column for t in m.tasks}
    assert by_task["1"] == {"TODO": 0.0, "DOING": 3600.0, "DONE": 7200.0}
    assert by_task["2"] == {"TODO": 3600.0, "DOING": 7200.0, "DONE": 0.0}
    assert by_task["3"] == {"TODO": 10800.0, "DOING": 0.0}
    assert by_task["4"] == {"TODO": 10800.0}
    assert m.time_in_column == {"TODO": 25200.0, "DOING": 10800.0, "DONE": 7200.0}


def test_a_reading_time_extends_the_open_intervals() -> None:
    now = datetime(2025, 11, 3, 14, 30, tzinfo=UTC)
    m = spec_metrics(spec(), progress(RUN), now=now)
    by_task = {t.id: t.time_in_column for t in m.tasks}
    assert by_task["1"]["DONE"] == 3.5 * 3600
    assert by_task["3"]["DOING"] == 1.5 * 3600  # failed, still on the board in DOING
    assert by_task["4"]["TODO"] == 4.5 * 3600
    # Velocity does not depend on the reading time.
    assert m.velocity_tasks_per_hour == pytest.approx(2 / 3)


def test_naive_and_offset_timestamps_are_the_same_instant() -> None:
    doc = {"tasks": [
        {"id": 1, "status": "completed", "started_at": "2025-11-03T10:00:00",
         "completed_at": "2025-11-03T12:00:00+01:00"},  # 11:00 UTC
        {"id": 2, "status": "completed", "start_time": "2025-11-03T11:00:00.500000",
         "end_time": "2025-11-03T12:00:00.500000Z"},
    ]}
    m = spec_metrics(spec(), progress(doc))
    assert m.tasks[0].time_in_column["DOING"] == 3600.0
    assert m.tasks[1].time_in_column["DOING"] == 3600.0
    # 2 completions from 10:00 to 12:00:00.5.
    assert m.velocity_tasks_per_hour == pytest.approx(2 / (2 + 0.5 / 3600))


def test_no_log_or_no_timestamps_gives_unknowns_not_zeros() -> None:
    empty = spec_metrics(spec(), None)
    assert empty.tasks_total == 4 and empty.tasks_completed == 0
    assert empty.velocity_tasks_per_hour is None
    assert empty.backup_usage_rate is None and empty.critical_failure_rate is None
    assert empty.time_in_column == {}
    undated = spec_metrics(spec(), progress({"tasks": [
        {"id": 1, "status": "completed", "started_at": "yesterday-ish"}]}))
    assert undated.tasks_completed == 1
    assert undated.velocity_tasks_per_hour is None
    assert undated.time_in_column == {}


def test_a_task_level_backup_without_step_records_still_counts() -> None:
    m = spec_metrics(spec(), progress({"tasks": [
        {"id": 1, "status": "completed", "backup_used": 2}]}))
    assert (m.steps_recorded, m.backup_usage_rate) == (0, None)
    assert (m.tasks_with_backup, m.backups_used) == (1, 1)


def test_report_is_json_and_says_the_figures() -> None:
    report = metrics_report(spec_metrics(spec(), progress(RUN)))
    again = json.loads(json.dumps(report))
    assert again["spec"] == "spec_analysis.md"
    assert again["tasks"] == {"total": 4, "completed": 2, "in_progress": 0, "blocked": 1,
                              "skipped": 0}
    assert again["velocity_tasks_per_hour"] == 0.667
    assert again["backups"]["usage_rate"] == 0.25
    assert again["critical_steps"] == {"recorded": 3, "failed": 1, "failure_rate": 0.333}
    assert again["time_in_column_s"] == {"TODO": 25200.0, "DOING": 10800.0, "DONE": 7200.0}
    assert again["per_task"][0]["started_at"] == "2025-11-03T10:00:00+00:00"
    lines = metrics_lines(spec_metrics(spec(), progress(RUN)))
    assert "spec_analysis.md: velocity 0.67 tasks/hour" in lines
    assert "spec_analysis.md: 1 of 3 critical steps failed (33%)" in lines


def test_corpus_logs_give_metrics_without_errors(corpus_dir: Any) -> None:
    folder = corpus_dir / "spec_engine" / "TGACGTCA" / "spec_podcast"
    if not (folder / "progress_podcast.json").is_file():
        pytest.skip("the podcast SPEC is not in the corpus")
    parsed = parse_spec((folder / "spec_podcast.md").read_text("utf-8"), file="spec_podcast.md")
    log = parse_progress((folder / "progress_podcast.json").read_text("utf-8"),
                         file="progress_podcast.json")
    m = spec_metrics(parsed, log)
    assert m.tasks_total == len(parsed.tasks) > 0
    assert m.tasks_completed > 0
    json.dumps(metrics_report(m))


def test_field_values_per_task_for_the_optional_project_fields() -> None:
    values = task_field_values(spec(), progress(RUN))
    assert values["1"] == {"Backups used": 1.0, "SPEC": "spec_analysis.md"}
    assert values["2"]["Backups used"] == 0.0
    assert set(values) == {"1", "2", "3", "4"}


_MINUTES = st.integers(min_value=0, max_value=24 * 60)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.lists(st.tuples(_MINUTES, _MINUTES), min_size=1, max_size=4), _MINUTES)
def test_a_finished_task_spends_the_whole_run_in_its_three_columns(
    spans: list[tuple[int, int]], extra: int
) -> None:
    """Every completed task: TODO + DOING + DONE = reading time - run start, whatever the log."""
    base = datetime(2025, 11, 3, tzinfo=UTC)
    tasks = []
    for n, (start, length) in enumerate(spans, 1):
        began = base + timedelta(minutes=start)
        tasks.append({"id": n, "status": "completed", "started_at": began.isoformat(),
                      "completed_at": (began + timedelta(minutes=length)).isoformat()})
    last = max(start + length for start, length in spans)
    now = base + timedelta(minutes=last + extra)
    m = spec_metrics(spec(), progress({"tasks": tasks}), now=now)
    run = (now - (base + timedelta(minutes=min(s for s, _ in spans)))).total_seconds()
    for task in m.tasks[: len(spans)]:
        assert sum(task.time_in_column.values()) == pytest.approx(run)
    assert m.tasks_completed == len(spans)
    if m.velocity_tasks_per_hour is not None:
        assert m.velocity_tasks_per_hour > 0
