"""``project_fields`` in the daemon (real runtime, watchdog, two-way poll) and across two clones
of a workspace: values follow progress, survive polls and rescans, and never flap."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.two_clones import BUILD, WAIT_S, Running, forced_rescan, start, sync

pytestmark = [pytest.mark.timeout(60),
              pytest.mark.usefixtures("no_leaked_threads", "no_leaked_tasks")]
SET_VALUE = "updateProjectV2ItemFieldValue"


@pytest.fixture(autouse=True)
def project_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KANBANGER_PROJECT_FIELDS", "1")


def backups_of(fake: FakeGitHub, title_start: str) -> float | str | None:
    found = [i for i in fake.items() if i.title.startswith(title_start) and not i.archived]
    assert len(found) == 1, [i.title for i in found]
    return found[0].values.get("Backups used")


def use_backups(root: Path, *methods: str) -> None:
    """Task 2's steps ran with these methods (``primary``, ``backup_1``…)."""
    path = root / "SPECs" / "website" / "progress_website.json"
    log = json.loads(path.read_text())
    log["tasks"][1]["steps"] = [{"id": f"2.{n}", "status": "completed", "method_used": m}
                                for n, m in enumerate(methods, start=1)]
    path.write_text(json.dumps(log))


async def test_the_daemon_keeps_the_values_through_polls_and_rescans(
    clones: tuple[Path, Path], fake: FakeGitHub
) -> None:
    root = clones[0]
    daemon: Running = start(root)
    try:
        await daemon.first_rescan()
        assert {"Backups used", "SPEC"} <= set(fake.fields())
        assert backups_of(fake, BUILD) == 0.0
        use_backups(root, "backup_1", "backup_1")
        await daemon.daemon.wait_until(
            lambda: backups_of(fake, BUILD) == 2.0 and daemon.daemon.idle.is_set(), WAIT_S)
        fake.reset_counters()
        for _ in range(2):
            await daemon.settled()  # a two-way poll (lists without the fields), then a rescan
        assert backups_of(fake, BUILD) == 2.0
        assert fake.counters.mutations.get(SET_VALUE, 0) == 0
        assert "createProjectV2Field" not in fake.counters.mutations
        state = json.loads((root / "SPECs" / "website" / ".kanban.json").read_text())
        assert {c.get("values", {}).get("Backups used") for c in state["cards"].values()} == {
            0.0, 2.0}
    finally:
        assert await daemon.stop() == 0


def test_two_clones_never_flap_a_value(
    clones: tuple[Path, Path], fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    """A (with a backup in its log) and B (without) both sync the same project: A's figure lands
    and stays through both machines' sync loops and forced rescans."""
    a, b = clones
    sync(a, capsys)
    sync(b, capsys)
    use_backups(a, "backup_1", "primary")
    sync(a, capsys)
    assert backups_of(fake, BUILD) == 1.0
    fake.reset_counters()
    for _ in range(2):
        for clone in clones:
            sync(clone, capsys)
            forced_rescan(clone)
    assert backups_of(fake, BUILD) == 1.0
    assert fake.counters.mutations.get(SET_VALUE, 0) == 0
    use_backups(a, "backup_1", "backup_1")  # same note on the card, one backup more
    sync(a, capsys)
    assert backups_of(fake, BUILD) == 2.0
