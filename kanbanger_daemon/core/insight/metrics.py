"""SPEC metrics from a progress log: velocity, backup usage, critical failures, time per column.

Pure: the reading time comes in as ``now`` (None: the log's latest timestamp, its tasks' and
their steps', so that the same log always gives the same figures). Definitions, in the words
a user would use:

- **velocity** — completed tasks (those with a ``completed_at``) per hour, between the run's
  first timestamp and its last completion; None with fewer than one completion or no span.
- **backup usage** — of the steps the log records, the share that needed a backup
  (``method_used: backup_n`` / ``backup_used``). ``backups_used`` counts those steps, plus one
  for each task that says it used a backup without saying which step.
- **critical step failure rate** — of the steps the SPEC marks critical and the log records,
  the share that failed (Spec_Engine reports a step failed only after its backups ran out).
- **time in each column** — a task waits in TODO from the run's start until it starts, is in
  DOING until it completes (or until ``now`` while it runs, is blocked or failed), then sits in
  DONE. A column the log gives no timestamps for is left out rather than guessed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from kanbanger_daemon.core.specs.progress_values import same_step
from kanbanger_daemon.models.metrics import COLUMNS, SpecMetrics, TaskMetrics
from kanbanger_daemon.models.spec import Progress, Spec, Status, Task, TaskProgress

_FINISHED = (Status.COMPLETED, Status.SKIPPED)
_STUCK = (Status.BLOCKED, Status.FAILED)


def parse_timestamp(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp as an aware datetime (naive: read as UTC); None if unreadable."""
    if not value:
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())


def _task_metrics(
    task: Task, progress: TaskProgress | None, run_start: datetime | None, as_of: datetime | None
) -> TaskMetrics:
    started = parse_timestamp(progress.started_at) if progress else None
    completed = parse_timestamp(progress.completed_at) if progress else None
    status = progress.status if progress else None
    columns: dict[str, float] = {}
    if started is not None and run_start is not None:
        columns["TODO"] = _seconds(run_start, started)
    elif status in (None, Status.PENDING) and run_start is not None and as_of is not None:
        columns["TODO"] = _seconds(run_start, as_of)  # still waiting
    if started is not None and completed is not None:
        columns["DOING"] = _seconds(started, completed)
    elif started is not None and status not in _FINISHED and as_of is not None:
        columns["DOING"] = _seconds(started, as_of)  # running, blocked or failed: still there
    if completed is not None and status in _FINISHED and as_of is not None:
        columns["DONE"] = _seconds(completed, as_of)

    metrics = TaskMetrics(
        id=task.id, title=task.title, status=status, started_at=started, completed_at=completed,
        time_in_column=columns, backup_used=progress.backup_used if progress else None,
    )
    if progress is None:
        return metrics
    metrics.steps_recorded = len(progress.steps)
    metrics.steps_with_backup = sum(1 for s in progress.steps if s.backup_used)
    for step in task.steps:
        if not step.critical:
            continue
        record = next((s for s in progress.steps if same_step(step.id, s.id)), None)
        if record is None:
            continue
        metrics.critical_steps_recorded += 1
        if record.status is Status.FAILED:
            metrics.critical_steps_failed += 1
        if record.backup_used:
            metrics.critical_steps_with_backup += 1
    return metrics


def _timestamps(spec: Spec, progress: Progress | None) -> list[datetime]:
    """Every timestamp the log gives the SPEC's tasks and their steps.

    Steps count too: a running task's later steps are newer than anything on the task itself.
    """
    if progress is None:
        return []
    found: list[datetime] = []
    for task in spec.tasks:
        tp = progress.tasks.get(task.id)
        if tp is None:
            continue
        values = [tp.started_at, tp.completed_at]
        values += [v for step in tp.steps for v in (step.started_at, step.completed_at)]
        found += [stamp for stamp in map(parse_timestamp, values) if stamp is not None]
    return found


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def spec_metrics(
    spec: Spec, progress: Progress | None, *, now: datetime | None = None
) -> SpecMetrics:
    """The metrics of one SPEC's run (``progress`` None: nothing has run yet)."""
    stamps = _timestamps(spec, progress)
    run_start = min(stamps) if stamps else None
    as_of = now if now is not None else (max(stamps) if stamps else None)
    if as_of is not None and as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    tasks = [
        _task_metrics(task, progress.tasks.get(task.id) if progress else None, run_start, as_of)
        for task in spec.tasks
    ]
    completions = [t.completed_at for t in tasks
                   if t.status is Status.COMPLETED and t.completed_at is not None]
    last_completed = max(completions) if completions else None
    velocity = None
    if run_start is not None and last_completed is not None:
        hours = _seconds(run_start, last_completed) / 3600
        velocity = len(completions) / hours if hours > 0 else None
    steps_recorded = sum(t.steps_recorded for t in tasks)
    steps_with_backup = sum(t.steps_with_backup for t in tasks)
    critical_recorded = sum(t.critical_steps_recorded for t in tasks)
    critical_failed = sum(t.critical_steps_failed for t in tasks)
    totals = {c: sum(t.time_in_column[c] for t in tasks if c in t.time_in_column)
              for c in COLUMNS if any(c in t.time_in_column for t in tasks)}
    return SpecMetrics(
        spec_file=spec.file,
        descriptor=spec.descriptor,
        as_of=as_of,
        tasks_total=len(tasks),
        tasks_completed=sum(1 for t in tasks if t.status is Status.COMPLETED),
        tasks_in_progress=sum(1 for t in tasks if t.status is Status.IN_PROGRESS),
        tasks_blocked=sum(1 for t in tasks if t.status in _STUCK),
        tasks_skipped=sum(1 for t in tasks if t.status is Status.SKIPPED),
        first_started_at=run_start,
        last_completed_at=last_completed,
        velocity_tasks_per_hour=velocity,
        steps_recorded=steps_recorded,
        steps_with_backup=steps_with_backup,
        backup_usage_rate=_rate(steps_with_backup, steps_recorded),
        tasks_with_backup=sum(1 for t in tasks if t.backup_used or t.steps_with_backup),
        backups_used=sum(
            t.steps_with_backup or (1 if t.backup_used else 0) for t in tasks
        ),
        critical_steps_recorded=critical_recorded,
        critical_steps_failed=critical_failed,
        critical_failure_rate=_rate(critical_failed, critical_recorded),
        time_in_column=totals,
        tasks=tasks,
    )


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def metrics_report(metrics: SpecMetrics, *, per_task: bool = True) -> dict[str, object]:
    """A JSON-able summary for ``status --json`` and the retrospective (stable keys).

    ``per_task=False`` leaves out the per-task timelines (the daemon's status document keeps
    only the SPEC's totals, so that a thousand boards stay a small file).
    """
    report: dict[str, object] = {
        "spec": metrics.spec_file,
        "descriptor": metrics.descriptor,
        "as_of": _iso(metrics.as_of),
        "tasks": {
            "total": metrics.tasks_total,
            "completed": metrics.tasks_completed,
            "in_progress": metrics.tasks_in_progress,
            "blocked": metrics.tasks_blocked,
            "skipped": metrics.tasks_skipped,
        },
        "velocity_tasks_per_hour": _round(metrics.velocity_tasks_per_hour),
        "backups": {
            "used": metrics.backups_used,
            "steps_recorded": metrics.steps_recorded,
            "steps_with_backup": metrics.steps_with_backup,
            "usage_rate": _round(metrics.backup_usage_rate),
            "tasks_with_backup": metrics.tasks_with_backup,
        },
        "critical_steps": {
            "recorded": metrics.critical_steps_recorded,
            "failed": metrics.critical_steps_failed,
            "failure_rate": _round(metrics.critical_failure_rate),
        },
        "time_in_column_s": {c: _round(v, 1) for c, v in metrics.time_in_column.items()},
    }
    if per_task:
        report["per_task"] = [
            {
                "id": t.id,
                "status": t.status.value if t.status else None,
                "started_at": _iso(t.started_at),
                "completed_at": _iso(t.completed_at),
                "time_in_column_s": {c: _round(v, 1) for c, v in t.time_in_column.items()},
                "backup_used": t.backup_used,
            }
            for t in metrics.tasks
        ]
    return report


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h"


def metrics_lines(metrics: SpecMetrics) -> list[str]:
    """One-line sentences for the retrospective's Lessons column (only what the log supports)."""
    lead = f"{metrics.spec_file}: "
    lines = [f"{lead}{metrics.tasks_completed} of {metrics.tasks_total} tasks completed"]
    if metrics.velocity_tasks_per_hour is not None:
        lines.append(f"{lead}velocity {metrics.velocity_tasks_per_hour:.2f} tasks/hour")
    if metrics.backup_usage_rate is not None:
        lines.append(f"{lead}{metrics.steps_with_backup} of {metrics.steps_recorded} recorded "
                     f"steps needed a backup ({metrics.backup_usage_rate:.0%})")
    if metrics.critical_failure_rate is not None:
        lines.append(f"{lead}{metrics.critical_steps_failed} of {metrics.critical_steps_recorded}"
                     f" critical steps failed ({metrics.critical_failure_rate:.0%})")
    if metrics.time_in_column:
        spent = ", ".join(f"{c} {_hours(v)}" for c, v in metrics.time_in_column.items())
        lines.append(f"{lead}time in columns (all tasks): {spent}")
    return lines


BACKUPS_USED_FIELD = "Backups used"
SPEC_FIELD = "SPEC"


def task_field_values(
    spec: Spec, progress: Progress | None
) -> dict[str, dict[str, float | str]]:
    """Values of the optional project fields per task id: ``Backups used`` (a number field) and
    ``SPEC`` (a text field), for whoever sets them on the task cards' items."""
    metrics = spec_metrics(spec, progress)
    return {
        t.id: {
            BACKUPS_USED_FIELD: float(t.steps_with_backup or (1 if t.backup_used else 0)),
            SPEC_FIELD: spec.file,
        }
        for t in metrics.tasks
    }
