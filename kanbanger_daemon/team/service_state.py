"""Is the user service installed for this workspace, and is it the current rendering?"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kanbanger_daemon.daemon import service

ServiceState = Literal["same", "different", "absent"]


def run_command(argv: Sequence[str]) -> int:
    return subprocess.run(list(argv), check=False, stdin=subprocess.DEVNULL).returncode


@dataclass
class ServiceControl:
    """The service of this machine's platform; ``runner=None`` writes files without enabling."""

    home: Path
    platform: service.Platform = field(default_factory=service.default_platform)
    runner: service.Runner | None = run_command
    command: Sequence[str] = field(default_factory=service.daemon_command)

    def path(self) -> Path:
        return service.service_file(self.platform, self.home)

    def rendering(self, root: Path) -> str:
        return service.render(self.platform, service.ServiceTarget(self.command, root, self.home))

    def state(self, root: Path) -> ServiceState:
        try:
            current = self.path().read_text("utf-8")
        except FileNotFoundError:
            return "absent"
        except OSError:
            return "different"
        return "same" if current == self.rendering(root) else "different"

    def serves(self, root: Path) -> bool:
        """True when the installed service runs the daemon for ``root`` (any version)."""
        try:
            text = self.path().read_text("utf-8")
        except OSError:
            return False
        return str(root) in text

    def install(self, root: Path) -> list[str]:
        target = service.ServiceTarget(self.command, root, self.home)
        return service.install(self.platform, target, runner=self.runner)
