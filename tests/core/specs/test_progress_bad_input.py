"""Bad input for the progress reader: errors with file and line, never an exception."""

from __future__ import annotations

import json
import time

from kanbanger_daemon.core.specs.progress import parse_progress

GOOD = json.dumps({"tasks": [{"task_id": 1, "status": "completed"}]}, indent=2)


def test_truncated_json_names_file_and_line() -> None:
    progress = parse_progress(GOOD[: len(GOOD) // 2], file="spec/progress_x.json")
    assert not progress.is_spec_progress and progress.tasks == {}
    (error,) = progress.diagnostics
    assert (error.file, error.severity) == ("spec/progress_x.json", "error")
    assert error.line is not None and error.line > 1
    assert "truncated" in error.message


def test_invalid_json_names_the_line_of_the_fault() -> None:
    progress = parse_progress('{\n  "tasks": [\n    {"task_id": 1,, }\n  ]\n}\n', file="p.json")
    (error,) = progress.diagnostics
    assert error.line == 3 and error.message.startswith("invalid JSON")


def test_empty_and_whitespace_logs_are_no_progress_yet_not_errors() -> None:
    # The executor creates the log, or truncates it to rewrite it: nothing to show, nothing wrong.
    for text in ("", "  \n"):
        progress = parse_progress(text, file="progress_x.json")
        (note,) = progress.diagnostics
        assert (note.severity, note.message) == ("note", "empty progress log: no progress yet")
        assert progress.tasks == {}


def test_json_that_is_not_an_object_or_log() -> None:
    for text in ("[]", "3", '"text"', "null", '{"steps": [{"step": "payment"}]}'):
        progress = parse_progress(text, file="progress_x.json")
        assert not progress.is_spec_progress, text
        assert [d.severity for d in progress.diagnostics] == ["warning"]


def test_deeply_nested_json_is_an_error_not_a_crash() -> None:
    progress = parse_progress("[" * 100_000 + "]" * 100_000, file="progress_x.json")
    assert not progress.is_spec_progress
    assert progress.diagnostics[0].severity == "error"


def test_odd_values_in_a_spec_log_are_tolerated() -> None:
    progress = parse_progress(json.dumps({"tasks": [
        {"task_id": None}, {"task_id": True, "status": 3}, "text", 5,
        {"task_id": 1.0, "status": None, "steps": "nope", "backup_attempts": "x",
         "started_at": 17, "name": ["a"]},
        {"task_id": 2, "status": {"nested": 1}, "method_used": ["backup_1"]},
    ]}), file="progress_x.json")
    assert sorted(progress.tasks) == ["1", "2"]
    assert progress.tasks["1"].started_at == "17" and progress.tasks["1"].name is None


def test_a_50_mb_log_is_refused_quickly() -> None:
    started = time.perf_counter()
    progress = parse_progress('{"tasks": [' + "1," * (25 * 1024 * 1024) + "1]}",
                              file="progress_x.json")
    assert time.perf_counter() - started < 5
    assert "too large" in progress.diagnostics[0].message
