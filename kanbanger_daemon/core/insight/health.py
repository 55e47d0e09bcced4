"""The project's status update (``createProjectV2StatusUpdate``) that progress calls for. Pure.

Rules, most serious first (COMPLETE wins over everything: a finished run is finished):

- COMPLETE — every task of every SPEC is done (completed, or skipped: nothing is left to do);
- OFF_TRACK — a critical step failed (Spec_Engine reports a step failed only after its backups
  ran out), or a failed task with its backups exhausted has critical steps and no step record
  says which one failed;
- AT_RISK — a critical step needed a backup, or a task is blocked or failed;
- ON_TRACK — otherwise (running, or not started yet).

The body summarises tasks done / total, backups used and the blocked items, one row per SPEC
when there are several. It holds nothing that changes without progress changing (no times),
so ``fingerprint`` tells the caller whether there is anything new to post.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from kanbanger_daemon.core.board.cards import one_line, safe_prefix, step_full_id
from kanbanger_daemon.core.insight.metrics import spec_metrics
from kanbanger_daemon.core.specs.progress_values import same_step
from kanbanger_daemon.models.board import SpecInput
from kanbanger_daemon.models.metrics import HealthStatus, HealthUpdate
from kanbanger_daemon.models.spec import Status, Task, TaskProgress

MAX_LISTED = 15
"""Items listed per kind in the body; the rest are counted ("… and 3 more")."""

_LABEL = {
    HealthStatus.ON_TRACK: "On track",
    HealthStatus.AT_RISK: "At risk",
    HealthStatus.OFF_TRACK: "Off track",
    HealthStatus.COMPLETE: "Complete",
}


@dataclass
class _Findings:
    tasks_total: int = 0
    tasks_done: int = 0
    backups_used: int = 0
    blocked: list[str] = field(default_factory=list)
    critical_failed: list[str] = field(default_factory=list)
    critical_backup: list[str] = field(default_factory=list)
    rows: list[tuple[str, int, int, int, int]] = field(default_factory=list)


def _task_name(lead: str, task: Task) -> str:
    return f"{lead}Task {task.id}: {one_line(task.title) or '(untitled)'}"


def _critical_findings(found: _Findings, lead: str, task: Task, tp: TaskProgress) -> None:
    failed_known = False
    for step in task.steps:
        record = next((s for s in tp.steps if same_step(step.id, s.id)), None)
        if record is None:
            continue
        if record.status is Status.FAILED:
            failed_known = True
        if not step.critical:
            continue
        name = f"{lead}Step {step_full_id(task.id, step.id)}: {one_line(step.title)}"
        if record.status is Status.FAILED:
            found.critical_failed.append(name)
        elif record.backup_used:
            found.critical_backup.append(f"{name} (Backup #{record.backup_used})")
    critical = [s for s in task.steps if s.critical]
    if tp.status is Status.FAILED and tp.backups_exhausted and critical and not failed_known:
        # The log does not say which step failed; the task has critical steps: assume the worst.
        found.critical_failed.append(f"{_task_name(lead, task)} (a critical task failed)")


def _findings(inputs: Sequence[SpecInput]) -> _Findings:
    found = _Findings()
    for item in inputs:
        lead = f"[{safe_prefix(item.name or item.spec.descriptor)}] " if len(inputs) > 1 else ""
        log = item.progress.tasks if item.progress else {}
        done = blocked = 0
        for task in item.spec.tasks:
            tp = log.get(task.id)
            if tp is None:
                continue
            if tp.status in (Status.COMPLETED, Status.SKIPPED):
                done += 1
            elif tp.status in (Status.BLOCKED, Status.FAILED):
                blocked += 1
                exhausted = ", backups exhausted" if tp.backups_exhausted else ""
                found.blocked.append(f"{_task_name(lead, task)} ({tp.status.value}{exhausted})")
            _critical_findings(found, lead, task, tp)
        backups = spec_metrics(item.spec, item.progress).backups_used
        total = len(item.spec.tasks)
        found.tasks_total += total
        found.tasks_done += done
        found.backups_used += backups
        found.rows.append((item.spec.file, done, total, backups, blocked))
    return found


def _status(found: _Findings) -> HealthStatus:
    if found.tasks_total and found.tasks_done == found.tasks_total:
        return HealthStatus.COMPLETE
    if found.critical_failed:
        return HealthStatus.OFF_TRACK
    if found.critical_backup or found.blocked:
        return HealthStatus.AT_RISK
    return HealthStatus.ON_TRACK


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _listed(title: str, names: list[str]) -> list[str]:
    if not names:
        return []
    lines = ["", f"{title}:"]
    lines += [f"- {name}" for name in names[:MAX_LISTED]]
    if len(names) > MAX_LISTED:
        lines.append(f"- … and {len(names) - MAX_LISTED} more")
    return lines


def _body(status: HealthStatus, found: _Findings) -> str:
    lines = [
        f"**{_LABEL[status]}**: {found.tasks_done} of {_plural(found.tasks_total, 'task')} done, "
        f"{_plural(found.backups_used, 'backup')} used, {len(found.blocked)} blocked."
    ]
    lines += _listed("Critical steps failed after all backups", found.critical_failed)
    lines += _listed("Blocked", found.blocked)
    lines += _listed("Critical steps that needed a backup", found.critical_backup)
    if len(found.rows) > 1:
        lines += ["", "| SPEC | Done | Backups used | Blocked |", "| --- | --- | --- | --- |"]
        lines += [f"| {file} | {done}/{total} | {backups} | {blocked} |"
                  for file, done, total, backups, blocked in found.rows]
    lines += ["", "_Posted by kanbanger-daemon from the SPEC progress logs._"]
    return "\n".join(lines)


def health_fingerprint(status: HealthStatus, body: str) -> str:
    return hashlib.sha256(f"{status.value}\n{body}".encode()).hexdigest()[:32]


def project_health(inputs: Sequence[SpecInput]) -> HealthUpdate:
    """The status update every SPEC of one project calls for (pass them all: one project has
    one status, so updates computed from a subset would contradict each other)."""
    found = _findings(inputs)
    status = _status(found)
    body = _body(status, found)
    return HealthUpdate(
        status=status,
        body=body,
        fingerprint=health_fingerprint(status, body),
        tasks_total=found.tasks_total,
        tasks_done=found.tasks_done,
        backups_used=found.backups_used,
        blocked=tuple(found.blocked),
    )
