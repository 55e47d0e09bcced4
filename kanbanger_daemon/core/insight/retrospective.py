"""``_retrospective.md``: what an execution taught, as a kanban board kanbanger can read.

Columns (kanbanger reads the first two as its Done column, the others under their own names):

- ``## Done with primary methods`` — completed tasks where no step needed a backup;
- ``## Done with backups`` — completed tasks that needed one, saying which step used which
  backup (with the backup's text from the SPEC when it has one);
- ``## Failed after all backups`` — failed tasks, and blocked ones whose backups are exhausted
  (``(backups exhausted)`` when the log says every backup was tried);
- ``## Still open`` — every other task (pending, in progress, blocked with backups left,
  skipped, or no progress at all), with its status;
- ``## Lessons`` — what to change next time, from the log and the SPEC: primary methods that a
  backup replaced, critical steps that failed, failing tasks with no backups defined, and the
  overall backup rate. Lessons are plain ``- `` bullets: notes to read, not cards to tick off.

With several SPECs every card starts with ``[name]`` like on the single root board. The title
is the SPEC's own for a folder with one ``spec_*.md``; a folder of SPECLets is titled after its
MASTER log's project (name, else goal) or else after the folder (:func:`retrospective_title`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from kanbanger_daemon.core.board.cards import one_line, safe_prefix, step_full_id
from kanbanger_daemon.core.board.format import card_line, folder_title
from kanbanger_daemon.core.insight.metrics import metrics_lines, spec_metrics
from kanbanger_daemon.core.specs.files import classify
from kanbanger_daemon.models.board import SpecInput
from kanbanger_daemon.models.spec import Status, Step, Task, TaskProgress

COLUMNS = (
    "Done with primary methods",
    "Done with backups",
    "Failed after all backups",
    "Still open",
    "Lessons",
)


def _step_backups(task: Task, progress: TaskProgress) -> list[tuple[str, Step | None, int]]:
    """``(full step id, spec step, backup number)`` for every step that used a backup."""
    steps = {step_full_id(task.id, s.id): s for s in task.steps}
    used = []
    for sp in progress.steps:
        if sp.backup_used:
            full = step_full_id(task.id, sp.id)
            used.append((full, steps.get(full), sp.backup_used))
    return used


def _backup_text(step: Step | None, number: int) -> str:
    if step is not None and 0 < number <= len(step.backups):
        return f": {one_line(step.backups[number - 1])}"
    return ""


def _cards_for(item: SpecInput, lead: str) -> dict[str, list[tuple[str, bool]]]:
    """Cards of one SPEC by column."""
    cards: dict[str, list[tuple[str, bool]]] = {name: [] for name in COLUMNS}
    spec, log = item.spec, item.progress
    steps_total = steps_with_backup = 0
    for task in spec.tasks:
        name = f"{lead}Task {task.id}: {one_line(task.title) or '(untitled)'}"
        progress = log.tasks.get(task.id) if log else None
        status = progress.status if progress else None
        steps_total += len(task.steps)
        used = _step_backups(task, progress) if progress else []
        steps_with_backup += len(used)
        if status is Status.COMPLETED:
            if used or (progress and progress.backup_used):
                detail = "; ".join(
                    f"Step {sid} used Backup #{n}{_backup_text(step, n)}" for sid, step, n in used
                ) or f"used Backup #{progress.backup_used if progress else '?'}"
                cards["Done with backups"].append((f"{name} — {detail}", True))
            else:
                cards["Done with primary methods"].append((name, True))
        elif status is Status.FAILED or (
            status is Status.BLOCKED and progress is not None and progress.backups_exhausted
        ):
            exhausted = " (backups exhausted)" if progress and progress.backups_exhausted else ""
            cards["Failed after all backups"].append((f"{name} [{status.value}]{exhausted}", False))
            critical = [s for s in task.steps if s.critical]
            if critical:
                names = ", ".join(f"Step {step_full_id(task.id, s.id)}" for s in critical)
                cards["Lessons"].append((
                    f"{name} failed with critical steps ({names}): revisit the approach "
                    "before the next run", False))
            if not any(s.backups for s in task.steps):
                cards["Lessons"].append((
                    f"{name} failed and its steps define no backups: add backup methods", False))
        else:
            state = status.value.replace("_", " ") if status else "no progress"
            cards["Still open"].append((f"{name} [{state}]", False))
        for sid, step, number in used:
            title = f" ({one_line(step.title)})" if step is not None and step.title else ""
            cards["Lessons"].append((
                f"{lead}Step {sid}{title}: the primary method did not work and Backup #{number} "
                "was needed: consider making it the primary method", False))
    if steps_total and log is not None:
        cards["Lessons"].append((
            f"{lead}{steps_with_backup} of {steps_total} steps needed a backup "
            f"({spec.file})", False))
    if log is not None:  # the SPEC's metrics (velocity, backup use, critical failures, …)
        cards["Lessons"].extend(
            (f"{lead}{line}", False) for line in metrics_lines(spec_metrics(spec, log))
        )
    return cards


def _master_project(master: str) -> str | None:
    """The project a ``progress_<x>_MASTER.json`` names: its name, else its goal."""
    try:
        data = json.loads(master)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    for key in ("project_name", "project", "name", "title", "project_goal", "goal"):
        value = data.get(key)
        if isinstance(value, str) and one_line(value):
            return one_line(value)
    return None


def retrospective_title(inputs: Sequence[SpecInput], *, folder: str, master: str | None) -> str:
    """What the retrospective of a SPEC folder is called.

    One ``spec_*.md``: its title (or descriptor). Anything else (SPECLets, several SPECs) covers
    the whole folder, so it is named after the project of the folder's MASTER log (``master``,
    its text, when there is one) or after the folder, as the daemon names that folder's board.
    """
    if len(inputs) == 1 and classify(inputs[0].spec.file)[0] != "speclet":
        return inputs[0].spec.title or inputs[0].spec.descriptor
    project = _master_project(master) if master is not None else None
    return project or folder_title(folder)


def render_retrospective(inputs: Sequence[SpecInput], *, title: str) -> str:
    """The text of ``_retrospective.md`` for one or more SPECs."""
    columns: dict[str, list[tuple[str, bool]]] = {name: [] for name in COLUMNS}
    for item in inputs:
        lead = (
            f"[{safe_prefix(item.name or item.spec.descriptor)}] " if len(inputs) > 1 else ""
        )
        for name, cards in _cards_for(item, lead).items():
            columns[name].extend(cards)
    lines = [f"# Retrospective: {one_line(title) or 'SPEC'}", ""]
    for name in COLUMNS:
        lines += [f"## {name}", ""]
        if name == "Lessons":
            lines += [f"- {text}" for text, _ in columns[name]]
        else:
            lines += [card_line(text, checked=checked) for text, checked in columns[name]]
        if columns[name]:
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
