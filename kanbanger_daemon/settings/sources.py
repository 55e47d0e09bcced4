"""Reading one source of settings: an environment mapping, a ``.env``, the TOML, the guide's JSON.

Each reader returns a ``Layer``: the values by setting name, the name each was written under
(``KANBANGER_LAYOUT``, ``GITHUB_TOKEN``, ``github.repo``) so that an error can quote it, and
notes on what it ignored. A misspelt name is reported with the closest real one.
"""

from __future__ import annotations

import difflib
import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from kanbanger_daemon.errors import ConfigError, UnknownKeyError
from kanbanger_daemon.settings.model import Origin, Settings, Trust

ENV_PREFIX = "KANBANGER_"
GUIDE_CONFIG_NAME = ".spec-kanban.config.json"

# Unprefixed names people already use (kanbanger, GitHub Actions) → setting name.
PLAIN_ENV_NAMES = {
    "GITHUB_TOKEN": "github_token",
    "GITHUB_REPO": "github_repo",
    "GITHUB_PROJECT_NUMBER": "github_project_number",
    "GITHUB_GRAPHQL_URL": "github_graphql_url",
}
TOKEN_NAMES = ("KANBANGER_GITHUB_TOKEN", "GITHUB_TOKEN")
# KANBANGER_ names that are not settings: read by load_settings itself or by the git hook.
NOT_SETTINGS = frozenset({"KANBANGER_CONFIG", "KANBANGER_HOOK_TIMEOUT"})
# Settings that name a program to run: never taken from a file inside the workspace.
PROGRAM_SETTINGS = frozenset({"enrich_command"})

# Keys of the guide's .spec-kanban.config.json that we honour (same names as our settings).
GUIDE_KEYS = (
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
_TOML_GROUPS = {"kanbanger": "", "daemon": "", "github": "github_", "enrich": "enrich_"}
_CLOSE = 0.75


@dataclass
class Layer:
    """The settings one source gives, before layering."""

    kind: str  # see Origin.kind
    source: str
    trust: Trust
    values: dict[str, Any] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # setting → name as written
    notes: list[str] = field(default_factory=list)

    def origin(self, key: str) -> Origin:
        return Origin(self.kind, self.source, self.trust, self.names.get(key, key))

    def split(self, keys: Iterable[str]) -> tuple[Layer, Layer]:
        """(this layer without ``keys``, with only ``keys``); the notes go with the first."""
        wanted = set(keys)
        rest = {k: v for k, v in self.values.items() if k not in wanted}
        only = {k: v for k, v in self.values.items() if k in wanted}
        return (Layer(self.kind, self.source, self.trust, rest, self.names, self.notes),
                Layer(self.kind, self.source, self.trust, only, self.names))

    def drop_programs(self) -> None:
        """A file inside the workspace may not name a program to run: ignore it, and say so."""
        for key in sorted(PROGRAM_SETTINGS & self.values.keys()):
            del self.values[key]
            self.notes.append(
                f"ignored {self.names.get(key, key)} in {self.source}: a file inside the "
                f"workspace may not name a program to run; set it in the environment or your "
                f"user config")


def env_name(setting: str) -> str:
    return ENV_PREFIX + setting.upper()


def setting_of(env: str) -> str | None:
    """The setting an environment-style name sets, or None."""
    if env in PLAIN_ENV_NAMES:
        return PLAIN_ENV_NAMES[env]
    if env.startswith(ENV_PREFIX) and env not in NOT_SETTINGS:
        name = env[len(ENV_PREFIX):].lower()
        if name in Settings.model_fields:
            return name
    return None


def closest_setting(name: str) -> str | None:
    """The setting ``name`` (a flat, lower-case name) most likely meant, if any is close."""
    fields = list(Settings.model_fields)
    close = difflib.get_close_matches(name, fields, n=1, cutoff=_CLOSE)
    if close:
        return close[0]
    # A name missing its group, as ``[github]`` allows in the TOML: token → github_token.
    grouped = [f for f in fields if f.endswith(f"_{name}")]
    return grouped[0] if len(grouped) == 1 else None


def _did_you_mean(written: str, suggestion: str | None) -> str:
    return f"{written} (did you mean {suggestion}?)" if suggestion else written


def _unknown_env_name(key: str, layer: Layer, *, strict: bool) -> None:
    """A name that sets nothing: an error (``strict``, files) or a note when it looks misspelt."""
    if key.startswith(ENV_PREFIX):
        meant = closest_setting(key[len(ENV_PREFIX):].lower())
        suggestion = env_name(meant) if meant else None
        if strict:
            raise UnknownKeyError(f"unknown key {_did_you_mean(key, suggestion)}",
                                  source=layer.source)
        if suggestion:  # other tools' KANBANGER_ variables are no business of ours
            layer.notes.append(f"unknown setting {_did_you_mean(key, suggestion)} in "
                               f"{layer.source}: ignored")
    elif strict and key.startswith("GITHUB_"):
        # A .env is often shared with other tools, so an unknown GITHUB_ name is only a note.
        close = difflib.get_close_matches(key, list(PLAIN_ENV_NAMES), n=1, cutoff=0.8)
        if close:
            layer.notes.append(f"unknown setting {_did_you_mean(key, close[0])} in "
                               f"{layer.source}: ignored")


def read_env_mapping(values: Mapping[str, str | None], layer: Layer, *, strict: bool) -> Layer:
    """Fill ``layer`` from environment-style names; a KANBANGER_ name beats the plain one."""
    for key, value in values.items():
        if value is None:
            continue
        name = setting_of(key)
        if name is None:
            _unknown_env_name(key, layer, strict=strict)
            continue
        prefixed = env_name(name)
        if key != prefixed and values.get(prefixed) is not None:
            continue  # KANBANGER_GITHUB_TOKEN wins over GITHUB_TOKEN
        layer.names[name] = key
        if name == "boards":
            try:
                layer.values[name] = json.loads(value)
            except json.JSONDecodeError:
                layer.values[name] = value
        else:
            layer.values[name] = value
    return layer


def read_dotenv(path: Path, kind: str) -> Layer:
    layer = Layer(kind, str(path), Trust.WORKSPACE)
    if path.is_file():
        read_env_mapping(dotenv_values(path), layer, strict=True)
    return layer


def read_toml(path: Path) -> Layer:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError("config file not found", source=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", source=str(path)) from None
    layer = Layer("user config", str(path), Trust.USER)
    # Accept both flat keys and [kanbanger] / [daemon] / [github] / [enrich] groups; in the
    # last two a key may drop its group's prefix ([github] repo = … is github_repo).
    for key, value in data.items():
        if isinstance(value, dict) and key in _TOML_GROUPS:
            prefix = _TOML_GROUPS[key]
            for sub, subvalue in value.items():
                _put_toml(layer, sub if sub.startswith(prefix) else f"{prefix}{sub}", subvalue,
                          f"{key}.{sub}")
        else:
            _put_toml(layer, key, value, key)
    return layer


def _put_toml(layer: Layer, name: str, value: Any, written: str) -> None:
    if name not in Settings.model_fields:
        meant = closest_setting(name)
        raise UnknownKeyError(f"unknown key {_did_you_mean(written, meant)}", source=layer.source)
    layer.values[name] = value
    layer.names[name] = written


def read_guide_json(path: Path) -> Layer:
    layer = Layer("guide JSON", str(path), Trust.WORKSPACE)
    if not path.is_file():
        return layer
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"invalid JSON: {exc}", source=str(path)) from None
    if not isinstance(data, dict):
        raise ConfigError("expected a JSON object", source=str(path))
    # Other keys belong to the guide's own tools; only a program setting is worth a word.
    layer.values = {k: data[k] for k in (*GUIDE_KEYS, *PROGRAM_SETTINGS) if k in data}
    return layer
