"""``kanbanger-daemon setup``: the same steps at a terminal (questions) or from flags.

Every step first says what is already right and changes only what is not, so running setup
again on a ready workspace writes nothing. The token is never printed: only where it came from.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kanbanger_daemon.boards.workspace import find_boards
from kanbanger_daemon.errors import KanbangerError
from kanbanger_daemon.github import ProjectInfo
from kanbanger_daemon.models import Layout
from kanbanger_daemon.settings import Settings, load_settings
from kanbanger_daemon.team import gitignore
from kanbanger_daemon.team.dotenv_file import ENV_FILE, tighten, update_env
from kanbanger_daemon.team.git import origin_repo
from kanbanger_daemon.team.github_probe import GitHubProbe, missing_columns, wanted_columns
from kanbanger_daemon.team.prompts import Prompter
from kanbanger_daemon.team.service_state import ServiceControl
from kanbanger_daemon.team.tokens import TOKEN_HELP, TYPED, FoundToken, GhRunner, find_tokens

EXIT_READY = 0
EXIT_NOT_READY = 1
_REPO_SHAPE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_ATTEMPTS = 3

LINK_HELP = (
    "Link one from the repository's Projects tab (Link a project) or with `gh project link "
    "NUMBER --owner OWNER --repo OWNER/NAME`, then run setup again."
)

OWNER_HELP = (
    "Projects owned by a user need that user's token; organisation projects need a member's "
    "token with access to the project."
)
WIDTH = 88  # explanations are wrapped to fit an ordinary terminal

ProbeFactory = Callable[[str, str], GitHubProbe]


@dataclass
class SetupAnswers:
    """Answers given as flags (None: ask, or keep what the workspace already has)."""

    repo: str | None = None
    project: int | None = None
    layout: Layout | None = None
    add_status_options: bool = False
    install_service: bool = False


@dataclass
class SetupEnvironment:
    """Everything setup touches outside the workspace, injectable for tests."""

    environ: Mapping[str, str]
    config: Path | None = None
    gh: GhRunner | None = None
    probe: ProbeFactory = GitHubProbe
    service: ServiceControl | None = None


@dataclass
class _Chosen:
    token: FoundToken | None = None
    repo: str | None = None
    project: ProjectInfo | None = None
    layout: Layout = Layout.PER_SPEC
    problems: list[str] = field(default_factory=list)


class SetupWizard:
    def __init__(self, root: Path, answers: SetupAnswers, ui: Prompter,
                 env: SetupEnvironment) -> None:
        self.root = root
        self.answers = answers
        self.ui = ui
        self.env = env
        self.chosen = _Chosen()
        self._linked: list[tuple[int, str]] = []
        self.settings: Settings = load_settings(root, config=env.config, environ=env.environ)

    # -- driver ------------------------------------------------------------------------------

    def run(self) -> int:
        self.say(f"kanbanger-daemon setup for {self.root}")
        steps: list[Callable[[], bool]] = [
            self.step_gitignore, self.step_token, self.step_repo, self.step_project,
            self.step_status_options, self.step_layout, self.step_write_env, self.step_service,
        ]
        for step in steps:
            self.say()
            if not step():
                break
        self.say()
        if self.chosen.problems:
            self.say("Not ready:")
            for problem in self.chosen.problems:
                self.say(f"  ✗ {problem}", wrap=True)
            return EXIT_NOT_READY
        self.say("Ready. Next: `kanbanger-daemon sync` pushes the boards now; "
                 "`kanbanger-daemon doctor` checks everything; "
                 "`kanbanger-daemon hooks install` syncs after each commit.", wrap=True)
        return EXIT_READY

    def say(self, text: str = "", *, wrap: bool = False) -> None:
        """One message; explanations (``wrap``) are wrapped to ``WIDTH``, indented under it."""
        if not wrap or len(text) <= WIDTH:
            self.ui.say(text)
            return
        indent = " " * (len(text) - len(text.lstrip(" ")))
        marked = text.lstrip().startswith(("✓", "✗", "+", "-", "!"))
        self.ui.say(textwrap.fill(text, WIDTH, subsequent_indent=indent + ("  " if marked else ""),
                                  break_on_hyphens=False, break_long_words=False))

    def _fail(self, reason: str) -> bool:
        self.chosen.problems.append(reason)
        return False

    # -- steps (each returns False when setup cannot go on) -----------------------------------

    def step_gitignore(self) -> bool:
        ui = self.ui
        self.say("1. .gitignore (machine-local files out of git; _kanban.md stays tracked)")
        missing = gitignore.missing_entries(self.root)
        if not missing:
            self.say(f"  ✓ already ignores {', '.join(gitignore.REQUIRED_ENTRIES)}")
        elif ui.confirm(f"  Add {', '.join(missing)} to .gitignore?", True):
            gitignore.add_missing_entries(self.root)
            self.say(f"  + added {', '.join(missing)}")
        else:
            self.say("  - left as it is: the token in .env could be committed by mistake")
        if gitignore.ignores_board(self.root):
            self.say("  ! .gitignore names _kanban.md: the boards are meant to be committed "
                     "(remove that line so every machine shares them)")
        return True

    def _probe(self, token: str) -> GitHubProbe:
        return self.env.probe(token, self.settings.github_graphql_url)

    def _try_token(self, candidate: FoundToken) -> bool:
        refused = self.settings.token_destination_error(candidate.origin)
        if refused is not None:
            self.say(f"  ✗ the token from {candidate.source} is not tried: {refused}", wrap=True)
            return False
        try:
            who = self._probe(candidate.value).preflight()
        except KanbangerError as exc:
            self.say(f"  ✗ the token from {candidate.source} does not work: {exc}", wrap=True)
            return False
        scopes = ", ".join(who.scopes) or "none reported"
        self.say(f"  ✓ token from {candidate.source}: {who.login} "
                 f"({who.token_kind} token, scopes: {scopes})")
        self.chosen.token = candidate
        return True

    def step_token(self) -> bool:
        ui = self.ui
        self.say("2. GitHub token")
        for paragraph in (TOKEN_HELP, OWNER_HELP):
            self.say(f"  {paragraph}", wrap=True)
        for candidate in find_tokens(self.root, self.env.environ, self.env.gh):
            if self._try_token(candidate):
                return True
        typed_refused = self.settings.token_destination_error(TYPED)
        if typed_refused is not None:  # a typed token would be refused just the same
            return self._fail(str(typed_refused))
        if not ui.interactive:
            return self._fail("no working token: set GITHUB_TOKEN to a classic token with the "
                              "`project` scope (and `repo` for private repositories)")
        for _ in range(_ATTEMPTS):
            typed = ui.ask_secret("  Paste a GitHub token")
            if typed and self._try_token(FoundToken("what you typed", typed)):
                return True
        return self._fail("no working token was given")

    def step_repo(self) -> bool:
        ui = self.ui
        self.say("3. Repository")
        current = self.answers.repo or self.settings.github_repo or origin_repo(self.root)
        for _ in range(_ATTEMPTS):
            repo = (ui.ask("  GitHub repository (OWNER/NAME)", current)
                    if ui.interactive and not self.answers.repo else current)
            if repo is None:
                return self._fail("no repository: pass --repo OWNER/NAME")
            if not _REPO_SHAPE.match(repo):
                self.say(f"  ✗ {repo!r} does not look like OWNER/NAME")
            else:
                try:
                    self._linked = self._probe_token().linked_projects(repo)
                except KanbangerError as exc:
                    self.say(f"  ✗ {exc}", wrap=True)
                else:
                    self.say(f"  ✓ {repo} is visible to the token")
                    self.chosen.repo = repo
                    return True
            if not ui.interactive or self.answers.repo:
                return self._fail(f"repository {repo} cannot be used")
            current = None
        return self._fail("no usable repository was given")

    def _probe_token(self) -> GitHubProbe:
        assert self.chosen.token is not None  # step_token ran first
        return self._probe(self.chosen.token.value)

    def step_project(self) -> bool:
        ui = self.ui
        repo = self.chosen.repo
        assert repo is not None
        self.say(f"4. Project linked to {repo}")
        linked = self._linked
        while not linked:
            self.say(f"  ✗ no project is linked to {repo}. {LINK_HELP}", wrap=True)
            if not ui.interactive or not ui.confirm("  Linked one? Check again", True):
                return self._fail(f"no project is linked to {repo}")
            linked = self._probe_token().linked_projects(repo)
        numbers = [n for n, _ in linked]
        listing = ", ".join(f"#{n} {t!r}" for n, t in linked)
        wanted = self.answers.project
        if wanted is None and ui.interactive:
            current = self.settings.github_project_number
            default = str(current if current in numbers else numbers[0])
            picked = ui.choose("  Which project holds the board?",
                               [(str(n), f"#{n} {t}") for n, t in linked], default)
            wanted = int(picked)
        elif wanted is None:
            wanted = self.settings.github_project_number
            if wanted is None and len(numbers) == 1:
                wanted = numbers[0]
        if wanted is None:
            return self._fail(f"pass --project N (linked to {repo}: {listing})")
        if wanted not in numbers:
            return self._fail(f"project #{wanted} is not linked to {repo} (linked: {listing}). "
                              f"{LINK_HELP}")
        try:
            self.chosen.project = self._probe_token().project(
                repo, wanted, self.settings.status_field)
        except KanbangerError as exc:
            return self._fail(str(exc))
        self.say(f"  ✓ project #{wanted} {self.chosen.project.title!r}")
        return True

    def step_status_options(self) -> bool:
        ui = self.ui
        project = self.chosen.project
        assert project is not None
        field_ = project.status_field
        self.say(f"5. Status field {field_.name!r}: "
                 f"{', '.join(o.name for o in field_.options) or 'no options'}")
        review = self.settings.review_gate
        missing = missing_columns(project, self.settings.column_mapping, review=review)
        if not missing:
            self.say("  ✓ every board column has an option")
            return True
        self.say(f"  ✗ missing: {', '.join(missing)}")
        if self.answers.add_status_options:
            add = True
        elif ui.interactive:
            add = ui.confirm(f"  Add {', '.join(missing)}? (existing options keep their ids, so "
                             "no card loses its Status)", True)
        else:
            add = False
        if not add:
            hint = " (rerun with --add-status-options)" if not ui.interactive else ""
            self.chosen.problems.append(
                f"Status options missing ({', '.join(missing)}): add them on github.com{hint}")
            return True
        try:
            self.chosen.project = self._probe_token().add_status_options(
                project, wanted_columns(self.settings.column_mapping, review=review))
        except KanbangerError as exc:
            self.chosen.problems.append(f"could not add Status options: {exc}")
            return True
        self.say(f"  + added {', '.join(missing)}")
        return True

    def step_layout(self) -> bool:
        ui = self.ui
        self.say("6. Layout")
        layout = self.answers.layout
        current = self.settings.layout
        if layout is None and ui.interactive:
            layout = Layout(ui.choose(
                "  One board per SPEC folder, or one board for all SPECs?",
                [(Layout.PER_SPEC.value, "per-spec: a _kanban.md in each SPEC folder"),
                 (Layout.SINGLE.value, "single: one _kanban.md at the workspace root")],
                current.value))
        self.chosen.layout = layout or current
        boards = find_boards(self.root, self.settings.specs_dir, self.chosen.layout)
        found = (f"{len(boards)} board(s)" if boards else
                 f"no SPEC under {self.settings.specs_dir}/ yet")
        self.say(f"  ✓ {self.chosen.layout.value} ({found})")
        return True

    def step_write_env(self) -> bool:
        path = self.root / ENV_FILE
        self.say(f"7. {ENV_FILE} (mode 0600; the token is stored here, never printed)")
        token, repo, project = self.chosen.token, self.chosen.repo, self.chosen.project
        assert token is not None and repo is not None and project is not None
        values = {
            "GITHUB_TOKEN": token.value,
            "GITHUB_REPO": repo,
            "GITHUB_PROJECT_NUMBER": str(project.number),
            "KANBANGER_LAYOUT": self.chosen.layout.value,
        }
        # The API URL is not copied here: it stays where the user set it (environment, user
        # config). Here, beside a token the environment overrides, it would be a workspace file
        # choosing where that token goes, which the trust rule refuses.
        if tighten(path):
            self.say(f"  + {ENV_FILE} was readable by others: now 0600")
        changed = update_env(path, values)
        if changed:
            self.say(f"  + wrote {', '.join(changed)}")
        else:
            self.say("  ✓ already up to date")
        return True

    def step_service(self) -> bool:
        ui = self.ui
        control = self.env.service
        self.say("8. User service (starts the daemon at login)")
        if control is None:
            self.say("  - not available on this system")
            return True
        state = control.state(self.root)
        if state == "same":
            self.say(f"  ✓ installed ({control.name(self.root)})")
            return True
        want = self.answers.install_service or (
            ui.interactive and ui.confirm("  Install and start the user service now?", False))
        if not want:
            self.say("  - not installed (later: `kanbanger-daemon service install`)")
            return True
        for line in control.install(self.root):
            self.say(f"  + {line}")
        return True
