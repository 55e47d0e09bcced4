"""project_health: which status update a project's progress calls for, and what it says."""

from __future__ import annotations

from kanbanger_daemon.core.insight.health import MAX_LISTED, project_health
from kanbanger_daemon.models.metrics import HealthStatus
from tests.helpers.health_spec import done, item


def test_running_without_trouble_is_on_track() -> None:
    update = project_health([item([done(1), {"id": 2, "status": "in_progress"}])])
    assert update.status is HealthStatus.ON_TRACK
    assert update.body.startswith("**On track**: 1 of 3 tasks done, 0 backups used, 0 blocked.")


def test_not_started_is_on_track() -> None:
    assert project_health([item(None)]).status is HealthStatus.ON_TRACK


def test_a_critical_step_that_needed_a_backup_is_at_risk() -> None:
    update = project_health([item([
        done(1, steps=[{"id": "1.1", "status": "completed", "method_used": "backup_1"}]),
        {"id": 2, "status": "in_progress"},
    ])])
    assert update.status is HealthStatus.AT_RISK
    assert "1 backup used" in update.body
    assert "- Step 1.1: Compile (Backup #1)" in update.body


def test_a_non_critical_step_with_a_backup_stays_on_track() -> None:
    update = project_health([item([
        done(1, steps=[{"id": "1.2", "status": "completed", "method_used": "backup_2"}]),
    ])])
    assert update.status is HealthStatus.ON_TRACK
    assert update.backups_used == 1


def test_a_blocked_task_is_at_risk_and_listed() -> None:
    update = project_health([item([done(1), {"id": 2, "status": "blocked"}])])
    assert update.status is HealthStatus.AT_RISK
    assert update.blocked == ("Task 2: Test (blocked)",)
    assert "Blocked:\n- Task 2: Test (blocked)" in update.body


def test_a_critical_step_failed_after_backups_is_off_track() -> None:
    update = project_health([item([
        done(1), done(2),
        {"id": 3, "status": "failed", "steps": [
            {"id": "3.1", "status": "failed", "backup_attempts": 2}]},
    ])])
    assert update.status is HealthStatus.OFF_TRACK
    assert "Critical steps failed after all backups:\n- Step 3.1: Tag" in update.body
    assert "- Task 3: Release (failed, backups exhausted)" in update.body


def test_a_failed_non_critical_step_is_only_at_risk() -> None:
    update = project_health([item([
        done(1), {"id": 2, "status": "failed", "steps": [
            {"id": "2.1", "status": "failed", "backup_attempts": 1}]},
    ])])
    assert update.status is HealthStatus.AT_RISK


def test_a_failed_task_with_critical_steps_and_no_step_record_is_off_track() -> None:
    update = project_health([item([done(1), done(2),
                                   {"id": 3, "status": "failed", "backups_exhausted": True}])])
    assert update.status is HealthStatus.OFF_TRACK


def test_every_task_done_is_complete_even_after_backups() -> None:
    update = project_health([item([
        done(1, steps=[{"id": "1.1", "status": "completed", "method_used": "backup_1"}]),
        done(2), {"id": 3, "status": "skipped"},
    ])])
    assert update.status is HealthStatus.COMPLETE
    assert update.body.startswith("**Complete**: 3 of 3 tasks done, 1 backup used, 0 blocked.")


def test_several_specs_are_summarised_per_spec() -> None:
    update = project_health([
        item([done(1), done(2), done(3)], name="alpha"),
        item([done(1), {"id": 2, "status": "blocked"}], name="beta"),
    ])
    assert update.status is HealthStatus.AT_RISK
    assert (update.tasks_done, update.tasks_total) == (4, 6)
    assert "- [beta] Task 2: Test (blocked)" in update.body
    assert "| spec_alpha.md | 3/3 | 0 | 0 |" in update.body
    assert "| spec_beta.md | 1/3 | 0 | 1 |" in update.body


def test_fingerprint_changes_exactly_when_the_update_would() -> None:
    first = project_health([item([done(1)])])
    same = project_health([item([done(1)])])
    # Same column, same counts: a step record that changes nothing shown is not news.
    assert first.fingerprint == same.fingerprint
    moved = project_health([item([done(1), {"id": 2, "status": "in_progress"}])])
    assert moved.status is first.status  # still on track …
    assert moved.fingerprint == first.fingerprint  # … and the body is the same: nothing to post
    more = project_health([item([done(1), done(2)])])
    assert more.fingerprint != first.fingerprint


def test_long_lists_are_capped() -> None:
    many = [item([{"id": 2, "status": "blocked"}], name=f"s{n:02}") for n in range(20)]
    update = project_health(many)
    assert f"- … and {20 - MAX_LISTED} more" in update.body
    assert len(update.blocked) == 20
