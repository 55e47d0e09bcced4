"""``doctor``: small checks, each saying what it found and the one line that fixes it.

Local checks never touch the network; GitHub checks run only when asked (``network=True``) and
only when the local configuration gives them something to check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from kanbanger_daemon.boards.reconcile import load_folder
from kanbanger_daemon.boards.workspace import ROOT_KEY, find_boards, folders_of_board
from kanbanger_daemon.daemon.status import (
    EXIT_DEGRADED,
    EXIT_HEALTHY,
    EXIT_NOT_RUNNING,
    read_status,
)
from kanbanger_daemon.errors import (
    AuthError,
    ConfigError,
    InputError,
    KanbangerError,
    ScopeError,
    UnknownKeyError,
)
from kanbanger_daemon.settings import Settings, load_settings
from kanbanger_daemon.team import gitignore
from kanbanger_daemon.team.dotenv_file import ENV_FILE, is_private
from kanbanger_daemon.team.github_probe import GitHubProbe, missing_columns
from kanbanger_daemon.team.inotify import (
    InotifyLimits,
    folders_to_watch,
    raise_command,
    read_limits,
    watches_problem,
)
from kanbanger_daemon.team.service_state import ServiceControl
from kanbanger_daemon.team.tokens import TOKEN_HELP

Severity = Literal["error", "warning"]
SETUP = "kanbanger-daemon setup"
_SHOWN_ERRORS = 5


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    severity: Severity = "error"  # a failed "warning" is worth knowing but breaks nothing

    @property
    def is_problem(self) -> bool:
        return not self.ok and self.severity == "error"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


ProbeFactory = Callable[[str, str], GitHubProbe]


@dataclass
class DoctorContext:
    root: Path
    environ: Mapping[str, str]
    config: Path | None = None
    network: bool = True
    probe: ProbeFactory = GitHubProbe
    service: ServiceControl | None = None
    inotify_dir: Path | None = None  # None: /proc/sys/fs/inotify
    local_only: bool = False  # `doctor --local-only`: no GitHub setting may be present


# -- local checks ------------------------------------------------------------------------------

def check_config(ctx: DoctorContext) -> tuple[Check, Settings | None]:
    try:
        settings = load_settings(ctx.root, config=ctx.config, environ=ctx.environ)
    except UnknownKeyError as exc:
        return Check("config", False, str(exc), "rename or remove the key named above"), None
    except ConfigError as exc:
        return Check("config", False, str(exc), "correct the value named above"), None
    where = "the environment, .env and config files"
    return Check("config", True, f"settings load from {where}"), settings


def check_config_notes(settings: Settings) -> list[Check]:
    """What loading ignored or overrode (misspelt names, workspace commands, stale exports)."""
    if not settings.notes:
        return []
    return [Check("config-notes", False, "; ".join(settings.notes),
                  "see each note: rename, move or remove the value it names", "warning")]


def _from(settings: Settings, name: str) -> str:
    """``GITHUB_REPO from workspace .env /ws/.env``: where a value came from, for people."""
    origin = settings.origin(name)
    where = {"environment": "the environment", "default": "the default",
             "flag": "a flag"}.get(origin.kind, f"{origin.kind} {origin.source}")
    return f"{origin.name or name} from {where}"


def check_gitignore(root: Path) -> Check:
    missing = gitignore.missing_entries(root)
    if gitignore.ignores_board(root):
        return Check("gitignore", False, ".gitignore ignores _kanban.md, the shared board",
                     "remove the _kanban.md line from .gitignore", "warning")
    if missing:
        return Check("gitignore", False, f".gitignore lacks {', '.join(missing)}",
                     f"{SETUP} (or add {' '.join(missing)} to .gitignore)", "warning")
    return Check("gitignore", True, "machine-local files are ignored, boards tracked")


def check_env_permissions(root: Path) -> Check:
    path = root / ENV_FILE
    if not path.is_file():
        return Check("env-permissions", True, f"no {ENV_FILE} in the workspace")
    if not is_private(path):
        mode = oct(path.stat().st_mode & 0o777)
        return Check("env-permissions", False,
                     f"{ENV_FILE} (holds the token) is readable by group/others (mode {mode})",
                     f"chmod 600 {path}")
    return Check("env-permissions", True, f"{ENV_FILE} is private (0600)")


def _github_settings_present(settings: Settings) -> list[str]:
    return [name for name, value in (("GITHUB_TOKEN", settings.github_token),
                                     ("GITHUB_REPO", settings.github_repo),
                                     ("GITHUB_PROJECT_NUMBER", settings.github_project_number))
            if value]


def check_local_only(settings: Settings) -> Check:
    """``doctor --local-only``: the workspace is meant to have no GitHub configuration."""
    present = _github_settings_present(settings)
    if present and settings.sync_to_github:
        return Check("local-only", False, f"--local-only, but GitHub settings are present: "
                     f"{', '.join(present)}",
                     "remove them, or set KANBANGER_SYNC_TO_GITHUB=false")
    return Check("local-only", True, "local-only: nothing is sent to GitHub")


def check_github_settings(settings: Settings) -> list[Check]:
    if not settings.sync_to_github:
        return [Check("github-settings", True, "sync_to_github is off: boards stay local")]
    if not _github_settings_present(settings):
        # A supported state, not a problem: boards are kept, nothing is pushed.
        return [Check("github-settings", True, "local-only: no GitHub settings (GITHUB_TOKEN, "
                      "GITHUB_REPO, GITHUB_PROJECT_NUMBER); boards stay in _kanban.md")]
    checks = [
        Check("token", bool(settings.github_token),
              f"set ({_from(settings, 'github_token')})" if settings.github_token
              else "GITHUB_TOKEN is not set",
              "" if settings.github_token else f"{SETUP} (or set GITHUB_TOKEN)"),
    ]
    missing = [name for name, value in (("GITHUB_REPO", settings.github_repo),
                                        ("GITHUB_PROJECT_NUMBER",
                                         settings.github_project_number)) if not value]
    checks.append(Check("target", not missing,
                        f"{', '.join(missing)} not set" if missing else
                        f"{settings.github_repo} project #{settings.github_project_number} "
                        f"({_from(settings, 'github_repo')}, "
                        f"{_from(settings, 'github_project_number')})",
                        f"{SETUP} (or set {' and '.join(missing)})" if missing else ""))
    if settings.github_token:
        refused = settings.token_destination_error()
        checks.append(Check(
            "token-destination", refused is None,
            str(refused) if refused else
            f"{settings.github_graphql_url} ({_from(settings, 'github_graphql_url')})",
            "move GITHUB_GRAPHQL_URL out of the workspace file named" if refused else ""))
    return checks


def check_layout(root: Path, settings: Settings) -> tuple[Check, list[str]]:
    specs = root / settings.specs_dir
    if not specs.is_dir():
        return Check("layout", False, f"no {settings.specs_dir}/ folder in {root}",
                     f"run from the workspace root (--root) or set specs_dir; "
                     f"SPECs live in {settings.specs_dir}/<name>/spec_<name>.md"), []
    boards = find_boards(root, settings.specs_dir, settings.effective_layout)
    if not boards:
        return Check("layout", False, f"{settings.specs_dir}/ holds no spec_*.md or speclet_*.md",
                     f"add a SPEC: {settings.specs_dir}/<name>/spec_<name>.md"), []
    return Check("layout", True, f"{settings.effective_layout.value} layout, "
                 f"{len(boards)} board(s)"), boards


def check_inputs(root: Path, settings: Settings, boards: list[str]) -> Check:
    errors: list[str] = []
    for key in boards:
        for folder in folders_of_board(root, key, settings.specs_dir, settings.effective_layout):
            try:
                load_folder(root, folder)
            except InputError as exc:
                errors.append(str(exc))
            except OSError as exc:
                errors.append(f"{folder}: {exc.strerror}")
    if errors:
        shown = "; ".join(errors[:_SHOWN_ERRORS])
        more = f" (+{len(errors) - _SHOWN_ERRORS} more)" if len(errors) > _SHOWN_ERRORS else ""
        return Check("inputs", False, f"{len(errors)} folder(s) fail to parse: {shown}{more}",
                     "fix the file named (`kanbanger-daemon inspect FILE` shows what is read)")
    return Check("inputs", True, f"every SPEC, parameters and progress file of "
                 f"{len(boards)} board(s) parses")


def check_inotify(root: Path, settings: Settings, proc_dir: Path | None) -> Check:
    limits: InotifyLimits | None = read_limits(proc_dir) if proc_dir else read_limits()
    if limits is None:
        return Check("inotify", True, "no inotify here (not Linux): nothing to check")
    needed = folders_to_watch(root / settings.specs_dir) + 1
    problem = watches_problem(limits, needed)
    if problem:
        return Check("inotify", False, f"{problem}: the daemon would fall back to polling",
                     raise_command(needed))
    return Check("inotify", True, f"{needed} folder(s) to watch, max_user_watches "
                 f"{limits.max_user_watches}")


def _installed_check(ctx: DoctorContext, control: ServiceControl) -> Check:
    root = ctx.root
    state = control.state(root)
    if state == "same":
        return Check("service", True, f"installed: {control.name(root)} ({control.path(root)})")
    if state == "different":
        return Check("service", False, f"{control.path(root)} is from another installation "
                     f"of kanbanger-daemon", "kanbanger-daemon service install", "warning")
    other = control.legacy_elsewhere(root)
    detail = ("the user service is not installed for this workspace" if other is None else
              f"not installed for this workspace (an older single service serves {other})")
    return Check("service", False, detail,
                 "kanbanger-daemon service install (or use the git hook / CI)", "warning")


def check_service(ctx: DoctorContext) -> list[Check]:
    control = ctx.service
    installed = (Check("service", True, "no service manager to check") if control is None
                 else _installed_check(ctx, control))
    report = read_status(ctx.root)
    reasons = "; ".join(report.reasons)
    if report.code == EXIT_HEALTHY:
        running = Check("daemon", True, "running and healthy")
    elif report.code == EXIT_DEGRADED:
        frozen = any(reason.startswith("heartbeat is stale") for reason in report.reasons)
        fix = ("kanbanger-daemon status shows each board's last error" if not frozen
               else control.start_command(ctx.root) if installed.ok and control is not None
               else "stop it and start `kanbanger-daemon run` again")
        running = Check("daemon", False, f"running but degraded: {reasons}", fix)
    elif report.code == EXIT_NOT_RUNNING:
        fix = (control.start_command(ctx.root) if installed.ok and control is not None
               else "kanbanger-daemon service install, or kanbanger-daemon run")
        # Not running is only a problem when a service is meant to run it.
        running = Check("daemon", False, f"not running ({reasons})", fix,
                        "error" if installed.ok and control is not None else "warning")
    else:
        running = Check("daemon", False, f"state unknown: {reasons}",
                        "kanbanger-daemon status --json", "warning")
    return [installed, running]


# -- GitHub checks -----------------------------------------------------------------------------

def _targets(root: Path, settings: Settings, boards: list[str], ctx: DoctorContext
             ) -> list[tuple[str, int, Settings]]:
    """Every distinct (repo, project) the boards go to (a SPEC's own .env may differ)."""
    seen: dict[tuple[str, int], Settings] = {}
    for key in boards or [ROOT_KEY]:
        board_settings = settings
        if key != ROOT_KEY:
            try:
                board_settings = load_settings(root, spec_dir=root / key, config=ctx.config,
                                               environ=ctx.environ)
            except ConfigError:
                continue  # reported by the config check of that board's own run
        repo, number = board_settings.github_repo, board_settings.github_project_number
        if repo and number:
            seen.setdefault((repo, number), board_settings)
    return [(repo, number, s) for (repo, number), s in seen.items()]


def _fix_for(exc: KanbangerError) -> str:
    if isinstance(exc, AuthError):
        return f"{SETUP} with a valid token"
    if isinstance(exc, ScopeError):
        return "gh auth refresh -s project (or a classic token with project and repo scopes)"
    return "see the message; kanbanger-daemon setup walks through it"


def check_github(ctx: DoctorContext, settings: Settings, boards: list[str]) -> list[Check]:
    if not ctx.network:
        return [Check("github", True, "skipped (--no-network)")]
    if not settings.github_enabled or settings.github_token is None:
        return [Check("github", True, "skipped: no GitHub settings to check")]
    if settings.token_destination_error() is not None:
        return [Check("github", True, "skipped: the token may not go to that API URL "
                      "(see token-destination)")]
    probe = ctx.probe(*settings.github_endpoint())
    try:
        who = probe.preflight()
    except KanbangerError as exc:
        return [Check("token-valid", False, str(exc), _fix_for(exc))]
    checks = [Check("token-valid", True, f"{who.login}, {who.token_kind} token, scopes: "
                    f"{', '.join(who.scopes) or 'none reported'}")]
    if who.token_kind == "fine-grained":
        checks.append(Check("token-kind", False, TOKEN_HELP, SETUP, "warning"))
    targets = _targets(ctx.root, settings, boards, ctx)
    for repo, number, board_settings in targets:
        where = f"{repo} #{number}"
        # One set of names per target; a SPEC's own project gets its own, suffixed, set.
        tag = "" if len(targets) == 1 else f" {repo}#{number}"
        try:
            linked = probe.linked_projects(repo)
        except KanbangerError as exc:
            checks.append(Check(f"repo{tag}", False, str(exc), _fix_for(exc)))
            continue
        checks.append(Check(f"repo{tag}", True, f"{repo} is visible"))
        numbers = [n for n, _ in linked]
        if number not in numbers:
            listing = ", ".join(f"#{n} {t!r}" for n, t in linked) or "none"
            checks.append(Check(f"project-link{tag}", False,
                                f"project #{number} is not linked to {repo} (linked: {listing})",
                                f"gh project link {number} --owner {repo.split('/')[0]} "
                                f"--repo {repo}"))
            continue
        try:
            project = probe.project(repo, number, board_settings.status_field)
        except KanbangerError as exc:
            checks.append(Check(f"project-link{tag}", False, str(exc), _fix_for(exc)))
            continue
        checks.append(Check(f"project-link{tag}", True, f"{where} {project.title!r} is linked"))
        missing = missing_columns(project, board_settings.column_mapping,
                                  review=board_settings.review_gate)
        checks.append(Check(
            f"status-options{tag}", not missing,
            f"{where}: {project.status_field.name!r} lacks {', '.join(missing)}" if missing
            else f"{where}: every board column has a {project.status_field.name!r} option",
            f"{SETUP} --add-status-options (keeps existing options)" if missing else ""))
    return checks


# -- all of them -------------------------------------------------------------------------------

def run_checks(ctx: DoctorContext) -> list[Check]:
    config, settings = check_config(ctx)
    checks = [config, check_gitignore(ctx.root), check_env_permissions(ctx.root)]
    if settings is None:
        settings = Settings()
    else:
        checks.extend(check_config_notes(settings))
        checks.extend(check_github_settings(settings))
        if ctx.local_only:
            checks.append(check_local_only(settings))
    layout, boards = check_layout(ctx.root, settings)
    checks.append(layout)
    if boards:
        checks.append(check_inputs(ctx.root, settings, boards))
    checks.append(check_inotify(ctx.root, settings, ctx.inotify_dir))
    checks.extend(check_service(ctx))
    if config.ok:
        checks.extend(check_github(ctx, settings, boards))
    return checks


def render_table(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines: list[str] = []
    for check in checks:
        mark = "✓" if check.ok else ("✗" if check.severity == "error" else "!")
        lines.append(f"{mark} {check.name:<{width}}  {check.detail}")
        if not check.ok and check.fix:
            lines.append(f"  {'':<{width}}  fix: {check.fix}")
    problems = sum(c.is_problem for c in checks)
    warnings = sum(not c.ok and not c.is_problem for c in checks)
    lines.append("")
    lines.append("all good" if not problems and not warnings else
                 f"{problems} problem(s), {warnings} warning(s)")
    return "\n".join(lines)
