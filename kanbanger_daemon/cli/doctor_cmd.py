"""`doctor`: every check with its fix; exit 0 when nothing is wrong, 1 when something is."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from kanbanger_daemon.team.checks import DoctorContext, render_table, run_checks
from kanbanger_daemon.team.service_state import ServiceControl


def cmd_doctor(args: argparse.Namespace) -> int:
    ctx = DoctorContext(
        root=args.root,
        environ=os.environ,
        config=args.config,
        network=not args.no_network,
        local_only=args.local_only,
        service=ServiceControl(home=Path.home()),
    )
    checks = run_checks(ctx)
    problems = any(c.is_problem for c in checks)
    if args.json:
        print(json.dumps({"ok": not problems, "checks": [c.to_json() for c in checks]},
                         indent=2))
    else:
        print(render_table(checks))
    return 1 if problems else 0
