"""Typed settings: defaults < ``config/orchestrator.toml`` < environment (``ORCHESTRATOR_*``)."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from orchestrator.errors import ConfigInvalid

#: The checkout this package lives in; default base of the data folders.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _settings_file() -> Path:
    return Path(
        os.environ.get("ORCHESTRATOR_SETTINGS_FILE", PROJECT_ROOT / "config" / "orchestrator.toml")
    )


class Settings(BaseSettings):
    """Everything the composition root needs; nothing else reads the environment."""

    model_config = SettingsConfigDict(env_prefix="ORCHESTRATOR_", extra="ignore")

    database_url: str = Field(default="", description="SQLAlchemy URL; empty = SQLite in data_dir")
    time_zone: str = "Asia/Shanghai"
    region_name: str = "示例市"
    region_code: str = "999900"
    ruleset: str = "mee-2024"
    # The area served, as config/regions.toml's ``serves`` says unless set here: a city's code,
    # or the province's (the provincial platform: the province's office and all its cities).
    serves: str = ""
    config_dir: Path = PROJECT_ROOT / "config"
    templates_dir: Path = PROJECT_ROOT / "templates"
    city_templates_dir: Path | None = None  # a city's overrides, searched before templates_dir
    emission_lists_dir: Path = PROJECT_ROOT / "emission_lists"
    data_dir: Path = PROJECT_ROOT / "data"
    # Signs the enterprises' acknowledge links; the same on every server. Empty: a random key
    # kept in data_dir/link.key (one server).
    link_secret: str = Field(default="", repr=False)
    # Federation between installations (a province's and a city's own): this installation's
    # Ed25519 private key (orchestrator federation keygen); the others' public keys are
    # config/federation/<code>.pub.
    federation_key_file: Path | None = None
    # A city's own installation under a provincial platform: the platform's address and an API
    # token of one of the city's accounts there.
    province_url: str = ""
    province_token: str = Field(default="", repr=False)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("region_code")
    @classmethod
    def _six_digits(cls, value: str) -> str:
        if not (len(value) == 6 and value.isdigit()):
            raise ValueError("region_code must be a 6-digit administrative division code")
        return value

    @field_validator("serves")
    @classmethod
    def _served_code(cls, value: str) -> str:
        if value and not (len(value) == 6 and value.isdigit()):
            raise ValueError("serves must be a 6-digit administrative division code or empty")
        return value

    @field_validator(
        "config_dir",
        "templates_dir",
        "emission_lists_dir",
        "data_dir",
        "city_templates_dir",
        "federation_key_file",
    )
    @classmethod
    def _anchor(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        return value if value.is_absolute() else PROJECT_ROOT / value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'orchestrator.db'}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_settings_file())
        return (init_settings, env_settings, toml)


def load_settings() -> Settings:
    """Settings from file and environment; a bad value is a :class:`ConfigInvalid` naming it."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigInvalid(
            f"设置有误（{_settings_file()} 或 ORCHESTRATOR_* 环境变量）：{problems}"
        ) from exc
