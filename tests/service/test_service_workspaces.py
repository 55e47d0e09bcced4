"""One service per workspace: a systemd template instance named after the escaped path, or a
launchd agent labelled with a hash of it. A second workspace never replaces the first's.

systemctl and launchctl are never the real ones here: a stand-in on PATH records its calls.
"""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import time
from pathlib import Path
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kanbanger_daemon.cli import main
from kanbanger_daemon.daemon.status import StatusPublisher
from kanbanger_daemon.models.status import DaemonStatus, RunState
from kanbanger_daemon.service.names import (
    instance_root,
    instance_unit,
    launchd_label,
    systemd_escape_path,
    systemd_unescape_path,
)
from kanbanger_daemon.team.checks import DoctorContext, run_checks
from kanbanger_daemon.team.service_state import ServiceControl
from tests.helpers.paths import REAL_HOME, REAL_XDG

# Seen from systemd 252's `systemd-escape --path`.
KNOWN = [
    ("/", "-"),
    ("/home/u/ws", "home-u-ws"),
    ("/home/u/my ws", "home-u-my\\x20ws"),
    ("/home/u/a-b/c_d.e", "home-u-a\\x2db-c_d.e"),
    ("/srv/Hallöchen, Meister", "srv-Hall\\xc3\\xb6chen\\x2c\\x20Meister"),
    ("/home/u/.hidden", "home-u-.hidden"),
    ("//a//b/", "a-b"),
    ("/a/./b", "a-b"),
    ("/.a", "\\x2ea"),
    ("/x:y@z%1\\q", "x:y\\x40z\\x251\\x5cq"),
]


@pytest.mark.parametrize(("path", "escaped"), KNOWN)
def test_escaping_matches_systemd_escape_path(path: str, escaped: str) -> None:
    assert systemd_escape_path(path) == escaped


def test_escaping_matches_the_installed_systemd_escape() -> None:
    tool = shutil.which("systemd-escape")
    if tool is None:
        pytest.skip("systemd-escape is not installed on this machine")
    paths = [p for p, _ in KNOWN] + ["/home/ü/ä ö/$HOME/`x`", "/srv/a\tb/c\\d", "/a-/-b/--"]
    for path in paths:
        real = subprocess.run([tool, "--path", "--", path], capture_output=True, text=True,
                              check=True).stdout.strip()
        assert systemd_escape_path(path) == real, path
        back = subprocess.run([tool, "--unescape", "--path", "--", real], capture_output=True,
                              text=True, check=True).stdout.strip()
        assert systemd_unescape_path(real) == back, real


_NO_SURROGATES: tuple[Literal["Cs"]] = ("Cs",)  # a path component must encode
_component = st.text(st.characters(blacklist_characters="/\x00",
                                   blacklist_categories=_NO_SURROGATES),
                     min_size=1, max_size=12).filter(lambda c: c not in (".", ".."))


@given(st.lists(_component, min_size=1, max_size=5))
def test_an_escaped_path_unescapes_to_itself(parts: list[str]) -> None:
    path = "/" + "/".join(parts)
    assert systemd_unescape_path(systemd_escape_path(path)) == path


def test_an_instance_name_gives_its_workspace_back() -> None:
    root = Path("/home/me/my-specs ü")
    assert instance_unit(root) == "kanbanger-daemon@home-me-my\\x2dspecs\\x20\\xc3\\xbc.service"
    assert instance_root(instance_unit(root)) == root
    assert instance_root("kanbanger-daemon@.service") is None


def test_a_path_too_long_for_a_unit_name_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], service_bin: Path
) -> None:
    root = tmp_path / ("é" * 60)  # 60 × 8 escaped characters
    root.mkdir()
    assert main(["service", "install", "--kind", "systemd", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "too long for a systemd unit name" in err and "Traceback" not in err


# -- install, list, uninstall through the CLI ------------------------------------------------

@pytest.fixture
def service_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """systemctl and launchctl stand-ins, first on PATH; each call is a line of calls.log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for tool in ("systemctl", "launchctl"):
        script = bin_dir / tool
        script.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{log}"\nexit 0\n')
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return log


def calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def workspaces(tmp_path: Path) -> tuple[Path, Path]:
    one, two = tmp_path / "work" / "alpha", tmp_path / "work" / "beta ws"
    for root in (one, two):
        (root / "SPECs").mkdir(parents=True)
    return one, two


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every entry under ``folder``: its content (or link target) and modification time."""
    out: dict[str, tuple[str, int]] = {}
    if not folder.exists():
        return out
    for path in sorted(folder.rglob("*")):
        stat = path.lstat()
        what = (f"-> {os.readlink(path)}" if path.is_symlink()
                else path.read_text() if path.is_file() else "dir")
        out[str(path.relative_to(folder))] = (what, stat.st_mtime_ns)
    return out


def service(*argv: str) -> int:
    return main(["service", *argv])


def test_two_workspaces_get_two_systemd_units_and_reinstalling_changes_nothing(
    tmp_path: Path, service_bin: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two = workspaces(tmp_path)
    user_dir = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user"
    assert service("install", "--kind", "systemd", "--root", str(one)) == 0
    first = capsys.readouterr().out
    unit_one = instance_unit(one)
    assert f"systemctl --user enable --now {unit_one}" in calls(service_bin)
    assert f"ran: systemctl --user enable --now {unit_one}" in first

    assert service("install", "--kind", "systemd", "--root", str(two)) == 0
    unit_two = instance_unit(two)
    wants = user_dir / "default.target.wants"
    assert sorted(p.name for p in wants.iterdir()) == sorted([unit_one, unit_two])
    assert (user_dir / "kanbanger-daemon@.service").is_file()
    template = (user_dir / "kanbanger-daemon@.service").read_text()
    assert 'run --root "%f"' in template and "WorkingDirectory=%f" in template

    before, logged = snapshot(user_dir), len(calls(service_bin))
    capsys.readouterr()
    assert service("install", "--kind", "systemd", "--root", str(one)) == 0
    assert capsys.readouterr().out == f"already installed: {unit_one} (nothing changed)\n"
    assert snapshot(user_dir) == before and len(calls(service_bin)) == logged

    assert service("list", "--kind", "systemd") == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing == sorted([f"{unit_one}  {one}  not running",
                              f"{unit_two}  {two}  not running"])


def test_uninstalling_one_workspace_leaves_the_other(
    tmp_path: Path, service_bin: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two = workspaces(tmp_path)
    user_dir = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user"
    for root in (one, two):
        assert service("install", "--kind", "systemd", "--root", str(root)) == 0
    assert service("uninstall", "--kind", "systemd", "--root", str(one)) == 0
    assert f"systemctl --user disable --now {instance_unit(one)}" in calls(service_bin)
    assert [p.name for p in (user_dir / "default.target.wants").iterdir()] == [
        instance_unit(two)]
    assert (user_dir / "kanbanger-daemon@.service").is_file()
    assert service("uninstall", "--kind", "systemd", "--root", str(two)) == 0
    assert not (user_dir / "kanbanger-daemon@.service").exists()
    capsys.readouterr()
    assert service("list", "--kind", "systemd") == 0
    assert capsys.readouterr().out == "no kanbanger-daemon service is installed (systemd)\n"


def test_two_workspaces_get_two_launchd_agents(
    tmp_path: Path, service_bin: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two = workspaces(tmp_path)
    agents = Path(os.environ["HOME"]) / "Library" / "LaunchAgents"
    for root in (one, two):
        assert service("install", "--kind", "launchd", "--root", str(root)) == 0
    assert [c.split()[1] for c in calls(service_bin)] == ["bootstrap", "bootstrap"]
    plists = {p.name: plistlib.loads(p.read_bytes()) for p in agents.iterdir()}
    assert set(plists) == {f"{launchd_label(one)}.plist", f"{launchd_label(two)}.plist"}
    assert launchd_label(one) != launchd_label(two)
    assert {p["WorkingDirectory"] for p in plists.values()} == {str(one), str(two)}
    assert {p["StandardErrorPath"] for p in plists.values()} == {
        str(Path(os.environ["HOME"]) / "Library" / "Logs" / f"{launchd_label(r)}.err.log")
        for r in (one, two)}
    before, logged = snapshot(agents), len(calls(service_bin))
    assert service("install", "--kind", "launchd", "--root", str(two)) == 0
    assert snapshot(agents) == before and len(calls(service_bin)) == logged
    capsys.readouterr()
    assert service("list", "--kind", "launchd") == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_without_systemctl_install_says_so_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    one, _ = workspaces(tmp_path)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert service("install", "--kind", "systemd", "--root", str(one)) == 1
    out = capsys.readouterr()
    assert out.out.splitlines()[-1] == (
        "failed: systemctl is not installed, so no service manager runs the daemon here; "
        f"run `kanbanger-daemon run --root {one}` yourself instead")
    assert "Traceback" not in out.err
    # The unit is in place (and listed) for a machine where systemd does run.
    assert service("list", "--kind", "systemd") == 0
    assert instance_unit(one) in capsys.readouterr().out
    # Removing it needs no service manager either.
    assert service("uninstall", "--kind", "systemd", "--root", str(one)) == 0
    assert f"skipped: systemctl --user disable --now {instance_unit(one)} (systemctl is not " \
        "installed)" in capsys.readouterr().out
    assert service("list", "--kind", "systemd") == 0
    assert "no kanbanger-daemon service is installed" in capsys.readouterr().out


def test_an_older_single_unit_for_this_workspace_is_replaced(
    tmp_path: Path, service_bin: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two = workspaces(tmp_path)
    user_dir = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user"
    user_dir.mkdir(parents=True)
    (user_dir / "kanbanger-daemon.service").write_text(
        f"[Service]\nExecStart=/x run --root {two}\nWorkingDirectory={two}\n")
    assert service("install", "--kind", "systemd", "--root", str(one)) == 0
    assert f"still serves {two}" in capsys.readouterr().out
    assert (user_dir / "kanbanger-daemon.service").exists()
    assert service("install", "--kind", "systemd", "--root", str(two)) == 0
    assert "systemctl --user disable --now kanbanger-daemon.service" in calls(service_bin)
    assert not (user_dir / "kanbanger-daemon.service").exists()


# -- status and doctor find this workspace's unit --------------------------------------------

def test_status_names_this_workspaces_unit(
    tmp_path: Path, service_bin: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    one, two = workspaces(tmp_path)
    assert service("install", "--root", str(one)) == 0
    capsys.readouterr()
    assert main(["status", "--root", str(one)]) == 3
    assert (f"  service: {instance_unit(one)} (restart: systemctl --user restart "
            f"{instance_unit(one)})") in capsys.readouterr().out.splitlines()
    assert main(["status", "--root", str(two)]) == 3
    assert (f"  service: not installed for this workspace (`kanbanger-daemon service install` "
            f"would add {instance_unit(two)})") in capsys.readouterr().out.splitlines()


def test_doctor_finds_the_unit_of_its_own_workspace(tmp_path: Path) -> None:
    one, two = workspaces(tmp_path)
    control = ServiceControl(home=Path(os.environ["HOME"]), platform="systemd", runner=None,
                             command=["/opt/kd/bin/kanbanger-daemon"])
    control.install(one)

    def service_checks(root: Path) -> dict[str, tuple[bool, str, str]]:
        ctx = DoctorContext(root=root, environ={"HOME": os.environ["HOME"]}, network=False,
                            service=control)
        return {c.name: (c.ok, c.detail, c.fix) for c in run_checks(ctx)
                if c.name in ("service", "daemon")}

    mine = service_checks(one)
    assert mine["service"][0] and instance_unit(one) in mine["service"][1]
    assert mine["daemon"][2] == f"systemctl --user restart {instance_unit(one)}"
    other = service_checks(two)
    assert other["service"][:2] == (False, "the user service is not installed for this workspace")


def test_doctor_says_to_restart_a_frozen_daemon_through_its_unit(tmp_path: Path) -> None:
    one, _ = workspaces(tmp_path)
    control = ServiceControl(home=Path(os.environ["HOME"]), platform="systemd", runner=None,
                             command=["/opt/kd/bin/kanbanger-daemon"])
    control.install(one)
    now = time.time()
    StatusPublisher(one).publish(DaemonStatus(  # this process stands in for a stopped daemon
        pid=os.getpid(), root=str(one), state=RunState.RUNNING, started_at=now - 120,
        heartbeat_at=now - 60, heartbeat_interval_s=2.0))
    ctx = DoctorContext(root=one, environ={"HOME": os.environ["HOME"]}, network=False,
                        service=control)
    daemon = next(c for c in run_checks(ctx) if c.name == "daemon")
    assert daemon.is_problem and "heartbeat is stale" in daemon.detail
    assert daemon.fix == f"systemctl --user restart {instance_unit(one)}"


# -- tests never touch the real user's folders -----------------------------------------------

def test_nothing_outside_the_test_home_changes(
    tmp_path: Path, service_bin: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real_config = Path(REAL_XDG.get("XDG_CONFIG_HOME") or REAL_HOME / ".config")
    watched = [real_config / "systemd" / "user", REAL_HOME / "Library" / "LaunchAgents",
               real_config / "kanbanger-daemon"]
    before = [snapshot(folder) for folder in watched]
    one, _ = workspaces(tmp_path)
    for kind in ("systemd", "launchd"):
        assert service("install", "--kind", kind, "--root", str(one)) == 0
    assert [snapshot(folder) for folder in watched] == before
    home = Path(os.environ["HOME"])
    assert home != REAL_HOME and (home / "Library" / "LaunchAgents").is_dir()
    assert Path(os.environ["XDG_CONFIG_HOME"]).is_relative_to(home)
