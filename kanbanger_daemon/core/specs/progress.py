"""``progress_<d>.json`` (every shape Spec_Engine writes) → :class:`Progress`. Pure; never raises.

Shapes understood (all seen in the corpus or in Spec_Engine's exe template):

* ``"tasks": [...]`` with ``id`` | ``task_id``, ``name`` | ``description`` | ``task_name``, int
  or string ids (also under ``tasks_completed``, as a real troubleshooting log writes it);
* ``"tasks": {"task_1": {...}}`` keyed by task, the key giving the id when the entry has none;
* steps nested in a task (``steps`` or ``steps_completed``) as a list or a dict
  (``"step_1_2"`` → step ``1.2``), with ``status``, ``method_used`` (``primary``, ``backup_1``,
  ``backup[2]``), ``backup_attempts`` (a count or a list of the backups tried);
* a flat append-only log: entries carrying ``task_id`` + ``step_id`` (one per step), in
  ``tasks`` / ``steps`` / ``entries`` / ``log`` / ``events`` or as the whole document; later
  entries win, and a task's status then follows its steps;
* ``current_state.current_task`` (or a top-level ``current_task``) not yet listed: in progress;
* SPECLet-level logs: ``"speclets": [...]`` (``progress_<x>_MASTER.json``) or
  ``"speclet_progress": {name: {...}}`` fill :attr:`Progress.speclets`.

Task ids are strings as written (``1`` → ``"1"``); a prefixed id (``task_1``, ``Task 1``,
``task-3-1`` in SPECLet 3's own log) is reduced to the task number so that it joins the
markdown's ``Task [1]``. JSON that has none of these (an application's event log) is recognised
and reported with a warning, ``is_spec_progress=False``.

``backup_used`` is the 1-based backup a task used: the log's own ``backup_used`` if any, else the
highest backup any of its steps used (``method_used: "backup_2"``), else a ``backups_used`` count
> 0 (an approximation: *n* backups used). ``backups_exhausted`` is set for a failed/blocked task
when the log says so (``backups_exhausted: true``) or when a failed/blocked step or the task
records backup attempts: Spec_Engine only reports a step failed after its backups ran out.
"""

from __future__ import annotations

import json
import re
from typing import Any

from kanbanger_daemon.core.specs.diagnostics import capped
from kanbanger_daemon.core.specs.files import base_name, classify
from kanbanger_daemon.core.specs.progress_values import (
    attempt_count,
    backup_number,
    count_value,
    entries_of,
    first_value,
    id_text,
    normalise_id,
    text_value,
)
from kanbanger_daemon.core.specs.statuses import normalise_status
from kanbanger_daemon.models.spec import (
    Diagnostic,
    Progress,
    Status,
    StepProgress,
    TaskProgress,
)

MAX_INPUT_CHARS = 5 * 1024 * 1024
"""Same cap as ``core.specs.decode.MAX_INPUT_BYTES``: longer text is refused, not parsed."""

class _Reader:
    """One parse: collects diagnostics while turning JSON entries into models."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.diagnostics: list[Diagnostic] = []
        self.speclet_id: str | None = None

    def warn(self, message: str) -> None:
        self.diagnostics.append(Diagnostic(file=self.file, message=message, severity="warning"))

    def status(self, raw_value: object, what: str) -> tuple[Status, str]:
        raw = "" if raw_value is None else str(raw_value)[:200]
        status = normalise_status(raw) if raw else None
        if status is None:
            shown = raw if raw else "no status"
            self.warn(f"{what}: unknown status {shown!r}, treated as pending")
            return (Status.PENDING, raw)
        return (status, raw)

    def step(
        self, entry: dict[str, Any], fallback_id: str | None, task_id: str, seq: int = 0
    ) -> StepProgress:
        raw_id = first_value(entry, "step_id", "id", "step", "number")
        step_id = normalise_id(raw_id, None) or fallback_id or "?"
        what = f"task {task_id} step {step_id}"
        raw_status = first_value(entry, "status", "state")
        if raw_status is None:
            # A step entry exists, so the step at least started; an end time or a matched
            # expected output says it finished (the exe template's fields).
            finished = first_value(entry, *_END_KEYS) is not None or entry.get(
                "expected_output_match") is True
            status, raw = (Status.COMPLETED if finished else Status.IN_PROGRESS), ""
        else:
            status, raw = self.status(raw_status, what)
        method = text_value(first_value(entry, "method_used", "method"))
        attempts = attempt_count(first_value(entry, "backup_attempts", "backups_attempted"))
        used = backup_number(first_value(entry, "backup_used", "used_backup"))
        if used is None and method is not None:
            used = backup_number(method)
            if used == 1 and method.strip().lower() == "backup" and attempts > 1:
                used = attempts
        return StepProgress(
            id=step_id, status=status, raw_status=raw, method_used=method,
            backup_attempts=attempts, backup_used=used,
            started_at=text_value(first_value(entry, *_START_KEYS, _FIRST_SEEN))
            or (text_value(entry.get("timestamp")) if status not in _FINISHED else None),
            completed_at=text_value(first_value(entry, *_END_KEYS))
            or (text_value(entry.get("timestamp")) if status in _FINISHED else None),
            seq=seq, halted=_says_halt(entry),
        )

    def steps(self, value: object, task_id: str) -> list[StepProgress]:
        found: dict[str, StepProgress] = {}
        for seq, (key, entry) in enumerate(entries_of(value)):
            key_id = normalise_id(key, None) if key is not None else None
            step = self.step(entry, key_id, task_id, _entry_seq(entry, seq))
            found.pop(step.id, None)  # a later entry for the same step is newer: it moves last
            found[step.id] = step
        return list(found.values())

    def task(self, entry: dict[str, Any], fallback_id: str | None) -> TaskProgress | None:
        raw_id = first_value(entry, "task_id", "id", "taskId", "number", "speclet_id")
        task_id = normalise_id(raw_id, self.speclet_id) or fallback_id
        if task_id is None:
            self.warn("a task entry has no id; ignored")
            return None
        steps = self.steps(_first_of_shape(entry, _STEP_KEYS), task_id)
        raw_status = first_value(entry, "status", "state")
        from_steps = raw_status is None and bool(steps)
        if from_steps:
            status, raw = _status_from_steps(steps), ""
        else:
            status, raw = self.status(raw_status, f"task {task_id}")
        return TaskProgress(
            id=task_id,
            from_steps=from_steps,
            tasks_completed=count_value(entry.get("tasks_completed")),
            tasks_total=count_value(entry.get("tasks_total")),
            name=text_value(first_value(entry, "name", "description", "title", "task_name")),
            status=status,
            raw_status=raw,
            steps=steps,
            backup_used=_task_backup_used(entry, steps),
            backups_exhausted=_exhausted(entry, status, steps),
            # Logs that time only their steps: the task spans its first start to last end.
            started_at=text_value(first_value(entry, *_START_KEYS))
            or min((s.started_at for s in steps if s.started_at), default=None),
            completed_at=text_value(first_value(entry, *_END_KEYS))
            or _last_end(status, steps),
        )

    def tasks(self, value: object) -> dict[str, TaskProgress]:
        entries = entries_of(value)
        if isinstance(value, list) and any("step_id" in e for _, e in entries) and not any(
            "steps" in e for _, e in entries
        ):
            return self.flat_log([e for _, e in entries])  # one entry per step, appended
        found: dict[str, TaskProgress] = {}
        for key, entry in entries:
            key_id = normalise_id(key, self.speclet_id) if key is not None else None
            task = self.task(entry, key_id)
            if task is not None:
                found[task.id] = task
        return found

    def flat_log(self, entries: list[dict[str, Any]]) -> dict[str, TaskProgress]:
        """Group an append-only list of ``{task_id, step_id, status}`` entries by task."""
        grouped: dict[str, tuple[dict[str, Any] | None, dict[str, dict[str, Any]]]] = {}
        for seq, entry in enumerate(entries):
            task_id = normalise_id(entry.get("task_id"), self.speclet_id)
            if task_id is None:
                continue
            task_entry, steps = grouped.setdefault(task_id, (None, {}))
            step_id = normalise_id(entry.get("step_id"), None)
            if step_id is None:
                grouped[task_id] = (entry, steps)
            else:
                # The latest entry of a step stands where it was logged; the first one's
                # timestamp says when the step started (the exe template times each entry).
                earlier = steps.pop(step_id, {})
                first_seen = earlier.get(_FIRST_SEEN) or earlier.get("timestamp") or entry.get(
                    "timestamp")
                steps[step_id] = {**entry, _SEQ: seq, _FIRST_SEEN: first_seen}
        found: dict[str, TaskProgress] = {}
        for task_id, (task_entry, steps) in grouped.items():
            merged: dict[str, Any] = dict(task_entry or {})
            merged["task_id"] = task_id
            merged["steps"] = steps
            task = self.task(merged, task_id)
            if task is not None:
                found[task_id] = task
        return found


_START_KEYS = ("started_at", "start_time", "timestamp_start")
_END_KEYS = ("completed_at", "end_time", "timestamp_end")
_SEQ = "\0seq"  # where flat_log keeps an entry's place in the whole log (not a JSON key)
_FIRST_SEEN = "\0first_seen"  # and the timestamp of a step's first entry
_FINISHED = (Status.COMPLETED, Status.SKIPPED)
_HALT = re.compile(r"(?i)\b(?:halt|halted|abort|aborted|stop|stopped|escalat\w*)\b")


def _entry_seq(entry: dict[str, Any], default: int) -> int:
    seq = entry.get(_SEQ)
    return seq if isinstance(seq, int) else default


def _says_halt(entry: dict[str, Any]) -> bool:
    """The exe template logs ``error_propagation_decision`` (halt / continue / escalate)."""
    for key in ("error_propagation_decision", "propagation_decision", "action", "decision"):
        value = entry.get(key)
        if isinstance(value, str) and _HALT.search(value[:200]):
            return True
    return entry.get("halted") is True


def _last_end(status: Status, steps: list[StepProgress]) -> str | None:
    """A finished task's end, from its steps (ISO timestamps of one log sort as text)."""
    if status is not Status.COMPLETED:
        return None
    return max((s.completed_at for s in steps if s.completed_at), default=None)


def _status_from_steps(steps: list[StepProgress]) -> Status:
    statuses = {s.status for s in steps}
    if statuses <= {Status.COMPLETED, Status.SKIPPED}:
        return Status.COMPLETED
    for serious in (Status.FAILED, Status.BLOCKED):
        if serious in statuses:
            return serious
    if statuses & {Status.IN_PROGRESS, Status.COMPLETED}:
        return Status.IN_PROGRESS
    return Status.PENDING


def _task_backup_used(entry: dict[str, Any], steps: list[StepProgress]) -> int | None:
    explicit = backup_number(first_value(entry, "backup_used", "used_backup"))
    if explicit is not None:
        return explicit
    from_steps = [s.backup_used for s in steps if s.backup_used is not None]
    if from_steps:
        return max(from_steps)
    count = first_value(entry, "backups_used")
    if isinstance(count, int) and not isinstance(count, bool) and count > 0:
        return count
    method = first_value(entry, "method_used")
    return backup_number(method) if isinstance(method, str) else None


def _exhausted(entry: dict[str, Any], status: Status, steps: list[StepProgress]) -> bool:
    if status not in (Status.FAILED, Status.BLOCKED):
        return False
    for key in ("backups_exhausted", "all_backups_exhausted", "all_backups_failed"):
        if entry.get(key) is True:
            return True
    if attempt_count(first_value(entry, "backup_attempts", "backups_attempted")) > 0:
        return True
    return any(
        s.status in (Status.FAILED, Status.BLOCKED) and s.backup_attempts > 0 for s in steps
    )


# Where logs keep a task's steps, and a log its tasks (a real troubleshooting log only has
# "tasks_completed"; SPECLet 6's log lists steps under "steps_completed").
_STEP_KEYS = ("steps", "steps_completed", "step_results", "step_progress")
_TASK_KEYS = ("tasks", "task_progress", "tasks_completed", "completed_tasks", "task_results")


def _first_of_shape(entry: dict[str, Any], keys: tuple[str, ...]) -> object:
    """The first value under ``keys`` that holds entries (a list or object of objects)."""
    for key in keys:
        if entries_of(entry.get(key)):
            return entry[key]
    return entry.get(keys[0])


def _current_task(reader: _Reader, doc: dict[str, Any], progress: Progress) -> None:
    """A log's ``current_task`` (top level or in ``current_state``) is in progress if unlisted."""
    state = doc.get("current_state")
    holder = state if isinstance(state, dict) else doc
    task_id = normalise_id(holder.get("current_task"), reader.speclet_id)
    if task_id is None or task_id in progress.tasks:
        return
    progress.tasks[task_id] = TaskProgress(
        id=task_id, name=text_value(first_value(holder, "task_name", "current_task_name")),
        status=Status.IN_PROGRESS, raw_status="current_task",
    )


_FLAT_LOG_KEYS = ("steps", "entries", "log", "events", "execution_log", "step_log")


def _flat_entries(doc: object) -> list[dict[str, Any]] | None:
    """The entries of a flat SPEC log, if ``doc`` is (or holds) one."""
    candidates: list[object] = [doc]
    if isinstance(doc, dict):
        candidates = [doc.get(k) for k in _FLAT_LOG_KEYS]
    for candidate in candidates:
        if isinstance(candidate, list):
            entries = [e for e in candidate if isinstance(e, dict)]
            if entries and any("task_id" in e for e in entries):
                return entries
    return None


def _run_ended(doc: dict[str, Any]) -> bool:
    """The log says the run is over: ``run_complete: true``, or a halt at the top level."""
    if doc.get("run_complete") is True or doc.get("halted") is True:
        return True
    return _says_halt(doc) or str(doc.get("status", "")).lower() in ("halted", "aborted")


def _read_document(reader: _Reader, doc: object, progress: Progress) -> None:
    if isinstance(doc, dict):
        progress.run_ended = _run_ended(doc)
        reader.speclet_id = id_text(doc.get("speclet_id"))
        progress.speclet_id = reader.speclet_id
        tasks = _first_of_shape(doc, _TASK_KEYS)
        has_tasks = isinstance(tasks, list | dict)
        speclets = first_value(doc, "speclets", "speclet_progress")
        has_speclets = isinstance(speclets, list | dict)
        if has_tasks:
            progress.tasks = reader.tasks(tasks)
            _current_task(reader, doc, progress)
        if has_speclets:
            speclet_reader = _Reader(reader.file)
            progress.speclets = speclet_reader.tasks(speclets)
            reader.diagnostics.extend(speclet_reader.diagnostics)
        if has_tasks or has_speclets:
            return
    flat = _flat_entries(doc)
    if flat is not None:
        progress.tasks = reader.flat_log(flat)
        return
    progress.is_spec_progress = False
    reader.warn(
        "not a SPEC progress log (no tasks, SPECLets or task entries): ignored; "
        "is it an application's own log?"
    )


def parse_progress(data: str, *, file: str) -> Progress:
    """Parse a progress log. Never raises: problems become diagnostics on the result."""
    kind, descriptor = classify(base_name(file))
    progress = Progress(file=file, descriptor=descriptor if kind == "progress" else None)
    reader = _Reader(file)
    try:
        _parse_into(reader, data, progress)
    except Exception as exc:  # last line of defence: the contract is "never raises"
        progress.is_spec_progress = False
        reader.diagnostics.append(
            Diagnostic(file=file, message=f"could not read progress log: {type(exc).__name__}")
        )
    progress.diagnostics = capped(reader.diagnostics)
    return progress


def _parse_into(reader: _Reader, data: str, progress: Progress) -> None:
    file = reader.file
    if len(data) > MAX_INPUT_CHARS:
        progress.is_spec_progress = False
        reader.diagnostics.append(Diagnostic(
            file=file, message=f"too large: {len(data)} characters (limit {MAX_INPUT_CHARS})",
        ))
        return
    if not data.strip():
        # A log the executor has just created, or is rewriting right now: it says nothing yet,
        # so every card stays where it is (no progress), and nothing fails.
        reader.diagnostics.append(Diagnostic(
            file=file, line=1, severity="note", message="empty progress log: no progress yet"))
        return
    try:
        doc = json.loads(data.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        progress.is_spec_progress = False
        truncated = exc.pos >= len(data.rstrip())
        what = "truncated JSON (the file ends early: half-written?)"
        if not truncated:
            what = "invalid JSON"
        reader.diagnostics.append(Diagnostic(
            file=file, line=exc.lineno, message=f"{what}: {exc.msg} (column {exc.colno})",
        ))
        return
    except (RecursionError, ValueError) as exc:
        progress.is_spec_progress = False
        reader.diagnostics.append(Diagnostic(file=file, message=f"unreadable JSON: {exc}"[:300]))
        return
    _read_document(reader, doc, progress)
