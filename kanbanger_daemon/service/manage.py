"""Install, remove and list the per-workspace services (see :mod:`.units`).

systemd: the enabling link ``default.target.wants/kanbanger-daemon@<escaped path>.service`` is
made here as well as by ``systemctl --user enable``, so a workspace counts as installed (and
``service list`` shows it) even where systemctl cannot run; launchd: one plist per workspace.
Every function returns the lines to show; a line starting with ``failed`` means the service
manager refused or is missing, and the command exits 1.
"""

from __future__ import annotations

import os
import plistlib
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kanbanger_daemon.boards.atomic import write_atomic
from kanbanger_daemon.service.names import (
    LAUNCHD_PREFIX,
    UNIT_PREFIX,
    instance_root,
    instance_unit,
    launchd_label,
)
from kanbanger_daemon.service.units import (
    LEGACY_LABEL,
    LEGACY_UNIT,
    Platform,
    ServiceTarget,
    launch_agents_dir,
    launchd_log_paths,
    render,
    service_file,
    systemd_user_dir,
)

Runner = Callable[[Sequence[str]], int]
NOT_FOUND = 127  # the shell's code for a command that is not installed


def run_command(argv: Sequence[str]) -> int:
    """Run a service-manager command; NOT_FOUND when the manager is not installed."""
    try:
        return subprocess.run(list(argv), check=False, stdin=subprocess.DEVNULL).returncode
    except FileNotFoundError:
        return NOT_FOUND


@dataclass(frozen=True)
class Installed:
    root: Path
    name: str  # the systemd unit or the launchd label
    file: Path  # what makes it start: the enabling link, or the plist
    legacy: bool = False  # the single fixed-name service of older releases


def service_name(platform: Platform, root: Path) -> str:
    return launchd_label(root) if platform == "launchd" else instance_unit(root)


def _wants_dir(home: Path) -> Path:
    return systemd_user_dir(home) / "default.target.wants"


def _legacy_root(path: Path) -> Path | None:
    """The workspace an older single service serves (its WorkingDirectory)."""
    try:
        if path.suffix == ".plist":
            value = plistlib.loads(path.read_bytes()).get("WorkingDirectory")
            return Path(value) if isinstance(value, str) else None
        for line in path.read_text("utf-8").splitlines():
            if line.startswith("WorkingDirectory="):
                return Path(line.partition("=")[2].replace("%%", "%"))
    except (OSError, ValueError, plistlib.InvalidFileException):
        return None
    return None


def installed(platform: Platform, home: Path) -> list[Installed]:
    """Every workspace with a service on this machine, in name order."""
    found: list[Installed] = []
    if platform == "launchd":
        for path in sorted(launch_agents_dir(home).glob(f"{LAUNCHD_PREFIX}*.plist")):
            root = _legacy_root(path)
            if root is not None:
                found.append(Installed(root, path.stem, path, legacy=path.stem == LEGACY_LABEL))
        return found
    for link in sorted(_wants_dir(home).glob(f"{UNIT_PREFIX}@*.service")):
        root = instance_root(link.name)
        if root is not None:
            found.append(Installed(root, link.name, link))
    legacy = systemd_user_dir(home) / LEGACY_UNIT
    root = _legacy_root(legacy) if legacy.is_file() else None
    if root is not None:
        found.append(Installed(root, LEGACY_UNIT, legacy, legacy=True))
    return found


def installed_for(platform: Platform, home: Path, root: Path) -> Installed | None:
    """This workspace's own service, if installed (an older single one does not count)."""
    return next((s for s in installed(platform, home) if s.root == root and not s.legacy), None)


def _gui_domain() -> str:
    return f"gui/{os.getuid()}"


def start_command(platform: Platform, root: Path) -> str:
    """The one line that (re)starts ``root``'s installed service."""
    if platform == "launchd":
        return f"launchctl kickstart -k {_gui_domain()}/{launchd_label(root)}"
    return f"systemctl --user restart {instance_unit(root)}"


def _call(runner: Runner | None, argv: list[str], root: Path, *, must: bool = True) -> str:
    command = " ".join(argv)
    if runner is None:
        return f"to start it: {command}"
    code = runner(argv)
    if code == NOT_FOUND and not must:  # stopping what no service manager can have started
        return f"skipped: {command} ({argv[0]} is not installed)"
    if code == NOT_FOUND:
        return (f"failed: {argv[0]} is not installed, so no service manager runs the daemon "
                f"here; run `kanbanger-daemon run --root {root}` yourself instead")
    if code != 0 and must:
        return f"failed: {command} (exit {code})"
    return f"ran: {command}"


def _write_if_changed(path: Path, text: str) -> bool:
    try:
        if path.read_text("utf-8") == text:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text.encode("utf-8"), private=False)
    return True


def _link_if_missing(link: Path, target: Path) -> bool:
    """What ``systemctl --user enable`` makes: wants/<instance> → the template."""
    if link.is_symlink() and Path(os.readlink(link)) == target:
        return False
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target)
    return True


def install(platform: Platform, target: ServiceTarget, *, runner: Runner | None = run_command
            ) -> list[str]:
    """Install and start ``target.root``'s own service; another workspace's is left alone.

    Installing the same workspace again with the same executable changes nothing.
    """
    root, home = target.root, target.home
    name = service_name(platform, root)
    lines = _retire_legacy(platform, home, root, runner)
    path = service_file(platform, home, root)
    replaced = path.exists()
    wrote = _write_if_changed(path, render(platform, target))
    if wrote:
        lines.append(f"wrote {path}")
    if platform == "systemd":
        linked = _link_if_missing(_wants_dir(home) / name, path)
        if not (wrote or linked):
            return [*lines, f"already installed: {name} (nothing changed)"]
        lines.append(f"enabled {name} (serves {root})")
        lines.append(_call(runner, ["systemctl", "--user", "daemon-reload"], root))
        lines.append(_call(runner, ["systemctl", "--user", "enable", "--now", name], root))
        return _dedupe(lines)
    if not wrote:
        return [*lines, f"already installed: {name} (nothing changed)"]
    launchd_log_paths(home, name)[0].parent.mkdir(parents=True, exist_ok=True)
    if replaced and runner is not None:  # a changed plist is loaded afresh
        lines.append(_call(runner, ["launchctl", "bootout", f"{_gui_domain()}/{name}"], root,
                           must=False))
    lines.append(_call(runner, ["launchctl", "bootstrap", _gui_domain(), str(path)], root))
    return _dedupe(lines)


def uninstall(platform: Platform, home: Path, root: Path, *,
              runner: Runner | None = run_command) -> list[str]:
    """Stop and remove ``root``'s service; the template goes with the last systemd instance."""
    lines = _retire_legacy(platform, home, root, runner)
    mine = installed_for(platform, home, root)
    if mine is None:
        if lines and lines[-1].startswith("removed"):  # the older single service was it
            return lines
        return [*lines, f"no service is installed for {root}"]
    if platform == "launchd":
        lines.append(_call(runner, ["launchctl", "bootout", f"{_gui_domain()}/{mine.name}"],
                           root, must=False))
        mine.file.unlink(missing_ok=True)
        lines.append(f"removed {mine.file}")
        return _dedupe(lines)
    lines.append(_call(runner, ["systemctl", "--user", "disable", "--now", mine.name], root,
                       must=False))
    mine.file.unlink(missing_ok=True)  # systemctl removed it, unless it could not run
    lines.append(f"disabled {mine.name}")
    if not any(not s.legacy for s in installed(platform, home)):
        template = service_file(platform, home, root)
        template.unlink(missing_ok=True)
        lines.append(f"removed {template} (no workspace uses it any more)")
    lines.append(_call(runner, ["systemctl", "--user", "daemon-reload"], root, must=False))
    return _dedupe(lines)


def _retire_legacy(platform: Platform, home: Path, root: Path, runner: Runner | None
                   ) -> list[str]:
    """Remove an older release's single service when it serves ``root``; say so otherwise."""
    old = next((s for s in installed(platform, home) if s.legacy), None)
    if old is None:
        return []
    if old.root != root:
        return [f"note: {old.file} (an older release's single service) still serves "
                f"{old.root}; `kanbanger-daemon service install --root {old.root}` gives that "
                f"workspace its own"]
    if platform == "launchd":
        argv = ["launchctl", "bootout", f"{_gui_domain()}/{LEGACY_LABEL}"]
    else:
        argv = ["systemctl", "--user", "disable", "--now", LEGACY_UNIT]
    lines = [_call(runner, argv, root, must=False)]
    old.file.unlink(missing_ok=True)
    return [*lines, f"removed {old.file} (replaced by this workspace's own service)"]


def _dedupe(lines: list[str]) -> list[str]:
    """One "not installed" failure is enough, however many commands needed the manager."""
    out: list[str] = []
    for line in lines:
        if line not in out:
            out.append(line)
    return out
