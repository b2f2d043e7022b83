"""The composition root: the one place that turns settings into wired collaborators."""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.alerts.model import Ruleset, select_ruleset
from orchestrator.aqi.model import AqiStandard
from orchestrator.clock import Clock, SystemClock
from orchestrator.config_files import load_rulesets, load_standards
from orchestrator.settings import Settings, load_settings


@dataclass(frozen=True, slots=True)
class Context:
    settings: Settings
    standards: tuple[AqiStandard, ...]
    rulesets: tuple[Ruleset, ...]
    clock: Clock

    def ruleset(self, ruleset_id: str | None = None) -> Ruleset:
        return select_ruleset(self.rulesets, ruleset_id or self.settings.ruleset)


def bootstrap(settings: Settings | None = None, clock: Clock | None = None) -> Context:
    settings = settings or load_settings()
    return Context(
        settings=settings,
        standards=load_standards(settings.config_dir),
        rulesets=load_rulesets(settings.config_dir),
        clock=clock or SystemClock(settings.zone),
    )
