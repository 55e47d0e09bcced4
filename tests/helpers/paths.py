"""Where the project's own files are, and the optional ``../shared/`` files beside it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = PROJECT_ROOT / "examples"
# ../shared (relative to the repository root) is optional: tests that need it skip.
SHARED = PROJECT_ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
SCHEMA_PATH = SHARED / "github" / "schema.graphql"

# The user's own home and XDG folders, as they were before any test ran (conftest imports this
# module first): no test may touch them.
REAL_HOME = Path(os.environ.get("HOME") or Path.home())
REAL_XDG = {name: value for name, value in os.environ.items() if name.startswith("XDG_")}


def copy_examples(to: Path) -> Path:
    """A copy of examples/ at ``to`` (boards `SPECs/website` and `SPECs/ACGTACGT/...`)."""
    shutil.copytree(EXAMPLES, to)
    return to
