"""A three-task SPEC ("ship") with its parameters, and progress logs for it, for the tests of a
project's health."""

from __future__ import annotations

import json
from typing import Any

from kanbanger_daemon.core.specs.parse import parse_spec
from kanbanger_daemon.core.specs.progress import parse_progress
from kanbanger_daemon.models.board import SpecInput

SPEC_MD = """\
# Goal
Ship it.

## Task 1: Build
### Step 1.1: Compile
### Step 1.2: Lint

## Task 2: Test
### Step 2.1: Run tests

## Task 3: Release
### Step 3.1: Tag
"""

PARAMETERS = """\
[[tasks]]
id = 1
[[tasks.steps]]
id = "1.1"
critical_flag = true
[[tasks.steps]]
id = "1.2"
critical_flag = false
[[tasks]]
id = 2
[[tasks.steps]]
id = "2.1"
critical_flag = false
[[tasks]]
id = 3
[[tasks.steps]]
id = "3.1"
critical_flag = true
"""


def item(tasks: list[dict[str, Any]] | None, name: str = "ship") -> SpecInput:
    spec = parse_spec(SPEC_MD, file=f"spec_{name}.md", parameters=PARAMETERS,
                      parameters_file=f"parameters_{name}.toml")
    progress = None
    if tasks is not None:
        progress = parse_progress(json.dumps({"tasks": tasks}), file=f"progress_{name}.json")
    return SpecInput(spec=spec, progress=progress, name=name)


def done(task_id: int, **extra: Any) -> dict[str, Any]:
    return {"id": task_id, "status": "completed", **extra}
