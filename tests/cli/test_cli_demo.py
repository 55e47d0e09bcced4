"""The README's first command: `kanbanger-daemon demo` plays a SPEC run onto a fake GitHub."""

from __future__ import annotations

import pytest

from kanbanger_daemon.cli import main


def test_demo_moves_every_task_to_done_on_the_fake_project(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real token in the user's environment must not matter: the demo builds its own settings.
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_userRealTokenThatMustNotBeUsed0000")
    monkeypatch.setenv("GITHUB_GRAPHQL_URL", "https://api.github.com/graphql")
    assert main(["demo"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "ghp_userRealToken" not in out
    # The demo's screen is the boards: no log line (JSON or not) on either stream.
    assert captured.err == ""
    assert not [line for line in out.splitlines() if line.startswith("{")]
    final = out.split("Task 4 done: the SPEC is complete")[1].split("The board file:")[0]
    done = final.split("== Done")[1]
    for title in ("Data Collection", "Cleaning", "Summary Report", "Publish"):
        assert f"{title} (SPEC: spec_data_pipeline.md)" in done
    assert "(used Backup #1)" in done
    assert "7 item(s)" in final  # two boards, no duplicate
