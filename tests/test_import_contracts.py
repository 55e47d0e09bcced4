"""The import contracts cover every module, including the ones added after they were written."""

from __future__ import annotations

import tomllib
from pathlib import Path

import kanbanger_daemon.github
from tests.helpers.paths import PROJECT_ROOT

# The facade and the documents other packages may use (the contract's own name says so).
PUBLIC = {"__init__", "queries", "calls"}


def test_every_private_github_module_is_behind_the_facade_contract() -> None:
    """A new module in github/ must be added to the contract that keeps callers on the
    facade: otherwise daemon/ or sync/ could import it directly and nothing would say so."""
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    contracts = pyproject["tool"]["importlinter"]["contracts"]
    facade = next(c for c in contracts if c["name"].startswith("Outside github/"))
    forbidden = set(facade["forbidden_modules"])
    package = Path(kanbanger_daemon.github.__file__).parent
    modules = {f"kanbanger_daemon.github.{p.stem}" for p in package.glob("*.py")
               if p.stem not in PUBLIC}
    assert modules - forbidden == set()
