"""What a SPEC (markdown + parameters TOML) and its progress log say, once understood."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Status(StrEnum):
    """The six statuses every raw progress status maps to."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    BLOCKED = "blocked"
    FAILED = "failed"
    SKIPPED = "skipped"


class Diagnostic(BaseModel):
    """A problem found in an input file: where, and what a person should know."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int | None = None
    message: str
    # "note": a normal state worth showing (a SPEC with no tasks yet); never a failure.
    severity: Literal["error", "warning", "note"] = "error"

    def __str__(self) -> str:
        loc = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{loc}: {self.severity}: {self.message}"


class Step(BaseModel):
    """One atomic step of a task. ``id`` is as written ("1", "1.2")."""

    id: str
    title: str
    critical: bool | None = None
    backups: list[str] = Field(default_factory=list)
    expected_output: str | None = None
    mode: str | None = None
    primary_method: str | None = None
    line: int | None = None


class Task(BaseModel):
    """One sequential task. ``id`` is as written ("1", "0", "A"); ``speclet`` names its SPECLet."""

    id: str
    title: str
    steps: list[Step] = Field(default_factory=list)
    speclet: str | None = None
    line: int | None = None


class Speclet(BaseModel):
    """A ``### SPECLet [id]: title`` section, or a ``speclet_<d>.md`` file."""

    id: str
    title: str
    depends_on: list[str] = Field(default_factory=list)


class Spec(BaseModel):
    """A parsed ``spec_<d>.md`` / ``speclet_<d>.md`` joined with ``parameters_<d>.toml``."""

    file: str
    descriptor: str
    title: str | None = None
    goal: str | None = None
    tasks: list[Task] = Field(default_factory=list)
    speclets: list[Speclet] = Field(default_factory=list)
    diagnostics: list[Diagnostic] = Field(default_factory=list)


class StepProgress(BaseModel):
    """What a progress log says of one step. ``backup_attempts`` counts the backups tried."""

    id: str
    status: Status
    raw_status: str
    method_used: str | None = None
    backup_attempts: int = 0
    backup_used: int | None = None
    started_at: str | None = None
    completed_at: str | None = None
    # The step-entry log of the exe template: where in the log this step's latest entry stands,
    # and whether that entry says the run halted there (``error_propagation_decision: halt``).
    seq: int = 0
    halted: bool = False


class TaskProgress(BaseModel):
    """What a progress log says of one task. ``backup_used`` is the 1-based backup number."""

    id: str
    name: str | None = None
    status: Status
    raw_status: str
    steps: list[StepProgress] = Field(default_factory=list)
    backup_used: int | None = None
    backups_exhausted: bool = False
    started_at: str | None = None
    completed_at: str | None = None
    # True when the log gave no task-level status: ``status`` is then only what the logged
    # steps say, and ``core.specs.progress_join`` decides again knowing how many steps the SPEC has.
    from_steps: bool = False
    # A SPECLet-level entry: how many of the SPECLet's tasks are done, of how many.
    tasks_completed: int | None = None
    tasks_total: int | None = None


class Progress(BaseModel):
    """A parsed ``progress_<d>.json``. ``is_spec_progress`` is False for foreign JSON logs."""

    file: str
    descriptor: str | None = None
    is_spec_progress: bool = True
    tasks: dict[str, TaskProgress] = Field(default_factory=dict)
    # A SPECLet orchestration log (``progress_<x>_MASTER.json``) reports whole SPECLets, keyed by
    # SPECLet id; ``speclet_id`` is the SPECLet a per-SPECLet log says it belongs to.
    speclets: dict[str, TaskProgress] = Field(default_factory=dict)
    speclet_id: str | None = None
    # The log says the run is over (``run_complete: true``, a halt): a failed step that nothing
    # followed is then a failed task, not a blocked one.
    run_ended: bool = False
    diagnostics: list[Diagnostic] = Field(default_factory=list)
