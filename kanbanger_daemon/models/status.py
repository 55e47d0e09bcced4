"""What the daemon reports about itself: reconcile results and the published status document.

The status document is written by the running daemon to ``<root>/.kanbanger/status.json`` and
read by ``kanbanger-daemon status`` from another process, so every time in it is wall-clock
epoch seconds (the daemon's monotonic loop clock means nothing to another process).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

STATUS_SCHEMA_VERSION = 1


class ReconcileResult(BaseModel):
    """What one reconcile of one board did.

    A reconcile that fails in a way worth retrying raises a retryable ``KanbangerError``
    instead of returning; a result with ``ok=False`` is final until the board changes again.
    ``metrics``: one ``core.insight.metrics.metrics_report`` per SPEC the board shows (None: not
    measured by this reconcile).
    """

    model_config = ConfigDict(frozen=True)

    ok: bool = True
    wrote_board: bool = False
    remote_ops: int = 0
    error: str | None = None
    error_file: str | None = None
    error_line: int | None = None
    metrics: list[dict[str, object]] | None = None
    target: str | None = None  # where the board goes: "owner/repo#N", or "local-only"
    # What the inputs say that is worth showing but fails nothing ("no tasks yet", a log entry
    # for a task the SPEC does not have); None: not read by this reconcile.
    notes: list[str] | None = None

    @classmethod
    def failed(
        cls, error: str, *, file: str | None = None, line: int | None = None
    ) -> ReconcileResult:
        return cls(ok=False, error=error, error_file=file, error_line=line)


class Mode(StrEnum):
    GITHUB = "github"
    LOCAL_ONLY = "local-only"
    DEGRADED = "degraded"


class RunState(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"


class BoardStatus(BaseModel):
    """One board as the daemon last saw it.

    ``metrics`` are those of the last reconcile that measured them (a failed or retried
    reconcile keeps them, as the board file keeps its last good content); None until then.
    """

    key: str
    last_reconcile_at: float | None = None
    last_ok: bool | None = None
    last_wrote_board: bool = False
    last_remote_ops: int = 0
    last_error: str | None = None
    error_file: str | None = None
    error_line: int | None = None
    reconciles: int = 0
    pending_events: int = 0
    retries: int = 0
    backoff_until: float | None = None
    metrics: list[dict[str, object]] | None = None
    target: str | None = None  # where the board goes: "owner/repo#N", or "local-only"
    notes: list[str] = Field(default_factory=list)
    # The last local change (a file event) that GitHub took: ms from the event to the push
    # confirmed (retries included); None until a change has been pushed.
    last_push_latency_ms: int | None = None

    def record(self, result: ReconcileResult, *, at: float) -> None:
        """A reconcile finished (well or for good) at wall-clock time ``at``."""
        self.reconciles += 1
        self.last_reconcile_at = at
        self.last_ok = result.ok
        self.last_wrote_board = result.wrote_board
        self.last_remote_ops = result.remote_ops
        self.last_error = result.error
        self.error_file = result.error_file
        self.error_line = result.error_line
        self.retries = 0
        self.backoff_until = None
        if result.metrics is not None:
            self.metrics = result.metrics
        if result.target is not None:
            self.target = result.target
        if result.notes is not None:
            self.notes = result.notes

    def record_retry(self, error: str, retries: int, at: float, delay_s: float) -> None:
        """A reconcile failed in a way worth retrying; it runs again after ``delay_s``."""
        self.reconciles += 1
        self.last_reconcile_at = at
        self.last_ok = False
        self.last_error = error
        self.error_file = None
        self.error_line = None
        self.retries = retries
        self.backoff_until = at + delay_s


class GitHubStatus(BaseModel):
    enabled: bool = False
    last_push_at: float | None = None
    rate_limit_remaining: int | None = None
    paused_until: float | None = None
    last_error: str | None = None
    auth_verified_at: float | None = None  # when GitHub last answered as this token


class ObserverStatus(BaseModel):
    alive: bool = False
    kind: str = "none"
    restarts: int = 0
    overflows: int = 0
    degraded_reason: str | None = None


class DaemonStatus(BaseModel):
    """The document published in ``status.json``."""

    schema_version: int = STATUS_SCHEMA_VERSION
    pid: int
    root: str
    state: RunState = RunState.STARTING
    mode: Mode = Mode.LOCAL_ONLY
    started_at: float
    heartbeat_at: float
    heartbeat_interval_s: float
    observer: ObserverStatus = Field(default_factory=ObserverStatus)
    github: GitHubStatus = Field(default_factory=GitHubStatus)
    boards: dict[str, BoardStatus] = Field(default_factory=dict)
    idle: bool = False
    idle_count: int = 0
    reconciles_total: int = 0
    rescans: int = 0
    notes: list[str] = Field(default_factory=list)
