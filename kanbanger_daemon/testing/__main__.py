"""`python -m kanbanger_daemon.testing --port 0`: serve a fake GitHub until SIGTERM/SIGINT.

The first stdout line is JSON `{"url": …, "token": …, "owner": …, "repo": …, "project": …}`
(the demo command reads it); with --show-every N the board is printed every N seconds.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from types import FrameType

from ._fake import DEFAULT_TOKEN, FakeGitHub
from ._render import render_project


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kanbanger_daemon.testing",
                                     description="Serve a fake GitHub GraphQL API locally.")
    parser.add_argument("--port", type=int, default=0, help="0 (default): any free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--owner", default="octo")
    parser.add_argument("--repo", default="specs")
    parser.add_argument("--project", type=int, default=1)
    parser.add_argument("--enforce-creation-limits", action="store_true")
    parser.add_argument("--show-every", type=float, default=0.0,
                        help="print the board every N seconds when it changed (0: never)")
    args = parser.parse_args(argv)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with FakeGitHub(token=args.token, owner=args.owner, repo=args.repo,
                    project_number=args.project, port=args.port,
                    enforce_creation_limits=args.enforce_creation_limits) as fake:
        print(json.dumps({"url": fake.url, "token": fake.token, "owner": fake.owner,
                          "repo": fake.repo, "project": args.project}), flush=True)
        shown = ""
        while not stop.wait(args.show_every or 0.5):
            if args.show_every:
                board = render_project(fake, args.project)
                if board != shown:
                    print(board, flush=True)
                    shown = board
    return 0


if __name__ == "__main__":
    sys.exit(main())
