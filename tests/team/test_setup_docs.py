"""The docs stay true: every command they (and the README) show parses, every relative link
(and its #anchor) resolves, the workflow runs `sync --all`."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

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


_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def anchors(path: Path) -> set[str]:
    """The #anchors GitHub makes of a markdown file's headings (code blocks skipped)."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    text = re.sub(r"```.*?```", "", path.read_text("utf-8"), flags=re.S)
    for heading in re.findall(r"^#{1,6} (.+)$", text, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return found


@pytest.mark.parametrize("path", [PROJECT_ROOT / "README.md", *sorted(DOCS.glob("*.md"))],
                         ids=lambda p: p.name)
def test_every_relative_link_resolves(path: Path) -> None:
    text = re.sub(r"```.*?```", "", path.read_text("utf-8"), flags=re.S)
    for target in _LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        assert dest.exists(), f"{path.name}: {target} does not exist"
        if anchor:
            assert anchor in anchors(dest), f"{path.name}: {target} names no heading"


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
