"""Service files for systemd and launchd, rendered for this machine."""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from kanbanger_daemon.service.manage import install, uninstall
from kanbanger_daemon.service.names import instance_unit
from kanbanger_daemon.service.units import (
    ServiceTarget,
    daemon_command,
    render_launchd,
    render_systemd,
    service_file,
)
from tests.helpers.paths import PROJECT_ROOT

PLACEHOLDERS = ServiceTarget(["@EXECUTABLE@"], Path("@WORKSPACE@"), Path("@HOME@"))


def test_the_unit_is_a_notify_service_with_watchdog_restart_and_utf8(tmp_path: Path) -> None:
    root = tmp_path / "my workspace"
    unit = render_systemd(ServiceTarget(daemon_command(), root, tmp_path))
    lines = unit.splitlines()
    for expected in ("Type=notify", "Restart=on-failure", "Environment=LANG=C.UTF-8",
                     "WantedBy=default.target", "WorkingDirectory=%f"):
        assert expected in lines, expected
    assert any(line.startswith("WatchdogSec=") for line in lines)
    exec_start = next(line for line in lines if line.startswith("ExecStart="))
    assert exec_start.startswith("ExecStart=/")
    assert exec_start.endswith('run --root "%f"')


def test_the_rendered_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed on this machine")
    root = tmp_path / "ws 100%"
    root.mkdir()
    template = tmp_path / "kanbanger-daemon@.service"
    template.write_text(render_systemd(ServiceTarget(daemon_command(), root, tmp_path)))
    instance = tmp_path / instance_unit(root)
    instance.symlink_to(template)
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    proc = subprocess.run(["systemd-analyze", "verify", "--user", str(instance)],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    if proc.returncode != 0 and "Failed to initialize manager" in proc.stderr:
        pytest.skip(f"systemd-analyze cannot run here: {proc.stderr.strip()}")
    assert proc.returncode == 0 and proc.stderr.strip() == "", proc.stderr


def test_the_plist_keeps_alive_on_failure_with_absolute_arguments_and_logs(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ws"
    plist = plistlib.loads(render_launchd(ServiceTarget(daemon_command(), root, tmp_path)).encode())
    assert plist["RunAtLoad"] is True
    assert plist["KeepAlive"] == {"SuccessfulExit": False}
    assert Path(plist["ProgramArguments"][0]).is_absolute()
    assert plist["ProgramArguments"][-3:] == ["run", "--root", str(root)]
    assert plist["StandardOutPath"].startswith(str(tmp_path / "Library" / "Logs"))
    assert plist["Label"].startswith("com.kanbanger.daemon.")
    assert "UTF-8" in plist["EnvironmentVariables"]["LANG"]


def test_checked_in_templates_match_the_renderer() -> None:
    unit = (PROJECT_ROOT / "systemd" / "kanbanger-daemon@.service").read_text()
    plist = (PROJECT_ROOT / "launchd" / "com.kanbanger.daemon.HASH.plist").read_text()
    assert unit == render_systemd(PLACEHOLDERS)
    assert plist == render_launchd(PLACEHOLDERS, label="com.kanbanger.daemon.@HASH@")


@pytest.mark.parametrize("platform", ["systemd", "launchd"])
def test_install_writes_enables_and_uninstall_removes(tmp_path: Path, platform: str) -> None:
    ran: list[list[str]] = []

    def runner(argv: Sequence[str]) -> int:
        ran.append(list(argv))
        return 0

    root = tmp_path / "ws"
    target = ServiceTarget(["/opt/kd/bin/kanbanger-daemon"], root, tmp_path)
    install(platform, target, runner=runner)  # type: ignore[arg-type]
    path = service_file(platform, tmp_path, root)  # type: ignore[arg-type]
    assert path.is_file() and "/opt/kd/bin/kanbanger-daemon" in path.read_text()
    assert ran and ran[-1][0] in ("systemctl", "launchctl")
    ran.clear()
    uninstall(platform, tmp_path, root, runner=runner)  # type: ignore[arg-type]
    assert not path.exists()
    assert any("disable" in argv or "bootout" in argv for argv in ran)
