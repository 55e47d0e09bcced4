"""Settings: the only module that reads the environment, `.env` files and config files.

Precedence, highest first (a key set higher wins; unset keys fall through):

1. command-line flags
2. a SPEC folder's own ``.env`` (for that SPEC's board only: the most specific place wins, so
   a SPEC can point at its own project even when the service sets ``GITHUB_PROJECT_NUMBER``)
3. environment variables (``KANBANGER_<SETTING>``; also ``GITHUB_TOKEN``, ``GITHUB_REPO``,
   ``GITHUB_PROJECT_NUMBER``, ``GITHUB_GRAPHQL_URL`` as kanbanger and GitHub Actions name them)
4. the workspace's ``.env``
5. the TOML config file: ``--config``, else ``$KANBANGER_CONFIG``, else
   ``$XDG_CONFIG_HOME/kanbanger-daemon/config.toml`` (``~/.config/...``) when it exists
6. the integration guide's ``.spec-kanban.config.json`` at the workspace root
7. defaults

The layering is done here explicitly (rather than by pydantic-settings' own source chain) so
that a bad value is reported with the key *and* the file or variable it came from.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from kanbanger_daemon.errors import ConfigError, register_secret
from kanbanger_daemon.models import BoardOptions, ColumnMapping, Layout

ENV_PREFIX = "KANBANGER_"
GUIDE_CONFIG_NAME = ".spec-kanban.config.json"
DEFAULT_GRAPHQL_URL = "https://api.github.com/graphql"

# Unprefixed names people already use (kanbanger, GitHub Actions) → setting name.
_PLAIN_ENV_NAMES = {
    "GITHUB_TOKEN": "github_token",
    "GITHUB_REPO": "github_repo",
    "GITHUB_PROJECT_NUMBER": "github_project_number",
    "GITHUB_GRAPHQL_URL": "github_graphql_url",
}

# Keys of the guide's .spec-kanban.config.json that we honour (same names as our settings).
_GUIDE_KEYS = (
    "column_mapping",
    "include_steps",
    "add_preparatory_tasks",
    "add_validation_tasks",
    "kanban_location",
    "sync_to_github",
    "track_progress_live",
    "auto_generate",
    "generate_on_spec_creation",
    "enrich_with_llm",
)


class BoardTarget(BaseModel):
    """A ``[[boards]]`` entry: send the board of the SPEC folder ``path`` somewhere else."""

    path: str
    github_repo: str | None = None
    github_project_number: int | None = None


class Settings(BaseSettings):
    """Every setting, with its default. Field names are the flat ``KANBANGER_<NAME>`` names."""

    model_config = SettingsConfigDict(extra="ignore", validate_default=True)

    # Board generation (the integration guide's keys).
    layout: Layout = Layout.PER_SPEC
    column_mapping: ColumnMapping = ColumnMapping.SEQUENTIAL
    include_steps: bool = False
    add_preparatory_tasks: bool = False
    add_validation_tasks: bool = False
    kanban_location: str = "spec_folder"
    sync_to_github: bool = True
    track_progress_live: bool = True
    auto_generate: bool = True
    generate_on_spec_creation: bool = True
    enrich_with_llm: bool = False
    specs_dir: str = "SPECs"
    enrich_command: str | None = None
    enrich_timeout_s: float = Field(120.0, gt=0)

    # Daemon timing.
    quiet_ms: int = Field(300, ge=0, le=60_000)
    max_wait_ms: int = Field(3000, ge=1, le=600_000)
    rescan_interval_s: float = Field(600.0, gt=0)
    poll_interval: float = Field(60.0, gt=0)
    # Two-way sync: changes made on GitHub land in _kanban.md (polled every poll_interval).
    two_way: bool = True
    stop_timeout_s: float = Field(10.0, gt=0)

    # GitHub.
    github_token: SecretStr | None = None
    github_repo: str | None = None
    github_project_number: int | None = Field(None, ge=1)
    github_graphql_url: str = DEFAULT_GRAPHQL_URL
    status_field: str = "Status"
    batch_creates: int = Field(25, ge=1, le=100)
    batch_mutations: int = Field(50, ge=1, le=100)
    mutation_interval_s: float = Field(1.0, ge=0)
    creates_per_minute: int = Field(60, ge=1, le=80)
    creates_per_hour: int = Field(400, ge=1, le=500)
    request_timeout_s: float = Field(30.0, gt=0)
    # A create whose reply was lost may still be applied by GitHub this long after it was sent;
    # only then is it sent again (if no listing showed its marker). GitHub gives up on a request
    # after about 10 s, so the default leaves a wide margin.
    lost_create_settle_s: float = Field(30.0, ge=0)
    status_updates: bool = True
    # Optional project fields on each generated card: `Backups used` (number), `SPEC` (text).
    project_fields: bool = False

    # Logging.
    log_level: str = "info"
    log_format: str = "auto"

    boards: list[BoardTarget] = Field(default_factory=list)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # load_settings() merges every layer itself; the model only validates what it is given.
        return (init_settings,)

    @field_validator("github_repo")
    @classmethod
    def _repo_is_owner_slash_name(cls, value: str | None) -> str | None:
        if value is not None and (value.count("/") != 1 or not all(value.split("/"))):
            raise ValueError("must look like OWNER/NAME")
        return value

    @field_validator("log_format")
    @classmethod
    def _known_log_format(cls, value: str) -> str:
        if value not in ("auto", "json", "console"):
            raise ValueError("must be auto, json or console")
        return value

    @property
    def github_enabled(self) -> bool:
        """True when there is enough to talk to GitHub: token, repository and project."""
        return bool(
            self.sync_to_github
            and self.github_token
            and self.github_repo
            and self.github_project_number
        )

    @property
    def effective_layout(self) -> Layout:
        # The guide's kanban_location "root" means one board at the workspace root.
        if self.kanban_location.lower() in ("root", "workspace", "single"):
            return Layout.SINGLE
        return self.layout

    def board_options(self) -> BoardOptions:
        return BoardOptions(
            column_mapping=self.column_mapping,
            include_steps=self.include_steps,
            layout=self.effective_layout,
            add_preparatory_tasks=self.add_preparatory_tasks,
            add_validation_tasks=self.add_validation_tasks,
        )

    def redacted(self) -> dict[str, Any]:
        """Settings as a JSON-able dict, the token reduced to whether it is set."""
        data = self.model_dump(mode="json", exclude={"github_token"})
        data["github_token"] = "set" if self.github_token else "unset"
        return data


def _setting_name(env_name: str) -> str | None:
    if env_name in _PLAIN_ENV_NAMES:
        return _PLAIN_ENV_NAMES[env_name]
    if env_name.startswith(ENV_PREFIX) and env_name != "KANBANGER_CONFIG":
        name = env_name[len(ENV_PREFIX) :].lower()
        if name in Settings.model_fields:
            return name
    return None


def _from_env_mapping(values: Mapping[str, str | None]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        name = _setting_name(key)
        if name is None or value is None:
            continue
        if name == "boards":
            try:
                out[name] = json.loads(value)
            except json.JSONDecodeError:
                out[name] = value
        else:
            out[name] = value
    # A KANBANGER_ name beats the plain one when both are set.
    for plain, name in _PLAIN_ENV_NAMES.items():
        prefixed = ENV_PREFIX + name.upper()
        if prefixed in values and values[prefixed] is not None:
            out[name] = values[prefixed]
        elif plain in values and values[plain] is not None:
            out[name] = values[plain]
    return out


def _read_dotenv(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    return _from_env_mapping(dotenv_values(path))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError("config file not found", source=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", source=str(path)) from None
    # Accept both flat keys and [kanbanger] / [daemon] / [github] / [enrich] groups; in the
    # last two a key may drop its group's prefix ([github] repo = … is github_repo).
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and key in ("kanbanger", "daemon", "github", "enrich"):
            prefix = f"{key}_" if key in ("github", "enrich") else ""
            for sub, subvalue in value.items():
                flat[sub if sub.startswith(prefix) else f"{prefix}{sub}"] = subvalue
        else:
            flat[key] = value
    return flat


def _read_guide_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"invalid JSON: {exc}", source=str(path)) from None
    if not isinstance(data, dict):
        raise ConfigError("expected a JSON object", source=str(path))
    return {k: data[k] for k in _GUIDE_KEYS if k in data}


def config_path(explicit: Path | None, environ: Mapping[str, str]) -> Path | None:
    """Which TOML config file applies, or None when there is none."""
    if explicit is not None:
        return explicit
    if environ.get("KANBANGER_CONFIG"):
        return Path(environ["KANBANGER_CONFIG"])
    base = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME", "~")) / ".config")
    candidate = Path(base).expanduser() / "kanbanger-daemon" / "config.toml"
    return candidate if candidate.is_file() else None


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
    layers: list[tuple[str, dict[str, Any]]] = [
        (str(root / GUIDE_CONFIG_NAME), _read_guide_json(root / GUIDE_CONFIG_NAME)),
    ]
    toml_path = config_path(config, env)
    if toml_path is not None:
        layers.append((str(toml_path), _read_toml(toml_path)))
    layers.append((str(root / ".env"), _read_dotenv(root / ".env")))
    layers.append(("the environment", _from_env_mapping(env)))
    if spec_dir is not None and spec_dir.resolve() != root.resolve():
        layers.append((str(spec_dir / ".env"), _read_dotenv(spec_dir / ".env")))
    layers.append(("command-line flags", {k: v for k, v in (flags or {}).items() if v is not None}))

    merged: dict[str, Any] = {}
    source_of: dict[str, str] = {}
    for source, values in layers:
        for key, value in values.items():
            merged[key] = value
            source_of[key] = source
    unknown = [k for k in merged if k not in Settings.model_fields]
    for key in unknown:
        if source_of[key] not in ("the environment",):
            raise ConfigError("unknown setting", key=key, source=source_of[key])
    try:
        settings = Settings(**merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else "?"
        raise ConfigError(
            f"invalid value: {first['msg']}", key=key, source=source_of.get(key, "defaults")
        ) from None
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
            return settings.model_copy(update=update)
    return settings
