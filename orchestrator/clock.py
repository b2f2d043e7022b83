"""Where "now" comes from. The core never reads the clock; edges pass ``now`` in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, timezone-aware."""
        ...


@dataclass(frozen=True, slots=True)
class SystemClock:
    zone: ZoneInfo

    def now(self) -> dt.datetime:
        return dt.datetime.now(self.zone)


@dataclass(frozen=True, slots=True)
class FixedClock:
    """A clock stopped at one instant (``--now`` on the command line, tests, replays)."""

    instant: dt.datetime

    def __post_init__(self) -> None:
        if self.instant.tzinfo is None:
            raise ValueError("a fixed clock needs a timezone-aware instant")

    def now(self) -> dt.datetime:
        return self.instant


class SimulatedClock:
    """A clock a drill moves forward by hand: the whole pipeline reads it, never the wall."""

    def __init__(self, instant: dt.datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("a simulated clock needs a timezone-aware instant")
        self.instant = instant

    def now(self) -> dt.datetime:
        return self.instant

    def advance_to(self, instant: dt.datetime) -> None:
        """Move to ``instant``; time never runs backwards."""
        self.instant = max(self.instant, instant)
