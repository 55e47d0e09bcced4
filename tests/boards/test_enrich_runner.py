"""enrich_new_board with a small local program as the LLM: good, bad and hanging commands."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

from kanbanger_daemon.boards.enrich_runner import (
    MAX_OUTPUT_BYTES,
    REAP_TIMEOUT_S,
    EnrichOutcome,
    enrich_new_board,
    enrich_new_board_blocking,
    run_enrich_command,
)
from kanbanger_daemon.core.board.format import board_cards, render_board
from kanbanger_daemon.core.board.plan import plan_board
from kanbanger_daemon.errors import ConfigError, InputError
from kanbanger_daemon.models.board import Board, BoardOptions, SpecInput
from tests.helpers.enrich_spec import SPEC_MD, spec
from tests.helpers.waiting import wait_for

pytestmark = pytest.mark.timeout(30)

# The "LLM": reads the prompt, answers according to its first argument.
FAKE_LLM = r'''
import os, subprocess, sys, time
mode = sys.argv[1]
prompt = sys.stdin.read()
board = prompt.split("Current board:\n\n", 1)[1].split("\n\nPrint an improved board", 1)[0]
board += "\n"
if mode == "good":
    board = board.replace("## TODO\n\n", "## TODO\n\n*   [ ] Install the receipt printer\n", 1)
    print("Sure! Here is the board:\n```markdown\n" + board + "```")
elif mode == "drop":
    print("\n".join(l for l in board.splitlines() if "Task 2:" not in l))
elif mode == "prose":
    print("As a language model I think the board is fine.")
elif mode == "fail":
    sys.stderr.write("model quota exceeded\n")
    sys.exit(7)
elif mode == "binary":
    sys.stdout.buffer.write(b"# T\xff\xfe\n")
elif mode == "flood":
    chunk = "*   [ ] spam\n" * 10000
    while True:
        sys.stdout.write(chunk)
elif mode == "env":
    token = os.environ.get("GITHUB_TOKEN", "")
    print(board.replace("## TODO\n\n", f"## TODO\n\n*   [ ] token={token or 'absent'}\n", 1))
elif mode == "hang":
    helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    with open(sys.argv[2], "w") as fh:
        fh.write(f"{os.getpid()} {helper.pid}")
    time.sleep(600)
'''

OPTIONS = BoardOptions(add_preparatory_tasks=True, add_validation_tasks=True)


@pytest.fixture
def llm(tmp_path: Path) -> Path:
    path = tmp_path / "fake_llm.py"
    path.write_text(FAKE_LLM, "utf-8")
    return path


def item() -> SpecInput:
    return SpecInput(spec=spec())


def planned(options: BoardOptions = OPTIONS) -> Board:
    return plan_board([item()], None, options, title="Till")


def texts(board: Board) -> list[str]:
    return [c.text for c in board_cards(board)]


async def enrich(llm: Path, *args: str, timeout_s: float = 10.0,
                 options: BoardOptions = OPTIONS) -> EnrichOutcome:
    return await enrich_new_board(
        item(), SPEC_MD, planned(options), options, title="Till",
        command=[sys.executable, str(llm), *args], timeout_s=timeout_s,
    )


async def test_a_good_answer_is_the_new_board(llm: Path) -> None:
    outcome = await enrich(llm, "good")
    assert (outcome.source, outcome.error) == ("llm", None)
    cards = texts(outcome.board)
    assert cards[cards.index("Install the receipt printer") + 1].startswith("Task 1: Sales screen")
    assert not any(t.startswith("Prepare:") for t in cards)  # the LLM's board, not ours
    text = render_board(outcome.board)
    assert text.startswith("# Till\n") and "```" not in text and "Sure!" not in text


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("drop", "drops SPEC task card(s) Task 2"),
        ("prose", "printed no markdown heading"),
        ("fail", "exited with status 7: model quota exceeded"),
        ("binary", "not UTF-8"),
        ("flood", f"printed more than {MAX_OUTPUT_BYTES} bytes"),
    ],
)
async def test_a_bad_answer_falls_back_to_deterministic_enrichment(
    llm: Path, mode: str, reason: str
) -> None:
    outcome = await enrich(llm, mode)
    assert outcome.source == "deterministic"
    assert outcome.error is not None and reason in outcome.error
    cards = texts(outcome.board)
    assert "Task 2: Receipts (SPEC: spec_till.md)" in cards
    assert "Prepare: Receipt printer driver (SPEC: spec_till.md)" in cards
    # The failure is noticed at once: the program is not left to run out the time limit, nor
    # does cleaning up wait for a pipe nobody reads (the flood case).
    assert outcome.elapsed_s < REAP_TIMEOUT_S


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"  # a zombie has ended
    except FileNotFoundError:
        return True
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False


async def test_a_hanging_command_is_killed_with_its_helpers_at_the_time_limit(
    llm: Path, tmp_path: Path
) -> None:
    pids_file = tmp_path / "pids"
    started = time.monotonic()
    outcome = await enrich(llm, "hang", str(pids_file), timeout_s=1.0)
    elapsed = time.monotonic() - started
    assert outcome.source == "deterministic"
    assert outcome.error is not None and "timed out after 1 s" in outcome.error
    assert elapsed < 8.0  # bounded by the limit, not by the program's 600 s
    assert pids_file.is_file(), "the fake LLM never started"
    child, helper = (int(p) for p in pids_file.read_text().split())
    wait_for(lambda: _gone(child) and _gone(helper), 5.0, "the command and its helper to be gone")


async def test_a_missing_program_is_a_config_error_and_falls_back(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be started"):
        await run_enrich_command([str(tmp_path / "no-such-llm")], "x", timeout_s=5)
    outcome = await enrich_new_board(item(), SPEC_MD, planned(), OPTIONS, title="Till",
                                     command=str(tmp_path / "no-such-llm"), timeout_s=5)
    assert outcome.source == "deterministic" and outcome.error


async def test_an_empty_command_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="empty"):
        await run_enrich_command("  ", "x", timeout_s=5)


async def test_the_github_token_is_not_given_to_the_program(
    llm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_notforthellm0123456789abcdefghij")
    outcome = await enrich(llm, "env")
    assert outcome.source == "llm"
    assert "token=absent" in texts(outcome.board)


async def test_without_a_command_or_rules_nothing_changes() -> None:
    plain = BoardOptions()
    outcome = await enrich_new_board(item(), SPEC_MD, planned(plain), plain, title="Till")
    assert outcome.source == "none"
    assert render_board(outcome.board) == render_board(planned(plain))


async def test_run_enrich_command_reports_the_timeout(llm: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"enrich command: timed out after 0\.5 s"):
        await run_enrich_command([sys.executable, str(llm), "hang", str(tmp_path / "p")],
                                 "Current board:\n\nx\n\nPrint an improved board",
                                 timeout_s=0.5)


async def test_the_blocking_form_works_in_a_worker_thread(llm: Path, tmp_path: Path) -> None:
    # As reconcile_local would call it: in asyncio.to_thread, with the daemon's loop running.
    outcome = await asyncio.to_thread(
        enrich_new_board_blocking, item(), SPEC_MD, planned(), OPTIONS, title="Till",
        command=[sys.executable, str(llm), "good"], timeout_s=10.0,
    )
    assert outcome.source == "llm"
    hung = await asyncio.to_thread(
        enrich_new_board_blocking, item(), SPEC_MD, planned(), OPTIONS, title="Till",
        command=[sys.executable, str(llm), "hang", str(tmp_path / "pids")], timeout_s=0.5,
    )
    assert hung.source == "deterministic" and "timed out" in (hung.error or "")
