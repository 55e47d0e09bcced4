"""Questions and answers through injectable streams, so a terminal, a pty and a test all work.

At a terminal, secrets are read with echo turned off (like ``getpass``) on the *input* stream's
own terminal, so a wizard driven through a pseudo-terminal behaves exactly as at a real one.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from typing import Protocol, TextIO

from kanbanger_daemon.errors import KanbangerError


class Prompter(Protocol):
    interactive: bool

    def say(self, text: str = "") -> None: ...

    def ask(self, question: str, default: str | None = None) -> str: ...

    def ask_secret(self, question: str) -> str: ...

    def confirm(self, question: str, default: bool) -> bool: ...

    def choose(self, question: str, choices: Sequence[tuple[str, str]],
               default: str | None = None) -> str: ...


@contextlib.contextmanager
def _no_echo(stream: TextIO) -> Iterator[bool]:
    """Turn terminal echo off on ``stream`` while reading; yields whether it could."""
    try:
        import termios

        fd = stream.fileno()
        if not stream.isatty():
            yield False
            return
        old = termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError, AttributeError):
        yield False
        return
    new = list(old)
    new[3] = new[3] & ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSAFLUSH, new)
    try:
        yield True
    finally:
        termios.tcsetattr(fd, termios.TCSAFLUSH, old)


class StreamPrompter:
    """Asks on ``out`` and reads lines from ``inp`` (default: the process's stdio)."""

    interactive = True

    def __init__(self, inp: TextIO | None = None, out: TextIO | None = None) -> None:
        self._in = inp or sys.stdin
        self._out = out or sys.stdout

    def say(self, text: str = "") -> None:
        self._out.write(text + "\n")
        self._out.flush()

    def _readline(self, prompt: str) -> str:
        self._out.write(prompt)
        self._out.flush()
        line = self._in.readline()
        if not line:
            raise KanbangerError("setup ended: no more input (nothing else was changed)")
        return line.rstrip("\r\n")

    def ask(self, question: str, default: str | None = None) -> str:
        suffix = f" [{default}]" if default else ""
        while True:
            answer = self._readline(f"{question}{suffix}: ").strip()
            if answer:
                return answer
            if default is not None:
                return default
            self.say("  (an answer is needed)")

    def ask_secret(self, question: str) -> str:
        with _no_echo(self._in) as hidden:
            answer = self._readline(f"{question}{' (input hidden)' if hidden else ''}: ")
        if hidden:
            self.say()  # the Enter the person typed was not echoed
        return answer.strip()

    def confirm(self, question: str, default: bool) -> bool:
        hint = "Y/n" if default else "y/N"
        while True:
            answer = self._readline(f"{question} [{hint}]: ").strip().lower()
            if not answer:
                return default
            if answer in ("y", "yes"):
                return True
            if answer in ("n", "no"):
                return False
            self.say("  (answer y or n)")

    def choose(self, question: str, choices: Sequence[tuple[str, str]],
               default: str | None = None) -> str:
        """Pick one of ``choices`` (value, label) by number or by value."""
        for index, (_value, label) in enumerate(choices, 1):
            self.say(f"  {index}) {label}")
        values = [value for value, _ in choices]
        while True:
            answer = self.ask(question, default)
            if answer in values:
                return answer
            if answer.isdigit() and 1 <= int(answer) <= len(choices):
                return values[int(answer) - 1]
            self.say(f"  (type a number from 1 to {len(choices)})")


class FlagsOnly:
    """``--non-interactive``: says what happens; any question means a flag is missing."""

    interactive = False

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out or sys.stdout

    def say(self, text: str = "") -> None:
        self._out.write(text + "\n")
        self._out.flush()

    def _refuse(self, question: str) -> str:
        raise KanbangerError(f"--non-interactive needs an answer to: {question}")

    def ask(self, question: str, default: str | None = None) -> str:
        if default is not None:
            return default
        return self._refuse(question)

    def ask_secret(self, question: str) -> str:
        return self._refuse(question)

    def confirm(self, question: str, default: bool) -> bool:
        return default

    def choose(self, question: str, choices: Sequence[tuple[str, str]],
               default: str | None = None) -> str:
        if default is not None:
            return default
        return self._refuse(question)
