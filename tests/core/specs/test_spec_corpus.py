"""Conformance: every spec/speclet of the shared corpus reads as established by eye."""

from __future__ import annotations

from pathlib import Path

import pytest

from kanbanger_daemon.core.specs.files import companion_names
from kanbanger_daemon.core.specs.parse import parse_spec
from kanbanger_daemon.models.spec import Spec
from tests.helpers.corpus_expectations import SPECS, SpecExp


def _parse(corpus_dir: Path, relative: str) -> Spec:
    path = corpus_dir / "spec_engine" / relative
    companions = companion_names(path.name)
    parameters = parameters_name = None
    if companions is not None and (path.parent / companions[0]).is_file():
        parameters_name = companions[0]
        parameters = (path.parent / parameters_name).read_text(encoding="utf-8")
    return parse_spec(
        path.read_text(encoding="utf-8"),
        file=path.name,
        parameters=parameters,
        parameters_file=parameters_name,
    )


@pytest.mark.parametrize("relative", sorted(SPECS))
def test_corpus_spec_reads_as_written(corpus_dir: Path, relative: str) -> None:
    expected: SpecExp = SPECS[relative]
    spec = _parse(corpus_dir, relative)

    assert [d for d in spec.diagnostics if d.severity == "error"] == []
    assert spec.goal is not None and expected.goal_start is not None
    assert spec.goal.startswith(expected.goal_start)
    assert [(t.id, t.title, t.speclet) for t in spec.tasks] == [
        (tid, title, speclet) for tid, title, speclet, _ in expected.tasks
    ]
    for task, (tid, _, _, steps) in zip(spec.tasks, expected.tasks, strict=True):
        if steps is None:
            assert len(task.steps) == expected.step_counts[tid], f"task {tid}"
        else:
            got = [(s.id, s.critical, len(s.backups)) for s in task.steps]
            assert got == steps, f"task {tid}"
    assert [(s.id, s.title, s.depends_on) for s in spec.speclets] == expected.speclets


def test_steps_carry_details_from_the_markdown(corpus_dir: Path) -> None:
    spec = _parse(corpus_dir, "TGACGTCA/spec_podcast/spec_podcast.md")
    step = spec.tasks[0].steps[2]
    assert step.title == "Initialize project with Next.js, shadcn/ui, and Insforge backend"
    assert step.backups[1].startswith("If BaaS approach blocked")
    assert step.expected_output is not None
    assert step.expected_output.startswith("Initialized project repository")
    assert step.mode == "silent"
    assert step.primary_method is not None and step.primary_method.startswith("Create Next.js")


def test_compact_steps_lose_their_critical_suffix(corpus_dir: Path) -> None:
    spec = _parse(
        corpus_dir, "SPECs/Testing/CGATTACG/spec_compliance_checker/spec_compliance_checker.md"
    )
    last = spec.tasks[2].steps[2]
    assert (last.title, last.critical) == ("Provide remediation suggestions", False)


def test_parameters_disagreeing_with_markdown_is_a_warning(corpus_dir: Path) -> None:
    # spec_Better_SPEC.md says Task [0] Step [4] is critical; parameters_Better_SPEC.toml says not.
    spec = _parse(corpus_dir, "__SPEC_Engine/_TOOLSPECs/Better_SPEC/spec_Better_SPEC.md")
    assert spec.tasks[0].steps[4].critical is True
    assert any(
        d.severity == "warning" and "task 0 step 4" in d.message
        and d.file == "parameters_Better_SPEC.toml"
        for d in spec.diagnostics
    )
