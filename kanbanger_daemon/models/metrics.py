"""What a SPEC run measured (``core.insight.metrics``) and how the project is doing
(``core.insight.health``).

Durations are seconds; rates are fractions in [0, 1]; ``None`` means "the log does not say"
(no timestamps, no step records), never zero.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from kanbanger_daemon.models.spec import Status

COLUMNS = ("TODO", "DOING", "DONE")
"""The columns time is measured in: waiting, being worked on, finished."""


class TaskMetrics(BaseModel):
    """One task's timeline and step record."""

    id: str
    title: str
    status: Status | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    # Seconds spent in each of ``COLUMNS``; a column the log cannot date is absent.
    time_in_column: dict[str, float] = Field(default_factory=dict)
    backup_used: int | None = None
    steps_recorded: int = 0
    steps_with_backup: int = 0
    critical_steps_recorded: int = 0
    critical_steps_failed: int = 0
    critical_steps_with_backup: int = 0


class SpecMetrics(BaseModel):
    """Per-SPEC figures from its progress log's timestamps and step records."""

    spec_file: str
    descriptor: str
    as_of: datetime | None = None  # the reading time the open intervals were measured up to
    tasks_total: int = 0
    tasks_completed: int = 0
    tasks_in_progress: int = 0
    tasks_blocked: int = 0  # blocked or failed
    tasks_skipped: int = 0
    first_started_at: datetime | None = None
    last_completed_at: datetime | None = None
    velocity_tasks_per_hour: float | None = None
    steps_recorded: int = 0
    steps_with_backup: int = 0
    backup_usage_rate: float | None = None  # steps that needed a backup / steps recorded
    tasks_with_backup: int = 0
    backups_used: int = 0  # steps that needed one, + tasks that used one at task level only
    critical_steps_recorded: int = 0
    critical_steps_failed: int = 0
    critical_failure_rate: float | None = None  # failed critical steps / critical steps recorded
    time_in_column: dict[str, float] = Field(default_factory=dict)  # summed over tasks
    tasks: list[TaskMetrics] = Field(default_factory=list)


class HealthStatus(StrEnum):
    """GitHub's ``ProjectV2StatusUpdateStatus`` values the daemon posts."""

    ON_TRACK = "ON_TRACK"
    AT_RISK = "AT_RISK"
    OFF_TRACK = "OFF_TRACK"
    COMPLETE = "COMPLETE"


class HealthUpdate(BaseModel):
    """A project status update to post. ``fingerprint`` changes exactly when status or body do."""

    model_config = ConfigDict(frozen=True)

    status: HealthStatus
    body: str
    fingerprint: str
    tasks_total: int = 0
    tasks_done: int = 0
    backups_used: int = 0
    blocked: tuple[str, ...] = ()
