"""Is this workspace's own user service installed, and is it the current rendering?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kanbanger_daemon.service import manage, units

ServiceState = Literal["same", "different", "absent"]


@dataclass
class ServiceControl:
    """The service of this machine's platform; ``runner=None`` writes files without enabling."""

    home: Path
    platform: units.Platform = field(default_factory=units.default_platform)
    runner: manage.Runner | None = manage.run_command
    command: Sequence[str] = field(default_factory=units.daemon_command)

    def path(self, root: Path) -> Path:
        """The file that defines ``root``'s service (systemd: the shared template)."""
        return units.service_file(self.platform, self.home, root)

    def name(self, root: Path) -> str:
        """``kanbanger-daemon@<escaped root>.service``, or the launchd label."""
        return manage.service_name(self.platform, root)

    def rendering(self, root: Path) -> str:
        return units.render(self.platform, units.ServiceTarget(self.command, root, self.home))

    def state(self, root: Path) -> ServiceState:
        """absent: no service for ``root``; different: one from another installation."""
        if manage.installed_for(self.platform, self.home, root) is None:
            return "absent"
        try:
            current = self.path(root).read_text("utf-8")
        except OSError:
            return "different"
        return "same" if current == self.rendering(root) else "different"

    def legacy_elsewhere(self, root: Path) -> Path | None:
        """The workspace an older release's single service serves, when it is not ``root``."""
        old = next((s for s in manage.installed(self.platform, self.home) if s.legacy),
                   None)
        return old.root if old is not None and old.root != root else None

    def start_command(self, root: Path) -> str:
        return manage.start_command(self.platform, root)

    def install(self, root: Path) -> list[str]:
        target = units.ServiceTarget(self.command, root, self.home)
        return manage.install(self.platform, target, runner=self.runner)
