"""Shared fixtures. `../shared/` (corpus, GitHub schema) is optional: tests that need it skip."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
SCHEMA_PATH = SHARED / "github" / "schema.graphql"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is absent ({CORPUS}); conformance tests need it")
    return CORPUS
