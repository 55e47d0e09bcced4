"""Logs that time only their steps still give tasks a span (velocity needs it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kanbanger_daemon.core.insight.metrics import spec_metrics
from kanbanger_daemon.core.specs.progress import parse_progress
from kanbanger_daemon.models import Spec, Task


def _log() -> str:
    return json.dumps({"tasks": [
        {"id": 1, "status": "completed", "steps": [
            {"id": 1, "status": "completed", "timestamp_start": "2025-11-03T00:00:00Z",
             "timestamp_end": "2025-11-03T00:20:00Z"},
            {"id": 2, "status": "completed", "timestamp_start": "2025-11-03T00:20:00Z",
             "timestamp_end": "2025-11-03T00:30:00Z"}]},
        {"id": 2, "status": "in_progress", "steps": [
            {"id": 1, "status": "in_progress", "timestamp_start": "2025-11-03T00:30:00Z"}]},
    ]})


def test_task_span_comes_from_its_steps() -> None:
    progress = parse_progress(_log(), file="progress_x.json")
    one, two = progress.tasks["1"], progress.tasks["2"]
    assert (one.started_at, one.completed_at) == ("2025-11-03T00:00:00Z", "2025-11-03T00:30:00Z")
    assert (two.started_at, two.completed_at) == ("2025-11-03T00:30:00Z", None)


def test_velocity_from_step_timestamps() -> None:
    spec = Spec(file="spec_x.md", descriptor="x",
                tasks=[Task(id="1", title="A"), Task(id="2", title="B")])
    metrics = spec_metrics(spec, parse_progress(_log(), file="progress_x.json"))
    # one task done in the half hour from the first start to the last completion
    assert metrics.velocity_tasks_per_hour == pytest.approx(2.0)


def test_podcast_log_has_task_spans(corpus_dir: Path) -> None:
    path = corpus_dir / "spec_engine" / "TGACGTCA" / "spec_podcast" / "progress_podcast.json"
    progress = parse_progress(path.read_text(), file=path.name)
    # read by eye: task 1 runs 00:01 → 00:11, task 5 ends at 01:15
    assert progress.tasks["1"].started_at == "2025-11-03T00:01:00Z"
    assert progress.tasks["1"].completed_at == "2025-11-03T00:11:00Z"
    assert progress.tasks["5"].completed_at == "2025-11-03T01:15:00Z"


def test_as_of_is_the_latest_timestamp_including_steps() -> None:
    log = json.dumps({"tasks": [
        {"id": 1, "status": "completed", "started_at": "2025-11-03T00:00:00Z",
         "completed_at": "2025-11-03T00:30:00Z"},
        {"id": 2, "status": "in_progress", "started_at": "2025-11-03T00:30:00Z", "steps": [
            {"id": 1, "status": "completed", "started_at": "2025-11-03T00:30:00Z",
             "completed_at": "2025-11-03T00:50:00Z"},
            {"id": 2, "status": "in_progress", "started_at": "2025-11-03T01:05:00Z"}]},
    ]})
    spec = Spec(file="spec_x.md", descriptor="x",
                tasks=[Task(id="1", title="A"), Task(id="2", title="B")])
    metrics = spec_metrics(spec, parse_progress(log, file="progress_x.json"))
    assert metrics.as_of is not None and metrics.as_of.isoformat() == "2025-11-03T01:05:00+00:00"
    # task 2 has been in DOING from 00:30 until the last thing the log saw
    assert metrics.tasks[1].time_in_column["DOING"] == 35 * 60
