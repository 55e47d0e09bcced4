"""Settings: the only package that reads the environment, `.env` files and config files.

Precedence, highest first (a key set higher wins; unset keys fall through):

1. command-line flags
2. a SPEC folder's own ``.env`` (for that SPEC's board only: the most specific place wins, so
   a SPEC can point at its own project even when the service sets ``GITHUB_PROJECT_NUMBER``)
3. for where a board goes (``GITHUB_REPO``, ``GITHUB_PROJECT_NUMBER``) only: the workspace's
   ``.env``, as in kanbanger, so a stale exported variable cannot send cards to the wrong board
4. environment variables (``KANBANGER_<SETTING>``; also ``GITHUB_TOKEN``, ``GITHUB_REPO``,
   ``GITHUB_PROJECT_NUMBER``, ``GITHUB_GRAPHQL_URL`` as kanbanger and GitHub Actions name them)
5. the workspace's ``.env`` (every other setting)
6. the TOML config file: ``--config``, else ``$KANBANGER_CONFIG``, else
   ``$XDG_CONFIG_HOME/kanbanger-daemon/config.toml`` (``~/.config/...``) when it exists
7. the integration guide's ``.spec-kanban.config.json`` at the workspace root
8. defaults

Trust boundaries (a repository can commit any file, ``.env`` included). Files inside the
workspace (``.env`` files, the guide's JSON) are trusted less than the environment and the user's
config file, which are trusted less than flags:

- the token is sent only to an API URL from the same source as the token or a more trusted one
  (``Settings.github_endpoint``); a workspace ``.env`` holding both is fine;
- a setting naming a program (``enrich_command``) found in a workspace file is ignored, with a
  warning.

Misspelt names: an unknown key in the TOML or an unknown ``KANBANGER_`` name in a ``.env`` is an
error offering the closest setting; in the environment, where other tools' ``KANBANGER_``
variables may live, an unknown name is a warning when it is close to a setting, else ignored.

The layering is done here explicitly (rather than by pydantic-settings' own source chain) so
that a bad value is reported with the name *and* the file or variable it came from.
"""

from kanbanger_daemon.settings.loader import (
    BOARD_TARGET_SETTINGS,
    config_path,
    exposed_token_files,
    load_settings,
    warn_exposed_token_files,
)
from kanbanger_daemon.settings.model import (
    DEFAULT_GRAPHQL_URL,
    BoardTarget,
    Origin,
    Settings,
    Trust,
)
from kanbanger_daemon.settings.sources import ENV_PREFIX, GUIDE_CONFIG_NAME

__all__ = [
    "BOARD_TARGET_SETTINGS",
    "DEFAULT_GRAPHQL_URL",
    "ENV_PREFIX",
    "GUIDE_CONFIG_NAME",
    "BoardTarget",
    "Origin",
    "Settings",
    "Trust",
    "config_path",
    "exposed_token_files",
    "load_settings",
    "warn_exposed_token_files",
]
