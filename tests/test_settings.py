"""Typed settings: defaults, the TOML file, the environment, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.errors import ConfigInvalid
from orchestrator.settings import PROJECT_ROOT, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    import os

    for key in list(os.environ):
        if key.startswith("ORCHESTRATOR_"):
            monkeypatch.delenv(key)


def test_defaults_use_sqlite_in_the_data_folder_and_shanghai_time(monkeypatch, tmp_path):
    monkeypatch.setenv("ORCHESTRATOR_SETTINGS_FILE", str(tmp_path / "absent.toml"))
    s = load_settings()
    assert s.effective_database_url == f"sqlite:///{PROJECT_ROOT / 'data' / 'orchestrator.db'}"
    assert s.time_zone == "Asia/Shanghai"
    assert s.ruleset == "mee-2024"
    assert s.config_dir == PROJECT_ROOT / "config"


def test_the_toml_file_sets_values_and_the_environment_wins(monkeypatch, tmp_path):
    f = tmp_path / "city.toml"
    f.write_text(
        'region_name = "太原市"\nregion_code = "140100"\nruleset = "taiyuan-2020"\n'
        'database_url = "postgresql+psycopg://u@db/x"\ndata_dir = "var/data"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("ORCHESTRATOR_SETTINGS_FILE", str(f))
    s = load_settings()
    assert (s.region_name, s.region_code, s.ruleset) == ("太原市", "140100", "taiyuan-2020")
    assert s.effective_database_url == "postgresql+psycopg://u@db/x"
    assert s.data_dir == PROJECT_ROOT / "var" / "data"  # relative folders hang off the project
    monkeypatch.setenv("ORCHESTRATOR_RULESET", "shanxi-2020")
    assert load_settings().ruleset == "shanxi-2020"


def test_shipped_settings_file_is_valid():
    s = load_settings()
    assert s.region_code.isdigit()


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("ORCHESTRATOR_TIME_ZONE", "Asia/Nowhere", "time_zone"),
        ("ORCHESTRATOR_REGION_CODE", "14010", "region_code"),
    ],
)
def test_bad_values_name_the_setting(monkeypatch, key, value, field):
    monkeypatch.setenv(key, value)
    with pytest.raises(ConfigInvalid, match=field):
        load_settings()


def test_settings_file_path_can_be_relative_to_the_cwd(monkeypatch, tmp_path):
    (tmp_path / "s.toml").write_text('region_name = "晋中市"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ORCHESTRATOR_SETTINGS_FILE", str(Path("s.toml")))
    assert load_settings().region_name == "晋中市"
