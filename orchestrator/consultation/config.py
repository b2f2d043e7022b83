"""Consultation settings (``config/consultation.toml``) as values, checked when read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from orchestrator.delivery.config import KINDS, ChannelConfig
from orchestrator.errors import InputInvalid


class UnknownSource(InputInvalid, ValueError):
    """Raised when a forecast source is asked for by a name the configuration does not have
    (a ValueError too, as every other bad value of the consultation).
    """


SOURCE_KINDS = ("folder", "http")


@dataclass(frozen=True, slots=True)
class SourceConfig:
    name: str
    kind: str  # folder, http
    options: Mapping[str, Any]

    def get(self, key: str, default: Any = "") -> Any:
        return self.options.get(key, default)

    @property
    def enabled(self) -> bool:
        return bool(self.get("path") if self.kind == "folder" else self.get("url"))


@dataclass(frozen=True, slots=True)
class Health:
    max_forecast_age_hours: float = 30.0
    min_forecast_days: int = 3
    max_observation_age_hours: float = 3.0
    monitoring_degrades: bool = False
    max: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Slot:
    name: str
    time: dt.time
    active_only: bool = False


@dataclass(frozen=True, slots=True)
class Schedule:
    slots: tuple[Slot, ...]
    misfire_grace_seconds: int = 1800
    lease_seconds: int = 900


@dataclass(frozen=True, slots=True)
class ConsultationConfig:
    default_source: str
    detail_days: int
    health: Health
    sources: Mapping[str, SourceConfig]
    monitoring: SourceConfig | None
    min_station_share: float
    schedule: Schedule
    notify_channels: tuple[ChannelConfig, ...]
    notify_emails: tuple[str, ...]
    consulted_by: str = "市重污染天气应急指挥部办公室会同市气象局"

    def source(self, name: str | None) -> SourceConfig:
        chosen = name or self.default_source
        try:
            return self.sources[chosen]
        except KeyError:
            known = "、".join(sorted(self.sources))
            raise UnknownSource(f"未知的预报数据源“{chosen}”（可用：{known}）") from None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str) -> ConsultationConfig:
        def bad(where: str, what: str) -> ValueError:
            return ValueError(f"{source}: {where}: {what}")

        sources: dict[str, SourceConfig] = {}
        for name, opts in dict(data.get("sources", {})).items():
            kind = opts.get("kind")
            if kind not in SOURCE_KINDS:
                raise bad(f"sources.{name}.kind", f"must be one of {', '.join(SOURCE_KINDS)}")
            sources[name] = SourceConfig(name, kind, dict(opts))
        if not sources:
            raise bad("sources", "at least one forecast source is needed")
        default = str(data.get("default_source", next(iter(sources))))
        if default not in sources:
            raise bad("default_source", f"no source named {default!r}")

        mon = dict(data.get("monitoring", {}))
        monitoring = None
        if mon:
            kind = mon.get("kind", "folder")
            if kind not in SOURCE_KINDS:
                raise bad("monitoring.kind", f"must be one of {', '.join(SOURCE_KINDS)}")
            monitoring = SourceConfig("monitoring", kind, mon)
        share = float(mon.get("min_station_share", 0.75))
        if not 0 < share <= 1:
            raise bad("monitoring.min_station_share", "must be in (0, 1]")

        h = dict(data.get("health", {}))
        health = Health(
            max_forecast_age_hours=float(h.get("max_forecast_age_hours", 30)),
            min_forecast_days=int(h.get("min_forecast_days", 3)),
            max_observation_age_hours=float(h.get("max_observation_age_hours", 3)),
            monitoring_degrades=bool(h.get("monitoring_degrades", False)),
            max={str(k): float(v) for k, v in dict(h.get("max", {})).items()},
        )

        s = dict(data.get("schedule", {}))
        slots = []
        for i, item in enumerate(s.get("slots", [])):
            where = f"schedule.slots[{i}]"
            try:
                time = dt.time.fromisoformat(str(item["time"]))
            except (KeyError, ValueError):
                raise bad(f"{where}.time", "must be HH:MM") from None
            name = str(item.get("name") or f"{time:%H%M}")
            slots.append(Slot(name, time, bool(item.get("active_only", False))))
        if len({sl.name for sl in slots}) != len(slots):
            raise bad("schedule.slots", "slot names must differ")
        schedule = Schedule(
            slots=tuple(slots),
            misfire_grace_seconds=int(s.get("misfire_grace_seconds", 1800)),
            lease_seconds=int(s.get("lease_seconds", 900)),
        )

        n = dict(data.get("notify", {}))
        defined = dict(n.get("channels", {}))
        names = n.get("use", list(defined))
        notify: list[ChannelConfig] = []
        for name in names:
            opts = defined.get(name)
            if opts is None:
                raise bad(f"notify.channels.{name}", "not defined")
            kind = opts.get("kind")
            if kind not in KINDS:
                raise bad(f"notify.channels.{name}.kind", f"must be one of {', '.join(KINDS)}")
            notify.append(ChannelConfig(name, kind, dict(opts)))

        return cls(
            default_source=default,
            detail_days=int(data.get("detail_days", 3)),
            health=health,
            sources=sources,
            monitoring=monitoring,
            min_station_share=share,
            schedule=schedule,
            notify_channels=tuple(notify),
            notify_emails=tuple(str(e) for e in n.get("emails", [])),
            consulted_by=str(data.get("consulted_by", "")).strip()
            or "市重污染天气应急指挥部办公室会同市气象局",
        )
