"""classify / pairs_with on every file name of the shared corpus."""

from __future__ import annotations

from pathlib import Path

from kanbanger_daemon.core.specs.files import classify, pairs_with
from tests.helpers.corpus_expectations import CLASSIFY, PAIRS


def test_every_corpus_file_name_is_classified_as_expected(corpus_dir: Path) -> None:
    names = {p.name for p in corpus_dir.rglob("*") if p.is_file()}
    assert names == set(CLASSIFY), "the corpus changed: update tests/helpers/corpus_expectations.py"
    assert {name: classify(name) for name in names} == CLASSIFY


def test_every_corpus_progress_log_pairs_as_expected(corpus_dir: Path) -> None:
    for relative, expected in PAIRS.items():
        path = corpus_dir / "spec_engine" / relative
        names = [p.name for p in path.parent.iterdir()]
        assert pairs_with(path.name, names) == expected, relative
