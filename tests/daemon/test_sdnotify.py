"""sd_notify against a real AF_UNIX datagram socket standing in for systemd."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

from kanbanger_daemon.daemon.sdnotify import SdNotifier


def test_messages_reach_a_path_socket(tmp_path: Path) -> None:
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        notifier = SdNotifier({"NOTIFY_SOCKET": str(path)})
        assert notifier.ready("3 boards")
        assert notifier.watchdog()
        assert notifier.stopping()
        got = [server.recv(4096).decode() for _ in range(3)]
    assert got == ["READY=1\nSTATUS=3 boards", "WATCHDOG=1", "STOPPING=1"]


def test_abstract_namespace_sockets_are_supported() -> None:
    name = f"kanbanger-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(b"\0" + name.encode())
        assert SdNotifier({"NOTIFY_SOCKET": f"@{name}"}).status("hello")
        assert server.recv(4096) == b"STATUS=hello"


def test_without_systemd_everything_is_a_quiet_no_op(tmp_path: Path) -> None:
    notifier = SdNotifier({})
    assert not notifier.enabled and not notifier.ready() and notifier.watchdog_interval_s is None
    gone = SdNotifier({"NOTIFY_SOCKET": str(tmp_path / "missing")})
    assert gone.enabled and not gone.watchdog()  # systemd went away: no exception


def test_watchdog_interval_is_half_of_watchdog_usec_and_only_for_our_pid() -> None:
    assert SdNotifier({"WATCHDOG_USEC": "30000000"}).watchdog_interval_s == 15.0
    ours = {"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}
    assert SdNotifier(ours).watchdog_interval_s == 15.0
    theirs = {"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid() + 1)}
    assert SdNotifier(theirs).watchdog_interval_s is None
