"""Conformance: every progress log of the shared corpus reads as established by eye."""

from __future__ import annotations

from pathlib import Path

import pytest

from kanbanger_daemon.core.specs.progress import parse_progress
from kanbanger_daemon.models.spec import TaskProgress
from tests.helpers.corpus_expectations import PROGRESS, ProgressExp


def _summary(tasks: dict[str, TaskProgress]) -> ProgressExp:
    return {k: (t.status.value, t.raw_status, len(t.steps)) for k, t in tasks.items()}


@pytest.mark.parametrize("relative", sorted(PROGRESS))
def test_corpus_progress_reads_as_written(corpus_dir: Path, relative: str) -> None:
    path = corpus_dir / "spec_engine" / relative
    is_spec, tasks, speclets = PROGRESS[relative]
    progress = parse_progress(path.read_text(encoding="utf-8"), file=path.name)

    assert progress.is_spec_progress is is_spec
    assert _summary(progress.tasks) == tasks
    assert _summary(progress.speclets) == speclets
    assert [d for d in progress.diagnostics if d.severity == "error"] == []
    assert all(t.backup_used is None and not t.backups_exhausted for t in progress.tasks.values())


def test_application_event_log_is_recognised_and_ignored(corpus_dir: Path) -> None:
    path = corpus_dir / "spec_engine" / "progress_transaction_v2.json"
    progress = parse_progress(path.read_text(encoding="utf-8"), file=path.name)
    assert not progress.is_spec_progress
    assert progress.tasks == {}
    (warning,) = progress.diagnostics
    assert warning.severity == "warning" and "not a SPEC progress log" in warning.message


def test_nested_step_ids_join_the_markdown_numbering(corpus_dir: Path) -> None:
    path = corpus_dir / "spec_engine/SPECs/GCATTAGC/spec_innovation_dashboard"
    progress = parse_progress(
        (path / "progress_speclet_2_define.json").read_text(encoding="utf-8"),
        file="progress_speclet_2_define.json",
    )
    assert progress.speclet_id == "2"
    assert [s.id for s in progress.tasks["1"].steps] == ["1.1", "1.2", "1.3", "1.4"]
