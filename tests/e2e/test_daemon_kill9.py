"""kill -9 in the middle of pushes, then restart: no card is ever duplicated, the board converges.

The real `kanbanger-daemon run` in a child process pushes a workspace of 3 boards (one with 40
tasks) to the fake GitHub in small batches. It is killed with SIGKILL after a seeded random
number of mutation documents (so at a different point of a push each time: between a create
and its state save, mid-status, mid-move), progress changes while it is down, and it restarts.
After the last restart it must settle with GitHub showing exactly the local boards and every
card made once. Waits are on the fake's counters and on the daemon's published status (its
idle flag), with deadlines; never fixed sleeps.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest

from kanbanger_daemon.core.sync.markers import parse_marker_key
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.daemon_process import (
    expected,
    log_progress,
    on_github,
    settled,
    start_daemon,
    write_long_spec,
)
from tests.helpers.fake_github import github_env
from tests.helpers.paths import EXAMPLES
from tests.helpers.waiting import wait_for

pytestmark = [pytest.mark.timeout(240),
              pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")]
KILLS = 6


def test_kill_9_during_pushes_then_restart_converges_without_duplicates(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    big = root / "SPECs" / "big"
    write_long_spec(big, "big", 40)
    log_progress(big, "big", 0, 40)
    rng = random.Random(20261201)
    with FakeGitHub() as fake:
        env = {**os.environ, "HOME": str(tmp_path), **github_env(fake),
               "KANBANGER_MUTATION_INTERVAL_S": "0.02",
               "KANBANGER_BATCH_CREATES": "3", "KANBANGER_BATCH_MUTATIONS": "3",
               "KANBANGER_QUIET_MS": "50", "KANBANGER_STATUS_UPDATES": "false",
               # The fake never applies a request late: a create it did not list soon after
               # it was sent never ran (GitHub needs the default 30 s).
               "KANBANGER_LOST_CREATE_SETTLE_S": "1"}
        for name in ("KANBANGER_CONFIG", "XDG_CONFIG_HOME"):
            env.pop(name, None)
        kills = mid_push = 0
        for round_ in range(KILLS):
            target = fake.counters.mutation_documents + rng.randint(1, 8)
            proc = start_daemon(root, env)
            try:
                def reached(t: int = target) -> bool:
                    return fake.counters.mutation_documents >= t or settled(root, 3)

                wait_for(reached, 60, f"round {round_}: mutation document {target}")
            finally:
                mid_push += not settled(root, 3)
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
            kills += proc.returncode == -signal.SIGKILL
            # The executor goes on while the daemon is down.
            log_progress(big, "big", 4 * (round_ + 1), 40)

        proc = start_daemon(root, env)
        try:
            wait_for(lambda: settled(root, 3) and on_github(fake) == expected(root), 120,
                     "the restarted daemon to settle with GitHub showing the local boards")
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(15) == 0

    assert kills == KILLS
    assert mid_push >= KILLS // 2, f"only {mid_push} kills landed mid-push"
    made = Counter(parse_marker_key(i.body) for i in fake.items() if parse_marker_key(i.body))
    assert made and max(made.values()) == 1, [k for k, n in made.items() if n > 1]
    assert len(made) == len(expected(root)) == 47  # big 40 + website 3 + data pipeline 4
