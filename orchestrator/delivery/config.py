"""Delivery settings (``config/delivery.toml``) as values, checked when read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

KINDS = ("folder", "webhook", "wecom", "dingtalk", "email", "sms")
#: The channel kinds as the console and the exports name them.
KIND_LABELS = {
    "folder": "文件投递",
    "webhook": "接口推送",
    "wecom": "企业微信",
    "dingtalk": "钉钉",
    "email": "电子邮件",
    "sms": "短信",
}


@dataclass(frozen=True, slots=True)
class Retry:
    max_attempts: int = 6
    base_seconds: float = 30.0
    cap_seconds: float = 1800.0
    lease_seconds: float = 300.0
    timeout_seconds: float = 10.0


@dataclass(frozen=True, slots=True)
class Compliance:
    baseline_days: int = 7
    stop_max_ratio: float = 0.25
    limit_tolerance: float = 0.10
    min_baseline_kwh: float = 1.0
    exempt_tolerance: float = (
        0.05  # an autonomous (A-grade, exempt) line: at most baseline × (1 + this)
    )
    load_tolerance: float = 0.02  # a load-capped line: no hour above cap × (1 + this)


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    name: str
    kind: str
    options: Mapping[str, Any]

    def get(self, key: str, default: Any = "") -> Any:
        return self.options.get(key, default)

    @property
    def label(self) -> str:
        """The channel as users read it: its kind in Chinese."""
        return KIND_LABELS.get(self.kind, self.name)

    @property
    def enabled(self) -> bool:
        """A channel without its server (URL, SMTP host) configured is not in use."""
        if self.kind == "folder":
            return bool(self.get("path"))
        if self.kind in ("wecom", "dingtalk"):
            return bool(self.get("url") or self.get("county_urls", {}))
        if self.kind == "email":
            return bool(self.get("host"))
        return bool(self.get("url"))


def robot_url(options: Mapping[str, Any], county: str) -> str:
    """The group robot of the county's group, else the channel's default robot ("" if none)."""
    return str(dict(options.get("county_urls", {})).get(county) or options.get("url") or "")


@dataclass(frozen=True, slots=True)
class CountyContact:
    county: str
    contact: str
    phone: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    channels: Mapping[str, ChannelConfig]
    fallback: tuple[str, ...]
    aliases: Mapping[str, str]
    retry: Retry = Retry()
    escalation_hours: float | None = None  # None: the receipt deadline
    link_valid_days: int = 30
    counties: Mapping[str, CountyContact] = field(default_factory=dict)
    compliance: Compliance = Compliance()
    force_channel: str | None = None  # drills: every delivery goes to this channel
    # channel_names by what list rows say: a list has a handful of distinct values, and an
    # issue routes 100,000 enterprises
    _names: dict[str, tuple[str, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def channel_names(self, listed: str) -> tuple[str, ...]:
        """The channels to try for an enterprise whose list row says ``listed`` (e.g.
        "短信;邮件"): those, in order, then the fallback order; unknown names are skipped."""
        found = self._names.get(listed)
        if found is None:
            found = self._names[listed] = self._channel_names(listed)
        return found

    def _channel_names(self, listed: str) -> tuple[str, ...]:
        if self.force_channel is not None:
            return (self.force_channel,)
        names: list[str] = []
        for part in listed.replace("；", ";").replace("，", ";").replace(",", ";").split(";"):
            token = part.strip()
            name = self.aliases.get(token, token.lower())
            if name in self.channels and name not in names:
                names.append(name)
        names.extend(n for n in self.fallback if n not in names)
        return tuple(n for n in names if self.channels[n].enabled)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str) -> DeliveryConfig:
        """Checked values; a problem raises ``ValueError`` naming ``source`` and the key."""
        channels: dict[str, ChannelConfig] = {}
        for name, opts in dict(data.get("channels", {})).items():
            kind = opts.get("kind")
            if kind not in KINDS:
                raise ValueError(
                    f"{source}: channels.{name}.kind: {kind!r} is not one of {', '.join(KINDS)}"
                )
            channels[name] = ChannelConfig(name, kind, dict(opts))
        fallback = tuple(data.get("fallback", ()))
        for name in fallback:
            if name not in channels:
                raise ValueError(f"{source}: fallback: no channel named {name!r}")
        aliases = {str(k): str(v) for k, v in dict(data.get("aliases", {})).items()}
        for alias, name in aliases.items():
            if name not in channels:
                raise ValueError(f"{source}: aliases.{alias}: no channel named {name!r}")
        force = data.get("force_channel")
        if force is not None and force not in channels:
            raise ValueError(f"{source}: force_channel: no channel named {force!r}")
        retry = Retry(**dict(data.get("retry", {})))
        if retry.max_attempts < 1 or retry.base_seconds <= 0 or retry.lease_seconds <= 0:
            raise ValueError(
                f"{source}: retry: max_attempts, base_seconds and lease_seconds must be positive"
            )
        escalation = dict(data.get("escalation", {})).get("after_hours")
        counties = {
            str(k): CountyContact(
                county=str(k),
                contact=str(v.get("contact", "")),
                phone=str(v.get("phone", "")),
                email=str(v.get("email", "")),
            )
            for k, v in dict(data.get("counties", {})).items()
        }
        return cls(
            channels=channels,
            fallback=fallback,
            aliases=aliases,
            retry=retry,
            escalation_hours=None if escalation is None else float(escalation),
            link_valid_days=int(dict(data.get("links", {})).get("valid_days", 30)),
            counties=counties,
            compliance=Compliance(**dict(data.get("compliance", {}))),
            force_channel=force,
        )
