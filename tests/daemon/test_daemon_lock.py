"""One daemon per workspace, with a message that says who holds it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kanbanger_daemon.daemon.lock import WorkspaceLock
from kanbanger_daemon.errors import LockError


def test_a_second_holder_is_refused_and_told_the_pid(tmp_path: Path) -> None:
    with WorkspaceLock(tmp_path):
        with pytest.raises(LockError) as info:
            WorkspaceLock(tmp_path).acquire()
        assert f"pid {os.getpid()}" in str(info.value)
        assert str(tmp_path) in str(info.value)
    with WorkspaceLock(tmp_path):  # released on exit
        pass


def test_the_lock_dies_with_its_process(tmp_path: Path) -> None:
    script = (
        "import sys, os; from pathlib import Path;"
        "from kanbanger_daemon.daemon.lock import WorkspaceLock;"
        "WorkspaceLock(Path(sys.argv[1])).acquire(); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True)
    with WorkspaceLock(tmp_path):
        pass
