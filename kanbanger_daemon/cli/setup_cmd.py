"""`setup`: the wizard at a terminal, or `--non-interactive` from flags (see team/wizard.py)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from kanbanger_daemon.models import Layout
from kanbanger_daemon.team.prompts import FlagsOnly, Prompter, StreamPrompter
from kanbanger_daemon.team.service_state import ServiceControl
from kanbanger_daemon.team.tokens import gh_auth_token
from kanbanger_daemon.team.wizard import SetupAnswers, SetupEnvironment, SetupWizard


def cmd_setup(args: argparse.Namespace) -> int:
    answers = SetupAnswers(
        repo=args.repo,
        project=args.project,
        layout=Layout(args.layout) if args.layout else None,
        add_status_options=args.add_status_options,
        install_service=args.install_service,
    )
    ui: Prompter = FlagsOnly() if args.non_interactive else StreamPrompter()
    env = SetupEnvironment(
        environ=os.environ,
        config=args.config,
        gh=gh_auth_token,
        service=ServiceControl(home=Path.home()),
    )
    return SetupWizard(args.root, answers, ui, env).run()
