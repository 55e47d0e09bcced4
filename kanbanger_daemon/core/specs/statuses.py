"""Raw progress-log statuses (``"Done"``, ``"deployment_failed"``, ``✅``) → one of the six.
Pure."""

from __future__ import annotations

import re

from kanbanger_daemon.models.spec import Status

_SYNONYMS: dict[Status, tuple[str, ...]] = {
    Status.COMPLETED: (
        "completed", "complete", "done", "success", "succeeded", "successful", "passed", "pass",
        "finished", "ok", "ready_for_deployment", "deployment_ready", "deployed", "delivered",
        "satisfied", "achieved", "closed", "resolved", "verified", "approved", "accepted",
        "merged", "implemented", "code_complete", "fully_complete", "completed_with_backup",
        "completed_with_warnings", "partial_success",
    ),
    Status.IN_PROGRESS: (
        "in_progress", "inprogress", "progress", "running", "started", "start", "active",
        "ongoing", "working", "executing", "doing", "wip", "retrying", "retried", "retry",
        "resumed", "initializing", "initialising", "in_review", "review", "reviewing",
        "pending_review", "pending_verification", "awaiting_verification", "testing",
        "partial", "partially_complete", "partially_completed", "needs_revision",
        "code_complete_pending_verification", "in_development", "underway",
    ),
    Status.PENDING: (
        "pending", "not_started", "notstarted", "todo", "to_do", "queued", "waiting", "planned",
        "new", "open", "ready", "ready_for_execution", "scheduled", "backlog", "unstarted",
        "not_yet_started", "idle",
    ),
    Status.BLOCKED: (
        "blocked", "on_hold", "hold", "paused", "stuck", "waiting_for_dependencies",
        "awaiting_input", "needs_input", "awaiting_user", "escalated", "halted", "suspended",
        "pending_user_action", "awaiting_user_action", "user_action_required",
        "requires_user_action", "needs_user_action",
    ),
    Status.FAILED: (
        "failed", "failure", "fail", "error", "errored", "crashed", "aborted", "timeout",
        "timed_out", "rejected", "broken", "critical_failure",
    ),
    Status.SKIPPED: (
        "skipped", "skip", "not_applicable", "n_a", "na", "cancelled", "canceled", "omitted",
        "deferred", "wont_do", "won_t_do", "obsolete", "superseded", "removed", "dropped",
    ),
}
_STATUS_BY_WORD: dict[str, Status] = {w: s for s, words in _SYNONYMS.items() for w in words}

# Compound statuses not in the table ("deployment_failed", "code_complete_awaiting_tests") are
# decided by their words, most serious first. A word not in any list leaves the status unknown.
_WORD_RULES: tuple[tuple[Status, tuple[str, ...]], ...] = (
    (Status.FAILED, ("fail", "error", "crash", "abort")),
    (Status.BLOCKED, ("block", "hold", "stuck", "halt")),
    (Status.SKIPPED, ("skip", "cancel")),
    (Status.IN_PROGRESS, ("progress", "running", "pending_verif", "pending_review", "awaiting",
                          "review", "partial", "retry", "revision")),
    (Status.PENDING, ("not_start", "todo", "pending", "queued", "incomplete", "not_complete",
                      "not_done")),
    (Status.COMPLETED, ("complete", "done", "success", "deploy", "finish", "pass")),
)


def _status_key(raw: str) -> str:
    """``"In Progress"``, ``"in-progress"``, ``"✅ IN_PROGRESS"`` → ``"in_progress"``."""
    return re.sub(r"[^a-z0-9]+", "_", raw[:200].lower()).strip("_")


_SYMBOLS: dict[str, Status] = {
    "✅": Status.COMPLETED, "✔": Status.COMPLETED, "☑": Status.COMPLETED, "[x]": Status.COMPLETED,
    "❌": Status.FAILED, "✖": Status.FAILED, "✗": Status.FAILED, "⏳": Status.IN_PROGRESS,
    "🔄": Status.IN_PROGRESS, "🚧": Status.IN_PROGRESS, "⛔": Status.BLOCKED,
    "🚫": Status.BLOCKED, "⏸": Status.BLOCKED, "⏭": Status.SKIPPED, "⬜": Status.PENDING,
    "[ ]": Status.PENDING,
}


def normalise_status(raw: str) -> Status | None:
    """Map a raw progress status to one of the six; None when it cannot be understood.

    Case, spaces, hyphens and decoration are ignored; a lone symbol (✅, ❌, ⏳) counts. None tells
    the caller to keep the raw text, report a warning and treat the item as pending.
    """
    symbol = _SYMBOLS.get(raw.strip().replace("\ufe0f", ""))
    if symbol is not None:
        return symbol
    key = _status_key(raw)
    if not key:
        return None
    known = _STATUS_BY_WORD.get(key)
    if known is not None:
        return known
    for status, fragments in _WORD_RULES:
        if any(fragment in key for fragment in fragments):
            return status
    return None
