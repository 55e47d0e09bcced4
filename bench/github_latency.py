"""``bench_latency.py --github``: progress write → the card's Status visible on the fake GitHub.

Runs the real ``kanbanger-daemon run`` wiring in this process (``wire_github_daemon`` with a
``BoardPusher`` built by ``client_from``, default settings: 1 s between mutation documents, two-way
polling, status updates) against the fake GitHub of ``kanbanger_daemon.testing``, with
``--latency-ms`` added to every request. "Visible" is read back the way anyone else would see it:
watcher threads query the fake over HTTP (``node(id)`` → the item's Status) until it shows the
Status the write calls for; with latency, several watchers run staggered so that the resolution
stays near latency / watchers.

Two scenarios:
  * one board: a progress write to one board at a time; the next write waits until the
    daemon has been idle for one pacing interval (a single change, as an executor makes them);
  * N boards together: N progress files written back to back (the time runs from the first
    write to the last of the N cards visible).
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import github_env, key_of, make_workspace, progress_doc, settings_for

from kanbanger_daemon.boards.reconcile import LocalResult
from kanbanger_daemon.core.board.format import parse_board
from kanbanger_daemon.core.sync.desired import desired_cards
from kanbanger_daemon.core.sync.markers import parse_marker_key
from kanbanger_daemon.daemon.runtime import Daemon, RuntimeOptions
from kanbanger_daemon.daemon.wiring import wire_github_daemon
from kanbanger_daemon.github import ExpectedCaller
from kanbanger_daemon.sync.pusher import BoardPusher, client_from
from kanbanger_daemon.testing import FakeGitHub

STATUS_QUERY = (
    "query Watch({params}) {{ {fields} }}"
)
FIELD = ("{alias}: node(id: ${var}) {{ ... on ProjectV2Item {{ id fieldValueByName(name: "
         '"Status") {{ ... on ProjectV2ItemFieldSingleSelectValue {{ name }} }} }} }}')
WANTED = {0: "Done", 1: "In Progress"}  # flip parity -> the Status the write calls for


class StatusWatcher:
    """Threads that query the fake for some items' Status until each shows what is wanted."""

    def __init__(self, fake: FakeGitHub, threads: int, stagger_s: float) -> None:
        self._fake = fake
        self._lock = threading.Lock()
        self._wanted: dict[str, str] = {}
        self._seen: dict[str, float] = {}
        self._wake = threading.Condition(self._lock)
        self._stop = False
        self._threads = [threading.Thread(target=self._run, args=(i * stagger_s,), daemon=True)
                         for i in range(threads)]
        for thread in self._threads:
            thread.start()

    def watch(self, wanted: dict[str, str]) -> None:
        with self._wake:
            self._wanted, self._seen = dict(wanted), {}
            self._wake.notify_all()

    def seen(self) -> dict[str, float] | None:
        """item id -> when its Status was first seen as wanted; None until all were."""
        with self._lock:
            return dict(self._seen) if len(self._seen) == len(self._wanted) else None

    def close(self) -> None:
        with self._wake:
            self._stop = True
            self._wake.notify_all()
        for thread in self._threads:
            thread.join()

    def _run(self, delay: float) -> None:
        time.sleep(delay)
        while True:
            with self._wake:
                while not self._stop and len(self._seen) == len(self._wanted):
                    self._wake.wait()
                if self._stop:
                    return
                ids = [i for i in self._wanted if i not in self._seen]
                wanted = dict(self._wanted)
            names = self._query(ids)
            at = time.monotonic()
            with self._lock:
                for item_id, name in names.items():
                    if wanted.get(item_id) == name and self._wanted == wanted:
                        self._seen.setdefault(item_id, at)
            time.sleep(0.005)  # resolution vs. load on the shared cores

    def _query(self, ids: Sequence[str]) -> dict[str, str | None]:
        params = ", ".join(f"$id{n}: ID!" for n in range(len(ids)))
        fields = " ".join(FIELD.format(alias=f"q{n}", var=f"id{n}") for n in range(len(ids)))
        document = STATUS_QUERY.format(params=params, fields=fields)
        reply = self._fake.graphql(document, {f"id{n}": i for n, i in enumerate(ids)})
        data: dict[str, Any] = reply.json().get("data") or {}
        out: dict[str, str | None] = {}
        for node in data.values():
            if isinstance(node, dict):
                value = node.get("fieldValueByName") or {}
                out[node["id"]] = value.get("name")
        return out


@dataclass
class Run:
    one: list[float] = field(default_factory=list)  # write -> visible, one board
    confirmed: list[float] = field(default_factory=list)  # write -> push_ops returned
    together: list[float] = field(default_factory=list)  # first write -> last visible
    together_docs: list[int] = field(default_factory=list)  # mutation documents per round
    one_docs: list[int] = field(default_factory=list)


def watched_items(fake: FakeGitHub, root: Path, keys: Sequence[str]) -> dict[str, str]:
    """board key -> item id of the card the bench moves (the last task of the progress log)."""
    ids: dict[str, str] = {}
    items = {parse_marker_key(i.body): i.id for i in fake.items() if not i.archived}
    for key in keys:
        board = parse_board((root / key / "_kanban.md").read_text("utf-8"))
        card = next(c for c in desired_cards(board, key) if c.title.startswith("Task 2:"))
        ids[key] = items[card.key]
    return ids


async def until(predicate: Callable[[], bool], within_s: float = 60.0) -> None:
    deadline = time.monotonic() + within_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the change never became visible")
        await asyncio.sleep(0.002)


def confirmed_after(confirmed: dict[str, float], key: str, start: float
                    ) -> Callable[[], bool]:
    """The push of ``key`` was confirmed after ``start``."""
    return lambda: confirmed.get(key, 0.0) > start


async def quiet_for(daemon: Daemon, fake: FakeGitHub, seconds: float) -> None:
    """Wait until the daemon is idle and no mutation reached the fake for ``seconds``."""
    while True:
        await daemon.wait_until(daemon.idle.is_set, 120)
        before = fake.counters.mutation_documents
        await asyncio.sleep(seconds)
        if daemon.idle.is_set() and fake.counters.mutation_documents == before:
            return


@dataclass
class Scene:
    """A running daemon, the fake it pushes to, and the boards the bench writes."""

    daemon: Daemon
    fake: FakeGitHub
    watcher: StatusWatcher
    files: list[Path]
    keys: list[str]
    ids: dict[str, str]  # board key -> the watched item
    pacing_s: float
    confirmed: dict[str, float]  # board key -> when its last push returned
    flips: dict[str, int] = field(default_factory=dict)

    def next_write(self, index: int) -> tuple[str, Path, str, dict[str, str]]:
        """Board ``index``'s key, progress file, next text, and its card's Status to watch."""
        key, path = self.keys[index % len(self.keys)], self.files[index % len(self.files)]
        flip = self.flips.get(key, 0)
        self.flips[key] = flip + 1
        return key, path, progress_doc(path, flip), {self.ids[key]: WANTED[flip % 2]}

    async def seen_after(self, start: float) -> float:
        await until(lambda: self.watcher.seen() is not None)
        return max((self.watcher.seen() or {}).values()) - start


async def one_board_at_a_time(scene: Scene, run: Run, edits: int) -> None:
    for i in range(edits):
        await quiet_for(scene.daemon, scene.fake, scene.pacing_s)
        docs = scene.fake.counters.mutation_documents
        key, path, text, wanted = scene.next_write(i)
        scene.watcher.watch(wanted)
        start = time.monotonic()
        path.write_text(text)
        run.one.append(await scene.seen_after(start))
        await until(confirmed_after(scene.confirmed, key, start))
        run.confirmed.append(scene.confirmed[key] - start)
        run.one_docs.append(scene.fake.counters.mutation_documents - docs)


async def boards_together(scene: Scene, run: Run, rounds: int, together: int) -> None:
    for r in range(rounds):
        await quiet_for(scene.daemon, scene.fake, scene.pacing_s)
        docs = scene.fake.counters.mutation_documents
        writes = [scene.next_write(r * together + n) for n in range(together)]
        scene.watcher.watch({item: status for *_, wanted in writes
                             for item, status in wanted.items()})
        start = time.monotonic()
        for _, path, text, _ in writes:
            path.write_text(text)
        run.together.append(await scene.seen_after(start))
        await quiet_for(scene.daemon, scene.fake, 0.3)
        run.together_docs.append(scene.fake.counters.mutation_documents - docs)


async def measure(root: Path, fake: FakeGitHub, boards: int, edits: int, together: int,
                  rounds: int, quiet_ms: int, watchers: int) -> Run:
    files = make_workspace(root, boards)
    settings = settings_for(root, quiet_ms, github=github_env(fake))
    pusher = BoardPusher(root, settings, client_from(settings))
    confirmed: dict[str, float] = {}
    push_ops = pusher.push_ops

    async def timed(key: str, local: LocalResult, caller: ExpectedCaller | None = None) -> int:
        ops = await push_ops(key, local, caller)
        if ops:
            confirmed[key] = time.monotonic()
        return ops

    pusher.push_ops = timed  # type: ignore[method-assign]  # before the wiring binds it
    daemon = wire_github_daemon(root, settings, pusher,
                                options=RuntimeOptions(install_signal_handlers=False))
    task = asyncio.create_task(daemon.run())
    watcher = StatusWatcher(fake, watchers, fake_latency(fake) / max(1, watchers))
    run = Run()
    keys = [key_of(root, f) for f in files]
    try:
        await daemon.wait_until(lambda: daemon.rescans >= 1 and daemon.idle.is_set(), 600)
        scene = Scene(daemon, fake, watcher, files, keys, watched_items(fake, root, keys),
                      settings.mutation_interval_s, confirmed)
        await one_board_at_a_time(scene, run, edits)
        await boards_together(scene, run, rounds, together)
    finally:
        watcher.close()
        daemon.request_stop()
        await task
        await pusher.aclose()
    return run


def fake_latency(fake: FakeGitHub) -> float:
    return float(getattr(fake, "_latency", 0.0))


def quantiles(seconds: list[float]) -> str:
    if len(seconds) < 2:
        return " ".join(f"{s * 1000:.0f} ms" for s in seconds)
    q = statistics.quantiles([x * 1000 for x in seconds], n=100, method="inclusive")
    return (f"p50 {q[49]:.0f} ms   p95 {q[94]:.0f} ms   p99 {q[98]:.0f} ms   "
            f"max {max(seconds) * 1000:.0f} ms")


def report(run: Run, *, latency_ms: float, quiet_ms: int, together: int) -> None:
    rtt = f"{latency_ms:g} ms latency per request"
    print(f"GitHub (fake, {rtt}, quiet_ms={quiet_ms}):")
    print(f"  write → Status visible, one board ({len(run.one)} writes): {quantiles(run.one)}")
    print(f"    target p99 ≤ quiet_ms + 1 round trip + 150 ms = "
          f"{quiet_ms + latency_ms + 150:.0f} ms")
    print(f"  write → push confirmed, one board: {quantiles(run.confirmed)}")
    if run.one_docs:
        print(f"  mutation documents per write: {statistics.mean(run.one_docs):.2f} "
              f"(max {max(run.one_docs)})")
    if run.together:
        print(f"  first write → all {together} Statuses visible, {together} boards written "
              f"together ({len(run.together)} rounds): {quantiles(run.together)}")
        print(f"  mutation documents per round: {statistics.mean(run.together_docs):.2f} "
              f"(max {max(run.together_docs)})")


def main_github(boards: int, edits: int, together: int, rounds: int, quiet_ms: int,
                latency_ms: float, tmp: Path) -> None:
    watchers = 1 if latency_ms <= 0 else 4
    # The watchers query as fast as they can: the rate limit would stop the daemon, not them.
    with FakeGitHub(latency=latency_ms / 1000, rate_limit_points=10**9) as fake:
        run = asyncio.run(measure(tmp, fake, boards, edits, together, rounds, quiet_ms,
                                  watchers))
    report(run, latency_ms=latency_ms, quiet_ms=quiet_ms, together=together)
