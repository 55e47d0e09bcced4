"""``load_settings``: every source layered, each value's origin kept; loose token files found."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import ValidationError

from kanbanger_daemon.errors import ConfigError, register_secret
from kanbanger_daemon.logging import get_logger
from kanbanger_daemon.settings.model import Origin, Settings, Trust
from kanbanger_daemon.settings.sources import (
    GUIDE_CONFIG_NAME,
    TOKEN_NAMES,
    Layer,
    read_dotenv,
    read_env_mapping,
    read_guide_json,
    read_toml,
)

# Where a board goes: the workspace .env beats the environment for these (kanbanger's rule, so
# that a stale exported GITHUB_REPO from another project cannot send cards to the wrong board).
BOARD_TARGET_SETTINGS = ("github_repo", "github_project_number")

log = get_logger("kanbanger_daemon.settings")


def config_path(explicit: Path | None, environ: Mapping[str, str]) -> Path | None:
    """Which TOML config file applies, or None when there is none."""
    if explicit is not None:
        return explicit
    if environ.get("KANBANGER_CONFIG"):
        return Path(environ["KANBANGER_CONFIG"])
    base = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME", "~")) / ".config")
    candidate = Path(base).expanduser() / "kanbanger-daemon" / "config.toml"
    return candidate if candidate.is_file() else None


def _layers(root: Path, spec_dir: Path | None, config: Path | None, env: Mapping[str, str],
            flags: Mapping[str, Any] | None) -> list[Layer]:
    """Every source, lowest precedence first."""
    guide = read_guide_json(root / GUIDE_CONFIG_NAME)
    toml_path = config_path(config, env)
    toml = read_toml(toml_path) if toml_path is not None else None
    workspace_env = read_dotenv(root / ".env", "workspace .env")
    environment = read_env_mapping(env, Layer("environment", "the environment", Trust.USER),
                                   strict=False)
    spec_env = None
    if spec_dir is not None and spec_dir.resolve() != root.resolve():
        spec_env = read_dotenv(spec_dir / ".env", "SPEC .env")
    flag_layer = Layer("flag", "command-line flags", Trust.FLAG,
                       {k: v for k, v in (flags or {}).items() if v is not None})
    for key in flag_layer.values.keys() - Settings.model_fields.keys():
        raise ConfigError("unknown setting", key=key, source=flag_layer.source)
    for layer in (guide, workspace_env, spec_env):
        if layer is not None:
            layer.drop_programs()
    workspace_rest, workspace_targets = workspace_env.split(BOARD_TARGET_SETTINGS)
    ordered = [guide, toml, workspace_rest, environment, workspace_targets, spec_env, flag_layer]
    return [layer for layer in ordered if layer is not None]


def _merge(layers: list[Layer]) -> tuple[dict[str, Any], dict[str, Origin], list[str]]:
    merged: dict[str, Any] = {}
    origins: dict[str, Origin] = {}
    notes: list[str] = []
    for layer in layers:
        notes.extend(layer.notes)
        for key, value in layer.values.items():
            before = origins.get(key)
            if (key in BOARD_TARGET_SETTINGS and before is not None
                    and before.kind == "environment" and layer.kind == "workspace .env"
                    and str(merged[key]) != str(value)):
                notes.append(f"{layer.origin(key).describe()} ({value}) overrides "
                             f"{before.describe()} ({merged[key]}): the workspace .env decides "
                             f"where its boards go")
            merged[key] = value
            origins[key] = layer.origin(key)
    return merged, origins, notes


def _validate(merged: dict[str, Any], origins: dict[str, Origin]) -> Settings:
    try:
        return Settings(**merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else "?"
        origin = origins.get(key)
        raise ConfigError(
            f"invalid value: {first['msg']}",
            key=origin.name if origin and origin.name else key,
            source=origin.source if origin else "defaults",
        ) from None


def load_settings(
    root: Path,
    *,
    spec_dir: Path | None = None,
    config: Path | None = None,
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge every layer for the workspace ``root`` (and ``spec_dir``'s own ``.env``)."""
    env = os.environ if environ is None else environ
    merged, origins, notes = _merge(_layers(root, spec_dir, config, env, flags))
    settings = _validate(merged, origins)
    settings._origins = origins
    settings._notes = tuple(notes)
    for note in notes:
        log.warning(note, once=True)  # settings load often: the logging shows it once
    if settings.github_token is not None:
        register_secret(settings.github_token.get_secret_value())
    return _apply_board_target(settings, root, spec_dir)


def _apply_board_target(settings: Settings, root: Path, spec_dir: Path | None) -> Settings:
    if spec_dir is None or not settings.boards:
        return settings
    try:
        rel = spec_dir.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return settings
    for target in settings.boards:
        if target.path.strip("/") == rel:
            update: dict[str, Any] = {}
            if target.github_repo:
                update["github_repo"] = target.github_repo
            if target.github_project_number:
                update["github_project_number"] = target.github_project_number
            moved = settings.model_copy(update=update)
            moved._origins = {**settings._origins, **dict.fromkeys(update,
                                                                    settings.origin("boards"))}
            return moved
    return settings


def exposed_token_files(root: Path, specs_dir: str) -> list[Path]:
    """The ``.env`` files of the workspace that hold a token and others may read."""
    candidates = [root / ".env"]
    specs = root / specs_dir
    if specs.is_dir():
        candidates.extend(sorted(specs.rglob(".env")))
    exposed: list[Path] = []
    for path in candidates:
        try:
            loose = stat.S_IMODE(path.stat().st_mode) & 0o077
        except OSError:
            continue
        if loose and path.is_file() and any(dotenv_values(path).get(n) for n in TOKEN_NAMES):
            exposed.append(path)
    return exposed


def warn_exposed_token_files(root: Path, specs_dir: str) -> list[Path]:
    """Warn (once a process) about each ``.env`` holding a token that others may read."""
    exposed = exposed_token_files(root, specs_dir)
    for path in exposed:
        mode = oct(stat.S_IMODE(path.stat().st_mode))
        log.warning(f"{path} holds a GitHub token and other users can read it (mode {mode}): "
                    f"chmod 600 {path}", once=True)
    return exposed
