"""classify / pairs_with / companion_names on names beyond the corpus."""

from __future__ import annotations

import pytest

from kanbanger_daemon.core.specs.files import (
    classify,
    companion_names,
    is_master_progress,
    pairs_with,
    parameters_pairs_with,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("spec_analysis.md", ("spec", "analysis")),
        ("/abs/path/spec_analysis.md", ("spec", "analysis")),
        ("C:\\work\\spec_analysis.md", ("spec", "analysis")),
        ("speclet_0_platform.md", ("speclet", "0_platform")),
        ("parameters_speclet_0_platform.toml", ("parameters", "speclet_0_platform")),
        ("progress_speclet_2_define.json", ("progress", "speclet_2_define")),
        ("_kanban.md", ("board", None)),
        ("SPECLET_3_COMPLETION.md", ("other", None)),
        ("Spec_template.md", ("other", None)),
        ("spec_.md", ("other", None)),
        ("spec_x.md~", ("other", None)),
        ("spec_x.MD", ("other", None)),
        (".spec_x.md.swp", ("other", None)),
        ("progress_x.json.tmp", ("other", None)),
        ("parameters_x.md", ("other", None)),
        ("x_kanban.md", ("other", None)),
    ],
)
def test_classify(name: str, expected: tuple[str, str | None]) -> None:
    assert classify(name) == expected


def test_pairs_with_prefers_spec_then_speclet_and_never_reads_content() -> None:
    folder = ["spec_a.md", "speclet_1_b.md", "spec_speclet_2_c.md", "speclet_2_c.md", "x.md"]
    assert pairs_with("progress_a.json", folder) == "spec_a.md"
    assert pairs_with("progress_speclet_1_b.json", folder) == "speclet_1_b.md"
    assert pairs_with("progress_speclet_2_c.json", folder) == "spec_speclet_2_c.md"
    assert pairs_with("progress_missing.json", folder) is None
    assert pairs_with("progress_app_MASTER.json", [*folder, "spec_app_MASTER.md"]) is None
    assert pairs_with("spec_a.md", folder) is None
    assert pairs_with("progress_a.json", ["dir/spec_a.md"]) == "spec_a.md"


def test_parameters_and_companions() -> None:
    assert parameters_pairs_with("parameters_speclet_1_b.toml", ["speclet_1_b.md"]) == (
        "speclet_1_b.md"
    )
    assert companion_names("spec_a.md") == ("parameters_a.toml", "progress_a.json")
    assert companion_names("speclet_0_platform.md") == (
        "parameters_speclet_0_platform.toml", "progress_speclet_0_platform.json",
    )
    assert companion_names("README.md") is None
    assert is_master_progress("progress_innovation_dashboard_MASTER.json")
    assert not is_master_progress("progress_podcast.json")
