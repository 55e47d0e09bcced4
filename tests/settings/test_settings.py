"""Settings precedence, env names, guide JSON keys and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kanbanger_daemon.errors import ConfigError, UnknownKeyError
from kanbanger_daemon.models import ColumnMapping, Layout
from kanbanger_daemon.settings import load_settings
from tests.helpers.paths import PROJECT_ROOT


def test_defaults_without_any_file(tmp_path: Path) -> None:
    s = load_settings(tmp_path, environ={})
    assert s.quiet_ms == 300 and s.max_wait_ms == 3000
    assert s.layout is Layout.PER_SPEC
    assert not s.github_enabled


def test_precedence_flags_specenv_env_dotenv_toml_json(tmp_path: Path) -> None:
    (tmp_path / ".spec-kanban.config.json").write_text(
        json.dumps({"include_steps": True, "column_mapping": "hierarchical", "unrelated": 1})
    )
    cfg = tmp_path / "config.toml"
    cfg.write_text('quiet_ms = 100\nmax_wait_ms = 900\ncolumn_mapping = "execution-state"\n')
    (tmp_path / ".env").write_text("KANBANGER_QUIET_MS=200\nKANBANGER_MAX_WAIT_MS=800\n")
    spec_dir = tmp_path / "SPECs" / "a"
    spec_dir.mkdir(parents=True)
    (spec_dir / ".env").write_text("GITHUB_PROJECT_NUMBER=7\nKANBANGER_MAX_WAIT_MS=700\n")
    env = {"KANBANGER_MAX_WAIT_MS": "600", "GITHUB_PROJECT_NUMBER": "3"}

    s = load_settings(tmp_path, config=cfg, environ=env, flags={"max_wait_ms": 500})
    assert s.include_steps is True  # only in the guide's JSON
    assert s.column_mapping is ColumnMapping.EXECUTION_STATE  # TOML beats JSON
    assert s.quiet_ms == 200  # workspace .env beats TOML
    assert s.max_wait_ms == 500  # flags beat everything
    assert s.github_project_number == 3  # environment beats files

    s2 = load_settings(tmp_path, spec_dir=spec_dir, config=cfg, environ=env)
    assert s2.github_project_number == 7 and s2.max_wait_ms == 700  # the SPEC's own .env


def test_flat_env_names_for_every_setting(tmp_path: Path) -> None:
    env = {"KANBANGER_LAYOUT": "single", "KANBANGER_COLUMN_MAPPING": "hierarchical",
           "KANBANGER_INCLUDE_STEPS": "true", "KANBANGER_POLL_INTERVAL": "5"}
    s = load_settings(tmp_path, environ=env)
    assert s.layout is Layout.SINGLE and s.include_steps and s.poll_interval == 5


def test_config_file_from_environment_variable(tmp_path: Path) -> None:
    cfg = tmp_path / "elsewhere.toml"
    cfg.write_text("[github]\nrepo = 'octo/specs'\nproject_number = 4\n")
    env = {"KANBANGER_CONFIG": str(cfg), "GITHUB_TOKEN": "tok_abcdef"}
    s = load_settings(tmp_path, environ=env)
    assert s.github_repo == "octo/specs" and s.github_project_number == 4 and s.github_enabled


def test_bad_value_names_key_and_file(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('quiet_ms = "soon"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path, config=cfg, environ={})
    assert "quiet_ms" in str(err.value) and str(cfg) in str(err.value)


def test_bad_env_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path, environ={"GITHUB_REPO": "no-slash"})
    assert "[GITHUB_REPO] in the environment" in str(err.value)
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path, environ={"KANBANGER_LAYOUT": "diagonal"})
    assert "[KANBANGER_LAYOUT] in the environment" in str(err.value)
    (tmp_path / ".env").write_text("KANBANGER_QUIET_MS=soon\n")
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path, environ={})
    assert f"[KANBANGER_QUIET_MS] in {tmp_path / '.env'}" in str(err.value)


def test_unknown_key_in_toml_is_an_error_with_the_closest_name(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("quite_ms = 3\n")
    with pytest.raises(UnknownKeyError) as err:
        load_settings(tmp_path, config=cfg, environ={})
    assert str(err.value) == f"unknown key quite_ms (did you mean quiet_ms?) in {cfg}"
    cfg.write_text("[github]\nprojet_number = 3\n")
    with pytest.raises(UnknownKeyError, match=r"github\.projet_number \(did you mean "
                       r"github_project_number\?\)"):
        load_settings(tmp_path, config=cfg, environ={})


def test_unknown_kanbanger_name_in_a_dotenv_is_an_error_with_the_closest_name(
    tmp_path: Path,
) -> None:
    (tmp_path / ".env").write_text("KANBANGER_LAYOT=single\nDATABASE_URL=postgres://x\n")
    with pytest.raises(UnknownKeyError) as err:
        load_settings(tmp_path, environ={})
    assert str(err.value) == (f"unknown key KANBANGER_LAYOT (did you mean KANBANGER_LAYOUT?) "
                              f"in {tmp_path / '.env'}")
    # Another tool's GITHUB_ name close to ours is only a note: a .env is often shared.
    (tmp_path / ".env").write_text("GITHUB_PROJET_NUMBER=3\n")
    notes = load_settings(tmp_path, environ={}).notes
    assert notes == (f"unknown setting GITHUB_PROJET_NUMBER (did you mean "
                     f"GITHUB_PROJECT_NUMBER?) in {tmp_path / '.env'}: ignored",)


def test_misspelt_environment_variable_is_a_warning_with_the_closest_name(
    tmp_path: Path,
) -> None:
    env = {"KANBANGER_LAYOT": "single", "KANBANGER_TOKEN": "x", "KANBANGER_CHAOS_SEEDS": "5",
           "KANBANGER_HOOK_TIMEOUT": "9", "GITHUB_REPOSITORY": "a/b"}
    settings = load_settings(tmp_path, environ=env)
    assert settings.layout is Layout.PER_SPEC  # ignored, not guessed
    # Names close to no setting (other tools', the hook's) are not ours to judge.
    assert settings.notes == (
        "unknown setting KANBANGER_LAYOT (did you mean KANBANGER_LAYOUT?) in the environment: "
        "ignored",
        "unknown setting KANBANGER_TOKEN (did you mean KANBANGER_GITHUB_TOKEN?) in the "
        "environment: ignored",
    )


def test_where_a_board_goes_the_workspace_env_beats_the_environment(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("GITHUB_REPO=octo/specs\nGITHUB_PROJECT_NUMBER=4\n"
                                   "KANBANGER_QUIET_MS=200\n")
    env = {"GITHUB_REPO": "stale/other", "GITHUB_PROJECT_NUMBER": "9", "KANBANGER_QUIET_MS": "50"}
    s = load_settings(tmp_path, environ=env)
    assert (s.github_repo, s.github_project_number) == ("octo/specs", 4)
    assert s.quiet_ms == 50  # every other setting: the environment still wins
    assert s.origin("github_repo").kind == "workspace .env"
    assert s.notes[0] == (f"GITHUB_REPO in {tmp_path / '.env'} (octo/specs) overrides "
                          f"GITHUB_REPO in the environment (stale/other): the workspace .env "
                          f"decides where its boards go")
    flagged = load_settings(tmp_path, environ=env, flags={"github_repo": "octo/flag"})
    assert flagged.github_repo == "octo/flag" and flagged.origin("github_repo").kind == "flag"
    spec_dir = tmp_path / "SPECs" / "a"
    spec_dir.mkdir(parents=True)
    (spec_dir / ".env").write_text("GITHUB_PROJECT_NUMBER=7\n")
    assert load_settings(tmp_path, spec_dir=spec_dir, environ=env).github_project_number == 7


def test_invalid_toml_names_file(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("quiet_ms = = 3\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(tmp_path, config=cfg, environ={})


def test_kanban_location_root_means_single_board(tmp_path: Path) -> None:
    (tmp_path / ".spec-kanban.config.json").write_text('{"kanban_location": "root"}')
    assert load_settings(tmp_path, environ={}).effective_layout is Layout.SINGLE


def test_token_never_in_redacted_view_or_errors(tmp_path: Path) -> None:
    token = "ghp_SECRETSECRETSECRET123456"
    s = load_settings(tmp_path, environ={"GITHUB_TOKEN": token})
    assert token not in json.dumps(s.redacted()) and token not in repr(s)
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path, environ={"GITHUB_TOKEN": token, "KANBANGER_QUIET_MS": token})
    assert token not in str(err.value)


def test_boards_table_points_a_spec_elsewhere(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[[boards]]\npath = "SPECs/b"\ngithub_project_number = 9\n')
    spec_dir = tmp_path / "SPECs" / "b"
    spec_dir.mkdir(parents=True)
    env = {"GITHUB_PROJECT_NUMBER": "1"}
    s = load_settings(tmp_path, spec_dir=spec_dir, config=cfg, environ=env)
    assert s.github_project_number == 9


def test_config_example_is_valid_and_lists_every_setting(tmp_path: Path) -> None:
    example = PROJECT_ROOT / "config.example.toml"
    s = load_settings(tmp_path, config=example, environ={})
    # The example shows the defaults.
    assert s.model_dump() == load_settings(tmp_path, environ={}).model_dump()
    text = example.read_text()
    from kanbanger_daemon.settings import Settings

    missing = [name for name in Settings.model_fields
               if name not in ("github_token", "boards") and name not in text]
    assert missing == []


def test_enrich_group_in_toml(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[enrich]\ncommand = "llm --board"\ntimeout_s = 5\n')
    s = load_settings(tmp_path, config=cfg, environ={})
    assert s.enrich_command == "llm --board" and s.enrich_timeout_s == 5
