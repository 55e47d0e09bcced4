"""Run the daemon at login: a systemd user unit (Linux) or a launchd agent (macOS).

``render_*`` produce the files for this machine's executable and one workspace; ``install``
writes them where the service manager looks and enables them; ``uninstall`` undoes that.
The files checked in under ``systemd/`` and ``launchd/`` are these renderings with
``@PLACEHOLDERS@`` (a test keeps them in step).
"""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Platform = Literal["systemd", "launchd"]
Runner = Callable[[Sequence[str]], int]
UNIT_NAME = "kanbanger-daemon.service"
LAUNCHD_LABEL = "com.kanbanger.daemon"
WATCHDOG_SEC = 30
STOP_TIMEOUT_SEC = 15


def default_platform() -> Platform:
    return "launchd" if sys.platform == "darwin" else "systemd"


def daemon_command() -> list[str]:
    """The absolute command that starts this installation of kanbanger-daemon."""
    script = Path(sys.executable).parent / "kanbanger-daemon"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    found = shutil.which("kanbanger-daemon")
    if found:
        return [str(Path(found).resolve())]
    return [str(Path(sys.executable).absolute()), "-m", "kanbanger_daemon"]


def _systemd_quote(arg: str) -> str:
    # '%' starts a specifier and '$' a variable in ExecStart; quotes keep spaces in one word.
    escaped = arg.replace("%", "%%").replace("$", "$$").replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"' if any(c in arg for c in ' \t"\\') else escaped


@dataclass(frozen=True)
class ServiceTarget:
    command: Sequence[str]
    root: Path
    home: Path


def render_systemd(target: ServiceTarget) -> str:
    argv = [*target.command, "run", "--root", str(target.root)]
    exec_start = " ".join(_systemd_quote(a) for a in argv)
    # WorkingDirectory= and Description= take the rest of the line verbatim: no quotes.
    root = str(target.root).replace("%", "%%")
    return f"""\
# kanbanger-daemon user unit. Install with `kanbanger-daemon service install`, or copy to
# ~/.config/systemd/user/ and run `systemctl --user enable --now kanbanger-daemon`.
[Unit]
Description=kanbanger-daemon: SPEC boards and GitHub Projects kept in sync ({root})
StartLimitIntervalSec=300
StartLimitBurst=5

[Service]
Type=notify
NotifyAccess=main
ExecStart={exec_start}
ExecReload=/bin/kill -HUP $MAINPID
WorkingDirectory={root}
Environment=LANG=C.UTF-8
Environment=PYTHONUNBUFFERED=1
Environment=PYTHONIOENCODING=utf-8
Restart=on-failure
RestartSec=5
WatchdogSec={WATCHDOG_SEC}
TimeoutStopSec={STOP_TIMEOUT_SEC}
KillMode=mixed

[Install]
WantedBy=default.target
"""


def launchd_log_paths(home: Path) -> tuple[Path, Path]:
    logs = home / "Library" / "Logs"
    return logs / "kanbanger-daemon.log", logs / "kanbanger-daemon.err.log"


def render_launchd(target: ServiceTarget) -> str:
    out, err = launchd_log_paths(target.home)
    plist = {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": [*target.command, "run", "--root", str(target.root)],
        "WorkingDirectory": str(target.root),
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": 10,
        "ExitTimeOut": STOP_TIMEOUT_SEC,
        "ProcessType": "Background",
        "EnvironmentVariables": {"LANG": "en_US.UTF-8", "PYTHONUNBUFFERED": "1"},
        "StandardOutPath": str(out),
        "StandardErrorPath": str(err),
    }
    return plistlib.dumps(plist, sort_keys=False).decode("utf-8")


def service_file(platform: Platform, home: Path) -> Path:
    if platform == "launchd":
        return home / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist"
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    return config / "systemd" / "user" / UNIT_NAME


def render(platform: Platform, target: ServiceTarget) -> str:
    return render_launchd(target) if platform == "launchd" else render_systemd(target)


def _run(argv: Sequence[str]) -> int:
    return subprocess.run(list(argv), check=False).returncode


def install(
    platform: Platform, target: ServiceTarget, *, runner: Runner | None = _run
) -> list[str]:
    """Write the service file and enable it (``runner=None``: write only). Returns a log."""
    path = service_file(platform, target.home)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(platform, target), encoding="utf-8")
    done = [f"wrote {path}"]
    for argv in _enable_commands(platform, path):
        if runner is None:
            done.append(f"to start it: {' '.join(argv)}")
        elif runner(argv) != 0:
            done.append(f"failed: {' '.join(argv)}")
        else:
            done.append(f"ran: {' '.join(argv)}")
    if platform == "launchd":
        launchd_log_paths(target.home)[0].parent.mkdir(parents=True, exist_ok=True)
    return done


def uninstall(platform: Platform, home: Path, *, runner: Runner | None = _run) -> list[str]:
    """Stop and disable the service, then remove its file. Returns a log."""
    path = service_file(platform, home)
    done: list[str] = []
    if runner is not None:
        for argv in _disable_commands(platform, path):
            runner(argv)  # failing because it was not running is fine
            done.append(f"ran: {' '.join(argv)}")
    if path.exists():
        path.unlink()
        done.append(f"removed {path}")
    else:
        done.append(f"nothing installed at {path}")
    if platform == "systemd" and runner is not None:
        runner(["systemctl", "--user", "daemon-reload"])
    return done


def _gui_domain() -> str:
    return f"gui/{os.getuid()}"


def _enable_commands(platform: Platform, path: Path) -> list[list[str]]:
    if platform == "launchd":
        return [["launchctl", "bootstrap", _gui_domain(), str(path)]]
    return [
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "--now", UNIT_NAME],
    ]


def _disable_commands(platform: Platform, path: Path) -> list[list[str]]:
    if platform == "launchd":
        return [["launchctl", "bootout", f"{_gui_domain()}/{LAUNCHD_LABEL}"]]
    return [["systemctl", "--user", "disable", "--now", UNIT_NAME]]
