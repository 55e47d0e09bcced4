"""The retrospective carries the SPEC's metrics (issue 6) computed from the real log."""

from __future__ import annotations

from pathlib import Path

from kanbanger_daemon.core.insight.retrospective import render_retrospective
from kanbanger_daemon.core.specs.parse import parse_spec
from kanbanger_daemon.core.specs.progress import parse_progress
from kanbanger_daemon.models import SpecInput


def test_podcast_retrospective_has_velocity_from_the_log(corpus_dir: Path) -> None:
    folder = corpus_dir / "spec_engine" / "TGACGTCA" / "spec_podcast"
    spec = parse_spec((folder / "spec_podcast.md").read_text(), file="spec_podcast.md")
    log = parse_progress((folder / "progress_podcast.json").read_text(), file="progress.json")
    text = render_retrospective([SpecInput(spec=spec, progress=log)], title="Podcast")
    lessons = text.split("## Lessons")[1]
    # by hand: 5 tasks between 00:01 and 01:15 (74 min) → 4.05 tasks per hour
    assert "spec_podcast.md: velocity 4.05 tasks/hour" in lessons
    assert "spec_podcast.md: 5 of 5 tasks completed" in lessons
