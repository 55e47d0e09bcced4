"""The integration guide's command names work as subcommands and as console scripts, and each
one's help names it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kanbanger_daemon.cli import main

ALIASES = {"spec-to-kanban": "generate", "sync-spec-progress": "progress",
           "spec-retrospective": "retrospective"}


@pytest.mark.parametrize(("alias", "written"), [("spec-to-kanban", "_kanban.md"),
                                                ("sync-spec-progress", "_kanban.md"),
                                                ("spec-retrospective", "_retrospective.md")])
def test_a_guide_name_works_as_a_subcommand(
    ws: Path, alias: str, written: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = ws / "SPECs" / "website"
    assert main([alias, str(folder), "--root", str(ws)]) == 0
    assert (folder / written).is_file()
    assert "written" in capsys.readouterr().out


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_a_subcommands_help_names_itself(alias: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main([alias, "--help"])
    assert stop.value.code == 0
    help_text = capsys.readouterr().out
    assert help_text.startswith(f"usage: kanbanger-daemon {alias} ")
    assert f"same as `kanbanger-daemon {ALIASES[alias]}`" in " ".join(help_text.split())


def test_the_top_level_help_lists_the_guide_names(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = capsys.readouterr().out
    for alias in ALIASES:
        assert alias in help_text


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_the_console_script_still_works_and_its_help_names_it(ws: Path, alias: str) -> None:
    exe = Path(sys.executable).parent / alias
    if not exe.exists():
        pytest.skip("console scripts not installed (run pip install -e .)")
    shown = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=False)
    assert shown.returncode == 0 and shown.stdout.startswith(f"usage: {alias} "), shown.stdout
    folder = ws / "SPECs" / "website"
    done = subprocess.run([str(exe), str(folder), "--root", str(ws)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    missing = subprocess.run([str(exe)], capture_output=True, text=True, check=False)
    assert missing.returncode == 2 and missing.stderr.startswith(f"usage: {alias} ")
