import subprocess
import sys

from kanbanger_daemon import __version__


def test_module_entry_point_prints_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "kanbanger_daemon", "--version"],
        capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == __version__
