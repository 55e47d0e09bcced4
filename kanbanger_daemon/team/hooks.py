"""The git post-commit hook: sync the boards whose files the commit touched.

The hook must never block or hang a commit: it reads nothing from the terminal, gives up after
a time limit, prints what went wrong instead of hiding it, and always exits 0. An existing
post-commit hook is kept: it is moved aside and run first (``uninstall`` puts it back).
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kanbanger_daemon.boards.atomic import write_atomic
from kanbanger_daemon.errors import KanbangerError
from kanbanger_daemon.team import git

HOOK_NAME = "post-commit"
CHAINED_NAME = "post-commit.pre-kanbanger"
MARKER = "# kanbanger-daemon post-commit hook"
DEFAULT_TIMEOUT_S = 60

_TEMPLATE = """#!/bin/sh
{marker} (installed by `kanbanger-daemon hooks install`; remove with `hooks uninstall`)
# Syncs the boards whose files this commit touched. Never blocks a commit: always exits 0.
hooks_dir=$(dirname "$0")
if [ -x "$hooks_dir/{chained}" ]; then
    "$hooks_dir/{chained}" "$@" || echo "post-commit ({chained}) failed: exit $?" >&2
fi
top=$(git rev-parse --show-toplevel 2>/dev/null) || exit 0
root="$top"{root_suffix}
limit=${{KANBANGER_HOOK_TIMEOUT:-{timeout}}}
exe={exe}
{fallback}set --
nl='
'
old_ifs=$IFS; IFS=$nl; set -f  # one path per line; no globbing of names like a*b
for path in $(git -c core.quotePath=false diff-tree -r --root --no-commit-id --name-only \\
        HEAD 2>/dev/null); do
    # Only files that can feed a board: a commit touching none costs no process start.
    case "$top/$path" in
        "$root"/{specs_dir}/*|"$root"/_kanban.md) set -- "$@" "$top/$path" ;;
    esac
done
IFS=$old_ifs; set +f
[ $# -gt 0 ] || exit 0
run_limited() {{
    if command -v timeout >/dev/null 2>&1; then
        timeout -k 5 "$limit" "$@"
        return $?
    fi
    "$@" &
    pid=$!
    ( sleep "$limit"; kill "$pid" 2>/dev/null ) >/dev/null 2>&1 &
    watcher=$!
    wait "$pid"
    rc=$?
    kill "$watcher" 2>/dev/null
    return $rc
}}
# Output goes to a file, not $(...): a stray grandchild of a killed sync would hold a pipe open.
log=$(mktemp "${{TMPDIR:-/tmp}}/kanbanger-hook.XXXXXX" 2>/dev/null) || log=/dev/null
GIT_TERMINAL_PROMPT=0 run_limited "$exe"{argv_suffix} sync --root "$root" "$@" \\
    </dev/null >"$log" 2>&1
rc=$?
if [ $rc -eq 124 ] || [ $rc -eq 137 ] || [ $rc -eq 143 ]; then
    echo "kanbanger-daemon hook: sync gave up after ${{limit}}s; the boards catch up on the next" \\
        "sync or daemon rescan" >&2
elif [ $rc -ne 0 ]; then
    echo "kanbanger-daemon hook: sync failed (exit $rc); the commit is done:" >&2
    cat "$log" >&2
fi
[ "$log" = /dev/null ] || rm -f "$log"
exit 0
"""


@dataclass(frozen=True)
class HookPlace:
    hooks_dir: Path
    toplevel: Path

    @property
    def hook(self) -> Path:
        return self.hooks_dir / HOOK_NAME

    @property
    def chained(self) -> Path:
        return self.hooks_dir / CHAINED_NAME


def render_hook(command: Sequence[str], root_in_repo: str, timeout_s: int = DEFAULT_TIMEOUT_S,
                specs_dir: str = "SPECs") -> str:
    """The hook script. ``command`` starts kanbanger-daemon (its first word is tried first,
    then ``kanbanger-daemon`` on PATH); ``root_in_repo`` is the workspace relative to the top
    of the work tree, so the same hook works in every clone; ``specs_dir`` is the workspace's
    SPEC folder (changing that setting means installing the hook again)."""
    exe, *rest = command
    suffix = "" if root_in_repo in ("", ".") else "/" + root_in_repo
    return _TEMPLATE.format(
        marker=MARKER,
        chained=CHAINED_NAME,
        root_suffix=shlex.quote(suffix) if suffix else "",
        timeout=int(timeout_s),
        specs_dir=shlex.quote(specs_dir.strip("/")),
        exe=shlex.quote(exe),
        # `kanbanger-daemon` on PATH stands in for a moved executable, not for `python -m`.
        fallback="" if rest else '[ -x "$exe" ] || exe=kanbanger-daemon\n',
        argv_suffix="".join(" " + shlex.quote(a) for a in rest),
    )


def locate(root: Path) -> HookPlace:
    top = git.toplevel(root)
    hooks_dir = git.hooks_dir(root)
    if top is None or hooks_dir is None:
        raise KanbangerError(f"{root} is not inside a git work tree (git init, or use --root)")
    return HookPlace(hooks_dir, top)


def is_ours(path: Path) -> bool:
    try:
        return MARKER in path.read_text("utf-8", errors="replace")
    except OSError:
        return False


def install(root: Path, command: Sequence[str], timeout_s: int = DEFAULT_TIMEOUT_S,
            specs_dir: str = "SPECs") -> list[str]:
    """Install (or refresh) the hook; returns what was done, one line each."""
    place = locate(root)
    rel = os.path.relpath(root.resolve(), place.toplevel.resolve())
    if rel.startswith(".."):
        raise KanbangerError(f"{root} is outside the work tree {place.toplevel}")
    text = render_hook(command, rel, timeout_s, specs_dir)
    hook = place.hook
    done: list[str] = []
    if hook.exists() and not is_ours(hook):
        if place.chained.exists():
            raise KanbangerError(
                f"{hook} is not ours and {place.chained} already exists: merge them by hand, "
                "then run `kanbanger-daemon hooks install` again")
        os.replace(hook, place.chained)
        done.append(f"kept your hook: moved to {place.chained}, run first by ours")
    if hook.exists() and hook.read_text("utf-8", errors="replace") == text:
        return [*done, f"already installed: {hook}"]
    place.hooks_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(hook, text.encode("utf-8"), mode=0o755)
    return [*done, f"installed {hook}"]


def uninstall(root: Path) -> list[str]:
    place = locate(root)
    hook = place.hook
    if not hook.exists():
        return [f"no post-commit hook at {hook}"]
    if not is_ours(hook):
        return [f"{hook} is not kanbanger-daemon's: left untouched"]
    hook.unlink()
    done = [f"removed {hook}"]
    if place.chained.exists():
        os.replace(place.chained, hook)
        done.append(f"restored your earlier hook to {hook}")
    return done
