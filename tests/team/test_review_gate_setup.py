"""With the REVIEW gate on, the project needs a Status option for REVIEW: doctor says so."""

from __future__ import annotations

import shutil
from pathlib import Path

from kanbanger_daemon.team.checks import DoctorContext, run_checks
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.paths import EXAMPLES


def status_check(root: Path, home: Path) -> tuple[bool, str, str]:
    checks = {c.name: c for c in run_checks(DoctorContext(root=root, environ={"HOME": str(home)},
                                                          network=True))}
    check = checks["status-options"]
    return check.ok, check.detail, check.fix


def test_doctor_wants_a_review_option_when_the_gate_is_on(tmp_path: Path, fake: FakeGitHub) -> None:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    env = root / ".env"
    env.write_text(f"GITHUB_TOKEN={fake.token}\nGITHUB_REPO=octo/specs\n"
                   f"GITHUB_PROJECT_NUMBER=1\nGITHUB_GRAPHQL_URL={fake.url}\n")
    env.chmod(0o600)
    assert status_check(root, tmp_path)[0]
    env.write_text(env.read_text() + "KANBANGER_REVIEW_GATE=true\n")
    ok, detail, fix = status_check(root, tmp_path)
    assert not ok and "lacks In Review" in detail and "--add-status-options" in fix
    fake.person_set_options(["Todo", "In Progress", "Review", "Done"])
    assert status_check(root, tmp_path)[0]
