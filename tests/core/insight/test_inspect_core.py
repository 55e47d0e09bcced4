"""inspect reports: the JSON shapes `kanbanger-daemon inspect --json` prints."""

from __future__ import annotations

import json

from kanbanger_daemon.core.insight.inspect import progress_report, spec_report
from kanbanger_daemon.core.specs.parse import parse_spec
from kanbanger_daemon.core.specs.progress import parse_progress


def test_spec_report_shape() -> None:
    spec = parse_spec(
        "# Spec: S\n## Goal\nShip it\n### SPECLet [a]: Base\n**Depends On:** []\n"
        "#### Task [1]: Build\n- **Step [1]:** Do\n  - **Backup [1]:** Or\n  - **Critical:** true\n"
        "#### Task [1]: again\n",
        file="spec_s.md",
    )
    report = spec_report(spec)
    assert report == {
        "kind": "spec",
        "file": "spec_s.md",
        "title": "S",
        "goal": "Ship it",
        "tasks": [{"id": "1", "title": "Build", "speclet": "a",
                   "steps": [{"id": "1", "title": "Do", "critical": True, "backups": 1}]}],
        "speclets": [{"id": "a", "title": "Base", "depends_on": []}],
        "errors": [],
        "warnings": ["spec_s.md:10: task 1 appears twice; this one is ignored"],
        "notes": [],
    }
    json.dumps(report)


def test_spec_report_errors_without_a_line() -> None:
    report = spec_report(parse_spec("", file="spec_d.md"))
    assert report["errors"] == ["spec_d.md:1: empty file"]


def test_progress_report_shape() -> None:
    progress = parse_progress(json.dumps({"tasks": [
        {"task_id": 1, "status": "completed"},
        {"task_id": 2, "status": "failed", "steps": [
            {"step_id": 1, "status": "failed", "method_used": "backup_1", "backup_attempts": [1]},
        ]},
        {"task_id": 3, "status": "mystery"},
    ]}), file="progress_x.json")
    report = progress_report(progress, "spec_x.md")
    assert report == {
        "kind": "progress",
        "file": "progress_x.json",
        "is_spec_progress": True,
        "pairs_with": "spec_x.md",
        "tasks": {
            "1": {"status": "completed", "raw": "completed", "backup_used": None,
                  "backups_exhausted": False, "steps": {}},
            "2": {"status": "failed", "raw": "failed", "backup_used": 1,
                  "backups_exhausted": True, "steps": {"1": {"status": "failed", "raw": "failed"}}},
            "3": {"status": "pending", "raw": "mystery", "backup_used": None,
                  "backups_exhausted": False, "steps": {}},
        },
        "speclets": {},
        "errors": [],
        "warnings": ["progress_x.json: task 3: unknown status 'mystery', treated as pending"],
        "notes": [],
    }


def test_progress_report_of_a_broken_log() -> None:
    report = progress_report(parse_progress('{"tasks": [', file="progress_x.json"), None)
    assert report["is_spec_progress"] is False
    errors = report["errors"]
    assert isinstance(errors, list) and errors[0].startswith("progress_x.json:1: truncated JSON")
