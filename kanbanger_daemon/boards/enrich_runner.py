"""Run the configured ``enrich.command`` (an LLM wrapper) to enrich a new board, safely.

The program gets ``core.insight.enrich_command.enrich_prompt`` on stdin and prints a board on
stdout. It runs in its own process group with a time limit; on timeout (or too much output) the
whole group is killed, so a hanging model or a helper it spawned never outlives the call. Its
output is accepted only through ``core.insight.enrich_command.validate_enriched`` (a valid board
keeping every SPEC task card where the planner put it) and is then re-planned, so progress still
decides the columns.
Any failure — not found, non-zero exit, timeout, not UTF-8, invalid board — is logged with a
clear reason and the deterministic enrichment is used instead.

The GitHub token is not passed to the program: it has no business with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kanbanger_daemon.core.board.cards import namespace_of
from kanbanger_daemon.core.board.plan import plan_board
from kanbanger_daemon.core.insight.enrich import apply_enrichment, enrichment_cards
from kanbanger_daemon.core.insight.enrich_command import (
    MAX_ENRICHED_CHARS,
    enrich_prompt,
    validate_enriched,
)
from kanbanger_daemon.errors import ConfigError, InputError, KanbangerError
from kanbanger_daemon.logging import get_logger
from kanbanger_daemon.models.board import Board, BoardOptions, SpecInput

SOURCE = "enrich command"
MAX_OUTPUT_BYTES = MAX_ENRICHED_CHARS * 4  # UTF-8: at most 4 bytes a character
_STDERR_TAIL = 2000
REAP_TIMEOUT_S = 5.0
_SECRET_VARIABLES = ("GITHUB_TOKEN", "KANBANGER_GITHUB_TOKEN", "GH_TOKEN")

log = get_logger("kanbanger_daemon.enrich")


@dataclass(frozen=True)
class EnrichOutcome:
    """The enriched board and where it came from; ``error`` says why the LLM was not used."""

    board: Board
    source: Literal["llm", "deterministic", "none"]
    error: str | None = None
    elapsed_s: float = 0.0


def command_argv(command: str | Sequence[str]) -> list[str]:
    """``enrich.command`` as an argument list (a string is split like a shell would)."""
    try:
        argv = shlex.split(command) if isinstance(command, str) else list(command)
    except ValueError as exc:
        raise ConfigError(f"enrich command cannot be parsed: {exc}", key="enrich_command") from exc
    if not argv or not argv[0]:
        raise ConfigError("enrich command is empty", key="enrich_command")
    return argv


def _child_env(extra: Mapping[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SECRET_VARIABLES}
    if extra:
        env.update({k: v for k, v in extra.items() if k not in _SECRET_VARIABLES})
    return env


async def _read_limited(stream: asyncio.StreamReader, limit: int) -> tuple[bytes, bool]:
    """Up to ``limit`` bytes of ``stream``; True when there was more (reading stops there)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await stream.read(65536):
        size += len(chunk)
        if size > limit:
            return b"".join(chunks), True
        chunks.append(chunk)
    return b"".join(chunks), False


async def _feed(stdin: asyncio.StreamWriter, data: bytes) -> None:
    try:
        stdin.write(data)
        await stdin.drain()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the program may answer without reading the whole prompt
    finally:
        stdin.close()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            await stdin.wait_closed()


async def _discard(stream: asyncio.StreamReader | None) -> None:
    if stream is not None:
        while await stream.read(65536):
            pass


async def _finish(proc: asyncio.subprocess.Process) -> None:
    await asyncio.gather(_discard(proc.stdout), _discard(proc.stderr))
    await proc.wait()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


async def run_enrich_command(
    command: str | Sequence[str],
    prompt: str,
    *,
    timeout_s: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """What the program printed for ``prompt``; ``InputError`` (or ``ConfigError``) if it
    could not run, failed, took longer than ``timeout_s`` or printed too much."""
    argv = command_argv(command)
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, cwd=cwd, env=_child_env(env),
            start_new_session=True,  # its own process group: a timeout kills its helpers too
        )
    except OSError as exc:
        raise ConfigError(f"enrich command {argv[0]!r} cannot be started: {exc.strerror or exc}",
                          key="enrich_command") from exc

    async def exchange() -> tuple[bytes, bool, bytes, int]:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        out_task = asyncio.ensure_future(_read_limited(proc.stdout, MAX_OUTPUT_BYTES))
        err_task = asyncio.ensure_future(_read_limited(proc.stderr, 64 * 1024))
        try:
            await _feed(proc.stdin, prompt.encode("utf-8"))
            out, overflow = await out_task
            if overflow:
                return out, True, b"", -1
            err, _ = await err_task
            return out, False, err, await proc.wait()
        finally:
            for task in (out_task, err_task):
                task.cancel()
            await asyncio.gather(out_task, err_task, return_exceptions=True)

    try:
        out, overflow, err, code = await asyncio.wait_for(exchange(), timeout_s)
    except TimeoutError:
        raise InputError(f"timed out after {timeout_s:g} s (the process group was killed)",
                         file=SOURCE) from None
    finally:
        _kill_group(proc.pid)  # also ends helpers left behind after a normal exit
        # Read what is left (a paused pipe never reports its end) so that the process and
        # its pipes are finished and closed; bounded, as a helper that left the group could
        # hold the pipes open forever.
        with contextlib.suppress(ProcessLookupError, TimeoutError):
            await asyncio.wait_for(_finish(proc), REAP_TIMEOUT_S)
    if overflow:
        raise InputError(f"printed more than {MAX_OUTPUT_BYTES} bytes", file=SOURCE)
    if code != 0:
        tail = err.decode("utf-8", "replace").strip()[-_STDERR_TAIL:]
        detail = f": {tail}" if tail else ""
        raise InputError(f"exited with status {code}{detail}", file=SOURCE)
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"printed text that is not UTF-8 (byte {exc.start})",
                         file=SOURCE) from None


async def enrich_new_board(
    item: SpecInput,
    spec_text: str,
    planned: Board,
    options: BoardOptions,
    *,
    title: str,
    command: str | Sequence[str] | None = None,
    timeout_s: float = 120.0,
    cwd: Path | None = None,
) -> EnrichOutcome:
    """Enrich the board ``plan_board`` made for ``item`` (call it when the board is created:
    enrichment cards are the user's afterwards, and a card they delete should stay deleted).

    With ``command``, the LLM's board (validated, then re-planned); without it, or when it
    fails, the deterministic cards ``options`` switch on (``source="none"`` when none are).
    """
    started = time.monotonic()
    cards = enrichment_cards(spec_text, item.spec, options)
    fallback = apply_enrichment(planned, cards)
    fallback_source: Literal["deterministic", "none"] = "deterministic" if cards else "none"
    if command is None:
        return EnrichOutcome(fallback, fallback_source, None, time.monotonic() - started)
    prompt = enrich_prompt(item.spec, spec_text, planned)
    try:
        text = await run_enrich_command(command, prompt, timeout_s=timeout_s, cwd=cwd)
        prefix, _ = namespace_of(item, options)  # card prefix on the single root board
        board = validate_enriched(text, item.spec, expected=planned, prefix=prefix)
        replanned = plan_board([item], board, options, title=title)
    except KanbangerError as exc:
        log.warning("enrichment by the enrich command failed; deterministic enrichment used",
                    spec=item.spec.file, error=exc.message)
        return EnrichOutcome(fallback, fallback_source, exc.message, time.monotonic() - started)
    elapsed = time.monotonic() - started
    log.info("board enriched by the enrich command", spec=item.spec.file,
             seconds=round(elapsed, 2))
    return EnrichOutcome(replanned, "llm", None, elapsed)


def enrich_new_board_blocking(
    item: SpecInput,
    spec_text: str,
    planned: Board,
    options: BoardOptions,
    *,
    title: str,
    command: str | Sequence[str] | None = None,
    timeout_s: float = 120.0,
    cwd: Path | None = None,
) -> EnrichOutcome:
    """``enrich_new_board`` for synchronous code such as ``reconcile_local``, which the daemon
    runs in a worker thread (``asyncio.to_thread``). Not for a thread running an event loop."""
    return asyncio.run(enrich_new_board(
        item, spec_text, planned, options, title=title, command=command,
        timeout_s=timeout_s, cwd=cwd,
    ))
