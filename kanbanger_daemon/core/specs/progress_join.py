"""A SPEC and its progress log together: each task's status as the board shows it. PURE.

The progress parser reads a log on its own; some of what a log means can only be decided
knowing the SPEC. :func:`join_progress` does that, and :func:`spec_input` is how every caller
pairs a SPEC with its log.

* **Step entries** (the exe template's §5 log: one entry per step, no task-level status). A
  task's status comes from its steps *and the number of steps the SPEC gives it*:

  - every step of the SPEC completed or skipped → completed;
  - a failed step that nothing later in the log followed → blocked; failed when the log says
    the run halted there (``error_propagation_decision: halt``, ``run_complete``);
  - otherwise any step started, retried or completed → in progress;
  - otherwise pending.

  A task-level ``status``, when the log has one, wins over what its steps imply.
* **SPECLet-level entries** (``"speclets": [{"speclet_id": 1, "status": "completed",
  "tasks_completed": 3, "tasks_total": 3}]`` in the SPEC's own log) move the tasks of that
  SPECLet, in SPEC order: a completed SPECLet (or ``tasks_completed == tasks_total``) completes
  them all; otherwise its first ``tasks_completed`` tasks are completed and the next one takes
  the SPECLet's status. A task's own entry wins.
* A log entry for a task the SPEC does not have is reported (a warning), never dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence

from kanbanger_daemon.core.specs.progress_values import same_step
from kanbanger_daemon.models.board import SpecInput
from kanbanger_daemon.models.spec import (
    Diagnostic,
    Progress,
    Spec,
    Status,
    StepProgress,
    Task,
    TaskProgress,
)

_FINISHED = (Status.COMPLETED, Status.SKIPPED)
_MOVING = (Status.IN_PROGRESS, Status.COMPLETED, Status.SKIPPED)


def spec_input(spec: Spec, progress: Progress | None) -> SpecInput:
    """The planner's input for ``spec`` and its log (already joined)."""
    return SpecInput(spec=spec, progress=join_progress(spec, progress) if progress else None)


def join_progress(spec: Spec, progress: Progress) -> Progress:
    """``progress`` with every task's status decided knowing ``spec`` (see the module doc)."""
    tasks = {
        task_id: _with_step_status(entry, _spec_task(spec, task_id), progress.run_ended)
        for task_id, entry in progress.tasks.items()
    }
    for task_id, entry in _from_speclets(spec, progress.speclets).items():
        tasks.setdefault(task_id, entry)
    known = {task.id for task in spec.tasks}
    unknown = [task_id for task_id in progress.tasks if task_id not in known]
    notes = [
        Diagnostic(file=progress.file, severity="warning",
                   message=f"an entry for task {task_id}, which {spec.file} does not have")
        for task_id in unknown
    ] if spec.tasks else []
    return progress.model_copy(
        update={"tasks": tasks, "diagnostics": [*progress.diagnostics, *notes]}
    )


def _spec_task(spec: Spec, task_id: str) -> Task | None:
    return next((task for task in spec.tasks if task.id == task_id), None)


def _with_step_status(entry: TaskProgress, task: Task | None, run_ended: bool) -> TaskProgress:
    if not entry.from_steps:
        return entry
    status = status_from_steps(entry.steps, task, run_ended=run_ended)
    if status is entry.status:
        return entry
    update: dict[str, object] = {"status": status}
    if status is not Status.COMPLETED:
        update["completed_at"] = None
    if status not in (Status.FAILED, Status.BLOCKED):
        update["backups_exhausted"] = False
    return entry.model_copy(update=update)


def status_from_steps(
    steps: Sequence[StepProgress], task: Task | None, *, run_ended: bool = False
) -> Status:
    """A task's status from its logged steps and the SPEC's steps (``task``; None: unknown)."""
    if not steps:
        return Status.PENDING
    if _all_steps_finished(steps, task):
        return Status.COMPLETED
    last_failure = max((s for s in steps if s.status in (Status.FAILED, Status.BLOCKED)),
                       key=lambda s: s.seq, default=None)
    if last_failure is not None and not any(
        s.seq > last_failure.seq and s.status in _MOVING for s in steps
    ):
        halted = last_failure.halted or run_ended or (
            last_failure.raw_status.strip().lower() in ("halted", "aborted"))
        return Status.FAILED if halted else Status.BLOCKED
    if any(s.status in _MOVING or s.status in (Status.FAILED, Status.BLOCKED) for s in steps):
        return Status.IN_PROGRESS
    return Status.PENDING


def _all_steps_finished(steps: Sequence[StepProgress], task: Task | None) -> bool:
    finished = [s for s in steps if s.status in _FINISHED]
    if task is None or not task.steps:  # the SPEC does not say how many: the log decides
        return len(finished) == len(steps)
    return all(any(same_step(want.id, got.id) for got in finished) for want in task.steps)


def _from_speclets(spec: Spec, speclets: dict[str, TaskProgress]) -> dict[str, TaskProgress]:
    """Task entries implied by SPECLet-level entries (only for tasks of that SPECLet)."""
    out: dict[str, TaskProgress] = {}
    only = spec.speclets[0].id if len(spec.speclets) == 1 else None
    for speclet_id, entry in speclets.items():
        members = [t for t in spec.tasks if (t.speclet or only) == speclet_id]
        done = entry.tasks_completed or 0
        total = entry.tasks_total
        complete = entry.status is Status.COMPLETED or (
            total is not None and total > 0 and done >= total)
        for index, task in enumerate(members):
            if complete or index < done:
                status = Status.COMPLETED
            elif index == done and entry.status is not Status.PENDING:
                status = entry.status
            else:
                continue
            out[task.id] = TaskProgress(
                id=task.id, status=status, raw_status=f"SPECLet {speclet_id}: {entry.raw_status}",
                started_at=entry.started_at if index == 0 else None,
                completed_at=entry.completed_at if complete and index == len(members) - 1
                else None,
            )
    return out
