"""Run the daemon at login, one service per workspace: a systemd user unit or a launchd agent.

systemd: the template ``kanbanger-daemon@.service`` serves every workspace, each as its own
instance ``kanbanger-daemon@<escaped path>.service`` (see :mod:`.names`); launchd: one
agent per workspace, labelled ``com.kanbanger.daemon.<hash of the path>``. ``render_*`` produce
the files for this machine's executable; :mod:`.manage` installs, removes and lists them.
The files checked in under ``systemd/`` and ``launchd/`` are these renderings with
``@PLACEHOLDERS@`` (a test keeps them in step).
"""

from __future__ import annotations

import os
import plistlib
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kanbanger_daemon.service.names import TEMPLATE_UNIT, launchd_label

Platform = Literal["systemd", "launchd"]
# The unit of the single-service releases; still recognised so it can be replaced cleanly.
LEGACY_UNIT = "kanbanger-daemon.service"
LEGACY_LABEL = "com.kanbanger.daemon"
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
    """The template unit; the instance name is the workspace path, handed back as ``%f``."""
    argv = [_systemd_quote(a) for a in target.command]
    # %f (the unescaped instance, "/" first) is expanded inside its word, so a path with
    # spaces stays one argument; WorkingDirectory= takes the rest of the line verbatim.
    exec_start = " ".join([*argv, "run", "--root", '"%f"'])
    return f"""\
# kanbanger-daemon user unit: one instance per workspace, named after its path.
# Install with `kanbanger-daemon service install` in the workspace, or copy to
# ~/.config/systemd/user/ and run
#   systemctl --user enable --now "kanbanger-daemon@$(systemd-escape --path "$PWD").service"
[Unit]
Description=kanbanger-daemon: SPEC boards and GitHub Projects kept in sync (%f)
StartLimitIntervalSec=300
StartLimitBurst=5

[Service]
Type=notify
NotifyAccess=main
ExecStart={exec_start}
ExecReload=/bin/kill -HUP $MAINPID
WorkingDirectory=%f
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


def launchd_log_paths(home: Path, label: str) -> tuple[Path, Path]:
    logs = home / "Library" / "Logs"
    return logs / f"{label}.log", logs / f"{label}.err.log"


def render_launchd(target: ServiceTarget, *, label: str | None = None) -> str:
    """The agent serving ``target.root``; ``label`` defaults to the one its path gives."""
    label = label or launchd_label(target.root)
    out, err = launchd_log_paths(target.home, label)
    plist = {
        "Label": label,
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


def systemd_user_dir(home: Path) -> Path:
    """Where user units live: ``$XDG_CONFIG_HOME/systemd/user`` (``~/.config/...``)."""
    return Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "systemd" / "user"


def launch_agents_dir(home: Path) -> Path:
    return home / "Library" / "LaunchAgents"


def service_file(platform: Platform, home: Path, root: Path) -> Path:
    """The file that defines ``root``'s service: the shared template, or its own plist."""
    if platform == "launchd":
        return launch_agents_dir(home) / f"{launchd_label(root)}.plist"
    return systemd_user_dir(home) / TEMPLATE_UNIT


def render(platform: Platform, target: ServiceTarget) -> str:
    return render_launchd(target) if platform == "launchd" else render_systemd(target)
