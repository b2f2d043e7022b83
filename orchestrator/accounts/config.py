"""The console's sign-in and session rules (``config/console.toml``) as values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Policy:
    lockout_attempts: int = 5
    lockout_minutes: int = 15
    session_hours: float = 12.0


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    policy: Policy
    secure_cookies: bool = False
    # the dashboard's receipt counts are recomputed at most this often (0: on every view)
    receipts_seconds: float = 0.0
    # an uploaded workbook is read in a process of its own within these limits
    upload_memory_mb: int = 3072
    upload_seconds: float = 180.0
    # the dashboard's warnings: a process silent this long, a consultation this old
    worker_stale_minutes: float = 10.0
    scheduler_stale_minutes: float = 15.0
    consultation_stale_hours: float = 26.0
    refresh_seconds: int = 60

    @classmethod
    def from_mapping(cls, data: dict[str, Any], *, source: str) -> ConsoleConfig:
        try:
            policy = Policy(
                lockout_attempts=int(data.get("lockout_attempts", 5)),
                lockout_minutes=int(data.get("lockout_minutes", 15)),
                session_hours=float(data.get("session_hours", 12)),
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{source}: {exc}") from None
        if policy.lockout_attempts < 1 or policy.lockout_minutes < 1 or policy.session_hours <= 0:
            raise ValueError(
                f"{source}: lockout_attempts, lockout_minutes and session_hours must be positive"
            )
        try:
            receipts_seconds = float(data.get("receipts_seconds", 0))
        except (TypeError, ValueError):
            raise ValueError(f"{source}: receipts_seconds must be a number of seconds") from None
        if not 0 <= receipts_seconds <= 300:
            raise ValueError(f"{source}: receipts_seconds must be between 0 and 300")
        try:
            memory = int(data.get("upload_memory_mb", 3072))
            seconds = float(data.get("upload_seconds", 180))
        except (TypeError, ValueError):
            raise ValueError(
                f"{source}: upload_memory_mb and upload_seconds must be numbers"
            ) from None
        if memory < 256 or not 1 <= seconds <= 3600:
            raise ValueError(
                f"{source}: upload_memory_mb must be at least 256, upload_seconds 1 to 3600"
            )
        try:
            limits = {
                key: float(data.get(key, default))
                for key, default in (
                    ("worker_stale_minutes", 10),
                    ("scheduler_stale_minutes", 15),
                    ("consultation_stale_hours", 26),
                    ("refresh_seconds", 60),
                )
            }
        except (TypeError, ValueError):
            raise ValueError(f"{source}: the dashboard's limits must be numbers") from None
        if any(v < 0 for v in limits.values()):
            raise ValueError(f"{source}: the dashboard's limits must not be negative")
        return cls(
            policy,
            bool(data.get("secure_cookies", False)),
            receipts_seconds,
            memory,
            seconds,
            worker_stale_minutes=limits["worker_stale_minutes"],
            scheduler_stale_minutes=limits["scheduler_stale_minutes"],
            consultation_stale_hours=limits["consultation_stale_hours"],
            refresh_seconds=int(limits["refresh_seconds"]),
        )
