"""The ``Settings`` model, and where each of its values came from (``Origin``, ``Trust``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from kanbanger_daemon.errors import ConfigError
from kanbanger_daemon.models import BoardOptions, ColumnMapping, Layout

DEFAULT_GRAPHQL_URL = "https://api.github.com/graphql"
USER_CONFIG_HINT = "~/.config/kanbanger-daemon/config.toml"


class Trust(IntEnum):
    """How directly the user controls a source of settings (higher: more)."""

    WORKSPACE = 1  # files inside the workspace: whoever can commit to the repository chose them
    USER = 2  # the environment and the user's config file
    FLAG = 3  # the command line
    BUILTIN = 4  # the defaults written in this program


@dataclass(frozen=True)
class Origin:
    """Where one setting's value came from."""

    kind: str  # flag, SPEC .env, workspace .env, environment, user config, guide JSON, default
    source: str  # the file, "the environment", "command-line flags" or "defaults"
    trust: Trust
    name: str | None = None  # the name as written there: GITHUB_TOKEN, KANBANGER_LAYOUT, …

    def describe(self) -> str:
        """``GITHUB_TOKEN in the environment``, ``github_graphql_url in /ws/.env``, ``defaults``."""
        return f"{self.name} in {self.source}" if self.name else self.source


DEFAULT_ORIGIN = Origin("default", "defaults", Trust.BUILTIN)


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
    # Completed tasks wait in REVIEW for a person's approval (always on for a board that has a
    # REVIEW column).
    review_gate: bool = False
    kanban_location: str = "spec_folder"
    sync_to_github: bool = True
    track_progress_live: bool = True
    auto_generate: bool = True
    generate_on_spec_creation: bool = True
    enrich_with_llm: bool = False
    specs_dir: str = "SPECs"
    # A program to run: read only from the environment, the user's config or flags.
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

    # Where each value came from (load_settings fills it; a value not in it is a default), and
    # what loading had to say (ignored or overridden values) for whoever shows it.
    _origins: dict[str, Origin] = PrivateAttr(default_factory=dict)
    _notes: tuple[str, ...] = PrivateAttr(default=())

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

    @property
    def notes(self) -> tuple[str, ...]:
        """What loading ignored or overrode, one line each (already logged once)."""
        return self._notes

    def origin(self, name: str) -> Origin:
        """Where the setting ``name`` came from."""
        return self._origins.get(name, DEFAULT_ORIGIN)

    def token_destination_error(self, token: Origin | None = None) -> ConfigError | None:
        """Why the token (from ``token``, else from these settings) may not go to the API URL.

        The token goes only to a URL from the same source or a more trusted one: a file inside
        the workspace may not choose where a token from the environment, the user's config or
        a flag is sent. None when it may.
        """
        if token is None and self.github_token is None:
            return None
        token = token or self.origin("github_token")
        url = self.origin("github_graphql_url")
        same_file = url.trust != Trust.WORKSPACE or url.source == token.source
        if url.trust > token.trust or (url.trust == token.trust and same_file):
            return None
        return ConfigError(
            f"{url.source} sets {url.name or 'GITHUB_GRAPHQL_URL'}, but the token comes from "
            f"{token.describe()}: a file in the workspace may not choose where your token is "
            f"sent. To allow it, move GITHUB_GRAPHQL_URL to your user config "
            f"({USER_CONFIG_HINT}: github_graphql_url = \"…\") or to the environment"
        )

    def github_endpoint(self) -> tuple[str, str]:
        """The token and the API URL it may be sent to. ConfigError when either is refused."""
        if self.github_token is None:
            raise ConfigError("GITHUB_TOKEN is not set", key="github_token")
        refused = self.token_destination_error()
        if refused is not None:
            raise refused
        return self.github_token.get_secret_value(), self.github_graphql_url

    def board_options(self) -> BoardOptions:
        return BoardOptions(
            column_mapping=self.column_mapping,
            include_steps=self.include_steps,
            layout=self.effective_layout,
            add_preparatory_tasks=self.add_preparatory_tasks,
            add_validation_tasks=self.add_validation_tasks,
            review_gate=self.review_gate,
        )

    def redacted(self) -> dict[str, Any]:
        """Settings as a JSON-able dict, the token reduced to whether it is set."""
        data = self.model_dump(mode="json", exclude={"github_token"})
        data["github_token"] = "set" if self.github_token else "unset"
        return data
