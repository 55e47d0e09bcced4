"""Scale: 1,000 SPEC folders → time to ready, time to every board reconciled, idle RSS and CPU.

    python bench/bench_scale.py [--folders 1000] [--idle-seconds 60]

Real runtime, real inotify observer, real local reconciler, local-only, in this process.
Targets: ready ≤ 10 s, RSS ≤ 80 MB, idle CPU ≤ 1 %; with --folders 5000: every board written
≤ 15 s, `status` ≤ 0.5 s, RSS ≤ 100 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from common import TEMPLATE, Times, build_daemon, make_workspace, settings_for


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # macOS: bytes/1024²


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(root: Path, folders: int, idle_seconds: float) -> None:
    created = time.monotonic()
    make_workspace(root, folders)
    print(f"scale: {folders} SPEC folders created in {time.monotonic() - created:.1f} s")
    written: Times = defaultdict(list)
    calls: Times = defaultdict(list)
    daemon = build_daemon(root, settings_for(root, 300), written, calls)
    start = time.monotonic()
    task = asyncio.create_task(daemon.run())
    try:
        await asyncio.wait_for(daemon.ready.wait(), 120)
        ready_s = time.monotonic() - start
        await daemon.wait_until(lambda: daemon.rescans >= 1 and daemon.idle.is_set(), 600)
        all_s = time.monotonic() - start
        boards = len(calls)
        status_s = await time_status(root)
        rss_busy = rss_mb()
        cpu0, wall0 = cpu_s(), time.monotonic()
        await asyncio.sleep(idle_seconds)  # the measurement window itself, not a wait
        cpu_pct = 100 * (cpu_s() - cpu0) / (time.monotonic() - wall0)
        rss_idle = rss_mb()
    finally:
        daemon.request_stop()
        await task
    print(f"  ready (observer watching, status published): {ready_s:.2f} s   (target ≤ 10 s)")
    print(f"  every board reconciled once ({boards} boards): {all_s:.2f} s")
    print(f"  `status` answered in {status_s:.2f} s (a fresh process, table output; "
          f"target ≤ 0.5 s)")
    print(f"  RSS after the first pass {rss_busy:.0f} MB, idle {rss_idle:.0f} MB (target ≤ 80 MB)")
    print(f"  idle CPU over {idle_seconds:.0f} s: {cpu_pct:.2f} %   (target ≤ 1 %)")


async def time_status(root: Path) -> float:
    """Wall time of ``kanbanger-daemon status`` in a fresh process, as a health check runs it."""
    start = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kanbanger_daemon", "status", "--root", str(root),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    out, _ = await proc.communicate()
    elapsed = time.monotonic() - start
    lines = out.decode().splitlines()
    print(f"  `status` exit {proc.returncode}, {len(lines)} lines: {lines[0] if lines else ''}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folders", type=int, default=1000)
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    args = parser.parse_args()
    if not TEMPLATE.is_dir():
        print(f"needs {TEMPLATE}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kd-bench-") as tmp:
        asyncio.run(measure(Path(tmp), args.folders, args.idle_seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
