"""The docs stay true: every command they (and the README) show parses, the workflow runs
`sync --all`."""

from __future__ import annotations

import re
import shlex

import pytest

from kanbanger_daemon.cli import build_parser
from tests.helpers.paths import PROJECT_ROOT

DOCS = PROJECT_ROOT / "docs"
_COMMAND = re.compile(r"(?:^(?:\w+=\S+ )*|run: |`)(kanbanger-daemon [^`\n]*)")


def commands(text: str) -> list[str]:
    text = text.replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        for match in _COMMAND.finditer(line.strip()):
            command = match.group(1).split("  #")[0].split(" # ")[0].strip()
            found.append(command)
    return found


@pytest.mark.parametrize("name", ["setup.md", "github-actions.md", "commands.md", "../README.md"])
def test_every_documented_command_parses(name: str) -> None:
    found = commands((DOCS / name).read_text("utf-8"))
    assert found, f"{name} shows no kanbanger-daemon command"
    parser = build_parser()
    for command in found:
        argv = shlex.split(command)[1:]
        try:
            parser.parse_args(argv)
        except SystemExit:
            pytest.fail(f"{name}: `{command}` does not parse")


def workflow() -> str:
    text = (DOCS / "github-actions.md").read_text("utf-8")
    return text.split("```yaml\n", 1)[1].split("```", 1)[0]


def test_the_workflow_syncs_every_board_on_push() -> None:
    text = workflow()
    assert "run: kanbanger-daemon sync --all" in text
    assert re.search(r"^on:\n  push:", text, re.MULTILINE)
    assert "GITHUB_TOKEN: ${{ secrets.KANBANGER_TOKEN }}" in text


def test_the_workflow_is_valid_yaml() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed: YAML syntax unchecked")
    doc = yaml.safe_load(workflow())
    steps = doc["jobs"]["sync"]["steps"]
    assert steps[-1]["run"] == "kanbanger-daemon sync --all"
