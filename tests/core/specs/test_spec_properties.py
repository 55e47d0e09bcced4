"""Property tests: the readers never raise on arbitrary input (decode_text: only InputError)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kanbanger_daemon.core.insight.inspect import progress_report, spec_report
from kanbanger_daemon.core.specs.decode import decode_text
from kanbanger_daemon.core.specs.parse import parse_spec
from kanbanger_daemon.core.specs.progress import parse_progress
from kanbanger_daemon.core.specs.statuses import normalise_status
from kanbanger_daemon.errors import InputError

# Lines made of the pieces the parser reacts to, so the examples reach deep into it.
FRAGMENTS = st.sampled_from([
    "# ", "## ", "### ", "#### ", "Task ", "Task [1]: ", "Task 2: ", "Step [1]: ", "Step 1.1: ",
    "- ", "  - ", "1. ", "**", "**Step [1]:** ", "**Critical:** ", "true", "false",
    "**Backup [1]:** ", "**Goal:** ", "Goal", "SPEClet [a]: ", "**Depends On:** [", "]", "```",
    "~~~", "<!--", "-->",
    "(critical)", "(non-critical)", "Completion Gate", "Tasks", ":", "[", "\t", " ", "x", "é", "\r",
])
MARKDOWN = st.lists(st.lists(FRAGMENTS, max_size=8).map("".join), max_size=40).map("\n".join)
TOML_TEXT = st.one_of(
    st.text(max_size=300),
    st.sampled_from([
        "[[tasks]]\nid = 1\n[[tasks.steps]]\nid = 1\ncritical_flag = true\n",
        "[[tasks]]\nid = \"1\"\nsteps = 3\n", "tasks = [1, 2]\n", "[[speclets]]\nid = 1\n",
        "[[tasks]]\n[[tasks.steps]]\nbackups = [1, {a = 2}]\n",
    ]),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(
        st.sampled_from(["tasks", "steps", "id", "task_id", "step_id", "status", "method_used",
                         "backup_attempts", "backups_used", "speclets", "speclet_id", "name",
                         "task_1", "step_1_1", "backups_exhausted", "x"]),
        children, max_size=6),
    max_leaves=30,
)
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(text=st.one_of(MARKDOWN, st.text()), parameters=st.one_of(st.none(), TOML_TEXT))
def test_parse_spec_never_raises(text: str, parameters: str | None) -> None:
    spec = parse_spec(text, file="spec_p.md", parameters=parameters)
    report = spec_report(spec)
    json.dumps(report)
    assert not any("could not read" in d.message for d in spec.diagnostics)


@SETTINGS
@given(text=st.one_of(st.text(), JSON_VALUES.map(json.dumps)))
def test_parse_progress_never_raises(text: str) -> None:
    progress = parse_progress(text, file="progress_p.json")
    json.dumps(progress_report(progress, None))
    assert not any("could not read" in d.message for d in progress.diagnostics)


@SETTINGS
@given(data=st.binary(max_size=500))
def test_decode_text_returns_text_or_raises_input_error(data: bytes) -> None:
    try:
        text = decode_text(data, file="spec_p.md")
    except InputError as exc:
        assert exc.file == "spec_p.md"
    else:
        assert "\x00" not in text


@SETTINGS
@given(raw=st.text(max_size=50))
def test_normalise_status_never_raises(raw: str) -> None:
    normalise_status(raw)
